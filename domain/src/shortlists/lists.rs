//! Shortlists themselves: a school buyer creating, renaming and deleting them.

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::{clean, owned, touch};
use crate::actor::{self, Actor};
use crate::entity::{shortlist, shortlist_item};
use crate::vocab::Sharing;
use crate::{Error, Result, audit, db, validate};

/// Shortlists one user may keep.
pub const MAX_PER_OWNER: u64 = 200;

/// A shortlist's name, description and audience.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "ShortlistInput")
)]
pub struct ShortlistInput {
    /// 1 to 120 characters.
    pub name: String,
    /// Up to 2,000 characters.
    pub description: Option<String>,
    /// Who else may read it; by default the school and its trust.
    #[cfg_attr(feature = "graphql", graphql(default_with = "Sharing::Trust"))]
    pub sharing: Sharing,
}

impl ShortlistInput {
    fn validate(&self) -> Result<()> {
        validate::text("name", &self.name, 1, 120)?;
        if let Some(d) = &self.description {
            validate::text("description", d, 0, 2000)?;
        }
        Ok(())
    }
}

/// A school buyer creates a shortlist for their school.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: ShortlistInput,
) -> Result<shortlist::Model> {
    let school_id = actor.school_id()?;
    input.validate()?;
    let tx = actor::begin(db, actor).await?;
    let kept = shortlist::Entity::find()
        .filter(shortlist::Column::OwnerId.eq(actor.user_id))
        .count(&tx)
        .await?;
    if kept >= MAX_PER_OWNER {
        return Err(Error::Conflict(format!(
            "you keep {MAX_PER_OWNER} shortlists already: delete one first"
        )));
    }
    let now = Utc::now();
    let row = shortlist::Model {
        id: Uuid::now_v7(),
        school_id,
        owner_id: actor.user_id,
        name: input.name.trim().to_owned(),
        description: clean(input.description),
        sharing: input.sharing.code().into(),
        advice_request_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    shortlist::Entity::insert(shortlist::ActiveModel::from(row.clone()))
        .exec_without_returning(&tx)
        .await?;
    audit::record(
        &tx,
        actor,
        "shortlist.create",
        "shortlist",
        row.id,
        None,
        Some(audit::snapshot(&row)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(row)
}

/// The owner renames it, or changes its description or audience.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    input: ShortlistInput,
) -> Result<shortlist::Model> {
    input.validate()?;
    let tx = actor::begin(db, actor).await?;
    let before = owned(&tx, actor, id).await?;
    let after = touch(&tx, &before, version, |s| {
        s.name = input.name.trim().to_owned();
        s.description = clean(input.description);
        s.sharing = input.sharing.code().into();
    })
    .await?;
    audit::record(
        &tx,
        actor,
        "shortlist.update",
        "shortlist",
        id,
        Some(audit::snapshot(&before)?),
        Some(audit::snapshot(&after)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
}

/// The owner deletes it and its items.
pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: Uuid, version: i32) -> Result<()> {
    let tx = actor::begin(db, actor).await?;
    let before = owned(&tx, actor, id).await?;
    let items = shortlist_item::Entity::find()
        .filter(shortlist_item::Column::ShortlistId.eq(id))
        .all(&tx)
        .await?;
    let done = shortlist::Entity::delete_many()
        .filter(shortlist::Column::Id.eq(id))
        .filter(shortlist::Column::Version.eq(version))
        .exec(&tx)
        .await?;
    if done.rows_affected != 1 {
        return Err(Error::Conflict(
            "the shortlist has changed since you read it: reload it".into(),
        ));
    }
    audit::record(
        &tx,
        actor,
        "shortlist.delete",
        "shortlist",
        id,
        Some(json!({ "shortlist": audit::snapshot(&before)?, "items": audit::snapshot(&items)? })),
        None,
    )
    .await?;
    db::commit(tx).await?;
    Ok(())
}
