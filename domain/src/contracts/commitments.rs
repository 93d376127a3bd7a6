//! The register's annual commitments in a period, for the spend summary.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::Result;
use crate::entity::contract;

/// Contracts running at some time from `from` (inclusive) to `to` (exclusive), whether made by
/// an order or added by hand: these schools', or every school's (at most 100,000).
pub async fn commitments(
    db: &impl ConnectionTrait,
    schools: Option<&[Uuid]>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<contract::Model>> {
    let mut q = contract::Entity::find()
        .filter(contract::Column::StartsOn.lt(to))
        .filter(contract::Column::EndsOn.gte(from));
    if let Some(s) = schools {
        q = q.filter(contract::Column::SchoolId.is_in(s.iter().copied()));
    }
    Ok(q.order_by_asc(contract::Column::StartsOn)
        .limit(100_000)
        .all(db)
        .await?)
}
