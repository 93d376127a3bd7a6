//! `loans` table: a school's trial loan of a product, or its place on an offer's waitlist.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub offer_id: Uuid,
    pub product_id: Uuid,
    pub school_id: Uuid,
    pub requested_by: Option<Uuid>,
    pub status: String,
    pub waitlist_seq: Option<i64>,
    pub requested_at: DateTimeUtc,
    pub granted_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    pub extensions_used: i32,
    pub closed_at: Option<DateTimeUtc>,
    pub version: i32,
    /// When the next reminder is due, and how many days before the end it is.
    pub next_reminder_at: Option<DateTimeUtc>,
    pub next_reminder_days: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
