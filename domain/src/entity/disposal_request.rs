//! `disposal_requests` table: a school's request to a lot's supplier to collect old devices.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "disposal_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub school_id: Uuid,
    pub deal_id: Uuid,
    /// Null once the deal was re-imported (its lots written anew).
    pub lot_id: Option<Uuid>,
    pub lot_number: i32,
    pub lot_title: String,
    pub supplier_id: Uuid,
    /// See `vocab::DisposalStatus`.
    pub status: String,
    /// See `vocab::ErasureStandard`.
    pub erasure_standard: String,
    /// See `vocab::DisposalOutcomeWanted`.
    pub outcome_wanted: String,
    /// Where to collect from and whom to ask for.
    pub collection_note: String,
    pub preferred_collection_date: Date,
    /// The date the supplier set.
    pub collection_date: Option<Date>,
    pub decline_reason: Option<String>,
    pub cancel_reason: Option<String>,
    /// Why the certificates per form factor differ from the units requested.
    pub difference_reason: Option<String>,
    pub requested_by: Uuid,
    pub scheduled_at: Option<DateTimeUtc>,
    pub collected_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub declined_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
