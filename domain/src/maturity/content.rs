//! The standards content: one JSON document per content version (standards, requirements,
//! questions with their answers and branching, recommendations with their links), checked when
//! it is loaded and kept in the database unchanged, so an assessment made against an old
//! version is always read with the questions and answers it was made with.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};

use super::rank;
use crate::entity::digital_content;
use crate::vocab::{Maturity, RequirementTiming};
use crate::{Error, Result, db};

/// One version of the content.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Content {
    pub version: i32,
    /// When this version was published, e.g. "2025-11-27".
    pub published: String,
    pub title: String,
    pub source: String,
    pub standards: Vec<Standard>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Standard {
    pub slug: String,
    pub name: String,
    pub is_core: bool,
    /// The year core standards should be met by; none for the others.
    pub target_year: Option<i32>,
    /// What meeting the standard means.
    pub summary: String,
    pub source_url: String,
    pub requirements: Vec<Requirement>,
    /// The first question opens the section; answers lead on through `next`.
    pub questions: Vec<Question>,
    pub recommendations: Vec<Recommendation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Requirement {
    pub text: String,
    pub timing: RequirementTiming,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Question {
    pub slug: String,
    pub text: String,
    pub answers: Vec<Answer>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Answer {
    pub slug: String,
    pub text: String,
    /// What this answer says about the standard (see the derivation rule in `maturity`).
    pub level: Maturity,
    /// The question this answer leads to; none ends the section.
    pub next: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Recommendation {
    /// Stable across content versions: a school's status on it carries over.
    pub slug: String,
    pub title: String,
    pub text: String,
    /// Triggered when any of these holds on the section's path.
    pub triggers: Vec<Trigger>,
    pub deal_categories: Vec<String>,
    /// Deals by their provider's reference, e.g. "RM6225".
    pub deals: Vec<String>,
    pub product_categories: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Trigger {
    pub question: String,
    pub answers: Vec<String>,
}

/// A section's answers: question slug to answer slug.
pub type Answers = BTreeMap<String, String>;

fn invalid(msg: String) -> Error {
    Error::bad_input("document", msg)
}

impl Content {
    /// Reads and checks a content document.
    pub fn parse(text: &str) -> Result<Content> {
        let c: Content = serde_json::from_str(text)
            .map_err(|e| invalid(format!("the standards content is not valid: {e}")))?;
        c.check()?;
        Ok(c)
    }

    pub fn standard(&self, slug: &str) -> Option<&Standard> {
        self.standards.iter().find(|s| s.slug == slug)
    }

    /// The standard or `BAD_USER_INPUT` naming `field`.
    pub fn standard_or(&self, field: &str, slug: &str) -> Result<&Standard> {
        self.standard(slug).ok_or_else(|| {
            Error::bad_input(
                field,
                format!("`{field}` must be the slug of a standard (see `digitalStandards`)"),
            )
        })
    }

    /// A recommendation and its standard.
    pub fn recommendation(&self, slug: &str) -> Option<(&Standard, &Recommendation)> {
        self.standards.iter().find_map(|s| {
            s.recommendations
                .iter()
                .find(|r| r.slug == slug)
                .map(|r| (s, r))
        })
    }

    fn check(&self) -> Result<()> {
        if self.version < 1 {
            return Err(invalid("`version` must be 1 or more".into()));
        }
        if self.standards.is_empty() {
            return Err(invalid("the content has no standards".into()));
        }
        let mut standards = HashSet::new();
        let mut recommendations = HashSet::new();
        for s in &self.standards {
            let at = |msg: String| invalid(format!("standard {:?}: {msg}", s.slug));
            if !standards.insert(s.slug.as_str()) {
                return Err(at("the slug is used twice".into()));
            }
            if s.questions.is_empty() {
                return Err(at("it has no questions".into()));
            }
            let position: HashMap<&str, usize> = s
                .questions
                .iter()
                .enumerate()
                .map(|(i, q)| (q.slug.as_str(), i))
                .collect();
            if position.len() != s.questions.len() {
                return Err(at("a question slug is used twice".into()));
            }
            for (i, q) in s.questions.iter().enumerate() {
                let slugs: HashSet<&str> = q.answers.iter().map(|a| a.slug.as_str()).collect();
                if q.answers.len() < 2 || slugs.len() != q.answers.len() {
                    return Err(at(format!(
                        "question {:?} needs two or more answers with different slugs",
                        q.slug
                    )));
                }
                if !q.answers.iter().any(|a| a.level == Maturity::NotSure) {
                    return Err(at(format!(
                        "question {:?} has no \"I'm not sure\" answer",
                        q.slug
                    )));
                }
                for a in &q.answers {
                    if let Some(next) = &a.next {
                        // Answers only lead forward, so every path ends.
                        match position.get(next.as_str()) {
                            Some(&j) if j > i => {}
                            _ => {
                                return Err(at(format!(
                                    "answer {:?} of {:?} leads to {next:?}, which is not a later question",
                                    a.slug, q.slug
                                )));
                            }
                        }
                    }
                }
            }
            for r in &s.recommendations {
                if !recommendations.insert(r.slug.as_str()) {
                    return Err(at(format!("recommendation {:?} is used twice", r.slug)));
                }
                if r.triggers.is_empty() {
                    return Err(at(format!("recommendation {:?} has no triggers", r.slug)));
                }
                for t in &r.triggers {
                    let known = s.question(&t.question).is_some_and(|q| {
                        t.answers
                            .iter()
                            .all(|a| q.answers.iter().any(|x| &x.slug == a))
                    });
                    if !known {
                        return Err(at(format!(
                            "recommendation {:?} names an unknown question or answer",
                            r.slug
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

impl Standard {
    pub fn question(&self, slug: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.slug == slug)
    }

    /// The questions the answers lead through, in order, each with its answer; the last is
    /// unanswered unless the path has reached its end.
    pub fn path<'a>(&'a self, answers: &Answers) -> Vec<(&'a Question, Option<&'a Answer>)> {
        let mut out = Vec::new();
        let mut next = self.questions.first();
        while let Some(q) = next {
            let answer = answers
                .get(&q.slug)
                .and_then(|a| q.answers.iter().find(|x| &x.slug == a));
            out.push((q, answer));
            next = match answer {
                Some(a) => a.next.as_deref().and_then(|n| self.question(n)),
                None => None,
            };
        }
        out
    }

    /// The answers on the path only (an answer left behind by a changed branch is dropped).
    pub fn prune(&self, answers: &Answers) -> Answers {
        self.path(answers)
            .into_iter()
            .filter_map(|(q, a)| a.map(|a| (q.slug.clone(), a.slug.clone())))
            .collect()
    }

    /// True when every question on the path is answered.
    pub fn is_complete(&self, answers: &Answers) -> bool {
        self.path(answers).iter().all(|(_, a)| a.is_some())
    }

    /// The maturity the answers give: none until the path is complete, then the weakest
    /// answer's level (NOT_MET < NOT_SURE < PARTLY_MET < MET).
    pub fn maturity(&self, answers: &Answers) -> Option<Maturity> {
        let path = self.path(answers);
        let mut worst = Maturity::Met;
        for (_, a) in path {
            let level = a?.level;
            if rank(level) < rank(worst) {
                worst = level;
            }
        }
        Some(worst)
    }

    /// Recommendations the answers trigger, in content order.
    pub fn triggered(&self, answers: &Answers) -> Vec<&Recommendation> {
        let on_path = self.prune(answers);
        self.recommendations
            .iter()
            .filter(|r| {
                r.triggers.iter().any(|t| {
                    on_path
                        .get(&t.question)
                        .is_some_and(|a| t.answers.contains(a))
                })
            })
            .collect()
    }

    /// Every complete path through the questions (for checking the content and tests).
    pub fn all_paths(&self) -> Vec<Answers> {
        fn walk(s: &Standard, q: &Question, so_far: Answers, out: &mut Vec<Answers>) {
            for a in &q.answers {
                let mut next = so_far.clone();
                next.insert(q.slug.clone(), a.slug.clone());
                match a.next.as_deref().and_then(|n| s.question(n)) {
                    Some(nq) => walk(s, nq, next, out),
                    None => out.push(next),
                }
            }
        }
        let mut out = Vec::new();
        if let Some(first) = self.questions.first() {
            walk(self, first, Answers::new(), &mut out);
        }
        out
    }
}

/// A stable checksum of a document (FNV-1a, 64 bits, as hex).
pub fn checksum(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Loads a content document unless its version is already there: true when it was loaded.
/// The same version with other text is `CONFLICT`: a content update needs a new `version`.
pub async fn install(conn: &DatabaseConnection, text: &str) -> Result<bool> {
    let content = Content::parse(text)?;
    let sum = checksum(text);
    let tx = db::begin_write(conn).await?;
    let loaded = digital_content::Entity::insert(digital_content::ActiveModel {
        version: Set(content.version),
        checksum: Set(sum.clone()),
        document: Set(text.to_owned()),
        loaded_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(digital_content::Column::Version)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&tx)
    .await?
        == 1;
    if !loaded {
        let held: Option<String> = digital_content::Entity::find_by_id(content.version)
            .select_only()
            .column(digital_content::Column::Checksum)
            .into_tuple()
            .one(&tx)
            .await?;
        if held.as_deref() != Some(sum.as_str()) {
            return Err(Error::Conflict(format!(
                "standards content version {} is already loaded with other text: give the \
                 changed content a higher `version`",
                content.version
            )));
        }
    }
    db::commit(tx).await?;
    Ok(loaded)
}

fn cache() -> &'static Mutex<HashMap<String, Arc<Content>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Content>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// One version of the content, parsed once per process (keyed by its checksum).
pub async fn version(db: &impl ConnectionTrait, version: i32) -> Result<Arc<Content>> {
    let sum: Option<String> = digital_content::Entity::find_by_id(version)
        .select_only()
        .column(digital_content::Column::Checksum)
        .into_tuple()
        .one(db)
        .await?;
    let sum = sum.ok_or(Error::not_found("standards content version"))?;
    cached(db, version, sum).await
}

async fn cached(db: &impl ConnectionTrait, version: i32, sum: String) -> Result<Arc<Content>> {
    if let Some(c) = cache().lock().ok().and_then(|m| m.get(&sum).cloned()) {
        return Ok(c);
    }
    let row = digital_content::Entity::find_by_id(version)
        .one(db)
        .await?
        .ok_or(Error::not_found("standards content version"))?;
    let parsed = Arc::new(
        Content::parse(&row.document)
            .map_err(|e| Error::Internal(format!("stored standards content: {e}")))?,
    );
    if let Ok(mut m) = cache().lock() {
        m.insert(sum, parsed.clone());
    }
    Ok(parsed)
}

/// The newest content version.
pub async fn current(db: &impl ConnectionTrait) -> Result<Arc<Content>> {
    let row: Option<(i32, String)> = digital_content::Entity::find()
        .select_only()
        .column(digital_content::Column::Version)
        .column(digital_content::Column::Checksum)
        .order_by_desc(digital_content::Column::Version)
        .into_tuple()
        .one(db)
        .await?;
    let (v, sum) =
        row.ok_or_else(|| Error::Unavailable("the standards content has not been loaded".into()))?;
    cached(db, v, sum).await
}

/// Every loaded version, newest first, by version number.
pub async fn versions(db: &impl ConnectionTrait) -> Result<HashMap<i32, Arc<Content>>> {
    let rows: Vec<(i32, String)> = digital_content::Entity::find()
        .select_only()
        .column(digital_content::Column::Version)
        .column(digital_content::Column::Checksum)
        .into_tuple()
        .all(db)
        .await?;
    let mut out = HashMap::new();
    for (v, sum) in rows {
        out.insert(v, cached(db, v, sum).await?);
    }
    Ok(out)
}
