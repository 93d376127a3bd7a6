//! Device listings: what a buyer reads, what cannot be listed, vetting's device checks, the
//! operating-system flag and stock.

use anyhow::Result;
use chrono::{Months, Utc};
use serde_json::json;

use super::{chromebook, device_checks, error_field, shop};
use crate::common::{error_codes, spawn_app};

#[tokio::test]
async fn a_refurbished_chromebook_shows_grade_battery_warranty_erasure_stock_and_carbon_saved()
-> Result<()> {
    let s = shop(spawn_app().await?).await?;
    let id = s
        .approved("Chromebook 300e, grade A", chromebook(json!({})))
        .await?;
    let units = s.set_stock(&s.alpha, &id, 40).await?;
    assert_eq!(units["data"]["setDeviceStock"], 40, "{units}");

    let d = s.device(&id).await?;
    assert_eq!(d["condition"], "REFURBISHED");
    assert_eq!(d["grade"], "A");
    assert_eq!(d["gradeDescriptor"], "Minimal wear, unmarked screen");
    assert_eq!(d["batteryHealthPercent"], 85);
    assert_eq!(d["warrantyMonths"], 12);
    assert_eq!(d["erasureStandard"], "NIST_SP_800_88_R2");
    assert_eq!(d["erasureCertifier"], "ADISA");
    assert_eq!(d["formFactor"], "CHROMEBOOK");
    assert_eq!(d["unitsAvailable"], 40);
    assert_eq!(d["osSupportEndsBeforeWarranty"], false);
    // No maker figure given: the documented default for the form factor (280 kg) less the
    // default refurbishment (10 kg), each named.
    assert_eq!(d["carbonSavedKgPerUnit"], 270);
    assert_eq!(d["carbon"]["newUnit"]["kg"], 280);
    assert!(
        d["carbon"]["newUnit"]["source"]
            .as_str()
            .unwrap_or_default()
            .contains("BECTA default for a Chromebook")
    );
    assert!(
        d["carbon"]["savedPerUnit"]["source"]
            .as_str()
            .unwrap_or_default()
            .contains("less the refurbishment")
    );

    // A software product is not a device.
    let phonics = s.f.products["Alpha Phonics"].to_string();
    assert!(s.device(&phonics).await?.is_null());
    s.app.stop().await
}

#[tokio::test]
async fn a_maker_footprint_is_used_with_its_source_and_a_new_device_saves_nothing() -> Result<()> {
    let s = shop(spawn_app().await?).await?;
    let maker = chromebook(json!({
        "newFootprintKg": 350,
        "newFootprintSource": "Lenovo product carbon footprint, 300e Gen 3 (2023)",
        "refurbishmentFootprintKg": 6,
        "refurbishmentFootprintSource": "Second Bloom refurbishment LCA, 2025",
    }));
    let id = s.approved("Chromebook 300e with PCF", maker).await?;
    let d = s.device(&id).await?;
    assert_eq!(d["carbonSavedKgPerUnit"], 344);
    assert_eq!(
        d["carbon"]["newUnit"]["source"],
        "Lenovo product carbon footprint, 300e Gen 3 (2023)"
    );
    assert_eq!(d["carbon"]["refurbishment"]["kg"], 6);

    let new = chromebook(json!({
        "condition": "NEW", "grade": null, "gradeDescriptor": null, "batteryHealthPercent": null,
        "erasureStandard": null, "erasureMethod": null, "erasureCertifier": null, "refurbisher": null,
        "warrantyMonths": 36,
    }));
    let mut checks = device_checks(&new);
    checks["erasure"] = json!({ "outcome": "NOT_APPLICABLE", "sampleCertificatesSeen": false });
    checks["battery"] = json!({ "outcome": "NOT_APPLICABLE", "testReportSeen": false });
    let l = s.in_review("Chromebook 300e, new", new).await?;
    let r = s.decide(&l, checks).await?;
    assert!(r["errors"].is_null(), "{r}");
    let id = r["data"]["decideVetting"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let d = s.device(&id).await?;
    assert_eq!(d["condition"], "NEW");
    assert!(d["grade"].is_null());
    assert_eq!(d["carbonSavedKgPerUnit"], 0);
    s.app.stop().await
}

#[tokio::test]
async fn a_used_device_without_its_facts_or_with_a_weak_battery_cannot_be_listed() -> Result<()> {
    let s = shop(spawn_app().await?).await?;
    let create = |device: serde_json::Value| {
        let input = super::device_input("Weak Chromebook", device);
        let app = &s.app;
        let token = s.alpha.clone();
        async move {
            app.gql_as(
                &token,
                "mutation($input: ProductInput!) { createProduct(input: $input) { id } }",
                json!({ "input": input }),
            )
            .await
        }
    };
    for (device, field) in [
        (
            chromebook(json!({ "batteryHealthPercent": 79 })),
            "device.batteryHealthPercent",
        ),
        (chromebook(json!({ "grade": null })), "device.grade"),
        (
            chromebook(json!({ "erasureStandard": null })),
            "device.erasureStandard",
        ),
        (
            chromebook(json!({ "condition": "REMANUFACTURED", "warrantyMonths": 6 })),
            "device.warrantyMonths",
        ),
        (
            chromebook(json!({ "newFootprintKg": 300 })),
            "device.newFootprintSource",
        ),
        (chromebook(json!({ "condition": "NEW" })), "device.grade"),
    ] {
        let r = create(device).await?;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
        assert_eq!(error_field(&r), field, "{r}");
    }
    s.app.stop().await
}

#[tokio::test]
async fn vetting_a_device_needs_its_checks_resting_on_evidence_and_on_the_listing() -> Result<()> {
    let s = shop(spawn_app().await?).await?;
    let device = chromebook(json!({}));
    let l = s.in_review("Chromebook to vet", device.clone()).await?;
    let refused = |r: &serde_json::Value, field: &str| {
        assert_eq!(error_codes(r), ["BAD_USER_INPUT"], "{r}");
        assert_eq!(error_field(r), field, "{r}");
    };
    // No device checks on a device listing.
    let r = s.decide(&l, serde_json::Value::Null).await?;
    refused(&r, "checklist.device");
    // Erasure to the withdrawn NIST revision does not pass.
    let mut c = device_checks(&device);
    c["erasure"]["standard"] = json!("NIST_SP_800_88_R1");
    refused(&s.decide(&l, c).await?, "checklist.device.erasure.standard");
    // Erasure passes only on sample certificates seen.
    let mut c = device_checks(&device);
    c["erasure"]["sampleCertificatesSeen"] = json!(false);
    refused(
        &s.decide(&l, c).await?,
        "checklist.device.erasure.sampleCertificatesSeen",
    );
    // A used device is not approved with erasure failing.
    let mut c = device_checks(&device);
    c["erasure"] = json!({ "outcome": "FAIL", "sampleCertificatesSeen": false });
    refused(&s.decide(&l, c).await?, "checklist.device.erasure");
    // The warranty recorded must be the listing's.
    let mut c = device_checks(&device);
    c["warranty"]["months"] = json!(24);
    refused(&s.decide(&l, c).await?, "checklist.device.warranty.months");
    // A battery policy below 80% does not pass.
    let mut c = device_checks(&device);
    c["battery"]["minHealthPercent"] = json!(75);
    refused(
        &s.decide(&l, c).await?,
        "checklist.device.battery.minHealthPercent",
    );
    // Nothing was approved on the way.
    let r = s.decide(&l, device_checks(&device)).await?;
    assert_eq!(r["data"]["decideVetting"]["status"], "APPROVED", "{r}");
    let h = &r["data"]["decideVetting"]["vettingHistory"];
    assert_eq!(h.as_array().map(Vec::len), Some(2), "{h}");

    // Device checks on a listing that is not a device are refused.
    let l = crate::common::flows::create(&s.app, &s.alpha, "Not a device").await?;
    let l = crate::common::flows::step(
        &s.app,
        &s.alpha,
        crate::common::flows::SUBMIT,
        &l,
        json!({}),
    )
    .await?;
    let l = crate::common::flows::step(
        &s.app,
        &s.admin,
        crate::common::flows::START_REVIEW,
        &l,
        json!({}),
    )
    .await?;
    refused(
        &s.decide(&l, device_checks(&device)).await?,
        "checklist.device",
    );
    s.app.stop().await
}

#[tokio::test]
async fn os_support_ending_inside_the_warranty_is_flagged_to_buyers_and_fails_its_check()
-> Result<()> {
    let s = shop(spawn_app().await?).await?;
    let soon = Utc::now()
        .date_naive()
        .checked_add_months(Months::new(6))
        .unwrap_or_default()
        .to_string();
    let device = chromebook(json!({ "osSupportEndsOn": soon }));
    let l = s
        .in_review("Chromebook near its update expiry", device.clone())
        .await?;
    // The OS support check cannot pass when support ends inside the 12-month warranty...
    let r = s.decide(&l, device_checks(&device)).await?;
    assert_eq!(
        error_field(&r),
        "checklist.device.osSupport.supportEndsOn",
        "{r}"
    );
    // ...but failing it does not block approval: buyers see the flag.
    let mut c = device_checks(&device);
    c["osSupport"]["outcome"] = json!("FAIL");
    let r = s.decide(&l, c).await?;
    assert_eq!(r["data"]["decideVetting"]["status"], "APPROVED", "{r}");
    let id = r["data"]["decideVetting"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let d = s.device(&id).await?;
    assert_eq!(d["osSupportEndsBeforeWarranty"], true);
    assert_eq!(d["osSupportEndsOn"], soon);
    s.app.stop().await
}

#[tokio::test]
async fn only_the_listing_supplier_sets_stock_and_only_on_a_device() -> Result<()> {
    let s = shop(spawn_app().await?).await?;
    let id = s
        .approved("Chromebook with stock", chromebook(json!({})))
        .await?;
    let r = s.set_stock(&s.beta, &id, 10).await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"], "{r}");
    let r = s.set_stock(&s.alpha, &id, -1).await?;
    assert_eq!(error_field(&r), "unitsAvailable", "{r}");
    let phonics = s.f.products["Alpha Phonics"].to_string();
    let r = s.set_stock(&s.alpha, &phonics, 5).await?;
    assert_eq!(error_field(&r), "productId", "{r}");
    let school = s.app.token(
        becta_domain::vocab::Role::SchoolBuyer,
        Some(&crate::common::fixture::SCHOOL_URN.to_string()),
    );
    let r = s.set_stock(&school, &id, 5).await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"], "{r}");
    assert_eq!(s.device(&id).await?["unitsAvailable"], 0);
    s.app.stop().await
}
