//! `adviser_categories` table: the categories an adviser specialises in.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "adviser_categories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub adviser_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub category_slug: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
