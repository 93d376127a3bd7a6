//! A device listing's facts: the model, its specification, its condition and, for a used
//! device, what it is bought on (grade, battery health, warranty, data erasure, refurbisher),
//! with the carbon figures the supplier can give from the maker's product carbon footprint.
//!
//! Policy: the facts are part of the listing's content, so they change through the listing's
//! edits and vetting like the rest of it; a new device states no grade, battery or erasure; a
//! used one states all of them (battery only for devices that have one), with at least 80% of
//! its battery's design capacity; a carbon figure is never stored without its source.

use std::collections::HashMap;

use chrono::{Months, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entity::product_device;
use crate::validate;
use crate::vocab::{DeviceCondition, DeviceGrade, ErasureStandard, FormFactor};
use crate::{Error, Result};

/// The lowest battery health (percent of design capacity) a used device may be listed with.
pub const MIN_BATTERY_HEALTH_PERCENT: i32 = 80;
/// The shortest warranty of a remanufactured device: BS 8887-211 asks for one equal to or
/// better than new, and 12 months is a new device's usual warranty.
pub const MIN_REMANUFACTURED_WARRANTY_MONTHS: i32 = 12;
/// The longest warranty a listing may state.
pub const MAX_WARRANTY_MONTHS: i32 = 60;

/// What a supplier states about a device it lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject, async_graphql::InputObject),
    graphql(input_name = "DeviceSpecInput")
)]
pub struct DeviceSpec {
    /// The maker, e.g. "Lenovo".
    pub maker: String,
    /// The maker's model name, e.g. "300e Chromebook Gen 3".
    pub model: String,
    pub form_factor: FormFactor,
    /// e.g. "Intel Celeron N4500".
    pub processor: String,
    /// Memory in GB, 1 to 1,024.
    pub memory_gb: i32,
    /// Storage in GB, 1 to 100,000.
    pub storage_gb: i32,
    /// The screen, e.g. "11.6-inch HD touch".
    pub screen: String,
    /// The operating system and version installed, e.g. "ChromeOS" or "Windows 11 Pro".
    pub operating_system: String,
    /// The last day the operating system gets security updates on this model (a Chromebook's
    /// automatic update expiry, a Windows version's end of support), if known.
    pub os_support_ends_on: Option<NaiveDate>,
    pub condition: DeviceCondition,
    /// The refurbisher's cosmetic grade: required for a used device, absent for a new one.
    pub grade: Option<DeviceGrade>,
    /// The supplier's own words for its grade (there is no national standard).
    pub grade_descriptor: Option<String>,
    /// The lowest battery health of the units sold, in percent of design capacity (80 to 100):
    /// required for a used device that has a battery.
    pub battery_health_percent: Option<i32>,
    /// Warranty in months, 0 to 60 (at least 12 for a remanufactured device).
    pub warranty_months: i32,
    /// The standard the previous owner's data was erased to (used devices).
    pub erasure_standard: Option<ErasureStandard>,
    /// How it was erased, e.g. "Blancco Drive Eraser, cryptographic erase and verification".
    pub erasure_method: Option<String>,
    /// Who certifies the erasure, e.g. "ADISA".
    pub erasure_certifier: Option<String>,
    /// Who refurbished or remanufactured the device (used devices).
    pub refurbisher: Option<String>,
    /// A new unit's embodied footprint in kg CO2e from the maker's product carbon footprint;
    /// without it a documented default for the form factor is used.
    pub new_footprint_kg: Option<i32>,
    /// Where `newFootprintKg` comes from (required with it), e.g. the maker's PCF sheet.
    pub new_footprint_source: Option<String>,
    /// The refurbishment's own footprint in kg CO2e; without it a documented default is used.
    pub refurbishment_footprint_kg: Option<i32>,
    /// Where `refurbishmentFootprintKg` comes from (required with it).
    pub refurbishment_footprint_source: Option<String>,
}

fn bad(field: &str, message: impl Into<String>) -> Error {
    Error::bad_input(format!("device.{field}"), message)
}

fn optional_text(field: &str, v: &Option<String>, min: usize, max: usize) -> Result<()> {
    match v {
        Some(t) => validate::text(&format!("device.{field}"), t, min, max),
        None => Ok(()),
    }
}

fn required_text(field: &str, v: &Option<String>, why: &str) -> Result<()> {
    match v {
        Some(t) if !t.trim().is_empty() => Ok(()),
        _ => Err(bad(field, format!("`{field}` is required {why}"))),
    }
}

impl DeviceSpec {
    pub fn is_used(&self) -> bool {
        self.condition != DeviceCondition::New
    }

    /// The day a warranty starting on `from` ends.
    pub fn warranty_ends_on(&self, from: NaiveDate) -> NaiveDate {
        let months = u32::try_from(self.warranty_months).unwrap_or(0);
        from.checked_add_months(Months::new(months))
            .unwrap_or(NaiveDate::MAX)
    }

    /// True when the operating system stops getting security updates before a warranty
    /// starting on `from` ends: buyers are told.
    pub fn os_support_ends_before_warranty(&self, from: NaiveDate) -> bool {
        self.os_support_ends_on
            .is_some_and(|end| end < self.warranty_ends_on(from))
    }

    pub fn validate(&self) -> Result<()> {
        let f = |n: &str| format!("device.{n}");
        validate::text(&f("maker"), &self.maker, 1, 80)?;
        validate::text(&f("model"), &self.model, 1, 120)?;
        validate::text(&f("processor"), &self.processor, 2, 120)?;
        validate::text(&f("screen"), &self.screen, 0, 80)?;
        validate::text(&f("operatingSystem"), &self.operating_system, 2, 80)?;
        if !(1..=1024).contains(&self.memory_gb) {
            return Err(bad("memoryGb", "`memoryGb` must be 1 to 1024"));
        }
        if !(1..=100_000).contains(&self.storage_gb) {
            return Err(bad("storageGb", "`storageGb` must be 1 to 100000"));
        }
        if !(0..=MAX_WARRANTY_MONTHS).contains(&self.warranty_months) {
            return Err(bad(
                "warrantyMonths",
                format!("`warrantyMonths` must be 0 to {MAX_WARRANTY_MONTHS}"),
            ));
        }
        optional_text("gradeDescriptor", &self.grade_descriptor, 2, 300)?;
        optional_text("erasureMethod", &self.erasure_method, 2, 200)?;
        optional_text("erasureCertifier", &self.erasure_certifier, 2, 120)?;
        optional_text("refurbisher", &self.refurbisher, 2, 200)?;
        self.validate_condition()?;
        self.validate_carbon()
    }

    fn validate_condition(&self) -> Result<()> {
        if !self.is_used() {
            let stated = [
                ("grade", self.grade.is_some()),
                (
                    "batteryHealthPercent",
                    self.battery_health_percent.is_some(),
                ),
                ("erasureStandard", self.erasure_standard.is_some()),
                ("refurbisher", self.refurbisher.is_some()),
            ];
            if let Some((field, _)) = stated.iter().find(|(_, set)| *set) {
                return Err(bad(
                    field,
                    format!(
                        "a NEW device has no `{field}`: it applies to refurbished and remanufactured devices"
                    ),
                ));
            }
            return Ok(());
        }
        let why = "for a refurbished or remanufactured device";
        if self.grade.is_none() {
            return Err(bad("grade", format!("`grade` is required {why}")));
        }
        required_text("gradeDescriptor", &self.grade_descriptor, why)?;
        match self.battery_health_percent {
            None if self.form_factor.has_battery() => {
                return Err(bad(
                    "batteryHealthPercent",
                    format!("`batteryHealthPercent` is required {why} with a battery"),
                ));
            }
            Some(p) if !(MIN_BATTERY_HEALTH_PERCENT..=100).contains(&p) => {
                return Err(bad(
                    "batteryHealthPercent",
                    format!(
                        "`batteryHealthPercent` must be {MIN_BATTERY_HEALTH_PERCENT} to 100: a battery below {MIN_BATTERY_HEALTH_PERCENT}% of its design capacity cannot be listed"
                    ),
                ));
            }
            _ => {}
        }
        if self.erasure_standard.is_none() {
            return Err(bad(
                "erasureStandard",
                format!("`erasureStandard` is required {why}"),
            ));
        }
        required_text("erasureMethod", &self.erasure_method, why)?;
        required_text("erasureCertifier", &self.erasure_certifier, why)?;
        required_text("refurbisher", &self.refurbisher, why)?;
        if self.condition == DeviceCondition::Remanufactured
            && self.warranty_months < MIN_REMANUFACTURED_WARRANTY_MONTHS
        {
            return Err(bad(
                "warrantyMonths",
                format!(
                    "a remanufactured device carries a warranty equal to or better than new (BS 8887-211): at least {MIN_REMANUFACTURED_WARRANTY_MONTHS} months"
                ),
            ));
        }
        Ok(())
    }

    fn validate_carbon(&self) -> Result<()> {
        let pairs = [
            (
                "newFootprintKg",
                "newFootprintSource",
                self.new_footprint_kg,
                &self.new_footprint_source,
                1..=5_000,
            ),
            (
                "refurbishmentFootprintKg",
                "refurbishmentFootprintSource",
                self.refurbishment_footprint_kg,
                &self.refurbishment_footprint_source,
                0..=1_000,
            ),
        ];
        for (kg_field, source_field, kg, source, range) in pairs {
            match (kg, source) {
                (Some(kg), Some(s)) => {
                    if !range.contains(&kg) {
                        return Err(bad(
                            kg_field,
                            format!(
                                "`{kg_field}` must be {} to {} kg CO2e",
                                range.start(),
                                range.end()
                            ),
                        ));
                    }
                    validate::text(&format!("device.{source_field}"), s, 5, 300)?;
                }
                (Some(_), None) => {
                    return Err(bad(
                        source_field,
                        format!("give `{source_field}`: every carbon figure names its source"),
                    ));
                }
                (None, Some(_)) => {
                    return Err(bad(
                        kg_field,
                        format!("`{source_field}` is the source of `{kg_field}`: give both"),
                    ));
                }
                (None, None) => {}
            }
        }
        if let (Some(new), Some(refurb)) = (self.new_footprint_kg, self.refurbishment_footprint_kg)
            && refurb >= new
        {
            return Err(bad(
                "refurbishmentFootprintKg",
                "`refurbishmentFootprintKg` must be less than a new unit's footprint",
            ));
        }
        Ok(())
    }

    /// Trimmed text, blank optional text as absent.
    pub fn normalised(mut self) -> Self {
        let trim = |s: &mut String| *s = s.trim().to_owned();
        let opt = |s: &mut Option<String>| {
            *s = s
                .take()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty());
        };
        trim(&mut self.maker);
        trim(&mut self.model);
        trim(&mut self.processor);
        trim(&mut self.screen);
        trim(&mut self.operating_system);
        opt(&mut self.grade_descriptor);
        opt(&mut self.erasure_method);
        opt(&mut self.erasure_certifier);
        opt(&mut self.refurbisher);
        opt(&mut self.new_footprint_source);
        opt(&mut self.refurbishment_footprint_source);
        self
    }

    pub fn from_row(r: &product_device::Model) -> Result<Self> {
        fn parse<T>(col: &str, v: &str, f: fn(&str) -> Option<T>) -> Result<T> {
            f(v).ok_or_else(|| {
                Error::Internal(format!("unknown code {v:?} in product_devices.{col}"))
            })
        }
        Ok(DeviceSpec {
            maker: r.maker.clone(),
            model: r.model.clone(),
            form_factor: parse("form_factor", &r.form_factor, FormFactor::from_code)?,
            processor: r.processor.clone(),
            memory_gb: r.memory_gb,
            storage_gb: r.storage_gb,
            screen: r.screen.clone(),
            operating_system: r.operating_system.clone(),
            os_support_ends_on: r.os_support_ends_on,
            condition: parse("condition", &r.condition, DeviceCondition::from_code)?,
            grade: r
                .grade
                .as_deref()
                .map(|g| parse("grade", g, DeviceGrade::from_code))
                .transpose()?,
            grade_descriptor: r.grade_descriptor.clone(),
            battery_health_percent: r.battery_health_percent,
            warranty_months: r.warranty_months,
            erasure_standard: r
                .erasure_standard
                .as_deref()
                .map(|s| parse("erasure_standard", s, ErasureStandard::from_code))
                .transpose()?,
            erasure_method: r.erasure_method.clone(),
            erasure_certifier: r.erasure_certifier.clone(),
            refurbisher: r.refurbisher.clone(),
            new_footprint_kg: r.new_footprint_kg,
            new_footprint_source: r.new_footprint_source.clone(),
            refurbishment_footprint_kg: r.refurbishment_footprint_kg,
            refurbishment_footprint_source: r.refurbishment_footprint_source.clone(),
        })
    }

    pub(crate) fn row(&self, product_id: Uuid) -> product_device::ActiveModel {
        let now = Utc::now();
        product_device::ActiveModel {
            product_id: Set(product_id),
            maker: Set(self.maker.clone()),
            model: Set(self.model.clone()),
            form_factor: Set(self.form_factor.code().into()),
            processor: Set(self.processor.clone()),
            memory_gb: Set(self.memory_gb),
            storage_gb: Set(self.storage_gb),
            screen: Set(self.screen.clone()),
            operating_system: Set(self.operating_system.clone()),
            os_support_ends_on: Set(self.os_support_ends_on),
            condition: Set(self.condition.code().into()),
            grade: Set(self.grade.map(|g| g.code().into())),
            grade_descriptor: Set(self.grade_descriptor.clone()),
            battery_health_percent: Set(self.battery_health_percent),
            warranty_months: Set(self.warranty_months),
            erasure_standard: Set(self.erasure_standard.map(|s| s.code().into())),
            erasure_method: Set(self.erasure_method.clone()),
            erasure_certifier: Set(self.erasure_certifier.clone()),
            refurbisher: Set(self.refurbisher.clone()),
            new_footprint_kg: Set(self.new_footprint_kg),
            new_footprint_source: Set(self.new_footprint_source.clone()),
            refurbishment_footprint_kg: Set(self.refurbishment_footprint_kg),
            refurbishment_footprint_source: Set(self.refurbishment_footprint_source.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        }
    }
}

/// The device facts of several products, by product (none for a product that is not a
/// device): one query.
pub async fn specs_of(
    db: &impl ConnectionTrait,
    product_ids: &[Uuid],
) -> Result<HashMap<Uuid, DeviceSpec>> {
    if product_ids.is_empty() {
        return Ok(HashMap::new());
    }
    product_device::Entity::find()
        .filter(product_device::Column::ProductId.is_in(product_ids.iter().copied()))
        .all(db)
        .await?
        .iter()
        .map(|r| Ok((r.product_id, DeviceSpec::from_row(r)?)))
        .collect()
}

/// Inserts the device rows of new products, in the caller's transaction.
pub(crate) async fn insert_many(
    tx: &impl ConnectionTrait,
    specs: Vec<(Uuid, &DeviceSpec)>,
) -> Result<()> {
    for chunk in specs.chunks(200) {
        let rows: Vec<_> = chunk.iter().map(|(id, s)| s.row(*id)).collect();
        product_device::Entity::insert_many(rows).exec(tx).await?;
    }
    Ok(())
}

/// Makes `spec` the product's device facts (none: the product is not a device), in the
/// caller's transaction.
pub(crate) async fn replace(
    tx: &impl ConnectionTrait,
    product_id: Uuid,
    spec: Option<&DeviceSpec>,
) -> Result<()> {
    product_device::Entity::delete_many()
        .filter(product_device::Column::ProductId.eq(product_id))
        .exec(tx)
        .await?;
    if let Some(s) = spec {
        product_device::Entity::insert(s.row(product_id))
            .exec_without_returning(tx)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn refurbished() -> DeviceSpec {
        DeviceSpec {
            maker: "Lenovo".into(),
            model: "300e Chromebook Gen 3".into(),
            form_factor: FormFactor::Chromebook,
            processor: "AMD 3015Ce".into(),
            memory_gb: 4,
            storage_gb: 32,
            screen: "11.6-inch HD touch".into(),
            operating_system: "ChromeOS".into(),
            os_support_ends_on: NaiveDate::from_ymd_opt(2030, 6, 1),
            condition: DeviceCondition::Refurbished,
            grade: Some(DeviceGrade::A),
            grade_descriptor: Some("Minimal wear, unmarked screen".into()),
            battery_health_percent: Some(85),
            warranty_months: 12,
            erasure_standard: Some(ErasureStandard::NistSp80088R2),
            erasure_method: Some("Cryptographic erase with verification".into()),
            erasure_certifier: Some("ADISA".into()),
            refurbisher: Some("Second Bloom Devices Ltd".into()),
            new_footprint_kg: None,
            new_footprint_source: None,
            refurbishment_footprint_kg: None,
            refurbishment_footprint_source: None,
        }
    }

    fn field_of(s: &DeviceSpec) -> Option<String> {
        match s.validate() {
            Err(Error::BadInput { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn a_used_device_states_what_it_is_bought_on() {
        assert!(refurbished().validate().is_ok());
        let mut s = refurbished();
        s.battery_health_percent = Some(79);
        assert_eq!(field_of(&s).as_deref(), Some("device.batteryHealthPercent"));
        let mut s = refurbished();
        s.grade = None;
        assert_eq!(field_of(&s).as_deref(), Some("device.grade"));
        let mut s = refurbished();
        s.erasure_standard = None;
        assert_eq!(field_of(&s).as_deref(), Some("device.erasureStandard"));
        let mut s = refurbished();
        s.condition = DeviceCondition::Remanufactured;
        s.warranty_months = 6;
        assert_eq!(field_of(&s).as_deref(), Some("device.warrantyMonths"));
        let mut s = refurbished();
        s.form_factor = FormFactor::Desktop;
        s.battery_health_percent = None;
        assert!(s.validate().is_ok(), "a desktop has no battery to state");
    }

    #[test]
    fn a_new_device_has_no_grade_and_every_figure_has_a_source() {
        let mut s = refurbished();
        s.condition = DeviceCondition::New;
        assert_eq!(field_of(&s).as_deref(), Some("device.grade"));
        let mut s = refurbished();
        s.new_footprint_kg = Some(300);
        assert_eq!(field_of(&s).as_deref(), Some("device.newFootprintSource"));
        s.new_footprint_source = Some("Maker's product carbon footprint sheet".into());
        assert!(s.validate().is_ok());
        s.refurbishment_footprint_kg = Some(300);
        s.refurbishment_footprint_source = Some("Refurbisher's LCA".into());
        assert_eq!(
            field_of(&s).as_deref(),
            Some("device.refurbishmentFootprintKg")
        );
    }

    #[test]
    fn os_support_ending_inside_the_warranty_is_flagged() {
        let s = refurbished();
        let bought = NaiveDate::from_ymd_opt(2029, 12, 1).unwrap_or_default();
        assert!(s.os_support_ends_before_warranty(bought));
        let bought = NaiveDate::from_ymd_opt(2029, 6, 1).unwrap_or_default();
        assert!(!s.os_support_ends_before_warranty(bought));
    }
}
