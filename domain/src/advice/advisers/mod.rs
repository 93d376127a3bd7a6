//! The adviser directory: advisers as people that admins manage (name, email, specialisms by
//! category and region, capacity), their open caseloads, and whether one may take a case.
//!
//! Policy:
//! - One identity per adviser: a directory entry is the adviser's `users` row (name, email,
//!   role ADVISER) and a profile keyed by the same id. An adviser created here may be assigned
//!   cases at once, before they ever sign in; a token whose subject is their id acts as them,
//!   and signing in never renames them (`actor::begin`). Someone who already signs in as an
//!   adviser joins the directory under their existing id (`user_id` on create).
//! - Admins create, update and (de)activate advisers; admins and advisers read the directory.
//! - Emails are trimmed, lower-cased and unique among users: a duplicate is `CONFLICT` naming
//!   `email`. Specialisms are categories that exist (deal or product scope) and regions of
//!   England. Capacity is the most open (not closed) cases an adviser takes, 1 to 200.
//! - A case goes only to an active adviser in the directory. One at capacity takes it only
//!   when the assigner says so (`over_capacity`); otherwise it is `CONFLICT` naming
//!   `adviserId`. Deactivating leaves an adviser's cases with them, takes them out of
//!   assignment and suggestions, and does not stop their token (the identity provider does).
//!
//! Reading the directory and caseloads, and checking an assignment, are here; adding,
//! changing and (de)activating advisers are in `entries`.

mod entries;

pub use entries::{AdviserProfile, create, insert, set_active, update};

use std::collections::HashMap;

use sea_orm::sea_query::{LockType, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, RelationDef,
};
use uuid::Uuid;

use crate::actor::Actor;
use crate::catalogue::categories_by_owner;
use crate::entity::{advice_request, adviser, adviser_category, adviser_region, category, user};
use crate::pagination::{self, Cursor, Page, PageArgs};
use crate::vocab::{AdviceStatus, Region, Role};
use crate::{Error, Result, db};

/// A directory entry (or, for a case assigned before the directory existed, an adviser's
/// user row without a profile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdviserRecord {
    pub user: user::Model,
    pub profile: Option<adviser::Model>,
}

impl AdviserRecord {
    pub fn id(&self) -> Uuid {
        self.user.id
    }

    pub fn name(&self) -> &str {
        &self.user.display_name
    }

    /// The adviser's email; none for a placeholder the service wrote for a signed-in user.
    pub fn email(&self) -> Option<&str> {
        Some(self.user.email.as_str()).filter(|e| !e.ends_with(".invalid"))
    }

    pub fn is_active(&self) -> bool {
        self.profile.as_ref().is_some_and(|p| p.active)
    }
}

/// What an adviser specialises in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Specialisms {
    /// In display order.
    pub categories: Vec<category::Model>,
    pub regions: Vec<Region>,
}

/// Filters of the directory; all given must hold.
#[derive(Debug, Clone, Default)]
pub struct AdviserFilter {
    /// Specialises in this category.
    pub category: Option<String>,
    /// Covers this region.
    pub region: Option<Region>,
    pub active: Option<bool>,
}

/// Users with their profile, one query: `inner` keeps only directory entries.
fn with_profiles(inner: bool) -> sea_orm::SelectTwo<user::Entity, adviser::Entity> {
    let profile: RelationDef = adviser::Entity::belongs_to(user::Entity)
        .from(adviser::Column::UserId)
        .to(user::Column::Id)
        .into();
    let join = if inner {
        JoinType::InnerJoin
    } else {
        JoinType::LeftJoin
    };
    user::Entity::find()
        .select_also(adviser::Entity)
        .join_rev(join, profile)
}

/// Advisers by id (assignees of cases), with their profiles: one query. Callers decide who
/// may see what of them.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, AdviserRecord>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(with_profiles(false)
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|(user, profile)| (user.id, AdviserRecord { user, profile }))
        .collect())
}

/// Every active adviser in the directory, by name.
pub(super) async fn active(db: &impl ConnectionTrait) -> Result<Vec<AdviserRecord>> {
    Ok(with_profiles(true)
        .filter(adviser::Column::Active.eq(true))
        .order_by_asc(user::Column::DisplayName)
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|(user, profile)| AdviserRecord { user, profile })
        .collect())
}

/// The specialisms of each adviser: two queries for all of them.
pub async fn specialisms_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Specialisms>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let categories = categories_by_owner::<adviser_category::Entity>(
        db,
        adviser_category::Column::AdviserId,
        adviser_category::Column::CategorySlug,
        ids,
    )
    .await?;
    let regions = adviser_region::Entity::find()
        .filter(adviser_region::Column::AdviserId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Specialisms> = HashMap::new();
    for (id, cats) in categories {
        out.entry(id).or_default().categories = cats;
    }
    for r in regions {
        let region = Region::from_code(&r.region)
            .ok_or_else(|| Error::Internal(format!("unknown region {:?}", r.region)))?;
        out.entry(r.adviser_id).or_default().regions.push(region);
    }
    for s in out.values_mut() {
        s.regions.sort();
    }
    Ok(out)
}

/// How many open (not closed) cases each adviser has: one query for all of them.
pub async fn open_caseloads(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashMap<Uuid, u64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    use advice_request::Column as C;
    let rows: Vec<(Option<Uuid>, i64)> = advice_request::Entity::find()
        .select_only()
        .column(C::AssigneeId)
        .column_as(C::Id.count(), "open")
        .filter(C::AssigneeId.is_in(ids.iter().copied()))
        .filter(C::Status.ne(AdviceStatus::Closed.code()))
        .group_by(C::AssigneeId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| Some((id?, u64::try_from(n).unwrap_or(0))))
        .collect())
}

/// A page of the directory, by name (admins and advisers).
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &AdviserFilter,
    page: &PageArgs,
) -> Result<Page<AdviserRecord>> {
    actor.require(&[Role::Adviser, Role::Admin])?;
    let mut q = with_profiles(true);
    if let Some(active) = filter.active {
        q = q.filter(adviser::Column::Active.eq(active));
    }
    if let Some(slug) = &filter.category {
        q = q.filter(
            adviser::Column::UserId.in_subquery(
                Query::select()
                    .column(adviser_category::Column::AdviserId)
                    .from(adviser_category::Entity)
                    .and_where(adviser_category::Column::CategorySlug.eq(slug.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(region) = filter.region {
        q = q.filter(
            adviser::Column::UserId.in_subquery(
                Query::select()
                    .column(adviser_region::Column::AdviserId)
                    .from(adviser_region::Entity)
                    .and_where(adviser_region::Column::Region.eq(region.code()))
                    .to_owned(),
            ),
        );
    }
    if let Some(after) = &page.after {
        q = q.filter(pagination::after(
            user::Column::DisplayName,
            user::Column::Id,
            after,
        ));
    }
    let rows = q
        .order_by_asc(user::Column::DisplayName)
        .order_by_asc(user::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?
        .into_iter()
        .map(|(user, profile)| AdviserRecord { user, profile })
        .collect();
    Ok(Page::from_rows(rows, page, |r| {
        Cursor::new(r.user.display_name.clone(), r.user.id)
    }))
}

/// The entry `id` as it stands in the caller's transaction.
async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<AdviserRecord> {
    let mut q = with_profiles(true).filter(user::Column::Id.eq(id));
    if db::is_postgres(db) {
        // The profile row is the adviser's lock: assignments count their caseload under it.
        // Only the profile: every write of a user takes their own user row first.
        QueryTrait::query(&mut q).lock_with_tables(LockType::Update, [adviser::Entity]);
    }
    q.one(db)
        .await?
        .map(|(user, profile)| AdviserRecord { user, profile })
        .ok_or(Error::not_found("adviser"))
}

/// The adviser a case goes to, and whether it takes them past their capacity.
#[derive(Debug, Clone)]
pub(crate) struct Taker {
    pub adviser: AdviserRecord,
    pub over_capacity: bool,
}

/// The adviser a case is to go to, locked for the rest of the transaction: an active adviser
/// in the directory (`BAD_USER_INPUT` naming `adviserId` otherwise) with room for one more
/// open case, unless `over_capacity` (`CONFLICT` naming `adviserId` otherwise). `case` is the
/// case being assigned: a case already theirs takes no more room.
pub(super) async fn take_case(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    adviser_id: Uuid,
    case: &advice_request::Model,
    over_capacity: bool,
) -> Result<Taker> {
    let oneself = adviser_id == actor.user_id;
    let found = match find(tx, adviser_id).await {
        Err(Error::NotFound { .. }) => None,
        other => Some(other?),
    };
    let Some(adviser) = found else {
        return Err(Error::bad_input(
            "adviserId",
            if oneself {
                "you are not in the adviser directory: an admin adds you with `createAdviser` \
                 (giving your user id as `userId`)"
            } else {
                "no adviser in the directory has this id (see `advisers`)"
            },
        ));
    };
    let Some(profile) = adviser.profile.clone().filter(|p| p.active) else {
        return Err(Error::bad_input(
            "adviserId",
            format!(
                "{} is inactive in the adviser directory: choose an active adviser (see \
                 `suggestedAdvisers`)",
                adviser.name()
            ),
        ));
    };
    if case.assignee_id == Some(adviser_id) {
        return Ok(Taker {
            adviser,
            over_capacity: false,
        });
    }
    let open = open_caseloads(tx, &[adviser_id])
        .await?
        .remove(&adviser_id)
        .unwrap_or(0);
    let full = open >= u64::try_from(profile.capacity).unwrap_or(0);
    if full && !over_capacity {
        return Err(Error::conflict_on(
            "adviserId",
            format!(
                "{} is at capacity ({open} open cases of {}): choose another adviser (see \
                 `suggestedAdvisers`), or pass `overCapacity: true` to assign anyway",
                adviser.name(),
                profile.capacity
            ),
        ));
    }
    Ok(Taker {
        adviser,
        over_capacity: full,
    })
}
