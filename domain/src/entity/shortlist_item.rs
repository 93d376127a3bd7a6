//! `shortlist_items` table: one product or deal on a shortlist, with a note and a decision.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "shortlist_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub shortlist_id: Uuid,
    pub product_id: Option<Uuid>,
    pub deal_id: Option<Uuid>,
    /// The product's name or deal's title when it was added.
    pub title: String,
    pub note: Option<String>,
    /// `undecided`, `chosen` or `rejected` (see `vocab::Decision`).
    pub decision: String,
    pub reason: Option<String>,
    pub position: i32,
    pub added_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
