//! `device_reservations` table: the units of a device an order took from stock.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "device_reservations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    pub product_id: Uuid,
    pub units: i64,
    /// Set while the units are back in stock (the order failed or was cancelled).
    pub released_at: Option<DateTimeUtc>,
    /// kg CO2e one unit saves against a new one, as the listing stated it when ordered (none
    /// when unknown).
    pub saved_kg_per_unit: Option<i64>,
    pub saved_source: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
