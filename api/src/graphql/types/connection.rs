//! Relay-style cursor connections: `edges { cursor node }`, `pageInfo` and `totalCount`.
//! `totalCount` runs its count query only when asked for.

use async_graphql::{Context, Object, OutputType, SimpleObject};
use becta_domain::advice::AdviserRecord;
use becta_domain::catalogue::{deals, products};
use becta_domain::entity::{advice_request, deal, product};
use becta_domain::listings;
use becta_domain::pagination::Page;
use becta_domain::reviews;

use super::{
    AdviceRequest, Adviser, AuditEvent, Deal, DisposalRequest, FlaggedReview, Listing, Loan,
    Notification, Product, TrialOffer,
};
use crate::graphql::error::GqlResult;
use crate::graphql::prefetch;
use crate::state::AppState;

#[derive(SimpleObject)]
pub struct PageInfo {
    /// True when another page follows this one.
    pub has_next_page: bool,
    /// True when this page was asked for with `after`.
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// One row of a connection.
#[derive(SimpleObject)]
#[graphql(
    concrete(name = "ProductEdge", params(Product)),
    concrete(name = "DealEdge", params(Deal)),
    concrete(name = "ListingEdge", params(Listing)),
    concrete(name = "AuditEventEdge", params(AuditEvent)),
    concrete(name = "LoanEdge", params(Loan)),
    concrete(name = "TrialOfferEdge", params(TrialOffer)),
    concrete(name = "NotificationEdge", params(Notification)),
    concrete(name = "AdviceRequestEdge", params(AdviceRequest)),
    concrete(name = "FlaggedReviewEdge", params(FlaggedReview)),
    concrete(name = "AdviserEdge", params(Adviser)),
    concrete(name = "DisposalRequestEdge", params(DisposalRequest))
)]
pub struct Edge<T: OutputType> {
    /// Pass as `after` to get the rows after this one.
    pub cursor: String,
    pub node: T,
}

/// What a connection counts when `totalCount` is asked for.
pub enum Counted {
    Products(products::ProductFilter),
    Deals(deals::DealFilter),
    /// The moderation queue's entries.
    FlaggedReviews(reviews::FlagFilter),
    /// Counted when the page was loaded.
    Known(u64),
    /// The connection has no `totalCount`.
    Nothing,
}

pub struct Connection<T: OutputType> {
    pub edges: Vec<Edge<T>>,
    pub page_info: PageInfo,
    pub counted: Counted,
}

impl Connection<Product> {
    /// A page of products, with the nested fields the query selects prefetched.
    pub async fn products(
        ctx: &Context<'_>,
        page: Page<product::Model>,
        counted: Counted,
    ) -> async_graphql::Result<Self> {
        let rows: Vec<product::Model> = page.items.iter().map(|(_, r)| r.clone()).collect();
        prefetch::products(ctx, ctx.look_ahead().field("edges").field("node"), &rows).await?;
        Ok(Connection::new(page, counted, Product))
    }
}

impl Connection<Deal> {
    /// A page of deals, with the nested fields the query selects prefetched.
    pub async fn deals(
        ctx: &Context<'_>,
        page: Page<deal::Model>,
        counted: Counted,
    ) -> async_graphql::Result<Self> {
        let rows: Vec<deal::Model> = page.items.iter().map(|(_, r)| r.clone()).collect();
        prefetch::deals(ctx, ctx.look_ahead().field("edges").field("node"), &rows).await?;
        Ok(Connection::new(page, counted, Deal))
    }
}

impl Connection<AdviceRequest> {
    /// A page of cases, with the assignees and suggestions the query selects prefetched.
    pub async fn advice_requests(
        ctx: &Context<'_>,
        page: Page<advice_request::Model>,
    ) -> async_graphql::Result<Self> {
        let rows: Vec<advice_request::Model> = page.items.iter().map(|(_, r)| r.clone()).collect();
        prefetch::advice_requests(ctx, ctx.look_ahead().field("edges").field("node"), &rows)
            .await?;
        Ok(Connection::new(page, Counted::Nothing, AdviceRequest))
    }
}

impl Connection<Adviser> {
    /// A page of the adviser directory, with the specialisms and caseloads the query selects
    /// prefetched.
    pub async fn advisers(
        ctx: &Context<'_>,
        page: Page<AdviserRecord>,
    ) -> async_graphql::Result<Self> {
        let ids = page.items.iter().map(|(_, r)| r.id());
        prefetch::advisers(
            ctx,
            &ctx.look_ahead().field("edges").field("node"),
            ids,
            true,
        )
        .await?;
        Ok(Connection::new(page, Counted::Nothing, Adviser::new))
    }
}

impl Connection<Listing> {
    /// A page of listings with their pending revisions (one query for the page).
    pub async fn listings(
        ctx: &Context<'_>,
        page: Page<product::Model>,
    ) -> async_graphql::Result<Self> {
        let db = &ctx.data::<AppState>()?.db;
        let ids: Vec<_> = page.items.iter().map(|(_, r)| r.id).collect();
        let mut pending = listings::pending_revisions(db, &ids).await.gql()?;
        Ok(Connection::new(page, Counted::Nothing, |p| {
            Listing(listings::Listing {
                pending_revision: pending.remove(&p.id),
                product: p,
            })
        }))
    }
}

impl Connection<FlaggedReview> {
    /// A page of the moderation queue; `totalCount` counts the entries `filter` matches.
    pub fn flagged_reviews(
        page: Page<reviews::FlaggedReview>,
        filter: reviews::FlagFilter,
    ) -> Self {
        Connection::new(page, Counted::FlaggedReviews(filter), FlaggedReview)
    }
}

impl<T: OutputType> Connection<T> {
    /// A page of rows as nodes, with no `totalCount`.
    pub fn plain<R>(page: Page<R>, node: impl FnMut(R) -> T) -> Self {
        Connection::new(page, Counted::Nothing, node)
    }
}

impl<T: OutputType> Connection<T> {
    fn new<R>(page: Page<R>, counted: Counted, mut node: impl FnMut(R) -> T) -> Self {
        let edges: Vec<Edge<T>> = page
            .items
            .into_iter()
            .map(|(c, r)| Edge {
                cursor: c.encode(),
                node: node(r),
            })
            .collect();
        let page_info = PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        };
        Connection {
            edges,
            page_info,
            counted,
        }
    }

    async fn count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let db = &ctx.data::<AppState>()?.db;
        match &self.counted {
            Counted::Products(f) => products::count(db, f).await.gql(),
            Counted::Deals(f) => deals::count(db, f).await.gql(),
            Counted::FlaggedReviews(f) => reviews::count_flagged(db, f).await.gql(),
            Counted::Known(n) => Ok(*n),
            Counted::Nothing => Ok(0),
        }
    }
}

/// A page of products.
#[Object(name = "ProductConnection")]
impl Connection<Product> {
    async fn edges(&self) -> &[Edge<Product>] {
        &self.edges
    }
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
    /// How many products match the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        self.count(ctx).await
    }
}

/// A page of deals.
#[Object(name = "DealConnection")]
impl Connection<Deal> {
    async fn edges(&self) -> &[Edge<Deal>] {
        &self.edges
    }
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
    /// How many deals match the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        self.count(ctx).await
    }
}

/// A page of the moderation queue.
#[Object(name = "FlaggedReviewConnection")]
impl Connection<FlaggedReview> {
    async fn edges(&self) -> &[Edge<FlaggedReview>] {
        &self.edges
    }
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
    /// How many entries match the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        self.count(ctx).await
    }
}

/// A connection with edges and page info only (no `totalCount`).
macro_rules! plain_connection {
    ($node:ty, $name:literal, $doc:literal) => {
        #[doc = $doc]
        #[Object(name = $name)]
        impl Connection<$node> {
            async fn edges(&self) -> &[Edge<$node>] {
                &self.edges
            }
            async fn page_info(&self) -> &PageInfo {
                &self.page_info
            }
        }
    };
}

plain_connection!(Listing, "ListingConnection", "A page of listings.");
plain_connection!(
    AuditEvent,
    "AuditEventConnection",
    "A page of audit events, newest first."
);
plain_connection!(Loan, "LoanConnection", "A page of loans, newest first.");
plain_connection!(
    TrialOffer,
    "TrialOfferConnection",
    "A page of trial offers, newest first."
);
plain_connection!(
    Notification,
    "NotificationConnection",
    "A page of notifications, newest first."
);
plain_connection!(
    AdviceRequest,
    "AdviceRequestConnection",
    "A page of advice cases."
);
plain_connection!(
    Adviser,
    "AdviserConnection",
    "A page of the adviser directory, by name."
);
plain_connection!(
    DisposalRequest,
    "DisposalRequestConnection",
    "A page of disposal requests, newest first."
);
