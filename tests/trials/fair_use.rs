//! Fair use (cool-off, trials per school) and closing an offer.

use anyhow::Result;
use becta_domain::entity::loan;
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::*;
use crate::common::{error_codes, spawn_app};

/// Borrows and returns at once; the loan.
async fn borrow_and_return(app: &TestApp, token: &str, offer: &Value) -> Result<Value> {
    let l = app
        .data_as(token, &request_op(), json!({ "o": offer["id"] }))
        .await?["requestTrialLoan"]
        .clone();
    Ok(app
        .data_as(
            token,
            &loan_op("returnLoan"),
            json!({ "id": l["id"], "v": l["version"] }),
        )
        .await?["returnLoan"]
        .clone())
}

/// Moves every ended loan of the offer `days` into the past.
async fn age_loans(app: &TestApp, offer: &Value, days: i64) -> Result<()> {
    loan::Entity::update_many()
        .col_expr(
            loan::Column::ClosedAt,
            sea_orm::sea_query::Expr::value(Utc::now() - Duration::days(days)),
        )
        .filter(loan::Column::OfferId.eq(id(offer)?))
        .filter(loan::Column::Status.eq("returned"))
        .exec(&app.db)
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_school_waits_out_the_cool_off_and_stops_at_the_trial_limit_told_when() -> Result<()> {
    let shop = shop(spawn_app().await?).await?;
    let app = &shop.app;
    let offer = shop
        .offer(json!({ "seats": 3, "coolOffDays": 30, "maxTrialsPerSchool": 2 }))
        .await?;
    assert_eq!(
        (&offer["coolOffDays"], &offer["maxTrialsPerSchool"]),
        (&json!(30), &json!(2))
    );
    let s = schools(app, 440_000, 2).await?;
    borrow_and_return(app, &s[0], &offer).await?;

    // Straight after returning it: refused until the cool-off ends, with the date.
    let r = app
        .gql_as(&s[0], &request_op(), json!({ "o": offer["id"] }))
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);
    assert_eq!(r["errors"][0]["extensions"]["field"], "coolOffDays");
    let again = (Utc::now() + Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let message = r["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("may ask again from {again}")),
        "{message}"
    );
    // Another school is not held back.
    app.data_as(&s[1], &request_op(), json!({ "o": offer["id"] }))
        .await?;

    // 31 days later it may; after a second trial it has reached the limit.
    age_loans(app, &offer, 31).await?;
    borrow_and_return(app, &s[0], &offer).await?;
    age_loans(app, &offer, 31).await?;
    let r = app
        .gql_as(&s[0], &request_op(), json!({ "o": offer["id"] }))
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);
    assert_eq!(r["errors"][0]["extensions"]["field"], "maxTrialsPerSchool");

    // Out-of-range rules name their field.
    for (bad, field) in [
        (json!({ "coolOffDays": -1 }), "coolOffDays"),
        (json!({ "maxTrialsPerSchool": 0 }), "maxTrialsPerSchool"),
    ] {
        let mut input = json!({ "seats": 1, "loanDays": 30, "terms": "Free for one term of use." });
        if let (Some(i), Some(b)) = (input.as_object_mut(), bad.as_object()) {
            i.extend(b.clone());
        }
        let r = app
            .gql_as(
                &shop.supplier,
                "mutation($p: ID!, $input: TrialOfferInput!) { createTrialOffer(productId: $p, input: $input) { id } }",
                json!({ "p": shop.product, "input": input }),
            )
            .await?;
        assert_eq!(r["errors"][0]["extensions"]["field"], field);
    }
    Ok(())
}

#[tokio::test]
async fn closing_an_offer_ends_waitlist_places_as_offer_closed_and_tells_the_schools() -> Result<()>
{
    let shop = shop(spawn_app().await?).await?;
    let app = &shop.app;
    let offer = shop.offer(json!({ "seats": 1 })).await?;
    let s = schools(app, 450_000, 3).await?;
    let mut loans = Vec::new();
    for t in &s {
        loans.push(
            app.data_as(t, &request_op(), json!({ "o": offer["id"] }))
                .await?["requestTrialLoan"]
                .clone(),
        );
    }
    assert_eq!(loans[2]["status"], "WAITLISTED");
    app.data_as(
        &shop.supplier,
        "mutation($id: ID!, $v: Int!) { setTrialOfferStatus(id: $id, version: $v, status: CLOSED) { status } }",
        json!({ "id": offer["id"], "v": offer["version"] }),
    )
    .await?;
    // The running loan runs on.
    assert_eq!(my_loans(app, &s[0]).await?[0]["status"], "ACTIVE");
    for t in &s[1..] {
        let l = &my_loans(app, t).await?[0];
        assert_eq!(l["status"], "OFFER_CLOSED");
        assert_eq!(l["history"][2]["kind"], "offer_closed");
        let n = notifications(app, t).await?;
        let closed: Vec<_> = n.iter().filter(|(k, _)| k == "loan.offer_closed").collect();
        assert_eq!(closed.len(), 1);
        assert!(closed[0].1.contains("Alpha Phonics"), "{}", closed[0].1);
    }
    // Returning the running loan hands its seat to nobody.
    app.data_as(
        &s[0],
        &loan_op("returnLoan"),
        json!({ "id": loans[0]["id"], "v": loans[0]["version"] }),
    )
    .await?;
    let waiting = loan::Entity::find()
        .filter(loan::Column::OfferId.eq(id(&offer)?))
        .filter(loan::Column::Status.is_in(["active", "waitlisted"]))
        .all(&app.db)
        .await?;
    assert!(waiting.is_empty());
    Ok(())
}
