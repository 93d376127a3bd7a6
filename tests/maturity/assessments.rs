//! Answering, branching, completing and reading assessments; privacy between schools and
//! trusts; content versions.

use anyhow::Result;
use becta_domain::entity::maturity_section_event;
use becta_domain::maturity::content;
use becta_domain::vocab::{Region, Role};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use super::*;
use crate::common::{error_codes, fixture, spawn_app};

const ASSESSMENT: &str = "id academicYear contentVersion status years \
    school { name } sections { standard { slug } status maturity answers { question { slug text } answer { slug text } } }";

fn section<'a>(assessment: &'a Value, slug: &str) -> &'a Value {
    assessment["sections"]
        .as_array()
        .and_then(|s| s.iter().find(|x| x["standard"]["slug"] == slug))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_school_answers_along_the_branches_completes_a_section_and_changes_its_mind() -> Result<()>
{
    let app = spawn_app().await?;
    schools(&app, &[School::primary(200_001, Region::London, 300)]).await?;
    let me = buyer(&app, 200_001);

    let v = answer(&app, &me, "broadband-internet", "fibre", "full-fibre").await?;
    let s = &v["data"]["answerAssessmentQuestion"];
    assert_eq!(s["status"], "IN_PROGRESS");
    assert_eq!(s["nextQuestion"]["slug"], "speed");
    assert_eq!(
        s["maturity"],
        Value::Null,
        "no maturity before the path ends"
    );

    // Off the path: the backup question comes after speed on this branch.
    let v = answer(&app, &me, "broadband-internet", "backup", "yes").await?;
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"]);
    assert_eq!(v["errors"][0]["extensions"]["field"], "question", "{v}");
    let v = answer(&app, &me, "broadband-internet", "speed", "fast").await?;
    assert_eq!(v["errors"][0]["extensions"]["field"], "answer", "{v}");
    let v = answer(&app, &me, "no-such-standard", "speed", "yes").await?;
    assert_eq!(v["errors"][0]["extensions"]["field"], "standard", "{v}");
    let v = app
        .gql_as(
            &me,
            "mutation { completeAssessmentSection(standard: \"broadband-internet\") { status } }",
            json!({}),
        )
        .await?;
    assert_eq!(
        error_codes(&v),
        ["BAD_USER_INPUT"],
        "an open path cannot be completed"
    );

    let done = complete_with(&app, &me, "broadband-internet", &BROADBAND_MET[1..]).await?;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["maturity"], "MET");
    assert_eq!(done["nextQuestion"], Value::Null);

    // A different branch: copper skips the speed question, and drops its answer.
    let v = answer(&app, &me, "broadband-internet", "fibre", "part-copper").await?;
    let s = &v["data"]["answerAssessmentQuestion"];
    assert_eq!(
        s["status"], "IN_PROGRESS",
        "changing an answer reopens the section"
    );
    let asked: Vec<&str> = s["answers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["question"]["slug"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(asked, ["fibre", "backup"]);
    assert_eq!(s["maturity"], "NOT_MET");
    let v = answer(&app, &me, "broadband-internet", "fibre", "not-sure").await?;
    assert_eq!(
        v["data"]["answerAssessmentQuestion"]["maturity"],
        "NOT_SURE"
    );
    let done = complete_with(&app, &me, "broadband-internet", &[]).await?;
    assert_eq!(done["maturity"], "NOT_SURE");

    let a = app
        .data_as(
            &me,
            &format!("{{ myAssessment {{ {ASSESSMENT} }} }}"),
            json!({}),
        )
        .await?["myAssessment"]
        .clone();
    assert_eq!(a["contentVersion"], 1);
    assert_eq!(a["status"], "IN_PROGRESS", "11 standards are still to do");
    assert_eq!(a["sections"].as_array().map(Vec::len), Some(12));
    assert_eq!(section(&a, "broadband-internet")["maturity"], "NOT_SURE");
    assert_eq!(section(&a, "cyber-security")["status"], "NOT_STARTED");
    assert_eq!(a["years"].as_array().map(Vec::len), Some(1));
    // Every answer and completion is in the section's history.
    assert_eq!(
        maturity_section_event::Entity::find()
            .count(&app.db)
            .await?,
        7
    );
    // Another year has nothing yet.
    let year = a["academicYear"].as_i64().unwrap_or_default() - 1;
    let old = app
        .data_as(
            &me,
            &format!("query($y: Int) {{ myAssessment(academicYear: $y) {{ {ASSESSMENT} }} }}"),
            json!({ "y": year }),
        )
        .await?;
    assert_eq!(old["myAssessment"]["id"], Value::Null);
    assert_eq!(old["myAssessment"]["status"], "NOT_STARTED");
    Ok(())
}

#[tokio::test]
async fn a_school_never_sees_another_schools_answers() -> Result<()> {
    let app = spawn_app().await?;
    let ids = schools(
        &app,
        &[
            School::primary(200_011, Region::London, 300),
            School::primary(200_012, Region::London, 300),
        ],
    )
    .await?;
    let (a, b) = (buyer(&app, 200_011), buyer(&app, 200_012));
    complete_with(&app, &a, "broadband-internet", BROADBAND_NOT_MET).await?;

    let theirs = app
        .data_as(
            &b,
            &format!("{{ myAssessment {{ {ASSESSMENT} }} }}"),
            json!({}),
        )
        .await?;
    assert_eq!(theirs["myAssessment"]["id"], Value::Null);
    assert_eq!(
        section(&theirs["myAssessment"], "broadband-internet")["answers"],
        json!([])
    );
    let plan = app
        .data_as(
            &b,
            "{ myTechnologyPlan { recommendations { slug } } }",
            json!({}),
        )
        .await?;
    assert_eq!(plan["myTechnologyPlan"]["recommendations"], json!([]));
    // Naming the other school is as if it did not exist.
    for op in [
        "query($s: ID) { myAssessment(schoolId: $s) { id } }",
        "query($s: ID) { myTechnologyPlan(schoolId: $s) { school { name } } }",
        "query($s: ID) { maturityBenchmark(standard: \"broadband-internet\", schoolId: $s) { ownMaturity } }",
    ] {
        let v = app
            .gql_as(&b, op, json!({ "s": ids[0].to_string() }))
            .await?;
        assert_eq!(error_codes(&v), ["NOT_FOUND"], "{op}: {v}");
    }
    let mine = app
        .data_as(
            &b,
            "{ maturityBenchmark(standard: \"broadband-internet\") { ownMaturity } }",
            json!({}),
        )
        .await?;
    assert_eq!(mine["maturityBenchmark"]["ownMaturity"], Value::Null);
    // Admins and anonymous callers have no assessment.
    let admin = app.token(Role::Admin, None);
    let v = app
        .gql_as(&admin, "{ myAssessment { id } }", json!({}))
        .await?;
    assert_eq!(error_codes(&v), ["FORBIDDEN"], "{v}");
    let v = app.gql("{ myAssessment { id } }", json!({})).await?;
    assert_eq!(error_codes(&v), ["UNAUTHENTICATED"]);
    Ok(())
}

#[tokio::test]
async fn a_trust_scoped_buyer_sees_only_the_schools_of_their_own_trust() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let lone = buyer(&app, fixture::SCHOOL_URN);
    let member = buyer(&app, fixture::TRUST_SCHOOL_URNS[0]);
    complete_with(&app, &member, "broadband-internet", BROADBAND_MET).await?;
    complete_with(&app, &lone, "broadband-internet", BROADBAND_NOT_MET).await?;
    let trust = app.token(
        Role::SchoolBuyer,
        Some(&format!("trust:{}", fixture::TRUST_GROUP_UID)),
    );

    let v = app
        .data_as(
            &trust,
            "{ trustMaturity { trust { name } schools { school { id name } standards { standard { slug } maturity } }
                 overall { standard { slug } met partlyMet notMet notSure notAssessed } } }",
            json!({}),
        )
        .await?;
    let t = &v["trustMaturity"];
    assert_eq!(t["trust"]["name"], "Oak Valley Learning Trust");
    let mut ids: Vec<String> = t["schools"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|x| x["school"]["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    let mut expected: Vec<String> = f.trust_schools.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(ids, expected, "only the trust's schools");
    let broadband = t["overall"]
        .as_array()
        .and_then(|o| {
            o.iter()
                .find(|x| x["standard"]["slug"] == "broadband-internet")
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(broadband["met"], 1);
    assert_eq!(broadband["notMet"], 0, "the lone school is not the trust's");
    assert_eq!(broadband["notAssessed"], 1);

    // The trust reads a member school's answers, and not another school's.
    let v = app
        .data_as(
            &trust,
            "query($s: ID) { myAssessment(schoolId: $s) { school { name } sections { maturity } } }",
            json!({ "s": f.trust_schools[0].to_string() }),
        )
        .await?;
    assert_eq!(v["myAssessment"]["sections"][0]["maturity"], "MET");
    let v = app
        .gql_as(
            &trust,
            "query($s: ID) { myAssessment(schoolId: $s) { id } }",
            json!({ "s": f.school.to_string() }),
        )
        .await?;
    assert_eq!(error_codes(&v), ["NOT_FOUND"]);
    // A trust answers nothing itself, and must name a school to read one.
    let v = answer(&app, &trust, "broadband-internet", "fibre", "full-fibre").await?;
    assert_eq!(error_codes(&v), ["FORBIDDEN"]);
    let v = app
        .gql_as(&trust, "{ myAssessment { id } }", json!({}))
        .await?;
    assert_eq!(error_codes(&v), ["FORBIDDEN"]);
    // A school's own buyer has no trust view.
    let v = app
        .gql_as(&member, "{ trustMaturity { trust { name } } }", json!({}))
        .await?;
    assert_eq!(error_codes(&v), ["FORBIDDEN"]);
    Ok(())
}

#[tokio::test]
async fn a_content_update_keeps_every_past_answer_readable_with_its_version() -> Result<()> {
    let app = spawn_app().await?;
    schools(
        &app,
        &[
            School::primary(200_021, Region::London, 300),
            School::primary(200_022, Region::London, 300),
        ],
    )
    .await?;
    let (old, new) = (buyer(&app, 200_021), buyer(&app, 200_022));
    complete_with(&app, &old, "broadband-internet", BROADBAND_NOT_MET).await?;

    // Version 2 rewords the first question and splits "part copper" into two answers.
    let mut v2: Value = serde_json::from_str(becta_seed::maturity::DIGITAL_STANDARDS)?;
    v2["version"] = 2.into();
    v2["standards"][0]["questions"][0]["text"] =
        "How does your school connect to the internet?".into();
    v2["standards"][0]["questions"][0]["answers"] = json!([
        { "slug": "full-fibre", "text": "Full fibre to the building", "level": "MET", "next": "speed" },
        { "slug": "fttc", "text": "Fibre to the cabinet", "level": "PARTLY_MET", "next": "backup" },
        { "slug": "copper", "text": "A copper line", "level": "NOT_MET", "next": "backup" },
        { "slug": "not-sure", "text": "I'm not sure", "level": "NOT_SURE", "next": "backup" }
    ]);
    v2["standards"][0]["recommendations"][0]["triggers"][0]["answers"] =
        json!(["fttc", "copper", "not-sure"]);
    assert!(content::install(&app.db, &v2.to_string()).await?);
    // A version's text never changes once loaded.
    let mut tampered = v2.clone();
    tampered["title"] = "Changed".into();
    let err = content::install(&app.db, &tampered.to_string()).await;
    assert!(
        matches!(err, Err(becta_domain::Error::Conflict(_))),
        "{err:?}"
    );

    let standards = app
        .data(
            "{ digitalStandards { slug contentVersion questions { text } } }",
            json!({}),
        )
        .await?;
    assert_eq!(standards["digitalStandards"][0]["contentVersion"], 2);
    assert_eq!(
        standards["digitalStandards"][0]["questions"][0]["text"],
        "How does your school connect to the internet?"
    );

    // The old assessment still reads with version 1's words, including the removed answer.
    let a = app
        .data_as(
            &old,
            &format!("{{ myAssessment {{ {ASSESSMENT} }} }}"),
            json!({}),
        )
        .await?["myAssessment"]
        .clone();
    assert_eq!(a["contentVersion"], 1);
    let s = section(&a, "broadband-internet");
    assert_eq!(s["maturity"], "NOT_MET");
    assert_eq!(
        s["answers"][0]["question"]["text"],
        "What kind of line connects your school to the internet?"
    );
    assert_eq!(s["answers"][0]["answer"]["slug"], "part-copper");
    let plan = app
        .data_as(
            &old,
            "{ myTechnologyPlan { recommendations { slug triggeredBy { answer } } } }",
            json!({}),
        )
        .await?;
    assert_eq!(
        plan["myTechnologyPlan"]["recommendations"][0]["triggeredBy"][0]["answer"],
        "Fibre to the cabinet, then copper (FTTC) or a copper line"
    );

    // A school starting now answers version 2.
    let done = complete_with(
        &app,
        &new,
        "broadband-internet",
        &[("fibre", "fttc"), ("backup", "yes")],
    )
    .await?;
    assert_eq!(done["maturity"], "PARTLY_MET");
    let a = app
        .data_as(&new, "{ myAssessment { contentVersion } }", json!({}))
        .await?;
    assert_eq!(a["myAssessment"]["contentVersion"], 2);
    let v = answer(&app, &new, "broadband-internet", "fibre", "part-copper").await?;
    assert_eq!(
        v["errors"][0]["extensions"]["field"], "answer",
        "gone in version 2: {v}"
    );
    Ok(())
}

#[tokio::test]
async fn an_assessment_is_completed_when_every_standard_is() -> Result<()> {
    let app = spawn_app().await?;
    schools(&app, &[School::primary(200_051, Region::London, 300)]).await?;
    let me = buyer(&app, 200_051);
    let standards = app
        .data(
            "{ digitalStandards { slug questions { slug answers { slug } } } }",
            json!({}),
        )
        .await?;
    let standards = standards["digitalStandards"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (i, s) in standards.iter().enumerate() {
        let slug = s["slug"].as_str().unwrap_or_default();
        // Follow the path the first answers lead along, asking the service what comes next.
        let mut next = s["questions"][0]["slug"].as_str().map(str::to_owned);
        while let Some(q) = next {
            let first = s["questions"]
                .as_array()
                .and_then(|qs| qs.iter().find(|x| x["slug"] == q.as_str()))
                .and_then(|x| x["answers"][0]["slug"].as_str())
                .unwrap_or_default()
                .to_owned();
            let v = answer(&app, &me, slug, &q, &first).await?;
            let section = &v["data"]["answerAssessmentQuestion"];
            next = section["nextQuestion"]["slug"].as_str().map(str::to_owned);
        }
        let done = complete_with(&app, &me, slug, &[]).await?;
        assert_eq!(
            done["maturity"], "MET",
            "{slug}: every first answer meets it"
        );
        let a = app
            .data_as(&me, "{ myAssessment { status } }", json!({}))
            .await?;
        let expected = if i + 1 == standards.len() {
            "COMPLETED"
        } else {
            "IN_PROGRESS"
        };
        assert_eq!(a["myAssessment"]["status"], expected, "after {slug}");
    }
    // Completing it again changes nothing; a changed answer reopens it.
    complete_with(&app, &me, "it-support", &[]).await?;
    answer(&app, &me, "it-support", "agreement", "no").await?;
    let a = app
        .data_as(&me, "{ myAssessment { status completedAt } }", json!({}))
        .await?;
    assert_eq!(a["myAssessment"]["status"], "IN_PROGRESS");
    assert_eq!(a["myAssessment"]["completedAt"], Value::Null);
    Ok(())
}
