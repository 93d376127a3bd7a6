//! The lending library through the API: offers, loans, waitlists, hand-on, expiry by the
//! sweeper, reminders, and seats under a crowd of concurrent schools.

use std::collections::HashSet;

use anyhow::{Context, Result};
use becta_domain::catalogue::organisations::{self, NewOrganisation};
use becta_domain::entity::{loan, loan_event, trial_offer};
use becta_domain::vocab::{OrgKind, Phase, Role};
use becta_domain::{Uuid, db};
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};

use crate::common::{TestApp, error_codes, fixture, spawn_app, spawn_app_with};

const OFFER: &str = "id status version seatsTotal seatsFree loanDays stats { seatsInUse waitlistLength loansEnded converted conversionRate }";
const LOAN: &str = "id status version waitlistPosition endsAt daysLeft activationCode extensionsUsed product { name } history { kind }";

fn create_offer_op() -> String {
    format!(
        "mutation($p: ID!, $input: TrialOfferInput!) {{ createTrialOffer(productId: $p, input: $input) {{ {OFFER} }} }}"
    )
}
fn request_op() -> String {
    format!("mutation($o: ID!) {{ requestTrialLoan(offerId: $o) {{ {LOAN} }} }}")
}
fn loan_op(name: &str) -> String {
    format!("mutation($id: ID!, $v: Int!) {{ {name}(id: $id, version: $v) {{ {LOAN} }} }}")
}

/// `n` primary schools with URNs from `first_urn`, and a token for each.
async fn schools(app: &TestApp, first_urn: i32, n: i32) -> Result<Vec<String>> {
    let tx = db::begin_write(&app.db).await?;
    let new = (0..n)
        .map(|i| NewOrganisation {
            urn: Some(first_urn + i),
            phase: Some(Phase::Primary),
            ..NewOrganisation::new(OrgKind::School, format!("Test School {i}"))
        })
        .collect();
    organisations::insert_many(&tx, new).await?;
    db::commit(tx).await?;
    Ok((0..n)
        .map(|i| app.token(Role::SchoolBuyer, Some(&(first_urn + i).to_string())))
        .collect())
}

struct Library {
    app: TestApp,
    supplier: String,
    offer: Value,
    /// The product the offer lends.
    product: String,
}

/// An app with an offer of `seats` seats on the fixture's approved "Alpha Phonics".
async fn library(app: TestApp, seats: i32, keys: &[&str], max_extensions: i32) -> Result<Library> {
    let f = fixture::load(&app.db).await?;
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let offer = app
        .data_as(
            &supplier,
            &create_offer_op(),
            json!({
                "p": f.products["Alpha Phonics"].to_string(),
                "input": {
                    "seats": seats, "loanDays": 30, "maxExtensions": max_extensions,
                    "extensionDays": 14, "eligiblePhases": ["PRIMARY"],
                    "terms": "Free for one term; no data kept after the trial.",
                    "licenceKeys": keys,
                    // These tests follow a code from school to school.
                    "reusableCodes": true,
                }
            }),
        )
        .await?["createTrialOffer"]
        .clone();
    Ok(Library {
        app,
        supplier,
        offer,
        product: f.products["Alpha Phonics"].to_string(),
    })
}

async fn request(app: &TestApp, school: &str, offer: &Value) -> Result<Value> {
    let v = app
        .data_as(school, &request_op(), json!({ "o": offer["id"] }))
        .await?;
    Ok(v["requestTrialLoan"].clone())
}

async fn my_loans(app: &TestApp, school: &str) -> Result<Vec<Value>> {
    let v = app
        .data_as(
            school,
            &format!("{{ myLoans {{ edges {{ node {{ {LOAN} }} }} }} }}"),
            json!({}),
        )
        .await?;
    Ok(v["myLoans"]["edges"]
        .as_array()
        .map(|e| e.iter().map(|n| n["node"].clone()).collect())
        .unwrap_or_default())
}

async fn notification_kinds(app: &TestApp, token: &str) -> Result<Vec<String>> {
    let v = app
        .data_as(
            token,
            "{ myNotifications(first: 100) { edges { node { kind } } } }",
            json!({}),
        )
        .await?;
    Ok(v["myNotifications"]["edges"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|n| n["node"]["kind"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

#[tokio::test]
async fn seats_are_lent_queued_handed_on_and_extended_by_the_rules() -> Result<()> {
    let lib = library(spawn_app().await?, 2, &["CODE-A1", "CODE-B2"], 1).await?;
    let (app, offer) = (&lib.app, &lib.offer);
    assert_eq!(offer["seatsFree"], 2);
    let s = schools(app, 300_000, 4).await?;

    let a = request(app, &s[0], offer).await?;
    assert_eq!(a["status"], "ACTIVE");
    assert_eq!(a["daysLeft"], 29);
    let b = request(app, &s[1], offer).await?;
    let codes: HashSet<&str> = [&a, &b]
        .iter()
        .filter_map(|l| l["activationCode"].as_str())
        .collect();
    assert_eq!(codes, HashSet::from(["CODE-A1", "CODE-B2"]));
    let c = request(app, &s[2], offer).await?;
    let d = request(app, &s[3], offer).await?;
    assert_eq!(
        (c["status"].as_str(), c["waitlistPosition"].as_i64()),
        (Some("WAITLISTED"), Some(1))
    );
    assert_eq!(d["waitlistPosition"], 2);
    assert_eq!(c["activationCode"], Value::Null);

    // One open loan or place per school per product.
    let again = app
        .gql_as(&s[0], &request_op(), json!({ "o": offer["id"] }))
        .await?;
    assert_eq!(error_codes(&again), ["CONFLICT"]);
    // Loans are private.
    let peek = app
        .gql_as(
            &s[1],
            "query($id: ID!) { loan(id: $id) { id } }",
            json!({ "id": a["id"] }),
        )
        .await?;
    assert_eq!(error_codes(&peek), ["NOT_FOUND"]);

    // B may not extend while others wait.
    let r = app
        .gql_as(
            &s[1],
            &loan_op("extendLoan"),
            json!({ "id": b["id"], "v": b["version"] }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);

    // A returns: C gets the seat (and A's code) without doing anything; D moves up.
    let returned = app
        .data_as(
            &s[0],
            &loan_op("returnLoan"),
            json!({ "id": a["id"], "v": a["version"] }),
        )
        .await?;
    assert_eq!(returned["returnLoan"]["status"], "RETURNED");
    assert_eq!(returned["returnLoan"]["activationCode"], Value::Null);
    let c_now = &my_loans(app, &s[2]).await?[0];
    assert_eq!(c_now["status"], "ACTIVE");
    assert_eq!(c_now["activationCode"], a["activationCode"]);
    let kinds: Vec<&str> = c_now["history"]
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["requested", "waitlisted", "granted"]);
    assert!(
        notification_kinds(app, &s[2])
            .await?
            .contains(&"loan.granted".to_owned())
    );
    assert_eq!(my_loans(app, &s[3]).await?[0]["waitlistPosition"], 1);

    // D leaves; now B may extend once.
    let d_now = &my_loans(app, &s[3]).await?[0];
    app.data_as(
        &s[3],
        &loan_op("leaveWaitlist"),
        json!({ "id": d_now["id"], "v": d_now["version"] }),
    )
    .await?;
    let ext = app
        .data_as(
            &s[1],
            &loan_op("extendLoan"),
            json!({ "id": b["id"], "v": b["version"] }),
        )
        .await?["extendLoan"]
        .clone();
    assert_eq!(ext["extensionsUsed"], 1);
    assert_eq!(ext["daysLeft"], 29 + 14);
    let r = app
        .gql_as(
            &s[1],
            &loan_op("extendLoan"),
            json!({ "id": b["id"], "v": ext["version"] }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);
    // A stale version is refused.
    let r = app
        .gql_as(
            &s[1],
            &loan_op("returnLoan"),
            json!({ "id": b["id"], "v": b["version"] }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);

    // The supplier's figures; the public product shows availability without them.
    let mine = app
        .data_as(
            &lib.supplier,
            &format!("{{ myTrialOffers {{ edges {{ node {{ {OFFER} }} }} }} }}"),
            json!({}),
        )
        .await?;
    let stats = &mine["myTrialOffers"]["edges"][0]["node"]["stats"];
    assert_eq!(stats["seatsInUse"], 2);
    assert_eq!(stats["waitlistLength"], 0);
    assert_eq!(stats["loansEnded"], 1);
    let public = app
        .data(
            "query($id: ID!) { product(id: $id) { trialOffers { seatsFree stats { seatsInUse } } } }",
            json!({ "id": lib.product }),
        )
        .await?;
    assert_eq!(public["product"]["trialOffers"][0]["seatsFree"], 0);
    assert_eq!(public["product"]["trialOffers"][0]["stats"], Value::Null);

    // Another supplier, a school and an adviser may not run the offer; its owner may close it.
    let other = app.token(Role::Adviser, None);
    let r = app
        .gql_as(&other, "mutation($id: ID!, $v: Int!) { setTrialOfferStatus(id: $id, version: $v, status: CLOSED) { id } }", json!({ "id": offer["id"], "v": offer["version"] }))
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);
    let closed = app
        .data_as(&lib.supplier, "mutation($id: ID!, $v: Int!) { setTrialOfferStatus(id: $id, version: $v, status: CLOSED) { status } }", json!({ "id": offer["id"], "v": offer["version"] }))
        .await?;
    assert_eq!(closed["setTrialOfferStatus"]["status"], "CLOSED");
    // Closing does not cut running loans short.
    assert_eq!(my_loans(app, &s[1]).await?[0]["status"], "ACTIVE");
    let r = app
        .gql_as(&s[0], &request_op(), json!({ "o": offer["id"] }))
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);
    Ok(())
}

#[tokio::test]
async fn an_expired_loans_seat_goes_to_the_next_school_without_anyone_acting() -> Result<()> {
    let app = spawn_app_with(
        false,
        &[("BECTA_SWEEPER", "true"), ("BECTA_SWEEP_INTERVAL_MS", "50")],
    )
    .await?;
    let lib = library(app, 1, &[], 0).await?;
    let (app, offer) = (&lib.app, &lib.offer);
    let s = schools(app, 310_000, 2).await?;
    let a = request(app, &s[0], offer).await?;
    let b = request(app, &s[1], offer).await?;
    assert_eq!(b["status"], "WAITLISTED");

    // B's reminders come before A's loan ends; then time passes for A's loan.
    let a_id: Uuid = a["id"].as_str().context("loan id")?.parse()?;
    loan::Entity::update(loan::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(a_id),
        ends_at: Set(Some(Utc::now() - Duration::minutes(1))),
        ..Default::default()
    })
    .exec(&app.db)
    .await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let b_now = loop {
        let b_now = my_loans(app, &s[1]).await?.remove(0);
        if b_now["status"] == "ACTIVE" || std::time::Instant::now() > deadline {
            break b_now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(b_now["status"], "ACTIVE", "the sweeper handed the seat on");
    assert_eq!(my_loans(app, &s[0]).await?[0]["status"], "EXPIRED");
    assert!(
        notification_kinds(app, &s[0])
            .await?
            .contains(&"loan.expired".to_owned())
    );

    // B's loan nears its end: one reminder of each kind, however many sweeps run. Time
    // passes for it: first to its 7-day mark, then to its 1-day mark (its end and its next
    // reminder move together, as they would).
    let b_id: Uuid = b["id"].as_str().context("loan id")?.parse()?;
    for (left, days, kind) in [
        (
            Duration::days(7) - Duration::hours(1),
            7,
            "loan.reminder_7_days",
        ),
        (Duration::hours(12), 1, "loan.reminder_1_day"),
    ] {
        let ends = Utc::now() + left;
        loan::Entity::update(loan::ActiveModel {
            id: sea_orm::ActiveValue::Unchanged(b_id),
            ends_at: Set(Some(ends)),
            next_reminder_at: Set(Some(ends - Duration::days(days))),
            next_reminder_days: Set(Some(days as i32)),
            ..Default::default()
        })
        .exec(&app.db)
        .await?;
        // Wait for the sweep that writes the reminder.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !notification_kinds(app, &s[1])
            .await?
            .contains(&kind.to_owned())
            && std::time::Instant::now() < deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let kinds = notification_kinds(app, &s[1]).await?;
    let count = |k: &str| kinds.iter().filter(|x| *x == k).count();
    assert_eq!(count("loan.granted"), 1);
    assert_eq!(count("loan.reminder_7_days"), 1);
    assert_eq!(count("loan.reminder_1_day"), 1);
    Ok(())
}

/// Fires every school's request at once; returns the responses.
async fn crowd(app: &TestApp, tokens: &[String], offer: &Value) -> Result<Vec<Value>> {
    let body = json!({ "query": request_op(), "variables": { "o": offer["id"] } });
    let handles: Vec<_> = tokens
        .iter()
        .map(|t| {
            let (client, url, token, body) = (
                app.client.clone(),
                format!("{}/graphql", app.url),
                t.clone(),
                body.clone(),
            );
            tokio::spawn(async move {
                let resp = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await?;
                anyhow::Ok(resp.json::<Value>().await?)
            })
        })
        .collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await??);
    }
    Ok(out)
}

/// Replays the offer's loan events in order: seats in use never exceed the offer's seats.
async fn check_never_oversold(app: &TestApp, offer_id: Uuid, seats: i64) -> Result<()> {
    let loans: HashSet<Uuid> = loan::Entity::find()
        .filter(loan::Column::OfferId.eq(offer_id))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let events = loan_event::Entity::find()
        .order_by_asc(loan_event::Column::Id)
        .all(&app.db)
        .await?;
    let mut in_use = 0i64;
    for e in events.iter().filter(|e| loans.contains(&e.loan_id)) {
        match e.kind.as_str() {
            "granted" => in_use += 1,
            "returned" | "expired" => in_use -= 1,
            _ => {}
        }
        assert!(in_use <= seats, "{in_use} seats in use of {seats}");
    }
    Ok(())
}

#[tokio::test]
async fn two_hundred_schools_asking_for_ten_seats_get_ten_grants_and_an_ordered_waitlist()
-> Result<()> {
    let lib = library(spawn_app().await?, 10, &[], 0).await?;
    let (app, offer) = (&lib.app, &lib.offer);
    let tokens = schools(app, 320_000, 200).await?;
    let responses = crowd(app, &tokens, offer).await?;
    let errors: Vec<&Value> = responses
        .iter()
        .filter(|r| r.get("errors").is_some())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let loans: Vec<&Value> = responses
        .iter()
        .map(|r| &r["data"]["requestTrialLoan"])
        .collect();
    let active = loans.iter().filter(|l| l["status"] == "ACTIVE").count();
    let mut positions: Vec<i64> = loans
        .iter()
        .filter_map(|l| l["waitlistPosition"].as_i64())
        .collect();
    positions.sort_unstable();
    assert_eq!(active, 10);
    assert_eq!(positions, (1..=190).collect::<Vec<_>>());

    let offer_id: Uuid = offer["id"].as_str().context("offer id")?.parse()?;
    let row = trial_offer::Entity::find_by_id(offer_id)
        .one(&app.db)
        .await?
        .context("offer")?;
    assert_eq!(row.seats_free, 0);
    let mut seqs: Vec<i64> = loan::Entity::find()
        .filter(loan::Column::OfferId.eq(offer_id))
        .filter(loan::Column::Status.eq("waitlisted"))
        .all(&app.db)
        .await?
        .into_iter()
        .filter_map(|l| l.waitlist_seq)
        .collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 190, "waitlist places are distinct");
    check_never_oversold(app, offer_id, 10).await
}

#[tokio::test]
async fn the_crowd_is_served_in_order_while_the_sweeper_expires_loans() -> Result<()> {
    let app = spawn_app_with(
        false,
        &[("BECTA_SWEEPER", "true"), ("BECTA_SWEEP_INTERVAL_MS", "20")],
    )
    .await?;
    let lib = library(app, 10, &[], 0).await?;
    let (app, offer) = (&lib.app, &lib.offer);
    let offer_id: Uuid = offer["id"].as_str().context("offer id")?.parse()?;
    // Ten seats held by loans that are due: the sweeper frees them while the crowd arrives.
    let first = schools(app, 330_000, 10).await?;
    for t in &first {
        request(app, t, offer).await?;
    }
    let crowd_tokens = schools(app, 331_000, 200).await?;
    let due = async {
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        loan::Entity::update_many()
            .col_expr(
                loan::Column::EndsAt,
                sea_orm::sea_query::Expr::value(Utc::now() - Duration::minutes(1)),
            )
            .filter(loan::Column::OfferId.eq(offer_id))
            .filter(loan::Column::Status.eq("active"))
            .exec(&app.db)
            .await
    };
    let (responses, expired) = tokio::join!(crowd(app, &crowd_tokens, offer), due);
    expired?;
    let responses = responses?;
    assert!(responses.iter().all(|r| r.get("errors").is_none()));

    // Wait until the sweeper has expired every due loan.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let due = loan::Entity::find()
            .filter(loan::Column::OfferId.eq(offer_id))
            .filter(loan::Column::Status.eq("active"))
            .filter(loan::Column::EndsAt.lte(Utc::now()))
            .all(&app.db)
            .await?;
        if due.is_empty() {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the sweeper did not finish"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let all = loan::Entity::find()
        .filter(loan::Column::OfferId.eq(offer_id))
        .all(&app.db)
        .await?;
    let count = |s: &str| all.iter().filter(|l| l.status == s).count();
    let row = trial_offer::Entity::find_by_id(offer_id)
        .one(&app.db)
        .await?
        .context("offer")?;
    assert_eq!(count("expired"), 10);
    assert_eq!(count("active"), 10, "every freed seat was handed on");
    assert_eq!(count("waitlisted"), 190);
    assert_eq!(row.seats_free, 0);
    // Order: whoever got a seat from the waitlist was ahead of everyone still waiting.
    let granted_from_queue = all
        .iter()
        .filter(|l| l.status == "active")
        .filter_map(|l| l.waitlist_seq)
        .max();
    let first_waiting = all
        .iter()
        .filter(|l| l.status == "waitlisted")
        .filter_map(|l| l.waitlist_seq)
        .min();
    if let (Some(g), Some(w)) = (granted_from_queue, first_waiting) {
        assert!(g < w, "seat {g} granted past waiting place {w}");
    }
    check_never_oversold(app, offer_id, 10).await
}

#[tokio::test]
async fn only_schools_borrow_only_the_listings_supplier_lends_and_bad_offers_name_the_field()
-> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let product = f.products["Alpha Phonics"].to_string();
    let input = |seats: i32, keys: Vec<&str>| json!({ "seats": seats, "loanDays": 30, "terms": "Free for one term of use.", "licenceKeys": keys, "eligiblePhases": ["PRIMARY"] });
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let alpha = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let beta = app.token(Role::Supplier, Some(&f.beta.to_string()));
    for (token, code) in [(&school, "FORBIDDEN"), (&beta, "FORBIDDEN")] {
        let r = app
            .gql_as(
                token,
                &create_offer_op(),
                json!({ "p": product, "input": input(2, vec![]) }),
            )
            .await?;
        assert_eq!(error_codes(&r), [code]);
    }
    let r = app
        .gql(
            &create_offer_op(),
            json!({ "p": product, "input": input(2, vec![]) }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["UNAUTHENTICATED"]);
    for (bad, field) in [
        (input(0, vec![]), "seats"),
        (input(3, vec!["ONE", "TWO"]), "licenceKeys"),
        (input(2, vec!["SAME", "SAME"]), "licenceKeys"),
    ] {
        let r = app
            .gql_as(
                &alpha,
                &create_offer_op(),
                json!({ "p": product, "input": bad }),
            )
            .await?;
        assert_eq!(r["errors"][0]["extensions"]["field"], field);
    }
    // A hidden (draft) listing cannot lend; another supplier cannot tell it exists.
    let draft = f.products["Beta Draft Thing"].to_string();
    let r = app
        .gql_as(
            &alpha,
            &create_offer_op(),
            json!({ "p": draft, "input": input(2, vec![]) }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["NOT_FOUND"]);

    let offer = app
        .data_as(
            &alpha,
            &create_offer_op(),
            json!({ "p": product, "input": input(2, vec![]) }),
        )
        .await?["createTrialOffer"]
        .clone();
    // Suppliers do not borrow; a secondary school is not eligible for a primary trial.
    let r = app
        .gql_as(&alpha, &request_op(), json!({ "o": offer["id"] }))
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);
    let tx = db::begin_write(&app.db).await?;
    organisations::insert_many(
        &tx,
        vec![NewOrganisation {
            urn: Some(340_000),
            phase: Some(Phase::Secondary),
            ..NewOrganisation::new(OrgKind::School, "Valley Secondary School")
        }],
    )
    .await?;
    db::commit(tx).await?;
    let secondary = app.token(Role::SchoolBuyer, Some("340000"));
    let r = app
        .gql_as(&secondary, &request_op(), json!({ "o": offer["id"] }))
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);

    // Once the listing is withdrawn, its trial is not available.
    let listing = app
        .data_as(
            &alpha,
            "query($id: ID!) { listing(id: $id) { version } }",
            json!({ "id": product }),
        )
        .await?;
    app.data_as(
        &alpha,
        "mutation($id: ID!, $v: Int!) { withdrawProduct(id: $id, version: $v) { status } }",
        json!({ "id": product, "v": listing["listing"]["version"] }),
    )
    .await?;
    let r = app
        .gql_as(&school, &request_op(), json!({ "o": offer["id"] }))
        .await?;
    assert_eq!(error_codes(&r), ["NOT_FOUND"]);
    Ok(())
}

#[tokio::test]
async fn two_sweepers_at_once_expire_each_due_loan_exactly_once() -> Result<()> {
    let lib = library(spawn_app().await?, 20, &[], 0).await?;
    let (app, offer) = (&lib.app, &lib.offer);
    let offer_id: Uuid = offer["id"].as_str().context("offer id")?.parse()?;
    for t in &schools(app, 350_000, 20).await? {
        request(app, t, offer).await?;
    }
    let waiting = schools(app, 351_000, 5).await?;
    for t in &waiting {
        request(app, t, offer).await?;
    }
    loan::Entity::update_many()
        .col_expr(
            loan::Column::EndsAt,
            sea_orm::sea_query::Expr::value(Utc::now() - Duration::minutes(1)),
        )
        .filter(loan::Column::OfferId.eq(offer_id))
        .filter(loan::Column::Status.eq("active"))
        .exec(&app.db)
        .await?;
    let now = Utc::now();
    let (a, b) = tokio::join!(
        becta_domain::lending::sweep(&app.db, now, 100),
        becta_domain::lending::sweep(&app.db, now, 100)
    );
    let (a, b) = (a?, b?);
    assert_eq!(
        a.expired + b.expired,
        20,
        "each due loan expired once: {a:?} {b:?}"
    );
    let expired_events = loan_event::Entity::find()
        .filter(loan_event::Column::Kind.eq("expired"))
        .all(&app.db)
        .await?;
    assert_eq!(expired_events.len(), 20);
    // The five waiting schools got seats; the rest of the seats are free again.
    for t in &waiting {
        assert_eq!(my_loans(app, t).await?[0]["status"], "ACTIVE");
    }
    let row = trial_offer::Entity::find_by_id(offer_id)
        .one(&app.db)
        .await?
        .context("offer")?;
    assert_eq!(row.seats_free, 15);
    check_never_oversold(app, offer_id, 20).await
}

#[tokio::test]
async fn a_withdrawn_listing_hands_no_freed_seat_to_its_waitlist() -> Result<()> {
    let lib = library(spawn_app().await?, 1, &["ONLY-CODE"], 0).await?;
    let (app, offer) = (&lib.app, &lib.offer);
    let s = schools(app, 360_000, 2).await?;
    let a = request(app, &s[0], offer).await?;
    let b = request(app, &s[1], offer).await?;
    assert_eq!(b["status"], "WAITLISTED");
    let listing = app
        .data_as(
            &lib.supplier,
            "query($id: ID!) { listing(id: $id) { version } }",
            json!({ "id": lib.product }),
        )
        .await?;
    app.data_as(
        &lib.supplier,
        "mutation($id: ID!, $v: Int!) { withdrawProduct(id: $id, version: $v) { status } }",
        json!({ "id": lib.product, "v": listing["listing"]["version"] }),
    )
    .await?;
    app.data_as(
        &s[0],
        &loan_op("returnLoan"),
        json!({ "id": a["id"], "v": a["version"] }),
    )
    .await?;
    let b_now = &my_loans(app, &s[1]).await?[0];
    assert_eq!(b_now["status"], "WAITLISTED");
    assert_eq!(b_now["activationCode"], Value::Null);
    Ok(())
}
