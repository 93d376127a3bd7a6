//! `trial_outcomes` table: what a school recorded when a trial loan ended, one per loan.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trial_outcomes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub loan_id: Uuid,
    pub product_id: Uuid,
    pub school_id: Uuid,
    /// The school's phase when the outcome was recorded (evidence is broken down by it).
    pub phase: Option<String>,
    pub used: bool,
    pub staff_count: i32,
    pub pupil_count: i32,
    pub frequency: String,
    pub met_need: String,
    /// Impact on the problem the product was tried for, 1 (none) to 5 (large).
    pub impact: i32,
    pub impact_text: String,
    pub would_buy: bool,
    pub why_not: Option<String>,
    /// The school agreed that the product's supplier may see its name with the outcome.
    pub share_school_name: bool,
    pub converted: bool,
    pub recorded_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
