//! The moderation queue as admins use it: flags counted by reason with their first and last
//! times, filters and orders, pages; dismissing, hiding and restoring with who, when and why;
//! stale and concurrent decisions refused; only admins in.

use anyhow::{Context, Result};
use becta_domain::entity::{review_flag, review_moderation};
use becta_domain::vocab::Role;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{create_op, input, schools};
use crate::common::{TestApp, error_codes, fixture, spawn_app};

const QUEUE: &str = "query($f: FlaggedReviewFilterInput, $o: FlaggedReviewOrder = MOST_FLAGS, $first: Int, $after: String) {
  flaggedReviews(filter: $f, order: $o, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node {
      status flagCount firstFlaggedAt lastFlaggedAt reasons { reason count }
      review { id version title published } product { name }
      resolution { action reason moderatorId moderatorName decidedAt }
    } }
  }
}";
const FLAG: &str = "mutation($id: ID!, $r: String!) { flagReview(id: $id, reason: $r) { id } }";
const DISMISS: &str = "mutation($id: ID!, $v: Int!, $n: Int!, $r: String!) { dismissReviewFlags(id: $id, version: $v, flagCount: $n, reason: $r) { status flagCount review { version published } resolution { action reason moderatorId moderatorName decidedAt } } }";
const HIDE: &str = "mutation($id: ID!, $v: Int!, $r: String!) { hideReview(id: $id, version: $v, reason: $r) { version published } }";
const RESTORE: &str = "mutation($id: ID!, $v: Int!, $r: String!) { restoreReview(id: $id, version: $v, reason: $r) { version published } }";

/// Three flagged reviews: "Too slow for us" (Alpha Phonics) flagged three times with two
/// reasons, by two users of one school and a user of another; "Not for infants" (Alpha
/// Phonics) flagged once before it; "Hard to set up" (Beta Safeguard) flagged once after.
struct Scene {
    f: fixture::Fixture,
    admin: String,
    admin_id: Uuid,
    /// Two users of one school, and a user of another school.
    flaggers: [String; 3],
    /// "Too slow for us".
    r1: Value,
}

async fn review(app: &TestApp, school: &str, product: Uuid, title: &str) -> Result<Value> {
    Ok(app
        .data_as(
            school,
            &create_op(),
            json!({ "p": product.to_string(), "input": input(2, title) }),
        )
        .await?["createReview"]
        .clone())
}

async fn flag(app: &TestApp, token: &str, review: &Value, reason: &str) -> Result<()> {
    app.data_as(token, FLAG, json!({ "id": review["id"], "r": reason }))
        .await?;
    Ok(())
}

async fn scene(app: &TestApp, first_urn: i32) -> Result<Scene> {
    let f = fixture::load(&app.db).await?;
    let s = schools(app, first_urn, 5).await?;
    let r1 = review(app, &s[0], f.products["Alpha Phonics"], "Too slow for us").await?;
    let r2 = review(app, &s[1], f.products["Alpha Phonics"], "Not for infants").await?;
    let r3 = review(app, &s[2], f.products["Beta Safeguard"], "Hard to set up").await?;
    let urn = (first_urn + 3).to_string();
    let flaggers = [
        app.token(Role::SchoolBuyer, Some(&urn)),
        app.token(Role::SchoolBuyer, Some(&urn)),
        s[4].clone(),
    ];
    flag(app, &flaggers[0], &r2, "Written by the supplier").await?;
    flag(app, &flaggers[0], &r1, "Mentions a pupil by name").await?;
    flag(app, &flaggers[1], &r1, "Not about this product").await?;
    flag(app, &flaggers[2], &r1, "mentions a pupil by name").await?;
    flag(app, &flaggers[2], &r3, "Offensive language").await?;
    let admin_id = Uuid::new_v4();
    Ok(Scene {
        f,
        admin: app.token_for(admin_id, Role::Admin, None),
        admin_id,
        flaggers,
        r1,
    })
}

async fn queue(app: &TestApp, token: &str, vars: Value) -> Result<Value> {
    Ok(app.data_as(token, QUEUE, vars).await?["flaggedReviews"].clone())
}

fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .map(|e| e.iter().map(|e| e["node"].clone()).collect())
        .unwrap_or_default()
}

fn titles(connection: &Value) -> Vec<String> {
    nodes(connection)
        .iter()
        .filter_map(|n| n["review"]["title"].as_str().map(str::to_owned))
        .collect()
}

fn time(v: &Value) -> Result<DateTime<Utc>> {
    Ok(v.as_str().context("a time")?.parse()?)
}

/// The field a refusal names.
fn field(v: &Value) -> &str {
    v["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn admins_see_flagged_reviews_counted_by_reason_filtered_ordered_and_paged() -> Result<()> {
    let app = spawn_app().await?;
    let s = scene(&app, 520_000).await?;

    // Most flags first: the review flagged three times, with its two reasons counted.
    let q = queue(&app, &s.admin, json!({})).await?;
    assert_eq!(q["totalCount"], 3);
    assert_eq!(
        titles(&q),
        ["Too slow for us", "Not for infants", "Hard to set up"]
    );
    let top = &nodes(&q)[0];
    assert_eq!(top["status"], "OPEN");
    assert_eq!(top["flagCount"], 3);
    assert_eq!(top["product"]["name"], "Alpha Phonics");
    assert_eq!(top["review"]["published"], true);
    assert_eq!(top["resolution"], Value::Null);
    assert_eq!(
        top["reasons"],
        json!([
            { "reason": "Mentions a pupil by name", "count": 2 },
            { "reason": "Not about this product", "count": 1 },
        ])
    );
    assert!(time(&top["firstFlaggedAt"])? < time(&top["lastFlaggedAt"])?);
    let once = &nodes(&q)[1];
    assert_eq!(once["firstFlaggedAt"], once["lastFlaggedAt"]);
    assert!(time(&once["firstFlaggedAt"])? < time(&top["firstFlaggedAt"])?);

    // Oldest first flag first.
    let q = queue(&app, &s.admin, json!({ "o": "OLDEST_FIRST" })).await?;
    assert_eq!(
        titles(&q),
        ["Not for infants", "Too slow for us", "Hard to set up"]
    );

    // Filters narrow: by product, by supplier, by flag count, by visibility.
    let f = &s.f;
    let by = |filter: Value| json!({ "f": filter });
    let q = queue(
        &app,
        &s.admin,
        by(json!({ "productId": f.products["Beta Safeguard"] })),
    )
    .await?;
    assert_eq!(titles(&q), ["Hard to set up"]);
    let q = queue(&app, &s.admin, by(json!({ "supplierId": f.alpha }))).await?;
    assert_eq!(titles(&q), ["Too slow for us", "Not for infants"]);
    let q = queue(&app, &s.admin, by(json!({ "minFlags": 2 }))).await?;
    assert_eq!(titles(&q), ["Too slow for us"]);
    assert_eq!(q["totalCount"], 1);
    let q = queue(&app, &s.admin, by(json!({ "published": false }))).await?;
    assert!(titles(&q).is_empty());
    let q = queue(&app, &s.admin, by(json!({ "status": "RESOLVED" }))).await?;
    assert_eq!(q["totalCount"], 0);

    // Pages of one, in either order, neither repeat nor skip.
    for (order, want) in [
        (
            "MOST_FLAGS",
            ["Too slow for us", "Not for infants", "Hard to set up"],
        ),
        (
            "OLDEST_FIRST",
            ["Not for infants", "Too slow for us", "Hard to set up"],
        ),
    ] {
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let q = queue(
                &app,
                &s.admin,
                json!({ "o": order, "first": 1, "after": after }),
            )
            .await?;
            seen.extend(titles(&q));
            if q["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = q["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen, want, "{order}");
    }

    // Only admins: schools, suppliers and advisers are refused, anonymous callers too.
    let alpha = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    for token in [&s.flaggers[0], &alpha, &app.token(Role::Adviser, None)] {
        let r = app.gql_as(token, QUEUE, json!({})).await?;
        assert_eq!(error_codes(&r), ["FORBIDDEN"]);
        assert_eq!(r["data"], Value::Null);
    }
    assert_eq!(
        error_codes(&app.gql(QUEUE, json!({})).await?),
        ["UNAUTHENTICATED"]
    );

    // Bad filter values name their field.
    for (vars, name) in [
        (by(json!({ "minFlags": 0 })), "filter.minFlags"),
        (by(json!({ "productId": "not-an-id" })), "filter.productId"),
        (by(json!({ "resolution": "DISMISS" })), "filter.resolution"),
        (json!({ "o": "RECENTLY_RESOLVED" }), "order"),
        (json!({ "after": "garbage" }), "after"),
        (json!({ "first": 0 }), "first"),
    ] {
        let r = app.gql_as(&s.admin, QUEUE, vars.clone()).await?;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{vars}");
        assert_eq!(field(&r), name, "{vars}");
    }

    // A user flags a review once while it is open.
    let again = app
        .gql_as(
            &s.flaggers[0],
            FLAG,
            json!({ "id": s.r1["id"], "r": "Still names a pupil" }),
        )
        .await?;
    assert_eq!(error_codes(&again), ["CONFLICT"]);
    Ok(())
}

#[tokio::test]
async fn dismissing_hiding_and_restoring_resolve_flags_with_who_when_and_why() -> Result<()> {
    let app = spawn_app().await?;
    let s = scene(&app, 530_000).await?;
    let product = s.f.products["Alpha Phonics"];
    let r1 = &s.r1;
    let dismiss = |version: &Value, n: i64, reason: &str| json!({ "id": r1["id"], "v": version, "n": n, "r": reason });

    // Refusals name their field, or say what is wrong, and change nothing.
    for (vars, name) in [
        (dismiss(&r1["version"], 3, "  "), "reason"),
        (dismiss(&r1["version"], 0, "Fair comment"), "flagCount"),
        (
            json!({ "id": "nope", "v": 1, "n": 3, "r": "Fair comment" }),
            "id",
        ),
    ] {
        let r = app.gql_as(&s.admin, DISMISS, vars).await?;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"]);
        assert_eq!(field(&r), name);
    }
    let unknown = json!({ "id": Uuid::new_v4(), "v": 1, "n": 1, "r": "Fair comment" });
    assert_eq!(
        error_codes(&app.gql_as(&s.admin, DISMISS, unknown).await?),
        ["NOT_FOUND"]
    );
    let r = app
        .gql_as(
            &s.flaggers[2],
            DISMISS,
            dismiss(&r1["version"], 3, "Fair comment"),
        )
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);
    // The admin read two flags; three are open.
    let r = app
        .gql_as(
            &s.admin,
            DISMISS,
            dismiss(&r1["version"], 2, "Fair comment"),
        )
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("3 flags are open")),
        "{r}"
    );
    assert_eq!(
        queue(&app, &s.admin, json!({ "f": { "minFlags": 3 } })).await?["totalCount"],
        1
    );

    // Dismissed: the review stays published, the flags leave the open queue, and the
    // decision says who, when and why.
    let done = app
        .data_as(
            &s.admin,
            DISMISS,
            dismiss(&r1["version"], 3, "Fair comment about the product"),
        )
        .await?["dismissReviewFlags"]
        .clone();
    assert_eq!(done["status"], "RESOLVED");
    assert_eq!(done["flagCount"], 3);
    assert_eq!(done["review"]["published"], true);
    assert_eq!(done["resolution"]["action"], "DISMISS");
    assert_eq!(
        done["resolution"]["reason"],
        "Fair comment about the product"
    );
    assert_eq!(done["resolution"]["moderatorId"], s.admin_id.to_string());
    assert_eq!(done["resolution"]["moderatorName"], "Test User");
    let open = queue(&app, &s.admin, json!({})).await?;
    assert_eq!(titles(&open), ["Not for infants", "Hard to set up"]);
    let resolved = queue(&app, &s.admin, json!({ "f": { "status": "RESOLVED" } })).await?;
    assert_eq!(titles(&resolved), ["Too slow for us"]);
    let entry = &nodes(&resolved)[0];
    assert_eq!(entry["resolution"], done["resolution"]);
    assert_eq!(entry["reasons"][0]["count"], 2);
    let audit = app
        .data_as(
            &s.admin,
            "query($id: ID!) { auditEvents(filter: { entityId: $id, action: \"review.flags.dismiss\" }) { edges { node { actorId actorRole after } } } }",
            json!({ "id": r1["id"] }),
        )
        .await?;
    let event = &audit["auditEvents"]["edges"][0]["node"];
    assert_eq!(event["actorId"], s.admin_id.to_string());
    assert_eq!(event["actorRole"], "ADMIN");
    assert_eq!(event["after"]["reason"], "Fair comment about the product");
    assert_eq!(event["after"]["flagsResolved"], 3);

    // A second decision on the same flags is refused and names their state; so is a hide by
    // a moderator who read the review before the dismissal.
    let version = done["review"]["version"].clone();
    let r = app
        .gql_as(&s.admin, DISMISS, dismiss(&version, 3, "Fair comment"))
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);
    let message = r["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("no open flags") && message.contains("flags dismissed"),
        "{message}"
    );
    let stale = json!({ "id": r1["id"], "v": r1["version"], "r": "Names a pupil" });
    let r = app.gql_as(&s.admin, HIDE, stale).await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);

    // A new flag reopens it, even from a user whose earlier flag was dismissed.
    flag(&app, &s.flaggers[0], r1, "Now it names a pupil").await?;
    flag(
        &app,
        &app.token(Role::Adviser, None),
        r1,
        "Names a pupil in the second paragraph",
    )
    .await?;
    let open = queue(&app, &s.admin, json!({})).await?;
    let reopened = &nodes(&open)[0];
    assert_eq!(reopened["review"]["title"], "Too slow for us");
    assert_eq!(reopened["flagCount"], 2);
    assert_eq!(reopened["status"], "OPEN");

    // Hidden through the queue: gone from the product's public reviews, flags resolved.
    let public = "query($id: ID!) { product(id: $id) { reviews { totalCount items { title } } } }";
    let before = app.data(public, json!({ "id": product })).await?;
    assert_eq!(before["product"]["reviews"]["totalCount"], 2);
    let hidden = app
        .data_as(
            &s.admin,
            HIDE,
            json!({ "id": r1["id"], "v": version, "r": "Names a pupil" }),
        )
        .await?["hideReview"]
        .clone();
    assert_eq!(hidden["published"], false);
    let after = app.data(public, json!({ "id": product })).await?;
    assert_eq!(after["product"]["reviews"]["totalCount"], 1);
    assert_eq!(
        after["product"]["reviews"]["items"][0]["title"],
        "Not for infants"
    );
    let open = queue(&app, &s.admin, json!({})).await?;
    assert_eq!(titles(&open), ["Not for infants", "Hard to set up"]);
    let hides = queue(
        &app,
        &s.admin,
        json!({ "f": { "status": "RESOLVED", "resolution": "HIDE", "published": false } }),
    )
    .await?;
    let entry = &nodes(&hides)[0];
    assert_eq!(titles(&hides), ["Too slow for us"]);
    assert_eq!(entry["flagCount"], 2);
    assert_eq!(entry["resolution"]["reason"], "Names a pupil");
    assert_eq!(entry["resolution"]["moderatorId"], s.admin_id.to_string());
    let again = app
        .gql_as(
            &s.admin,
            HIDE,
            json!({ "id": r1["id"], "v": hidden["version"], "r": "Names a pupil" }),
        )
        .await?;
    assert_eq!(error_codes(&again), ["CONFLICT"]);
    assert!(
        again["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("hidden already")),
        "{again}"
    );
    let hidden_flag = app
        .gql_as(&s.flaggers[1], FLAG, json!({ "id": r1["id"], "r": "Rude" }))
        .await?;
    assert_eq!(error_codes(&hidden_flag), ["NOT_FOUND"]);

    // Restored: back on the product's page; the decisions, latest first, stay on record.
    let restored = app
        .data_as(
            &s.admin,
            RESTORE,
            json!({ "id": r1["id"], "v": hidden["version"], "r": "The school removed the name" }),
        )
        .await?["restoreReview"]
        .clone();
    assert_eq!(restored["published"], true);
    let back = app.data(public, json!({ "id": product })).await?;
    assert_eq!(back["product"]["reviews"]["totalCount"], 2);
    let latest = queue(
        &app,
        &s.admin,
        json!({ "f": { "status": "RESOLVED" }, "o": "RECENTLY_RESOLVED" }),
    )
    .await?;
    let actions: Vec<&Value> = latest["edges"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|e| &e["node"]["resolution"]["action"])
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(actions, [&json!("HIDE"), &json!("DISMISS")]);
    assert!(
        nodes(&latest)
            .iter()
            .all(|n| n["review"]["published"] == true)
    );
    let decisions = review_moderation::Entity::find()
        .filter(
            review_moderation::Column::ReviewId
                .eq(Uuid::parse_str(r1["id"].as_str().unwrap_or_default())?),
        )
        .all(&app.db)
        .await?;
    let mut kinds: Vec<&str> = decisions.iter().map(|d| d.action.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["dismiss", "hide", "restore"]);
    Ok(())
}

#[tokio::test]
async fn of_moderators_deciding_on_the_same_flags_at_once_one_wins_and_the_rest_conflict()
-> Result<()> {
    let app = spawn_app().await?;
    let s = scene(&app, 540_000).await?;
    let id = s.r1["id"].clone();
    let v = s.r1["version"].clone();
    let calls: Vec<(&str, Value)> = vec![
        (
            DISMISS,
            json!({ "id": id, "v": v, "n": 3, "r": "Fair comment" }),
        ),
        (HIDE, json!({ "id": id, "v": v, "r": "Names a pupil" })),
        (
            DISMISS,
            json!({ "id": id, "v": v, "n": 3, "r": "Nothing wrong" }),
        ),
        (HIDE, json!({ "id": id, "v": v, "r": "Offensive" })),
        (
            DISMISS,
            json!({ "id": id, "v": v, "n": 3, "r": "Within the rules" }),
        ),
    ];
    let handles: Vec<_> = calls
        .into_iter()
        .map(|(query, variables)| {
            let (client, url) = (app.client.clone(), format!("{}/graphql", app.url));
            let token = app.token(Role::Admin, None);
            tokio::spawn(async move {
                let v: Value = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({ "query": query, "variables": variables }))
                    .send()
                    .await?
                    .json()
                    .await?;
                anyhow::Ok(error_codes(&v))
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for h in handles {
        outcomes.push(h.await??);
    }
    let won = outcomes.iter().filter(|c| c.is_empty()).count();
    let conflicts = outcomes
        .iter()
        .filter(|c| c.as_slice() == ["CONFLICT"])
        .count();
    assert_eq!((won, conflicts), (1, 4), "{outcomes:?}");

    // One decision, and it resolved every flag.
    let review_id = Uuid::parse_str(id.as_str().unwrap_or_default())?;
    let decisions = review_moderation::Entity::find()
        .filter(review_moderation::Column::ReviewId.eq(review_id))
        .all(&app.db)
        .await?;
    assert_eq!(decisions.len(), 1);
    let flags = review_flag::Entity::find()
        .filter(review_flag::Column::ReviewId.eq(review_id))
        .all(&app.db)
        .await?;
    assert_eq!(flags.len(), 3);
    assert!(
        flags
            .iter()
            .all(|f| f.moderation_id == Some(decisions[0].id))
    );
    let resolved = queue(&app, &s.admin, json!({ "f": { "status": "RESOLVED" } })).await?;
    assert_eq!(resolved["totalCount"], 1);
    Ok(())
}
