//! A supplier's invitations: reading them, and declining one.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::{CompetitionView, PUBLISHED, Viewer, late, lock, view};
use crate::actor::{self, Actor};
use crate::entity::{competition, competition_bid, competition_invitation};
use crate::{Error, Result, audit, db, validate};

/// An invitation with the competition as the supplier sees it.
#[derive(Debug, Clone)]
pub struct InvitationView {
    pub invitation: competition_invitation::Model,
    pub competition: CompetitionView,
    /// Whether the supplier has a bid in.
    pub has_bid: bool,
}

/// The supplier's invitations, newest first.
pub async fn my_invitations(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Vec<InvitationView>> {
    let supplier = actor.supplier_id()?;
    let rows = competition_invitation::Entity::find()
        .filter(competition_invitation::Column::SupplierId.eq(supplier))
        .order_by_desc(competition_invitation::Column::InvitedAt)
        .limit(500)
        .all(db)
        .await?;
    let bids: Vec<Uuid> = competition_bid::Entity::find()
        .filter(competition_bid::Column::SupplierId.eq(supplier))
        .filter(competition_bid::Column::CompetitionId.is_in(rows.iter().map(|r| r.competition_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|b| b.competition_id)
        .collect();
    let competitions = competition::Entity::find()
        .filter(competition::Column::Id.is_in(rows.iter().map(|r| r.competition_id)))
        .all(db)
        .await?;
    let mut views = super::views(db, competitions, Viewer::Supplier(supplier)).await?;
    Ok(rows
        .into_iter()
        .filter_map(|i| {
            let at = views
                .iter()
                .position(|v| v.competition.id == i.competition_id)?;
            let competition = views.swap_remove(at);
            Some(InvitationView {
                has_bid: bids.contains(&i.competition_id),
                competition,
                invitation: i,
            })
        })
        .collect())
}

/// Declines an invitation before the submission deadline, with an optional reason. A supplier
/// with a bid in cannot decline (the bid stands until the deadline).
pub async fn decline(
    db: &DatabaseConnection,
    actor: &Actor,
    competition_id: Uuid,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<InvitationView> {
    let supplier = actor.supplier_id()?;
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if let Some(r) = &reason {
        validate::text("reason", r, 1, 2000)?;
    }
    let tx = actor::begin(db, actor).await?;
    let c = lock(&tx, competition_id).await?;
    let before = competition_invitation::Entity::find_by_id((competition_id, supplier))
        .one(&tx)
        .await?
        .ok_or(Error::not_found("competition"))?;
    if c.status != PUBLISHED {
        return Err(Error::Conflict(format!(
            "the competition is {}: there is nothing to decline",
            c.status
        )));
    }
    if let Some(deadline) = c.submission_deadline
        && late(now, deadline)
    {
        return Err(Error::DeadlinePassed(format!(
            "the submission deadline ({}) has passed",
            deadline.to_rfc3339()
        )));
    }
    if before.declined_at.is_some() {
        return Err(Error::Conflict("you have already declined".into()));
    }
    let has_bid = competition_bid::Entity::find()
        .filter(competition_bid::Column::CompetitionId.eq(competition_id))
        .filter(competition_bid::Column::SupplierId.eq(supplier))
        .one(&tx)
        .await?
        .is_some();
    if has_bid {
        return Err(Error::Conflict(
            "you have a bid in: it stands until the deadline".into(),
        ));
    }
    let mut after = before.clone();
    after.declined_at = Some(now);
    after.decline_reason = reason;
    competition_invitation::ActiveModel::from(after.clone())
        .reset_all()
        .update(&tx)
        .await?;
    audit::record(
        &tx,
        actor,
        "competition.declined",
        "competition",
        competition_id,
        Some(audit::snapshot(&before)?),
        Some(json!(audit::snapshot(&after)?)),
    )
    .await?;
    db::commit(tx).await?;
    Ok(InvitationView {
        competition: view(db, c, Viewer::Supplier(supplier)).await?,
        invitation: after,
        has_bid: false,
    })
}
