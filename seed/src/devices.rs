//! Turns the sample device models and listings into approved device products with stock.

use std::collections::HashMap;

use becta_domain::catalogue::products::{NewProduct, ProductContent};
use becta_domain::devices::DeviceSpec;
use becta_domain::vocab::*;
use becta_domain::{Error, Result};
use chrono::NaiveDate;
use uuid::Uuid;

use crate::dataset::devices::{grade_descriptor, listings, models};
use crate::dataset::{DeviceListingSeed, DeviceModelSeed};
use crate::{code, codes};

/// The product category of laptops, Chromebooks, tablets and desktops.
pub const DEVICES_CATEGORY: &str = "school_devices";
/// The product category of interactive panels.
pub const PANELS_CATEGORY: &str = "interactive_displays";

fn spec(m: &DeviceModelSeed, l: &DeviceListingSeed) -> Result<DeviceSpec> {
    let date = |(y, mo, d): (i32, u32, u32)| {
        NaiveDate::from_ymd_opt(y, mo, d)
            .ok_or_else(|| Error::Internal(format!("sample data: bad date for {}", m.key)))
    };
    let (erasure_standard, erasure_method, erasure_certifier) = match l.erasure {
        Some((standard, method, certifier)) => (
            Some(code(
                ErasureStandard::from_code,
                "erasure standard",
                standard,
            )?),
            Some(method.to_owned()),
            Some(certifier.to_owned()),
        ),
        None => (None, None, None),
    };
    Ok(DeviceSpec {
        maker: m.maker.into(),
        model: m.model.into(),
        form_factor: code(FormFactor::from_code, "form factor", m.form_factor)?,
        processor: m.processor.into(),
        memory_gb: m.memory_gb,
        storage_gb: m.storage_gb,
        screen: m.screen.into(),
        operating_system: m.operating_system.into(),
        os_support_ends_on: m.os_support_ends_on.map(date).transpose()?,
        condition: code(DeviceCondition::from_code, "condition", l.condition)?,
        grade: l
            .grade
            .map(|g| code(DeviceGrade::from_code, "grade", g))
            .transpose()?,
        grade_descriptor: l.grade.map(|g| grade_descriptor(g).to_owned()),
        battery_health_percent: l.battery_health_percent,
        warranty_months: l.warranty_months,
        erasure_standard,
        erasure_method,
        erasure_certifier,
        refurbisher: l.refurbisher.map(Into::into),
        new_footprint_kg: m.new_footprint.map(|(kg, _)| kg),
        new_footprint_source: m.new_footprint.map(|(_, s)| s.to_owned()),
        refurbishment_footprint_kg: None,
        refurbishment_footprint_source: None,
    })
}

fn platform(os: &str) -> Vec<Platform> {
    let os = os.to_lowercase();
    if os.contains("chromeos") {
        vec![Platform::ChromeOs]
    } else if os.contains("windows") {
        vec![Platform::Windows]
    } else if os.contains("ipados") {
        vec![Platform::Ios]
    } else if os.contains("macos") {
        vec![Platform::MacOs]
    } else if os.contains("android") {
        vec![Platform::Android]
    } else {
        vec![]
    }
}

fn description(m: &DeviceModelSeed, l: &DeviceListingSeed, s: &DeviceSpec) -> String {
    let mut d = format!(
        "{} {} {}: {}, {} GB memory, {} GB storage, {} screen, {}.",
        s.condition.label(),
        m.maker,
        m.model,
        m.processor,
        m.memory_gb,
        m.storage_gb,
        m.screen,
        m.operating_system,
    );
    if let (Some(g), Some(desc)) = (s.grade, &s.grade_descriptor) {
        d.push_str(&format!(" {} ({desc}).", g.label()));
    }
    if let Some(b) = s.battery_health_percent {
        d.push_str(&format!(
            " Battery health at least {b}% of design capacity."
        ));
    }
    d.push_str(&format!(" {}-month warranty.", l.warranty_months));
    if let Some(e) = s.erasure_standard {
        d.push_str(&format!(
            " Previous owners' data erased to {} with a certificate per device.",
            e.label()
        ));
    }
    d
}

/// The sample device listings as approved products, each with the units it has in stock.
pub fn products(
    supplier: &dyn Fn(&str) -> Result<Uuid>,
    website: &dyn Fn(&str) -> String,
) -> Result<Vec<(NewProduct, i64)>> {
    let models: HashMap<&str, DeviceModelSeed> = models().into_iter().map(|m| (m.key, m)).collect();
    let mut out = Vec::new();
    for l in listings() {
        let m = models
            .get(l.model)
            .ok_or_else(|| Error::Internal(format!("sample data: unknown model {}", l.model)))?;
        let s = spec(m, &l)?;
        let category = if s.form_factor == FormFactor::InteractivePanel {
            PANELS_CATEGORY
        } else {
            DEVICES_CATEGORY
        };
        let content = ProductContent {
            name: l.name.into(),
            summary: l.summary.into(),
            description: description(m, &l, &s),
            categories: vec![category.to_owned()],
            subjects: vec![],
            key_stages: codes(
                KeyStage::from_code,
                "key stage",
                &["ks1", "ks2", "ks3", "ks4"],
            )?,
            platforms: platform(m.operating_system),
            pricing_model: PricingModel::OneOff,
            price_pence: l.price_pence,
            hosting_location: HostingLocation::Uk,
            cyber_essentials: CyberEssentials::CyberEssentialsPlus,
            accessibility_statement_url: None,
            dpia_available: false,
            sso_microsoft: false,
            sso_google: false,
            mis_integration: false,
            website: Some(website(l.supplier)),
            device: Some(s),
        };
        out.push((
            NewProduct {
                supplier_id: supplier(l.supplier)?,
                content,
                status: ProductStatus::Approved,
                badges: vec![],
                is_sample: true,
            },
            l.units,
        ));
    }
    Ok(out)
}
