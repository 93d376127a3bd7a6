//! Buying-advice requests, handled by advisers as cases.
//!
//! Policy:
//! - A school buyer opens a request and sees only its own school's requests, their
//!   school-visible messages, recommendations and history. Internal notes and internal
//!   history never reach a school. Advisers and admins see every case; suppliers see none.
//! - The state machine is one table, `states::MOVES`: new -> triaged -> in progress <->
//!   awaiting school -> recommended (by recommending) -> closed (resolved); a recommended case
//!   may go back to in progress, and a school may withdraw its open request (closed,
//!   withdrawn). Any other move is `CONFLICT`, saying which moves the case's status allows.
//! - Service levels count working days (Monday to Friday; bank holidays are not yet known to
//!   the service): the first response is due 2 working days after the request, and resolution
//!   after a number of working days that depends on the category. `overdue` is computed from
//!   those and the current time, and is a filter of the queue.
//! - Every action is one transaction that writes the case's history and the audit log;
//!   replies and recommendations to the school go to the notification outbox.
//! - Cases go to advisers in the directory (`advisers`), which admins manage: an adviser is
//!   a person with a name, an email, specialisms and a capacity, assignable before they ever
//!   sign in. `suggestions` ranks who should take a case.

pub mod advisers;
mod cases;
mod messages;
mod queue;
mod recommendations;
mod service_levels;
pub mod states;
pub mod suggestions;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::actor::Actor;
use crate::entity::{advice_event, advice_request};
use crate::vocab::{AdviceStatus, Role};
use crate::{Error, Result};

pub use advisers::{AdviserFilter, AdviserProfile, AdviserRecord, Specialisms};
pub use cases::{Assignment, NewRequest, assign, events, get, open, transition, withdraw};
pub use messages::{messages, post};
pub use queue::{QueueFilter, list};
pub use recommendations::{NewRecommendation, recommend, recommendations};
pub use service_levels::{
    FIRST_RESPONSE_WORKING_DAYS, add_working_days, is_overdue, resolution_working_days,
};
pub use suggestions::Suggestion;

fn status_of(r: &advice_request::Model) -> Result<AdviceStatus> {
    AdviceStatus::from_code(&r.status)
        .ok_or_else(|| Error::Internal(format!("unknown advice status {:?}", r.status)))
}

fn is_staff(actor: &Actor) -> bool {
    matches!(actor.role, Role::Adviser | Role::Admin)
}

/// The case if `actor` may see it: its own school, advisers and admins. Others get
/// `NOT_FOUND` (schools) or `FORBIDDEN` (suppliers, who never see cases).
async fn visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<advice_request::Model> {
    actor.require(&[Role::SchoolBuyer, Role::Adviser, Role::Admin])?;
    let r = advice_request::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::not_found("advice request"))?;
    if is_staff(actor) || actor.organisation_id == Some(r.school_id) {
        Ok(r)
    } else {
        Err(Error::not_found("advice request"))
    }
}

pub(crate) async fn history(
    tx: &impl ConnectionTrait,
    request_id: Uuid,
    kind: &str,
    detail: Option<serde_json::Value>,
    actor: &Actor,
    internal: bool,
) -> Result<()> {
    advice_event::Entity::insert(advice_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        request_id: Set(request_id),
        kind: Set(kind.into()),
        detail: Set(detail),
        actor_id: Set(Some(actor.user_id)),
        internal: Set(internal),
        at: Set(Utc::now()),
    })
    .exec_without_returning(tx)
    .await?;
    Ok(())
}

/// Writes the case at `version` with `changes`, bumping the version; `CONFLICT` when stale.
async fn save(
    tx: &impl ConnectionTrait,
    before: &advice_request::Model,
    version: i32,
    after: advice_request::Model,
) -> Result<advice_request::Model> {
    if before.version != version {
        return Err(Error::Conflict(
            "the case has changed since you read it: reload it".into(),
        ));
    }
    let after = advice_request::Model {
        version: version + 1,
        updated_at: Utc::now(),
        ..after
    };
    let done = advice_request::Entity::update_many()
        .set(advice_request::ActiveModel::from(after.clone()).reset_all())
        .filter(advice_request::Column::Id.eq(before.id))
        .filter(advice_request::Column::Version.eq(version))
        .exec(tx)
        .await?;
    if done.rows_affected != 1 {
        return Err(Error::Conflict(
            "the case has changed since you read it: reload it".into(),
        ));
    }
    Ok(after)
}
