//! `disposal_lines` table: the units of one form factor a disposal request asks to collect.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "disposal_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub request_id: Uuid,
    /// See `vocab::FormFactor`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub form_factor: String,
    pub units: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
