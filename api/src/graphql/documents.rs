//! Parsed operations, kept by their text, and what is known of their validity.
//!
//! Clients send the same few operations again and again with new variables. Parsing one is a
//! good part of a small request's cost, and admission (counting mutations and searches) and
//! execution both need the parsed document, so parsed documents are kept.
//!
//! Validating one against the schema is another good part, and all of it but one rule depends
//! on the document alone. The exception is that argument values must fit their types, and a
//! variable's value is an argument value. So once an operation has passed the full validation
//! and run without any error, later requests of the same text need only have their variables
//! checked against the types of the arguments they fill; they then run on a schema that skips
//! the document's rules ([`ValidationMode::Fast`], which still applies the depth and complexity
//! limits). The variable check here accepts only what the full validation accepts, and only
//! for operations simple enough to be sure of that: one operation, no named fragments, every
//! variable used as a whole argument of its declared type. Anything it is unsure of goes
//! through the full validation, which gives the usual errors.
//!
//! [`ValidationMode::Fast`]: async_graphql::ValidationMode::Fast

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use async_graphql::Positioned;
use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{Name, OutputType, Request, Response};
use async_graphql_value::{ConstValue, Value};

use super::{mutation::Mutation, query::Query};

/// Operations longer than this are parsed every time, so the cache holds at most
/// `CAPACITY * MAX_CACHED_CHARS` bytes of keys.
const MAX_CACHED_CHARS: usize = 8 * 1024;
const CAPACITY: usize = 256;

/// A parsed operation.
pub struct Operation {
    doc: ExecutableDocument,
    /// Set when the operation first ran without errors under the full validation: its
    /// variables and the types to check them against, or `None` when it is not simple enough.
    variables: OnceLock<Option<VariableTypes>>,
}

/// The operation's name, and each declared variable: its name, its declared type, whether it
/// has a default.
struct VariableTypes {
    operation: Option<Name>,
    variables: Vec<(Name, String, bool)>,
}

pub struct DocumentCache {
    parsed: Mutex<HashMap<String, Arc<Operation>>>,
    /// The schema's types, to read argument and input types from.
    types: Registry,
    query_root: String,
    mutation_root: String,
}

impl Default for DocumentCache {
    fn default() -> Self {
        let mut types = Registry::default();
        Query::create_type_info(&mut types);
        Mutation::create_type_info(&mut types);
        DocumentCache {
            parsed: Mutex::new(HashMap::new()),
            types,
            query_root: Query::type_name().into_owned(),
            mutation_root: Mutation::type_name().into_owned(),
        }
    }
}

/// A request made ready to run: whether it needs the full validation, and the operation to
/// record as valid if it does and then runs cleanly.
pub struct Prepared {
    operation: Option<Arc<Operation>>,
    /// The operation passed the full validation before and these variables fit it.
    pub validated: bool,
}

impl DocumentCache {
    /// Gives `req` its parsed document: from the cache, or parsed now and kept. A query that
    /// does not parse is left as it is, for the schema to refuse with its usual error.
    pub fn prepare(&self, req: &mut Request) -> Prepared {
        let cached = {
            let parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
            parsed.get(&req.query).cloned()
        };
        if let Some(op) = cached {
            req.set_parsed_query(op.doc.clone());
            let validated = op
                .variables
                .get()
                .and_then(Option::as_ref)
                .is_some_and(|v| v.accept(&self.types, req));
            return Prepared {
                operation: Some(op),
                validated,
            };
        }
        let not_kept = Prepared {
            operation: None,
            validated: false,
        };
        let cacheable = req.query.len() <= MAX_CACHED_CHARS;
        let Ok(doc) = req.parsed_query() else {
            return not_kept;
        };
        if !cacheable {
            return not_kept;
        }
        let op = Arc::new(Operation {
            doc: doc.clone(),
            variables: OnceLock::new(),
        });
        let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        // Full: start again rather than track use; the operations in use come back at once.
        if parsed.len() >= CAPACITY {
            parsed.clear();
        }
        parsed.insert(req.query.clone(), op.clone());
        Prepared {
            operation: Some(op),
            validated: false,
        }
    }

    /// Records what `response` shows of a request that went through the full validation: an
    /// answer without errors means the operation's document passed every rule.
    pub fn ran(&self, prepared: &Prepared, response: &Response) {
        if prepared.validated || !response.errors.is_empty() {
            return;
        }
        if let Some(op) = &prepared.operation {
            op.variables
                .get_or_init(|| VariableTypes::of(self, &op.doc));
        }
    }
}

impl VariableTypes {
    /// The variables of a simple operation, with the types their values must have.
    fn of(cache: &DocumentCache, doc: &ExecutableDocument) -> Option<VariableTypes> {
        if !doc.fragments.is_empty() {
            return None;
        }
        let (operation, op) = match &doc.operations {
            DocumentOperations::Single(op) => (None, &op.node),
            DocumentOperations::Multiple(ops) if ops.len() == 1 => {
                let (name, op) = ops.iter().next()?;
                (Some(name.clone()), &op.node)
            }
            DocumentOperations::Multiple(_) => return None,
        };
        let root = match op.ty {
            OperationType::Query => &cache.query_root,
            OperationType::Mutation => &cache.mutation_root,
            OperationType::Subscription => return None,
        };
        if uses_variables(&op.directives) {
            return None;
        }
        let mut uses = Vec::new();
        arguments(&cache.types, root, &op.selection_set.node, &mut uses)?;
        let mut declared = Vec::with_capacity(op.variable_definitions.len());
        for def in &op.variable_definitions {
            let def = &def.node;
            let ty = def.var_type.node.to_string();
            for (_, used_as) in uses.iter().filter(|(v, _)| *v == def.name.node.as_str()) {
                // A non-null variable may fill a nullable argument, nothing else may differ.
                if ty != *used_as && ty.strip_suffix('!') != Some(*used_as) {
                    return None;
                }
            }
            declared.push((def.name.node.clone(), ty, def.default_value.is_some()));
        }
        Some(VariableTypes {
            operation,
            variables: declared,
        })
    }

    /// Whether the request names this operation or none, and its variables fit: a non-null
    /// variable without a default is given, and every value given fits its type.
    fn accept(&self, types: &Registry, req: &Request) -> bool {
        let named = match (&req.operation_name, &self.operation) {
            (None, _) => true,
            (Some(asked), Some(name)) => asked == name.as_str(),
            (Some(_), None) => false,
        };
        named
            && self
                .variables
                .iter()
                .all(|(name, ty, has_default)| match req.variables.get(name) {
                    Some(value) => fits(types, ty, value),
                    None => *has_default || !ty.ends_with('!'),
                })
    }
}

fn uses_variables(directives: &[Positioned<Directive>]) -> bool {
    directives
        .iter()
        .any(|d| d.node.arguments.iter().any(|(_, v)| has_variable(&v.node)))
}

fn has_variable(value: &Value) -> bool {
    match value {
        Value::Variable(_) => true,
        Value::List(items) => items.iter().any(has_variable),
        Value::Object(fields) => fields.values().any(has_variable),
        _ => false,
    }
}

/// Collects (variable, argument type) for every argument that is a variable, or `None` when
/// the selection is not simple: a variable inside a list or object, or in a directive, a named
/// fragment, an introspection field other than `__typename`, a field not found.
fn arguments<'a>(
    types: &'a Registry,
    parent: &str,
    selection: &'a SelectionSet,
    uses: &mut Vec<(&'a str, &'a str)>,
) -> Option<()> {
    for item in &selection.items {
        match &item.node {
            Selection::Field(field) => {
                let field = &field.node;
                if uses_variables(&field.directives) {
                    return None;
                }
                let name = field.name.node.as_str();
                if name == "__typename" {
                    continue;
                }
                let meta = types.types.get(parent)?.field_by_name(name)?;
                for (arg, value) in &field.arguments {
                    match &value.node {
                        Value::Variable(v) => {
                            uses.push((v.as_str(), meta.args.get(arg.node.as_str())?.ty.as_str()))
                        }
                        other if has_variable(other) => return None,
                        _ => {}
                    }
                }
                let child = MetaTypeName::concrete_typename(&meta.ty);
                arguments(types, child, &field.selection_set.node, uses)?;
            }
            Selection::InlineFragment(fragment) => {
                let fragment = &fragment.node;
                if uses_variables(&fragment.directives) {
                    return None;
                }
                let on = fragment
                    .type_condition
                    .as_ref()
                    .map_or(parent, |c| c.node.on.node.as_str());
                arguments(types, on, &fragment.selection_set.node, uses)?;
            }
            Selection::FragmentSpread(_) => return None,
        }
    }
    Some(())
}

/// Whether `value` fits the input type `ty` as the full validation judges it, or more
/// strictly (a value refused here goes through the full validation, which has the last word).
fn fits(types: &Registry, ty: &str, value: &ConstValue) -> bool {
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => {
            !matches!(value, ConstValue::Null) && fits(types, inner, value)
        }
        MetaTypeName::List(inner) => match value {
            ConstValue::List(items) => items.iter().all(|i| fits(types, inner, i)),
            ConstValue::Null => true,
            // A single value stands for a list of one.
            other => fits(types, inner, other),
        },
        MetaTypeName::Named(name) => {
            if matches!(value, ConstValue::Null) {
                return true;
            }
            match types.types.get(name) {
                Some(MetaType::Scalar { is_valid, .. }) => {
                    is_valid.as_ref().is_none_or(|valid| valid(value))
                }
                Some(MetaType::Enum { enum_values, .. }) => match value {
                    ConstValue::Enum(v) => enum_values.contains_key(v.as_str()),
                    ConstValue::String(v) => enum_values.contains_key(v.as_str()),
                    _ => false,
                },
                Some(MetaType::InputObject {
                    input_fields,
                    oneof: false,
                    ..
                }) => match value {
                    ConstValue::Object(given) => {
                        given.keys().all(|k| input_fields.contains_key(k.as_str()))
                            && input_fields
                                .values()
                                .all(|f| match given.get(f.name.as_str()) {
                                    Some(v) => fits(types, &f.ty, v),
                                    None => {
                                        f.default_value.is_some()
                                            || !MetaTypeName::create(&f.ty).is_non_null()
                                    }
                                })
                    }
                    _ => false,
                },
                _ => false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::Variables;

    #[test]
    fn a_cached_operation_is_the_operation_parsed_again() {
        let cache = DocumentCache::default();
        let text = "query($q: String) { searchProducts(query: $q) { totalHits } }";
        let mut first = Request::new(text);
        cache.prepare(&mut first);
        let mut second = Request::new(text);
        cache.prepare(&mut second);
        let fresh = async_graphql::parser::parse_query(text).map(|d| format!("{d:?}"));
        let cached = second.parsed_query().map(|d| format!("{d:?}"));
        assert_eq!(cached.ok(), fresh.ok());
    }

    #[test]
    fn a_query_that_does_not_parse_is_left_for_the_schema_to_refuse() {
        let cache = DocumentCache::default();
        let mut req = Request::new("query { searchProducts(");
        cache.prepare(&mut req);
        assert!(req.parsed_query().is_err());
        assert!(cache.parsed.lock().map(|p| p.is_empty()).unwrap_or(false));
    }

    #[test]
    fn the_cache_never_holds_more_than_its_capacity() {
        let cache = DocumentCache::default();
        for i in 0..CAPACITY * 2 + 3 {
            cache.prepare(&mut Request::new(format!("{{ a{i}: __typename }}")));
        }
        let held = cache.parsed.lock().map(|p| p.len()).unwrap_or(usize::MAX);
        assert!((1..=CAPACITY).contains(&held), "{held}");
    }

    /// Prepares `text` with `variables` after one clean run: whether it skips the full
    /// validation.
    fn validated_after_a_clean_run(text: &str, variables: serde_json::Value) -> bool {
        let cache = DocumentCache::default();
        let first = cache.prepare(&mut Request::new(text));
        cache.ran(&first, &Response::new(ConstValue::Null));
        let mut req = Request::new(text).variables(Variables::from_json(variables));
        cache.prepare(&mut req).validated
    }

    const SEARCH: &str = "query($q: String, $f: ProductSearchFilter, $s: ProductSort, $n: Int) {
        searchProducts(query: $q, filter: $f, sort: $s, first: $n) { totalHits } }";

    #[test]
    fn variables_that_fit_skip_the_full_validation() {
        use serde_json::json;
        assert!(validated_after_a_clean_run(SEARCH, json!({})));
        assert!(validated_after_a_clean_run(
            SEARCH,
            json!({ "q": "maths", "s": "RATING", "n": 5,
                    "f": { "keyStages": ["KS2", "KS3"], "maxPricePence": 500, "categories": null } })
        ));
        // A single value stands for a list of one.
        assert!(validated_after_a_clean_run(
            SEARCH,
            json!({ "f": { "keyStages": "KS2" } })
        ));
    }

    #[test]
    fn variables_that_may_not_fit_go_through_the_full_validation() {
        use serde_json::json;
        for bad in [
            json!({ "q": 5 }),
            json!({ "s": "CHEAPEST" }),
            json!({ "n": "five" }),
            json!({ "f": { "keyStage": ["KS2"] } }),
            json!({ "f": { "keyStages": ["KS9"] } }),
            json!({ "f": "KS2" }),
            json!({ "f": { "maxPricePence": 1.5 } }),
        ] {
            assert!(!validated_after_a_clean_run(SEARCH, bad.clone()), "{bad}");
        }
    }

    #[test]
    fn only_simple_operations_that_ran_cleanly_skip_the_full_validation() {
        use serde_json::json;
        // Never ran cleanly.
        let cache = DocumentCache::default();
        let first = cache.prepare(&mut Request::new(SEARCH));
        cache.ran(
            &first,
            &Response::from_errors(vec![async_graphql::ServerError::new("bad", None)]),
        );
        assert!(!cache.prepare(&mut Request::new(SEARCH)).validated);
        for text in [
            // A variable inside an object.
            "query($k: [KeyStage!]) { searchProducts(filter: { keyStages: $k }) { totalHits } }",
            // A variable in a directive.
            "query($y: Boolean!) { searchProducts { totalHits @include(if: $y) } }",
            // A named fragment.
            "query { searchProducts { ...R } } fragment R on ProductSearchResults { totalHits }",
            // Two operations.
            "query A { searchProducts { totalHits } } query B { searchDeals { totalHits } }",
            // A nullable variable for a non-null argument.
            "query($id: ID) { product(id: $id) { name } }",
        ] {
            assert!(!validated_after_a_clean_run(text, json!({})), "{text}");
        }
        assert!(validated_after_a_clean_run(
            "query($id: ID!) { product(id: $id) { name } }",
            json!({ "id": "0b6f3a52-6f0e-4b9e-9a57-2d3c1e4f5a6b" })
        ));
        assert!(!validated_after_a_clean_run(
            "query($id: ID!) { product(id: $id) { name } }",
            json!({})
        ));
    }

    #[test]
    fn a_named_operation_skips_the_full_validation_only_when_asked_for_by_its_name() {
        let text = "query Find($q: String) { searchProducts(query: $q) { totalHits } }";
        let cache = DocumentCache::default();
        let first = cache.prepare(&mut Request::new(text));
        cache.ran(&first, &Response::new(ConstValue::Null));
        assert!(cache.prepare(&mut Request::new(text)).validated);
        let mut by_name = Request::new(text).operation_name("Find");
        assert!(cache.prepare(&mut by_name).validated);
        let mut other = Request::new(text).operation_name("Other");
        assert!(!cache.prepare(&mut other).validated);
    }
}
