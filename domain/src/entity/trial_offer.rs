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
    /// `seat`, `school` or `trust` (see `vocab::LicenceScope`).
    pub licence_scope: String,
    /// Days before the end on which schools are reminded; null: the defaults (7 and 1).
    pub reminder_days: Option<Json>,
    pub cool_off_days: i32,
    pub max_trials_per_school: Option<i32>,
    pub reusable_codes: bool,
    /// The offer lends activation codes (its pool was given when it was created).
    pub has_codes: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
