//! Reads of the lending library: a school's loans, a supplier's offers, notifications.

use async_graphql::{Context, ID, Object};
use becta_domain::lending;
use becta_domain::notifications;
use becta_domain::pagination::PageArgs;
use becta_domain::vocab::LoanStatus;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::*;
use crate::state::AppState;

#[derive(Default)]
pub struct LendingQuery;

#[Object]
impl LendingQuery {
    /// The signed-in school's loans and waitlist places, newest first (SCHOOL_BUYER).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn my_loans(
        &self,
        ctx: &Context<'_>,
        status: Option<LoanStatus>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<Loan>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let page = PageArgs::new(first, after.as_deref()).gql()?;
        let rows = lending::mine(db, a, status, &page).await.gql()?;
        Ok(Connection::plain(rows, Loan))
    }

    /// One of the signed-in school's loans.
    async fn loan(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Loan> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        lending::get(db, a, id).await.gql().map(Loan)
    }

    /// The signed-in supplier's trial offers with their figures (SUPPLIER; ADMIN sees all).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn my_trial_offers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<TrialOffer>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let page = PageArgs::new(first, after.as_deref()).gql()?;
        let rows = lending::my_offers(db, a, &page).await.gql()?;
        Ok(Connection::plain(rows, |o| TrialOffer(o, true)))
    }

    /// The signed-in school's reviews, newest first (SCHOOL_BUYER).
    async fn my_reviews(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Review>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        Ok(becta_domain::reviews::mine(db, a)
            .await
            .gql()?
            .into_iter()
            .map(Review)
            .collect())
    }

    /// The signed-in user's notifications, newest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn my_notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<Notification>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let page = PageArgs::new(first, after.as_deref()).gql()?;
        let rows = notifications::mine(db, a, &page).await.gql()?;
        Ok(Connection::plain(rows, Notification))
    }
}
