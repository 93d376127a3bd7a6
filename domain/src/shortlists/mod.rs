//! Shortlists: a school buyer's named lists of products and deals, with a note and a decision
//! per item, shared read-only with colleagues and visible to advisers through an advice case.
//!
//! Policy:
//! - Only a school buyer creates shortlists; only their owner (still in the same school)
//!   changes them. Every change is one transaction guarded by the shortlist's version, and is
//!   audited.
//! - Reading: the owner always; users of the same school when shared with the school or the
//!   trust; users of the trust's other schools when shared with the trust; advisers and
//!   admins once it is attached to an advice case. Anyone else who names an existing shortlist
//!   gets `FORBIDDEN`; an unknown id is `NOT_FOUND`.
//! - Only public products and deals can be added. An item whose deal later ends or whose
//!   product is withdrawn stays on the list, marked expired or withdrawn with its title as it
//!   was when added.

mod export;
mod items;
mod lists;
mod sharing;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::actor::Actor;
use crate::entity::shortlist;
use crate::vocab::Role;
use crate::{Error, Result};

pub use export::{TABLE_HEADER, Table, table};
pub use items::{
    ItemChange, ItemView, MAX_ITEMS, Target, add_item, items, remove_item, update_item,
};
pub use lists::{MAX_PER_OWNER, ShortlistInput, create, delete, update};
pub use sharing::{attach, can_read, for_case, get, list};

fn clean(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The shortlist, for a change by its owner.
async fn owned(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<shortlist::Model> {
    actor.require(&[Role::SchoolBuyer])?;
    let s = get(db, actor, id).await?;
    if s.owner_id != actor.user_id || actor.organisation_id != Some(s.school_id) {
        return Err(Error::Forbidden(
            "only the shortlist's owner can change it; colleagues can read it".into(),
        ));
    }
    Ok(s)
}

/// Writes `after` if the shortlist is still at `version`; the caller bumps the version.
async fn save(tx: &impl ConnectionTrait, after: &shortlist::Model, version: i32) -> Result<()> {
    let done = shortlist::Entity::update_many()
        .set(shortlist::ActiveModel::from(after.clone()).reset_all())
        .filter(shortlist::Column::Id.eq(after.id))
        .filter(shortlist::Column::Version.eq(version))
        .exec(tx)
        .await?;
    if done.rows_affected == 1 {
        Ok(())
    } else {
        Err(Error::Conflict(
            "the shortlist has changed since you read it: reload it".into(),
        ))
    }
}

/// The owner's change to `s` at `version`: checks the version, bumps it and saves.
async fn touch(
    tx: &impl ConnectionTrait,
    s: &shortlist::Model,
    version: i32,
    change: impl FnOnce(&mut shortlist::Model),
) -> Result<shortlist::Model> {
    if s.version != version {
        return Err(Error::Conflict(
            "the shortlist has changed since you read it: reload it".into(),
        ));
    }
    let mut after = s.clone();
    change(&mut after);
    after.version = version + 1;
    after.updated_at = Utc::now();
    save(tx, &after, version).await?;
    Ok(after)
}
