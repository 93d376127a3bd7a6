//! Shortlists and their items.

use async_graphql::{Context, Enum, ID, Object};
use becta_domain::catalogue::{deals, products};
use becta_domain::entity::shortlist;
use becta_domain::shortlists::{self, ItemView};
use becta_domain::vocab::{Availability, Decision, Sharing};
use chrono::{DateTime, Utc};

use super::catalogue::load;
use super::{AdviceRequest, Deal, Product};
use crate::graphql::auth::viewer;
use crate::graphql::error::GqlResult;
use crate::graphql::loaders::{OrgId, UserId};
use crate::state::AppState;

/// A school's named list of products and deals it is weighing.
pub struct Shortlist(pub shortlist::Model);

#[Object]
impl Shortlist {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Who besides the owner may read it.
    async fn sharing(&self) -> Option<Sharing> {
        Sharing::from_code(&self.0.sharing)
    }
    /// Pass to the next change of the shortlist or its items.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The school it belongs to.
    async fn school_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(load(ctx, OrgId(self.0.school_id), "school").await?.name)
    }
    /// The owner's display name.
    async fn owner_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(load(ctx, UserId(self.0.owner_id), "user")
            .await?
            .display_name)
    }
    /// True for its owner, who alone may change it.
    async fn can_edit(&self, ctx: &Context<'_>) -> bool {
        viewer(ctx).is_some_and(|a| {
            a.user_id == self.0.owner_id && a.organisation_id == Some(self.0.school_id)
        })
    }
    /// The advice case it is attached to, if the caller can see that case.
    async fn advice_request(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<AdviceRequest>> {
        let (Some(id), Some(a)) = (self.0.advice_request_id, viewer(ctx)) else {
            return Ok(None);
        };
        let db = &ctx.data::<AppState>()?.db;
        Ok(becta_domain::advice::get(db, a, id)
            .await
            .ok()
            .map(AdviceRequest))
    }
    /// Items in the order they were added; expired deals and withdrawn products stay, marked.
    async fn items(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ShortlistItem>> {
        let db = &ctx.data::<AppState>()?.db;
        Ok(shortlists::items(db, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(ShortlistItem)
            .collect())
    }
    /// Where to download it as CSV (with the same bearer token).
    async fn csv_path(&self) -> String {
        format!("/exports/shortlists/{}.csv", self.0.id)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// What a shortlist item is.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ShortlistItemKind {
    Product,
    Deal,
}

/// A product or deal on a shortlist, with the school's note and decision.
pub struct ShortlistItem(pub ItemView);

#[Object]
impl ShortlistItem {
    async fn id(&self) -> ID {
        ID(self.0.item.id.to_string())
    }
    async fn kind(&self) -> ShortlistItemKind {
        if self.0.item.product_id.is_some() {
            ShortlistItemKind::Product
        } else {
            ShortlistItemKind::Deal
        }
    }
    /// The product's name or deal's title when it was added.
    async fn title(&self) -> &str {
        &self.0.item.title
    }
    /// The product, while it is listed.
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
        let db = &ctx.data::<AppState>()?.db;
        match self.0.item.product_id {
            Some(id) => Ok(products::get_public(db, id).await.ok().map(Product)),
            None => Ok(None),
        }
    }
    /// The deal, while it is current.
    async fn deal(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Deal>> {
        let db = &ctx.data::<AppState>()?.db;
        match self.0.item.deal_id {
            Some(id) => Ok(deals::get_public(db, id).await.ok().map(Deal)),
            None => Ok(None),
        }
    }
    async fn product_id(&self) -> Option<ID> {
        self.0.item.product_id.map(|i| ID(i.to_string()))
    }
    async fn deal_id(&self) -> Option<ID> {
        self.0.item.deal_id.map(|i| ID(i.to_string()))
    }
    async fn note(&self) -> Option<&str> {
        self.0.item.note.as_deref()
    }
    async fn decision(&self) -> Option<Decision> {
        Decision::from_code(&self.0.item.decision)
    }
    /// Why it was chosen or rejected.
    async fn reason(&self) -> Option<&str> {
        self.0.item.reason.as_deref()
    }
    /// Whether it can still be bought: a deal that ended is EXPIRED, a product no longer
    /// listed is WITHDRAWN.
    async fn availability(&self) -> Availability {
        self.0.availability
    }
    /// Why it is not available, e.g. "the deal ended on 1 October 2026".
    async fn availability_note(&self) -> Option<&str> {
        self.0.availability_note.as_deref()
    }
    async fn added_at(&self) -> DateTime<Utc> {
        self.0.item.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.item.updated_at
    }
}
