//! Names a buyer may be typing: public products' names, current deals' titles, the suppliers
//! of public products and the categories, read for typeahead (`becta_indexer::suggest`).
//!
//! Policy: read in a few whole-table queries when the catalogue changed (the search outbox's
//! newest row tells); what a suggestion names is checked against the database again when it
//! is shown, as search hits are.

use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::Result;
use crate::catalogue::deals;
use crate::entity::{category, deal, organisation, product, search_outbox};
use crate::vocab::{DealStatus, OrgKind, ProductStatus, SuggestionKind};

/// One name with what it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub text: String,
    pub kind: SuggestionKind,
    /// The product's, deal's or supplier's id, or the category's slug.
    pub id: String,
}

/// Every name typeahead may suggest, in no particular order.
pub async fn suggestable(db: &impl ConnectionTrait) -> Result<Vec<Named>> {
    let approved = ProductStatus::Approved.code();
    let products: Vec<(Uuid, String)> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .column(product::Column::Name)
        .filter(product::Column::Status.eq(approved))
        .into_tuple()
        .all(db)
        .await?;
    let deals: Vec<(Uuid, String)> = deal::Entity::find()
        .select_only()
        .column(deal::Column::Id)
        .column(deal::Column::Title)
        .filter(deal::Column::Status.eq(DealStatus::Published.code()))
        .filter(deal::Column::EndsOn.gte(deals::today()))
        .into_tuple()
        .all(db)
        .await?;
    let suppliers: Vec<(Uuid, String)> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .column(organisation::Column::Name)
        .filter(organisation::Column::Kind.eq(OrgKind::Supplier.code()))
        .filter(
            organisation::Column::Id.in_subquery(
                Query::select()
                    .column(product::Column::SupplierId)
                    .from(product::Entity)
                    .and_where(product::Column::Status.eq(approved))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(db)
        .await?;
    let categories: Vec<(String, String)> = category::Entity::find()
        .select_only()
        .column(category::Column::Slug)
        .column(category::Column::Name)
        .into_tuple()
        .all(db)
        .await?;
    let uuid_named = |kind| {
        move |(id, text): (Uuid, String)| Named {
            text,
            kind,
            id: id.to_string(),
        }
    };
    Ok(products
        .into_iter()
        .map(uuid_named(SuggestionKind::Product))
        .chain(deals.into_iter().map(uuid_named(SuggestionKind::Deal)))
        .chain(
            suppliers
                .into_iter()
                .map(uuid_named(SuggestionKind::Supplier)),
        )
        .chain(categories.into_iter().map(|(id, text)| Named {
            text,
            kind: SuggestionKind::Category,
            id,
        }))
        .collect())
}

/// A mark that changes whenever the catalogue's public records may have changed: every such
/// change writes a search outbox row in its transaction. The newest row's id and time (an id
/// alone could be reused after old rows are purged).
pub async fn catalogue_mark(db: &impl ConnectionTrait) -> Result<(Option<i64>, Option<String>)> {
    let row: Option<(Option<i64>, Option<String>)> = search_outbox::Entity::find()
        .select_only()
        .expr(Func::max(Expr::col(search_outbox::Column::Id)))
        .expr(Func::max(Expr::col(search_outbox::Column::CreatedAt)).cast_as("TEXT"))
        .into_tuple()
        .one(db)
        .await?;
    Ok(row.unwrap_or((None, None)))
}
