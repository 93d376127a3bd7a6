//! Applying a GIAS extract: the differences between what the extract says and what the
//! database holds, written in ONE transaction, and a summary of them.
//!
//! Policy: schools are matched by URN and trusts by Group UID. A record the extract describes
//! as the database already holds it is not written, so importing the same files again changes
//! nothing. A closed school is marked closed, never deleted (loans, reviews and orders point
//! at it). A school the database holds but the extract does not mention is left alone. Each
//! record changed gets an audit event with the fields before and after, and the import one
//! more with its counts; records added are counted in that one (an initial import adds
//! 50,000). Organisations are not in the search indexes, so no outbox rows are written.

use std::collections::HashMap;
use std::fmt;

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use super::gias::{Extract, School, Trust};
use super::{Progress, RowError};
use crate::entity::organisation;
use crate::vocab::OrgKind;
use crate::{Result, audit, db};

/// What an import did (or, when refused, would not do).
#[derive(Debug, Default, Clone)]
pub struct Summary {
    /// Rows read in the three files.
    pub rows: u64,
    /// False when the import stopped at an error and wrote nothing.
    pub written: bool,
    pub trusts: Counts,
    pub schools: Counts,
    /// Schools whose trust changed (joined, left or moved).
    pub changed_trust: u64,
    /// Establishments skipped as not schools, by GIAS type, most first.
    pub skipped: Vec<(String, u64)>,
    /// Groups skipped as not academy trusts, by GIAS group type, most first.
    pub skipped_groups: Vec<(String, u64)>,
    /// One line for each record changed: what happened to which.
    pub changes: Vec<String>,
    pub errors: Vec<RowError>,
}

/// Changes to one kind of record.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub added: u64,
    pub closed: u64,
    pub reopened: u64,
    pub renamed: u64,
    /// Records with other fields changed (for schools, including their trust).
    pub updated: u64,
    pub unchanged: u64,
}

impl Summary {
    /// Whether the import wrote or would write nothing.
    pub fn is_unchanged(&self) -> bool {
        self.trusts.added + self.trusts.updated + self.schools.added + self.schools.updated == 0
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} added, {} closed, {} reopened, {} renamed, {} updated in all, {} unchanged",
            self.added, self.closed, self.reopened, self.renamed, self.updated, self.unchanged
        )
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "GIAS import: {} rows read", self.rows)?;
        writeln!(f, "trusts: {}", self.trusts)?;
        writeln!(
            f,
            "schools: {}; {} changed trust",
            self.schools, self.changed_trust
        )?;
        let skipped: u64 = self.skipped.iter().map(|(_, n)| n).sum();
        if skipped > 0 {
            let kinds: Vec<String> = self
                .skipped
                .iter()
                .map(|(t, n)| format!("{n} {t}"))
                .collect();
            writeln!(
                f,
                "skipped {skipped} establishments that are not schools: {}",
                kinds.join(", ")
            )?;
        }
        let skipped_groups: u64 = self.skipped_groups.iter().map(|(_, n)| n).sum();
        if skipped_groups > 0 {
            let kinds: Vec<String> = self
                .skipped_groups
                .iter()
                .map(|(t, n)| format!("{n} {t}"))
                .collect();
            writeln!(
                f,
                "skipped {skipped_groups} groups that are not academy trusts: {}",
                kinds.join(", ")
            )?;
        }
        for c in &self.changes {
            writeln!(f, "  {c}")?;
        }
        if !self.errors.is_empty() {
            writeln!(f, "{} rows refused:", self.errors.len())?;
            for e in &self.errors {
                writeln!(f, "  {e}")?;
            }
        }
        if !self.written {
            writeln!(
                f,
                "nothing was written (--stop-on-error): correct the rows above and run again"
            )?;
        }
        Ok(())
    }
}

/// How to import.
#[derive(Debug, Default, Clone, Copy)]
pub struct Options {
    /// Write nothing if any row is refused.
    pub stop_on_error: bool,
}

/// Applies `extract` to the database in one transaction and says what changed.
pub async fn apply(
    db: &sea_orm::DatabaseConnection,
    extract: Extract,
    options: Options,
    progress: &dyn Progress,
) -> Result<Summary> {
    let mut summary = Summary {
        rows: extract.rows,
        errors: extract.errors,
        skipped: sorted(extract.skipped),
        skipped_groups: sorted(extract.skipped_groups),
        ..Default::default()
    };
    if options.stop_on_error && !summary.errors.is_empty() {
        return Ok(summary);
    }
    let tx = db::begin_write(db).await?;
    let now = Utc::now();

    // Trusts first: schools point at them.
    progress.stage("trusts", extract.trusts.len() as u64);
    let existing: HashMap<String, organisation::Model> = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(OrgKind::Trust.code()))
        .filter(organisation::Column::GroupUid.is_not_null())
        .all(&tx)
        .await?
        .into_iter()
        .filter_map(|o| o.group_uid.clone().map(|uid| (uid, o)))
        .collect();
    // Companies House numbers are unique: one another organisation holds is reported, not
    // written.
    let mut numbers: HashMap<String, Uuid> = organisation::Entity::find()
        .filter(organisation::Column::CompaniesHouseNumber.is_not_null())
        .all(&tx)
        .await?
        .into_iter()
        .filter_map(|o| o.companies_house_number.map(|n| (n, o.id)))
        .collect();
    let mut trust_ids: HashMap<String, (Uuid, String)> = existing
        .iter()
        .map(|(uid, o)| (uid.clone(), (o.id, o.name.clone())))
        .collect();
    let mut new_rows = Vec::new();
    for mut t in extract.trusts {
        let own = existing.get(&t.group_uid).map(|o| o.id);
        if let Some(n) = &t.companies_house_number
            && numbers.get(n).is_some_and(|holder| Some(*holder) != own)
        {
            summary.errors.push(RowError {
                file: "groups",
                line: Some(t.line),
                column: Some("Companies House Number".into()),
                message: format!(
                    "{n} belongs to another organisation; the trust is kept without it"
                ),
            });
            t.companies_house_number = None;
        }
        let id = own.unwrap_or_else(Uuid::now_v7);
        if let Some(n) = &t.companies_house_number {
            // Two trusts of the file with one number: the first keeps it.
            numbers.insert(n.clone(), id);
        }
        match existing.get(&t.group_uid) {
            None => {
                trust_ids.insert(t.group_uid.clone(), (id, t.name.clone()));
                summary.trusts.added += 1;
                new_rows.push(trust_row(id, &t, now));
            }
            Some(old) => {
                let label = format!("trust {} {}", t.group_uid, t.name);
                let changed = trust_changes(old, &t);
                note(
                    &mut summary.trusts,
                    &mut summary.changes,
                    &label,
                    old,
                    &changed,
                );
                if !changed.is_empty() {
                    trust_ids.insert(t.group_uid.clone(), (old.id, t.name.clone()));
                    update(&tx, old, changed, now).await?;
                }
            }
        }
        progress.advance(1);
    }
    insert_rows(&tx, new_rows).await?;

    progress.stage("schools", extract.schools.len() as u64);
    let existing: HashMap<i32, organisation::Model> = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(OrgKind::School.code()))
        .all(&tx)
        .await?
        .into_iter()
        .filter_map(|o| o.urn.map(|u| (u, o)))
        .collect();
    let trust_names: HashMap<Uuid, String> = trust_ids.values().cloned().collect();
    let mut new_rows = Vec::new();
    for s in extract.schools {
        let trust = extract.links.get(&s.urn).and_then(|uid| trust_ids.get(uid));
        let trust_id = trust.map(|(id, _)| *id);
        match existing.get(&s.urn) {
            None => {
                summary.schools.added += 1;
                new_rows.push(school_row(&s, trust_id, now));
                if new_rows.len() >= 500 {
                    insert_rows(&tx, std::mem::take(&mut new_rows)).await?;
                }
            }
            Some(old) => {
                let label = format!("school {} {}", s.urn, s.name);
                let changed = school_changes(old, &s, trust_id);
                if changed.iter().any(|(c, _)| *c == "trust_id") {
                    summary.changed_trust += 1;
                    let name = |id: Option<Uuid>| {
                        id.and_then(|id| trust_names.get(&id).cloned())
                            .unwrap_or_else(|| "no trust".into())
                    };
                    summary.changes.push(format!(
                        "changed trust: {label}: from {} to {}",
                        name(old.trust_id),
                        name(trust_id)
                    ));
                }
                note(
                    &mut summary.schools,
                    &mut summary.changes,
                    &label,
                    old,
                    &changed,
                );
                if !changed.is_empty() {
                    update(&tx, old, changed, now).await?;
                }
            }
        }
        progress.advance(1);
    }
    insert_rows(&tx, new_rows).await?;

    audit::record_system(
        &tx,
        "gias.imported",
        "import",
        Uuid::now_v7(),
        None,
        Some(json!({
            "rows": summary.rows,
            "trustsAdded": summary.trusts.added,
            "trustsUpdated": summary.trusts.updated,
            "schoolsAdded": summary.schools.added,
            "schoolsUpdated": summary.schools.updated,
            "schoolsClosed": summary.schools.closed,
            "schoolsChangedTrust": summary.changed_trust,
            "rowsRefused": summary.errors.len(),
        })),
    )
    .await?;
    db::commit(tx).await?;
    summary.written = true;
    Ok(summary)
}

fn sorted(counts: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// A column that changes, and its new value (as JSON for the audit log).
type Changes = Vec<(&'static str, Value)>;

fn differs<T: PartialEq + serde::Serialize>(
    out: &mut Changes,
    column: &'static str,
    old: &T,
    new: &T,
) {
    if old != new {
        out.push((column, json!(new)));
    }
}

fn trust_changes(old: &organisation::Model, t: &Trust) -> Changes {
    let mut c = Changes::new();
    differs(&mut c, "name", &old.name, &t.name);
    if t.companies_house_number.is_some() {
        differs(
            &mut c,
            "companies_house_number",
            &old.companies_house_number,
            &t.companies_house_number,
        );
    }
    differs(&mut c, "status", &old.status.as_str(), &t.status);
    differs(&mut c, "opened_on", &old.opened_on, &t.opened_on);
    differs(&mut c, "closed_on", &old.closed_on, &t.closed_on);
    differs(&mut c, "is_sample", &old.is_sample, &false);
    c
}

fn school_changes(old: &organisation::Model, s: &School, trust_id: Option<Uuid>) -> Changes {
    let mut c = Changes::new();
    differs(&mut c, "name", &old.name, &s.name);
    differs(
        &mut c,
        "establishment_type",
        &old.establishment_type.as_deref(),
        &Some(s.establishment_type.code()),
    );
    differs(
        &mut c,
        "phase",
        &old.phase.as_deref(),
        &s.phase.map(|p| p.code()),
    );
    differs(&mut c, "la_code", &old.la_code, &s.la_code);
    differs(&mut c, "la_name", &old.la_name, &s.la_name);
    differs(
        &mut c,
        "region",
        &old.region.as_deref(),
        &s.region.map(|r| r.code()),
    );
    differs(&mut c, "trust_id", &old.trust_id, &trust_id);
    differs(&mut c, "pupil_count", &old.pupil_count, &s.pupil_count);
    differs(&mut c, "postcode", &old.postcode, &s.postcode);
    differs(&mut c, "status", &old.status.as_str(), &s.status);
    differs(&mut c, "ukprn", &old.ukprn, &s.ukprn);
    differs(&mut c, "opened_on", &old.opened_on, &s.opened_on);
    differs(&mut c, "closed_on", &old.closed_on, &s.closed_on);
    differs(&mut c, "is_sample", &old.is_sample, &false);
    c
}

/// Counts one existing record's changes and lists the ones a reader looks for.
fn note(
    counts: &mut Counts,
    lines: &mut Vec<String>,
    label: &str,
    old: &organisation::Model,
    changed: &Changes,
) {
    if changed.is_empty() {
        counts.unchanged += 1;
        return;
    }
    counts.updated += 1;
    for (column, value) in changed {
        match (*column, value.as_str()) {
            ("name", _) => {
                counts.renamed += 1;
                lines.push(format!("renamed: {label} (was {})", old.name));
            }
            ("status", Some("closed")) => {
                counts.closed += 1;
                lines.push(format!("closed: {label}"));
            }
            ("status", Some(_)) if old.status == "closed" => {
                counts.reopened += 1;
                lines.push(format!("reopened: {label}"));
            }
            _ => {}
        }
    }
}

/// Writes the changed columns of one record, with an audit event of its fields before and
/// after.
async fn update(
    tx: &sea_orm::DatabaseTransaction,
    old: &organisation::Model,
    changed: Changes,
    now: chrono::DateTime<Utc>,
) -> Result<()> {
    let before_json = audit::snapshot(old)?;
    let mut row = organisation::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(old.id),
        ..Default::default()
    };
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    for (column, value) in &changed {
        before.insert(
            (*column).into(),
            before_json.get(*column).cloned().unwrap_or(Value::Null),
        );
        after.insert((*column).into(), value.clone());
        set(&mut row, column, value)?;
    }
    row.updated_at = Set(now);
    row.update(tx).await?;
    audit::record_system(
        tx,
        "organisation.gias_updated",
        "organisation",
        old.id,
        Some(Value::Object(before)),
        Some(Value::Object(after)),
    )
    .await
}

/// Sets one column of `row` from its JSON value.
fn set(row: &mut organisation::ActiveModel, column: &str, value: &Value) -> Result<()> {
    let bad = || crate::Error::Internal(format!("GIAS update of {column}: {value}"));
    let text = || value.as_str().map(str::to_owned);
    let int = || value.as_i64().and_then(|n| i32::try_from(n).ok());
    let date = || -> Result<Option<NaiveDate>> {
        value
            .as_str()
            .map(|d| d.parse::<NaiveDate>().map_err(|_| bad()))
            .transpose()
    };
    match column {
        "name" => row.name = Set(text().ok_or_else(bad)?),
        "companies_house_number" => row.companies_house_number = Set(text()),
        "status" => row.status = Set(text().ok_or_else(bad)?),
        "opened_on" => row.opened_on = Set(date()?),
        "closed_on" => row.closed_on = Set(date()?),
        "is_sample" => row.is_sample = Set(value.as_bool().ok_or_else(bad)?),
        "establishment_type" => row.establishment_type = Set(text()),
        "phase" => row.phase = Set(text()),
        "la_code" => row.la_code = Set(text()),
        "la_name" => row.la_name = Set(text()),
        "region" => row.region = Set(text()),
        "trust_id" => {
            row.trust_id = Set(text()
                .map(|t| t.parse::<Uuid>().map_err(|_| bad()))
                .transpose()?)
        }
        "pupil_count" => row.pupil_count = Set(int()),
        "postcode" => row.postcode = Set(text()),
        "ukprn" => row.ukprn = Set(int()),
        _ => return Err(bad()),
    }
    Ok(())
}

fn trust_row(id: Uuid, t: &Trust, now: chrono::DateTime<Utc>) -> organisation::ActiveModel {
    organisation::ActiveModel {
        id: Set(id),
        kind: Set(OrgKind::Trust.code().into()),
        name: Set(t.name.clone()),
        urn: Set(None),
        establishment_type: Set(None),
        phase: Set(None),
        la_code: Set(None),
        la_name: Set(None),
        region: Set(None),
        trust_id: Set(None),
        group_uid: Set(Some(t.group_uid.clone())),
        pupil_count: Set(None),
        postcode: Set(None),
        companies_house_number: Set(t.companies_house_number.clone()),
        website: Set(None),
        is_sample: Set(false),
        status: Set(t.status.into()),
        ukprn: Set(None),
        opened_on: Set(t.opened_on),
        closed_on: Set(t.closed_on),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn school_row(
    s: &School,
    trust_id: Option<Uuid>,
    now: chrono::DateTime<Utc>,
) -> organisation::ActiveModel {
    organisation::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(OrgKind::School.code().into()),
        name: Set(s.name.clone()),
        urn: Set(Some(s.urn)),
        establishment_type: Set(Some(s.establishment_type.code().into())),
        phase: Set(s.phase.map(|p| p.code().into())),
        la_code: Set(s.la_code.clone()),
        la_name: Set(s.la_name.clone()),
        region: Set(s.region.map(|r| r.code().into())),
        trust_id: Set(trust_id),
        group_uid: Set(None),
        pupil_count: Set(s.pupil_count),
        postcode: Set(s.postcode.clone()),
        companies_house_number: Set(None),
        website: Set(None),
        is_sample: Set(false),
        status: Set(s.status.into()),
        ukprn: Set(s.ukprn),
        opened_on: Set(s.opened_on),
        closed_on: Set(s.closed_on),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Inserts new organisations, 500 a statement.
async fn insert_rows(
    tx: &sea_orm::DatabaseTransaction,
    rows: Vec<organisation::ActiveModel>,
) -> Result<()> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        organisation::Entity::insert_many(chunk)
            .exec_without_returning(tx)
            .await?;
    }
    Ok(())
}
