//! Orders and spend.

use async_graphql::{Context, Enum, ID, Object};
use becta_domain::orders::{self, SpendGroup};
use chrono::{DateTime, Utc};

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::{CarbonSummary, Order, SpendRow};
use crate::state::AppState;

/// How `spendSummary` groups paid orders.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum SpendGrouping {
    Month,
    Category,
    Supplier,
}

#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// An order of your school (SCHOOL_BUYER), or any order (ADMIN).
    async fn order(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Order> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        orders::get(db, a, id).await.gql().map(Order)
    }

    /// Your school's orders, newest first (SCHOOL_BUYER).
    async fn my_orders(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Order>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        Ok(orders::mine(db, a)
            .await
            .gql()?
            .into_iter()
            .map(Order)
            .collect())
    }

    /// Paid spend and savings from `from` (inclusive) to `to` (exclusive), by month,
    /// category or supplier: your school's (SCHOOL_BUYER for a school), your trust's schools'
    /// or one `schoolId`'s of them (SCHOOL_BUYER for a trust), or every school's or one
    /// `schoolId`'s (ADMIN). Orders count once paid, by card or on invoice; each group also
    /// gives the contracts register's annual commitments running in it.
    async fn spend_summary(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        group_by: SpendGrouping,
        school_id: Option<ID>,
    ) -> async_graphql::Result<Vec<SpendRow>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let school = school_id
            .as_ref()
            .map(|s| parse_id("schoolId", s))
            .transpose()?;
        let group = match group_by {
            SpendGrouping::Month => SpendGroup::Month,
            SpendGrouping::Category => SpendGroup::Category,
            SpendGrouping::Supplier => SpendGroup::Supplier,
        };
        Ok(orders::spend(db, a, from, to, group, school)
            .await
            .gql()?
            .into_iter()
            .map(SpendRow::from)
            .collect())
    }

    /// The carbon saved by paid device orders: your school's (SCHOOL_BUYER for a school), your
    /// trust's schools' or one `schoolId`'s of them (SCHOOL_BUYER for a trust), or every
    /// school's or one `schoolId`'s (ADMIN). Each order counts its units times the saving per
    /// unit its listing stated when ordered.
    async fn carbon_summary(
        &self,
        ctx: &Context<'_>,
        school_id: Option<ID>,
    ) -> async_graphql::Result<CarbonSummary> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let school = school_id
            .as_ref()
            .map(|s| parse_id("schoolId", s))
            .transpose()?;
        Ok(becta_domain::devices::carbon_summary(db, a, school)
            .await
            .gql()?
            .into())
    }
}
