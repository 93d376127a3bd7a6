//! Public reads of the deals catalogue: filters, pages and counts, one public deal, and how
//! savings read.

use chrono::NaiveDate;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::today;
use crate::entity::{deal, deal_category, deal_eligibility, lot, lot_supplier, provider};
use crate::pagination::{Cursor, Page, PageArgs, after};
use crate::vocab::{DealStatus, EstablishmentType, Phase, eligibility};
use crate::{Error, Result};

/// Filters on the public deals catalogue; all given filters must hold.
#[derive(Debug, Clone, Default)]
pub struct DealFilter {
    pub category: Option<String>,
    /// Provider short name, e.g. "CCS".
    pub provider: Option<String>,
    pub phase: Option<Phase>,
    pub org_type: Option<EstablishmentType>,
    pub active_on: Option<NaiveDate>,
    pub dfe_endorsed: Option<bool>,
    pub supplier_id: Option<Uuid>,
}

impl DealFilter {
    pub(crate) fn condition(&self, today: NaiveDate) -> Condition {
        let mut c = Condition::all()
            .add(deal::Column::Status.eq(DealStatus::Published.code()))
            .add(deal::Column::EndsOn.gte(today));
        let eligible = |kind: &str, value: &str| {
            deal::Column::Id.in_subquery(
                Query::select()
                    .column(deal_eligibility::Column::DealId)
                    .from(deal_eligibility::Entity)
                    .and_where(deal_eligibility::Column::Kind.eq(kind))
                    .and_where(deal_eligibility::Column::Value.eq(value))
                    .to_owned(),
            )
        };
        if let Some(slug) = &self.category {
            c = c.add(
                deal::Column::Id.in_subquery(
                    Query::select()
                        .column(deal_category::Column::DealId)
                        .from(deal_category::Entity)
                        .and_where(deal_category::Column::CategorySlug.eq(slug.as_str()))
                        .to_owned(),
                ),
            );
        }
        if let Some(p) = &self.provider {
            c = c.add(
                deal::Column::ProviderId.in_subquery(
                    Query::select()
                        .column(provider::Column::Id)
                        .from(provider::Entity)
                        .and_where(provider::Column::ShortName.eq(p.as_str()))
                        .to_owned(),
                ),
            );
        }
        if let Some(p) = self.phase {
            c = c.add(eligible(eligibility::PHASE, p.code()));
        }
        if let Some(t) = self.org_type {
            c = c.add(eligible(eligibility::ORG_TYPE, t.code()));
        }
        if let Some(d) = self.active_on {
            c = c
                .add(deal::Column::StartsOn.lte(d))
                .add(deal::Column::EndsOn.gte(d));
        }
        if let Some(e) = self.dfe_endorsed {
            c = c.add(deal::Column::DfeEndorsed.eq(e));
        }
        if let Some(s) = self.supplier_id {
            c = c.add(
                deal::Column::Id.in_subquery(
                    Query::select()
                        .column(lot::Column::DealId)
                        .from(lot::Entity)
                        .and_where(
                            lot::Column::Id.in_subquery(
                                Query::select()
                                    .column(lot_supplier::Column::LotId)
                                    .from(lot_supplier::Entity)
                                    .and_where(lot_supplier::Column::SupplierId.eq(s))
                                    .to_owned(),
                            ),
                        )
                        .to_owned(),
                ),
            );
        }
        c
    }
}

/// A page of public deals in title order.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &DealFilter,
    page: &PageArgs,
) -> Result<Page<deal::Model>> {
    let mut q = deal::Entity::find().filter(filter.condition(today()));
    if let Some(cursor) = &page.after {
        q = q.filter(after(deal::Column::Title, deal::Column::Id, cursor));
    }
    let rows = q
        .order_by_asc(deal::Column::Title)
        .order_by_asc(deal::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, page, |d| {
        Cursor::new(d.title.clone(), d.id)
    }))
}

pub async fn count(db: &impl ConnectionTrait, filter: &DealFilter) -> Result<u64> {
    Ok(deal::Entity::find()
        .filter(filter.condition(today()))
        .count(db)
        .await?)
}

/// A public deal, or `NOT_FOUND`.
pub async fn get_public(db: &impl ConnectionTrait, id: Uuid) -> Result<deal::Model> {
    deal::Entity::find_by_id(id)
        .filter(deal::Column::Status.eq(DealStatus::Published.code()))
        .filter(deal::Column::EndsOn.gte(today()))
        .one(db)
        .await?
        .ok_or(Error::not_found("deal"))
}

/// Typical savings as a buyer reads them, e.g. "12.5% (up to 20% on devices)".
pub fn savings_display(d: &deal::Model) -> String {
    match d.typical_savings_bps {
        Some(bps) => format!("{}% ({})", f64::from(bps) / 100.0, d.typical_savings),
        None => d.typical_savings.clone(),
    }
}
