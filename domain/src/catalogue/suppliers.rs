//! What many suppliers offer at once, for pages that show suppliers: the same page of each
//! supplier's public products (a window over each supplier's products) and of the public deals
//! with a lot it is on, each with its total, in a fixed number of queries however many
//! suppliers. The order and the cursors are those of [`super::products::list`] and [`deals::list`]
//! filtered by supplier.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::deals::{self, DealFilter};
use super::products::ProductFilter;
use crate::Result;
use crate::entity::{deal, lot, lot_supplier, product};
use crate::pagination::{Cursor, Page, PageArgs, after};

/// A page of a supplier's rows and how many there are across all pages.
pub type CountedPage<T> = (Page<T>, u64);

#[derive(FromQueryResult)]
struct Total {
    supplier_id: Uuid,
    total: i64,
}

/// The page `page` of each supplier's public products in name order, with its total: two
/// queries. Every supplier asked for has an entry, empty when it lists nothing.
pub async fn products_of(
    db: &impl ConnectionTrait,
    suppliers: &[Uuid],
    page: &PageArgs,
) -> Result<HashMap<Uuid, CountedPage<product::Model>>> {
    let public = || {
        product::Entity::find()
            .filter(ProductFilter::default().condition())
            .filter(product::Column::SupplierId.is_in(suppliers.iter().copied()))
    };
    let totals: HashMap<Uuid, u64> = public()
        .select_only()
        .column(product::Column::SupplierId)
        .column_as(product::Column::Id.count(), "total")
        .group_by(product::Column::SupplierId)
        .into_model::<Total>()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.supplier_id, u64::try_from(t.total).unwrap_or(0)))
        .collect();
    let mut ranked = public();
    if let Some(cursor) = &page.after {
        ranked = ranked.filter(after(product::Column::Name, product::Column::Id, cursor));
    }
    let ranked = ranked
        .column_as(
            Expr::cust("ROW_NUMBER() OVER (PARTITION BY supplier_id ORDER BY name, id)"),
            "place",
        )
        .into_query();
    let place = || Expr::col(Alias::new("place"));
    // One row more than the page, to tell whether another page follows.
    let rows_wanted = i64::try_from(page.first + 1).unwrap_or(i64::MAX);
    let query = Query::select()
        .column(Asterisk)
        .from_subquery(ranked, Alias::new("ranked"))
        .and_where(place().lte(rows_wanted))
        .order_by(Alias::new("place"), sea_orm::Order::Asc)
        .to_owned();
    let rows = product::Model::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    let mut rows_of: HashMap<Uuid, Vec<product::Model>> = HashMap::new();
    for r in rows {
        rows_of.entry(r.supplier_id).or_default().push(r);
    }
    Ok(suppliers
        .iter()
        .map(|s| {
            let rows = rows_of.remove(s).unwrap_or_default();
            let page = Page::from_rows(rows, page, |p| Cursor::new(p.name.clone(), p.id));
            (*s, (page, totals.get(s).copied().unwrap_or(0)))
        })
        .collect())
}

#[derive(FromQueryResult)]
struct OnLot {
    supplier_id: Uuid,
    deal_id: Uuid,
}

/// The page `page` of the public deals with a lot each supplier is on, in title order, with
/// its total: three queries (two with no cursor). Every supplier asked for has an entry.
pub async fn deals_of(
    db: &impl ConnectionTrait,
    suppliers: &[Uuid],
    page: &PageArgs,
) -> Result<HashMap<Uuid, CountedPage<deal::Model>>> {
    let on_lots = lot_supplier::Entity::find()
        .select_only()
        .column(lot_supplier::Column::SupplierId)
        .column(lot::Column::DealId)
        .distinct()
        .join(
            sea_orm::JoinType::InnerJoin,
            lot_supplier::Entity::belongs_to(lot::Entity)
                .from(lot_supplier::Column::LotId)
                .to(lot::Column::Id)
                .into(),
        )
        .filter(lot_supplier::Column::SupplierId.is_in(suppliers.iter().copied()))
        .into_model::<OnLot>()
        .all(db)
        .await?;
    let deal_ids: HashSet<Uuid> = on_lots.iter().map(|o| o.deal_id).collect();
    let public = || {
        deal::Entity::find()
            .filter(DealFilter::default().condition(deals::today()))
            .filter(deal::Column::Id.is_in(deal_ids.iter().copied()))
    };
    let public_ids: HashSet<Uuid> = public()
        .select_only()
        .column(deal::Column::Id)
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut listed = public();
    if let Some(cursor) = &page.after {
        listed = listed.filter(after(deal::Column::Title, deal::Column::Id, cursor));
    }
    // Public deals are a catalogue of hundreds at most: each supplier's page is taken from
    // all of them, in the database's order.
    let in_order = listed
        .order_by_asc(deal::Column::Title)
        .order_by_asc(deal::Column::Id)
        .all(db)
        .await?;
    let mut deals_of: HashMap<Uuid, HashSet<Uuid>> = HashMap::new();
    for o in on_lots {
        deals_of.entry(o.supplier_id).or_default().insert(o.deal_id);
    }
    Ok(suppliers
        .iter()
        .map(|s| {
            let theirs = deals_of.remove(s).unwrap_or_default();
            let total = theirs.iter().filter(|d| public_ids.contains(d)).count();
            let rows = in_order
                .iter()
                .filter(|d| theirs.contains(&d.id))
                .take(usize::try_from(page.first + 1).unwrap_or(usize::MAX))
                .cloned()
                .collect();
            let page = Page::from_rows(rows, page, |d| Cursor::new(d.title.clone(), d.id));
            (*s, (page, total as u64))
        })
        .collect())
}
