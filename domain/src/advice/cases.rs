//! Cases: a school opening a request, its references, moving it along the state machine
//! (`states`: triage, progress, withdrawal, closing), assignment to an adviser in the
//! directory, and a case's history.

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Statement,
};
use serde_json::json;
use uuid::Uuid;

use super::service_levels::{
    FIRST_RESPONSE_WORKING_DAYS, add_working_days, resolution_working_days,
};
use super::states::{self, Step};
use super::{advisers, history, is_staff, save, status_of, visible};
use crate::actor::{self, Actor};
use crate::entity::{advice_event, advice_request};
use crate::vocab::{AdviceStatus, ContactPreference, Role};
use crate::{Error, Result, audit, db};

/// A request as a school opens it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "AdviceRequestInput")
)]
pub struct NewRequest {
    /// A deal category slug (see `categories(scope: DEAL)`).
    pub category: String,
    /// What the school needs, 20 to 5,000 characters.
    pub need: String,
    pub budget_min_pence: Option<i64>,
    pub budget_max_pence: Option<i64>,
    /// When the school must have bought by.
    pub deadline: Option<NaiveDate>,
    /// What the school has now, up to 5,000 characters.
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub current_setup: String,
    pub preferred_contact: ContactPreference,
}

impl NewRequest {
    fn validate(&self) -> Result<()> {
        crate::validate::code("category", &self.category)?;
        crate::validate::text("need", &self.need, 20, 5_000)?;
        crate::validate::text("currentSetup", &self.current_setup, 0, 5_000)?;
        for (field, v) in [
            ("budgetMinPence", self.budget_min_pence),
            ("budgetMaxPence", self.budget_max_pence),
        ] {
            if v.is_some_and(|v| v < 0) {
                return Err(Error::bad_input(
                    field,
                    format!("`{field}` must not be negative"),
                ));
            }
        }
        if let (Some(lo), Some(hi)) = (self.budget_min_pence, self.budget_max_pence)
            && lo > hi
        {
            return Err(Error::bad_input(
                "budgetMaxPence",
                "`budgetMaxPence` must not be below `budgetMinPence`",
            ));
        }
        Ok(())
    }
}

/// The next reference of `year`, e.g. `BA-2026-000123`, from a counter row that every
/// request increments in its own transaction (so references never repeat).
async fn next_reference(tx: &impl ConnectionTrait, year: i32) -> Result<String> {
    let backend = tx.get_database_backend();
    let sql = "INSERT INTO advice_reference_counters (year, last) VALUES ($1, 1) \
               ON CONFLICT (year) DO UPDATE SET last = advice_reference_counters.last + 1 \
               RETURNING last";
    let sql = if db::is_postgres(tx) {
        sql.to_owned()
    } else {
        sql.replace("$1", "?")
    };
    let row = tx
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [year.into()]))
        .await?
        .ok_or_else(|| Error::Internal("the reference counter returned nothing".into()))?;
    let last: i64 = row.try_get("", "last")?;
    Ok(format!("BA-{year}-{last:06}"))
}

/// A school buyer opens a request for advice; opened from a recommendation of the school's
/// technology plan (its slug), the case carries the standard and the school's answers.
pub async fn open(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewRequest,
    from_recommendation: Option<&str>,
) -> Result<advice_request::Model> {
    let school_id = actor.school_id()?;
    new.validate()?;
    let known = crate::entity::category::Entity::find_by_id(new.category.clone())
        .one(db)
        .await?
        .is_some_and(|c| c.scope == "deal");
    if !known {
        return Err(Error::bad_input(
            "category",
            "`category` must be a deal category (see `categories(scope: DEAL)`)",
        ));
    }
    let tx = actor::begin(db, actor).await?;
    let now = Utc::now();
    let row = advice_request::Model {
        id: Uuid::now_v7(),
        reference: next_reference(&tx, now.year()).await?,
        school_id,
        requested_by: Some(actor.user_id),
        category: new.category.clone(),
        need: new.need.trim().to_owned(),
        budget_min_pence: new.budget_min_pence,
        budget_max_pence: new.budget_max_pence,
        deadline: new.deadline,
        current_setup: new.current_setup.trim().to_owned(),
        preferred_contact: new.preferred_contact.code().into(),
        status: AdviceStatus::New.code().into(),
        outcome: None,
        assignee_id: None,
        first_response_due_at: add_working_days(now, FIRST_RESPONSE_WORKING_DAYS),
        resolution_due_at: add_working_days(now, resolution_working_days(&new.category)),
        first_responded_at: None,
        closed_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    advice_request::Entity::insert(advice_request::ActiveModel::from(row.clone()))
        .exec_without_returning(&tx)
        .await?;
    let carried = match from_recommendation {
        Some(slug) => Some(crate::maturity::plan::link_advice(&tx, school_id, row.id, slug).await?),
        None => None,
    };
    history(&tx, row.id, "opened", carried, actor, false).await?;
    audit::record(
        &tx,
        actor,
        "advice.open",
        "advice_request",
        row.id,
        None,
        Some(audit::snapshot(&row)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(row)
}

/// An adviser moves a case along the state machine ([`states::MOVES`]); closing it means
/// resolved.
pub async fn transition(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    to: AdviceStatus,
) -> Result<advice_request::Model> {
    actor.require(&[Role::Adviser, Role::Admin])?;
    let tx = actor::begin(db, actor).await?;
    let before = visible(&tx, actor, id).await?;
    let from = status_of(&before)?;
    states::check(from, to, Step::Move)?;
    let now = Utc::now();
    let closing = to == AdviceStatus::Closed;
    let after = save(
        &tx,
        &before,
        version,
        advice_request::Model {
            status: to.code().into(),
            outcome: closing.then(|| "resolved".to_owned()),
            closed_at: closing.then_some(now),
            ..before.clone()
        },
    )
    .await?;
    let detail = json!({ "from": from.code(), "to": to.code() });
    history(&tx, id, "status", Some(detail.clone()), actor, false).await?;
    audit::record(
        &tx,
        actor,
        "advice.transition",
        "advice_request",
        id,
        Some(json!({ "status": from.code() })),
        Some(detail),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
}

/// The school withdraws its open request.
pub async fn withdraw(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<advice_request::Model> {
    actor.school_id()?;
    let tx = actor::begin(db, actor).await?;
    let before = visible(&tx, actor, id).await?;
    states::check(status_of(&before)?, AdviceStatus::Closed, Step::Withdraw)?;
    let after = save(
        &tx,
        &before,
        version,
        advice_request::Model {
            status: AdviceStatus::Closed.code().into(),
            outcome: Some("withdrawn".into()),
            closed_at: Some(Utc::now()),
            ..before.clone()
        },
    )
    .await?;
    history(&tx, id, "withdrawn", None, actor, false).await?;
    audit::record(
        &tx,
        actor,
        "advice.withdraw",
        "advice_request",
        id,
        Some(json!({ "status": before.status })),
        Some(json!({ "status": "closed", "outcome": "withdrawn" })),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
}

/// Who a case goes to, as an assigner asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    /// The adviser's id; `None`: the acting adviser.
    pub adviser: Option<Uuid>,
    /// Assign even though the adviser is at capacity.
    pub over_capacity: bool,
}

/// Assigns the case to an active adviser in the directory ([`super::advisers`]): one with
/// room for another open case, or any when `over_capacity` (the history and audit log record
/// an assignment past capacity).
pub async fn assign(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    to: Assignment,
) -> Result<advice_request::Model> {
    actor.require(&[Role::Adviser, Role::Admin])?;
    let adviser_id = match to.adviser {
        Some(a) => a,
        None if actor.role == Role::Adviser => actor.user_id,
        None => {
            return Err(Error::bad_input(
                "adviserId",
                "an admin must name the adviser",
            ));
        }
    };
    let tx = actor::begin(db, actor).await?;
    let before = visible(&tx, actor, id).await?;
    if status_of(&before)? == AdviceStatus::Closed {
        return Err(Error::Conflict("a closed case cannot be assigned".into()));
    }
    let taker = advisers::take_case(&tx, actor, adviser_id, &before, to.over_capacity).await?;
    let after = save(
        &tx,
        &before,
        version,
        advice_request::Model {
            assignee_id: Some(adviser_id),
            ..before.clone()
        },
    )
    .await?;
    let mut detail = json!({ "assignee": adviser_id, "name": taker.adviser.name() });
    if taker.over_capacity {
        detail["overCapacity"] = json!(true);
    }
    history(&tx, id, "assigned", Some(detail.clone()), actor, true).await?;
    if before.assignee_id != Some(adviser_id) {
        let school = crate::deliveries::alerts::organisation_name(&tx, before.school_id).await?;
        crate::deliveries::alerts::tell_user(
            &tx,
            adviser_id,
            "advice.assigned",
            format!("Case {} is assigned to you", before.reference),
            json!({ "requestId": id, "reference": before.reference, "school": school }),
            Some(format!("advice:{id}:assigned:{}", after.version)),
        )
        .await?;
    }
    audit::record(
        &tx,
        actor,
        "advice.assign",
        "advice_request",
        id,
        Some(json!({ "assignee": before.assignee_id })),
        Some(detail),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
}

/// One case, as `actor` may see it.
pub async fn get(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<advice_request::Model> {
    visible(db, actor, id).await
}

/// The case's history, oldest first; schools never get internal events.
pub async fn events(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<Vec<advice_event::Model>> {
    let mut q = advice_event::Entity::find().filter(advice_event::Column::RequestId.eq(id));
    if !is_staff(actor) {
        q = q.filter(advice_event::Column::Internal.eq(false));
    }
    Ok(q.order_by_asc(advice_event::Column::Id).all(db).await?)
}
