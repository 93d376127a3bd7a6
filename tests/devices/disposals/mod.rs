//! Disposal of old devices through the seeded lot that offers it ("Refurbished ICT Equipment",
//! YPO 001131, lot 2): a school asks a supplier of the lot to collect them, the supplier
//! schedules, collects and returns a certificate per device, and the school reads them; and
//! the refusals by lot, party, input and status. Here: the seeded parties and the calls.

mod flow;
mod refusals;

use anyhow::{Context, Result};
use becta_domain::entity::{deal, lot, organisation};
use becta_domain::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use becta_domain::vocab::Role;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::common::{TestApp, spawn_seeded_app};

const FIELDS: &str = "id status schoolId schoolName supplierName dealTitle lotTitle totalUnits \
    lines { formFactor units } erasureStandard outcomeWanted collectionNote \
    preferredCollectionDate collectionDate declineReason cancelReason differenceReason \
    certificates { serial formFactor erasureStandard erasureMethod certificateReference outcome }";

fn op(mutation: &str, args: &str, params: &str) -> String {
    format!("mutation({params}) {{ {mutation}({args}) {{ {FIELDS} }} }}")
}

/// The seeded lots, suppliers, schools and a trust, with tokens.
pub struct Yard {
    pub app: TestApp,
    pub disposal_lot: String,
    pub devices_lot: String,
    pub renewtech: String,
    pub greenloop: String,
    /// On the deal's lot 1 but not on the disposal lot.
    pub ashgrove: String,
    pub renewtech_id: String,
    pub ashgrove_id: String,
    pub school: String,
    pub other_school: String,
    pub trust: String,
    pub trust_school_id: String,
    pub admin: String,
}

pub async fn yard() -> Result<Yard> {
    let app = spawn_seeded_app().await?;
    let d = deal::Entity::find()
        .filter(deal::Column::Reference.eq("YPO 001131"))
        .one(&app.db)
        .await?
        .context("the seeded refurbished devices deal")?;
    let lots = lot::Entity::find()
        .filter(lot::Column::DealId.eq(d.id))
        .order_by_asc(lot::Column::Number)
        .all(&app.db)
        .await?;
    let supplier = |name: &'static str| {
        let db = app.db.clone();
        async move {
            organisation::Entity::find()
                .filter(organisation::Column::Name.eq(name))
                .one(&db)
                .await?
                .map(|o| o.id.to_string())
                .with_context(|| format!("the seeded supplier {name}"))
        }
    };
    let renewtech_id = supplier("Renewtech Circular IT Ltd").await?;
    let greenloop_id = supplier("Greenloop Refurb Ltd").await?;
    let ashgrove_id = supplier("Ashgrove IT Supplies Ltd").await?;
    // Two schools in no trust, and a trust's school.
    let schools = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq("school"))
        .filter(organisation::Column::TrustId.is_null())
        .filter(organisation::Column::Urn.is_not_null())
        .order_by_asc(organisation::Column::Urn)
        .all(&app.db)
        .await?;
    let urn = |i: usize| -> Result<String> {
        Ok(schools
            .get(i)
            .and_then(|s| s.urn)
            .context("seeded schools")?
            .to_string())
    };
    let trust_school = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq("school"))
        .filter(organisation::Column::TrustId.is_not_null())
        .order_by_asc(organisation::Column::Urn)
        .one(&app.db)
        .await?
        .context("a seeded trust school")?;
    let trust = organisation::Entity::find_by_id(trust_school.trust_id.context("its trust")?)
        .one(&app.db)
        .await?
        .and_then(|t| t.group_uid)
        .context("the trust's Group UID")?;
    Ok(Yard {
        disposal_lot: lots.get(1).context("lot 2")?.id.to_string(),
        devices_lot: lots.first().context("lot 1")?.id.to_string(),
        renewtech: app.token(Role::Supplier, Some(&renewtech_id)),
        greenloop: app.token(Role::Supplier, Some(&greenloop_id)),
        ashgrove: app.token(Role::Supplier, Some(&ashgrove_id)),
        school: app.token(Role::SchoolBuyer, Some(&urn(0)?)),
        other_school: app.token(Role::SchoolBuyer, Some(&urn(1)?)),
        trust: app.token(Role::SchoolBuyer, Some(&format!("trust:{trust}"))),
        trust_school_id: trust_school.id.to_string(),
        admin: app.token(Role::Admin, None),
        renewtech_id,
        ashgrove_id,
        app,
    })
}

pub fn day(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days)).to_string()
}

impl Yard {
    /// A request input for 40 laptops and 10 tablets from RENEWTECH, with `extra` on top.
    pub fn input(&self, extra: Value) -> Value {
        let mut input = json!({
            "lotId": self.disposal_lot,
            "supplierId": self.renewtech_id,
            "lines": [{ "formFactor": "LAPTOP", "units": 40 }, { "formFactor": "TABLET", "units": 10 }],
            "erasureStandard": "NIST_SP_800_88_R2",
            "outcomeWanted": "REUSE",
            "collectionNote": "Main reception, 1 School Lane; ask for the IT technician.",
            "preferredCollectionDate": day(14),
        });
        if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
            i.extend(e.clone());
        }
        input
    }

    pub async fn request(&self, token: &str, input: Value) -> Result<Value> {
        self.app
            .gql_as(
                token,
                &op(
                    "requestDisposal",
                    "input: $input",
                    "$input: DisposalRequestInput!",
                ),
                json!({ "input": input }),
            )
            .await
    }

    /// A new request by the school; its id.
    pub async fn requested(&self) -> Result<String> {
        let r = self.request(&self.school, self.input(json!({}))).await?;
        r["data"]["requestDisposal"]["id"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("requestDisposal: {r}"))
    }

    pub async fn schedule(&self, token: &str, id: &str) -> Result<Value> {
        self.app
            .gql_as(
                token,
                &op(
                    "scheduleDisposal",
                    "id: $id, collectionDate: $d",
                    "$id: ID!, $d: NaiveDate!",
                ),
                json!({ "id": id, "d": day(21) }),
            )
            .await
    }

    pub async fn collect(&self, token: &str, id: &str) -> Result<Value> {
        self.app
            .gql_as(
                token,
                &op("markDisposalCollected", "id: $id", "$id: ID!"),
                json!({ "id": id }),
            )
            .await
    }

    pub async fn complete(
        &self,
        token: &str,
        id: &str,
        certificates: Value,
        reason: Option<&str>,
    ) -> Result<Value> {
        self.app
            .gql_as(
                token,
                &op(
                    "completeDisposal",
                    "id: $id, certificates: $c, differenceReason: $r",
                    "$id: ID!, $c: [DisposalCertificateInput!]!, $r: String",
                ),
                json!({ "id": id, "c": certificates, "r": reason }),
            )
            .await
    }

    pub async fn cancel(&self, token: &str, id: &str) -> Result<Value> {
        self.app
            .gql_as(
                token,
                &op(
                    "cancelDisposal",
                    "id: $id, reason: $r",
                    "$id: ID!, $r: String",
                ),
                json!({ "id": id, "r": "We are keeping them for another year." }),
            )
            .await
    }

    pub async fn read(&self, token: &str, id: &str) -> Result<Value> {
        self.app
            .gql_as(
                token,
                &format!("query($id: ID!) {{ disposalRequest(id: $id) {{ {FIELDS} }} }}"),
                json!({ "id": id }),
            )
            .await
    }

    /// The ids of the requests `token` lists.
    pub async fn listed(&self, token: &str) -> Result<Vec<String>> {
        let v = self
            .app
            .data_as(
                token,
                "{ myDisposalRequests(first: 100) { edges { node { id } } } }",
                json!({}),
            )
            .await?;
        Ok(v["myDisposalRequests"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e["node"]["id"].as_str().map(str::to_owned))
            .collect())
    }

    /// The kinds of `token`'s notifications.
    pub async fn notices(&self, token: &str) -> Result<Vec<String>> {
        let v = self
            .app
            .data_as(
                token,
                "{ myNotifications(first: 100) { edges { node { kind } } } }",
                json!({}),
            )
            .await?;
        Ok(v["myNotifications"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e["node"]["kind"].as_str().map(str::to_owned))
            .collect())
    }

    /// A request taken through scheduling and collection; its id.
    pub async fn collected(&self) -> Result<String> {
        let id = self.requested().await?;
        let r = self.schedule(&self.renewtech, &id).await?;
        anyhow::ensure!(r["errors"].is_null(), "schedule: {r}");
        let r = self.collect(&self.renewtech, &id).await?;
        anyhow::ensure!(r["errors"].is_null(), "collect: {r}");
        Ok(id)
    }
}

/// `laptops` laptop and `tablets` tablet certificates to NIST SP 800-88 Rev. 2.
pub fn certificates(laptops: usize, tablets: usize) -> Vec<Value> {
    let one = |serial: String, form_factor: &str, outcome: &str| {
        json!({
            "serial": serial,
            "formFactor": form_factor,
            "erasureStandard": "NIST_SP_800_88_R2",
            "erasureMethod": "Cryptographic erase with verification",
            "certificateReference": format!("RT-2026-{serial}"),
            "outcome": outcome,
        })
    };
    (0..laptops)
        .map(|i| {
            let outcome = if i % 10 == 9 { "RECYCLED" } else { "REUSED" };
            one(format!("LAP{i:04}"), "LAPTOP", outcome)
        })
        .chain((0..tablets).map(|i| one(format!("TAB{i:04}"), "TABLET", "REUSED")))
        .collect()
}
