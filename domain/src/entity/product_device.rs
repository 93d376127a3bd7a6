//! `product_devices` table: the device facts of a listing of a device (one row per product).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "product_devices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: Uuid,
    pub maker: String,
    pub model: String,
    pub form_factor: String,
    pub processor: String,
    pub memory_gb: i32,
    pub storage_gb: i32,
    pub screen: String,
    pub operating_system: String,
    pub os_support_ends_on: Option<Date>,
    pub condition: String,
    pub grade: Option<String>,
    pub grade_descriptor: Option<String>,
    pub battery_health_percent: Option<i32>,
    pub warranty_months: i32,
    pub erasure_standard: Option<String>,
    pub erasure_method: Option<String>,
    pub erasure_certifier: Option<String>,
    pub refurbisher: Option<String>,
    pub new_footprint_kg: Option<i32>,
    pub new_footprint_source: Option<String>,
    pub refurbishment_footprint_kg: Option<i32>,
    pub refurbishment_footprint_source: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
