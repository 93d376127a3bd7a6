//! Sealed bids at the deadline's boundary, with the clock controlled: the domain services take
//! `now`, so a bid sent in the last instant before the deadline is taken, nobody (the school
//! or an admin) reads any bid one nanosecond before the deadline, everyone entitled reads them
//! all, the last one included, at the deadline instant, and a bid at that instant is late.

use anyhow::Result;
use becta_domain::actor::Actor;
use becta_domain::competitions::{self, BidInput, CompetitionInput, CriterionInput};
use becta_domain::vocab::{OrgKind, Role};
use becta_domain::{Code, Uuid};
use chrono::{Duration, DurationRound, Utc};

use super::world;

fn actor(role: Role, org: Option<Uuid>, kind: Option<OrgKind>) -> Actor {
    Actor {
        user_id: Uuid::new_v4(),
        role,
        organisation_id: org,
        org_kind: kind,
        email: None,
        display_name: None,
        request_id: None,
    }
}

fn bid(price: i64) -> BidInput {
    BidInput {
        price_pence: price,
        responses: ["price", "quality"]
            .iter()
            .map(|k| ((*k).to_owned(), format!("our answer on {k}")))
            .collect(),
        attachments: vec![],
    }
}

#[tokio::test]
async fn bids_stay_sealed_until_the_deadline_instant_and_a_bid_at_it_is_late() -> Result<()> {
    let w = world().await?;
    let db = &w.app.db;
    let school = actor(Role::SchoolBuyer, Some(w.f.school), Some(OrgKind::School));
    let admin = actor(Role::Admin, None, None);
    let suppliers: Vec<Actor> = w
        .suppliers
        .iter()
        .map(|s| actor(Role::Supplier, Some(*s), Some(OrgKind::Supplier)))
        .collect();
    // Whole milliseconds, as both databases keep them.
    let t0 = Utc::now().duration_trunc(Duration::milliseconds(1))?;
    let deadline = t0 + Duration::days(10);
    let min = Duration::hours(168);
    let c = competitions::start(
        db,
        &school,
        CompetitionInput {
            lot_id: w.lot,
            title: "Tablets for the nursery".into(),
            requirement: "20 tablets".into(),
            quantity: 20,
            budget_pence: 800_000,
            term_months: 24,
            criteria: vec![
                CriterionInput {
                    key: "price".into(),
                    refinement: None,
                    weight: 70,
                },
                CriterionInput {
                    key: "quality".into(),
                    refinement: None,
                    weight: 30,
                },
            ],
            scale_max: 4,
            scale_descriptors: ["none", "poor", "fair", "good", "excellent"]
                .map(String::from)
                .to_vec(),
            clarification_deadline: t0 + Duration::days(3),
            submission_deadline: deadline,
        },
        t0,
        min,
    )
    .await?;
    let id = c.competition.id;
    competitions::publish(db, &school, id, t0, min).await?;

    competitions::submit_bid(db, &suppliers[0], id, bid(500_000), t0 + Duration::days(1)).await?;
    // The last instant before the deadline: taken.
    let last = deadline - Duration::milliseconds(1);
    let b = competitions::submit_bid(db, &suppliers[1], id, bid(450_000), last).await?;
    assert_eq!(b.bid.revision, 1);

    // One nanosecond before the deadline, nobody reads any bid.
    let just_before = deadline - Duration::nanoseconds(1);
    for who in [&school, &admin] {
        let refused = competitions::bids(db, who, id, just_before).await;
        assert!(
            matches!(&refused, Err(e) if e.code() == Code::Forbidden),
            "sealed for {:?}: {refused:?}",
            who.role
        );
        let refused = competitions::ranking(db, who, id, just_before).await;
        assert!(matches!(&refused, Err(e) if e.code() == Code::Forbidden));
    }
    // A supplier reads only its own, and never the list.
    let own = competitions::my_bid(db, &suppliers[1], id).await?;
    assert_eq!(own.map(|b| b.bid.price_pence), Some(450_000));
    let refused = competitions::bids(db, &suppliers[0], id, deadline).await;
    assert!(matches!(&refused, Err(e) if e.code() == Code::Forbidden));

    // At the deadline instant: late for bids, open for reading, the last-second bid included.
    let late = competitions::submit_bid(db, &suppliers[2], id, bid(400_000), deadline).await;
    assert!(
        matches!(&late, Err(e) if e.code() == Code::DeadlinePassed),
        "{late:?}"
    );
    let replaced = competitions::submit_bid(db, &suppliers[0], id, bid(1), deadline).await;
    assert!(matches!(&replaced, Err(e) if e.code() == Code::DeadlinePassed));
    for who in [&school, &admin] {
        let open = competitions::bids(db, who, id, deadline).await?;
        let mut prices: Vec<i64> = open.iter().map(|b| b.bid.price_pence).collect();
        prices.sort_unstable();
        assert_eq!(prices, [450_000, 500_000], "the late bids are not there");
    }
    // The server's own clock agrees: the API refuses the list before the deadline.
    let v = w
        .read(&w.school, &serde_json::json!(id), "bids { id }")
        .await?;
    assert_eq!(crate::common::error_codes(&v), ["FORBIDDEN"], "{v}");
    Ok(())
}
