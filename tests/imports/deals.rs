//! `becta import deals`: a file of frameworks with lots and suppliers (by Companies House
//! number) loads in one transaction, updates in place when run again, reaches search and the
//! audit log, or reports every bad deal by line and writes nothing.

use std::path::{Path, PathBuf};

use anyhow::Result;
use becta_domain::entity::{audit_event, deal, organisation, search_outbox};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::common::{TestApp, fixture, spawn_app};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/deals")
}

/// The fixture, with supplier Beta registered under a Scottish Companies House number.
async fn app_with_suppliers() -> Result<TestApp> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    organisation::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(f.beta),
        companies_house_number: Set(Some("SC123456".into())),
        ..Default::default()
    }
    .update(&app.db)
    .await?;
    Ok(app)
}

async fn deal_by_reference(app: &TestApp, reference: &str) -> Result<Value> {
    let data = app
        .data(
            "{ deals(first: 100) { edges { node { id reference title version
                 provider { shortName } lots { number title suppliers { name } } } } } }",
            json!({}),
        )
        .await?;
    Ok(data["deals"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["node"].clone())
        .find(|d| d["reference"] == reference)
        .unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_deals_file_loads_lots_and_suppliers_and_a_second_run_updates_in_place() -> Result<()> {
    let app = app_with_suppliers().await?;
    let deals_before = deal::Entity::find().count(&app.db).await?;
    let out = app
        .becta(&fixtures(), &["import", "deals", "deals.json"])
        .await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("2 deals read; 2 added, 0 updated in place; 3 lots"),
        "{stdout}"
    );
    let rm6098 = deal_by_reference(&app, "RM6098").await?;
    assert_eq!(rm6098["provider"]["shortName"], "CCS");
    assert_eq!(
        rm6098["lots"],
        json!([
            { "number": 1, "title": "Hardware",
              "suppliers": [{ "name": "Alpha Learning Ltd" }, { "name": "Beta Devices Ltd" }] },
            { "number": 2, "title": "Hardware and services",
              "suppliers": [{ "name": "Beta Devices Ltd" }] },
        ])
    );
    assert_eq!(
        deal_by_reference(&app, "ESPO-665").await?["lots"][0]["suppliers"],
        json!([{ "name": "Alpha Learning Ltd" }])
    );

    let out = app
        .becta(&fixtures(), &["import", "deals", "deals.json"])
        .await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("2 deals read; 0 added, 2 updated in place"),
        "{stdout}"
    );
    assert_eq!(
        deal::Entity::find().count(&app.db).await?,
        deals_before + 2,
        "updated in place, not added again"
    );
    let again = deal_by_reference(&app, "RM6098").await?;
    assert_eq!(again["id"], rm6098["id"]);
    assert_eq!(again["version"], 2);

    // Search hears of every load, and the audit log keeps each.
    let id = rm6098["id"].as_str().unwrap_or_default().to_owned();
    let queued = search_outbox::Entity::find()
        .filter(search_outbox::Column::EntityType.eq("deal"))
        .filter(search_outbox::Column::EntityId.eq(id.parse::<uuid::Uuid>()?))
        .count(&app.db)
        .await?;
    assert_eq!(queued, 2);
    let audited = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("deal.import"))
        .filter(audit_event::Column::EntityId.eq(id))
        .count(&app.db)
        .await?;
    assert_eq!(audited, 2);
    Ok(())
}

#[tokio::test]
async fn a_deals_file_with_bad_deals_reports_every_one_by_line_and_writes_nothing() -> Result<()> {
    let app = app_with_suppliers().await?;
    let deals_before = deal::Entity::find().count(&app.db).await?;
    let out = app
        .becta(&fixtures(), &["import", "deals", "deals-bad.json"])
        .await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    for problem in [
        "deals line 2, column provider: no provider has the short name \"NOPE\"",
        "deals line 14, column categories: \"spaceships\" is not a deal category",
        "deals line 14, column lots[0].suppliers: no supplier has the Companies House number \"99999999\"",
        "deals line 14, column endsOn: `endsOn` must not be before `startsOn`",
        "deals line 28: missing field `title`",
    ] {
        assert!(stdout.contains(problem), "{problem:?} in {stdout}");
    }
    assert!(stdout.contains("nothing was written"), "{stdout}");
    assert_eq!(deal::Entity::find().count(&app.db).await?, deals_before);
    Ok(())
}
