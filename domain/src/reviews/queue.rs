//! The moderation queue: flagged reviews for admins. One entry per review while it has open
//! flags, and one per decision that resolved flags, each with its reasons counted and its first
//! and last flag times.
//!
//! Policy:
//! - Admins only (`FORBIDDEN` for everyone else).
//! - A page costs a fixed number of queries whatever its size: the grouped flags, then their
//!   reviews, products, reasons and decisions.
//! - Pages are keyset pages over the entries' figures (flag count, first flag time) and the
//!   entry's own id (the review while open, the decision once resolved), so entries neither
//!   repeat nor go missing between pages.
//! - Reasons that differ only in letter case count as one.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use super::{HIDDEN, PUBLISHED};
use crate::actor::Actor;
use crate::entity::{product, review, review_flag, review_moderation};
use crate::pagination::{Cursor, Page, PageArgs};
use crate::vocab::{FlagStatus, FlaggedReviewOrder, ModerationAction, Role};
use crate::{Error, Result};

/// Most flags a `minFlags` filter may ask for.
const MAX_MIN_FLAGS: i32 = 1_000;

/// Filters of the moderation queue; all given must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagFilter {
    /// Open flags (the default) or resolved ones.
    pub status: FlagStatus,
    pub product_id: Option<Uuid>,
    /// The supplier of the reviewed product.
    pub supplier_id: Option<Uuid>,
    /// At least this many flags, 1 or more.
    pub min_flags: i32,
    /// The review's visibility now: published (true) or hidden (false).
    pub published: Option<bool>,
    /// Only flags resolved by this decision (resolved flags only).
    pub resolution: Option<ModerationAction>,
}

impl Default for FlagFilter {
    fn default() -> Self {
        FlagFilter {
            status: FlagStatus::Open,
            product_id: None,
            supplier_id: None,
            min_flags: 1,
            published: None,
            resolution: None,
        }
    }
}

impl FlagFilter {
    /// Checks the filter, and that `order` applies to it; each refusal names its argument.
    pub fn check(&self, order: FlaggedReviewOrder) -> Result<()> {
        if !(1..=MAX_MIN_FLAGS).contains(&self.min_flags) {
            return Err(Error::bad_input(
                "filter.minFlags",
                format!("`filter.minFlags` must be 1 to {MAX_MIN_FLAGS}"),
            ));
        }
        if self.status == FlagStatus::Open {
            if self.resolution.is_some() {
                return Err(Error::bad_input(
                    "filter.resolution",
                    "`filter.resolution` needs `filter.status: RESOLVED`: open flags have no \
                     resolution yet",
                ));
            }
            if order == FlaggedReviewOrder::RecentlyResolved {
                return Err(Error::bad_input(
                    "order",
                    "`RECENTLY_RESOLVED` orders resolved flags: ask with `filter.status: RESOLVED`",
                ));
            }
        }
        Ok(())
    }
}

/// A reason given for flags, and how many flags gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonCount {
    pub reason: String,
    pub count: u64,
}

/// One entry of the queue: a review with its open flags, or with the flags one decision
/// resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct FlaggedReview {
    /// The review as it is now.
    pub review: review::Model,
    /// The reviewed product, whatever its status.
    pub product: product::Model,
    pub flag_count: u64,
    /// Most given first.
    pub reasons: Vec<ReasonCount>,
    pub first_flagged_at: DateTime<Utc>,
    pub last_flagged_at: DateTime<Utc>,
    /// The decision that resolved the flags; none while they are open.
    pub moderation: Option<review_moderation::Model>,
}

/// The flags of one entry, counted.
#[derive(Debug, Clone, FromQueryResult)]
struct Group {
    review_id: Uuid,
    moderation_id: Option<Uuid>,
    flag_count: i64,
    first_flagged_at: DateTime<Utc>,
    last_flagged_at: DateTime<Utc>,
}

impl Group {
    /// The entry's own id: its decision once resolved, its review while open.
    fn id(&self) -> Uuid {
        self.moderation_id.unwrap_or(self.review_id)
    }
}

fn flag_count() -> Expr {
    Expr::cust("COUNT(*)")
}

fn first_flagged_at() -> Expr {
    Expr::col(review_flag::Column::CreatedAt).min()
}

/// The flags matching `filter`, one row per entry.
fn grouped(filter: &FlagFilter) -> Select<review_flag::Entity> {
    use review_flag::Column as F;
    let mut c = Condition::all().add(match filter.status {
        FlagStatus::Open => F::ModerationId.is_null(),
        FlagStatus::Resolved => F::ModerationId.is_not_null(),
    });
    if filter.product_id.is_some() || filter.supplier_id.is_some() || filter.published.is_some() {
        let mut reviews = Query::select()
            .column(review::Column::Id)
            .from(review::Entity)
            .to_owned();
        if let Some(p) = filter.product_id {
            reviews.and_where(review::Column::ProductId.eq(p));
        }
        if let Some(s) = filter.supplier_id {
            reviews.and_where(
                review::Column::ProductId.in_subquery(
                    Query::select()
                        .column(product::Column::Id)
                        .from(product::Entity)
                        .and_where(product::Column::SupplierId.eq(s))
                        .to_owned(),
                ),
            );
        }
        if let Some(p) = filter.published {
            reviews.and_where(review::Column::Status.eq(if p { PUBLISHED } else { HIDDEN }));
        }
        c = c.add(F::ReviewId.in_subquery(reviews));
    }
    if let Some(a) = filter.resolution {
        c = c.add(
            F::ModerationId.in_subquery(
                Query::select()
                    .column(review_moderation::Column::Id)
                    .from(review_moderation::Entity)
                    .and_where(review_moderation::Column::Action.eq(a.code()))
                    .to_owned(),
            ),
        );
    }
    review_flag::Entity::find()
        .select_only()
        .column(F::ReviewId)
        .column(F::ModerationId)
        .column_as(flag_count(), "flag_count")
        .column_as(first_flagged_at(), "first_flagged_at")
        .column_as(Expr::col(F::CreatedAt).max(), "last_flagged_at")
        .filter(c)
        .group_by(F::ReviewId)
        .group_by(F::ModerationId)
        .having(flag_count().gte(i64::from(filter.min_flags)))
}

/// The column holding an entry's own id.
fn entry_id(status: FlagStatus) -> review_flag::Column {
    match status {
        FlagStatus::Open => review_flag::Column::ReviewId,
        FlagStatus::Resolved => review_flag::Column::ModerationId,
    }
}

fn time_key(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// The cursor of an entry in `order`.
fn cursor(order: FlaggedReviewOrder, g: &Group) -> Cursor {
    let key = match order {
        FlaggedReviewOrder::MostFlags => {
            format!("{}|{}", g.flag_count, time_key(g.first_flagged_at))
        }
        FlaggedReviewOrder::OldestFirst => time_key(g.first_flagged_at),
        FlaggedReviewOrder::RecentlyResolved => String::new(),
    };
    Cursor::new(key, g.id())
}

/// The entries after `cursor` in `order`, as a HAVING condition over the aggregates.
fn after(order: FlaggedReviewOrder, status: FlagStatus, cursor: &Cursor) -> Result<Condition> {
    let malformed = || Error::bad_input("after", "`after` is not a cursor of this queue's order");
    let time = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| malformed())
    };
    let id = entry_id(status);
    // (first flag time, id) after the cursor's.
    let later = |t: DateTime<Utc>| {
        Condition::any().add(first_flagged_at().gt(t)).add(
            Condition::all()
                .add(first_flagged_at().eq(t))
                .add(id.gt(cursor.id)),
        )
    };
    Ok(match order {
        FlaggedReviewOrder::MostFlags => {
            let (n, t) = cursor.key.split_once('|').ok_or_else(malformed)?;
            let n: i64 = n.parse().map_err(|_| malformed())?;
            Condition::any().add(flag_count().lt(n)).add(
                Condition::all()
                    .add(flag_count().eq(n))
                    .add(later(time(t)?)),
            )
        }
        FlaggedReviewOrder::OldestFirst => later(time(&cursor.key)?),
        // Decision ids are UUIDv7: their order is the order decisions were made.
        FlaggedReviewOrder::RecentlyResolved => {
            Condition::all().add(review_flag::Column::ModerationId.lt(cursor.id))
        }
    })
}

/// A page of the queue (admins only).
pub async fn flagged(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &FlagFilter,
    order: FlaggedReviewOrder,
    page: &PageArgs,
) -> Result<Page<FlaggedReview>> {
    actor.require(&[Role::Admin])?;
    filter.check(order)?;
    let mut q = grouped(filter);
    if let Some(c) = &page.after {
        q = q.having(after(order, filter.status, c)?);
    }
    let id = entry_id(filter.status);
    q = match order {
        FlaggedReviewOrder::MostFlags => q
            .order_by(flag_count(), sea_orm::Order::Desc)
            .order_by(first_flagged_at(), sea_orm::Order::Asc)
            .order_by_asc(id),
        FlaggedReviewOrder::OldestFirst => q
            .order_by(first_flagged_at(), sea_orm::Order::Asc)
            .order_by_asc(id),
        FlaggedReviewOrder::RecentlyResolved => q.order_by_desc(id),
    };
    let groups = q
        .limit(page.first + 1)
        .into_model::<Group>()
        .all(db)
        .await?;
    let page = Page::from_rows(groups, page, |g| cursor(order, g));
    let groups: Vec<Group> = page.items.iter().map(|(_, g)| g.clone()).collect();
    let mut entries = entries(db, &groups).await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .filter_map(|(c, g)| {
                entries
                    .remove(&(g.review_id, g.moderation_id))
                    .map(|e| (c, e))
            })
            .collect(),
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
    })
}

/// How many entries match `filter`, across pages.
pub async fn count_flagged(db: &impl ConnectionTrait, filter: &FlagFilter) -> Result<u64> {
    #[derive(FromQueryResult)]
    struct Total {
        total: i64,
    }
    let total = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("total"))
        .from_subquery(grouped(filter).into_query(), Alias::new("entries"))
        .to_owned();
    let row = Total::find_by_statement(db.get_database_backend().build(&total))
        .one(db)
        .await?;
    Ok(row.map_or(0, |r| u64::try_from(r.total).unwrap_or(0)))
}

/// The entry of the flags `moderation` resolved on `review`, read in the caller's transaction.
pub(super) async fn resolved_entry(
    tx: &impl ConnectionTrait,
    review_id: Uuid,
    moderation_id: Uuid,
) -> Result<FlaggedReview> {
    let filter = FlagFilter {
        status: FlagStatus::Resolved,
        ..FlagFilter::default()
    };
    let groups = grouped(&filter)
        .filter(review_flag::Column::ModerationId.eq(moderation_id))
        .into_model::<Group>()
        .all(tx)
        .await?;
    entries(tx, &groups)
        .await?
        .remove(&(review_id, Some(moderation_id)))
        .ok_or(Error::not_found("review flags"))
}

#[derive(FromQueryResult)]
struct Reason {
    review_id: Uuid,
    moderation_id: Option<Uuid>,
    reason: String,
    n: i64,
}

/// The entries of `groups`, by (review, decision): four queries for all.
async fn entries(
    db: &impl ConnectionTrait,
    groups: &[Group],
) -> Result<HashMap<(Uuid, Option<Uuid>), FlaggedReview>> {
    use review_flag::Column as F;
    if groups.is_empty() {
        return Ok(HashMap::new());
    }
    let review_ids: Vec<Uuid> = groups.iter().map(|g| g.review_id).collect();
    let moderation_ids: Vec<Uuid> = groups.iter().filter_map(|g| g.moderation_id).collect();
    let reviews: HashMap<Uuid, review::Model> = review::Entity::find()
        .filter(review::Column::Id.is_in(review_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let products: HashMap<Uuid, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(reviews.values().map(|r| r.product_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut moderations: HashMap<Uuid, review_moderation::Model> =
        review_moderation::Entity::find()
            .filter(review_moderation::Column::Id.is_in(moderation_ids.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
    let open: Vec<Uuid> = groups
        .iter()
        .filter(|g| g.moderation_id.is_none())
        .map(|g| g.review_id)
        .collect();
    let lowered = Expr::cust("LOWER(reason)");
    let reasons = review_flag::Entity::find()
        .select_only()
        .column(F::ReviewId)
        .column(F::ModerationId)
        .column_as(Expr::col(F::Reason).min(), "reason")
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(F::ModerationId.is_null())
                        .add(F::ReviewId.is_in(open)),
                )
                .add(F::ModerationId.is_in(moderation_ids)),
        )
        .group_by(F::ReviewId)
        .group_by(F::ModerationId)
        .group_by(lowered)
        .into_model::<Reason>()
        .all(db)
        .await?;
    let mut by_entry: HashMap<(Uuid, Option<Uuid>), Vec<ReasonCount>> = HashMap::new();
    for r in reasons {
        by_entry
            .entry((r.review_id, r.moderation_id))
            .or_default()
            .push(ReasonCount {
                reason: r.reason,
                count: u64::try_from(r.n).unwrap_or(0),
            });
    }
    let mut out = HashMap::with_capacity(groups.len());
    for g in groups {
        let key = (g.review_id, g.moderation_id);
        let Some(review) = reviews.get(&g.review_id) else {
            continue;
        };
        let product = products
            .get(&review.product_id)
            .cloned()
            .ok_or_else(|| Error::Internal(format!("review {} has no product", review.id)))?;
        let mut reasons = by_entry.remove(&key).unwrap_or_default();
        reasons.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
        out.insert(
            key,
            FlaggedReview {
                review: review.clone(),
                product,
                flag_count: u64::try_from(g.flag_count).unwrap_or(0),
                reasons,
                first_flagged_at: g.first_flagged_at,
                last_flagged_at: g.last_flagged_at,
                moderation: g.moderation_id.and_then(|m| moderations.remove(&m)),
            },
        );
    }
    Ok(out)
}
