//! `products` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub supplier_id: Uuid,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub pricing_model: String,
    pub price_pence: i64,
    pub hosting_location: String,
    pub cyber_essentials: String,
    pub accessibility_statement_url: Option<String>,
    pub dpia_available: bool,
    pub sso_microsoft: bool,
    pub sso_google: bool,
    pub mis_integration: bool,
    pub website: Option<String>,
    pub status: String,
    pub published_at: Option<DateTimeUtc>,
    pub version: i32,
    pub is_sample: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
