//! `deals` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "deals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub provider_id: Uuid,
    pub reference: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub how_to_buy: String,
    pub route_to_market: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub typical_savings: String,
    pub typical_savings_bps: Option<i32>,
    pub fees: String,
    pub dfe_endorsed: bool,
    pub url: String,
    pub status: String,
    pub version: i32,
    pub is_sample: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
