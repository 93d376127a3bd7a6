//! Further competition under a framework lot (Procurement Act 2023): a school runs one among a
//! lot's four suppliers from start to award (`flow`), bids stay sealed until the deadline at
//! the boundary instant (`sealed`), each role's refusals and the validation of criteria and
//! deadlines (`refusals`), and direct awards, abandonment and the call-off record's notices
//! (`awards`).

mod awards;
mod flow;
mod refusals;
mod sealed;
mod seeded;

use std::time::Duration as StdDuration;

use anyhow::{Context, Result};
use becta_domain::catalogue::deals::{self, NewDeal, NewLot};
use becta_domain::catalogue::organisations::{self, NewOrganisation};
use becta_domain::db;
use becta_domain::vocab::*;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestApp, error_codes, fixture, spawn_app_with};

pub const COMPETITION: &str = "id version kind status title quantity budgetPence termMonths \
    dealTitle dealReference lotTitle schoolName criteria { key name refinement weight } scaleMax \
    scaleDescriptors clarificationDeadline submissionDeadline publishedAt \
    invitations { supplierId supplierName declinedAt declineReason } \
    clarifications { id question answer askedByMe } awardedSupplierName awardedBidId \
    awardReason standstillWorkingDays standstillEndsAt abandonReason directAwardReason \
    selectionRule";
pub const BID: &str = "id supplierId supplierName pricePence responses { criterion text } \
    attachments revision scores { evaluatorId criterion score rationale } \
    moderatedScores { criterion score rationale } totalHundredths total rank";

/// A framework with one lot of four suppliers, open to further competition, for primary
/// schools, beside the test fixture.
pub struct World {
    pub app: TestApp,
    pub f: fixture::Fixture,
    pub lot: Uuid,
    pub suppliers: [Uuid; 4],
    /// Tokens of the lot's four suppliers, in the order of `suppliers`.
    pub bidders: [String; 4],
    /// A buyer of the fixture's school, Hill Top Primary.
    pub school: String,
    /// A second buyer (evaluator) of the same school.
    pub colleague: String,
    /// A buyer of another school (one of the trust's).
    pub other_school: String,
    /// The fixture's supplier Alpha, not on the lot.
    pub outsider: String,
    pub adviser: String,
    pub admin: String,
}

pub const SUPPLIER_NAMES: [&str; 4] = [
    "Anvil Devices Ltd",
    "Birch IT Ltd",
    "Cobalt Classroom Ltd",
    "Delta Learning Tech Ltd",
];

/// A server whose minimum response period is 0 (deadlines a few seconds ahead), with the
/// fixture and the four-supplier framework.
pub async fn world() -> Result<World> {
    world_with(&[("BECTA_COMPETITION_MIN_RESPONSE_HOURS", "0")]).await
}

pub async fn world_with(env: &[(&str, &str)]) -> Result<World> {
    let mut env = env.to_vec();
    env.push(("BECTA_WEBHOOK_ALLOW_HTTP_LOOPBACK", "true"));
    let app = spawn_app_with(false, &env).await?;
    let f = fixture::load(&app.db).await?;
    let tx = db::begin_write(&app.db).await?;
    let ids = organisations::insert_many(
        &tx,
        SUPPLIER_NAMES
            .iter()
            .map(|n| NewOrganisation::new(OrgKind::Supplier, *n))
            .collect(),
    )
    .await?;
    let suppliers = [ids[0], ids[1], ids[2], ids[3]];
    let today = deals::today();
    let deal = deals::insert(
        &tx,
        NewDeal {
            provider_id: f.ccs,
            reference: "RM6103".into(),
            title: "Education Technology Framework".into(),
            summary: "Devices and services for schools".into(),
            description: "A framework with a devices lot".into(),
            how_to_buy: "Run a further competition among the lot's suppliers.".into(),
            categories: vec!["devices".into()],
            lots: vec![NewLot {
                number: 1,
                title: "Classroom devices".into(),
                description: "Laptops and tablets".into(),
                supplier_ids: suppliers.to_vec(),
                offers_disposal: false,
            }],
            eligible_org_types: vec![],
            eligible_phases: vec![Phase::Primary],
            starts_on: today - Duration::days(30),
            ends_on: today + Duration::days(700),
            route_to_market: RouteToMarket::FurtherCompetition,
            typical_savings: "Typically 12%".into(),
            typical_savings_bps: Some(1200),
            fees: "No fee to schools".into(),
            dfe_endorsed: true,
            url: "https://deals.example/rm6103".into(),
            status: DealStatus::Published,
            is_sample: false,
        },
    )
    .await?;
    db::commit(tx).await?;
    let lot = deals::lots_of(&app.db, &[deal])
        .await?
        .remove(&deal)
        .and_then(|l| l.into_iter().next())
        .context("the framework's lot")?
        .id;
    let urn = fixture::SCHOOL_URN.to_string();
    let token = |s: &Uuid| app.token(Role::Supplier, Some(&s.to_string()));
    Ok(World {
        bidders: [
            token(&suppliers[0]),
            token(&suppliers[1]),
            token(&suppliers[2]),
            token(&suppliers[3]),
        ],
        school: app.token(Role::SchoolBuyer, Some(&urn)),
        colleague: app.token(Role::SchoolBuyer, Some(&urn)),
        other_school: app.token(
            Role::SchoolBuyer,
            Some(&fixture::TRUST_SCHOOL_URNS[0].to_string()),
        ),
        outsider: token(&f.alpha),
        adviser: app.token(Role::Adviser, None),
        admin: app.token(Role::Admin, None),
        suppliers,
        lot,
        f,
        app,
    })
}

/// Price 60, quality 30, social value 10, on a 0-5 scale.
pub fn criteria() -> Value {
    json!([
        { "key": "price", "weight": 60 },
        { "key": "quality", "weight": 30, "refinement": "Devices managed from the school's MDM, with a 3-year warranty" },
        { "key": "social_value", "weight": 10 },
    ])
}

pub fn descriptors() -> Value {
    json!([
        "No response",
        "Unacceptable",
        "Poor",
        "Satisfactory",
        "Good",
        "Excellent",
    ])
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl World {
    /// `startFurtherCompetition` with deadlines `clarify` and `submit` from now: the whole
    /// response.
    pub async fn start_with(&self, token: &str, input: Value) -> Result<Value> {
        let q = format!(
            "mutation($i: FurtherCompetitionInput!) {{ startFurtherCompetition(input: $i) {{ {COMPETITION} }} }}"
        );
        self.app.gql_as(token, &q, json!({ "i": input })).await
    }

    pub fn input(&self, clarify: Duration, submit: Duration) -> Value {
        let now = Utc::now();
        json!({
            "lotId": self.lot,
            "title": "Chromebooks for Year 5 and 6",
            "requirement": "60 Chromebooks with management licences, delivered and enrolled.",
            "quantity": 60,
            "budgetPence": 2_400_000,
            "termMonths": 36,
            "criteria": criteria(),
            "scaleMax": 5,
            "scaleDescriptors": descriptors(),
            "clarificationDeadline": at(now + clarify),
            "submissionDeadline": at(now + submit),
        })
    }

    /// A published competition with the given deadlines from now.
    pub async fn published(&self, clarify: Duration, submit: Duration) -> Result<Value> {
        let v = self
            .start_with(&self.school, self.input(clarify, submit))
            .await?;
        anyhow::ensure!(v.get("errors").is_none(), "start: {v}");
        let id = v["data"]["startFurtherCompetition"]["id"].clone();
        let q = format!(
            "mutation($id: ID!) {{ publishFurtherCompetition(id: $id) {{ {COMPETITION} }} }}"
        );
        let d = self
            .app
            .data_as(&self.school, &q, json!({ "id": id }))
            .await?;
        Ok(d["publishFurtherCompetition"].clone())
    }

    /// `furtherCompetition(id)` as `token`, selecting `fields`: the whole response.
    pub async fn read(&self, token: &str, id: &Value, fields: &str) -> Result<Value> {
        self.app
            .gql_as(
                token,
                &format!("query($id: ID!) {{ furtherCompetition(id: $id) {{ {fields} }} }}"),
                json!({ "id": id }),
            )
            .await
    }

    /// `submitBid` as `token` with a price and a response to each criterion.
    pub async fn bid(&self, token: &str, id: &Value, price: i64, text: &str) -> Result<Value> {
        self.app
            .gql_as(
                token,
                &format!(
                    "mutation($id: ID!, $i: BidInput!) {{ submitBid(competitionId: $id, input: $i) {{ {BID} }} }}"
                ),
                json!({ "id": id, "i": {
                    "pricePence": price,
                    "responses": [
                        { "criterion": "price", "text": format!("{text}: fixed price for 36 months") },
                        { "criterion": "quality", "text": format!("{text}: enrolled in the school's MDM") },
                        { "criterion": "social_value", "text": format!("{text}: apprenticeships") },
                    ],
                    "attachments": ["https://files.example/spec.pdf"],
                }}),
            )
            .await
    }

    /// Polls the bids as the school until the submission deadline has passed (they stop
    /// being sealed), and returns them.
    pub async fn bids_after_deadline(&self, id: &Value) -> Result<Vec<Value>> {
        let until = std::time::Instant::now() + StdDuration::from_secs(60);
        loop {
            let v = self
                .read(&self.school, id, &format!("bids {{ {BID} }}"))
                .await?;
            if v.get("errors").is_none() {
                return Ok(v["data"]["furtherCompetition"]["bids"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default());
            }
            anyhow::ensure!(error_codes(&v) == ["FORBIDDEN"], "{v}");
            anyhow::ensure!(
                std::time::Instant::now() < until,
                "the deadline never passed"
            );
            tokio::time::sleep(StdDuration::from_millis(100)).await;
        }
    }

    /// The notifications of `token`'s organisation (or user) of one kind: payloads.
    pub async fn notices(&self, token: &str, kind: &str) -> Result<Vec<Value>> {
        let d = self
            .app
            .data_as(
                token,
                "{ myNotifications(first: 100) { edges { node { kind subject payload } } } }",
                json!({}),
            )
            .await?;
        Ok(d["myNotifications"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e["node"].clone())
            .filter(|n| n["kind"] == kind)
            .collect())
    }
}
