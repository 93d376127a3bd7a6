//! Disposal of old devices through the seeded lot that offers it ("Refurbished ICT Equipment",
//! YPO 001131, lot 2): a school asks a supplier of the lot to collect them, the supplier
//! schedules, collects and returns a certificate per device, and the school reads them; and
//! the refusals by lot, party, input and status.

use anyhow::{Context, Result};
use becta_domain::entity::{deal, lot, organisation};
use becta_domain::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use becta_domain::vocab::Role;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::error_field;
use crate::common::{TestApp, error_codes, spawn_seeded_app};

const FIELDS: &str = "id status schoolId schoolName supplierName dealTitle lotTitle totalUnits \
    lines { formFactor units } erasureStandard outcomeWanted collectionNote \
    preferredCollectionDate collectionDate declineReason cancelReason differenceReason \
    certificates { serial formFactor erasureStandard erasureMethod certificateReference outcome }";

fn op(mutation: &str, args: &str, params: &str) -> String {
    format!("mutation({params}) {{ {mutation}({args}) {{ {FIELDS} }} }}")
}

/// The seeded lots, suppliers, schools and a trust, with tokens.
struct Yard {
    app: TestApp,
    disposal_lot: String,
    devices_lot: String,
    renewtech: String,
    greenloop: String,
    /// On the deal's lot 1 but not on the disposal lot.
    ashgrove: String,
    renewtech_id: String,
    ashgrove_id: String,
    school: String,
    other_school: String,
    trust: String,
    trust_school_id: String,
    admin: String,
}

async fn yard() -> Result<Yard> {
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

fn day(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days)).to_string()
}

impl Yard {
    /// A request input for 40 laptops and 10 tablets from RENEWTECH, with `extra` on top.
    fn input(&self, extra: Value) -> Value {
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

    async fn request(&self, token: &str, input: Value) -> Result<Value> {
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
    async fn requested(&self) -> Result<String> {
        let r = self.request(&self.school, self.input(json!({}))).await?;
        r["data"]["requestDisposal"]["id"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("requestDisposal: {r}"))
    }

    async fn schedule(&self, token: &str, id: &str) -> Result<Value> {
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

    async fn collect(&self, token: &str, id: &str) -> Result<Value> {
        self.app
            .gql_as(
                token,
                &op("markDisposalCollected", "id: $id", "$id: ID!"),
                json!({ "id": id }),
            )
            .await
    }

    async fn complete(
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

    async fn cancel(&self, token: &str, id: &str) -> Result<Value> {
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

    async fn read(&self, token: &str, id: &str) -> Result<Value> {
        self.app
            .gql_as(
                token,
                &format!("query($id: ID!) {{ disposalRequest(id: $id) {{ {FIELDS} }} }}"),
                json!({ "id": id }),
            )
            .await
    }

    /// The ids of the requests `token` lists.
    async fn listed(&self, token: &str) -> Result<Vec<String>> {
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
    async fn notices(&self, token: &str) -> Result<Vec<String>> {
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
    async fn collected(&self) -> Result<String> {
        let id = self.requested().await?;
        let r = self.schedule(&self.renewtech, &id).await?;
        anyhow::ensure!(r["errors"].is_null(), "schedule: {r}");
        let r = self.collect(&self.renewtech, &id).await?;
        anyhow::ensure!(r["errors"].is_null(), "collect: {r}");
        Ok(id)
    }
}

/// `laptops` laptop and `tablets` tablet certificates to NIST SP 800-88 Rev. 2.
fn certificates(laptops: usize, tablets: usize) -> Vec<Value> {
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

#[tokio::test]
async fn a_school_has_40_laptops_and_10_tablets_collected_and_reads_a_certificate_for_each()
-> Result<()> {
    let y = yard().await?;
    let r = y.request(&y.school, y.input(json!({}))).await?;
    let req = &r["data"]["requestDisposal"];
    assert_eq!(req["status"], "REQUESTED", "{r}");
    assert_eq!(req["totalUnits"], 50);
    assert_eq!(
        req["lines"],
        json!([{ "formFactor": "LAPTOP", "units": 40 }, { "formFactor": "TABLET", "units": 10 }])
    );
    assert_eq!(req["supplierName"], "Renewtech Circular IT Ltd");
    assert_eq!(req["dealTitle"], "Refurbished ICT Equipment");
    assert_eq!(req["lotTitle"], "Lot 2: IT asset disposal and buy-back");
    assert_eq!(req["certificates"], json!([]));
    let id = req["id"].as_str().context("id")?.to_owned();
    assert!(
        y.notices(&y.renewtech)
            .await?
            .contains(&"disposal.requested".to_owned())
    );

    let r = y.schedule(&y.renewtech, &id).await?;
    assert_eq!(r["data"]["scheduleDisposal"]["status"], "SCHEDULED", "{r}");
    assert_eq!(r["data"]["scheduleDisposal"]["collectionDate"], day(21));
    assert!(
        y.notices(&y.school)
            .await?
            .contains(&"disposal.scheduled".to_owned())
    );

    let r = y.collect(&y.renewtech, &id).await?;
    assert_eq!(
        r["data"]["markDisposalCollected"]["status"], "COLLECTED",
        "{r}"
    );

    let r = y
        .complete(&y.renewtech, &id, json!(certificates(40, 10)), None)
        .await?;
    assert_eq!(r["data"]["completeDisposal"]["status"], "COMPLETED", "{r}");
    assert!(
        y.notices(&y.school)
            .await?
            .contains(&"disposal.completed".to_owned())
    );

    // The school reads a certificate per device, in the order given.
    let r = y.read(&y.school, &id).await?;
    let certs = r["data"]["disposalRequest"]["certificates"]
        .as_array()
        .cloned()
        .with_context(|| format!("{r}"))?;
    assert_eq!(certs.len(), 50);
    assert_eq!(
        certs[0],
        json!({
            "serial": "LAP0000", "formFactor": "LAPTOP", "erasureStandard": "NIST_SP_800_88_R2",
            "erasureMethod": "Cryptographic erase with verification",
            "certificateReference": "RT-2026-LAP0000", "outcome": "REUSED",
        })
    );
    assert_eq!(certs[9]["outcome"], "RECYCLED");
    assert_eq!(certs[49]["serial"], "TAB0009");
    assert_eq!(
        r["data"]["disposalRequest"]["differenceReason"],
        Value::Null
    );

    // Who lists it: the school, the supplier and admins; not another supplier of the lot.
    assert_eq!(y.listed(&y.school).await?, [id.as_str()]);
    assert_eq!(y.listed(&y.renewtech).await?, [id.as_str()]);
    assert!(y.listed(&y.admin).await?.contains(&id));
    assert!(y.listed(&y.greenloop).await?.is_empty());
    assert!(y.listed(&y.other_school).await?.is_empty());
    y.app.stop().await
}

#[tokio::test]
async fn disposal_is_refused_outside_its_lot_its_parties_its_checks_and_its_order_of_steps()
-> Result<()> {
    let y = yard().await?;
    // A lot without disposal, and a supplier not on the disposal lot.
    let r = y
        .request(&y.school, y.input(json!({ "lotId": y.devices_lot })))
        .await?;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert_eq!(error_field(&r), "lotId");
    let r = y
        .request(&y.school, y.input(json!({ "supplierId": y.ashgrove_id })))
        .await?;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert_eq!(error_field(&r), "supplierId");
    // Bad input names its field.
    for (extra, field) in [
        (
            json!({ "lines": [{ "formFactor": "LAPTOP", "units": 1 }, { "formFactor": "LAPTOP", "units": 2 }] }),
            "lines.formFactor",
        ),
        (
            json!({ "lines": [{ "formFactor": "TABLET", "units": 0 }] }),
            "lines.units",
        ),
        (
            json!({ "lines": [{ "formFactor": "DESKTOP", "units": 10_001 }] }),
            "lines.units",
        ),
        (
            json!({ "preferredCollectionDate": day(-1) }),
            "preferredCollectionDate",
        ),
        (
            json!({ "erasureStandard": "NIST_SP_800_88_R1" }),
            "erasureStandard",
        ),
        (json!({ "collectionNote": "Reception" }), "collectionNote"),
    ] {
        let r = y.request(&y.school, y.input(extra.clone())).await?;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{extra}: {r}");
        assert_eq!(error_field(&r), field, "{extra}: {r}");
    }
    // A trust's buyer names the school.
    let r = y.request(&y.trust, y.input(json!({}))).await?;
    assert_eq!(error_field(&r), "schoolId", "{r}");
    let r = y
        .request(&y.trust, y.input(json!({ "schoolId": y.trust_school_id })))
        .await?;
    assert_eq!(
        r["data"]["requestDisposal"]["schoolId"],
        y.trust_school_id.as_str(),
        "{r}"
    );
    let trusts = r["data"]["requestDisposal"]["id"].as_str().context("id")?;
    assert_eq!(y.listed(&y.trust).await?, [trusts.to_owned()]);

    // Parties: another school, a supplier not on the lot and another supplier of the lot see
    // nothing; a school does not schedule.
    let id = y.requested().await?;
    for token in [&y.other_school, &y.ashgrove, &y.greenloop] {
        assert_eq!(error_codes(&y.read(token, &id).await?), ["NOT_FOUND"]);
    }
    assert_eq!(
        error_codes(&y.cancel(&y.other_school, &id).await?),
        ["NOT_FOUND"]
    );
    assert_eq!(
        error_codes(&y.schedule(&y.ashgrove, &id).await?),
        ["NOT_FOUND"]
    );
    assert_eq!(
        error_codes(&y.schedule(&y.greenloop, &id).await?),
        ["NOT_FOUND"]
    );
    assert_eq!(
        error_codes(&y.schedule(&y.school, &id).await?),
        ["FORBIDDEN"]
    );
    // Steps out of order.
    assert_eq!(
        error_codes(&y.collect(&y.renewtech, &id).await?),
        ["CONFLICT"]
    );
    let r = y
        .complete(&y.renewtech, &id, json!(certificates(40, 10)), None)
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"], "{r}");
    // The school cancels before collection; not twice.
    let r = y.cancel(&y.school, &id).await?;
    assert_eq!(r["data"]["cancelDisposal"]["status"], "CANCELLED", "{r}");
    assert_eq!(
        r["data"]["cancelDisposal"]["cancelReason"],
        "We are keeping them for another year."
    );
    assert_eq!(error_codes(&y.cancel(&y.school, &id).await?), ["CONFLICT"]);
    assert!(
        y.notices(&y.renewtech)
            .await?
            .contains(&"disposal.cancelled".to_owned())
    );

    // The supplier declines with a reason, before scheduling only.
    let id = y.requested().await?;
    let decline = "mutation($id: ID!, $r: String!) { declineDisposal(id: $id, reason: $r) { status declineReason } }";
    let r = y
        .app
        .gql_as(&y.renewtech, decline, json!({ "id": id, "r": " " }))
        .await?;
    assert_eq!(error_field(&r), "reason", "{r}");
    let r = y
        .app
        .gql_as(
            &y.renewtech,
            decline,
            json!({ "id": id, "r": "We do not collect from your area." }),
        )
        .await?;
    assert_eq!(r["data"]["declineDisposal"]["status"], "DECLINED", "{r}");
    assert_eq!(
        error_codes(&y.schedule(&y.renewtech, &id).await?),
        ["CONFLICT"]
    );
    assert!(
        y.notices(&y.school)
            .await?
            .contains(&"disposal.declined".to_owned())
    );

    // Once collected, it is not cancelled; the certificates must add up.
    let id = y.collected().await?;
    assert_eq!(error_codes(&y.cancel(&y.school, &id).await?), ["CONFLICT"]);
    let mut dup = certificates(40, 10);
    dup[1]["serial"] = json!("lap0000 ");
    let r = y.complete(&y.renewtech, &id, json!(dup), Some("x")).await?;
    assert_eq!(error_field(&r), "certificates.serial", "{r}");
    let mut other = certificates(40, 10);
    other[45]["erasureStandard"] = json!("ADISA");
    let r = y.complete(&y.renewtech, &id, json!(other), None).await?;
    assert_eq!(error_field(&r), "certificates.erasureStandard", "{r}");
    let r = y
        .complete(&y.renewtech, &id, json!(certificates(39, 10)), None)
        .await?;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert_eq!(error_field(&r), "differenceReason", "{r}");
    // Nothing was written by the refusals: the request is still COLLECTED.
    let r = y.read(&y.school, &id).await?;
    assert_eq!(r["data"]["disposalRequest"]["status"], "COLLECTED", "{r}");
    assert_eq!(r["data"]["disposalRequest"]["certificates"], json!([]));
    // With a reason, a difference is accepted and kept.
    let reason = "One laptop was not handed over on the day.";
    let r = y
        .complete(&y.renewtech, &id, json!(certificates(39, 10)), Some(reason))
        .await?;
    assert_eq!(r["data"]["completeDisposal"]["status"], "COMPLETED", "{r}");
    assert_eq!(r["data"]["completeDisposal"]["differenceReason"], reason);
    assert_eq!(
        r["data"]["completeDisposal"]["certificates"]
            .as_array()
            .map(Vec::len),
        Some(49)
    );
    let r = y
        .complete(&y.renewtech, &id, json!(certificates(40, 10)), None)
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"], "{r}");
    y.app.stop().await
}

#[tokio::test]
async fn the_seed_the_deals_import_and_admins_say_which_lots_offer_disposal() -> Result<()> {
    let y = yard().await?;
    let lots = "query($id: ID!) { deal(id: $id) { lots { number offersDisposal } } }";
    let deal_id = lot::Entity::find_by_id(y.disposal_lot.parse::<uuid::Uuid>()?)
        .one(&y.app.db)
        .await?
        .context("lot")?
        .deal_id;
    let v = y.app.data(lots, json!({ "id": deal_id })).await?;
    assert_eq!(
        v["deal"]["lots"],
        json!([{ "number": 1, "offersDisposal": false }, { "number": 2, "offersDisposal": true }])
    );
    // An import sets the flag per lot; absent, it is false.
    let renewtech = organisation::Entity::find()
        .filter(organisation::Column::Name.eq("Renewtech Circular IT Ltd"))
        .one(&y.app.db)
        .await?
        .and_then(|o| o.companies_house_number)
        .context("Renewtech's Companies House number")?;
    let file = json!([{
        "provider": "YPO",
        "reference": "YPO 009999",
        "title": "Device Collection and Recycling",
        "summary": "Collection, certified erasure and recycling of school devices.",
        "categories": ["refurbished_devices"],
        "startsOn": day(-30),
        "endsOn": day(700),
        "routeToMarket": "direct_award",
        "url": "https://ypo.example/frameworks/ypo-009999",
        "lots": [
            { "number": 1, "title": "Collection", "suppliers": [renewtech], "offersDisposal": true },
            { "number": 2, "title": "Advice", "suppliers": [renewtech] }
        ]
    }]);
    let summary =
        becta_domain::imports::deals::import(&y.app.db, file.to_string().as_bytes()).await?;
    assert!(summary.errors.is_empty(), "{summary}");
    let imported = deal::Entity::find()
        .filter(deal::Column::Reference.eq("YPO 009999"))
        .one(&y.app.db)
        .await?
        .context("the imported deal")?;
    let v = y.app.data(lots, json!({ "id": imported.id })).await?;
    assert_eq!(
        v["deal"]["lots"],
        json!([{ "number": 1, "offersDisposal": true }, { "number": 2, "offersDisposal": false }])
    );
    // A request on the imported lot outlives the deal's next import, which writes its lots
    // anew: it keeps the lot's number and title.
    let lot_one = lot::Entity::find()
        .filter(lot::Column::DealId.eq(imported.id))
        .filter(lot::Column::Number.eq(1))
        .one(&y.app.db)
        .await?
        .context("the imported lot 1")?;
    let r = y
        .request(
            &y.school,
            y.input(json!({ "lotId": lot_one.id.to_string() })),
        )
        .await?;
    let id = r["data"]["requestDisposal"]["id"]
        .as_str()
        .with_context(|| format!("{r}"))?
        .to_owned();
    let summary =
        becta_domain::imports::deals::import(&y.app.db, file.to_string().as_bytes()).await?;
    assert_eq!(summary.updated, 1, "{summary}");
    let r = y
        .app
        .data_as(
            &y.school,
            "query($id: ID!) { disposalRequest(id: $id) { status lotId lotTitle } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(
        r["disposalRequest"],
        json!({ "status": "REQUESTED", "lotId": null, "lotTitle": "Lot 1: Collection" })
    );

    // An admin's deal says it per lot too.
    let ypo = becta_domain::entity::provider::Entity::find()
        .filter(becta_domain::entity::provider::Column::ShortName.eq("YPO"))
        .one(&y.app.db)
        .await?
        .context("YPO")?;
    let input = json!({
        "providerId": ypo.id.to_string(),
        "reference": "YPO 009998",
        "title": "Device Take-back",
        "summary": "Collection and certified erasure of school devices.",
        "categories": ["refurbished_devices"],
        "lots": [
            { "number": 1, "title": "Take-back", "supplierIds": [y.renewtech_id], "offersDisposal": true },
            { "number": 2, "title": "Repairs", "supplierIds": [y.renewtech_id] }
        ],
        "startsOn": day(-1),
        "endsOn": day(365),
        "routeToMarket": "DIRECT_AWARD",
        "url": "https://ypo.example/frameworks/ypo-009998",
    });
    let v = y
        .app
        .data_as(
            &y.admin,
            "mutation($input: DealInput!) { createDeal(input: $input) { lots { number offersDisposal } } }",
            json!({ "input": input }),
        )
        .await?;
    assert_eq!(
        v["createDeal"]["lots"],
        json!([{ "number": 1, "offersDisposal": true }, { "number": 2, "offersDisposal": false }])
    );
    y.app.stop().await
}
