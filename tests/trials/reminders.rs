//! Reminders on the offer's days: only those still ahead when the loan starts, each once,
//! naming the product and the end date.

use anyhow::{Context, Result};
use becta_domain::entity::loan;
use becta_domain::lending;
use chrono::{Duration, Utc};
use sea_orm::EntityTrait;
use serde_json::json;

use super::*;
use crate::common::spawn_app;

fn reminder_kinds(n: &[(String, String)]) -> Vec<String> {
    let mut k: Vec<String> = n
        .iter()
        .filter(|(k, _)| k.starts_with("loan.reminder"))
        .map(|(k, _)| k.clone())
        .collect();
    k.sort();
    k
}

#[tokio::test]
async fn reminders_come_on_the_suppliers_days_once_each_naming_the_product_and_end_date()
-> Result<()> {
    let shop = shop(spawn_app().await?).await?;
    let app = &shop.app;
    let offer = shop
        .offer(json!({ "seats": 2, "reminderDays": [14, 7, 1] }))
        .await?;
    assert_eq!(offer["reminderDays"], json!([14, 7, 1]));
    let s = schools(app, 430_000, 1).await?;
    let l = app
        .data_as(&s[0], &request_op(), json!({ "o": offer["id"] }))
        .await?["requestTrialLoan"]
        .clone();
    let row = loan::Entity::find_by_id(id(&l)?)
        .one(&app.db)
        .await?
        .context("loan")?;
    let ends = row.ends_at.context("ends")?;
    let start = Utc::now();
    // Sweeps as time passes; each mark swept twice.
    let mut sent = Vec::new();
    for day in [1, 16, 16, 23, 24, 29, 29] {
        let at = start + Duration::days(day) + Duration::hours(6);
        sent.push(lending::sweep(&app.db, at, 100).await?.reminders);
    }
    assert_eq!(sent, [0, 1, 0, 1, 0, 1, 0]);
    let n = notifications(app, &s[0]).await?;
    assert_eq!(
        reminder_kinds(&n),
        [
            "loan.reminder_14_days",
            "loan.reminder_1_day",
            "loan.reminder_7_days"
        ]
    );
    let date = ends.format("%-d %B %Y").to_string();
    for (kind, subject) in n.iter().filter(|(k, _)| k.starts_with("loan.reminder")) {
        assert_eq!(
            subject,
            &format!("Your trial of Alpha Phonics ends on {date}"),
            "{kind}"
        );
    }
    assert_eq!(system_audits(app, "loan.remind", row.id).await?, 3);
    Ok(())
}

#[tokio::test]
async fn a_short_loan_gets_only_the_reminders_still_ahead_and_a_late_sweep_only_the_latest()
-> Result<()> {
    let shop = shop(spawn_app().await?).await?;
    let app = &shop.app;
    let start = Utc::now();
    // A 1-day loan: the 7-day and 1-day marks are both behind its start (defaults 7 and 1).
    let one_day = shop.offer(json!({ "loanDays": 1 })).await?;
    assert_eq!(one_day["reminderDays"], json!([7, 1]));
    // A 3-day loan: only the 1-day reminder.
    let three_days = shop.offer(json!({ "loanDays": 3 })).await?;
    // A 30-day loan whose sweeper was stopped until its last day.
    let month = shop.offer(json!({})).await?;
    let s = schools(app, 431_000, 3).await?;
    for (t, o) in s.iter().zip([&one_day, &three_days, &month]) {
        app.data_as(t, &request_op(), json!({ "o": o["id"] }))
            .await?;
    }
    for hours in [1, 12, 23] {
        lending::sweep(&app.db, start + Duration::hours(hours), 100).await?;
    }
    assert!(reminder_kinds(&notifications(app, &s[0]).await?).is_empty());
    for hours in [50, 60, 70] {
        lending::sweep(&app.db, start + Duration::hours(hours), 100).await?;
    }
    assert_eq!(
        reminder_kinds(&notifications(app, &s[1]).await?),
        ["loan.reminder_1_day"]
    );
    for _ in 0..2 {
        lending::sweep(
            &app.db,
            start + Duration::days(29) + Duration::hours(12),
            100,
        )
        .await?;
    }
    assert_eq!(
        reminder_kinds(&notifications(app, &s[2]).await?),
        ["loan.reminder_1_day"],
        "the stale 7-day reminder is skipped"
    );

    // Bad reminder days name the field.
    for bad in [
        json!([0]),
        json!([7, 7]),
        json!([1, 2, 3, 4, 5, 6]),
        json!([400]),
    ] {
        let r = app
            .gql_as(
                &shop.supplier,
                "mutation($p: ID!, $input: TrialOfferInput!) { createTrialOffer(productId: $p, input: $input) { id } }",
                json!({ "p": shop.product, "input": {
                    "seats": 1, "loanDays": 30, "terms": "Free for one term of use.",
                    "reminderDays": bad,
                } }),
            )
            .await?;
        assert_eq!(
            r["errors"][0]["extensions"]["field"], "reminderDays",
            "{bad}"
        );
    }
    Ok(())
}
