//! Reviews through the API: verified use, aggregates (and their effect on search), editing
//! with history, moderation, supplier replies, helpful votes, and aggregates under concurrent
//! reviews. The moderation queue has its own file, `reviews/moderation.rs`.

use anyhow::{Context, Result};
use becta_domain::catalogue::organisations::{self, NewOrganisation};
use becta_domain::db;
use becta_domain::entity::{product_rating, review};
use becta_domain::vocab::{OrgKind, Phase, Role};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::{TestApp, error_codes, fixture, spawn_app};

mod moderation;

const REVIEW: &str =
    "id version rating verifiedUse published phase helpfulCount supplierReply edited title";
const RATING: &str = "rating { average count distribution { stars count } easeOfUse impact }";

fn create_op() -> String {
    format!(
        "mutation($p: ID!, $input: ReviewInput!) {{ createReview(productId: $p, input: $input) {{ {REVIEW} }} }}"
    )
}

fn input(rating: i32, title: &str) -> Value {
    json!({
        "rating": rating, "easeOfUse": rating, "impact": 4,
        "title": title,
        "body": "Our teachers used it every day for a term; pupils liked the daily practice.",
        "reviewerRole": "School business manager", "monthsUsed": 3,
    })
}

/// Schools with URNs from `first_urn`, half primary and half secondary, and their tokens.
async fn schools(app: &TestApp, first_urn: i32, n: i32) -> Result<Vec<String>> {
    let tx = db::begin_write(&app.db).await?;
    let new = (0..n)
        .map(|i| NewOrganisation {
            urn: Some(first_urn + i),
            phase: Some(if i % 2 == 0 {
                Phase::Primary
            } else {
                Phase::Secondary
            }),
            ..NewOrganisation::new(OrgKind::School, format!("Review School {i}"))
        })
        .collect();
    organisations::insert_many(&tx, new).await?;
    db::commit(tx).await?;
    Ok((0..n)
        .map(|i| app.token(Role::SchoolBuyer, Some(&(first_urn + i).to_string())))
        .collect())
}

async fn rating(app: &TestApp, product: &str) -> Result<Value> {
    let v = app
        .data(
            &format!("query($id: ID!) {{ product(id: $id) {{ {RATING} }} }}"),
            json!({ "id": product }),
        )
        .await?;
    Ok(v["product"]["rating"].clone())
}

#[tokio::test]
async fn a_school_that_borrowed_leaves_a_verified_review_that_moves_the_rating_in_search()
-> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let product = f.products["Alpha Phonics"].to_string();
    let alpha = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let s = schools(&app, 500_000, 3).await?;

    // School 0 borrows the product first.
    let offer = app
        .data_as(
            &alpha,
            "mutation($p: ID!) { createTrialOffer(productId: $p, input: { seats: 5, loanDays: 30, terms: \"A term's free trial.\" }) { id } }",
            json!({ "p": product }),
        )
        .await?["createTrialOffer"]["id"]
        .clone();
    app.data_as(
        &s[0],
        "mutation($o: ID!) { requestTrialLoan(offerId: $o) { status } }",
        json!({ "o": offer }),
    )
    .await?;

    let verified = app
        .data_as(
            &s[0],
            &create_op(),
            json!({ "p": product, "input": input(5, "Pupils love it") }),
        )
        .await?["createReview"]
        .clone();
    assert_eq!(verified["verifiedUse"], true);
    assert_eq!(verified["phase"], "PRIMARY");
    let unverified = app
        .data_as(
            &s[1],
            &create_op(),
            json!({ "p": product, "input": input(2, "Not for us") }),
        )
        .await?["createReview"]
        .clone();
    assert_eq!(unverified["verifiedUse"], false);

    let r = rating(&app, &product).await?;
    assert_eq!(r["count"], 2);
    assert_eq!(r["average"], 3.5);
    assert_eq!(r["distribution"][0], json!({ "stars": 5, "count": 1 }));
    assert_eq!(r["impact"], 4.0);

    // Search sees the new rating: a minimum of 3.5 keeps it, 4 drops it.
    app.wait_for_search().await?;
    let search = "query($min: Float!) { searchProducts(query: \"phonics\", filter: { minRating: $min }) { hits { product { id } } } }";
    let ids = |v: &Value| -> Vec<String> {
        v["searchProducts"]["hits"]
            .as_array()
            .map(|h| {
                h.iter()
                    .filter_map(|x| x["product"]["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(ids(&app.data(search, json!({ "min": 3.5 })).await?).contains(&product));
    assert!(!ids(&app.data(search, json!({ "min": 4.0 })).await?).contains(&product));

    // Verified-only and phase filters; one review per school.
    let list = "query($id: ID!, $v: Boolean!, $phase: Phase) { product(id: $id) { reviews(verifiedOnly: $v, phase: $phase) { totalCount items { title } } } }";
    let v = app.data(list, json!({ "id": product, "v": true })).await?;
    assert_eq!(v["product"]["reviews"]["totalCount"], 1);
    let v = app
        .data(
            list,
            json!({ "id": product, "v": false, "phase": "SECONDARY" }),
        )
        .await?;
    assert_eq!(v["product"]["reviews"]["items"][0]["title"], "Not for us");
    let again = app
        .gql_as(
            &s[0],
            &create_op(),
            json!({ "p": product, "input": input(4, "Again") }),
        )
        .await?;
    assert_eq!(error_codes(&again), ["CONFLICT"]);

    // Editing moves the aggregates and keeps the history; other schools may not edit.
    let update = format!(
        "mutation($id: ID!, $v: Int!, $input: ReviewInput!) {{ updateReview(id: $id, version: $v, input: $input) {{ {REVIEW} history {{ version data }} }} }}"
    );
    let r = app
        .gql_as(
            &s[2],
            &update,
            json!({ "id": unverified["id"], "v": 1, "input": input(1, "Hijack") }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);
    let edited = app
        .data_as(
            &s[1],
            &update,
            json!({ "id": unverified["id"], "v": 1, "input": input(4, "Better after training") }),
        )
        .await?["updateReview"]
        .clone();
    assert_eq!(edited["edited"], true);
    assert_eq!(edited["history"][0]["data"]["title"], "Not for us");
    assert_eq!(rating(&app, &product).await?["average"], 4.5);

    // Moderation: hidden reviews leave the list and the figures, and come back on restore.
    let flagged = app
        .gql_as(&alpha, "mutation($id: ID!) { flagReview(id: $id, reason: \"Mentions a pupil by name\") { id } }", json!({ "id": edited["id"] }))
        .await?;
    assert!(flagged.get("errors").is_none(), "{flagged}");
    let admin = app.token(Role::Admin, None);
    let hide = "mutation($id: ID!, $v: Int!) { hideReview(id: $id, version: $v, reason: \"Names a pupil\") { published version } }";
    let r = app
        .gql_as(
            &s[0],
            hide,
            json!({ "id": edited["id"], "v": edited["version"] }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);
    let hidden = app
        .data_as(
            &admin,
            hide,
            json!({ "id": edited["id"], "v": edited["version"] }),
        )
        .await?["hideReview"]
        .clone();
    assert_eq!(hidden["published"], false);
    assert_eq!(rating(&app, &product).await?["count"], 1);
    app.data_as(
        &admin,
        "mutation($id: ID!, $v: Int!) { restoreReview(id: $id, version: $v, reason: \"Edited by the school\") { published } }",
        json!({ "id": edited["id"], "v": hidden["version"] }),
    )
    .await?;
    assert_eq!(rating(&app, &product).await?["count"], 2);

    // The supplier replies once; another supplier may not.
    let reply = "mutation($id: ID!) { replyToReview(id: $id, reply: \"Thank you, glad it helps.\") { supplierReply } }";
    let beta = app.token(Role::Supplier, Some(&f.beta.to_string()));
    assert_eq!(
        error_codes(
            &app.gql_as(&beta, reply, json!({ "id": verified["id"] }))
                .await?
        ),
        ["FORBIDDEN"]
    );
    let replied = app
        .data_as(&alpha, reply, json!({ "id": verified["id"] }))
        .await?;
    assert_eq!(
        replied["replyToReview"]["supplierReply"],
        "Thank you, glad it helps."
    );
    assert_eq!(
        error_codes(
            &app.gql_as(&alpha, reply, json!({ "id": verified["id"] }))
                .await?
        ),
        ["CONFLICT"]
    );

    // Helpful votes: once per user, not for one's own school; they order "most helpful".
    let helpful = "mutation($id: ID!) { markReviewHelpful(id: $id) { helpfulCount } }";
    assert_eq!(
        error_codes(
            &app.gql_as(&s[1], helpful, json!({ "id": edited["id"] }))
                .await?
        ),
        ["FORBIDDEN"]
    );
    let v = app
        .data_as(&s[0], helpful, json!({ "id": edited["id"] }))
        .await?;
    assert_eq!(v["markReviewHelpful"]["helpfulCount"], 1);
    assert_eq!(
        error_codes(
            &app.gql_as(&s[0], helpful, json!({ "id": edited["id"] }))
                .await?
        ),
        ["CONFLICT"]
    );
    let top = app
        .data("query($id: ID!) { product(id: $id) { reviews(sort: MOST_HELPFUL, first: 1) { items { id } } } }", json!({ "id": product }))
        .await?;
    assert_eq!(top["product"]["reviews"]["items"][0]["id"], edited["id"]);

    // Suppliers and anonymous callers do not write reviews.
    assert_eq!(
        error_codes(
            &app.gql_as(
                &alpha,
                &create_op(),
                json!({ "p": product, "input": input(5, "Ours is great") })
            )
            .await?
        ),
        ["FORBIDDEN"]
    );
    assert_eq!(
        error_codes(
            &app.gql(
                &create_op(),
                json!({ "p": product, "input": input(5, "Anon") })
            )
            .await?
        ),
        ["UNAUTHENTICATED"]
    );
    let bad = app
        .gql_as(
            &s[2],
            &create_op(),
            json!({ "p": product, "input": input(6, "Six stars") }),
        )
        .await?;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "rating");
    Ok(())
}

#[tokio::test]
async fn aggregates_equal_a_recount_after_concurrent_reviews_and_edits() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let product = f.products["Alpha Phonics"].to_string();
    let product_id = f.products["Alpha Phonics"];
    let tokens = schools(&app, 510_000, 40).await?;
    let body = |i: usize| json!({ "query": create_op(), "variables": { "p": product, "input": input((i % 5) as i32 + 1, &format!("Review {i}")) } });
    let handles: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let (client, url, token, body) = (
                app.client.clone(),
                format!("{}/graphql", app.url),
                t.clone(),
                body(i),
            );
            tokio::spawn(async move {
                let v: Value = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await?
                    .json()
                    .await?;
                anyhow::ensure!(v.get("errors").is_none(), "{v}");
                anyhow::Ok(())
            })
        })
        .collect();
    for h in handles {
        h.await??;
    }
    let rows = review::Entity::find()
        .filter(review::Column::ProductId.eq(product_id))
        .filter(review::Column::Status.eq("published"))
        .all(&app.db)
        .await?;
    let agg = product_rating::Entity::find_by_id(product_id)
        .one(&app.db)
        .await?
        .context("aggregates")?;
    assert_eq!(agg.review_count as usize, rows.len());
    assert_eq!(rows.len(), 40);
    assert_eq!(
        agg.rating_sum,
        rows.iter().map(|r| i32::from(r.rating)).sum::<i32>()
    );
    assert_eq!(
        agg.stars_5,
        rows.iter().filter(|r| r.rating == 5).count() as i32
    );
    assert_eq!(
        agg.ease_of_use_sum,
        rows.iter()
            .filter_map(|r| r.ease_of_use)
            .map(i32::from)
            .sum::<i32>()
    );
    assert_eq!(rating(&app, &product).await?["count"], 40);
    Ok(())
}
