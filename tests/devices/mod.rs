//! Devices, new and refurbished: device listings with their grade, battery, warranty and
//! erasure, vetting's device checks and the operating-system flag, stock, and the carbon a
//! unit saves with its source, and the disposal of old devices through a deal's lot.

mod disposals;
mod journey;
mod listings;
mod orders;
mod search;

use anyhow::{Context, Result};
use becta_domain::catalogue::organisations;
use becta_domain::db;
use becta_domain::vocab::Role;
use serde_json::{Value, json};

use crate::common::flows::{self, CREATE, DECIDE, START_REVIEW, SUBMIT};
use crate::common::{TestApp, fixture};

pub const DEVICE: &str = "maker model formFactor processor memoryGb storageGb screen operatingSystem \
    osSupportEndsOn osSupportEndsBeforeWarranty condition grade gradeDescriptor batteryHealthPercent \
    warrantyMonths erasureStandard erasureMethod erasureCertifier refurbisher carbonSavedKgPerUnit \
    carbon { newUnit { kg source } refurbishment { kg source } savedPerUnit { kg source } } unitsAvailable";

/// The fixture, a product category for devices, and the people who list and vet them.
pub struct Shop {
    pub app: TestApp,
    pub f: fixture::Fixture,
    pub alpha: String,
    pub beta: String,
    pub admin: String,
}

pub async fn shop(app: TestApp) -> Result<Shop> {
    let f = fixture::load(&app.db).await?;
    let tx = db::begin_write(&app.db).await?;
    organisations::insert_category(&tx, "school_devices", "product", "School devices", 10).await?;
    db::commit(tx).await?;
    Ok(Shop {
        alpha: app.token(Role::Supplier, Some(&f.alpha.to_string())),
        beta: app.token(Role::Supplier, Some(&f.beta.to_string())),
        admin: app.token(Role::Admin, None),
        app,
        f,
    })
}

/// A refurbished grade A Chromebook's facts, with `extra` on top.
pub fn chromebook(extra: Value) -> Value {
    let mut d = json!({
        "maker": "Lenovo",
        "model": "300e Chromebook Gen 3",
        "formFactor": "CHROMEBOOK",
        "processor": "AMD 3015Ce",
        "memoryGb": 4,
        "storageGb": 32,
        "screen": "11.6-inch HD touch",
        "operatingSystem": "ChromeOS",
        "osSupportEndsOn": "2031-06-30",
        "condition": "REFURBISHED",
        "grade": "A",
        "gradeDescriptor": "Minimal wear, unmarked screen",
        "batteryHealthPercent": 85,
        "warrantyMonths": 12,
        "erasureStandard": "NIST_SP_800_88_R2",
        "erasureMethod": "Cryptographic erase with verification",
        "erasureCertifier": "ADISA",
        "refurbisher": "Second Bloom Devices Ltd",
    });
    if let (Some(d), Some(e)) = (d.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    d
}

/// A listing of the device `device` named `name`.
pub fn device_input(name: &str, device: Value) -> Value {
    let mut input = flows::product_input(name);
    input["summary"] = json!("Refurbished Chromebooks for pupils, ready to enrol.");
    input["categories"] = json!(["school_devices"]);
    input["subjects"] = json!([]);
    input["pricingModel"] = json!("ONE_OFF");
    input["pricePence"] = json!(11_900);
    input["device"] = device;
    input
}

/// Device checks that pass for [`chromebook`]'s facts.
pub fn device_checks(device: &Value) -> Value {
    json!({
        "erasure": { "outcome": "PASS", "standard": device["erasureStandard"], "sampleCertificatesSeen": true },
        "warranty": { "outcome": "PASS", "months": device["warrantyMonths"], "termsSeen": true },
        "battery": { "outcome": "PASS", "minHealthPercent": device["batteryHealthPercent"], "testReportSeen": true },
        "osSupport": { "outcome": "PASS", "supportEndsOn": device["osSupportEndsOn"] },
    })
}

impl Shop {
    /// A device listing by Alpha, submitted and taken into review.
    pub async fn in_review(&self, name: &str, device: Value) -> Result<Value> {
        let l = flows::listing(
            &self
                .app
                .data_as(
                    &self.alpha,
                    &flows::op(CREATE),
                    json!({ "input": device_input(name, device) }),
                )
                .await?,
        )?;
        let l = flows::step(&self.app, &self.alpha, SUBMIT, &l, json!({})).await?;
        flows::step(&self.app, &self.admin, START_REVIEW, &l, json!({})).await
    }

    /// The admin's approval of `listing` with `checks` as the device checks (raw response).
    pub async fn decide(&self, listing: &Value, checks: Value) -> Result<Value> {
        let (id, version) = flows::id_version(listing)?;
        let mut checklist = flows::checklist();
        checklist["device"] = checks;
        self.app
            .gql_as(
                &self.admin,
                &flows::op(DECIDE),
                json!({ "id": id, "version": version, "decision": "APPROVE", "checklist": checklist }),
            )
            .await
    }

    /// A device listing by Alpha, approved with passing checks; its product id.
    pub async fn approved(&self, name: &str, device: Value) -> Result<String> {
        let l = self.in_review(name, device.clone()).await?;
        let r = self.decide(&l, device_checks(&device)).await?;
        let l = flows::listing(&r["data"]).with_context(|| format!("approval: {r}"))?;
        Ok(flows::id_version(&l)?.0)
    }

    /// The public product's device fields.
    pub async fn device(&self, id: &str) -> Result<Value> {
        let v = self
            .app
            .data(
                &format!("query($id: ID!) {{ product(id: $id) {{ device {{ {DEVICE} }} }} }}"),
                json!({ "id": id }),
            )
            .await?;
        Ok(v["product"]["device"].clone())
    }

    pub async fn set_stock(&self, token: &str, id: &str, units: i64) -> Result<Value> {
        self.app
            .gql_as(
                token,
                "mutation($p: ID!, $u: Int!) { setDeviceStock(productId: $p, unitsAvailable: $u) }",
                json!({ "p": id, "u": units }),
            )
            .await
    }
}

/// The `extensions.field` of the first error.
pub fn error_field(r: &Value) -> String {
    r["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
