//! `competitions` table: a school's further competition on a deal's lot, or a direct award.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "competitions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `further_competition` or `direct_award`.
    pub kind: String,
    /// `draft`, `published`, `awarded` or `abandoned`.
    pub status: String,
    pub school_id: Uuid,
    pub deal_id: Uuid,
    pub lot_id: Uuid,
    pub title: String,
    pub requirement: String,
    pub quantity: i64,
    pub budget_pence: i64,
    pub term_months: i32,
    pub criteria: Json,
    pub scale_max: i32,
    pub scale_descriptors: Json,
    pub clarification_deadline: Option<DateTimeUtc>,
    pub submission_deadline: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub awarded_bid_id: Option<Uuid>,
    pub awarded_supplier_id: Option<Uuid>,
    pub awarded_value_pence: Option<i64>,
    pub award_reason: Option<String>,
    pub award_is_top_ranked: bool,
    pub standstill_working_days: Option<i32>,
    pub standstill_ends_at: Option<DateTimeUtc>,
    pub awarded_at: Option<DateTimeUtc>,
    pub abandon_reason: Option<String>,
    pub abandoned_at: Option<DateTimeUtc>,
    pub direct_award_reason: Option<String>,
    pub selection_rule: Option<String>,
    pub created_by: Uuid,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
