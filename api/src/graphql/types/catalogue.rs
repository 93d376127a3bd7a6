//! Catalogue types: deals with their lots, products, suppliers, providers, categories.
//!
//! Products are in [`super::products`], deals with their lots and providers in
//! [`super::deals`]; this file keeps categories, suppliers and the loader helpers they share.

use async_graphql::{Context, ID, Object};
use becta_domain::Error;
use becta_domain::entity::{category, organisation};
use becta_domain::pagination::PageArgs;

use super::connection::{Connection, Counted};
use crate::graphql::error::{GqlResult, to_gql};
use crate::graphql::loaders::*;

// The types that moved out keep their paths under `catalogue`.
pub use super::deals::{Deal, DealFilterInput, Lot, Provider};
pub use super::products::{LoadedProduct, Product, ProductFilterInput};

pub(super) fn loader<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a RequestLoader> {
    ctx.data::<RequestLoader>()
}

/// Reads a stored code as its enum; a code the schema does not know is a data fault.
pub(super) fn code<T>(
    parse: fn(&str) -> Option<T>,
    column: &str,
    value: &str,
) -> async_graphql::Result<T> {
    parse(value).ok_or_else(|| {
        to_gql(Error::Internal(format!(
            "unknown code {value:?} in {column}"
        )))
    })
}

/// Loads a value through the request's DataLoader; a missing row is `NOT_FOUND`.
pub(crate) async fn load<K>(
    ctx: &Context<'_>,
    key: K,
    entity: &'static str,
) -> async_graphql::Result<<DbLoader as async_graphql::dataloader::Loader<K>>::Value>
where
    K: Send + Sync + Clone + Eq + std::hash::Hash + 'static,
    DbLoader: async_graphql::dataloader::Loader<K, Error = std::sync::Arc<async_graphql::Error>>,
{
    loader(ctx)?
        .load_one(key)
        .await
        .map_err(|e| (*e).clone())?
        .ok_or_else(|| to_gql(Error::not_found(entity)))
}

/// Loads a list through the request's DataLoader; nothing found is an empty list.
pub(super) async fn load_list<K, V>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Vec<V>>
where
    K: Send + Sync + Clone + Eq + std::hash::Hash + 'static,
    V: Send + Sync + Clone + 'static,
    DbLoader: async_graphql::dataloader::Loader<
            K,
            Value = Vec<V>,
            Error = std::sync::Arc<async_graphql::Error>,
        >,
{
    Ok(loader(ctx)?
        .load_one(key)
        .await
        .map_err(|e| (*e).clone())?
        .unwrap_or_default())
}

/// A category of deals or of products.
pub struct Category(pub category::Model);

#[Object]
impl Category {
    /// Stable code, used in filters (e.g. `devices`, `safeguarding_behaviour`).
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
}

/// A company that sells through deals or lists products.
pub struct Supplier(pub organisation::Model);

#[Object]
impl Supplier {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Companies House registration number.
    async fn companies_house_number(&self) -> Option<&str> {
        self.0.companies_house_number.as_deref()
    }
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// True for records of the sample dataset.
    async fn is_sample(&self) -> bool {
        self.0.is_sample
    }
    /// The supplier's public products, by name.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<Product>> {
        let page = PageArgs::new(first, after.as_deref()).gql()?;
        let key = SupplierProducts {
            supplier: self.0.id,
            page,
        };
        let (rows, total) = load(ctx, key, "supplier").await?;
        Connection::products(ctx, rows, Counted::Known(total)).await
    }
    /// Public deals with a lot this supplier is on, by title.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn deals(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<Deal>> {
        let page = PageArgs::new(first, after.as_deref()).gql()?;
        let key = SupplierDeals {
            supplier: self.0.id,
            page,
        };
        let (rows, total) = load(ctx, key, "supplier").await?;
        Connection::deals(ctx, rows, Counted::Known(total)).await
    }
}
