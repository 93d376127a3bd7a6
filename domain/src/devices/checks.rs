//! Vetting's device checks: erasure evidence, warranty terms, battery policy and operating
//! system support, recorded with the checklist of a device listing.
//!
//! Policy: each pass rests on its evidence, and an approval on the facts the listing states
//! (as for the rest of the checklist). A used device is approved only when erasure, battery
//! (for a device with one) and warranty pass; a new one when warranty passes. Operating
//! system support that ends inside the warranty does not block approval: buyers see the flag
//! on the listing (`DeviceSpec::os_support_ends_before_warranty`).

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::devices::DeviceSpec;
use crate::vocab::{CheckOutcome, ErasureStandard};
use crate::{Error, Result};

/// Certified data erasure: the standard, and a sample of per-device certificates (serial,
/// method, certificate id, chain of custody) seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject, async_graphql::InputObject),
    graphql(input_name = "ErasureCheckInput")
)]
pub struct ErasureCheck {
    pub outcome: CheckOutcome,
    pub standard: Option<ErasureStandard>,
    pub sample_certificates_seen: bool,
    pub note: Option<String>,
}

/// The warranty terms, and the months they give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject, async_graphql::InputObject),
    graphql(input_name = "WarrantyCheckInput")
)]
pub struct WarrantyCheck {
    pub outcome: CheckOutcome,
    pub months: i32,
    pub terms_seen: bool,
    pub note: Option<String>,
}

/// The battery policy: the lowest health sold and the test report it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject, async_graphql::InputObject),
    graphql(input_name = "BatteryCheckInput")
)]
pub struct BatteryCheck {
    pub outcome: CheckOutcome,
    pub min_health_percent: Option<i32>,
    pub test_report_seen: bool,
    pub note: Option<String>,
}

/// Operating system support: it must last at least as long as the warranty to pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject, async_graphql::InputObject),
    graphql(input_name = "OsSupportCheckInput")
)]
pub struct OsSupportCheck {
    pub outcome: CheckOutcome,
    pub support_ends_on: Option<NaiveDate>,
    pub note: Option<String>,
}

/// The device checks of a device listing's vetting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject, async_graphql::InputObject),
    graphql(input_name = "DeviceCheckInput")
)]
pub struct DeviceCheck {
    pub erasure: ErasureCheck,
    pub warranty: WarrantyCheck,
    pub battery: BatteryCheck,
    pub os_support: OsSupportCheck,
}

const PASS: CheckOutcome = CheckOutcome::Pass;

fn bad(field: &str, message: impl Into<String>) -> Error {
    Error::bad_input(format!("checklist.device.{field}"), message)
}

impl DeviceCheck {
    /// Each pass must rest on its evidence.
    pub fn validate(&self) -> Result<()> {
        let e = &self.erasure;
        if e.outcome == PASS {
            match e.standard {
                Some(s) if !s.is_current() => {
                    return Err(bad(
                        "erasure.standard",
                        format!(
                            "erasure passes only to a current standard; {} is withdrawn",
                            s.label()
                        ),
                    ));
                }
                None => {
                    return Err(bad(
                        "erasure.standard",
                        "erasure passes only with the standard recorded",
                    ));
                }
                Some(_) => {}
            }
            if !e.sample_certificates_seen {
                return Err(bad(
                    "erasure.sampleCertificatesSeen",
                    "erasure passes only once sample per-device certificates have been seen",
                ));
            }
        }
        let w = &self.warranty;
        if !(0..=crate::devices::spec::MAX_WARRANTY_MONTHS).contains(&w.months) {
            return Err(bad("warranty.months", "`months` must be 0 to 60"));
        }
        if w.outcome == PASS && !w.terms_seen {
            return Err(bad(
                "warranty.termsSeen",
                "warranty passes only once its terms have been seen",
            ));
        }
        let b = &self.battery;
        if b.outcome == PASS {
            match b.min_health_percent {
                Some(p)
                    if (crate::devices::spec::MIN_BATTERY_HEALTH_PERCENT..=100).contains(&p) => {}
                _ => {
                    return Err(bad(
                        "battery.minHealthPercent",
                        "battery passes only with a minimum health of 80 to 100 percent recorded",
                    ));
                }
            }
            if !b.test_report_seen {
                return Err(bad(
                    "battery.testReportSeen",
                    "battery passes only once its test report has been seen",
                ));
            }
        }
        let o = &self.os_support;
        if o.outcome == PASS {
            let today = Utc::now().date_naive();
            let warranty_end = today
                .checked_add_months(chrono::Months::new(u32::try_from(w.months).unwrap_or(0)))
                .unwrap_or(NaiveDate::MAX);
            match o.support_ends_on {
                Some(end) if end >= warranty_end => {}
                _ => {
                    return Err(bad(
                        "osSupport.supportEndsOn",
                        "operating system support passes only when it lasts at least as long as the warranty",
                    ));
                }
            }
        }
        for (field, note) in [
            ("erasure.note", &e.note),
            ("warranty.note", &w.note),
            ("battery.note", &b.note),
            ("osSupport.note", &o.note),
        ] {
            if let Some(n) = note {
                crate::validate::text(&format!("checklist.device.{field}"), n, 0, 2_000)?;
            }
        }
        Ok(())
    }

    /// An approval of a device listing: the checks it needs pass, and the facts recorded are
    /// the listing's.
    pub fn approves(&self, spec: &DeviceSpec) -> Result<()> {
        let mut needed = vec![("warranty", self.warranty.outcome)];
        if spec.is_used() {
            needed.push(("erasure", self.erasure.outcome));
            if spec.form_factor.has_battery() {
                needed.push(("battery", self.battery.outcome));
            }
        }
        for (field, outcome) in needed {
            if outcome != PASS {
                return Err(bad(
                    field,
                    format!(
                        "a {} device is approved only when {field} passes",
                        spec.condition.label().to_lowercase()
                    ),
                ));
            }
        }
        let refuse = |field: &str, checked: String, stated: String| {
            Err(bad(
                field,
                format!(
                    "the checklist records {checked} but the listing states {stated}: approve only the facts schools will read, or request changes"
                ),
            ))
        };
        let show = |v: Option<String>| v.unwrap_or_else(|| "none".to_owned());
        if let Some(s) = self.erasure.standard
            && Some(s) != spec.erasure_standard
        {
            return refuse(
                "erasure.standard",
                s.label().to_owned(),
                show(spec.erasure_standard.map(|s| s.label().to_owned())),
            );
        }
        if self.warranty.months != spec.warranty_months {
            return refuse(
                "warranty.months",
                format!("{} months", self.warranty.months),
                format!("{} months", spec.warranty_months),
            );
        }
        if let Some(p) = self.battery.min_health_percent
            && Some(p) != spec.battery_health_percent
        {
            return refuse(
                "battery.minHealthPercent",
                format!("{p}%"),
                show(spec.battery_health_percent.map(|p| format!("{p}%"))),
            );
        }
        if let Some(d) = self.os_support.support_ends_on
            && Some(d) != spec.os_support_ends_on
        {
            return refuse(
                "osSupport.supportEndsOn",
                d.to_string(),
                show(spec.os_support_ends_on.map(|d| d.to_string())),
            );
        }
        Ok(())
    }
}
