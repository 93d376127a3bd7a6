//! Licence scopes: whole-school and trust-wide places, and each scope under a crowd.

use std::collections::HashMap;

use anyhow::{Context, Result};
use becta_domain::entity::{loan, organisation, trial_offer};
use becta_domain::vocab::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::*;
use crate::common::{error_codes, fixture, spawn_app};

#[tokio::test]
async fn a_trust_leader_asks_once_and_its_eligible_schools_get_places_or_wait_in_turn() -> Result<()>
{
    let shop = shop(spawn_app().await?).await?;
    let app = &shop.app;
    let offer = shop
        .offer(json!({ "licenceScope": "TRUST", "seats": 2, "reminderDays": [14, 7, 1] }))
        .await?;
    assert_eq!(offer["licenceScope"], "TRUST");
    let trust = &trusts(app, 400_000, 1, 3, true).await?[0];

    let made = app
        .data_as(trust, &trust_op(), json!({ "o": offer["id"] }))
        .await?["requestTrustTrial"]
        .clone();
    let loans = made["loans"].as_array().context("loans")?;
    let got: Vec<(&str, &str)> = loans
        .iter()
        .map(|l| {
            (
                l["school"]["name"].as_str().unwrap_or_default(),
                l["loan"]["status"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    // Places in name order; the third primary waits; the secondary is not eligible.
    assert_eq!(
        got,
        [
            ("Trust 0 Primary 0", "ACTIVE"),
            ("Trust 0 Primary 1", "ACTIVE"),
            ("Trust 0 Primary 2", "WAITLISTED"),
        ]
    );
    assert_eq!(loans[2]["loan"]["waitlistPosition"], 1);
    assert_eq!(made["skipped"][0]["school"]["name"], "Trust 0 Secondary");
    assert_eq!(made["skipped"][0]["reason"], "not eligible for this trial");

    // Asking again covers nobody new.
    let again = app
        .gql_as(trust, &trust_op(), json!({ "o": offer["id"] }))
        .await?;
    assert_eq!(error_codes(&again), ["CONFLICT"]);
    // A TRUST offer is not for one school; a seat offer is not for a trust.
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let r = app
        .gql_as(&school, &request_op(), json!({ "o": offer["id"] }))
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);
    let seat = shop.offer(json!({ "seats": 5 })).await?;
    let r = app
        .gql_as(trust, &trust_op(), json!({ "o": seat["id"] }))
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);

    // The trust leader sees and runs its schools' loans: a returned place goes to the school
    // waiting.
    let mine = my_loans(app, trust).await?;
    assert_eq!(mine.len(), 3);
    let first = &loans[0]["loan"];
    app.data_as(
        trust,
        &loan_op("returnLoan"),
        json!({ "id": first["id"], "v": first["version"] }),
    )
    .await?;
    let waiting = loan::Entity::find_by_id(id(&loans[2]["loan"])?)
        .one(&app.db)
        .await?
        .context("loan")?;
    assert_eq!(waiting.status, "active");
    // Each school is told, naming the product.
    let subjects = notifications(app, trust).await?;
    let granted = subjects.iter().filter(|(k, _)| k == "loan.granted").count();
    assert_eq!(granted, 3);
    assert!(
        subjects
            .iter()
            .all(|(k, s)| k != "loan.granted" || s.contains("Alpha Phonics"))
    );
    check_never_oversold(app, id(&offer)?, 2).await
}

#[tokio::test]
async fn a_school_offer_lends_one_place_per_school_to_a_crowd_and_queues_the_rest() -> Result<()> {
    let shop = shop(spawn_app().await?).await?;
    let app = &shop.app;
    let offer = shop
        .offer(json!({ "licenceScope": "SCHOOL", "seats": 10 }))
        .await?;
    let mut tokens = schools(app, 410_000, 120).await?;
    // Twenty schools ask twice at once: one place each, the other request refused.
    let twice: Vec<String> = tokens[..20].to_vec();
    tokens.extend(twice);
    let responses = crowd(app, &tokens, &request_op(), json!({ "o": offer["id"] })).await?;
    let errors: Vec<Vec<String>> = responses
        .iter()
        .filter(|r| r.get("errors").is_some())
        .map(error_codes)
        .collect();
    assert_eq!(errors.len(), 20, "{errors:?}");
    assert!(errors.iter().all(|e| e == &["CONFLICT"]), "{errors:?}");
    let loans: Vec<&Value> = responses
        .iter()
        .filter(|r| r.get("errors").is_none())
        .map(|r| &r["data"]["requestTrialLoan"])
        .collect();
    let active = loans.iter().filter(|l| l["status"] == "ACTIVE").count();
    let mut positions: Vec<i64> = loans
        .iter()
        .filter_map(|l| l["waitlistPosition"].as_i64())
        .collect();
    positions.sort_unstable();
    assert_eq!(active, 10);
    assert_eq!(positions, (1..=110).collect::<Vec<_>>());
    let offer_id = id(&offer)?;
    let row = trial_offer::Entity::find_by_id(offer_id)
        .one(&app.db)
        .await?
        .context("offer")?;
    assert_eq!(row.seats_free, 0);
    check_never_oversold(app, offer_id, 10).await
}

#[tokio::test]
async fn trusts_asking_at_once_share_the_places_per_school_and_wait_in_unbroken_runs() -> Result<()>
{
    let shop = shop(spawn_app().await?).await?;
    let app = &shop.app;
    let offer = shop
        .offer(json!({ "licenceScope": "TRUST", "seats": 25 }))
        .await?;
    let trust_tokens = trusts(app, 420_000, 30, 3, false).await?;
    // Every trust asks twice at once.
    let mut tokens = trust_tokens.clone();
    tokens.extend(trust_tokens.iter().cloned());
    let responses = crowd(app, &tokens, &trust_op(), json!({ "o": offer["id"] })).await?;
    let ok = responses
        .iter()
        .filter(|r| r.get("errors").is_none())
        .count();
    let refused: Vec<Vec<String>> = responses
        .iter()
        .filter(|r| r.get("errors").is_some())
        .map(error_codes)
        .collect();
    assert_eq!(ok, 30, "one request per trust made loans: {refused:?}");
    assert!(refused.iter().all(|e| e == &["CONFLICT"]), "{refused:?}");

    let offer_id = id(&offer)?;
    let all = loan::Entity::find()
        .filter(loan::Column::OfferId.eq(offer_id))
        .all(&app.db)
        .await?;
    let count = |s: &str| all.iter().filter(|l| l.status == s).count();
    assert_eq!(count("active"), 25);
    assert_eq!(count("waitlisted"), 90 - 25);
    let row = trial_offer::Entity::find_by_id(offer_id)
        .one(&app.db)
        .await?
        .context("offer")?;
    assert_eq!(row.seats_free, 0);
    // A trust's schools that wait hold consecutive places: no other trust's school between.
    let trust_of: HashMap<_, _> = organisation::Entity::find()
        .all(&app.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.trust_id))
        .collect();
    let mut waiting: Vec<_> = all
        .iter()
        .filter(|l| l.status == "waitlisted")
        .map(|l| {
            (
                l.waitlist_seq,
                trust_of.get(&l.school_id).copied().flatten(),
            )
        })
        .collect();
    waiting.sort();
    let mut seen = std::collections::HashSet::new();
    let mut last = None;
    for (_, trust) in &waiting {
        if Some(trust) != last {
            assert!(seen.insert(*trust), "a trust's waiting schools are split");
            last = Some(trust);
        }
    }
    check_never_oversold(app, offer_id, 25).await
}
