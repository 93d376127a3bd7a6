//! Items: the products and deals on a shortlist, their notes and decisions, and whether each
//! can still be bought.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use super::{clean, owned, touch};
use crate::actor::{self, Actor};
use crate::catalogue::deals;
use crate::entity::{deal, product, shortlist, shortlist_item};
use crate::vocab::{Availability, DealStatus, Decision, ProductStatus};
use crate::{Error, Result, audit, db, validate};

/// Items one shortlist may hold.
pub const MAX_ITEMS: u64 = 50;
/// What a shortlist item refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Product(Uuid),
    Deal(Uuid),
}

/// A change to one item: its note and the school's decision.
#[derive(Debug, Clone)]
pub struct ItemChange {
    /// Up to 2,000 characters; empty clears it.
    pub note: Option<String>,
    pub decision: Decision,
    /// Why: required when chosen or rejected, up to 2,000 characters.
    pub reason: Option<String>,
}

/// An item with whether it can still be bought.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemView {
    pub item: shortlist_item::Model,
    pub availability: Availability,
    /// Why it is not available, as a buyer reads it.
    pub availability_note: Option<String>,
}

/// The owner adds a public product or deal, with an optional note.
pub async fn add_item(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    target: Target,
    note: Option<String>,
) -> Result<shortlist::Model> {
    if let Some(n) = &note {
        validate::text("note", n, 0, 2000)?;
    }
    let tx = actor::begin(db, actor).await?;
    let before = owned(&tx, actor, id).await?;
    let (product_id, deal_id, title) = match target {
        Target::Product(p) => {
            let p = crate::catalogue::products::get_public(&tx, p).await?;
            (Some(p.id), None, p.name)
        }
        Target::Deal(d) => {
            let d = deals::get_public(&tx, d).await?;
            (None, Some(d.id), d.title)
        }
    };
    let items = shortlist_item::Entity::find()
        .filter(shortlist_item::Column::ShortlistId.eq(id))
        .all(&tx)
        .await?;
    if items.iter().any(|i| {
        (product_id.is_some() && i.product_id == product_id)
            || (deal_id.is_some() && i.deal_id == deal_id)
    }) {
        return Err(Error::Conflict("it is on this shortlist already".into()));
    }
    if items.len() as u64 >= MAX_ITEMS {
        return Err(Error::Conflict(format!(
            "a shortlist holds at most {MAX_ITEMS} items"
        )));
    }
    let after = touch(&tx, &before, version, |_| {}).await?;
    let now = Utc::now();
    let item = shortlist_item::Model {
        id: Uuid::now_v7(),
        shortlist_id: id,
        product_id,
        deal_id,
        title,
        note: clean(note),
        decision: Decision::Undecided.code().into(),
        reason: None,
        position: items.iter().map(|i| i.position).max().unwrap_or(0) + 1,
        added_by: Some(actor.user_id),
        created_at: now,
        updated_at: now,
    };
    shortlist_item::Entity::insert(shortlist_item::ActiveModel::from(item.clone()))
        .exec_without_returning(&tx)
        .await?;
    audit::record(
        &tx,
        actor,
        "shortlist.item_add",
        "shortlist",
        id,
        None,
        Some(audit::snapshot(&item)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
}

async fn owned_item(
    db: &impl ConnectionTrait,
    actor: &Actor,
    item_id: Uuid,
) -> Result<(shortlist::Model, shortlist_item::Model)> {
    let item = shortlist_item::Entity::find_by_id(item_id)
        .one(db)
        .await?
        .ok_or(Error::not_found("shortlist item"))?;
    Ok((owned(db, actor, item.shortlist_id).await?, item))
}

/// The owner changes an item's note and decision; `version` is the shortlist's.
pub async fn update_item(
    db: &DatabaseConnection,
    actor: &Actor,
    item_id: Uuid,
    version: i32,
    change: ItemChange,
) -> Result<shortlist::Model> {
    if let Some(n) = &change.note {
        validate::text("note", n, 0, 2000)?;
    }
    let reason = clean(change.reason);
    match (&change.decision, &reason) {
        (Decision::Undecided, _) => {}
        (_, None) => {
            return Err(Error::bad_input(
                "reason",
                "say why the item was chosen or rejected",
            ));
        }
        (_, Some(r)) => validate::text("reason", r, 1, 2000)?,
    }
    let tx = actor::begin(db, actor).await?;
    let (shortlist, before) = owned_item(&tx, actor, item_id).await?;
    let after_list = touch(&tx, &shortlist, version, |_| {}).await?;
    let after = shortlist_item::Model {
        note: clean(change.note),
        decision: change.decision.code().into(),
        reason: if change.decision == Decision::Undecided {
            None
        } else {
            reason
        },
        updated_at: Utc::now(),
        ..before.clone()
    };
    shortlist_item::Entity::update(shortlist_item::ActiveModel::from(after.clone()).reset_all())
        .exec(&tx)
        .await?;
    audit::record(
        &tx,
        actor,
        "shortlist.item_update",
        "shortlist",
        shortlist.id,
        Some(audit::snapshot(&before)?),
        Some(audit::snapshot(&after)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after_list)
}

/// The owner removes an item; `version` is the shortlist's.
pub async fn remove_item(
    db: &DatabaseConnection,
    actor: &Actor,
    item_id: Uuid,
    version: i32,
) -> Result<shortlist::Model> {
    let tx = actor::begin(db, actor).await?;
    let (shortlist, before) = owned_item(&tx, actor, item_id).await?;
    let after_list = touch(&tx, &shortlist, version, |_| {}).await?;
    shortlist_item::Entity::delete_by_id(item_id)
        .exec(&tx)
        .await?;
    audit::record(
        &tx,
        actor,
        "shortlist.item_remove",
        "shortlist",
        shortlist.id,
        Some(audit::snapshot(&before)?),
        None,
    )
    .await?;
    db::commit(tx).await?;
    Ok(after_list)
}

/// The products and deals the items refer to, in any status: two queries.
pub(super) async fn referenced(
    db: &impl ConnectionTrait,
    items: &[shortlist_item::Model],
) -> Result<(HashMap<Uuid, product::Model>, HashMap<Uuid, deal::Model>)> {
    let product_ids: Vec<Uuid> = items.iter().filter_map(|i| i.product_id).collect();
    let deal_ids: Vec<Uuid> = items.iter().filter_map(|i| i.deal_id).collect();
    let mut products = HashMap::new();
    if !product_ids.is_empty() {
        for p in product::Entity::find()
            .filter(product::Column::Id.is_in(product_ids))
            .all(db)
            .await?
        {
            products.insert(p.id, p);
        }
    }
    let mut deals = HashMap::new();
    if !deal_ids.is_empty() {
        for d in deal::Entity::find()
            .filter(deal::Column::Id.is_in(deal_ids))
            .all(db)
            .await?
        {
            deals.insert(d.id, d);
        }
    }
    Ok((products, deals))
}

/// The items of a shortlist the caller has read, in the order added, each marked with whether
/// it can still be bought.
pub async fn items(db: &impl ConnectionTrait, shortlist_id: Uuid) -> Result<Vec<ItemView>> {
    let items = shortlist_item::Entity::find()
        .filter(shortlist_item::Column::ShortlistId.eq(shortlist_id))
        .order_by_asc(shortlist_item::Column::Position)
        .all(db)
        .await?;
    let (product_rows, deal_rows) = referenced(db, &items).await?;
    let listed: HashSet<Uuid> = product_rows
        .values()
        .filter(|p| p.status == ProductStatus::Approved.code())
        .map(|p| p.id)
        .collect();
    let today = deals::today();
    Ok(items
        .into_iter()
        .map(|item| {
            let (availability, availability_note) = match (item.product_id, item.deal_id) {
                (Some(p), _) if listed.contains(&p) => (Availability::Available, None),
                (Some(_), _) => (
                    Availability::Withdrawn,
                    Some("the product is no longer listed".to_owned()),
                ),
                (None, Some(d)) => match deal_rows.get(&d) {
                    Some(d) if d.status == DealStatus::Published.code() && d.ends_on >= today => {
                        (Availability::Available, None)
                    }
                    // Ended by its date, or expired by an admin (which ends it that day).
                    Some(d) if d.ends_on < today || d.status == DealStatus::Archived.code() => (
                        Availability::Expired,
                        Some(format!(
                            "the deal ended on {}",
                            d.ends_on.format("%-d %B %Y")
                        )),
                    ),
                    _ => (
                        Availability::Expired,
                        Some("the deal has been withdrawn".to_owned()),
                    ),
                },
                (None, None) => (Availability::Withdrawn, None),
            };
            ItemView {
                item,
                availability,
                availability_note,
            }
        })
        .collect())
}
