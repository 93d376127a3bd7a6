//! `reviews` table: a school's review of a product, one per school per product.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub product_id: Uuid,
    pub school_id: Uuid,
    pub author_id: Option<Uuid>,
    pub rating: i16,
    pub ease_of_use: Option<i16>,
    pub impact: Option<i16>,
    pub value_for_money: Option<i16>,
    pub support: Option<i16>,
    pub data_protection_confidence: Option<i16>,
    pub title: String,
    pub body: String,
    pub reviewer_role: Option<String>,
    pub phase: Option<String>,
    pub months_used: Option<i32>,
    pub verified_use: bool,
    pub status: String,
    pub moderation_reason: Option<String>,
    pub supplier_reply: Option<String>,
    pub supplier_reply_at: Option<DateTimeUtc>,
    pub helpful_count: i32,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
