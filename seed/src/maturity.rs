//! The digital and technology standards content (`seed/data/digital_standards.json`, written
//! for this service in its own words from the DfE guidance) and deterministic sample
//! self-assessments for the sample schools.
//!
//! The content is reference data, not sample data: `ensure_content` loads its version on every
//! start when the database lacks it, so a content update reaches running services by raising
//! the file's `version`.

use becta_domain::maturity::content::{self, Answers, Content};
use becta_domain::maturity::{SampleAssessment, academic_year, insert_samples};
use becta_domain::sea_orm::{ConnectionTrait, DatabaseConnection};
use becta_domain::vocab::Maturity;
use becta_domain::{Result, Uuid};
use chrono::{Duration, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// The standards content document.
pub const DIGITAL_STANDARDS: &str = include_str!("../data/digital_standards.json");

/// Loads the content's version unless the database holds it; true when it was loaded.
pub async fn ensure_content(conn: &DatabaseConnection) -> Result<bool> {
    content::install(conn, DIGITAL_STANDARDS).await
}

/// Answers one standard the way a school with propensity `p` to meet requirements might.
fn answer(rng: &mut SmallRng, s: &content::Standard, p: f64) -> Answers {
    let mut answers = Answers::new();
    let mut next = s.questions.first();
    while let Some(q) = next {
        let roll: f64 = rng.random();
        let pick = |level: Maturity| q.answers.iter().filter(move |a| a.level == level);
        let chosen = if roll < 0.07 {
            pick(Maturity::NotSure).next()
        } else if roll < 0.07 + p {
            pick(Maturity::Met).next()
        } else {
            let others: Vec<_> = q
                .answers
                .iter()
                .filter(|a| a.level == Maturity::PartlyMet || a.level == Maturity::NotMet)
                .collect();
            if others.is_empty() {
                None
            } else {
                Some(others[rng.random_range(0..others.len())])
            }
        }
        .or_else(|| q.answers.first());
        let Some(a) = chosen else { break };
        answers.insert(q.slug.clone(), a.slug.clone());
        next = a.next.as_deref().and_then(|n| s.question(n));
    }
    answers
}

/// Sample assessments for about 85% of `schools` (id, URN), each covering most standards,
/// the same answers every time for the same URNs.
pub fn sample_assessments(content: &Content, schools: &[(Uuid, i32)]) -> Vec<SampleAssessment> {
    let now = Utc::now();
    let year = academic_year(now);
    let mut out = Vec::new();
    for (id, urn) in schools {
        let mut rng = SmallRng::seed_from_u64(0x00D1_617A_u64 ^ u64::from(urn.unsigned_abs()));
        if rng.random_range(0..100) >= 85 {
            continue;
        }
        let propensity = 0.30 + 0.55 * rng.random::<f64>();
        let mut sections = Vec::new();
        for s in &content.standards {
            if rng.random_range(0..100) >= 92 {
                continue;
            }
            let p = if s.is_core {
                (propensity + 0.1).min(0.93)
            } else {
                propensity
            };
            sections.push((s.slug.clone(), answer(&mut rng, s, p)));
        }
        if sections.is_empty() {
            continue;
        }
        out.push(SampleAssessment {
            school_id: *id,
            academic_year: year,
            completed_at: now - Duration::days(rng.random_range(1..80)),
            sections,
        });
    }
    out
}

/// Writes sample assessments for `schools` in the caller's transaction (the content must be
/// loaded); returns how many sections were written.
pub async fn load_samples(tx: &impl ConnectionTrait, schools: &[(Uuid, i32)]) -> Result<usize> {
    let content = Content::parse(DIGITAL_STANDARDS)?;
    let samples = sample_assessments(&content, schools);
    insert_samples(tx, &content, &samples).await
}
