//! A school's own entries: contracts bought elsewhere, their checks and versions, renewal
//! reminders at 90 and 30 days, and who sees which register.

use anyhow::{Context, Result};
use becta_domain::vocab::Role;
use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use super::{CONTRACT, add, date, my_contracts, noon, notices, update};
use crate::common::{TestApp, column, error_codes, fixture, parse_csv, spawn_app};

pub(super) fn field(r: &Value) -> Value {
    r["errors"][0]["extensions"]["field"].clone()
}

/// A contract bought elsewhere, from a supplier not in the catalogue.
pub(super) fn elsewhere(name: &str) -> Value {
    json!({
        "productName": name, "supplierName": "Acme Cloud Ltd",
        "startsOn": "2026-09-01", "endsOn": "2029-08-31", "autoRenews": true,
        "noticeDays": 90, "annualCostPence": 450_000, "licencesBought": 1200,
        "licencesInUse": 1100,
    })
}

pub(super) struct Schools {
    pub(super) app: TestApp,
    pub(super) f: fixture::Fixture,
    pub(super) lone: String,
    trust_a: String,
    trust_b: String,
    trust: String,
}

pub(super) async fn schools() -> Result<Schools> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let buyer = |org: String| app.token(Role::SchoolBuyer, Some(&org));
    Ok(Schools {
        lone: buyer(fixture::SCHOOL_URN.to_string()),
        trust_a: buyer(fixture::TRUST_SCHOOL_URNS[0].to_string()),
        trust_b: buyer(fixture::TRUST_SCHOOL_URNS[1].to_string()),
        trust: buyer(format!("trust:{}", fixture::TRUST_GROUP_UID)),
        app,
        f,
    })
}

pub(super) async fn added(app: &TestApp, token: &str, input: Value) -> Result<Value> {
    let r = add(app, token, input).await?;
    anyhow::ensure!(r.get("errors").is_none(), "{r}");
    Ok(r["data"]["addContract"].clone())
}

#[tokio::test]
async fn a_school_adds_a_contract_bought_elsewhere_and_bad_terms_are_refused_by_field() -> Result<()>
{
    let s = schools().await?;
    let c = added(&s.app, &s.lone, elsewhere("Cloud MIS")).await?;
    assert_eq!(c["source"], "MANUAL");
    assert_eq!(c["productId"], Value::Null);
    assert_eq!(c["supplierName"], "Acme Cloud Ltd");
    assert_eq!(c["schoolId"], s.f.school.to_string());
    assert_eq!(c["noticeOn"], "2029-06-02");
    assert_eq!(c["reminderDays"], json!([90, 30]));
    assert_eq!(c["nextReminderOn"], "2029-03-04");
    assert_eq!(c["licencesSpare"], 100);
    assert_eq!(c["paidOrders"], 0);
    assert_eq!(c["version"], 1);

    // A catalogue product brings its name and supplier; a lot brings its deal.
    let lot = s.f.deals["Current Devices Deal"];
    let lots: Vec<uuid::Uuid> = {
        use becta_domain::entity::lot;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        lot::Entity::find()
            .filter(lot::Column::DealId.eq(lot))
            .order_by_asc(lot::Column::Number)
            .all(&s.app.db)
            .await?
            .into_iter()
            .map(|l| l.id)
            .collect()
    };
    let from_catalogue = added(
        &s.app,
        &s.lone,
        json!({ "productId": s.f.products["Alpha Phonics"].to_string(), "lotId": lots[1].to_string(),
                "startsOn": "2026-01-01", "endsOn": "2026-12-31", "autoRenews": false,
                "noticeDays": 0, "reminderDays": [14], "annualCostPence": 0, "licencesBought": 30 }),
    )
    .await?;
    assert_eq!(from_catalogue["productName"], "Alpha Phonics");
    assert_eq!(from_catalogue["supplierName"], "Alpha Learning Ltd");
    assert_eq!(from_catalogue["dealTitle"], "Current Devices Deal");
    assert_eq!(from_catalogue["lotTitle"], "Lot 2: Tablets");
    assert_eq!(from_catalogue["reminderDays"], json!([14]));

    // Each bad term is refused naming its field, and nothing is written.
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "endsOn": "2026-08-31" }), "endsOn"),
        (json!({ "endsOn": "2040-08-31" }), "endsOn"),
        (json!({ "noticeDays": 1100 }), "noticeDays"),
        (json!({ "noticeDays": -1 }), "noticeDays"),
        (json!({ "licencesInUse": -1 }), "licencesInUse"),
        (json!({ "licencesBought": -5 }), "licencesBought"),
        (json!({ "annualCostPence": -1 }), "annualCostPence"),
        (json!({ "reminderDays": [0, 30] }), "reminderDays"),
        (json!({ "reminderDays": [400] }), "reminderDays"),
        (json!({ "productName": null }), "productName"),
        (json!({ "productName": "   " }), "productName"),
        (json!({ "supplierName": null }), "supplierName"),
        (json!({ "notes": "x".repeat(2001) }), "notes"),
        (
            json!({ "productId": uuid::Uuid::new_v4().to_string() }),
            "productId",
        ),
        (json!({ "productId": "not-an-id" }), "productId"),
        (
            json!({ "productId": s.f.products["Alpha Phonics"].to_string(), "supplierId": s.f.beta.to_string() }),
            "supplierId",
        ),
        (
            json!({ "dealId": s.f.deals["Current Licences Deal"].to_string(), "lotId": lots[0].to_string() }),
            "lotId",
        ),
        (
            json!({ "schoolId": s.f.trust_schools[0].to_string() }),
            "schoolId",
        ),
    ];
    for (change, name) in cases {
        let mut input = elsewhere("Bad");
        if let (Some(i), Some(c)) = (input.as_object_mut(), change.as_object()) {
            for (k, v) in c {
                i.insert(k.clone(), v.clone());
            }
        }
        let r = add(&s.app, &s.lone, input).await?;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{change}: {r}");
        assert_eq!(field(&r), name, "{change}: {r}");
    }
    assert_eq!(my_contracts(&s.app, &s.lone).await?.len(), 2);

    // Changes: guarded by the version, checked like additions, audited.
    let changed = update(
        &s.app,
        &s.lone,
        &c["id"],
        &json!(1),
        json!({ "licencesInUse": 1250, "notes": "Renewal \"quote\" due, ask for 3 years", "reminderDays": [120, 60, 14] }),
    )
    .await?;
    assert!(changed.get("errors").is_none(), "{changed}");
    let changed = &changed["data"]["updateContract"];
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["licencesSpare"], -50, "a shortfall shows");
    assert_eq!(changed["reminderDays"], json!([120, 60, 14]));
    assert_eq!(changed["nextReminderOn"], "2029-02-02");
    let stale = update(
        &s.app,
        &s.lone,
        &c["id"],
        &json!(1),
        json!({ "licencesInUse": 1 }),
    )
    .await?;
    assert_eq!(error_codes(&stale), ["CONFLICT"], "{stale}");
    assert_eq!(field(&stale), "version");
    for (change, name) in [
        (json!({ "endsOn": "2026-08-01" }), "endsOn"),
        (json!({ "noticeDays": 2000 }), "noticeDays"),
        (
            json!({ "startsOn": "2029-07-01", "endsOn": "2029-08-31" }),
            "noticeDays",
        ),
        (json!({ "licencesInUse": -3 }), "licencesInUse"),
        (json!({ "productName": "" }), "productName"),
    ] {
        let r = update(&s.app, &s.lone, &c["id"], &json!(2), change.clone()).await?;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{change}: {r}");
        assert_eq!(field(&r), name, "{change}: {r}");
    }
    // A catalogue product and supplier keep their catalogue names.
    for (change, name) in [
        (json!({ "supplierName": "Someone" }), "supplierName"),
        (json!({ "productName": "Something" }), "productName"),
    ] {
        let r = update(&s.app, &s.lone, &from_catalogue["id"], &json!(1), change).await?;
        assert_eq!(field(&r), name, "{r}");
    }
    // Null clears what may be cleared.
    let cleared = update(
        &s.app,
        &s.lone,
        &c["id"],
        &json!(2),
        json!({ "licencesInUse": null, "notes": null }),
    )
    .await?;
    let cleared = &cleared["data"]["updateContract"];
    assert_eq!(
        (
            &cleared["licencesInUse"],
            &cleared["notes"],
            &cleared["version"]
        ),
        (&Value::Null, &Value::Null, &json!(3))
    );

    // Every write is audited.
    let actions: Vec<String> = {
        use becta_domain::entity::audit_event;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        audit_event::Entity::find()
            .filter(audit_event::Column::EntityType.eq("contract"))
            .all(&s.app.db)
            .await?
            .into_iter()
            .map(|e| e.action)
            .collect()
    };
    assert_eq!(actions.iter().filter(|a| *a == "contract.added").count(), 2);
    assert_eq!(
        actions.iter().filter(|a| *a == "contract.updated").count(),
        2
    );
    Ok(())
}

#[tokio::test]
async fn renewal_reminders_go_out_90_and_30_days_before_the_notice_date_once_each() -> Result<()> {
    let s = schools().await?;
    // Ends 31 August 2027 with 60 days' notice: notice by 2 July 2027.
    let c = added(
        &s.app,
        &s.lone,
        json!({ "productName": "Cloud MIS", "supplierName": "Acme Cloud Ltd",
                "startsOn": "2026-09-01", "endsOn": "2027-08-31", "autoRenews": true,
                "noticeDays": 60, "annualCostPence": 450_000, "licencesBought": 1 }),
    )
    .await?;
    let notice: NaiveDate = "2027-07-02".parse()?;
    assert_eq!(date(&c["noticeOn"])?, notice);
    let sweep = |day: NaiveDate| becta_domain::contracts::sweep(&s.app.db, noon(day), 100);
    let sent = || notices(&s.app, &s.lone, "contract.renewal_due");

    assert_eq!(sweep(notice - Duration::days(91)).await?, 0);
    assert!(sent().await?.is_empty());
    // 90 days before: one reminder, however often the sweep runs.
    for _ in 0..3 {
        sweep(notice - Duration::days(90)).await?;
    }
    sweep(notice - Duration::days(60)).await?;
    let after_90 = sent().await?;
    assert_eq!(after_90.len(), 1, "{after_90:?}");
    assert_eq!(after_90[0]["payload"]["daysBefore"], 90);
    assert_eq!(after_90[0]["payload"]["noticeOn"], "2027-07-02");
    assert_eq!(after_90[0]["payload"]["autoRenews"], true);
    let reg = my_contracts(&s.app, &s.lone).await?;
    assert_eq!(
        date(&reg[0]["nextReminderOn"])?,
        notice - Duration::days(30)
    );
    // 30 days before: the second, once.
    assert_eq!(sweep(notice - Duration::days(30)).await?, 1);
    sweep(notice - Duration::days(29)).await?;
    sweep(notice).await?;
    let all = sent().await?;
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0]["payload"]["daysBefore"], 30);
    assert_eq!(all[0]["payload"]["contractId"], c["id"]);
    // A trust's buyer is reminded of its schools' contracts, never of another school's.
    let a = added(&s.app, &s.trust_a, elsewhere("Trust A MIS")).await?;
    let a_notice = date(&a["noticeOn"])?;
    sweep(a_notice - Duration::days(90)).await?;
    let trust_sees = notices(&s.app, &s.trust, "contract.renewal_due").await?;
    assert_eq!(trust_sees.len(), 1, "{trust_sees:?}");
    assert_eq!(trust_sees[0]["payload"]["contractId"], a["id"]);
    assert_eq!(sent().await?.len(), 2, "the lone school's own two only");
    // After the notice date nothing more is due.
    assert_eq!(sweep(notice + Duration::days(1)).await?, 0);
    let reg = my_contracts(&s.app, &s.lone).await?;
    assert_eq!(reg[0]["nextReminderOn"], Value::Null);
    assert_eq!(
        reg[0]["version"], 1,
        "the sweep does not change the school's version"
    );

    // A contract added with its notice date 20 days away gets only the nearest reminder.
    let late = added(
        &s.app,
        &s.lone,
        json!({ "productName": "Filtering", "supplierName": "Acme Cloud Ltd",
                "startsOn": "2030-01-01", "endsOn": "2030-12-31", "autoRenews": false,
                "noticeDays": 30, "reminderDays": [90, 30, 7], "annualCostPence": 1, "licencesBought": 1 }),
    )
    .await?;
    let late_notice = date(&late["noticeOn"])?;
    assert_eq!(sweep(late_notice - Duration::days(20)).await?, 1);
    assert_eq!(sweep(late_notice - Duration::days(7)).await?, 1);
    let days: Vec<Value> = sent()
        .await?
        .iter()
        .filter(|n| n["payload"]["contractId"] == late["id"])
        .map(|n| n["payload"]["daysBefore"].clone())
        .collect();
    assert_eq!(days, [json!(7), json!(30)]);
    Ok(())
}

#[tokio::test]
async fn another_school_never_sees_the_register_and_a_trust_sees_only_its_schools() -> Result<()> {
    let s = schools().await?;
    let lone = added(&s.app, &s.lone, elsewhere("Lone MIS")).await?;
    let a = added(&s.app, &s.trust_a, elsewhere("Trust A MIS")).await?;
    let b = added(&s.app, &s.trust_b, elsewhere("Trust B MIS")).await?;

    // Another school: not in its register, not by id, not to change, not in its export.
    let names = |list: Vec<Value>| -> Vec<String> {
        list.iter()
            .filter_map(|c| c["productName"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        names(my_contracts(&s.app, &s.trust_a).await?),
        ["Trust A MIS"]
    );
    let q = format!("query($id: ID!) {{ contract(id: $id) {{ {CONTRACT} }} }}");
    let r = s
        .app
        .gql_as(&s.trust_a, &q, json!({ "id": lone["id"] }))
        .await?;
    assert_eq!(error_codes(&r), ["NOT_FOUND"], "{r}");
    let r = update(
        &s.app,
        &s.trust_a,
        &lone["id"],
        &json!(1),
        json!({ "licencesInUse": 1 }),
    )
    .await?;
    assert_eq!(error_codes(&r), ["NOT_FOUND"], "{r}");
    let r = update(
        &s.app,
        &s.lone,
        &a["id"],
        &json!(1),
        json!({ "licencesInUse": 1 }),
    )
    .await?;
    assert_eq!(error_codes(&r), ["NOT_FOUND"], "{r}");
    let (status, _, body) = s
        .app
        .get_as(Some(&s.trust_a), "/exports/contracts.csv")
        .await?;
    assert_eq!(status, 200);
    let (_, rows) = parse_csv(&body)?;
    assert_eq!(rows.len(), 1);
    // Other roles have no register.
    let supplier = s.app.token(Role::Supplier, Some(&s.f.alpha.to_string()));
    let r = s
        .app
        .gql_as(&supplier, "{ myContracts { id } }", json!({}))
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"], "{r}");

    // The trust's buyer: both its schools' registers, never the lone school's.
    let mut seen = names(my_contracts(&s.app, &s.trust).await?);
    seen.sort();
    assert_eq!(seen, ["Trust A MIS", "Trust B MIS"]);
    let one = s
        .app
        .data_as(
            &s.trust,
            "query($s: ID) { myContracts(schoolId: $s) { productName schoolName } }",
            json!({ "s": s.f.trust_schools[1].to_string() }),
        )
        .await?;
    assert_eq!(one["myContracts"][0]["productName"], "Trust B MIS");
    let r = s
        .app
        .gql_as(
            &s.trust,
            "query($s: ID) { myContracts(schoolId: $s) { id } }",
            json!({ "s": s.f.school.to_string() }),
        )
        .await?;
    assert_eq!(field(&r), "schoolId", "{r}");
    let r = s
        .app
        .gql_as(&s.trust, &q, json!({ "id": lone["id"] }))
        .await?;
    assert_eq!(error_codes(&r), ["NOT_FOUND"], "{r}");
    // It keeps its schools' entries, and adds for a school it names.
    let r = update(
        &s.app,
        &s.trust,
        &b["id"],
        &json!(1),
        json!({ "licencesInUse": 900 }),
    )
    .await?;
    assert_eq!(r["data"]["updateContract"]["licencesInUse"], 900, "{r}");
    let r = add(&s.app, &s.trust, elsewhere("Trust-wide filtering")).await?;
    assert_eq!(field(&r), "schoolId", "{r}");
    let mut lone_school = elsewhere("Not ours");
    lone_school["schoolId"] = json!(s.f.school.to_string());
    let r = add(&s.app, &s.trust, lone_school).await?;
    assert_eq!(field(&r), "schoolId", "{r}");
    let mut for_a = elsewhere("Trust-wide filtering");
    for_a["schoolId"] = json!(s.f.trust_schools[0].to_string());
    let made = added(&s.app, &s.trust, for_a).await?;
    assert_eq!(made["schoolId"], s.f.trust_schools[0].to_string());
    assert_eq!(my_contracts(&s.app, &s.trust_a).await?.len(), 2);
    let (_, _, body) = s
        .app
        .get_as(Some(&s.trust), "/exports/contracts.csv")
        .await?;
    let (header, rows) = parse_csv(&body)?;
    let id = column(&header, "Contract id")?;
    let mut ids: Vec<&str> = rows.iter().map(|r| r[id].as_str()).collect();
    ids.sort();
    let mut want = vec![
        a["id"].as_str().context("id")?,
        b["id"].as_str().context("id")?,
        made["id"].as_str().context("id")?,
    ];
    want.sort();
    assert_eq!(ids, want);
    Ok(())
}

#[tokio::test]
async fn a_trusts_spend_summary_adds_up_its_schools_and_narrows_to_one_of_them() -> Result<()> {
    let s = schools().await?;
    let cost = |name: &str, pence: i64| {
        let mut c = elsewhere(name);
        c["annualCostPence"] = json!(pence);
        c
    };
    added(&s.app, &s.lone, cost("Lone MIS", 100_000)).await?;
    added(&s.app, &s.trust_a, cost("Trust A MIS", 200_000)).await?;
    added(&s.app, &s.trust_b, cost("Trust B MIS", 300_000)).await?;
    let spend = "query($s: ID) { spendSummary(from: \"2027-01-01T00:00:00Z\", to: \"2028-01-01T00:00:00Z\", groupBy: SUPPLIER, schoolId: $s) { label contracts annualCommitmentPence } }";
    let total = |r: &Value| r["spendSummary"][0].clone();

    let trust = s.app.data_as(&s.trust, spend, json!({})).await?;
    assert_eq!(
        total(&trust),
        json!({ "label": "Acme Cloud Ltd", "contracts": 2, "annualCommitmentPence": 500_000 }),
        "both schools of the trust, never the lone school: {trust}"
    );
    let one = s
        .app
        .data_as(
            &s.trust,
            spend,
            json!({ "s": s.f.trust_schools[1].to_string() }),
        )
        .await?;
    assert_eq!(total(&one)["annualCommitmentPence"], 300_000, "{one}");
    let school = s.app.data_as(&s.trust_a, spend, json!({})).await?;
    assert_eq!(total(&school)["annualCommitmentPence"], 200_000, "{school}");

    // A school outside the buyer's scope is refused, naming the argument.
    for (who, other) in [(&s.trust, s.f.school), (&s.trust_a, s.f.trust_schools[1])] {
        let r = s
            .app
            .gql_as(who, spend, json!({ "s": other.to_string() }))
            .await?;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
        assert_eq!(field(&r), "schoolId", "{r}");
    }
    Ok(())
}
