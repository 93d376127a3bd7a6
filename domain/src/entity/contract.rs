//! `contracts` table: a school's contract in its contracts register.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub school_id: Uuid,
    /// `order` (made by a paid order) or `manual` (added by the school); see
    /// `vocab::ContractSource`.
    pub source: String,
    pub product_id: Option<Uuid>,
    /// The catalogue product's name when bought, or the name the school gave.
    pub product_name: String,
    pub supplier_id: Option<Uuid>,
    /// The catalogue supplier's name when bought, or the name the school gave.
    pub supplier_name: String,
    pub deal_id: Option<Uuid>,
    pub lot_id: Option<Uuid>,
    /// The latest paid order that made or extended it.
    pub last_order_id: Option<Uuid>,
    /// How many paid orders made or extended it.
    pub paid_orders: i32,
    pub starts_on: Date,
    pub ends_on: Date,
    /// `ends_on` less `notice_days`: the last day to give notice.
    pub notice_on: Date,
    pub auto_renews: bool,
    pub notice_days: i32,
    /// Days before the notice date to remind, largest first, comma-separated.
    pub reminder_days: String,
    /// The next renewal reminder to send; none once the notice date has passed.
    pub next_reminder_on: Option<Date>,
    pub annual_cost_pence: i64,
    pub licences_bought: i64,
    pub licences_in_use: Option<i64>,
    pub notes: Option<String>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
