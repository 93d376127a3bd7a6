//! The audit log: who did what to which record, with the record before and after.
//!
//! Policy: every mutation writes exactly one event in the same transaction as its change, so
//! the log never claims a change that rolled back nor misses one that committed. Events are
//! never updated or deleted. Snapshots hold what the actor changed, never secrets.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::actor::Actor;
use crate::entity::audit_event;
use crate::pagination::{Cursor, Page, PageArgs};
use crate::{Error, Result};

/// Records one event in the caller's transaction.
pub async fn record(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: impl ToString,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<()> {
    insert(
        tx,
        audit_event::ActiveModel {
            actor_id: Set(Some(actor.user_id)),
            actor_role: Set(Some(actor.role.code().into())),
            organisation_id: Set(actor.organisation_id),
            request_id: Set(actor.request_id.clone()),
            ..Default::default()
        },
        (action, entity_type, entity_id.to_string()),
        before,
        after,
    )
    .await
}

/// Records one event done by the service itself (e.g. applying a payment provider's event),
/// with no user: the role is `SYSTEM`.
pub async fn record_system(
    tx: &impl ConnectionTrait,
    action: &str,
    entity_type: &str,
    entity_id: impl ToString,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<()> {
    insert(
        tx,
        audit_event::ActiveModel {
            actor_id: Set(None),
            actor_role: Set(Some("SYSTEM".into())),
            organisation_id: Set(None),
            request_id: Set(None),
            ..Default::default()
        },
        (action, entity_type, entity_id.to_string()),
        before,
        after,
    )
    .await
}

async fn insert(
    tx: &impl ConnectionTrait,
    mut row: audit_event::ActiveModel,
    (action, entity_type, entity_id): (&str, &str, String),
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<()> {
    row.id = Set(Uuid::now_v7());
    row.at = Set(Utc::now());
    row.action = Set(action.into());
    row.entity_type = Set(entity_type.into());
    row.entity_id = Set(entity_id);
    row.before = Set(before);
    row.after = Set(after);
    audit_event::Entity::insert(row)
        .exec_without_returning(tx)
        .await?;
    Ok(())
}

/// A record as the log keeps it. Serialising our own types cannot fail short of a bug, which
/// is reported as internal.
pub fn snapshot(value: &impl Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| Error::Internal(format!("audit snapshot: {e}")))
}

/// Filters on the audit log; all given filters must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub request_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// A page of events, newest first. Admins only.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &AuditFilter,
    page: &PageArgs,
) -> Result<Page<audit_event::Model>> {
    actor.require(&[crate::vocab::Role::Admin])?;
    let mut c = Condition::all();
    if let Some(v) = filter.actor_id {
        c = c.add(audit_event::Column::ActorId.eq(v));
    }
    if let Some(v) = filter.organisation_id {
        c = c.add(audit_event::Column::OrganisationId.eq(v));
    }
    if let Some(v) = &filter.action {
        c = c.add(audit_event::Column::Action.eq(v.as_str()));
    }
    if let Some(v) = &filter.entity_type {
        c = c.add(audit_event::Column::EntityType.eq(v.as_str()));
    }
    if let Some(v) = &filter.entity_id {
        c = c.add(audit_event::Column::EntityId.eq(v.as_str()));
    }
    if let Some(v) = &filter.request_id {
        c = c.add(audit_event::Column::RequestId.eq(v.as_str()));
    }
    if let Some(v) = filter.from {
        c = c.add(audit_event::Column::At.gte(v));
    }
    if let Some(v) = filter.to {
        c = c.add(audit_event::Column::At.lt(v));
    }
    // Ids are UUIDv7: their order is the order events were written.
    if let Some(after) = &page.after {
        c = c.add(audit_event::Column::Id.lt(after.id));
    }
    let rows = audit_event::Entity::find()
        .filter(c)
        .order_by_desc(audit_event::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, page, |e| {
        Cursor::new(String::new(), e.id)
    }))
}
