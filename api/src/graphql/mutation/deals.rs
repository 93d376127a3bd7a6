//! Deal management by admins: create, update and expire deals; changes flow to search.

use async_graphql::{Context, ID, InputObject, Object};
use becta_domain::catalogue::deals::{self, NewDeal, NewLot};
use becta_domain::vocab::{DealStatus, EstablishmentType, Phase, RouteToMarket};
use chrono::NaiveDate;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::Deal;
use crate::graphql::types::ids::parse_id;
use crate::state::AppState;

/// A lot of a deal: its number, title and the suppliers awarded a place on it.
#[derive(InputObject)]
pub struct LotInput {
    /// Distinct within the deal, from 1.
    pub number: i32,
    pub title: String,
    #[graphql(default)]
    pub description: String,
    pub supplier_ids: Vec<ID>,
    /// Whether the lot offers collection of old devices for reuse or recycling
    /// (`requestDisposal`).
    #[graphql(default)]
    pub offers_disposal: bool,
}

/// A deal as admins write it; an update replaces the whole deal, lots included.
#[derive(InputObject)]
pub struct DealInput {
    pub provider_id: ID,
    pub reference: String,
    pub title: String,
    pub summary: String,
    #[graphql(default)]
    pub description: String,
    #[graphql(default)]
    pub how_to_buy: String,
    /// Deal category slugs (see `categories(scope: DEAL)`).
    pub categories: Vec<String>,
    #[graphql(default)]
    pub lots: Vec<LotInput>,
    /// Empty: every type of school may use it.
    #[graphql(default)]
    pub eligible_organisation_types: Vec<EstablishmentType>,
    /// Empty: every phase may use it.
    #[graphql(default)]
    pub eligible_phases: Vec<Phase>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub route_to_market: RouteToMarket,
    #[graphql(default)]
    pub typical_savings: String,
    /// Typical saving in basis points (100 = 1%), 0 to 10000.
    pub typical_savings_bps: Option<i32>,
    #[graphql(default)]
    pub fees: String,
    #[graphql(default)]
    pub dfe_endorsed: bool,
    /// The provider's page for the deal.
    pub url: String,
    /// DRAFT or PUBLISHED (default).
    #[graphql(default_with = "DealStatus::Published")]
    pub status: DealStatus,
}

impl DealInput {
    fn into_domain(self) -> async_graphql::Result<NewDeal> {
        let lots = self
            .lots
            .into_iter()
            .map(|l| {
                Ok(NewLot {
                    number: l.number,
                    title: l.title,
                    description: l.description,
                    supplier_ids: l
                        .supplier_ids
                        .iter()
                        .map(|s| parse_id("input.lots.supplierIds", s))
                        .collect::<async_graphql::Result<_>>()?,
                    offers_disposal: l.offers_disposal,
                })
            })
            .collect::<async_graphql::Result<_>>()?;
        Ok(NewDeal {
            provider_id: parse_id("input.providerId", &self.provider_id)?,
            reference: self.reference,
            title: self.title,
            summary: self.summary,
            description: self.description,
            how_to_buy: self.how_to_buy,
            categories: self.categories,
            lots,
            eligible_org_types: self.eligible_organisation_types,
            eligible_phases: self.eligible_phases,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            route_to_market: self.route_to_market,
            typical_savings: self.typical_savings,
            typical_savings_bps: self.typical_savings_bps,
            fees: self.fees,
            dfe_endorsed: self.dfe_endorsed,
            url: self.url,
            status: self.status,
            is_sample: false,
        })
    }
}

#[derive(Default)]
pub struct DealMutation;

#[Object]
impl DealMutation {
    /// Adds a deal to the catalogue (ADMIN).
    async fn create_deal(
        &self,
        ctx: &Context<'_>,
        input: DealInput,
    ) -> async_graphql::Result<Deal> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        deals::create(db, a, input.into_domain()?)
            .await
            .gql()
            .map(Deal)
    }

    /// Replaces a deal at `version` (ADMIN).
    async fn update_deal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: DealInput,
    ) -> async_graphql::Result<Deal> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        deals::update(db, a, id, version, input.into_domain()?)
            .await
            .gql()
            .map(Deal)
    }

    /// Ends a deal now: archived, out of the catalogue and search (ADMIN).
    async fn expire_deal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<Deal> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        deals::expire(db, a, id, version).await.gql().map(Deal)
    }
}
