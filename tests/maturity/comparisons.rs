//! Comparisons: the benchmark against similar schools with small-group suppression, the
//! sector view for admins and the public, its CSV, and the figures the seed gives.

use anyhow::Result;
use becta_domain::entity::organisation;
use becta_domain::vocab::{Phase, Region, Role};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use super::*;
use crate::common::{column, error_codes, parse_csv, spawn_app, spawn_seeded_app};

const BENCHMARK: &str = "query($s: String!) { maturityBenchmark(standard: $s) {
    standard { slug } phase region sizeBand ownMaturity suppressed suppressionReason schoolCount
    shares { maturity percent } percentAbove percentLevel percentBelow } }";

fn share(b: &Value, level: &str) -> i64 {
    b["shares"]
        .as_array()
        .and_then(|s| s.iter().find(|x| x["maturity"] == level))
        .and_then(|x| x["percent"].as_i64())
        .unwrap_or(-1)
}

/// A London primary of 300 pupils that completed broadband PARTLY_MET, nine similar schools
/// (7 MET, 2 NOT_MET) and schools that are not similar (another region, phase or size band).
async fn nine_peers(app: &TestApp) -> Result<(String, Vec<Uuid>)> {
    let mut list = vec![School::primary(300_000, Region::London, 300)];
    list.extend((1..=9).map(|i| School::primary(300_000 + i, Region::London, 210 + i * 40)));
    list.push(School::primary(300_100, Region::NorthEast, 300));
    list.push(School::primary(300_101, Region::London, 120));
    list.push(School {
        phase: Phase::Secondary,
        ..School::primary(300_102, Region::London, 300)
    });
    let ids = schools(app, &list).await?;
    let me = buyer(app, 300_000);
    complete_with(app, &me, "broadband-internet", BROADBAND_PARTLY).await?;
    completed(app, &ids[1..8], "broadband-internet", BROADBAND_MET).await?;
    completed(app, &ids[8..10], "broadband-internet", BROADBAND_NOT_MET).await?;
    completed(app, &ids[10..], "broadband-internet", BROADBAND_MET).await?;
    Ok((me, ids))
}

#[tokio::test]
async fn a_group_of_nine_similar_schools_is_suppressed_and_ten_are_shown() -> Result<()> {
    let app = spawn_app().await?;
    let (me, _) = nine_peers(&app).await?;
    let v = app
        .data_as(&me, BENCHMARK, json!({ "s": "broadband-internet" }))
        .await?;
    let b = &v["maturityBenchmark"];
    assert_eq!(b["suppressed"], true, "{b}");
    assert!(
        b["suppressionReason"]
            .as_str()
            .is_some_and(|r| r.contains("fewer than 10 similar schools")),
        "{b}"
    );
    assert_eq!(b["schoolCount"], Value::Null);
    assert_eq!(b["shares"], json!([]));
    assert_eq!(b["percentAbove"], Value::Null);
    assert_eq!(
        b["ownMaturity"], "PARTLY_MET",
        "a school always sees its own level"
    );
    assert_eq!(
        (b["sizeBand"].as_str(), b["region"].as_str()),
        (Some("MEDIUM"), Some("LONDON"))
    );

    // A tenth similar school completes the standard: the comparison shows.
    let tenth = schools(&app, &[School::primary(300_010, Region::London, 599)]).await?;
    completed(&app, &tenth, "broadband-internet", BROADBAND_MET).await?;
    let v = app
        .data_as(&me, BENCHMARK, json!({ "s": "broadband-internet" }))
        .await?;
    let b = &v["maturityBenchmark"];
    assert_eq!(b["suppressed"], false, "{b}");
    assert_eq!(b["suppressionReason"], Value::Null);
    assert_eq!(b["schoolCount"], 10);
    assert_eq!(share(b, "MET"), 80);
    assert_eq!(share(b, "NOT_MET"), 20);
    assert_eq!(share(b, "PARTLY_MET"), 0);
    assert_eq!(share(b, "NOT_SURE"), 0);
    assert_eq!(b["percentAbove"], 80);
    assert_eq!(b["percentLevel"], 0);
    assert_eq!(b["percentBelow"], 20);

    // A standard nobody else completed is suppressed; an unknown one is bad input.
    let v = app
        .data_as(&me, BENCHMARK, json!({ "s": "cyber-security" }))
        .await?;
    assert_eq!(v["maturityBenchmark"]["suppressed"], true);
    let v = app
        .gql_as(&me, BENCHMARK, json!({ "s": "fax-machines" }))
        .await?;
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"]);
    Ok(())
}

const SECTOR: &str = "query($g: SectorGrouping!) { sectorView(groupBy: $g) { audience minimumGroupSize rounding
    groups { region phase schools trialsStarted trialsSuppressionReason savingsPence savingsSuppressionReason
      standards { standard { slug } schoolsAssessed suppressed suppressionReason shares { maturity percent } } } } }";

fn group<'a>(v: &'a Value, region: &str, phase: &str) -> &'a Value {
    v["sectorView"]["groups"]
        .as_array()
        .and_then(|g| {
            g.iter()
                .find(|x| x["region"] == region && x["phase"] == phase)
        })
        .unwrap_or(&Value::Null)
}

fn standard<'a>(g: &'a Value, slug: &str) -> &'a Value {
    g["standards"]
        .as_array()
        .and_then(|s| s.iter().find(|x| x["standard"]["slug"] == slug))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn the_sector_view_suppresses_small_groups_and_rounds_for_the_public() -> Result<()> {
    let app = spawn_app().await?;
    nine_peers(&app).await?;
    // London primaries: 10 similar plus the small school: 11 completed broadband; 12 schools.
    let vars = json!({ "g": "REGION_AND_PHASE" });
    let admin = app.token(Role::Admin, None);
    let exact = app.data_as(&admin, SECTOR, vars.clone()).await?;
    assert_eq!(exact["sectorView"]["audience"], "ADMIN");
    assert_eq!(exact["sectorView"]["minimumGroupSize"], 10);
    let london = group(&exact, "LONDON", "PRIMARY");
    assert_eq!(london["schools"], 11);
    let broadband = standard(london, "broadband-internet");
    assert_eq!(broadband["suppressed"], false, "{broadband}");
    assert_eq!(broadband["schoolsAssessed"], 11);
    // 8 MET (7 + the small school), 2 NOT_MET, 1 PARTLY_MET of 11.
    let pct = |s: &Value, l: &str| {
        s["shares"]
            .as_array()
            .and_then(|x| x.iter().find(|y| y["maturity"] == l))
            .and_then(|y| y["percent"].as_i64())
    };
    assert_eq!(pct(broadband, "MET"), Some(73));
    assert_eq!(pct(broadband, "NOT_MET"), Some(18));
    assert_eq!(pct(broadband, "PARTLY_MET"), Some(9));
    let cyber = standard(london, "cyber-security");
    assert_eq!(cyber["suppressed"], true);
    assert!(
        cyber["suppressionReason"]
            .as_str()
            .is_some_and(|r| r.contains("fewer than 10"))
    );
    assert_eq!(cyber["shares"], json!([]));
    // One school in the North East: never shown.
    let north_east = group(&exact, "NORTH_EAST", "PRIMARY");
    assert_eq!(
        standard(north_east, "broadband-internet")["suppressed"],
        true
    );
    assert_eq!(
        standard(north_east, "broadband-internet")["schoolsAssessed"],
        Value::Null
    );
    // No school borrowed or bought: those figures are suppressed too.
    assert_eq!(london["trialsStarted"], Value::Null);
    assert!(london["trialsSuppressionReason"].is_string());
    assert_eq!(london["savingsPence"], Value::Null);

    // The public (no token, or any non-admin) gets counts rounded to the nearest 5.
    let public = app.data(SECTOR, vars).await?;
    assert_eq!(public["sectorView"]["audience"], "PUBLIC");
    let london = group(&public, "LONDON", "PRIMARY");
    assert_eq!(london["schools"], 10);
    assert_eq!(
        standard(london, "broadband-internet")["schoolsAssessed"],
        10
    );
    assert_eq!(pct(standard(london, "broadband-internet"), "MET"), Some(73));
    let me = buyer(&app, 300_000);
    let as_school = app.data_as(&me, SECTOR, json!({ "g": "REGION" })).await?;
    assert_eq!(as_school["sectorView"]["audience"], "PUBLIC");
    let by_region = as_school["sectorView"]["groups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(by_region.iter().all(|g| g["phase"].is_null()));
    Ok(())
}

#[tokio::test]
async fn the_sector_view_downloads_as_a_public_csv() -> Result<()> {
    let app = spawn_app().await?;
    nine_peers(&app).await?;
    let (status, headers, body) = app
        .get_as(None, "/exports/sector-view.csv?by=region_and_phase")
        .await?;
    assert_eq!(status, 200, "{body}");
    assert!(
        headers["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/csv")),
        "{headers:?}"
    );
    let (header, rows) = parse_csv(&body)?;
    let (region, phase, std, assessed, met, note) = (
        column(&header, "Region")?,
        column(&header, "Phase")?,
        column(&header, "Standard")?,
        column(&header, "Schools assessed")?,
        column(&header, "Met %")?,
        column(&header, "Note")?,
    );
    let row = |r: &str, p: &str, s: &str| {
        rows.iter()
            .find(|x| x[region] == r && x[phase] == p && x[std] == s)
            .cloned()
            .unwrap_or_default()
    };
    let london = row("London", "Primary", "Broadband internet");
    assert_eq!(london[assessed], "10", "rounded to the nearest 5");
    assert_eq!(london[met], "73");
    let north_east = row("North East", "Primary", "Broadband internet");
    assert_eq!(north_east[assessed], "");
    assert_eq!(north_east[met], "");
    assert!(north_east[note].contains("fewer than 10"), "{north_east:?}");
    assert_eq!(rows.len(), 12 * 3, "three groups, twelve standards each");

    let (status, _, _) = app
        .get_as(None, "/exports/sector-view.csv?by=postcode")
        .await?;
    assert_eq!(status, 400);
    let (status, _, _) = app
        .get_as(Some("not-a-token"), "/exports/sector-view.csv")
        .await?;
    assert_eq!(status, 401);
    Ok(())
}

#[tokio::test]
async fn the_sample_dataset_gives_benchmarks_and_a_sector_view_on_first_start() -> Result<()> {
    let app = spawn_seeded_app().await?;
    let sections = becta_domain::entity::maturity_section::Entity::find()
        .count(&app.db)
        .await?;
    assert!(
        (9_000..13_000).contains(&sections),
        "{sections} sample sections"
    );
    let v = app.data(SECTOR, json!({ "g": "REGION" })).await?;
    let groups = v["sectorView"]["groups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(groups.len(), 9, "every region");
    let shown = groups
        .iter()
        .flat_map(|g| g["standards"].as_array().cloned().unwrap_or_default())
        .filter(|s| s["suppressed"] == false)
        .count();
    assert!(shown >= 9 * 10, "most regions show most standards: {shown}");
    // A medium-sized London primary of the sample compares with similar schools.
    let schools = organisation::Entity::find()
        .filter(organisation::Column::Region.eq("london"))
        .filter(organisation::Column::Phase.eq("primary"))
        .filter(organisation::Column::PupilCount.between(210, 599))
        .all(&app.db)
        .await?;
    let urn = schools.first().and_then(|s| s.urn).unwrap_or_default();
    let me = buyer(&app, urn);
    let v = app
        .data_as(&me, BENCHMARK, json!({ "s": "cyber-security" }))
        .await?;
    let b = &v["maturityBenchmark"];
    assert_eq!(b["suppressed"], false, "{b}");
    assert!(b["schoolCount"].as_i64() >= Some(10));
    Ok(())
}

#[tokio::test]
async fn trials_show_in_the_sector_view_once_ten_schools_have_borrowed() -> Result<()> {
    let app = spawn_app().await?;
    let f = crate::common::fixture::load(&app.db).await?;
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let offer = app
        .data_as(
            &supplier,
            "mutation($p: ID!, $input: TrialOfferInput!) { createTrialOffer(productId: $p, input: $input) { id } }",
            json!({ "p": f.products["Alpha Phonics"].to_string(), "input": {
                "seats": 20, "loanDays": 30,
                "terms": "Free for one term; no data kept after the trial." } }),
        )
        .await?["createTrialOffer"]["id"]
        .clone();
    let list: Vec<School> = (0..10)
        .map(|i| School::primary(400_000 + i, Region::SouthWest, 300))
        .collect();
    schools(&app, &list).await?;
    let admin = app.token(Role::Admin, None);
    let south_west = |v: &Value| group(v, "SOUTH_WEST", "PRIMARY").clone();
    for i in 0..10 {
        if i == 9 {
            let v = app
                .data_as(&admin, SECTOR, json!({ "g": "REGION_AND_PHASE" }))
                .await?;
            let g = south_west(&v);
            assert_eq!(g["trialsStarted"], Value::Null, "nine borrowers: {g}");
            assert!(g["trialsSuppressionReason"].is_string());
        }
        let me = buyer(&app, 400_000 + i);
        app.data_as(
            &me,
            "mutation($o: ID!) { requestTrialLoan(offerId: $o) { status } }",
            json!({ "o": offer }),
        )
        .await?;
    }
    let v = app
        .data_as(&admin, SECTOR, json!({ "g": "REGION_AND_PHASE" }))
        .await?;
    let g = south_west(&v);
    assert_eq!(g["trialsStarted"], 10, "{g}");
    assert_eq!(g["trialsSuppressionReason"], Value::Null);
    assert_eq!(g["savingsPence"], Value::Null, "nobody bought yet");
    Ok(())
}
