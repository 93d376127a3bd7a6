//! `organisations` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub urn: Option<i32>,
    pub establishment_type: Option<String>,
    pub phase: Option<String>,
    pub la_code: Option<String>,
    pub la_name: Option<String>,
    pub region: Option<String>,
    pub trust_id: Option<Uuid>,
    pub group_uid: Option<String>,
    pub pupil_count: Option<i32>,
    pub postcode: Option<String>,
    pub companies_house_number: Option<String>,
    pub website: Option<String>,
    pub is_sample: bool,
    /// `open`, `closed` or `proposed_to_open` (GIAS's establishment status).
    pub status: String,
    pub ukprn: Option<i32>,
    pub opened_on: Option<Date>,
    pub closed_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
