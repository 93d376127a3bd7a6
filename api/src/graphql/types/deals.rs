//! Deal types: `Deal`, its `Lot`s and `Provider`, and the `deals` filter.

use async_graphql::{Context, ID, InputObject, Object};
use becta_domain::catalogue::deals;
use becta_domain::entity::{deal, lot, provider};
use becta_domain::vocab::{DealStatus, EstablishmentType, Phase, RouteToMarket};
use chrono::{DateTime, NaiveDate, Utc};

use super::catalogue::{Category, Supplier, code, load, load_list, loader};
use super::ids::parse_id;
use crate::graphql::loaders::*;

/// A public buying organisation that runs frameworks (CCS, ESPO, YPO, ...).
pub struct Provider(pub provider::Model);

#[Object]
impl Provider {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// E.g. "CCS"; used in the `provider` filter.
    async fn short_name(&self) -> &str {
        &self.0.short_name
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn website(&self) -> &str {
        &self.0.website
    }
}

/// An endorsed buying deal: a framework agreement schools can call off from.
pub struct Deal(pub deal::Model);

#[Object]
impl Deal {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The provider's own reference, e.g. "RM6103".
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    async fn provider(&self, ctx: &Context<'_>) -> async_graphql::Result<Provider> {
        load(ctx, ProviderId(self.0.provider_id), "provider")
            .await
            .map(Provider)
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// How a school buys through this deal, in plain words.
    async fn how_to_buy(&self) -> &str {
        &self.0.how_to_buy
    }
    async fn categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Category>> {
        Ok(load_list(ctx, DealCategories(self.0.id))
            .await?
            .into_iter()
            .map(Category)
            .collect())
    }
    /// Lots, by number, each with its suppliers.
    async fn lots(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Lot>> {
        Ok(load_list(ctx, DealLots(self.0.id))
            .await?
            .into_iter()
            .map(Lot)
            .collect())
    }
    /// Kinds of organisation that may use this deal.
    async fn eligible_organisation_types(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<EstablishmentType>> {
        Ok(self.eligibility(ctx).await?.org_types)
    }
    async fn eligible_phases(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Phase>> {
        Ok(self.eligibility(ctx).await?.phases)
    }
    async fn starts_on(&self) -> NaiveDate {
        self.0.starts_on
    }
    async fn ends_on(&self) -> NaiveDate {
        self.0.ends_on
    }
    /// In force today: published, started and not ended (an expired deal is not).
    async fn is_active(&self) -> bool {
        let today = deals::today();
        self.0.status == DealStatus::Published.code()
            && self.0.starts_on <= today
            && today <= self.0.ends_on
    }
    async fn route_to_market(&self) -> async_graphql::Result<RouteToMarket> {
        code(
            RouteToMarket::from_code,
            "route_to_market",
            &self.0.route_to_market,
        )
    }
    /// Typical savings in words, e.g. "Typically 12% below list price".
    async fn typical_savings(&self) -> &str {
        &self.0.typical_savings
    }
    /// Typical saving as a percentage of list price, when known.
    async fn typical_savings_percent(&self) -> Option<f64> {
        self.0.typical_savings_bps.map(|b| f64::from(b) / 100.0)
    }
    async fn fees(&self) -> &str {
        &self.0.fees
    }
    /// Recommended by the Department for Education.
    async fn dfe_endorsed(&self) -> bool {
        self.0.dfe_endorsed
    }
    async fn url(&self) -> &str {
        &self.0.url
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// True for records of the sample dataset.
    /// Pass this version to `updateDeal` or `expireDeal`; an older one is `CONFLICT`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Draft and archived deals are seen only by admins.
    async fn status(&self) -> async_graphql::Result<DealStatus> {
        code(DealStatus::from_code, "deals.status", &self.0.status)
    }
    async fn is_sample(&self) -> bool {
        self.0.is_sample
    }
}

impl Deal {
    async fn eligibility(&self, ctx: &Context<'_>) -> async_graphql::Result<deals::Eligibility> {
        Ok(loader(ctx)?
            .load_one(DealEligibility(self.0.id))
            .await
            .map_err(|e| (*e).clone())?
            .unwrap_or_default())
    }
}

/// A lot of a deal: a sub-category with its own supplier list.
pub struct Lot(pub lot::Model);

#[Object]
impl Lot {
    /// The lot's id (a further competition or a direct award names it).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn number(&self) -> i32 {
        self.0.number
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Whether the lot offers collection of old devices for reuse or recycling: a school asks
    /// one of its suppliers with `requestDisposal`.
    async fn offers_disposal(&self) -> bool {
        self.0.offers_disposal
    }
    /// Suppliers on this lot, by name.
    async fn suppliers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Supplier>> {
        Ok(load_list(ctx, LotSuppliers(self.0.id))
            .await?
            .into_iter()
            .map(Supplier)
            .collect())
    }
}

/// Filters for `deals`; all given filters must hold.
#[derive(InputObject, Default)]
pub struct DealFilterInput {
    /// A deal category slug (see `categories(scope: DEAL)`).
    pub category: Option<String>,
    /// A provider's short name, e.g. "CCS".
    pub provider: Option<String>,
    /// Deals meant for this phase.
    pub phase: Option<Phase>,
    /// Deals this kind of organisation may use.
    pub organisation_type: Option<EstablishmentType>,
    /// Deals in force on this date.
    pub active_on: Option<NaiveDate>,
    pub dfe_endorsed: Option<bool>,
    /// Deals with a lot this supplier is on.
    pub supplier_id: Option<ID>,
}

impl DealFilterInput {
    pub fn into_domain(self) -> async_graphql::Result<deals::DealFilter> {
        Ok(deals::DealFilter {
            category: self.category,
            provider: self.provider,
            phase: self.phase,
            org_type: self.organisation_type,
            active_on: self.active_on,
            dfe_endorsed: self.dfe_endorsed,
            supplier_id: self
                .supplier_id
                .as_ref()
                .map(|s| parse_id("filter.supplierId", s))
                .transpose()?,
        })
    }
}
