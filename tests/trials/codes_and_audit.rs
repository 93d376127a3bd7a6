//! Activation codes (unused before returned; returned only from a reusable pool) and the
//! system's own actions in the audit log.

use anyhow::{Context, Result};
use becta_domain::entity::loan;
use becta_domain::lending;
use chrono::{Duration, Utc};
use sea_orm::{ActiveValue, EntityTrait, Set};
use serde_json::json;

use super::*;
use crate::common::spawn_app;

/// Each school in turn borrows (and, but the last, returns): the codes they were lent.
async fn codes_in_turn(app: &TestApp, tokens: &[String], offer: &Value) -> Result<Vec<Value>> {
    let mut codes = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let l = app
            .data_as(t, &request_op(), json!({ "o": offer["id"] }))
            .await?["requestTrialLoan"]
            .clone();
        codes.push(l["activationCode"].clone());
        if i + 1 < tokens.len() && l["status"] == "ACTIVE" {
            app.data_as(
                t,
                &loan_op("returnLoan"),
                json!({ "id": l["id"], "v": l["version"] }),
            )
            .await?;
        }
    }
    Ok(codes)
}

#[tokio::test]
async fn unused_codes_are_lent_first_and_a_returned_code_only_from_a_reusable_pool() -> Result<()> {
    let shop = shop(spawn_app().await?).await?;
    let app = &shop.app;
    let once = shop
        .offer(json!({ "seats": 1, "licenceKeys": ["ONCE-1", "ONCE-2"] }))
        .await?;
    assert_eq!(once["reusableCodes"], false);
    let s = schools(app, 460_000, 3).await?;
    let codes = codes_in_turn(app, &s, &once).await?;
    assert_eq!(codes, [json!("ONCE-1"), json!("ONCE-2"), Value::Null]);
    // The third school waits: no code is left to lend, and the supplier is told.
    assert_eq!(my_loans(app, &s[2]).await?[0]["status"], "WAITLISTED");
    let supplier_told = notifications(app, &shop.supplier).await?;
    assert!(
        supplier_told
            .iter()
            .any(|(k, _)| k == "trial_offer.codes_exhausted")
    );

    let reusable = shop
        .offer(json!({ "seats": 1, "reusableCodes": true, "licenceKeys": ["RE-1", "RE-2"] }))
        .await?;
    let t = schools(app, 461_000, 4).await?;
    let codes = codes_in_turn(app, &t, &reusable).await?;
    // Both unused codes first, then the least lent returned one.
    assert_eq!(
        codes,
        [json!("RE-1"), json!("RE-2"), json!("RE-1"), json!("RE-2")]
    );
    Ok(())
}

#[tokio::test]
async fn expiries_hand_ons_and_reminders_are_audited_with_the_system_as_actor() -> Result<()> {
    let shop = shop(spawn_app().await?).await?;
    let app = &shop.app;
    let offer = shop.offer(json!({ "seats": 1 })).await?;
    let s = schools(app, 470_000, 2).await?;
    let a = app
        .data_as(&s[0], &request_op(), json!({ "o": offer["id"] }))
        .await?["requestTrialLoan"]
        .clone();
    let b = app
        .data_as(&s[1], &request_op(), json!({ "o": offer["id"] }))
        .await?["requestTrialLoan"]
        .clone();
    assert_eq!(b["status"], "WAITLISTED");
    loan::Entity::update(loan::ActiveModel {
        id: ActiveValue::Unchanged(id(&a)?),
        ends_at: Set(Some(Utc::now() - Duration::minutes(1))),
        ..Default::default()
    })
    .exec(&app.db)
    .await?;
    let swept = lending::sweep(&app.db, Utc::now(), 100).await?;
    assert_eq!(swept.expired, 1);
    assert_eq!(system_audits(app, "loan.expire", id(&a)?).await?, 1);
    assert_eq!(system_audits(app, "loan.hand_on", id(&b)?).await?, 1);
    // B's reminders, once due, are the system's too.
    let b_row = loan::Entity::find_by_id(id(&b)?)
        .one(&app.db)
        .await?
        .context("loan")?;
    let ends = b_row.ends_at.context("ends")?;
    lending::sweep(&app.db, ends - Duration::hours(1), 100).await?;
    assert_eq!(system_audits(app, "loan.remind", id(&b)?).await?, 1);
    // The expired school is asked how its trial went.
    let asked = notifications(app, &s[0]).await?;
    assert!(
        asked
            .iter()
            .any(|(k, s)| k == "loan.outcome_requested" && s.contains("Alpha Phonics"))
    );
    Ok(())
}
