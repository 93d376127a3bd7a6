//! The rows a comparison of products gains when one of them is a device: what a buyer of
//! laptops, Chromebooks or tablets weighs (condition, grade, battery, warranty, erasure,
//! operating-system support, specification, carbon and stock), in words.
//!
//! Policy: a product that is not a device reads "not a device" on these rows; a record not
//! found stays empty, as on every row of a comparison.

use std::collections::HashMap;

use chrono::NaiveDate;
use uuid::Uuid;

use super::DeviceListing;

/// One comparison row: key, label and one value per compared id.
pub type Row = (&'static str, &'static str, Vec<Option<String>>);

const NOT_A_DEVICE: &str = "not a device";

/// The device rows for `ids` (in order), given which of them were found and their device
/// listings; `today` dates the operating-system check. Empty when none is a device.
pub fn rows(
    ids: &[Uuid],
    found: &dyn Fn(&Uuid) -> bool,
    listings: &HashMap<Uuid, DeviceListing>,
    today: NaiveDate,
) -> Vec<Row> {
    if listings.is_empty() {
        return Vec::new();
    }
    let per = |f: &dyn Fn(&DeviceListing) -> String| -> Vec<Option<String>> {
        ids.iter()
            .map(|id| match listings.get(id) {
                Some(l) => Some(f(l)),
                None if found(id) => Some(NOT_A_DEVICE.to_owned()),
                None => None,
            })
            .collect()
    };
    vec![
        (
            "device_model",
            "Device",
            per(&|l| {
                format!(
                    "{} {} ({})",
                    l.spec.maker,
                    l.spec.model,
                    l.spec.form_factor.label()
                )
            }),
        ),
        (
            "condition",
            "Condition",
            per(&|l| l.spec.condition.label().to_owned()),
        ),
        (
            "grade",
            "Cosmetic grade",
            per(&|l| match (l.spec.grade, &l.spec.grade_descriptor) {
                (Some(g), Some(d)) => format!("{}: {d}", g.label()),
                (Some(g), None) => g.label().to_owned(),
                (None, _) => "none (new)".to_owned(),
            }),
        ),
        (
            "battery_health",
            "Battery health",
            per(&|l| match l.spec.battery_health_percent {
                Some(p) => format!("at least {p}% of design capacity"),
                None if l.spec.is_used() && l.spec.form_factor.has_battery() => {
                    "not stated".to_owned()
                }
                None => "not applicable".to_owned(),
            }),
        ),
        (
            "warranty",
            "Warranty",
            per(&|l| format!("{} months", l.spec.warranty_months)),
        ),
        (
            "data_erasure",
            "Data erasure",
            per(&|l| match l.spec.erasure_standard {
                Some(s) => {
                    let mut v = s.label().to_owned();
                    if let Some(m) = &l.spec.erasure_method {
                        v.push_str(&format!(", {m}"));
                    }
                    if let Some(c) = &l.spec.erasure_certifier {
                        v.push_str(&format!(", certified by {c}"));
                    }
                    v
                }
                None if l.spec.is_used() => "not stated".to_owned(),
                None => "not applicable (new)".to_owned(),
            }),
        ),
        (
            "specification",
            "Specification",
            per(&|l| {
                format!(
                    "{}, {} GB memory, {} GB storage, {}",
                    l.spec.processor, l.spec.memory_gb, l.spec.storage_gb, l.spec.screen
                )
            }),
        ),
        (
            "operating_system",
            "Operating system and security updates",
            per(&|l| {
                let os = &l.spec.operating_system;
                match l.spec.os_support_ends_on {
                    Some(end) if l.spec.os_support_ends_before_warranty(today) => format!(
                        "{os}, updates until {}: ends before the warranty does",
                        end.format("%-d %B %Y")
                    ),
                    Some(end) => format!("{os}, updates until {}", end.format("%-d %B %Y")),
                    None => format!("{os}, end of updates not stated"),
                }
            }),
        ),
        (
            "carbon_saved_per_unit",
            "Carbon saved per unit",
            per(&|l| match l.carbon().saved {
                Some(f) if f.kg > 0 => format!("{} kg CO2e ({})", f.kg, f.source),
                Some(_) => "none (a new unit)".to_owned(),
                None => "unknown (no documented footprint for this kind of device)".to_owned(),
            }),
        ),
        (
            "units_available",
            "Units in stock",
            per(&|l| l.units_available.to_string()),
        ),
    ]
}
