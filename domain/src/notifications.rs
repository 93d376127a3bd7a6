//! The notification outbox: rows written in the same transaction as the change they announce,
//! for a mailer or webhook sender to deliver (and mark delivered). A `dedupe_key` makes a
//! notification that may be produced twice (reminders, by several sweepers) land once.

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::Result;
use crate::actor::Actor;
use crate::entity::notification;
use crate::pagination::{Cursor, Page, PageArgs};

/// One notification to write.
pub struct Notice<'a> {
    pub user_id: Option<Uuid>,
    pub organisation_id: Uuid,
    pub kind: &'a str,
    pub subject: String,
    pub payload: serde_json::Value,
    pub dedupe_key: Option<String>,
}

/// Writes a notification in the caller's transaction; a repeat of a `dedupe_key` is ignored.
pub async fn notify(tx: &impl ConnectionTrait, n: Notice<'_>) -> Result<()> {
    notification::Entity::insert(notification::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(n.user_id),
        organisation_id: Set(n.organisation_id),
        kind: Set(n.kind.into()),
        subject: Set(n.subject.chars().take(200).collect()),
        payload: Set(n.payload),
        created_at: Set(Utc::now()),
        delivered_at: Set(None),
        dedupe_key: Set(n.dedupe_key),
        email_status: Set("pending".into()),
        email_attempts: Set(0),
        email_next_at: Set(None),
        email_error: Set(None),
    })
    .on_conflict_do_nothing_on([notification::Column::DedupeKey])
    .exec(tx)
    .await?;
    Ok(())
}

/// The signed-in user's notifications, newest first: those addressed to them, and those
/// addressed to their organisation as a whole (for a trust's buyer, to any school of the trust
/// as a whole too).
pub async fn mine(
    db: &impl ConnectionTrait,
    actor: &Actor,
    page: &PageArgs,
) -> Result<Page<notification::Model>> {
    let mut who = sea_orm::Condition::any().add(notification::Column::UserId.eq(actor.user_id));
    if let Some(org) = actor.organisation_id {
        who = who.add(
            sea_orm::Condition::all()
                .add(notification::Column::OrganisationId.eq(org))
                .add(notification::Column::UserId.is_null()),
        );
    }
    if actor.trust_id().is_ok() {
        let schools = crate::catalogue::organisations::schools_in_scope(db, actor).await?;
        who = who.add(
            sea_orm::Condition::all()
                .add(notification::Column::OrganisationId.is_in(schools.into_iter().map(|s| s.id)))
                .add(notification::Column::UserId.is_null()),
        );
    }
    if actor.is_admin() {
        // Admins' notices are addressed to the service organisation as a whole.
        who = who.add(
            sea_orm::Condition::all()
                .add(notification::Column::UserId.is_null())
                .add(
                    notification::Column::OrganisationId.in_subquery(
                        sea_orm::sea_query::Query::select()
                            .column(crate::entity::organisation::Column::Id)
                            .from(crate::entity::organisation::Entity)
                            .and_where(
                                crate::entity::organisation::Column::Kind
                                    .eq(crate::vocab::OrgKind::Service.code()),
                            )
                            .to_owned(),
                    ),
                ),
        );
    }
    let mut q = notification::Entity::find().filter(who);
    if let Some(after) = &page.after {
        q = q.filter(notification::Column::Id.lt(after.id));
    }
    let rows = q
        .order_by_desc(notification::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, page, |n| {
        Cursor::new(String::new(), n.id)
    }))
}
