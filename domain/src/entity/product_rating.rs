//! `product_ratings` table: per-product review aggregates, kept in the review's transaction.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_ratings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: Uuid,
    pub review_count: i32,
    pub rating_sum: i32,
    pub stars_1: i32,
    pub stars_2: i32,
    pub stars_3: i32,
    pub stars_4: i32,
    pub stars_5: i32,
    pub ease_of_use_sum: i32,
    pub ease_of_use_count: i32,
    pub impact_sum: i32,
    pub impact_count: i32,
    pub value_for_money_sum: i32,
    pub value_for_money_count: i32,
    pub support_sum: i32,
    pub support_count: i32,
    pub data_protection_confidence_sum: i32,
    pub data_protection_confidence_count: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
