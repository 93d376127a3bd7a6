//! The sample dataset a newcomer sees on first start, and the benchmark generator.

use std::collections::HashSet;

use anyhow::Result;
use becta_domain::entity::{deal, organisation, product};
use becta_domain::sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::{spawn_app, spawn_seeded_app};

#[tokio::test]
async fn the_sample_catalogue_is_large_realistic_and_marked_as_sample() -> Result<()> {
    let app = spawn_seeded_app().await?;
    let data = app
        .data(
            "{ deals(first: 100) { totalCount edges { node { isSample lots { number } provider { shortName } } } }
               products { totalCount }
               providers { shortName }
               categories(scope: PRODUCT) { slug } }",
            json!({}),
        )
        .await?;
    assert!(
        data["deals"]["totalCount"].as_u64() >= Some(25),
        "{}",
        data["deals"]["totalCount"]
    );
    assert!(data["products"]["totalCount"].as_u64() >= Some(300));
    let deals = data["deals"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(deals.iter().all(|d| d["node"]["isSample"] == true));
    assert!(
        deals
            .iter()
            .all(|d| d["node"]["lots"].as_array().is_some_and(|l| !l.is_empty())),
        "every deal has lots"
    );
    let providers: HashSet<&str> = deals
        .iter()
        .filter_map(|d| d["node"]["provider"]["shortName"].as_str())
        .collect();
    for p in ["CCS", "ESPO", "YPO", "NEPO", "CPC", "LGfL"] {
        assert!(providers.contains(p), "no deal from {p}");
    }

    let suppliers = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq("supplier"))
        .count(&app.db)
        .await?;
    assert!(suppliers >= 60);
    let with_products: HashSet<_> = product::Entity::find()
        .all(&app.db)
        .await?
        .into_iter()
        .map(|p| p.supplier_id)
        .collect();
    assert!(
        with_products.len() >= 60,
        "products come from {} suppliers",
        with_products.len()
    );
    let schools = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq("school"))
        .all(&app.db)
        .await?;
    assert!(schools.len() >= 1000);
    let regions: HashSet<_> = schools.iter().filter_map(|s| s.region.clone()).collect();
    assert_eq!(regions.len(), 9);
    assert!(
        schools
            .iter()
            .all(|s| s.is_sample && s.urn.is_some_and(|u| (100_000..=999_999).contains(&u)))
    );
    assert!(
        deal::Entity::find()
            .all(&app.db)
            .await?
            .iter()
            .all(|d| d.is_sample)
    );
    let admin = app.token(becta_domain::vocab::Role::Admin, None);
    let advisers = app
        .data_as(
            &admin,
            "{ advisers { edges { node { name email isSample active categories { slug } regions } } } }",
            json!({}),
        )
        .await?;
    let advisers = advisers["advisers"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(advisers.len() >= 5, "{advisers:?}");
    for a in &advisers {
        let a = &a["node"];
        assert_eq!(
            (&a["isSample"], &a["active"]),
            (&json!(true), &json!(true)),
            "{a}"
        );
        assert!(
            a["email"].as_str().is_some_and(|e| e.ends_with(".example")),
            "{a}"
        );
        assert!(
            a["categories"].as_array().is_some_and(|c| !c.is_empty()),
            "{a}"
        );
    }
    let regions: HashSet<&str> = advisers
        .iter()
        .flat_map(|a| a["node"]["regions"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(regions.len(), 9, "every region has an adviser: {regions:?}");
    Ok(())
}

#[tokio::test]
async fn generated_products_are_deterministic_from_the_seed_number() -> Result<()> {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let app = spawn_seeded_app().await?;
        let before = product::Entity::find().count(&app.db).await?;
        let added = becta_seed::generate_products(&app.db, 250, 7).await?;
        assert_eq!(added, 250);
        assert_eq!(product::Entity::find().count(&app.db).await?, before + 250);
        let mut generated: Vec<(String, i64, String)> = product::Entity::find()
            .filter(product::Column::Name.contains("G7-"))
            .all(&app.db)
            .await?
            .into_iter()
            .map(|p| (p.name, p.price_pence, p.pricing_model))
            .collect();
        generated.sort();
        runs.push(generated);
    }
    assert_eq!(runs[0].len(), 250);
    assert_eq!(runs[0], runs[1]);
    Ok(())
}

#[tokio::test]
async fn an_empty_database_is_not_seeded_when_seeding_is_off() -> Result<()> {
    let app = spawn_app().await?;
    let data = app
        .data(
            "{ deals { totalCount } products { totalCount } }",
            json!({}),
        )
        .await?;
    assert_eq!(data["deals"]["totalCount"], 0);
    assert_eq!(data["products"]["totalCount"], 0);
    Ok(())
}
