//! Admitting a GraphQL request before it runs: who is calling (the bearer token, resolved to
//! an [`Actor`]) and whether their rate limits allow what the request asks for.
//!
//! Policy: a request that carries a token must carry a good one: a bad, expired or unknown
//! token is refused as a whole (`UNAUTHENTICATED`, HTTP 401) rather than served as anonymous,
//! so a client learns at once that its credentials need renewing.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use becta_domain::actor::{Actor, resolve_organisation};
use becta_domain::sea_orm::DatabaseConnection;
use poem::Request;

use crate::auth::Authenticator;
use crate::config::RateLimits;
use crate::ratelimit::Charge;

/// Why a request was not admitted, ready to become an HTTP error response.
pub enum Refusal {
    Unauthenticated(String),
    Unavailable,
}

/// The actor a request's `Authorization` header names, if it has one.
pub async fn authenticate(
    req: &Request,
    auth: &Authenticator,
    db: &DatabaseConnection,
    request_id: Option<String>,
) -> Result<Option<Actor>, Refusal> {
    let Some(header) = req.headers().get("authorization") else {
        return Ok(None);
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Refusal::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
        })?;
    let claims = auth
        .verify(token)
        .map_err(|e| Refusal::Unauthenticated(e.0))?;
    let org = match resolve_organisation(db, claims.role, claims.org.as_deref()).await {
        Ok(org) => org,
        Err(becta_domain::Error::Unauthenticated(m)) => return Err(Refusal::Unauthenticated(m)),
        Err(e) => {
            tracing::error!(error = %e, "resolving a token's organisation");
            return Err(Refusal::Unavailable);
        }
    };
    Ok(Some(Actor {
        user_id: auth.user_id(&claims.sub),
        role: claims.role,
        organisation_id: org.map(|o| o.id),
        email: claims.email.filter(|e| e.len() <= 254 && e.contains('@')),
        display_name: claims.name.map(|n| n.chars().take(200).collect::<String>()),
        request_id,
    }))
}

/// The client's address: the peer, or the first `X-Forwarded-For` hop when trusted.
pub fn client_address(req: &Request, limits: &RateLimits) -> String {
    if limits.trust_forwarded_for
        && let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
    {
        return first.to_owned();
    }
    req.remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// What a batch of operations costs: mutation fields and search fields at the root.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub mutations: u32,
    pub searches: u32,
}

/// Root fields that run a search.
const SEARCH_FIELDS: &[&str] = &["search", "searchProducts", "searchDeals"];

/// Counts what a request asks for (parsing it, if not parsed yet, and keeping the document for
/// execution). A query that does not parse costs nothing here: the schema refuses it with a
/// proper error.
pub fn cost_of(req: &mut async_graphql::Request) -> Cost {
    let operation_name = req.operation_name.clone();
    let Ok(doc) = req.parsed_query() else {
        return Cost::default();
    };
    let ops: Vec<_> = match &doc.operations {
        DocumentOperations::Single(op) => vec![&op.node],
        DocumentOperations::Multiple(map) => match &operation_name {
            Some(name) => map
                .iter()
                .filter(|(n, _)| n.as_str() == name)
                .map(|(_, op)| &op.node)
                .collect(),
            None => map.values().map(|op| &op.node).collect(),
        },
    };
    let mut cost = Cost::default();
    for op in ops {
        let mut names = Vec::new();
        root_fields(doc, &op.selection_set.node, &mut names, &mut Vec::new());
        match op.ty {
            OperationType::Mutation => cost.mutations += names.len() as u32,
            OperationType::Query => {
                cost.searches += names
                    .iter()
                    .filter(|n| SEARCH_FIELDS.contains(&n.as_str()))
                    .count() as u32;
            }
            OperationType::Subscription => {}
        }
    }
    cost
}

/// The root field names a selection set runs, through fragments; a fragment already being
/// expanded is skipped (the schema refuses such cycles anyway).
fn root_fields<'d>(
    doc: &'d ExecutableDocument,
    set: &'d SelectionSet,
    out: &mut Vec<String>,
    expanding: &mut Vec<&'d str>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => out.push(f.node.name.node.to_string()),
            Selection::InlineFragment(f) => {
                root_fields(doc, &f.node.selection_set.node, out, expanding)
            }
            Selection::FragmentSpread(s) => {
                let name = s.node.fragment_name.node.as_str();
                if expanding.contains(&name) || expanding.len() > 16 {
                    continue;
                }
                if let Some(def) = doc.fragments.get(&s.node.fragment_name.node) {
                    expanding.push(name);
                    root_fields(doc, &def.node.selection_set.node, out, expanding);
                    expanding.pop();
                }
            }
        }
    }
}

/// The buckets a request with `cost` charges.
pub fn charges(
    cost: Cost,
    actor: Option<&Actor>,
    address: &str,
    limits: &RateLimits,
) -> Vec<Charge> {
    let mut out = Vec::new();
    if cost.mutations > 0 {
        if let Some(a) = actor {
            out.push(Charge {
                key: format!("mutation:user:{}", a.user_id),
                per_minute: limits.mutations_per_token,
                cost: cost.mutations,
            });
        }
        out.push(Charge {
            key: format!("mutation:address:{address}"),
            per_minute: limits.mutations_per_address,
            cost: cost.mutations,
        });
    }
    if cost.searches > 0 {
        let key = match actor {
            Some(a) => format!("search:user:{}", a.user_id),
            None => format!("search:address:{address}"),
        };
        out.push(Charge {
            key,
            per_minute: limits.searches,
            cost: cost.searches,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(query: &str) -> Cost {
        cost_of(&mut async_graphql::Request::new(query))
    }

    #[test]
    fn each_mutation_field_counts_even_through_aliases_and_fragments() {
        assert_eq!(
            cost(
                "mutation { a: withdrawProduct(id: \"1\", version: 1) { id } b: withdrawProduct(id: \"2\", version: 1) { id } }"
            ),
            Cost {
                mutations: 2,
                searches: 0
            }
        );
        assert_eq!(
            cost("mutation { ...F ... on Mutation { c: x } } fragment F on Mutation { a: x b: x }"),
            Cost {
                mutations: 3,
                searches: 0
            }
        );
    }

    #[test]
    fn search_fields_count_and_plain_reads_are_free() {
        assert_eq!(
            cost(
                "{ a: searchProducts(query: \"x\") { totalHits } b: search(query: \"y\") { products { totalHits } } deals { totalCount } }"
            ),
            Cost {
                mutations: 0,
                searches: 2
            }
        );
        assert_eq!(cost("{ deals { totalCount } }"), Cost::default());
        assert_eq!(cost("not graphql"), Cost::default());
    }

    #[test]
    fn a_self_referencing_fragment_does_not_loop() {
        let c = cost("mutation { ...F } fragment F on Mutation { a: x ...F }");
        assert_eq!(c.mutations, 1);
    }
}
