//! `disposal_certificates` table: the erasure certificate and outcome of one collected device.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "disposal_certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub request_id: Uuid,
    /// As the supplier gave it, trimmed and upper-cased.
    #[sea_orm(primary_key, auto_increment = false)]
    pub serial: String,
    /// The order the supplier gave the certificates in, from 0.
    pub position: i32,
    /// See `vocab::FormFactor`.
    pub form_factor: String,
    /// See `vocab::ErasureStandard`.
    pub erasure_standard: String,
    pub erasure_method: String,
    pub certificate_reference: String,
    /// See `vocab::DisposalOutcome`.
    pub outcome: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
