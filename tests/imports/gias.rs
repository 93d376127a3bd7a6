//! `becta import gias`: the sample extracts (real GIAS headers, Latin-1 names) imported twice,
//! a newer extract applied as differences, malformed rows named by line and column, and the
//! sign-in message for a school that is not imported yet.

use std::path::{Path, PathBuf};
use std::process::Output;

use anyhow::{Context, Result};
use becta_domain::entity::{audit_event, organisation};
use becta_domain::vocab::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::common::{TestApp, spawn_app};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/gias")
}

/// `becta import gias` with the three extracts named `<establishments>`, `<groups>` and
/// `<links>` in the fixtures folder.
async fn import(
    app: &TestApp,
    establishments: &str,
    links: &str,
    extra: &[&str],
) -> Result<(Output, String)> {
    let mut args = vec![
        "import",
        "gias",
        "--establishments",
        establishments,
        "--groups",
        "groups.csv",
        "--links",
        links,
    ];
    args.extend_from_slice(extra);
    let out = app.becta(&fixtures(), &args).await?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok((out, stdout))
}

async fn school(app: &TestApp, urn: i32) -> Result<organisation::Model> {
    organisation::Entity::find()
        .filter(organisation::Column::Urn.eq(urn))
        .one(&app.db)
        .await?
        .with_context(|| format!("no school {urn}"))
}

async fn trust(app: &TestApp, group_uid: &str) -> Result<organisation::Model> {
    organisation::Entity::find()
        .filter(organisation::Column::GroupUid.eq(group_uid))
        .one(&app.db)
        .await?
        .with_context(|| format!("no trust {group_uid}"))
}

#[tokio::test]
async fn importing_the_gias_extracts_twice_changes_nothing_the_second_time() -> Result<()> {
    let app = spawn_app().await?;
    let (out, summary) = import(&app, "establishments.csv", "links.csv", &[]).await?;
    assert!(
        out.status.success(),
        "{summary}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(summary.contains("trusts: 4 added"), "{summary}");
    assert!(summary.contains("schools: 9 added"), "{summary}");
    assert!(
        summary.contains("skipped 1 establishments that are not schools: 1 Further education"),
        "{summary}"
    );
    assert!(
        summary.contains("skipped 1 groups that are not academy trusts: 1 Federation"),
        "{summary}"
    );

    // Latin-1 names arrive as the letters they are.
    let benedict = school(&app, 137002).await?;
    assert_eq!(benedict.name, "St Bénédict's Catholic Academy");
    let bronte = school(&app, 137004).await?;
    let bronte_trust = trust(&app, "4002").await?;
    assert_eq!(bronte_trust.name, "Brontë Learning Trust");
    assert_eq!(bronte.trust_id, Some(bronte_trust.id));
    // A spreadsheet's dropped leading zero is put back.
    assert_eq!(
        bronte_trust.companies_house_number.as_deref(),
        Some("08123456")
    );
    let st_marys = school(&app, 137001).await?;
    assert_eq!(
        (
            st_marys.establishment_type.as_deref(),
            st_marys.phase.as_deref(),
            st_marys.region.as_deref(),
            st_marys.la_code.as_deref(),
            st_marys.la_name.as_deref(),
            st_marys.pupil_count,
            st_marys.ukprn,
        ),
        (
            Some("academy_converter"),
            Some("primary"),
            Some("london"),
            Some("202"),
            Some("Camden"),
            Some(412),
            Some(10031001)
        )
    );
    assert_eq!(st_marys.trust_id, Some(trust(&app, "4001").await?.id));
    assert_eq!(school(&app, 137007).await?.status, "closed");
    // A federation is not a trust: the nursery school has none.
    assert_eq!(school(&app, 137005).await?.trust_id, None);
    assert!(
        organisation::Entity::find()
            .filter(organisation::Column::Urn.eq(130123))
            .one(&app.db)
            .await?
            .is_none(),
        "a college is not a school"
    );

    // The school's buyer signs in, and sees the school's name as GIAS spells it.
    let token = app.token(Role::SchoolBuyer, Some("137002"));
    let me = app
        .gql_as(&token, "{ me { organisation { name urn } } }", json!({}))
        .await?;
    assert_eq!(
        me["data"]["me"]["organisation"],
        json!({ "name": "St Bénédict's Catholic Academy", "urn": 137002 })
    );

    let before = organisation::Entity::find().all(&app.db).await?;
    let (out, summary) = import(&app, "establishments.csv", "links.csv", &[]).await?;
    assert!(out.status.success(), "{summary}");
    assert!(
        summary.contains(
            "trusts: 0 added, 0 closed, 0 reopened, 0 renamed, 0 updated in all, 4 unchanged"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("schools: 0 added, 0 closed, 0 reopened, 0 renamed, 0 updated in all, 9 unchanged; 0 changed trust"),
        "{summary}"
    );
    let after = organisation::Entity::find().all(&app.db).await?;
    assert_eq!(before, after, "the second import wrote nothing");
    let updates = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("organisation.gias_updated"))
        .all(&app.db)
        .await?;
    assert!(updates.is_empty(), "{updates:?}");
    let imports = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("gias.imported"))
        .all(&app.db)
        .await?;
    assert_eq!(imports.len(), 2, "each import is in the audit log");
    Ok(())
}

#[tokio::test]
async fn a_newer_extract_closes_a_school_moves_another_to_a_new_trust_and_says_so() -> Result<()> {
    let app = spawn_app().await?;
    let (out, summary) = import(&app, "establishments.csv", "links.csv", &[]).await?;
    assert!(out.status.success(), "{summary}");
    let old_trust = trust(&app, "4002").await?;

    let (out, summary) = import(&app, "establishments-newer.csv", "links-newer.csv", &[]).await?;
    assert!(out.status.success(), "{summary}");
    assert!(
        summary.contains(
            "schools: 1 added, 1 closed, 0 reopened, 1 renamed, 3 updated in all, 6 unchanged; 1 changed trust"
        ),
        "{summary}"
    );
    for line in [
        "closed: school 137003 Hollins Brook Community Primary School",
        "changed trust: school 137004 Brontë Academy: from Brontë Learning Trust to Pennine Schools Partnership",
        "renamed: school 137005 Riverside Nursery School and Children's Centre (was Riverside Nursery School)",
    ] {
        assert!(summary.contains(line), "{line:?} in {summary}");
    }

    // The closed school is kept, marked closed with its date.
    let closed = school(&app, 137003).await?;
    assert_eq!(
        (
            closed.status.as_str(),
            closed.closed_on.map(|d| d.to_string())
        ),
        ("closed", Some("2026-08-31".to_owned()))
    );
    let moved = school(&app, 137004).await?;
    let new_trust = trust(&app, "4003").await?;
    assert_eq!(moved.trust_id, Some(new_trust.id));
    assert_eq!(school(&app, 137010).await?.trust_id, Some(new_trust.id));

    // The move is in the audit log, with the trust before and after.
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("organisation.gias_updated"))
        .filter(audit_event::Column::EntityId.eq(moved.id.to_string()))
        .all(&app.db)
        .await?;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        (
            &events[0].before.as_ref().map(|b| b["trust_id"].clone()),
            &events[0].after.as_ref().map(|a| a["trust_id"].clone()),
        ),
        (
            &Some(json!(old_trust.id.to_string())),
            &Some(json!(new_trust.id.to_string()))
        )
    );

    // A buyer for the new trust now acts for the school that joined it.
    let token = app.token(Role::SchoolBuyer, Some("trust:4003"));
    let me = app
        .gql_as(&token, "{ me { organisation { name } } }", json!({}))
        .await?;
    assert_eq!(
        me["data"]["me"]["organisation"]["name"],
        "Pennine Schools Partnership"
    );

    // And the newer extract again changes nothing.
    let (out, summary) = import(&app, "establishments-newer.csv", "links-newer.csv", &[]).await?;
    assert!(out.status.success(), "{summary}");
    assert!(
        summary.contains("0 updated in all, 10 unchanged"),
        "{summary}"
    );
    Ok(())
}

#[tokio::test]
async fn malformed_rows_are_named_by_line_and_column_and_the_good_rows_still_import() -> Result<()>
{
    let app = spawn_app().await?;
    let errors = [
        "establishments line 3, column URN: \"13AB12\" is not a 6-digit URN",
        "establishments line 4, column NumberOfPupils: \"lots\" is not a whole number",
        "establishments line 5, column OpenDate: \"31-02-1974\" is not a date like 31-08-2024",
        "establishments line 6: the row has 4 cells where the header has",
    ];

    // Told to stop on an error, it writes nothing.
    let (out, summary) = import(
        &app,
        "establishments-bad.csv",
        "links.csv",
        &["--stop-on-error"],
    )
    .await?;
    assert!(!out.status.success(), "{summary}");
    for e in errors {
        assert!(summary.contains(e), "{e:?} in {summary}");
    }
    assert!(summary.contains("nothing was written"), "{summary}");
    assert!(
        organisation::Entity::find().all(&app.db).await?.is_empty(),
        "nothing written"
    );

    // By default the good rows are imported, the bad ones reported, and the command fails.
    let (out, summary) = import(&app, "establishments-bad.csv", "links.csv", &[]).await?;
    assert!(!out.status.success(), "{summary}");
    for e in errors {
        assert!(summary.contains(e), "{e:?} in {summary}");
    }
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("4 rows refused"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        school(&app, 137011).await?.name,
        "Primrose Hill Primary School"
    );
    assert_eq!(
        trust(&app, "4001").await?.name,
        "Northern Lights Academy Trust"
    );
    Ok(())
}

#[tokio::test]
async fn a_token_for_a_school_not_yet_imported_is_refused_saying_how_to_import_it() -> Result<()> {
    let app = spawn_app().await?;
    for (org, what) in [
        ("137001", "the school with URN 137001 is unknown"),
        ("trust:4001", "the trust with Group UID 4001 is unknown"),
    ] {
        let token = app.token(Role::SchoolBuyer, Some(org));
        let (status, _, body) = app
            .post_as(Some(&token), "{ me { organisation { name } } }", json!({}))
            .await?;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(what), "{message}");
        assert!(message.contains("becta import gias"), "{message}");
    }

    let (out, summary) = import(&app, "establishments.csv", "links.csv", &[]).await?;
    assert!(out.status.success(), "{summary}");
    let token = app.token(Role::SchoolBuyer, Some("137001"));
    let me = app
        .gql_as(&token, "{ me { organisation { name } } }", json!({}))
        .await?;
    assert_eq!(
        me["data"]["me"]["organisation"]["name"],
        "St Mary's C of E Primary School"
    );
    Ok(())
}
