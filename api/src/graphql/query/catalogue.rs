//! Reading the public catalogue: deals, products, suppliers, providers and categories.

use async_graphql::{Context, Enum, ID, Object};
use becta_domain::catalogue::{deals, organisations, products};
use becta_domain::pagination::PageArgs;

use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::*;
use crate::state::AppState;

/// Which catalogue a category belongs to.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum CategoryScope {
    Deal,
    Product,
}

#[derive(Default)]
pub struct CatalogueQuery;

#[Object]
impl CatalogueQuery {
    /// Current endorsed buying deals (published and not ended), by title.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn deals(
        &self,
        ctx: &Context<'_>,
        filter: Option<DealFilterInput>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<Deal>> {
        let state = ctx.data::<AppState>()?;
        let page = PageArgs::new(first, after.as_deref()).gql()?;
        let filter = filter.unwrap_or_default().into_domain()?;
        let rows = deals::list(&state.db, &filter, &page).await.gql()?;
        Connection::deals(ctx, rows, Counted::Deals(filter)).await
    }

    /// One public deal.
    async fn deal(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Deal> {
        let state = ctx.data::<AppState>()?;
        let id = parse_id("id", &id)?;
        deals::get_public(&state.db, id).await.gql().map(Deal)
    }

    /// Vetted, published products, by name.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProductFilterInput>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<Product>> {
        let state = ctx.data::<AppState>()?;
        let page = PageArgs::new(first, after.as_deref()).gql()?;
        let filter = filter.unwrap_or_default().into_domain()?;
        let rows = products::list(&state.db, &filter, &page).await.gql()?;
        Connection::products(ctx, rows, Counted::Products(filter)).await
    }

    /// One vetted, published product.
    async fn product(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Product> {
        let state = ctx.data::<AppState>()?;
        let id = parse_id("id", &id)?;
        products::get_public(&state.db, id).await.gql().map(Product)
    }

    /// One supplier, with its products and deals.
    async fn supplier(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Supplier> {
        let state = ctx.data::<AppState>()?;
        let id = parse_id("id", &id)?;
        organisations::get_supplier(&state.db, id)
            .await
            .gql()
            .map(Supplier)
    }

    /// Categories of deals or of products, in display order.
    async fn categories(
        &self,
        ctx: &Context<'_>,
        scope: CategoryScope,
    ) -> async_graphql::Result<Vec<Category>> {
        let state = ctx.data::<AppState>()?;
        let scope = match scope {
            CategoryScope::Deal => "deal",
            CategoryScope::Product => "product",
        };
        Ok(organisations::categories(&state.db, scope)
            .await
            .gql()?
            .into_iter()
            .map(Category)
            .collect())
    }

    /// Buying organisations that run deals, by short name.
    async fn providers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Provider>> {
        let state = ctx.data::<AppState>()?;
        Ok(organisations::providers(&state.db)
            .await
            .gql()?
            .into_iter()
            .map(Provider)
            .collect())
    }
}
