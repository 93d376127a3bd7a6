//! Everyone is told what concerns them: suppliers of vetting decisions, reviews and loans on
//! their offers; advisers of cases assigned to them, a school's reply and overdue cases;
//! admins of flagged reviews and listings waiting for vetting past 5 working days (a sweep
//! that tells each once).

use anyhow::{Context, Result};
use becta_domain::Uuid;
use becta_domain::deliveries::alerts;
use becta_domain::entity::{advice_request, product};
use becta_domain::vocab::Role;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::advisers::{add_adviser, assigned, input, open_case, token_of};
use crate::common::flows::{self, SUBMIT};
use crate::common::{TestApp, fixture};
use crate::deliveries::{mailing_app, notifications_of, readable, subject_of};

fn kinds(list: &[Value]) -> Vec<&str> {
    list.iter().filter_map(|n| n["kind"].as_str()).collect()
}

fn count(list: &[Value], kind: &str) -> usize {
    list.iter().filter(|n| n["kind"] == kind).count()
}

async fn review(app: &TestApp, school: &str, product: Uuid) -> Result<Value> {
    Ok(app
        .data_as(
            school,
            "mutation($p: ID!, $input: ReviewInput!) { createReview(productId: $p, input: $input) { id } }",
            json!({ "p": product.to_string(), "input": {
                "rating": 4, "title": "Daily practice that sticks",
                "body": "Our teachers used it every day for a term; pupils liked the daily practice.",
            } }),
        )
        .await?["createReview"]
        .clone())
}

#[tokio::test]
async fn suppliers_hear_of_vetting_decisions_reviews_and_admins_of_flags() -> Result<()> {
    let (app, _) = mailing_app(&[]).await?;
    let f = fixture::load(&app.db).await?;
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let admin = app.token(Role::Admin, None);
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));

    flows::approved(&app, &supplier, &admin, "Phonics Notice Test").await?;
    let r = review(&app, &school, f.products["Alpha Phonics"]).await?;
    app.data_as(
        &school,
        "mutation($id: ID!) { flagReview(id: $id, reason: \"Names a pupil\") { id } }",
        json!({ "id": r["id"] }),
    )
    .await?;

    let told = notifications_of(&app, &supplier).await?;
    let vetting = told
        .iter()
        .find(|n| n["kind"] == "vetting.decided")
        .with_context(|| format!("{told:?}"))?;
    assert_eq!(
        vetting["subject"],
        "Vetting decision on Phonics Notice Test"
    );
    assert_eq!(vetting["payload"]["decision"], "approved");
    let reviewed = told
        .iter()
        .find(|n| n["kind"] == "review.published")
        .with_context(|| format!("{told:?}"))?;
    assert_eq!(reviewed["subject"], "A new review of Alpha Phonics");
    assert_eq!(reviewed["payload"]["rating"], 4);
    // Another supplier hears nothing of it.
    let beta = app.token(Role::Supplier, Some(&f.beta.to_string()));
    assert!(notifications_of(&app, &beta).await?.is_empty());

    let admins = notifications_of(&app, &admin).await?;
    assert_eq!(count(&admins, "review.flagged"), 1, "{admins:?}");
    let other_admin = app.token(Role::Admin, None);
    assert_eq!(
        count(
            &notifications_of(&app, &other_admin).await?,
            "review.flagged"
        ),
        1,
        "every admin sees it"
    );
    // The school that wrote and flagged the review is told of neither.
    let school_told = notifications_of(&app, &school).await?;
    assert!(
        !kinds(&school_told)
            .iter()
            .any(|k| k.starts_with("review.") || k.starts_with("vetting.")),
        "{school_told:?}"
    );
    Ok(())
}

#[tokio::test]
async fn advisers_hear_of_assignments_replies_and_overdue_cases_by_email_too() -> Result<()> {
    let (app, server) = mailing_app(&[]).await?;
    let f = fixture::load(&app.db).await?;
    let admin = app.token(Role::Admin, None);
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let name = format!("Rosa Quinn {}", &Uuid::new_v4().simple().to_string()[..8]);
    let entry = add_adviser(&app, &admin, input(&name, &["devices"], &["LONDON"], 5)).await?;
    let address = entry["email"].as_str().context("adviser email")?.to_owned();
    let adviser = token_of(&app, &entry)?;

    let case = open_case(&app, &school).await?;
    let reference = case["reference"].as_str().context("reference")?.to_owned();
    assigned(&app, &admin, &case, &entry).await?;
    app.data_as(
        &school,
        "mutation($id: ID!) { postAdviceMessage(id: $id, body: \"We also need cases for the Chromebooks.\") { id } }",
        json!({ "id": case["id"] }),
    )
    .await?;

    let told = notifications_of(&app, &adviser).await?;
    assert_eq!(count(&told, "advice.assigned"), 1, "{told:?}");
    assert_eq!(count(&told, "advice.school_reply"), 1, "{told:?}");
    // The directory's address gets the email, naming the case.
    let mail = server.wait_for(&address, 2).await?;
    let subjects: Vec<&str> = mail.iter().filter_map(|m| subject_of(m)).collect();
    assert!(
        subjects.contains(&format!("Case {reference} is assigned to you").as_str()),
        "{subjects:?}"
    );
    let body = readable(&mail.join("\n"));
    assert!(body.contains(&format!("Hello {name},")), "{body}");

    // The case's first reply is overdue, and a listing has waited 12 days (over 5 working days) for vetting: the
    // sweep tells the adviser and the admins, once however often it runs.
    let case_id: Uuid = case["id"].as_str().context("case id")?.parse()?;
    advice_request::Entity::update_many()
        .col_expr(
            advice_request::Column::FirstResponseDueAt,
            Expr::value(Utc::now() - chrono::Duration::hours(1)),
        )
        .filter(advice_request::Column::Id.eq(case_id))
        .exec(&app.db)
        .await?;
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let draft = flows::create(&app, &supplier, "Waiting Listing").await?;
    let submitted = flows::step(&app, &supplier, SUBMIT, &draft, json!({})).await?;
    let product_id: Uuid = submitted["product"]["id"]
        .as_str()
        .context("product id")?
        .parse()?;
    product::Entity::update_many()
        .col_expr(
            product::Column::UpdatedAt,
            Expr::value(Utc::now() - chrono::Duration::days(12)),
        )
        .filter(product::Column::Id.eq(product_id))
        .exec(&app.db)
        .await?;
    for _ in 0..2 {
        alerts::sweep(&app.db, Utc::now(), 100).await?;
    }
    let told = notifications_of(&app, &adviser).await?;
    assert_eq!(count(&told, "advice.overdue"), 1, "{told:?}");
    let admins = notifications_of(&app, &admin).await?;
    let backlog: Vec<&Value> = admins
        .iter()
        .filter(|n| n["kind"] == "vetting.backlog")
        .collect();
    assert_eq!(backlog.len(), 1, "{admins:?}");
    assert_eq!(
        backlog[0]["subject"],
        "Waiting Listing has waited over 5 working days for vetting"
    );
    Ok(())
}
