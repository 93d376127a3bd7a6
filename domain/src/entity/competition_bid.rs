//! `competition_bids` table: a supplier's sealed bid (one per supplier, replaced in place).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "competition_bids")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub competition_id: Uuid,
    pub supplier_id: Uuid,
    pub price_pence: i64,
    pub responses: Json,
    pub attachments: Json,
    pub revision: i32,
    pub first_submitted_at: DateTimeUtc,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
