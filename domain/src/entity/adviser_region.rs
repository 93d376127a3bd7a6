//! `adviser_regions` table: the regions of England an adviser covers.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "adviser_regions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub adviser_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub region: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
