//! `maturity_advice_links` table: the recommendation an advice case was opened from, with
//! the standard and answers it carried.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "maturity_advice_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub advice_request_id: Uuid,
    pub school_id: Uuid,
    pub recommendation_slug: String,
    pub standard_slug: String,
    pub content_version: i32,
    pub context: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
