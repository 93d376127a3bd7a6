//! Outcomes of trials, and the evidence of impact they add up to on a product.
//!
//! Policy:
//! - When a loan that held a place ends (returned, expired or converted), the school is asked
//!   how it went (`loan.outcome_requested`). One outcome per loan (a unique index guards it),
//!   recorded by a buyer of the school or of its trust, editable for 30 days from when it was
//!   first recorded (`OUTCOME_EDIT_DAYS`); after that `CONFLICT` with the date it closed.
//! - Evidence on a product is shown only from `SUPPRESS_BELOW` outcomes: below that only the
//!   count is shown, with the reason, so no school's answers can be picked out. A phase with
//!   fewer outcomes is suppressed within the breakdown the same way.
//! - The product's supplier sees its own outcomes one by one, without the school's name unless
//!   the school agreed; any other party asking gets `NOT_FOUND`, as for a product it does not
//!   know.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::loans::schools_of;
use crate::actor::{self, Actor};
use crate::entity::{loan, organisation, product, trial_outcome};
use crate::vocab::{LoanStatus, MetNeed, Phase, Role, TrialFrequency};
use crate::{Error, Result, audit, db, outbox};

/// Below this many outcomes a product's evidence is suppressed.
pub const SUPPRESS_BELOW: i64 = 5;
/// Days an outcome may be changed after it was first recorded.
pub const OUTCOME_EDIT_DAYS: i64 = 30;

/// What a school says about a trial that has ended.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "TrialOutcomeInput")
)]
pub struct NewOutcome {
    /// Whether the school used the product at all.
    pub used: bool,
    /// Staff who used it (0 to 100,000).
    pub staff_count: i32,
    /// Pupils who used it (0 to 100,000).
    pub pupil_count: i32,
    /// How often it was used (NEVER when it was not used).
    pub frequency: TrialFrequency,
    /// Whether it met the need the school tried it for.
    pub met_need: MetNeed,
    /// Impact on the problem it was tried for: 1 (none) to 5 (large).
    pub impact: i32,
    /// The impact in the school's words, 10 to 2,000 characters.
    pub impact_text: String,
    /// Whether the school would buy it.
    pub would_buy: bool,
    /// Why not, when it would not buy (required then), up to 2,000 characters.
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub why_not: Option<String>,
    /// The supplier may see the school's name with this outcome (default: no).
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub share_school_name: bool,
}

impl NewOutcome {
    pub fn validate(&self) -> Result<()> {
        for (field, v) in [
            ("staffCount", self.staff_count),
            ("pupilCount", self.pupil_count),
        ] {
            if !(0..=100_000).contains(&v) {
                return Err(Error::bad_input(
                    field,
                    format!("`{field}` must be 0 to 100,000"),
                ));
            }
        }
        if !(1..=5).contains(&self.impact) {
            return Err(Error::bad_input("impact", "`impact` must be 1 to 5"));
        }
        if !self.used && self.frequency != TrialFrequency::Never {
            return Err(Error::bad_input(
                "frequency",
                "a product that was not used has the frequency NEVER",
            ));
        }
        if self.used && self.frequency == TrialFrequency::Never {
            return Err(Error::bad_input(
                "frequency",
                "a product that was used needs how often (not NEVER)",
            ));
        }
        crate::validate::text("impactText", &self.impact_text, 10, 2_000)?;
        match (&self.why_not, self.would_buy) {
            (Some(w), _) if !w.trim().is_empty() => {
                crate::validate::text("whyNot", w, 1, 2_000)?;
            }
            (_, false) => {
                return Err(Error::bad_input(
                    "whyNot",
                    "say why the school would not buy it",
                ));
            }
            _ => {}
        }
        Ok(())
    }
}

/// Records (or, within 30 days, changes) the outcome of the school's ended trial loan.
/// `version` (from the outcome read before) guards a change; a first record needs none.
pub async fn record_outcome(
    db: &DatabaseConnection,
    actor: &Actor,
    loan_id: Uuid,
    version: Option<i32>,
    new: NewOutcome,
) -> Result<trial_outcome::Model> {
    new.validate()?;
    let schools = schools_of(db, actor).await?;
    let tx = actor::begin(db, actor).await?;
    let l = loan::Entity::find_by_id(loan_id)
        .one(&tx)
        .await?
        .filter(|l| schools.contains(&l.school_id))
        .ok_or(Error::not_found("loan"))?;
    let ended = [
        LoanStatus::Returned.code(),
        LoanStatus::Expired.code(),
        LoanStatus::Converted.code(),
    ];
    if l.granted_at.is_none() || !ended.contains(&l.status.as_str()) {
        return Err(Error::Conflict(
            "an outcome is recorded once the trial has ended (returned, expired or converted)"
                .into(),
        ));
    }
    let school = organisation::Entity::find_by_id(l.school_id)
        .one(&tx)
        .await?
        .ok_or(Error::not_found("school"))?;
    let now = Utc::now();
    let existing = trial_outcome::Entity::find()
        .filter(trial_outcome::Column::LoanId.eq(loan_id))
        .one(&tx)
        .await?;
    let why_not = new
        .why_not
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned);
    let id = match &existing {
        Some(o) => {
            let closes = o.created_at + Duration::days(OUTCOME_EDIT_DAYS);
            if now > closes {
                return Err(Error::Conflict(format!(
                    "this outcome could be changed until {}: it is now final",
                    closes.format("%Y-%m-%d")
                )));
            }
            if version.is_some_and(|v| v != o.version) {
                return Err(Error::Conflict(
                    "the outcome has changed since you read it: reload it".into(),
                ));
            }
            let done = trial_outcome::Entity::update_many()
                .col_expr(trial_outcome::Column::Used, Expr::value(new.used))
                .col_expr(
                    trial_outcome::Column::StaffCount,
                    Expr::value(new.staff_count),
                )
                .col_expr(
                    trial_outcome::Column::PupilCount,
                    Expr::value(new.pupil_count),
                )
                .col_expr(
                    trial_outcome::Column::Frequency,
                    Expr::value(new.frequency.code()),
                )
                .col_expr(
                    trial_outcome::Column::MetNeed,
                    Expr::value(new.met_need.code()),
                )
                .col_expr(trial_outcome::Column::Impact, Expr::value(new.impact))
                .col_expr(
                    trial_outcome::Column::ImpactText,
                    Expr::value(new.impact_text.trim()),
                )
                .col_expr(trial_outcome::Column::WouldBuy, Expr::value(new.would_buy))
                .col_expr(trial_outcome::Column::WhyNot, Expr::value(why_not.clone()))
                .col_expr(
                    trial_outcome::Column::ShareSchoolName,
                    Expr::value(new.share_school_name),
                )
                .col_expr(
                    trial_outcome::Column::RecordedBy,
                    Expr::value(actor.user_id),
                )
                .col_expr(trial_outcome::Column::Version, Expr::value(o.version + 1))
                .col_expr(trial_outcome::Column::UpdatedAt, Expr::value(now))
                .filter(trial_outcome::Column::Id.eq(o.id))
                .filter(trial_outcome::Column::Version.eq(o.version))
                .exec(&tx)
                .await?;
            if done.rows_affected != 1 {
                return Err(Error::Conflict(
                    "the outcome has changed since you read it: reload it".into(),
                ));
            }
            o.id
        }
        None => {
            let id = Uuid::now_v7();
            trial_outcome::Entity::insert(trial_outcome::ActiveModel {
                id: Set(id),
                loan_id: Set(loan_id),
                product_id: Set(l.product_id),
                school_id: Set(l.school_id),
                phase: Set(school.phase.clone()),
                used: Set(new.used),
                staff_count: Set(new.staff_count),
                pupil_count: Set(new.pupil_count),
                frequency: Set(new.frequency.code().into()),
                met_need: Set(new.met_need.code().into()),
                impact: Set(new.impact),
                impact_text: Set(new.impact_text.trim().to_owned()),
                would_buy: Set(new.would_buy),
                why_not: Set(why_not),
                share_school_name: Set(new.share_school_name),
                converted: Set(l.status == LoanStatus::Converted.code()),
                recorded_by: Set(Some(actor.user_id)),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_without_returning(&tx)
            .await?;
            id
        }
    };
    outbox::enqueue_many(
        &tx,
        outbox::EntityType::Product,
        &[l.product_id],
        outbox::Op::Upsert,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "trial_outcome.record",
        "trial_outcome",
        id,
        existing.as_ref().map(|o| json!({ "version": o.version })),
        Some(audit::snapshot(&new)?),
    )
    .await?;
    let saved = trial_outcome::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or(Error::not_found("trial outcome"))?;
    db::commit(tx).await?;
    Ok(saved)
}

/// The outcome recorded for a loan, if any (for the loan's school).
pub async fn outcome_of_loan(
    db: &impl ConnectionTrait,
    loan_id: Uuid,
) -> Result<Option<trial_outcome::Model>> {
    Ok(trial_outcome::Entity::find()
        .filter(trial_outcome::Column::LoanId.eq(loan_id))
        .one(db)
        .await?)
}

/// When an outcome can no longer be changed.
pub fn editable_until(o: &trial_outcome::Model) -> DateTime<Utc> {
    o.created_at + Duration::days(OUTCOME_EDIT_DAYS)
}

/// Figures of one phase of education.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseEvidence {
    pub phase: Option<Phase>,
    pub outcomes: i64,
    /// Null when the phase has fewer than `SUPPRESS_BELOW` outcomes.
    pub would_buy_share: Option<f64>,
    pub median_impact: Option<f64>,
}

/// Evidence of impact on a product, from its trials' outcomes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evidence {
    /// Outcomes recorded (always shown).
    pub outcomes: i64,
    /// Why the figures are not shown, when they are not.
    pub suppressed_reason: Option<String>,
    /// Loans that held a place and have ended.
    pub trials_completed: i64,
    /// Loans that became purchases.
    pub conversions: i64,
    pub would_buy_share: f64,
    pub median_impact: f64,
    pub by_phase: Vec<PhaseEvidence>,
}

impl Evidence {
    pub fn suppressed(&self) -> bool {
        self.outcomes < SUPPRESS_BELOW
    }

    /// Conversions per completed trial, 0 to 1 (none completed: 0).
    pub fn conversion_rate(&self) -> f64 {
        if self.trials_completed == 0 {
            0.0
        } else {
            self.conversions as f64 / self.trials_completed as f64
        }
    }
}

fn median(mut v: Vec<i32>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        f64::from(v[n / 2])
    } else {
        (f64::from(v[n / 2 - 1]) + f64::from(v[n / 2])) / 2.0
    }
}

fn share(yes: usize, of: usize) -> f64 {
    if of == 0 { 0.0 } else { yes as f64 / of as f64 }
}

/// The evidence of each product (two queries for all ids); a product without trials has
/// empty (suppressed) evidence.
pub async fn evidence_of(
    db: &impl ConnectionTrait,
    product_ids: &[Uuid],
) -> Result<HashMap<Uuid, Evidence>> {
    let mut out: HashMap<Uuid, Evidence> = product_ids
        .iter()
        .map(|id| (*id, Evidence::default()))
        .collect();
    if product_ids.is_empty() {
        return Ok(out);
    }
    let ended = [
        LoanStatus::Returned.code(),
        LoanStatus::Expired.code(),
        LoanStatus::Converted.code(),
    ];
    let loans: Vec<(Uuid, String, i64)> = loan::Entity::find()
        .select_only()
        .column(loan::Column::ProductId)
        .column(loan::Column::Status)
        .column_as(loan::Column::Id.count(), "n")
        .filter(loan::Column::ProductId.is_in(product_ids.iter().copied()))
        .filter(loan::Column::Status.is_in(ended))
        .filter(loan::Column::GrantedAt.is_not_null())
        .group_by(loan::Column::ProductId)
        .group_by(loan::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    for (product, status, n) in loans {
        if let Some(e) = out.get_mut(&product) {
            e.trials_completed += n;
            if status == LoanStatus::Converted.code() {
                e.conversions += n;
            }
        }
    }
    let rows: Vec<(Uuid, Option<String>, bool, i32)> = trial_outcome::Entity::find()
        .select_only()
        .column(trial_outcome::Column::ProductId)
        .column(trial_outcome::Column::Phase)
        .column(trial_outcome::Column::WouldBuy)
        .column(trial_outcome::Column::Impact)
        .filter(trial_outcome::Column::ProductId.is_in(product_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut by_product: HashMap<Uuid, Vec<(Option<String>, bool, i32)>> = HashMap::new();
    for (p, phase, would_buy, impact) in rows {
        by_product
            .entry(p)
            .or_default()
            .push((phase, would_buy, impact));
    }
    for (p, rows) in by_product {
        let Some(e) = out.get_mut(&p) else { continue };
        e.outcomes = rows.len() as i64;
        e.would_buy_share = share(rows.iter().filter(|r| r.1).count(), rows.len());
        e.median_impact = median(rows.iter().map(|r| r.2).collect());
        let mut phases: HashMap<Option<String>, Vec<(bool, i32)>> = HashMap::new();
        for (phase, would_buy, impact) in rows {
            phases.entry(phase).or_default().push((would_buy, impact));
        }
        let mut by_phase: Vec<PhaseEvidence> = phases
            .into_iter()
            .map(|(phase, v)| {
                let shown = v.len() as i64 >= SUPPRESS_BELOW;
                PhaseEvidence {
                    phase: phase.as_deref().and_then(Phase::from_code),
                    outcomes: v.len() as i64,
                    would_buy_share: shown
                        .then(|| share(v.iter().filter(|r| r.0).count(), v.len())),
                    median_impact: shown.then(|| median(v.iter().map(|r| r.1).collect())),
                }
            })
            .collect();
        by_phase.sort_by_key(|p| p.phase);
        e.by_phase = by_phase;
    }
    for e in out.values_mut() {
        if e.suppressed() {
            e.suppressed_reason = Some(format!(
                "{} outcome(s) recorded: evidence is shown from {SUPPRESS_BELOW}, so that no \
                 school's answers can be picked out",
                e.outcomes
            ));
        }
    }
    Ok(out)
}

/// One outcome as the product's supplier sees it.
#[derive(Debug, Clone)]
pub struct SupplierOutcome {
    pub outcome: trial_outcome::Model,
    /// The school's name, only when the school agreed to share it.
    pub school_name: Option<String>,
}

/// The outcomes of a supplier's own product, newest first (SUPPLIER owner, or ADMIN).
pub async fn outcomes_for_supplier(
    db: &impl ConnectionTrait,
    actor: &Actor,
    product_id: Uuid,
) -> Result<Vec<SupplierOutcome>> {
    actor.require(&[Role::Supplier, Role::Admin])?;
    let p = product::Entity::find_by_id(product_id)
        .one(db)
        .await?
        .ok_or(Error::not_found("product"))?;
    if !actor.is_admin() && actor.organisation_id != Some(p.supplier_id) {
        return Err(Error::not_found("product"));
    }
    let rows = trial_outcome::Entity::find()
        .filter(trial_outcome::Column::ProductId.eq(product_id))
        .order_by_desc(trial_outcome::Column::Id)
        .limit(1_000)
        .all(db)
        .await?;
    let shared: Vec<Uuid> = rows
        .iter()
        .filter(|o| o.share_school_name)
        .map(|o| o.school_id)
        .collect();
    let names = crate::catalogue::organisations::by_ids(db, &shared).await?;
    Ok(rows
        .into_iter()
        .map(|o| SupplierOutcome {
            school_name: o
                .share_school_name
                .then(|| names.get(&o.school_id).map(|s| s.name.clone()))
                .flatten(),
            outcome: o,
        })
        .collect())
}
