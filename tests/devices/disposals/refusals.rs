//! Refusals: a lot without disposal, a supplier not on the lot, other parties, bad input
//! naming its field, certificates that do not add up, and steps out of order.

use anyhow::{Context, Result};
use serde_json::json;

use super::{certificates, day, yard};
use crate::common::error_codes;
use crate::devices::error_field;

#[tokio::test]
async fn disposal_is_refused_outside_its_lot_its_parties_its_checks_and_its_order_of_steps()
-> Result<()> {
    let y = yard().await?;
    // A lot without disposal, and a supplier not on the disposal lot.
    let r = y
        .request(&y.school, y.input(json!({ "lotId": y.devices_lot })))
        .await?;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert_eq!(error_field(&r), "lotId");
    let r = y
        .request(&y.school, y.input(json!({ "supplierId": y.ashgrove_id })))
        .await?;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert_eq!(error_field(&r), "supplierId");
    // Bad input names its field.
    for (extra, field) in [
        (
            json!({ "lines": [{ "formFactor": "LAPTOP", "units": 1 }, { "formFactor": "LAPTOP", "units": 2 }] }),
            "lines.formFactor",
        ),
        (
            json!({ "lines": [{ "formFactor": "TABLET", "units": 0 }] }),
            "lines.units",
        ),
        (
            json!({ "lines": [{ "formFactor": "DESKTOP", "units": 10_001 }] }),
            "lines.units",
        ),
        (
            json!({ "preferredCollectionDate": day(-1) }),
            "preferredCollectionDate",
        ),
        (
            json!({ "erasureStandard": "NIST_SP_800_88_R1" }),
            "erasureStandard",
        ),
        (json!({ "collectionNote": "Reception" }), "collectionNote"),
    ] {
        let r = y.request(&y.school, y.input(extra.clone())).await?;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{extra}: {r}");
        assert_eq!(error_field(&r), field, "{extra}: {r}");
    }
    // A trust's buyer names the school.
    let r = y.request(&y.trust, y.input(json!({}))).await?;
    assert_eq!(error_field(&r), "schoolId", "{r}");
    let r = y
        .request(&y.trust, y.input(json!({ "schoolId": y.trust_school_id })))
        .await?;
    assert_eq!(
        r["data"]["requestDisposal"]["schoolId"],
        y.trust_school_id.as_str(),
        "{r}"
    );
    let trusts = r["data"]["requestDisposal"]["id"].as_str().context("id")?;
    assert_eq!(y.listed(&y.trust).await?, [trusts.to_owned()]);

    // Parties: another school, a supplier not on the lot and another supplier of the lot see
    // nothing; a school does not schedule.
    let id = y.requested().await?;
    for token in [&y.other_school, &y.ashgrove, &y.greenloop] {
        assert_eq!(error_codes(&y.read(token, &id).await?), ["NOT_FOUND"]);
    }
    assert_eq!(
        error_codes(&y.cancel(&y.other_school, &id).await?),
        ["NOT_FOUND"]
    );
    assert_eq!(
        error_codes(&y.schedule(&y.ashgrove, &id).await?),
        ["NOT_FOUND"]
    );
    assert_eq!(
        error_codes(&y.schedule(&y.greenloop, &id).await?),
        ["NOT_FOUND"]
    );
    assert_eq!(
        error_codes(&y.schedule(&y.school, &id).await?),
        ["FORBIDDEN"]
    );
    // Steps out of order.
    assert_eq!(
        error_codes(&y.collect(&y.renewtech, &id).await?),
        ["CONFLICT"]
    );
    let r = y
        .complete(&y.renewtech, &id, json!(certificates(40, 10)), None)
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"], "{r}");
    // The school cancels before collection; not twice.
    let r = y.cancel(&y.school, &id).await?;
    assert_eq!(r["data"]["cancelDisposal"]["status"], "CANCELLED", "{r}");
    assert_eq!(
        r["data"]["cancelDisposal"]["cancelReason"],
        "We are keeping them for another year."
    );
    assert_eq!(error_codes(&y.cancel(&y.school, &id).await?), ["CONFLICT"]);
    assert!(
        y.notices(&y.renewtech)
            .await?
            .contains(&"disposal.cancelled".to_owned())
    );

    // The supplier declines with a reason, before scheduling only.
    let id = y.requested().await?;
    let decline = "mutation($id: ID!, $r: String!) { declineDisposal(id: $id, reason: $r) { status declineReason } }";
    let r = y
        .app
        .gql_as(&y.renewtech, decline, json!({ "id": id, "r": " " }))
        .await?;
    assert_eq!(error_field(&r), "reason", "{r}");
    let r = y
        .app
        .gql_as(
            &y.renewtech,
            decline,
            json!({ "id": id, "r": "We do not collect from your area." }),
        )
        .await?;
    assert_eq!(r["data"]["declineDisposal"]["status"], "DECLINED", "{r}");
    assert_eq!(
        error_codes(&y.schedule(&y.renewtech, &id).await?),
        ["CONFLICT"]
    );
    assert!(
        y.notices(&y.school)
            .await?
            .contains(&"disposal.declined".to_owned())
    );

    // Once collected, it is not cancelled; the certificates must add up.
    let id = y.collected().await?;
    assert_eq!(error_codes(&y.cancel(&y.school, &id).await?), ["CONFLICT"]);
    let mut dup = certificates(40, 10);
    dup[1]["serial"] = json!("lap0000 ");
    let r = y.complete(&y.renewtech, &id, json!(dup), Some("x")).await?;
    assert_eq!(error_field(&r), "certificates.serial", "{r}");
    let mut other = certificates(40, 10);
    other[45]["erasureStandard"] = json!("ADISA");
    let r = y.complete(&y.renewtech, &id, json!(other), None).await?;
    assert_eq!(error_field(&r), "certificates.erasureStandard", "{r}");
    let r = y
        .complete(&y.renewtech, &id, json!(certificates(39, 10)), None)
        .await?;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert_eq!(error_field(&r), "differenceReason", "{r}");
    // Nothing was written by the refusals: the request is still COLLECTED.
    let r = y.read(&y.school, &id).await?;
    assert_eq!(r["data"]["disposalRequest"]["status"], "COLLECTED", "{r}");
    assert_eq!(r["data"]["disposalRequest"]["certificates"], json!([]));
    // With a reason, a difference is accepted and kept.
    let reason = "One laptop was not handed over on the day.";
    let r = y
        .complete(&y.renewtech, &id, json!(certificates(39, 10)), Some(reason))
        .await?;
    assert_eq!(r["data"]["completeDisposal"]["status"], "COMPLETED", "{r}");
    assert_eq!(r["data"]["completeDisposal"]["differenceReason"], reason);
    assert_eq!(
        r["data"]["completeDisposal"]["certificates"]
            .as_array()
            .map(Vec::len),
        Some(49)
    );
    let r = y
        .complete(&y.renewtech, &id, json!(certificates(40, 10)), None)
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"], "{r}");
    y.app.stop().await
}
