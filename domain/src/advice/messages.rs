//! Messages on a case: school messages, adviser replies and internal notes.

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::states::{self, Step};
use super::{history, is_staff, save, status_of, visible};
use crate::actor::{self, Actor};
use crate::entity::advice_message;
use crate::notifications::{self, Notice};
use crate::vocab::AdviceStatus;
use crate::{Error, Result, audit, db};

/// Posts a message on the case. Schools write to the adviser; advisers write to the school or
/// add an internal note. A school's message on a case awaiting it puts the case back in
/// progress; an adviser's first message to the school is the first response.
pub async fn post(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    body: String,
    internal: bool,
) -> Result<advice_message::Model> {
    crate::validate::text("body", &body, 1, 10_000)?;
    if internal && !is_staff(actor) {
        return Err(Error::Forbidden(
            "only advisers write internal notes".into(),
        ));
    }
    let tx = actor::begin(db, actor).await?;
    let case = visible(&tx, actor, id).await?;
    let status = status_of(&case)?;
    if status == AdviceStatus::Closed {
        return Err(Error::Conflict("the case is closed".into()));
    }
    let msg = advice_message::Model {
        id: Uuid::now_v7(),
        request_id: id,
        author_id: Some(actor.user_id),
        visibility: if internal { "internal" } else { "school" }.into(),
        body: body.trim().to_owned(),
        created_at: Utc::now(),
    };
    advice_message::Entity::insert(advice_message::ActiveModel::from(msg.clone()))
        .exec_without_returning(&tx)
        .await?;
    let mut after = case.clone();
    if is_staff(actor) && !internal {
        after.first_responded_at = case.first_responded_at.or(Some(msg.created_at));
        notifications::notify(
            &tx,
            Notice {
                user_id: case.requested_by,
                organisation_id: case.school_id,
                kind: "advice.reply",
                subject: format!("Your adviser replied on {}", case.reference),
                payload: json!({ "requestId": id, "reference": case.reference }),
                dedupe_key: Some(format!("advice:{}:message:{}", id, msg.id)),
            },
        )
        .await?;
    }
    if !is_staff(actor)
        && let Some(adviser) = case.assignee_id
    {
        let school = crate::deliveries::alerts::organisation_name(&tx, case.school_id).await?;
        crate::deliveries::alerts::tell_user(
            &tx,
            adviser,
            "advice.school_reply",
            format!("{school} replied on {}", case.reference),
            json!({ "requestId": id, "reference": case.reference, "school": school }),
            Some(format!("advice:{}:school_reply:{}", id, msg.id)),
        )
        .await?;
    }
    // The school's answer to a case that awaits it puts the case back in progress.
    if !is_staff(actor) && states::allowed(status, AdviceStatus::InProgress, Step::SchoolAnswer) {
        after.status = AdviceStatus::InProgress.code().into();
    }
    if after != case {
        save(&tx, &case, case.version, after).await?;
    }
    history(
        &tx,
        id,
        if internal { "internal_note" } else { "message" },
        None,
        actor,
        internal,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "advice.message",
        "advice_request",
        id,
        None,
        Some(json!({ "message": msg.id, "internal": internal })),
    )
    .await?;
    db::commit(tx).await?;
    Ok(msg)
}

/// The case's messages, oldest first; schools never get internal notes.
pub async fn messages(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<Vec<advice_message::Model>> {
    let mut q = advice_message::Entity::find().filter(advice_message::Column::RequestId.eq(id));
    if !is_staff(actor) {
        q = q.filter(advice_message::Column::Visibility.eq("school"));
    }
    Ok(q.order_by_asc(advice_message::Column::Id).all(db).await?)
}
