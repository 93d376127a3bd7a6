//! Devices, new, refurbished and remanufactured: a device listing's facts, its stock, the
//! carbon a unit saves, and the disposal of a school's old devices through a deal's lot
//! ([`disposals`]).
//!
//! Policy: a product is a device when its listing has device facts (`ProductContent::device`);
//! they are written, revised and vetted with the rest of the listing. Stock is the supplier's
//! to set at any time. Carbon figures are derived from the facts on reading, each with its
//! source (see [`carbon`]).

pub mod carbon;
pub mod checks;
pub mod compare;
pub mod disposals;
pub mod savings;
pub mod spec;
pub mod stock;

pub use carbon::{Figure, UnitCarbon};
pub use checks::DeviceCheck;
pub use savings::{CarbonSummary, carbon_summary};
pub use spec::DeviceSpec;

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::Result;

/// A device listing as buyers see it: its facts and the units in stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceListing {
    pub spec: DeviceSpec,
    pub units_available: i64,
}

impl DeviceListing {
    pub fn carbon(&self) -> UnitCarbon {
        carbon::per_unit(&self.spec)
    }
}

/// The device listings among `product_ids` (products that are not devices are absent): two
/// queries however many.
pub async fn listings_of(
    db: &impl ConnectionTrait,
    product_ids: &[Uuid],
) -> Result<HashMap<Uuid, DeviceListing>> {
    let specs = spec::specs_of(db, product_ids).await?;
    let ids: Vec<Uuid> = specs.keys().copied().collect();
    let mut units = stock::units_of(db, &ids).await?;
    Ok(specs
        .into_iter()
        .map(|(id, spec)| {
            let units_available = units.remove(&id).unwrap_or(0);
            (
                id,
                DeviceListing {
                    spec,
                    units_available,
                },
            )
        })
        .collect())
}
