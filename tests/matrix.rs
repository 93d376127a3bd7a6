//! Every mutation tried by every kind of caller: anonymous, each role, and a second supplier
//! that does not own the listing. Each cell starts from a fresh record in the state the
//! mutation needs, so an allowed call succeeds and a refused one is refused for who is calling,
//! not for the record's state. Allowed calls leave exactly one audit event; refused calls
//! change nothing.

use anyhow::Result;
use becta_domain::entity::audit_event;
use becta_domain::vocab::Role;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::common::flows::*;
use crate::common::{TestApp, error_codes, fixture, spawn_app};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    SchoolBuyer,
    Adviser,
    /// The supplier that owns the listing.
    Owner,
    /// Another supplier.
    OtherSupplier,
    Admin,
}

const CALLERS: [Caller; 6] = [
    Caller::Anonymous,
    Caller::SchoolBuyer,
    Caller::Adviser,
    Caller::Owner,
    Caller::OtherSupplier,
    Caller::Admin,
];

/// What a caller gets: success, or the error code.
const OK: &str = "OK";

struct Tokens {
    school: String,
    adviser: String,
    owner: String,
    other: String,
    admin: String,
}

impl Tokens {
    fn of(&self, c: Caller) -> Option<&str> {
        match c {
            Caller::Anonymous => None,
            Caller::SchoolBuyer => Some(&self.school),
            Caller::Adviser => Some(&self.adviser),
            Caller::Owner => Some(&self.owner),
            Caller::OtherSupplier => Some(&self.other),
            Caller::Admin => Some(&self.admin),
        }
    }
}

/// The state a mutation is tried on.
#[derive(Debug, Clone, Copy)]
enum Target {
    Nothing,
    Draft,
    Submitted,
    InReview,
    Approved,
    Deal,
}

struct Case {
    name: &'static str,
    target: Target,
    query: String,
    /// Variables beyond `id` and `version`.
    extra: fn(&fixture::Fixture) -> Value,
    /// Expected outcome per caller, in `CALLERS` order.
    expect: [&'static str; 6],
}

fn deal_input(f: &fixture::Fixture, reference: &str) -> Value {
    json!({
        "providerId": f.ccs.to_string(), "reference": reference, "title": "Matrix Deal",
        "summary": "A deal created by the role matrix test.", "categories": ["devices"],
        "startsOn": "2026-01-01", "endsOn": "2030-01-01",
        "routeToMarket": "DIRECT_AWARD", "url": "https://ccs.example/rm1",
    })
}

fn cases() -> Vec<Case> {
    const U: &str = "UNAUTHENTICATED";
    const F: &str = "FORBIDDEN";
    const N: &str = "NOT_FOUND";
    let deal = "id version";
    vec![
        Case {
            name: "createProduct",
            target: Target::Nothing,
            query: op(CREATE),
            extra: |_| json!({ "input": product_input("Matrix Product") }),
            expect: [U, F, F, OK, OK, F],
        },
        Case {
            name: "updateProduct",
            target: Target::Approved,
            query: op(UPDATE),
            extra: |_| json!({ "patch": { "pricePence": 999 } }),
            expect: [U, F, F, OK, F, F],
        },
        Case {
            name: "submitProductForVetting",
            target: Target::Draft,
            query: op(SUBMIT),
            extra: |_| json!({}),
            // The other supplier cannot tell a hidden draft from a missing one.
            expect: [U, F, F, OK, N, F],
        },
        Case {
            name: "withdrawProduct",
            target: Target::Approved,
            query: op(WITHDRAW),
            extra: |_| json!({}),
            expect: [U, F, F, OK, F, OK],
        },
        Case {
            name: "startVettingReview",
            target: Target::Submitted,
            query: op(START_REVIEW),
            extra: |_| json!({}),
            expect: [U, F, F, F, F, OK],
        },
        Case {
            name: "decideVetting",
            target: Target::InReview,
            query: op(DECIDE),
            extra: |_| json!({ "decision": "APPROVE", "checklist": checklist() }),
            expect: [U, F, F, F, F, OK],
        },
        Case {
            name: "createDeal",
            target: Target::Nothing,
            query: format!(
                "mutation($input: DealInput!) {{ createDeal(input: $input) {{ {deal} }} }}"
            ),
            extra: |f| json!({ "input": deal_input(f, "RM-create") }),
            expect: [U, F, F, F, F, OK],
        },
        Case {
            name: "updateDeal",
            target: Target::Deal,
            query: format!(
                "mutation($id: ID!, $version: Int!, $input: DealInput!) {{ updateDeal(id: $id, version: $version, input: $input) {{ {deal} }} }}"
            ),
            extra: |f| json!({ "input": deal_input(f, "RM-update") }),
            expect: [U, F, F, F, F, OK],
        },
        Case {
            name: "createAdviser",
            target: Target::Nothing,
            query: "mutation($input: AdviserInput!) { createAdviser(input: $input) { id } }".into(),
            extra: |_| {
                json!({ "input": { "name": "Matrix Adviser", "email": "matrix@advice.example.org",
                                   "categories": ["devices"], "regions": ["LONDON"], "capacity": 5 } })
            },
            expect: [U, F, F, F, F, OK],
        },
        Case {
            name: "expireDeal",
            target: Target::Deal,
            query: format!(
                "mutation($id: ID!, $version: Int!) {{ expireDeal(id: $id, version: $version) {{ {deal} }} }}"
            ),
            extra: |_| json!({}),
            expect: [U, F, F, F, F, OK],
        },
    ]
}

/// A fresh record in the target state, as `{ id, version }` (or nothing).
async fn prepare(
    app: &TestApp,
    t: &Tokens,
    f: &fixture::Fixture,
    target: Target,
    n: usize,
) -> Result<Value> {
    let name = format!("Matrix Listing {n}");
    let l = match target {
        Target::Nothing => return Ok(json!({})),
        Target::Deal => {
            let d = app
                .data_as(
                    &t.admin,
                    "mutation($input: DealInput!) { createDeal(input: $input) { id version } }",
                    json!({ "input": deal_input(f, &format!("RM-prepared-{n}")) }),
                )
                .await?;
            return Ok(d["createDeal"].clone());
        }
        Target::Draft => create(app, &t.owner, &name).await?,
        Target::Submitted => {
            let l = create(app, &t.owner, &name).await?;
            step(app, &t.owner, SUBMIT, &l, json!({})).await?
        }
        Target::InReview => {
            let l = create(app, &t.owner, &name).await?;
            let l = step(app, &t.owner, SUBMIT, &l, json!({})).await?;
            step(app, &t.admin, START_REVIEW, &l, json!({})).await?
        }
        Target::Approved => approved(app, &t.owner, &t.admin, &name).await?,
    };
    Ok(json!({ "id": l["id"], "version": l["version"] }))
}

#[tokio::test]
async fn every_mutation_by_every_role_and_by_another_organisation() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let t = Tokens {
        school: app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string())),
        adviser: app.token(Role::Adviser, None),
        owner: app.token(Role::Supplier, Some(&f.alpha.to_string())),
        other: app.token(Role::Supplier, Some(&f.beta.to_string())),
        admin: app.token(Role::Admin, None),
    };
    let mut n = 0;
    let mut failures = Vec::new();
    for case in cases() {
        for (caller, expected) in CALLERS.iter().zip(case.expect) {
            n += 1;
            let mut vars = prepare(&app, &t, &f, case.target, n).await?;
            if let (Some(v), Some(e)) = (vars.as_object_mut(), (case.extra)(&f).as_object()) {
                v.extend(e.clone());
            }
            let before = audit_event::Entity::find().count(&app.db).await?;
            let (status, _, body) = app.post_as(t.of(*caller), &case.query, vars).await?;
            let after = audit_event::Entity::find().count(&app.db).await?;
            let got = match error_codes(&body).first() {
                None if status == 200 => OK.to_owned(),
                Some(code) => code.clone(),
                None => format!("HTTP {status}"),
            };
            let audited = after - before;
            let want_audit = u64::from(expected == OK);
            if got != expected || audited != want_audit {
                failures.push(format!(
                    "{} by {caller:?}: got {got} with {audited} audit events, expected {expected} with {want_audit}",
                    case.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "role matrix:\n{}", failures.join("\n"));
    Ok(())
}
