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

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::actor::{self, Actor};
use crate::catalogue::deals;
use crate::entity::{advice_request, deal, organisation, product, shortlist, shortlist_item};
use crate::vocab::{Availability, DealStatus, Decision, ProductStatus, Role, Sharing};
use crate::{Error, Result, advice, audit, db, validate};

/// Items one shortlist may hold.
pub const MAX_ITEMS: u64 = 50;
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

fn clean(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<shortlist::Model> {
    shortlist::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::not_found("shortlist"))
}

async fn trust_of(db: &impl ConnectionTrait, org: Uuid) -> Result<Option<Uuid>> {
    Ok(organisation::Entity::find_by_id(org)
        .one(db)
        .await?
        .and_then(|o| o.trust_id))
}

/// Whether `actor` may read `s` (see the module's policy).
pub async fn can_read(
    db: &impl ConnectionTrait,
    actor: &Actor,
    s: &shortlist::Model,
) -> Result<bool> {
    if actor.user_id == s.owner_id {
        return Ok(true);
    }
    match actor.role {
        Role::Adviser | Role::Admin => Ok(s.advice_request_id.is_some()),
        Role::Supplier => Ok(false),
        Role::SchoolBuyer => {
            let Some(mine) = actor.organisation_id else {
                return Ok(false);
            };
            let sharing = Sharing::from_code(&s.sharing).unwrap_or(Sharing::Private);
            Ok(match sharing {
                Sharing::Private => false,
                Sharing::School => mine == s.school_id,
                Sharing::Trust => {
                    mine == s.school_id || {
                        let (a, b) = (trust_of(db, mine).await?, trust_of(db, s.school_id).await?);
                        a.is_some() && a == b
                    }
                }
            })
        }
    }
}

/// The shortlist if `actor` may read it.
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<shortlist::Model> {
    let s = find(db, id).await?;
    if can_read(db, actor, &s).await? {
        Ok(s)
    } else {
        Err(Error::Forbidden(
            "this shortlist is not shared with you".into(),
        ))
    }
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

/// The owner attaches it to one of the school's advice cases (or detaches it with `None`), so
/// the advisers on the case can read it.
pub async fn attach(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    advice_request_id: Option<Uuid>,
) -> Result<shortlist::Model> {
    let tx = actor::begin(db, actor).await?;
    let before = owned(&tx, actor, id).await?;
    if let Some(case) = advice_request_id {
        let r = advice_request::Entity::find_by_id(case)
            .one(&tx)
            .await?
            .filter(|r| r.school_id == before.school_id)
            .ok_or(Error::not_found("advice request"))?;
        advice::history(
            &tx,
            r.id,
            "shortlist_attached",
            Some(json!({ "shortlistId": id, "name": before.name })),
            actor,
            false,
        )
        .await?;
    }
    let after = touch(&tx, &before, version, |s| {
        s.advice_request_id = advice_request_id;
    })
    .await?;
    audit::record(
        &tx,
        actor,
        "shortlist.attach",
        "shortlist",
        id,
        Some(audit::snapshot(&before)?),
        Some(audit::snapshot(&after)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
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
async fn referenced(
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
                    Some(d) if d.ends_on < today => (
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

/// Shortlists `actor` may read: for a school buyer, their own and those their school or
/// trust shares (`owned_only` keeps their own); for advisers and admins, those attached to
/// advice cases. Most recently changed first.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    owned_only: bool,
) -> Result<Vec<shortlist::Model>> {
    let mut q = shortlist::Entity::find();
    q = match actor.role {
        Role::Supplier => {
            return Err(Error::Forbidden("shortlists belong to schools".into()));
        }
        Role::Adviser | Role::Admin if owned_only => {
            q.filter(shortlist::Column::OwnerId.eq(actor.user_id))
        }
        Role::Adviser | Role::Admin => q.filter(shortlist::Column::AdviceRequestId.is_not_null()),
        Role::SchoolBuyer if owned_only => q.filter(shortlist::Column::OwnerId.eq(actor.user_id)),
        Role::SchoolBuyer => {
            let mine = actor.school_id()?;
            let mut shared = Condition::any()
                .add(shortlist::Column::OwnerId.eq(actor.user_id))
                .add(
                    Condition::all()
                        .add(shortlist::Column::SchoolId.eq(mine))
                        .add(shortlist::Column::Sharing.ne(Sharing::Private.code())),
                );
            if let Some(trust) = trust_of(db, mine).await? {
                let schools: Vec<Uuid> = organisation::Entity::find()
                    .select_only()
                    .column(organisation::Column::Id)
                    .filter(organisation::Column::TrustId.eq(trust))
                    .into_tuple()
                    .all(db)
                    .await?;
                shared = shared.add(
                    Condition::all()
                        .add(shortlist::Column::SchoolId.is_in(schools))
                        .add(shortlist::Column::Sharing.eq(Sharing::Trust.code())),
                );
            }
            q.filter(shared)
        }
    };
    Ok(q.order_by_desc(shortlist::Column::UpdatedAt)
        .order_by_desc(shortlist::Column::Id)
        .limit(500)
        .all(db)
        .await?)
}

/// Shortlists attached to an advice case the caller may see.
pub async fn for_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    advice_request_id: Uuid,
) -> Result<Vec<shortlist::Model>> {
    let case = advice::get(db, actor, advice_request_id).await?;
    let rows = shortlist::Entity::find()
        .filter(shortlist::Column::AdviceRequestId.eq(case.id))
        .order_by_asc(shortlist::Column::CreatedAt)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for s in rows {
        if can_read(db, actor, &s).await? {
            out.push(s);
        }
    }
    Ok(out)
}

/// A shortlist as a table, for export: one row per item, values as a buyer reads them.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// The columns of [`table`].
pub const TABLE_HEADER: &[&str] = &[
    "Position",
    "Type",
    "Name",
    "Supplier or provider",
    "Price or typical savings",
    "Ends on",
    "Availability",
    "Decision",
    "Reason",
    "Note",
    "Id",
];

/// The shortlist `id` as a table, if `actor` may read it.
pub async fn table(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<Table> {
    let s = get(db, actor, id).await?;
    let items = items(db, id).await?;
    let rows: Vec<shortlist_item::Model> = items.iter().map(|v| v.item.clone()).collect();
    let (products, deals) = referenced(db, &rows).await?;
    let suppliers: Vec<Uuid> = products.values().map(|p| p.supplier_id).collect();
    let suppliers = crate::catalogue::organisations::by_ids(db, &suppliers).await?;
    let providers: Vec<Uuid> = deals.values().map(|d| d.provider_id).collect();
    let providers = deals::providers_by_id(db, &providers).await?;
    let rows = items
        .into_iter()
        .map(|v| {
            let i = &v.item;
            let (kind, party, price, ends) = match (i.product_id, i.deal_id) {
                (Some(p), _) => {
                    let p = products.get(&p);
                    (
                        "Product",
                        p.and_then(|p| suppliers.get(&p.supplier_id))
                            .map(|o| o.name.clone()),
                        p.and_then(|p| {
                            crate::vocab::PricingModel::from_code(&p.pricing_model)
                                .map(|m| m.display(p.price_pence))
                        }),
                        None,
                    )
                }
                (None, d) => {
                    let d = d.and_then(|d| deals.get(&d));
                    (
                        "Deal",
                        d.and_then(|d| providers.get(&d.provider_id))
                            .map(|p| p.name.clone()),
                        d.map(deals::savings_display),
                        d.map(|d| d.ends_on.to_string()),
                    )
                }
            };
            let decision = Decision::from_code(&i.decision).unwrap_or(Decision::Undecided);
            vec![
                i.position.to_string(),
                kind.to_owned(),
                i.title.clone(),
                party.unwrap_or_default(),
                price.unwrap_or_default(),
                ends.unwrap_or_default(),
                match v.availability_note {
                    Some(note) => format!("{}: {note}", v.availability.code()),
                    None => v.availability.code().to_owned(),
                },
                decision.code().to_owned(),
                i.reason.clone().unwrap_or_default(),
                i.note.clone().unwrap_or_default(),
                i.product_id
                    .or(i.deal_id)
                    .map(|u| u.to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    Ok(Table {
        name: s.name,
        header: TABLE_HEADER.to_vec(),
        rows,
    })
}
