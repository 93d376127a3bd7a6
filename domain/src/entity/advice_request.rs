//! `advice_requests` table: a school's request for buying advice, handled as a case.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "advice_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub reference: String,
    pub school_id: Uuid,
    pub requested_by: Option<Uuid>,
    pub category: String,
    pub need: String,
    pub budget_min_pence: Option<i64>,
    pub budget_max_pence: Option<i64>,
    pub deadline: Option<Date>,
    pub current_setup: String,
    pub preferred_contact: String,
    pub status: String,
    pub outcome: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub first_response_due_at: DateTimeUtc,
    pub resolution_due_at: DateTimeUtc,
    pub first_responded_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
