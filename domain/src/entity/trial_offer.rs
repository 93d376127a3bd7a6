//! `trial_offers` table: a supplier's trial seats on one product.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "trial_offers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub product_id: Uuid,
    pub seats_total: i32,
    pub seats_free: i32,
    pub loan_days: i32,
    pub max_extensions: i32,
    pub extension_days: i32,
    pub eligible_phases: Json,
    pub eligible_org_types: Json,
    pub terms: String,
    pub status: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
