//! Trials that produce evidence: licence scopes (seat, whole school, trust-wide) and their
//! concurrency, reminder days, fair use, closing an offer, audited system actions, activation
//! code order, trial outcomes and the evidence they add up to.

mod codes_and_audit;
mod fair_use;
mod outcomes;
mod reminders;
mod scopes;

use std::collections::HashSet;

use anyhow::{Context, Result};
use becta_domain::catalogue::organisations::{self, NewOrganisation};
use becta_domain::entity::{audit_event, loan, loan_event};
use becta_domain::vocab::{OrgKind, Phase, Role};
use becta_domain::{Uuid, db};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::common::{TestApp, fixture};

pub const OFFER: &str = "id status version seatsTotal seatsFree licenceScope reminderDays coolOffDays maxTrialsPerSchool reusableCodes";
pub const LOAN: &str = "id status version waitlistPosition endsAt activationCode history { kind }";

/// The fixture's supplier Alpha and its approved "Alpha Phonics".
pub struct Shop {
    pub app: TestApp,
    pub f: fixture::Fixture,
    pub supplier: String,
    pub product: String,
}

pub async fn shop(app: TestApp) -> Result<Shop> {
    let f = fixture::load(&app.db).await?;
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let product = f.products["Alpha Phonics"].to_string();
    Ok(Shop {
        app,
        f,
        supplier,
        product,
    })
}

impl Shop {
    /// An offer on Alpha Phonics: 30-day loans for primary schools, with `input` on top.
    pub async fn offer(&self, input: Value) -> Result<Value> {
        let mut base = json!({
            "seats": 1, "loanDays": 30, "eligiblePhases": ["PRIMARY"],
            "terms": "Free for one term; no data kept after the trial.",
        });
        if let (Some(b), Some(extra)) = (base.as_object_mut(), input.as_object()) {
            b.extend(extra.clone());
        }
        let v = self
            .app
            .data_as(
                &self.supplier,
                &format!("mutation($p: ID!, $input: TrialOfferInput!) {{ createTrialOffer(productId: $p, input: $input) {{ {OFFER} }} }}"),
                json!({ "p": self.product, "input": base }),
            )
            .await?;
        Ok(v["createTrialOffer"].clone())
    }
}

pub fn request_op() -> String {
    format!("mutation($o: ID!) {{ requestTrialLoan(offerId: $o) {{ {LOAN} }} }}")
}

pub fn trust_op() -> String {
    format!(
        "mutation($o: ID!) {{ requestTrustTrial(offerId: $o) {{ loans {{ school {{ name }} loan {{ {LOAN} }} }} skipped {{ school {{ name }} reason }} }} }}"
    )
}

pub fn loan_op(name: &str) -> String {
    format!("mutation($id: ID!, $v: Int!) {{ {name}(id: $id, version: $v) {{ {LOAN} }} }}")
}

pub fn id(v: &Value) -> Result<Uuid> {
    Ok(v["id"].as_str().context("an id")?.parse()?)
}

/// `n` primary schools with URNs from `first_urn`, and a token for each.
pub async fn schools(app: &TestApp, first_urn: i32, n: i32) -> Result<Vec<String>> {
    let tx = db::begin_write(&app.db).await?;
    let new = (0..n)
        .map(|i| NewOrganisation {
            urn: Some(first_urn + i),
            phase: Some(Phase::Primary),
            ..NewOrganisation::new(OrgKind::School, format!("Trial School {i:04}"))
        })
        .collect();
    organisations::insert_many(&tx, new).await?;
    db::commit(tx).await?;
    Ok((0..n)
        .map(|i| app.token(Role::SchoolBuyer, Some(&(first_urn + i).to_string())))
        .collect())
}

/// `n` trusts, each with `per_trust` primary schools (URNs from `first_urn`) and, when
/// `with_secondary`, one secondary school more; a trust-scoped token for each trust.
pub async fn trusts(
    app: &TestApp,
    first_urn: i32,
    n: i32,
    per_trust: i32,
    with_secondary: bool,
) -> Result<Vec<String>> {
    let tx = db::begin_write(&app.db).await?;
    let mut tokens = Vec::new();
    let mut urn = first_urn;
    for t in 0..n {
        let uid = format!("T{first_urn}-{t}");
        let trust = organisations::insert_many(
            &tx,
            vec![NewOrganisation {
                group_uid: Some(uid.clone()),
                ..NewOrganisation::new(OrgKind::Trust, format!("Trust {first_urn}-{t}"))
            }],
        )
        .await?[0];
        let mut schools: Vec<NewOrganisation> = (0..per_trust)
            .map(|i| {
                urn += 1;
                NewOrganisation {
                    urn: Some(urn),
                    phase: Some(Phase::Primary),
                    trust_id: Some(trust),
                    ..NewOrganisation::new(OrgKind::School, format!("Trust {t} Primary {i}"))
                }
            })
            .collect();
        if with_secondary {
            urn += 1;
            schools.push(NewOrganisation {
                urn: Some(urn),
                phase: Some(Phase::Secondary),
                trust_id: Some(trust),
                ..NewOrganisation::new(OrgKind::School, format!("Trust {t} Secondary"))
            });
        }
        organisations::insert_many(&tx, schools).await?;
        tokens.push(app.token(Role::SchoolBuyer, Some(&format!("trust:{uid}"))));
    }
    db::commit(tx).await?;
    Ok(tokens)
}

/// Fires one operation per token at once; the whole responses, in token order.
pub async fn crowd(
    app: &TestApp,
    tokens: &[String],
    query: &str,
    vars: Value,
) -> Result<Vec<Value>> {
    let body = json!({ "query": query, "variables": vars });
    let handles: Vec<_> = tokens
        .iter()
        .map(|t| {
            let (client, url, token, body) = (
                app.client.clone(),
                format!("{}/graphql", app.url),
                t.clone(),
                body.clone(),
            );
            tokio::spawn(async move {
                let resp = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await?;
                anyhow::Ok(resp.json::<Value>().await?)
            })
        })
        .collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await??);
    }
    Ok(out)
}

/// The user's notifications: (kind, subject), newest first.
pub async fn notifications(app: &TestApp, token: &str) -> Result<Vec<(String, String)>> {
    let v = app
        .data_as(
            token,
            "{ myNotifications(first: 100) { edges { node { kind subject } } } }",
            json!({}),
        )
        .await?;
    Ok(v["myNotifications"]["edges"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|n| {
                    (
                        n["node"]["kind"].as_str().unwrap_or_default().to_owned(),
                        n["node"]["subject"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default())
}

pub async fn my_loans(app: &TestApp, token: &str) -> Result<Vec<Value>> {
    let v = app
        .data_as(
            token,
            &format!("{{ myLoans(first: 100) {{ edges {{ node {{ {LOAN} }} }} }} }}"),
            json!({}),
        )
        .await?;
    Ok(v["myLoans"]["edges"]
        .as_array()
        .map(|e| e.iter().map(|n| n["node"].clone()).collect())
        .unwrap_or_default())
}

/// Audit events with the system as actor, of `action`, on `entity_id`.
pub async fn system_audits(app: &TestApp, action: &str, entity_id: Uuid) -> Result<usize> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .filter(audit_event::Column::EntityId.eq(entity_id.to_string()))
        .filter(audit_event::Column::ActorRole.eq("SYSTEM"))
        .filter(audit_event::Column::ActorId.is_null())
        .all(&app.db)
        .await?
        .len())
}

/// Replays the offer's loan events in order: places in use never exceed `places`; and no
/// school ever holds two open loans of the offer.
pub async fn check_never_oversold(app: &TestApp, offer_id: Uuid, places: i64) -> Result<()> {
    let loans = loan::Entity::find()
        .filter(loan::Column::OfferId.eq(offer_id))
        .all(&app.db)
        .await?;
    let ids: HashSet<Uuid> = loans.iter().map(|l| l.id).collect();
    let events = loan_event::Entity::find()
        .order_by_asc(loan_event::Column::Id)
        .all(&app.db)
        .await?;
    let mut in_use = 0i64;
    for e in events.iter().filter(|e| ids.contains(&e.loan_id)) {
        match e.kind.as_str() {
            "granted" => in_use += 1,
            "returned" | "expired" | "converted" => in_use -= 1,
            _ => {}
        }
        anyhow::ensure!(in_use <= places, "{in_use} places in use of {places}");
    }
    let mut open = HashSet::new();
    for l in loans
        .iter()
        .filter(|l| l.status == "active" || l.status == "waitlisted")
    {
        anyhow::ensure!(open.insert(l.school_id), "a school holds two open loans");
    }
    Ok(())
}
