//! Sealed bids at the deadline's boundary, with the clock controlled: the domain services take
//! `now`, so a bid sent in the last instant before the deadline is taken, nobody (the school
//! or an admin) reads any bid one nanosecond before the deadline, everyone entitled reads them
//! all, the last one included, at the deadline instant, and a bid at that instant is late.

use anyhow::Result;
use becta_domain::actor::Actor;
use becta_domain::competitions::{
    self, BidInput, CompetitionInput, CriterionInput, CriterionScore,
};
use becta_domain::vocab::{OrgKind, Role};
use becta_domain::{Code, Uuid};
use chrono::{DateTime, Duration, DurationRound, Utc};

use super::{World, world};

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

/// A published competition (price 70, quality 30, on 0-4) started at `t0` with its
/// submission deadline 10 days on: (id, t0, deadline).
async fn tablets(w: &World, school: &Actor) -> Result<(Uuid, DateTime<Utc>, DateTime<Utc>)> {
    let db = &w.app.db;
    // Whole milliseconds, as both databases keep them.
    let t0 = Utc::now().duration_trunc(Duration::milliseconds(1))?;
    let deadline = t0 + Duration::days(10);
    let min = Duration::hours(168);
    let c = competitions::start(
        db,
        school,
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
    competitions::publish(db, school, id, t0, min).await?;

    Ok((id, t0, deadline))
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
    let (id, t0, deadline) = tablets(&w, &school).await?;

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

#[tokio::test]
async fn evaluators_declare_conflicts_score_independently_and_moderation_ranks() -> Result<()> {
    let w = world().await?;
    let db = &w.app.db;
    let school = actor(Role::SchoolBuyer, Some(w.f.school), Some(OrgKind::School));
    let conflicted = actor(Role::SchoolBuyer, Some(w.f.school), Some(OrgKind::School));
    let colleague = actor(Role::SchoolBuyer, Some(w.f.school), Some(OrgKind::School));
    let supplier = |i: usize| {
        actor(
            Role::Supplier,
            Some(w.suppliers[i]),
            Some(OrgKind::Supplier),
        )
    };
    let (id, t0, deadline) = tablets(&w, &school).await?;
    let (a, b) = (supplier(0), supplier(1));
    let bid_a = competitions::submit_bid(db, &a, id, bid(500_000), t0)
        .await?
        .bid
        .id;
    let bid_b = competitions::submit_bid(db, &b, id, bid(450_000), t0)
        .await?
        .bid
        .id;
    let after = deadline + Duration::hours(1);
    let s = |price: i32, quality: i32| {
        vec![
            CriterionScore {
                criterion: "price".into(),
                score: price,
                rationale: "price as bid".into(),
            },
            CriterionScore {
                criterion: "quality".into(),
                score: quality,
                rationale: "as read".into(),
            },
        ]
    };
    // Before the deadline nobody scores.
    let early = competitions::score_bid(
        db,
        &school,
        bid_a,
        s(3, 3),
        Some((false, "None".into())),
        t0,
    )
    .await;
    assert!(
        matches!(&early, Err(e) if e.code() == Code::Forbidden),
        "{early:?}"
    );
    // Moderation needs an evaluator's scores first.
    let v = competitions::moderate_scores(db, &school, bid_a, s(3, 3), after).await;
    assert!(matches!(&v, Err(e) if e.code() == Code::Conflict), "{v:?}");
    // A conflict is declared on its own, and keeps the evaluator from scoring.
    let v = competitions::score_bid(
        db,
        &conflicted,
        bid_a,
        s(3, 3),
        Some((true, "My brother works for the bidder".into())),
        after,
    )
    .await;
    assert!(
        matches!(&v, Err(e) if e.field() == Some("declaration")),
        "{v:?}"
    );
    competitions::declare_conflict(
        db,
        &conflicted,
        id,
        true,
        "My brother works for the bidder".into(),
        after,
    )
    .await?;
    let v = competitions::score_bid(db, &conflicted, bid_a, s(3, 3), None, after).await;
    assert!(matches!(&v, Err(e) if e.code() == Code::Forbidden), "{v:?}");
    let again =
        competitions::declare_conflict(db, &conflicted, id, false, "None".into(), after).await;
    assert!(
        matches!(&again, Err(e) if e.code() == Code::Conflict),
        "{again:?}"
    );
    // Out of range, missing criteria: refused naming the field.
    let v = competitions::score_bid(
        db,
        &school,
        bid_a,
        s(5, 3),
        Some((false, "None".into())),
        after,
    )
    .await;
    assert!(
        matches!(&v, Err(e) if e.field() == Some("scores.score")),
        "{v:?}"
    );
    let v = competitions::score_bid(
        db,
        &school,
        bid_a,
        s(3, 3)[..1].to_vec(),
        Some((false, "None".into())),
        after,
    )
    .await;
    assert!(matches!(&v, Err(e) if e.field() == Some("scores")), "{v:?}");
    // Independent scores: the colleague sees only their own until they score a bid.
    competitions::score_bid(
        db,
        &school,
        bid_a,
        s(4, 2),
        Some((false, "None".into())),
        after,
    )
    .await?;
    competitions::score_bid(db, &school, bid_b, s(3, 4), None, after).await?;
    let seen = competitions::bids(db, &colleague, id, after).await?;
    assert!(seen.iter().all(|b| b.scores.is_empty()));
    let scored = competitions::score_bid(
        db,
        &colleague,
        bid_a,
        s(4, 3),
        Some((false, "None".into())),
        after,
    )
    .await?;
    assert_eq!(
        scored.scores.len(),
        4,
        "both evaluators' scores once scored"
    );
    // Moderated: a = (4*70 + 2*30) / 4 = 85.00; b = (3*70 + 4*30) / 4 = 82.50.
    competitions::moderate_scores(db, &school, bid_a, s(4, 2), after).await?;
    competitions::moderate_scores(db, &school, bid_b, s(3, 4), after).await?;
    let ranking = competitions::ranking(db, &school, id, after).await?;
    let totals: Vec<(i64, i32)> = ranking
        .iter()
        .filter_map(|b| b.totals.as_ref().map(|t| (t.total_hundredths, t.rank)))
        .collect();
    assert_eq!(totals, [(8500, 1), (8250, 2)]);
    assert_eq!(ranking[0].bid.id, bid_a);
    // The record keeps both declarations once awarded.
    competitions::award(db, &school, id, bid_a, None, None, after).await?;
    let r = competitions::call_off_record(db, &school, id).await?;
    assert_eq!(r.evaluators.len(), 3);
    assert!(r.evaluators.iter().any(|e| e.has_conflict));
    assert!(r.award_is_top_ranked);
    Ok(())
}
