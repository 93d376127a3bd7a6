//! Reviews of many products at once, for pages of products: the same page of each product's
//! published reviews in one query (a window over each product's reviews), their totals in
//! another, and the revisions of many reviews in one.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use super::PUBLISHED;
use crate::entity::{review, review_revision};
use crate::vocab::{Phase, ReviewSort};
use crate::{Error, Result};

/// Most reviews on a page, and most skipped.
pub const MAX_FIRST: i32 = 50;
pub const MAX_OFFSET: i32 = 10_000;

/// Which page of each product's reviews: the filter, the order and the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReviewPageArgs {
    pub verified_only: bool,
    pub phase: Option<Phase>,
    pub sort: ReviewSort,
    pub first: u64,
    pub offset: u64,
}

impl ReviewPageArgs {
    /// A page as a client asks for it: `first` 1 to 50 (default 10), `offset` 0 to 10,000.
    pub fn new(
        verified_only: bool,
        phase: Option<Phase>,
        sort: ReviewSort,
        first: Option<i32>,
        offset: Option<i32>,
    ) -> Result<Self> {
        let first = first.unwrap_or(10);
        if !(1..=MAX_FIRST).contains(&first) {
            return Err(Error::bad_input(
                "first",
                format!("`first` must be 1 to {MAX_FIRST}"),
            ));
        }
        let offset = offset.unwrap_or(0);
        if !(0..=MAX_OFFSET).contains(&offset) {
            return Err(Error::bad_input(
                "offset",
                format!("`offset` must be 0 to {MAX_OFFSET}"),
            ));
        }
        Ok(ReviewPageArgs {
            verified_only,
            phase,
            sort,
            first: first as u64,
            offset: offset as u64,
        })
    }
}

fn published(product_ids: &[Uuid], args: &ReviewPageArgs) -> Select<review::Entity> {
    let mut q = review::Entity::find()
        .filter(review::Column::ProductId.is_in(product_ids.iter().copied()))
        .filter(review::Column::Status.eq(PUBLISHED));
    if args.verified_only {
        q = q.filter(review::Column::VerifiedUse.eq(true));
    }
    if let Some(p) = args.phase {
        q = q.filter(review::Column::Phase.eq(p.code()));
    }
    q
}

/// The order of `sort` within each product's reviews (ties by id).
fn order_by(sort: ReviewSort) -> &'static str {
    match sort {
        ReviewSort::Newest => "created_at DESC, id ASC",
        ReviewSort::MostHelpful => "helpful_count DESC, created_at DESC, id ASC",
        ReviewSort::HighestRating => "rating DESC, created_at DESC, id ASC",
        ReviewSort::LowestRating => "rating ASC, created_at DESC, id ASC",
    }
}

#[derive(FromQueryResult)]
struct Total {
    product_id: Uuid,
    total: i64,
}

/// The page `args` of each product's published reviews with how many match: two queries
/// however many products.
pub async fn list_for_products(
    db: &impl ConnectionTrait,
    product_ids: &[Uuid],
    args: &ReviewPageArgs,
) -> Result<HashMap<Uuid, (Vec<review::Model>, u64)>> {
    let mut out: HashMap<Uuid, (Vec<review::Model>, u64)> = HashMap::new();
    if product_ids.is_empty() {
        return Ok(out);
    }
    let totals = published(product_ids, args)
        .select_only()
        .column(review::Column::ProductId)
        .column_as(review::Column::Id.count(), "total")
        .group_by(review::Column::ProductId)
        .into_model::<Total>()
        .all(db)
        .await?;
    for t in totals {
        out.entry(t.product_id).or_default().1 = u64::try_from(t.total).unwrap_or(0);
    }
    let ranked = published(product_ids, args)
        .column_as(
            Expr::cust(format!(
                "ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY {})",
                order_by(args.sort)
            )),
            "place",
        )
        .into_query();
    let place = || Expr::col(Alias::new("place"));
    let page = Query::select()
        .column(Asterisk)
        .from_subquery(ranked, Alias::new("ranked"))
        .and_where(place().gt(i64::try_from(args.offset).unwrap_or(i64::MAX)))
        .and_where(place().lte(i64::try_from(args.offset + args.first).unwrap_or(i64::MAX)))
        .order_by(Alias::new("place"), sea_orm::Order::Asc)
        .to_owned();
    let rows = review::Model::find_by_statement(db.get_database_backend().build(&page))
        .all(db)
        .await?;
    for r in rows {
        out.entry(r.product_id).or_default().0.push(r);
    }
    Ok(out)
}

/// The earlier versions of each review, oldest first: one query for all.
pub async fn revisions_of(
    db: &impl ConnectionTrait,
    review_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<review_revision::Model>>> {
    let rows = review_revision::Entity::find()
        .filter(review_revision::Column::ReviewId.is_in(review_ids.iter().copied()))
        .order_by_asc(review_revision::Column::Version)
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<review_revision::Model>> = HashMap::new();
    for r in rows {
        out.entry(r.review_id).or_default().push(r);
    }
    Ok(out)
}
