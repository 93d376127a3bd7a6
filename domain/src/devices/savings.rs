//! The carbon a school or trust saved by buying used devices: what its paid device orders
//! recorded when they were placed.
//!
//! Policy: an order counts once paid and while it holds its units (a failed or cancelled one
//! does not). Each order's saving is its units times the saving per unit its listing stated
//! when ordered, with that figure's source; units whose saving was unknown are counted apart,
//! never guessed. A school buyer sees its school's; a trust's buyer its schools' or one
//! `school_id` of them; an admin every school's or one.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Result;
use crate::actor::Actor;
use crate::catalogue::organisations;
use crate::entity::{device_reservation, order};
use crate::vocab::OrderStatus;

/// Carbon saved by paid device orders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CarbonSummary {
    /// Paid device orders counted.
    pub orders: i64,
    /// Units they bought.
    pub units: i64,
    /// kg CO2e saved against buying the same units new.
    pub saved_kg: i64,
    /// Units whose saving is unknown (no documented footprint for their kind of device).
    pub units_without_figure: i64,
    /// Every source the figures rest on, once each.
    pub sources: Vec<String>,
}

/// How the carbon figures of reports are made, for readers of totals (the sector view).
pub const TOTALS_SOURCE: &str = "The sum, over paid orders of used devices, of the units bought times the saving per unit their listing stated when ordered: a new unit's footprint (the maker's product carbon footprint, or BECTA's documented default for the form factor) less the refurbishment's own; units with no documented footprint are left out";

/// The device units paid orders hold, with the school of each order: of `schools`, or of
/// every school.
async fn paid_reservations(
    db: &impl ConnectionTrait,
    schools: Option<&[Uuid]>,
) -> Result<Vec<(Uuid, device_reservation::Model)>> {
    let mut q = order::Entity::find().filter(order::Column::Status.eq(OrderStatus::Paid.code()));
    if let Some(s) = schools {
        q = q.filter(order::Column::SchoolId.is_in(s.iter().copied()));
    }
    let school_of: HashMap<Uuid, Uuid> = q
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.school_id))
        .collect();
    let paid: Vec<Uuid> = school_of.keys().copied().collect();
    let mut held = Vec::new();
    for chunk in paid.chunks(500) {
        held.extend(
            device_reservation::Entity::find()
                .filter(device_reservation::Column::OrderId.is_in(chunk.iter().copied()))
                .filter(device_reservation::Column::ReleasedAt.is_null())
                .all(db)
                .await?
                .into_iter()
                .filter_map(|r| school_of.get(&r.order_id).map(|s| (*s, r))),
        );
    }
    Ok(held)
}

/// The carbon the actor's schools (or `school_id`) saved through paid device orders.
pub async fn carbon_summary(
    db: &impl ConnectionTrait,
    actor: &Actor,
    school_id: Option<Uuid>,
) -> Result<CarbonSummary> {
    let schools = organisations::schools_reported(db, actor, school_id).await?;
    let mut summary = CarbonSummary::default();
    let mut sources = BTreeSet::new();
    for (_, r) in paid_reservations(db, schools.as_deref()).await? {
        summary.orders += 1;
        summary.units += r.units;
        match r.saved_kg_per_unit {
            Some(kg) => summary.saved_kg += kg * r.units,
            None => summary.units_without_figure += r.units,
        }
        sources.extend(r.saved_source);
    }
    summary.sources = sources.into_iter().collect();
    Ok(summary)
}

/// kg CO2e saved by every school that has bought used devices with a known saving.
pub async fn saved_kg_by_school(db: &impl ConnectionTrait) -> Result<HashMap<Uuid, i64>> {
    let mut by_school: HashMap<Uuid, i64> = HashMap::new();
    for (school, r) in paid_reservations(db, None).await? {
        if let Some(kg) = r.saved_kg_per_unit.filter(|kg| *kg > 0) {
            *by_school.entry(school).or_default() += kg * r.units;
        }
    }
    Ok(by_school)
}

/// The carbon an order's units save, with its source: none unless it is a device order whose
/// saving was known when placed.
pub async fn saved_by_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Option<crate::devices::Figure>> {
    let r = device_reservation::Entity::find_by_id(order_id)
        .one(db)
        .await?;
    Ok(r.and_then(|r| {
        Some(crate::devices::Figure {
            kg: r.saved_kg_per_unit? * r.units,
            source: r.saved_source?,
        })
    }))
}
