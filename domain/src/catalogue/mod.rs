//! The public catalogue: deals (frameworks and their lots), products, suppliers, providers and
//! categories.

pub mod deals;
pub mod organisations;
pub mod products;
pub mod suppliers;

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationDef,
};
use uuid::Uuid;

use crate::Result;
use crate::entity::category;

/// The categories of each owner (deal or product), in display order, through a link table
/// `E` of (owner, category slug): one joined query for all owners.
pub(crate) async fn categories_by_owner<E: EntityTrait>(
    db: &impl ConnectionTrait,
    owner: E::Column,
    slug: E::Column,
    owners: &[Uuid],
) -> Result<HashMap<Uuid, Vec<category::Model>>> {
    let join: RelationDef = E::belongs_to(category::Entity)
        .from(slug)
        .to(category::Column::Slug)
        .into();
    let rows: Vec<(Uuid, String, String, String, i32)> = E::find()
        .select_only()
        .column(owner)
        .column(category::Column::Slug)
        .column(category::Column::Scope)
        .column(category::Column::Name)
        .column(category::Column::Position)
        .join(JoinType::InnerJoin, join)
        .filter(owner.is_in(owners.iter().copied()))
        .order_by_asc(category::Column::Position)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<category::Model>> = HashMap::new();
    for (id, slug, scope, name, position) in rows {
        out.entry(id).or_default().push(category::Model {
            slug,
            scope,
            name,
            position,
        });
    }
    Ok(out)
}
