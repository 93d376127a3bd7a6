//! Admitting a request before it runs (GraphQL, CSV exports): who is calling (the bearer token,
//! resolved to an [`Actor`]) and whether their rate limits allow what the request asks for.
//!
//! Policy: a request that carries a token must carry a good one: a bad, expired or unknown
//! token is refused as a whole (`UNAUTHENTICATED`, HTTP 401) rather than served as anonymous,
//! so a client learns at once that its credentials need renewing.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use becta_domain::actor::{Actor, resolve_organisation};
use becta_domain::sea_orm::DatabaseConnection;
use poem::{Request, Response};

use crate::auth::Authenticator;
use crate::config::RateLimits;
use crate::errors;
use crate::ratelimit::{Charge, Client, Limit, RateLimiter};
use crate::state::AppState;

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
        org_kind: org
            .as_ref()
            .and_then(|o| becta_domain::vocab::OrgKind::from_code(&o.kind)),
        organisation_id: org.map(|o| o.id),
        email: claims.email.filter(|e| e.len() <= 254 && e.contains('@')),
        display_name: claims.name.map(|n| n.chars().take(200).collect::<String>()),
        request_id,
    }))
}

/// The client's address: the peer, or the first `X-Forwarded-For` hop when trusted. A peer
/// that is not an IP socket (none is served today) counts as the unspecified address.
pub fn client_address(req: &Request, limits: &RateLimits) -> IpAddr {
    if limits.trust_forwarded_for
        && let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
    {
        return first;
    }
    req.remote_addr()
        .as_socket_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// What a batch of operations costs: mutation fields and search fields at the root.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub mutations: u32,
    pub searches: u32,
}

impl std::ops::Add for Cost {
    type Output = Cost;

    fn add(self, other: Cost) -> Cost {
        Cost {
            mutations: self.mutations.saturating_add(other.mutations),
            searches: self.searches.saturating_add(other.searches),
        }
    }
}

/// Root fields that run a search.
const SEARCH_FIELDS: &[&str] = &["search", "searchProducts", "searchDeals"];

/// Fragments (spread or inline) nested deeper than this at the root are refused rather than
/// counted, so counting never recurses without bound.
pub const MAX_FRAGMENT_NESTING: usize = 64;

/// Counts what a request asks for (parsing it, if not parsed yet, and keeping the document for
/// execution): every root field of the fully expanded operation. A query that does not parse
/// costs nothing here: the schema refuses it with a proper error. Root fragments nested past
/// [`MAX_FRAGMENT_NESTING`] are refused (the message says why), never left uncharged.
pub fn cost_of(req: &mut async_graphql::Request) -> Result<Cost, String> {
    let operation_name = req.operation_name.clone();
    let Ok(doc) = req.parsed_query() else {
        return Ok(Cost::default());
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
    let mut expansion = Expansion {
        doc,
        counted: HashMap::new(),
        expanding: Vec::new(),
    };
    let mut cost = Cost::default();
    for op in ops {
        let root = expansion.count(&op.selection_set.node, 0)?;
        let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        cost = cost
            + match op.ty {
                OperationType::Mutation => Cost {
                    mutations: clamp(root.fields),
                    searches: 0,
                },
                OperationType::Query => Cost {
                    mutations: 0,
                    searches: clamp(root.searches),
                },
                OperationType::Subscription => Cost::default(),
            };
    }
    Ok(cost)
}

/// Root fields of a selection set: all of them, and those that search.
#[derive(Debug, Default, Clone, Copy)]
struct RootFields {
    fields: u64,
    searches: u64,
}

impl RootFields {
    fn add(&mut self, other: RootFields) {
        self.fields = self.fields.saturating_add(other.fields);
        self.searches = self.searches.saturating_add(other.searches);
    }
}

/// Expands fragments once each: a named fragment's count is kept, so a fragment spread many
/// times (or spreading others many times) costs one walk.
struct Expansion<'d> {
    doc: &'d ExecutableDocument,
    counted: HashMap<&'d str, RootFields>,
    expanding: Vec<&'d str>,
}

impl<'d> Expansion<'d> {
    fn count(&mut self, set: &'d SelectionSet, nesting: usize) -> Result<RootFields, String> {
        if nesting > MAX_FRAGMENT_NESTING {
            return Err(format!(
                "fragments are nested more than {MAX_FRAGMENT_NESTING} deep at the root"
            ));
        }
        let mut total = RootFields::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => total.add(RootFields {
                    fields: 1,
                    searches: u64::from(SEARCH_FIELDS.contains(&f.node.name.node.as_str())),
                }),
                Selection::InlineFragment(f) => {
                    total.add(self.count(&f.node.selection_set.node, nesting + 1)?)
                }
                Selection::FragmentSpread(s) => {
                    let name = s.node.fragment_name.node.as_str();
                    if let Some(known) = self.counted.get(name) {
                        total.add(*known);
                        continue;
                    }
                    // A fragment that spreads itself: the schema refuses the document before
                    // anything runs, so it needs no charge.
                    if self.expanding.contains(&name) {
                        continue;
                    }
                    let Some(def) = self.doc.fragments.get(&s.node.fragment_name.node) else {
                        continue;
                    };
                    self.expanding.push(name);
                    let counted = self.count(&def.node.selection_set.node, nesting + 1);
                    self.expanding.pop();
                    let counted = counted?;
                    self.counted.insert(name, counted);
                    total.add(counted);
                }
            }
        }
        Ok(total)
    }
}

/// The limits a request with `cost` charges, in the order they are taken: the user's own
/// before the shared address's.
pub fn charges(cost: Cost, actor: Option<&Actor>, address: IpAddr) -> Vec<Charge> {
    let address = Client::address(address);
    let user = actor.map(|a| Client::User(a.user_id));
    let mut out = Vec::new();
    if cost.mutations > 0 {
        if let Some(user) = user {
            out.push(Charge {
                limit: Limit::MutationsPerUser,
                client: user,
                cost: cost.mutations,
            });
        }
        out.push(Charge {
            limit: Limit::MutationsPerAddress,
            client: address,
            cost: cost.mutations,
        });
    }
    if cost.searches > 0 {
        out.push(Charge {
            limit: Limit::Searches,
            client: user.unwrap_or(address),
            cost: cost.searches,
        });
    }
    out
}

/// What admitting a request needs besides the application state: the limits and the limiter.
#[derive(Clone)]
pub struct Admission {
    pub rate: RateLimits,
    pub limiter: Arc<RateLimiter>,
}

impl Admission {
    pub fn new(rate: RateLimits) -> Self {
        Admission {
            limiter: Arc::new(RateLimiter::new(&rate)),
            rate,
        }
    }
}

/// Authenticates the caller and charges `cost` to their rate limits: the actor (none when
/// anonymous), or the answer that refuses the request (401, 429 or 503).
pub async fn admit(
    req: &Request,
    state: &AppState,
    admission: &Admission,
    cost: Cost,
) -> Result<Option<Actor>, Response> {
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    let actor = match authenticate(req, &state.auth, &state.db, request_id).await {
        Ok(a) => a,
        Err(Refusal::Unauthenticated(msg)) => {
            return Err(errors::unauthenticated(
                &msg,
                "Bearer error=\"invalid_token\"",
            ));
        }
        Err(Refusal::Unavailable) => {
            return Err(errors::domain_error(becta_domain::Error::Unavailable(
                "resolving a token's organisation".into(),
            )));
        }
    };
    let address = client_address(req, &admission.rate);
    let charges = charges(cost, actor.as_ref(), address);
    if let Err(limited) = admission.limiter.check(&charges) {
        return Err(errors::rate_limited(limited.retry_after.as_secs()));
    }
    Ok(actor)
}

/// The request id, put in request extensions by the HTTP layer's middleware.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(query: &str) -> Cost {
        cost_of(&mut async_graphql::Request::new(query)).unwrap_or(Cost {
            mutations: u32::MAX,
            searches: u32::MAX,
        })
    }

    /// An operation whose root is `levels` fragments deep, each spreading the next, the last
    /// holding `fields` aliased copies of `field`.
    fn nested(operation: &str, on: &str, levels: usize, field: &str, fields: usize) -> String {
        let mut doc = format!("{operation} {{ ...F0 }}");
        for level in 0..levels {
            let body = if level + 1 == levels {
                (0..fields)
                    .map(|n| format!("a{n}: {field}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                format!("...F{}", level + 1)
            };
            doc.push_str(&format!(" fragment F{level} on {on} {{ {body} }}"));
        }
        doc
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
    fn fields_behind_17_25_and_32_nested_fragments_are_all_charged() {
        for levels in [17, 25, 32] {
            let mutation = nested("mutation", "Mutation", levels, "postAdviceMessage", 50);
            assert_eq!(cost(&mutation).mutations, 50, "{levels} levels");
            let search = nested(
                "query",
                "Query",
                levels,
                "searchProducts(query: \"x\") { totalHits }",
                601,
            );
            assert_eq!(cost(&search).searches, 601, "{levels} levels");
        }
    }

    #[test]
    fn fragments_nested_past_the_limit_are_refused_not_free() {
        let doc = nested("mutation", "Mutation", MAX_FRAGMENT_NESTING + 1, "x", 1);
        let refused = cost_of(&mut async_graphql::Request::new(doc));
        assert!(refused.is_err(), "{refused:?}");
        let inline = format!(
            "mutation {{ {} x {} }}",
            "... on Mutation {".repeat(MAX_FRAGMENT_NESTING + 1),
            "}".repeat(MAX_FRAGMENT_NESTING + 1)
        );
        // The parser itself refuses selection sets nested this deep; either way nothing runs.
        let mut req = async_graphql::Request::new(inline);
        assert!(req.parsed_query().is_err() || cost_of(&mut req).is_err());
    }

    #[test]
    fn a_fragment_spread_many_times_is_counted_each_time_without_exponential_work() {
        // F0 spreads F1 twice, F1 spreads F2 twice, ...: 2^40 root fields, counted at once.
        let mut doc = "mutation { ...F0 }".to_owned();
        for level in 0..40 {
            doc.push_str(&format!(
                " fragment F{level} on Mutation {{ ...F{next} ...F{next} }}",
                next = level + 1
            ));
        }
        doc.push_str(" fragment F40 on Mutation { x }");
        assert_eq!(cost(&doc).mutations, u32::MAX);
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

    #[test]
    fn a_users_mutations_are_charged_to_them_before_their_address() {
        let actor = Actor {
            user_id: uuid::Uuid::from_u128(7),
            role: becta_domain::vocab::Role::SchoolBuyer,
            organisation_id: None,
            org_kind: None,
            email: None,
            display_name: None,
            request_id: None,
        };
        let ip = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
        let cost = Cost {
            mutations: 2,
            searches: 1,
        };
        let limits: Vec<Limit> = charges(cost, Some(&actor), ip)
            .iter()
            .map(|c| c.limit)
            .collect();
        assert_eq!(
            limits,
            [
                Limit::MutationsPerUser,
                Limit::MutationsPerAddress,
                Limit::Searches
            ]
        );
        let anonymous = charges(cost, None, ip);
        assert_eq!(anonymous.len(), 2);
        assert!(anonymous.iter().all(|c| c.client == Client::address(ip)));
    }
}
