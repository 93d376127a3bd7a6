//! The digital maturity benchmark through the API: the content and its derivation rule,
//! assessments and their privacy, content versions, the technology plan and what it links to,
//! trusts, comparisons with suppression, the sector view and its CSV.

mod assessments;
mod comparisons;
mod derivation;
mod plan;

use anyhow::Result;
use becta_domain::Uuid;
use becta_domain::catalogue::organisations::{self, NewOrganisation};
use becta_domain::db;
use becta_domain::maturity::{Answers, Content, SampleAssessment, insert_samples};
use becta_domain::vocab::{EstablishmentType, OrgKind, Phase, Region, Role};
use chrono::Utc;
use serde_json::{Value, json};

use crate::common::TestApp;

pub const SECTION: &str = "standard { slug name } status maturity completedAt \
    answers { question { slug text } answer { slug text level } } nextQuestion { slug }";

/// A school to create for a test.
pub struct School {
    pub urn: i32,
    pub phase: Phase,
    pub region: Region,
    pub pupils: i32,
    pub kind: EstablishmentType,
}

impl School {
    pub fn primary(urn: i32, region: Region, pupils: i32) -> School {
        School {
            urn,
            phase: Phase::Primary,
            region,
            pupils,
            kind: EstablishmentType::AcademyConverter,
        }
    }
}

/// Creates schools; returns their ids in order.
pub async fn schools(app: &TestApp, list: &[School]) -> Result<Vec<Uuid>> {
    let tx = db::begin_write(&app.db).await?;
    let ids = organisations::insert_many(
        &tx,
        list.iter()
            .map(|s| NewOrganisation {
                urn: Some(s.urn),
                phase: Some(s.phase),
                region: Some(s.region),
                pupil_count: Some(s.pupils),
                establishment_type: Some(s.kind),
                ..NewOrganisation::new(OrgKind::School, format!("Maturity School {}", s.urn))
            })
            .collect(),
    )
    .await?;
    db::commit(tx).await?;
    Ok(ids)
}

pub fn buyer(app: &TestApp, urn: i32) -> String {
    app.token(Role::SchoolBuyer, Some(&urn.to_string()))
}

pub async fn answer(
    app: &TestApp,
    token: &str,
    standard: &str,
    question: &str,
    answer: &str,
) -> Result<Value> {
    let v = app
        .gql_as(
            token,
            &format!(
                "mutation($s: String!, $q: String!, $a: String!) {{
                   answerAssessmentQuestion(standard: $s, question: $q, answer: $a) {{ {SECTION} }} }}"
            ),
            json!({ "s": standard, "q": question, "a": answer }),
        )
        .await?;
    Ok(v)
}

/// Answers in order and completes the section; returns the completed section.
pub async fn complete_with(
    app: &TestApp,
    token: &str,
    standard: &str,
    answers: &[(&str, &str)],
) -> Result<Value> {
    for (q, a) in answers {
        let v = answer(app, token, standard, q, a).await?;
        anyhow::ensure!(v.get("errors").is_none(), "answering {q}: {v}");
    }
    let v = app
        .data_as(
            token,
            &format!(
                "mutation($s: String!) {{ completeAssessmentSection(standard: $s) {{ {SECTION} }} }}"
            ),
            json!({ "s": standard }),
        )
        .await?;
    Ok(v["completeAssessmentSection"].clone())
}

/// The content as shipped.
pub fn shipped() -> Result<Content> {
    Ok(Content::parse(becta_seed::maturity::DIGITAL_STANDARDS)?)
}

/// Completed sections of `standard` with `answers` for each school, written through the
/// domain service the seed uses.
pub async fn completed(
    app: &TestApp,
    schools: &[Uuid],
    standard: &str,
    answers: &[(&str, &str)],
) -> Result<()> {
    let content = shipped()?;
    let answers: Answers = answers
        .iter()
        .map(|(q, a)| ((*q).to_owned(), (*a).to_owned()))
        .collect();
    let samples: Vec<SampleAssessment> = schools
        .iter()
        .map(|id| SampleAssessment {
            school_id: *id,
            academic_year: becta_domain::maturity::academic_year(Utc::now()),
            completed_at: Utc::now(),
            sections: vec![(standard.to_owned(), answers.clone())],
        })
        .collect();
    let tx = db::begin_write(&app.db).await?;
    insert_samples(&tx, &content, &samples).await?;
    db::commit(tx).await?;
    Ok(())
}

/// The broadband answers that make each maturity level.
pub const BROADBAND_MET: &[(&str, &str)] =
    &[("fibre", "full-fibre"), ("speed", "yes"), ("backup", "yes")];
pub const BROADBAND_NOT_MET: &[(&str, &str)] = &[("fibre", "part-copper"), ("backup", "no")];
pub const BROADBAND_PARTLY: &[(&str, &str)] =
    &[("fibre", "full-fibre"), ("speed", "no"), ("backup", "yes")];
