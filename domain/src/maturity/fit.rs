//! What of the catalogue fits one school, for the recommendations of its plan: current
//! endorsed deals it is eligible for, approved products covering its phase, and open trial
//! offers of those products it may borrow.

use std::collections::HashSet;

use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::content::Recommendation;
use super::plan::Triggered;
use crate::catalogue::{deals, products};
use crate::entity::{
    deal, deal_category, organisation, product, product_category, product_facet, trial_offer,
};
use crate::vocab::{DealStatus, EstablishmentType, Phase, ProductStatus, facet};
use crate::{Result, lending};
use uuid::Uuid;

/// How many deals, products and trial offers one recommendation lists at most.
pub const LINKS_PER_RECOMMENDATION: usize = 10;

/// True when a school with `value` may use something restricted to `allowed` (empty: all).
fn allowed<T: PartialEq>(allowed: &[T], value: Option<T>) -> bool {
    allowed.is_empty() || value.is_some_and(|v| allowed.contains(&v))
}

fn json_allows(list: &serde_json::Value, code: Option<&str>) -> bool {
    match list.as_array() {
        Some(values) if !values.is_empty() => {
            code.is_some_and(|c| values.iter().any(|v| v.as_str() == Some(c)))
        }
        _ => true,
    }
}

/// The catalogue that fits one school, for the categories and deals a plan links to.
pub(crate) struct Fit {
    deals: Vec<(deal::Model, Vec<String>)>,
    products: Vec<(product::Model, Vec<String>)>,
    offers: Vec<trial_offer::Model>,
}

impl Fit {
    pub(crate) async fn of(
        db: &impl ConnectionTrait,
        school: &organisation::Model,
        found: &[Triggered],
    ) -> Result<Fit> {
        let mut refs = HashSet::new();
        let mut deal_cats = HashSet::new();
        let mut product_cats = HashSet::new();
        for t in found {
            refs.extend(t.recommendation.deals.iter().cloned());
            deal_cats.extend(t.recommendation.deal_categories.iter().cloned());
            product_cats.extend(t.recommendation.product_categories.iter().cloned());
        }
        let phase = school.phase.as_deref().and_then(Phase::from_code);
        let kind = school
            .establishment_type
            .as_deref()
            .and_then(EstablishmentType::from_code);
        let today = deals::today();
        let mut fit = Fit {
            deals: vec![],
            products: vec![],
            offers: vec![],
        };
        if !refs.is_empty() || !deal_cats.is_empty() {
            let rows = deal::Entity::find()
                .filter(deal::Column::Status.eq(DealStatus::Published.code()))
                .filter(deal::Column::DfeEndorsed.eq(true))
                .filter(deal::Column::StartsOn.lte(today))
                .filter(deal::Column::EndsOn.gte(today))
                .filter(
                    Condition::any()
                        .add(deal::Column::Reference.is_in(refs.iter().cloned()))
                        .add(
                            deal::Column::Id.in_subquery(
                                Query::select()
                                    .column(deal_category::Column::DealId)
                                    .from(deal_category::Entity)
                                    .and_where(
                                        deal_category::Column::CategorySlug
                                            .is_in(deal_cats.iter().cloned()),
                                    )
                                    .to_owned(),
                            ),
                        ),
                )
                .order_by_asc(deal::Column::Title)
                .order_by_asc(deal::Column::Id)
                .all(db)
                .await?;
            let ids: Vec<Uuid> = rows.iter().map(|d| d.id).collect();
            let eligibility = deals::eligibility_of(db, &ids).await?;
            let mut categories = deals::categories_of(db, &ids).await?;
            for d in rows {
                let e = eligibility.get(&d.id).cloned().unwrap_or_default();
                if allowed(&e.phases, phase) && allowed(&e.org_types, kind) {
                    let cats = categories
                        .remove(&d.id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|c| c.slug)
                        .collect();
                    fit.deals.push((d, cats));
                }
            }
        }
        if !product_cats.is_empty() {
            let mut q = product::Entity::find()
                .filter(product::Column::Status.eq(ProductStatus::Approved.code()))
                .filter(
                    product::Column::Id.in_subquery(
                        Query::select()
                            .column(product_category::Column::ProductId)
                            .from(product_category::Entity)
                            .and_where(
                                product_category::Column::CategorySlug
                                    .is_in(product_cats.iter().cloned()),
                            )
                            .to_owned(),
                    ),
                );
            if let Some(p) = phase {
                q = q.filter(
                    product::Column::Id.in_subquery(
                        Query::select()
                            .column(product_facet::Column::ProductId)
                            .from(product_facet::Entity)
                            .and_where(product_facet::Column::Facet.eq(facet::KEY_STAGE))
                            .and_where(
                                product_facet::Column::Value
                                    .is_in(p.key_stages().iter().map(|k| k.code())),
                            )
                            .to_owned(),
                    ),
                );
            }
            let rows = q
                .order_by_asc(product::Column::Name)
                .order_by_asc(product::Column::Id)
                .all(db)
                .await?;
            let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
            let mut categories = products::categories_of(db, &ids).await?;
            fit.offers = lending::open_offers(db, &ids)
                .await?
                .into_iter()
                .filter(|o| {
                    json_allows(&o.eligible_phases, school.phase.as_deref())
                        && json_allows(&o.eligible_org_types, school.establishment_type.as_deref())
                })
                .collect();
            for p in rows {
                let cats = categories
                    .remove(&p.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| c.slug)
                    .collect();
                fit.products.push((p, cats));
            }
        }
        Ok(fit)
    }

    pub(crate) fn for_recommendation(
        &self,
        r: &Recommendation,
    ) -> (
        Vec<deal::Model>,
        Vec<product::Model>,
        Vec<trial_offer::Model>,
    ) {
        let mut named: Vec<&deal::Model> = r
            .deals
            .iter()
            .filter_map(|reference| {
                self.deals
                    .iter()
                    .find(|(d, _)| &d.reference == reference)
                    .map(|(d, _)| d)
            })
            .collect();
        for (d, cats) in &self.deals {
            let in_category = cats.iter().any(|c| r.deal_categories.contains(c));
            if in_category && !named.iter().any(|n| n.id == d.id) {
                named.push(d);
            }
        }
        let deals = named
            .into_iter()
            .take(LINKS_PER_RECOMMENDATION)
            .cloned()
            .collect();
        let fitting: Vec<&product::Model> = self
            .products
            .iter()
            .filter(|(_, cats)| cats.iter().any(|c| r.product_categories.contains(c)))
            .map(|(p, _)| p)
            .collect();
        let offers = self
            .offers
            .iter()
            .filter(|o| fitting.iter().any(|p| p.id == o.product_id))
            .take(LINKS_PER_RECOMMENDATION)
            .cloned()
            .collect();
        let products = fitting
            .into_iter()
            .take(LINKS_PER_RECOMMENDATION)
            .cloned()
            .collect();
        (deals, products, offers)
    }
}
