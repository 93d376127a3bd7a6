//! Comparing products or deals side by side.

use async_graphql::{Context, ID, Object, SimpleObject};
use becta_domain::compare;

use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::state::AppState;

/// One compared record.
#[derive(SimpleObject)]
pub struct ComparedRecord {
    pub id: ID,
    /// Its name or title; null when not found.
    pub name: Option<String>,
    /// `NOT_FOUND` when the id is unknown or not public; the other records are still compared.
    pub error_code: Option<String>,
}

/// One attribute across the compared records.
#[derive(SimpleObject)]
pub struct ComparisonRow {
    /// Stable key for programs, e.g. `price`, `key_stages`, `rating`.
    pub attribute: String,
    /// What a buyer reads, e.g. "Price".
    pub label: String,
    /// One value per record as a buyer reads it, in the order asked: labels, not codes
    /// ("Data protection, Cyber security"), and prices such as "£1,925 per school per year";
    /// null for a record not found.
    pub values: Vec<Option<String>>,
    /// True when the records found do not all agree.
    pub differs: bool,
}

/// Records side by side.
#[derive(SimpleObject)]
pub struct Comparison {
    pub records: Vec<ComparedRecord>,
    pub rows: Vec<ComparisonRow>,
}

impl From<compare::Comparison> for Comparison {
    fn from(c: compare::Comparison) -> Self {
        Comparison {
            records: c
                .columns
                .into_iter()
                .map(|col| ComparedRecord {
                    id: ID(col.id.to_string()),
                    error_code: col.name.is_none().then(|| "NOT_FOUND".to_owned()),
                    name: col.name,
                })
                .collect(),
            rows: c
                .rows
                .into_iter()
                .map(|r| ComparisonRow {
                    attribute: r.attribute.into(),
                    label: r.label.into(),
                    values: r.values,
                    differs: r.differs,
                })
                .collect(),
        }
    }
}

#[derive(Default)]
pub struct CompareQuery;

#[Object]
impl CompareQuery {
    /// 2 to 6 public products side by side: price, key stages, platforms, hosting, Cyber
    /// Essentials, badges, ratings per criterion, trial, DPIA, integrations.
    async fn compare_products(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Comparison> {
        let db = &ctx.data::<AppState>()?.db;
        let ids = ids
            .iter()
            .map(|i| parse_id("ids", i))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        compare::products(db, &ids)
            .await
            .gql()
            .map(Comparison::from)
    }

    /// 2 to 6 public deals side by side: provider, reference, lots, route to market, end date,
    /// eligibility, typical savings, endorsement.
    async fn compare_deals(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Comparison> {
        let db = &ctx.data::<AppState>()?.db;
        let ids = ids
            .iter()
            .map(|i| parse_id("ids", i))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        compare::deals(db, &ids).await.gql().map(Comparison::from)
    }
}
