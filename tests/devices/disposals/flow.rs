//! The whole way through on the seeded lot, and which lots offer disposal.

use anyhow::{Context, Result};
use becta_domain::entity::{deal, lot, organisation};
use becta_domain::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::{certificates, day, yard};

#[tokio::test]
async fn a_school_has_40_laptops_and_10_tablets_collected_and_reads_a_certificate_for_each()
-> Result<()> {
    let y = yard().await?;
    let r = y.request(&y.school, y.input(json!({}))).await?;
    let req = &r["data"]["requestDisposal"];
    assert_eq!(req["status"], "REQUESTED", "{r}");
    assert_eq!(req["totalUnits"], 50);
    assert_eq!(
        req["lines"],
        json!([{ "formFactor": "LAPTOP", "units": 40 }, { "formFactor": "TABLET", "units": 10 }])
    );
    assert_eq!(req["supplierName"], "Renewtech Circular IT Ltd");
    assert_eq!(req["dealTitle"], "Refurbished ICT Equipment");
    assert_eq!(req["lotTitle"], "Lot 2: IT asset disposal and buy-back");
    assert_eq!(req["certificates"], json!([]));
    let id = req["id"].as_str().context("id")?.to_owned();
    assert!(
        y.notices(&y.renewtech)
            .await?
            .contains(&"disposal.requested".to_owned())
    );

    let r = y.schedule(&y.renewtech, &id).await?;
    assert_eq!(r["data"]["scheduleDisposal"]["status"], "SCHEDULED", "{r}");
    assert_eq!(r["data"]["scheduleDisposal"]["collectionDate"], day(21));
    assert!(
        y.notices(&y.school)
            .await?
            .contains(&"disposal.scheduled".to_owned())
    );

    let r = y.collect(&y.renewtech, &id).await?;
    assert_eq!(
        r["data"]["markDisposalCollected"]["status"], "COLLECTED",
        "{r}"
    );

    let r = y
        .complete(&y.renewtech, &id, json!(certificates(40, 10)), None)
        .await?;
    assert_eq!(r["data"]["completeDisposal"]["status"], "COMPLETED", "{r}");
    assert!(
        y.notices(&y.school)
            .await?
            .contains(&"disposal.completed".to_owned())
    );

    // The school reads a certificate per device, in the order given.
    let r = y.read(&y.school, &id).await?;
    let certs = r["data"]["disposalRequest"]["certificates"]
        .as_array()
        .cloned()
        .with_context(|| format!("{r}"))?;
    assert_eq!(certs.len(), 50);
    assert_eq!(
        certs[0],
        json!({
            "serial": "LAP0000", "formFactor": "LAPTOP", "erasureStandard": "NIST_SP_800_88_R2",
            "erasureMethod": "Cryptographic erase with verification",
            "certificateReference": "RT-2026-LAP0000", "outcome": "REUSED",
        })
    );
    assert_eq!(certs[9]["outcome"], "RECYCLED");
    assert_eq!(certs[49]["serial"], "TAB0009");
    assert_eq!(
        r["data"]["disposalRequest"]["differenceReason"],
        Value::Null
    );

    // Who lists it: the school, the supplier and admins; not another supplier of the lot.
    assert_eq!(y.listed(&y.school).await?, [id.as_str()]);
    assert_eq!(y.listed(&y.renewtech).await?, [id.as_str()]);
    assert!(y.listed(&y.admin).await?.contains(&id));
    assert!(y.listed(&y.greenloop).await?.is_empty());
    assert!(y.listed(&y.other_school).await?.is_empty());
    y.app.stop().await
}

#[tokio::test]
async fn the_seed_the_deals_import_and_admins_say_which_lots_offer_disposal() -> Result<()> {
    let y = yard().await?;
    let lots = "query($id: ID!) { deal(id: $id) { lots { number offersDisposal } } }";
    let deal_id = lot::Entity::find_by_id(y.disposal_lot.parse::<uuid::Uuid>()?)
        .one(&y.app.db)
        .await?
        .context("lot")?
        .deal_id;
    let v = y.app.data(lots, json!({ "id": deal_id })).await?;
    assert_eq!(
        v["deal"]["lots"],
        json!([{ "number": 1, "offersDisposal": false }, { "number": 2, "offersDisposal": true }])
    );
    // An import sets the flag per lot; absent, it is false.
    let renewtech = organisation::Entity::find()
        .filter(organisation::Column::Name.eq("Renewtech Circular IT Ltd"))
        .one(&y.app.db)
        .await?
        .and_then(|o| o.companies_house_number)
        .context("Renewtech's Companies House number")?;
    let file = json!([{
        "provider": "YPO",
        "reference": "YPO 009999",
        "title": "Device Collection and Recycling",
        "summary": "Collection, certified erasure and recycling of school devices.",
        "categories": ["refurbished_devices"],
        "startsOn": day(-30),
        "endsOn": day(700),
        "routeToMarket": "direct_award",
        "url": "https://ypo.example/frameworks/ypo-009999",
        "lots": [
            { "number": 1, "title": "Collection", "suppliers": [renewtech], "offersDisposal": true },
            { "number": 2, "title": "Advice", "suppliers": [renewtech] }
        ]
    }]);
    let summary =
        becta_domain::imports::deals::import(&y.app.db, file.to_string().as_bytes()).await?;
    assert!(summary.errors.is_empty(), "{summary}");
    let imported = deal::Entity::find()
        .filter(deal::Column::Reference.eq("YPO 009999"))
        .one(&y.app.db)
        .await?
        .context("the imported deal")?;
    let v = y.app.data(lots, json!({ "id": imported.id })).await?;
    assert_eq!(
        v["deal"]["lots"],
        json!([{ "number": 1, "offersDisposal": true }, { "number": 2, "offersDisposal": false }])
    );
    // A request on the imported lot outlives the deal's next import, which writes its lots
    // anew: it keeps the lot's number and title.
    let lot_one = lot::Entity::find()
        .filter(lot::Column::DealId.eq(imported.id))
        .filter(lot::Column::Number.eq(1))
        .one(&y.app.db)
        .await?
        .context("the imported lot 1")?;
    let r = y
        .request(
            &y.school,
            y.input(json!({ "lotId": lot_one.id.to_string() })),
        )
        .await?;
    let id = r["data"]["requestDisposal"]["id"]
        .as_str()
        .with_context(|| format!("{r}"))?
        .to_owned();
    let summary =
        becta_domain::imports::deals::import(&y.app.db, file.to_string().as_bytes()).await?;
    assert_eq!(summary.updated, 1, "{summary}");
    let r = y
        .app
        .data_as(
            &y.school,
            "query($id: ID!) { disposalRequest(id: $id) { status lotId lotTitle } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(
        r["disposalRequest"],
        json!({ "status": "REQUESTED", "lotId": null, "lotTitle": "Lot 1: Collection" })
    );

    // An admin's deal says it per lot too.
    let ypo = becta_domain::entity::provider::Entity::find()
        .filter(becta_domain::entity::provider::Column::ShortName.eq("YPO"))
        .one(&y.app.db)
        .await?
        .context("YPO")?;
    let input = json!({
        "providerId": ypo.id.to_string(),
        "reference": "YPO 009998",
        "title": "Device Take-back",
        "summary": "Collection and certified erasure of school devices.",
        "categories": ["refurbished_devices"],
        "lots": [
            { "number": 1, "title": "Take-back", "supplierIds": [y.renewtech_id], "offersDisposal": true },
            { "number": 2, "title": "Repairs", "supplierIds": [y.renewtech_id] }
        ],
        "startsOn": day(-1),
        "endsOn": day(365),
        "routeToMarket": "DIRECT_AWARD",
        "url": "https://ypo.example/frameworks/ypo-009998",
    });
    let v = y
        .app
        .data_as(
            &y.admin,
            "mutation($input: DealInput!) { createDeal(input: $input) { lots { number offersDisposal } } }",
            json!({ "input": input }),
        )
        .await?;
    assert_eq!(
        v["createDeal"]["lots"],
        json!([{ "number": 1, "offersDisposal": true }, { "number": 2, "offersDisposal": false }])
    );
    y.app.stop().await
}
