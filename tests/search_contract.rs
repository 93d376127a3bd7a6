//! One contract, run against every search engine: the embedded one always, Meilisearch when
//! `MEILISEARCH_URL` names a server (none can be installed on this project's machines).

use std::sync::Arc;

use anyhow::Result;
use becta_domain::search::{DealDocument, DeviceFields, LotDocument};
use becta_indexer::{
    Attribute, Documents, Engine, Filter, Kind, MatchingStrategy, Order, ProductDocument,
    SearchQuery, Sort,
};

fn product(
    id: u8,
    name: &str,
    summary: &str,
    key_stages: &[&str],
    price: i64,
    badges: &[&str],
) -> ProductDocument {
    ProductDocument {
        id: format!("00000000-0000-7000-8000-0000000000{id:02}"),
        name: name.into(),
        summary: summary.into(),
        description: format!("{name}. {summary}"),
        supplier_id: "00000000-0000-7000-8000-000000000099".into(),
        supplier_name: "Contract Supplier Ltd".into(),
        categories: vec!["curriculum_content".into()],
        category_names: vec!["Curriculum content".into()],
        subjects: vec![],
        key_stages: key_stages.iter().map(|s| (*s).to_owned()).collect(),
        platforms: vec!["web".into()],
        pricing_model: "per_school_per_year".into(),
        price_pence: price,
        hosting_location: "uk".into(),
        cyber_essentials: "none".into(),
        badges: badges.iter().map(|s| (*s).to_owned()).collect(),
        rating_average: 0.0,
        rating_count: 0,
        trial_available: false,
        evidence_count: 0,
        trial_conversion_bps: 0,
        published_at: 1_700_000_000 + i64::from(id),
        updated_at: 1_700_000_000,
        version: 10,
        device: Default::default(),
        record: None,
    }
}

fn products() -> Vec<ProductDocument> {
    let mut times = product(
        3,
        "Times Tables Trainer",
        "Daily multiplication practice",
        &["ks2"],
        300,
        &[],
    );
    times.trial_available = true;
    times.rating_average = 4.5;
    times.rating_count = 12;
    vec![
        product(
            1,
            "Chromebook Monitor",
            "Web filtering for school devices",
            &["ks2", "ks3"],
            500,
            &["safeguarding"],
        ),
        product(
            2,
            "Phonics Play",
            "Letters and sounds games",
            &["ks1"],
            100,
            &[],
        ),
        times,
        product(
            4,
            "Safeguarding Log",
            "Record and act on concerns",
            &["ks3"],
            900,
            &["safeguarding", "data_protection"],
        ),
        product(
            5,
            "Classroom Laptop Charging",
            "Secure storage trolleys",
            &[],
            700,
            &[],
        ),
    ]
}

fn deal(id: u8, title: &str, summary: &str, ends_on_days: i64) -> DealDocument {
    DealDocument {
        id: format!("00000000-0000-7000-9000-0000000000{id:02}"),
        title: title.into(),
        reference: format!("REF-{id}"),
        provider: "CCS".into(),
        provider_name: "Crown Commercial Service".into(),
        summary: summary.into(),
        description: summary.into(),
        categories: vec!["audio_visual".into()],
        category_names: vec!["Audio visual".into()],
        lots: vec![LotDocument {
            number: 1,
            title: "Lot one".into(),
            suppliers: vec!["Panel Co Ltd".into()],
        }],
        lot_titles: vec!["Lot one".into()],
        supplier_names: vec!["Panel Co Ltd".into()],
        eligible_org_types: vec!["academy_converter".into()],
        eligible_phases: vec!["primary".into()],
        route_to_market: "direct_award".into(),
        starts_on_days: 19_000,
        ends_on_days,
        typical_savings: "10%".into(),
        typical_savings_bps: 1000,
        dfe_endorsed: true,
        updated_at: 1_700_000_000,
        version: 1,
        record: None,
    }
}

fn ids(r: &becta_indexer::SearchResults) -> Vec<u8> {
    r.hits
        .iter()
        .filter_map(|h| h.id[h.id.len() - 2..].parse().ok())
        .collect()
}

fn query(text: &str, filters: Vec<Filter>) -> SearchQuery {
    let mut q = SearchQuery::new(text);
    q.filters = filters;
    q.limit = 50;
    q
}

async fn contract(engine: Engine) -> Result<()> {
    let engine = &engine;
    engine.prepare().await?;
    engine.health().await?;
    engine.upsert(Documents::Products(products())).await?;
    assert_eq!(engine.count(Kind::Products).await?, 5);

    // Every document's digest is the digest of the document as given.
    let digests = engine.digests(Kind::Products).await?;
    let expected: std::collections::HashMap<String, u64> = products()
        .iter()
        .map(|d| {
            Ok((
                d.id.clone(),
                becta_indexer::digest(&serde_json::to_value(d)?),
            ))
        })
        .collect::<Result<_>>()?;
    assert_eq!(digests, expected);

    // Typos, prefixes and synonyms.
    assert_eq!(
        ids(&engine
            .search(Kind::Products, &query("chromebok", vec![]))
            .await?)
        .first(),
        Some(&1)
    );
    assert_eq!(
        ids(&engine
            .search(Kind::Products, &query("safegarding", vec![]))
            .await?)
        .first(),
        Some(&4)
    );
    assert_eq!(
        ids(&engine
            .search(Kind::Products, &query("phon", vec![]))
            .await?),
        [2]
    );
    // Typos and prefixes are measured against the words as written, not their stems
    // ("multiplication" stems to "multipl", six edits from this typo).
    for typed in ["multiplicaton", "multiplica", "practise multiplicaton"] {
        assert_eq!(
            ids(&engine.search(Kind::Products, &query(typed, vec![])).await?).first(),
            Some(&3),
            "{typed}"
        );
    }
    let laptops = ids(&engine
        .search(Kind::Products, &query("chromebook", vec![]))
        .await?);
    assert!(
        laptops.contains(&1) && laptops.contains(&5),
        "chromebook is a synonym of laptop: {laptops:?}"
    );
    let hl = engine
        .search(Kind::Products, &query("chromebok", vec![]))
        .await?;
    assert!(
        hl.hits[0]
            .highlights
            .iter()
            .any(|h| h.snippet.contains("<em>Chromebook</em>")),
        "{:?}",
        hl.hits[0]
    );

    // Highlights cover whole words, typo matches too, and come only when asked for.
    let hl = engine
        .search(Kind::Products, &query("safegarding", vec![]))
        .await?;
    let snippets: Vec<&str> = hl.hits[0]
        .highlights
        .iter()
        .map(|h| h.snippet.as_str())
        .collect();
    assert!(
        snippets.iter().any(|s| s.contains("<em>Safeguarding</em>"))
            && snippets.iter().all(|s| !s.contains("</em>g")),
        "{snippets:?}"
    );
    let mut plain = query("chromebok", vec![]);
    plain.highlights = false;
    let r = engine.search(Kind::Products, &plain).await?;
    assert_eq!(ids(&r).first(), Some(&1));
    assert!(r.hits.iter().all(|h| h.highlights.is_empty()), "{r:?}");

    // A sort applies to a query's matches (words first, then the sort): "laptop" finds the
    // laptop trolley (700) and, through the synonym, the Chromebook monitor (500).
    for (order, expected) in [(Order::Asc, [1, 5]), (Order::Desc, [5, 1])] {
        let mut q = query("laptop", vec![]);
        q.sort = Sort::By(Attribute::PricePence, order);
        let r = engine.search(Kind::Products, &q).await?;
        assert_eq!(ids(&r), expected, "{order:?}");
        assert!(r.hits.iter().all(|h| h.score.is_none()));
    }

    // Matching strategies: "curriculum" is in every product, "phonics" in one. LAST drops
    // words from the end (every product holds "curriculum"), FREQUENCY drops the commonest
    // word first (only "phonics" is left to find), ALL needs both.
    for (strategy, total) in [
        (MatchingStrategy::Last, 5),
        (MatchingStrategy::Frequency, 1),
        (MatchingStrategy::All, 1),
    ] {
        let mut q = query("curriculum phonics", vec![]);
        q.matching = strategy;
        let r = engine.search(Kind::Products, &q).await?;
        assert_eq!(
            (r.total_hits, ids(&r).first()),
            (total, Some(&2)),
            "{strategy:?}"
        );
    }
    let mut q = query("phonics trolleys", vec![]);
    q.matching = MatchingStrategy::All;
    assert_eq!(engine.search(Kind::Products, &q).await?.total_hits, 0);
    q.matching = MatchingStrategy::Last;
    assert_eq!(ids(&engine.search(Kind::Products, &q).await?), [2]);

    // Filters combine.
    let ks2 = Filter::AnyOf(Attribute::KeyStages, vec!["ks2".into()]);
    let mut r = ids(&engine
        .search(Kind::Products, &query("", vec![ks2.clone()]))
        .await?);
    r.sort();
    assert_eq!(r, [1, 3]);
    let r = engine
        .search(
            Kind::Products,
            &query(
                "",
                vec![
                    ks2.clone(),
                    Filter::Range(Attribute::PricePence, None, Some(400.0)),
                ],
            ),
        )
        .await?;
    assert_eq!(ids(&r), [3]);
    let both = Filter::AllOf(
        Attribute::Badges,
        vec!["safeguarding".into(), "data_protection".into()],
    );
    assert_eq!(
        ids(&engine
            .search(Kind::Products, &query("", vec![both]))
            .await?),
        [4]
    );
    assert_eq!(
        ids(&engine
            .search(
                Kind::Products,
                &query("", vec![Filter::Is(Attribute::TrialAvailable, true)])
            )
            .await?),
        [3]
    );
    assert_eq!(
        ids(&engine
            .search(
                Kind::Products,
                &query(
                    "",
                    vec![Filter::Range(Attribute::RatingAverage, Some(4.0), None)]
                )
            )
            .await?),
        [3]
    );

    // Facets count every match, not only the page.
    let mut q = query("", vec![]);
    q.facets = vec![
        Attribute::KeyStages,
        Attribute::Badges,
        Attribute::TrialAvailable,
    ];
    q.limit = 1;
    let r = engine.search(Kind::Products, &q).await?;
    assert_eq!(r.total_hits, 5);
    let ks: Vec<(String, u64)> = r.facets[0]
        .values
        .iter()
        .map(|v| (v.value.clone(), v.count))
        .collect();
    assert_eq!(
        ks,
        [
            ("ks2".to_owned(), 2),
            ("ks3".to_owned(), 2),
            ("ks1".to_owned(), 1)
        ]
    );
    assert_eq!(r.facets[1].values[0].value, "safeguarding");
    assert_eq!(r.facets[1].values[0].count, 2);

    // Sorts and paging.
    let mut q = query("", vec![]);
    q.sort = Sort::By(Attribute::PricePence, Order::Asc);
    assert_eq!(
        ids(&engine.search(Kind::Products, &q).await?),
        [2, 3, 1, 5, 4]
    );
    q.limit = 2;
    q.offset = 2;
    let page = engine.search(Kind::Products, &q).await?;
    assert_eq!((ids(&page), page.total_hits), (vec![1, 5], 5));
    let mut q = query("", vec![]);
    q.sort = Sort::By(Attribute::RatingAverage, Order::Desc);
    assert_eq!(
        ids(&engine.search(Kind::Products, &q).await?).first(),
        Some(&3)
    );

    // A document is never replaced by an older version.
    let mut stale = products()[1].clone();
    stale.name = "Stale Name".into();
    stale.version = 9;
    engine
        .upsert(Documents::Products(vec![stale.clone()]))
        .await?;
    assert!(
        ids(&engine
            .search(Kind::Products, &query("stale", vec![]))
            .await?)
        .is_empty()
    );
    let mut fresh = stale;
    fresh.name = "Phonics Party".into();
    fresh.version = 11;
    engine.upsert(Documents::Products(vec![fresh])).await?;
    assert_eq!(
        ids(&engine
            .search(Kind::Products, &query("party", vec![]))
            .await?),
        [2]
    );

    // Deletes, and deleting what is absent.
    engine
        .delete(Kind::Products, &[products()[1].id.clone(), "absent".into()])
        .await?;
    assert_eq!(engine.count(Kind::Products).await?, 4);
    assert!(
        ids(&engine
            .search(Kind::Products, &query("phonics", vec![]))
            .await?)
        .is_empty()
    );

    // Deals, with date ranges.
    engine
        .upsert(Documents::Deals(vec![
            deal(
                1,
                "Interactive Displays",
                "Interactive panels and projectors",
                21_000,
            ),
            deal(2, "Broadband", "Connectivity for schools", 20_000),
        ]))
        .await?;
    let r = engine
        .search(Kind::Deals, &query("interactve panel", vec![]))
        .await?;
    assert_eq!(ids(&r).first(), Some(&1));
    let later = Filter::Range(Attribute::EndsOnDays, Some(20_500.0), None);
    assert_eq!(
        ids(&engine.search(Kind::Deals, &query("", vec![later])).await?),
        [1]
    );
    let bad = engine
        .search(
            Kind::Deals,
            &query("", vec![Filter::AnyOf(Attribute::PricePence, vec![])]),
        )
        .await;
    assert!(
        matches!(bad, Err(becta_indexer::SearchError::Invalid(_))),
        "{bad:?}"
    );

    // A rebuild replaces the whole index.
    engine
        .rebuild(Documents::Products(products()[..2].to_vec()))
        .await?;
    assert_eq!(engine.count(Kind::Products).await?, 2);
    assert_eq!(
        ids(&engine
            .search(Kind::Products, &query("chromebok", vec![]))
            .await?),
        [1]
    );

    facet_counts_over_a_large_catalogue(engine).await?;
    devices(engine).await
}

/// A device document: `condition`, `grade` ("" for none), form factor, operating system,
/// battery health, warranty months and carbon saved per unit.
#[expect(
    clippy::too_many_arguments,
    reason = "one argument per device attribute the contract checks"
)]
fn device(
    id: u8,
    name: &str,
    condition: &str,
    grade: &str,
    form_factor: &str,
    os: &str,
    battery: i64,
    warranty: i64,
    carbon: i64,
) -> ProductDocument {
    let mut p = product(
        id,
        name,
        "School devices, ready to enrol",
        &[],
        10_000 + i64::from(id),
        &[],
    );
    p.device = DeviceFields {
        condition: vec![condition.into()],
        grade: [grade]
            .iter()
            .filter(|g| !g.is_empty())
            .map(|g| (*g).to_owned())
            .collect(),
        form_factor: vec![form_factor.into()],
        operating_system: vec![os.into()],
        battery_health_percent: battery,
        warranty_months: warranty,
        carbon_saved_kg: carbon,
    };
    p
}

/// Device filters, facets and sorts: condition, grade, form factor and operating system are
/// keywords; battery health, warranty and carbon saved are numbers; products that are not
/// devices match no device filter and count in no device facet.
async fn devices(engine: &Engine) -> Result<()> {
    let docs = vec![
        device(
            11,
            "Refurbished Lenovo 300e Chromebook Gen 3",
            "refurbished",
            "a",
            "chromebook",
            "ChromeOS",
            88,
            12,
            270,
        ),
        device(
            12,
            "Refurbished Lenovo 100e Chromebook Gen 2",
            "refurbished",
            "b",
            "chromebook",
            "ChromeOS",
            82,
            6,
            265,
        ),
        device(
            13,
            "HP Chromebook 11 G9",
            "new",
            "",
            "chromebook",
            "ChromeOS",
            100,
            36,
            0,
        ),
        device(
            14,
            "Apple iPad 9th generation",
            "remanufactured",
            "a",
            "tablet",
            "iPadOS",
            90,
            24,
            0,
        ),
        products()[1].clone(),
    ];
    engine.rebuild(Documents::Products(docs)).await?;
    let sorted = |mut v: Vec<u8>| {
        v.sort();
        v
    };
    let refurbished = Filter::AnyOf(Attribute::Condition, vec!["refurbished".into()]);
    let grade_a = Filter::AnyOf(Attribute::Grade, vec!["a".into()]);
    let battery_85 = Filter::Range(Attribute::BatteryHealthPercent, Some(85.0), None);
    let warranty_12 = Filter::Range(Attribute::WarrantyMonths, Some(12.0), None);
    let chromebooks = Filter::AnyOf(Attribute::FormFactor, vec!["chromebook".into()]);
    let r = engine
        .search(
            Kind::Products,
            &query(
                "refurbished chromebooks",
                vec![
                    refurbished.clone(),
                    grade_a.clone(),
                    battery_85.clone(),
                    warranty_12.clone(),
                    chromebooks.clone(),
                ],
            ),
        )
        .await?;
    assert_eq!(ids(&r), [11]);
    let all = |f: Vec<Filter>| async move {
        Ok::<_, anyhow::Error>(sorted(ids(&engine
            .search(Kind::Products, &query("", f))
            .await?)))
    };
    assert_eq!(all(vec![battery_85]).await?, [11, 13, 14]);
    assert_eq!(all(vec![grade_a]).await?, [11, 14]);
    assert_eq!(all(vec![warranty_12]).await?, [11, 13, 14]);
    assert_eq!(all(vec![chromebooks]).await?, [11, 12, 13]);
    assert_eq!(
        all(vec![Filter::AnyOf(
            Attribute::OperatingSystem,
            vec!["iPadOS".into()]
        )])
        .await?,
        [14]
    );
    assert_eq!(
        all(vec![Filter::AnyOf(
            Attribute::Condition,
            vec!["refurbished".into(), "remanufactured".into()]
        )])
        .await?,
        [11, 12, 14]
    );

    // Sorts by battery, warranty and carbon saved.
    let devices_only = Filter::AnyOf(
        Attribute::Condition,
        vec!["new".into(), "refurbished".into(), "remanufactured".into()],
    );
    for (attr, expected) in [
        (Attribute::BatteryHealthPercent, [13, 14, 11, 12]),
        (Attribute::WarrantyMonths, [13, 14, 11, 12]),
    ] {
        let mut q = query("", vec![devices_only.clone()]);
        q.sort = Sort::By(attr, Order::Desc);
        assert_eq!(
            ids(&engine.search(Kind::Products, &q).await?),
            expected,
            "{attr}"
        );
    }
    let mut q = query("", vec![refurbished]);
    q.sort = Sort::By(Attribute::CarbonSavedKg, Order::Desc);
    assert_eq!(ids(&engine.search(Kind::Products, &q).await?), [11, 12]);

    // Facets count devices only.
    let mut q = query("", vec![]);
    q.facets = vec![
        Attribute::Condition,
        Attribute::Grade,
        Attribute::FormFactor,
        Attribute::OperatingSystem,
    ];
    let r = engine.search(Kind::Products, &q).await?;
    assert_eq!(r.total_hits, 5);
    let counts: Vec<Vec<(String, u64)>> = r
        .facets
        .iter()
        .map(|f| {
            let mut v: Vec<(String, u64)> = f
                .values
                .iter()
                .map(|v| (v.value.clone(), v.count))
                .collect();
            v.sort();
            v
        })
        .collect();
    let pairs = |v: &[(&str, u64)]| -> Vec<(String, u64)> {
        v.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect()
    };
    assert_eq!(
        counts,
        [
            pairs(&[("new", 1), ("refurbished", 2), ("remanufactured", 1)]),
            pairs(&[("a", 2), ("b", 1)]),
            pairs(&[("chromebook", 3), ("tablet", 1)]),
            pairs(&[("ChromeOS", 3), ("iPadOS", 1)]),
        ]
    );
    Ok(())
}

/// A catalogue of `n` generated products whose facet values vary with their number.
fn catalogue(n: usize) -> Vec<ProductDocument> {
    const STAGES: &[&str] = &["eyfs", "ks1", "ks2", "ks3", "ks4", "ks5"];
    const BADGES: &[&str] = &[
        "data_protection",
        "cyber_security",
        "accessibility",
        "safeguarding",
    ];
    const CATEGORIES: &[&str] = &["assessment", "curriculum_content", "mis", "safeguarding"];
    (0..n)
        .map(|i| {
            let pick = |values: &[&str], every: &[usize]| -> Vec<String> {
                values
                    .iter()
                    .zip(every)
                    .filter(|(_, k)| i % **k == 0)
                    .map(|(v, _)| (*v).to_owned())
                    .collect()
            };
            let word = if i % 3 == 0 { "Zebrafish" } else { "Tracker" };
            let mut p = product(
                0,
                &format!("{word} {i}"),
                "Generated",
                &[],
                (i % 50) as i64 * 100,
                &[],
            );
            p.id = format!("00000000-0000-7000-8000-{i:012}");
            p.key_stages = pick(STAGES, &[7, 2, 3, 5, 4, 11]);
            p.badges = pick(BADGES, &[2, 3, 5, 13]);
            p.categories = vec![CATEGORIES[i % CATEGORIES.len()].to_owned()];
            p.trial_available = i % 4 == 0;
            p
        })
        .collect()
}

/// Facet counts computed from the documents a query matches.
fn expected_facets(docs: &[&ProductDocument]) -> Vec<(String, Vec<(String, u64)>)> {
    let count = |values: &dyn Fn(&ProductDocument) -> Vec<String>| {
        let mut counts = std::collections::BTreeMap::<String, u64>::new();
        for d in docs {
            for v in values(d) {
                *counts.entry(v).or_default() += 1;
            }
        }
        counts.into_iter().collect::<Vec<_>>()
    };
    vec![
        ("key_stages".into(), count(&|d| d.key_stages.clone())),
        ("badges".into(), count(&|d| d.badges.clone())),
        ("categories".into(), count(&|d| d.categories.clone())),
        (
            "trial_available".into(),
            count(&|d| vec![d.trial_available.to_string()]),
        ),
    ]
}

/// Facet counts over broad and narrow matches of a catalogue spread over several segments (with
/// replaced documents) equal the counts of the matching documents themselves.
async fn facet_counts_over_a_large_catalogue(engine: &Engine) -> Result<()> {
    let mut docs = catalogue(1500);
    engine
        .rebuild(Documents::Products(docs[..1200].to_vec()))
        .await?;
    engine
        .upsert(Documents::Products(docs[1200..].to_vec()))
        .await?;
    // Replace some documents with new versions that change their facet values.
    for d in docs.iter_mut().step_by(7) {
        d.version += 1;
        d.badges = vec!["accessibility".into()];
        d.trial_available = !d.trial_available;
    }
    let changed: Vec<_> = docs.iter().step_by(7).cloned().collect();
    engine.upsert(Documents::Products(changed)).await?;
    assert_eq!(engine.count(Kind::Products).await?, 1500);

    type Matches = Box<dyn Fn(&ProductDocument) -> bool>;
    let cases: Vec<(&str, Vec<Filter>, Matches)> = vec![
        ("", vec![], Box::new(|_| true)),
        (
            "",
            vec![Filter::AnyOf(Attribute::KeyStages, vec!["ks2".into()])],
            Box::new(|d| d.key_stages.iter().any(|k| k == "ks2")),
        ),
        (
            "zebrafish",
            vec![],
            Box::new(|d| d.name.starts_with("Zebrafish")),
        ),
        (
            "",
            vec![
                Filter::AllOf(
                    Attribute::Badges,
                    vec!["data_protection".into(), "cyber_security".into()],
                ),
                Filter::Range(Attribute::PricePence, None, Some(900.0)),
            ],
            Box::new(|d| {
                ["data_protection", "cyber_security"]
                    .iter()
                    .all(|b| d.badges.iter().any(|x| x == b))
                    && d.price_pence <= 900
            }),
        ),
    ];
    for (text, filters, matches) in cases {
        let mut q = query(text, filters.clone());
        q.limit = 5;
        q.facets = vec![
            Attribute::KeyStages,
            Attribute::Badges,
            Attribute::Categories,
            Attribute::TrialAvailable,
        ];
        let r = engine.search(Kind::Products, &q).await?;
        let matching: Vec<&ProductDocument> = docs.iter().filter(|d| matches(d)).collect();
        assert_eq!(r.total_hits, matching.len() as u64, "{text:?} {filters:?}");
        let got: Vec<(String, Vec<(String, u64)>)> = r
            .facets
            .iter()
            .map(|f| {
                let mut values: Vec<_> = f
                    .values
                    .iter()
                    .map(|v| (v.value.clone(), v.count))
                    .collect();
                values.sort();
                (f.field.clone(), values)
            })
            .collect();
        assert_eq!(got, expected_facets(&matching), "{text:?} {filters:?}");
    }
    Ok(())
}

#[tokio::test]
async fn the_embedded_engine_honours_the_search_contract() -> Result<()> {
    let dir =
        std::env::temp_dir().join(format!("becta-contract-{}", uuid::Uuid::new_v4().simple()));
    let engine = Arc::new(becta_indexer::embedded::EmbeddedEngine::open(&dir)?);
    let outcome = contract(engine).await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

#[tokio::test]
async fn the_meilisearch_engine_honours_the_search_contract() -> Result<()> {
    let Ok(url) = std::env::var("MEILISEARCH_URL") else {
        eprintln!("MEILISEARCH_URL is not set: the Meilisearch contract run needs a server");
        return Ok(());
    };
    let key = std::env::var("MEILISEARCH_KEY").ok();
    let prefix = format!("contract_{}_", uuid::Uuid::new_v4().simple());
    let engine = Arc::new(becta_indexer::meili::MeiliEngine::new(
        &url,
        key.as_deref(),
        &prefix,
    )?);
    contract(engine).await
}

/// `becta reindex` on a Meilisearch that never held this deployment's indexes (a first
/// deployment, a new prefix): the rebuild creates them rather than failing its swap.
#[tokio::test]
async fn a_rebuild_into_a_meilisearch_without_the_indexes_creates_them() -> Result<()> {
    let Ok(url) = std::env::var("MEILISEARCH_URL") else {
        eprintln!("MEILISEARCH_URL is not set: this Meilisearch test needs a server");
        return Ok(());
    };
    let key = std::env::var("MEILISEARCH_KEY").ok();
    let prefix = format!("fresh_{}_", uuid::Uuid::new_v4().simple());
    let engine: Engine = Arc::new(becta_indexer::meili::MeiliEngine::new(
        &url,
        key.as_deref(),
        &prefix,
    )?);
    engine.rebuild(Documents::Products(products())).await?;
    assert_eq!(engine.count(Kind::Products).await?, products().len() as u64);
    assert_eq!(
        ids(&engine
            .search(Kind::Products, &query("chromebok", vec![]))
            .await?),
        [1]
    );
    Ok(())
}

#[tokio::test]
async fn a_second_process_on_the_same_folder_reads_the_embedded_index_the_first_writes()
-> Result<()> {
    use becta_indexer::embedded::EmbeddedEngine;
    use becta_indexer::{SearchEngine, SearchError};
    let dir = std::env::temp_dir().join(format!("becta-shared-{}", uuid::Uuid::new_v4().simple()));
    let outcome = async {
        let writer = EmbeddedEngine::open(&dir)?;
        // The tantivy lock is per process and file: a second open in this process meets it as
        // a second process does.
        let reader = EmbeddedEngine::open(&dir)?;
        assert!(!writer.read_only() && reader.read_only());
        assert!(
            EmbeddedEngine::open_writer(&dir).is_err(),
            "one writer at a time"
        );
        assert!(matches!(
            reader.upsert(Documents::Products(products())).await,
            Err(SearchError::Unavailable(_))
        ));

        // The reader follows the writer's commits (tantivy polls every 500 ms).
        writer.upsert(Documents::Products(products())).await?;
        let mut seen = 0;
        for _ in 0..100 {
            seen = reader.count(Kind::Products).await?;
            if seen == 5 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(seen, 5, "the reader sees the writer's documents");
        let hits = ids(&reader
            .search(Kind::Products, &query("chromebok", vec![]))
            .await?);
        assert_eq!(hits.first(), Some(&1));

        // A rebuild swaps another folder in: the reader follows it too.
        writer
            .rebuild(Documents::Products(
                products().into_iter().take(2).collect(),
            ))
            .await?;
        assert_eq!(reader.count(Kind::Products).await?, 2);
        assert!(matches!(
            reader.rebuild(Documents::Products(products())).await,
            Err(SearchError::Unavailable(_))
        ));
        Ok(())
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}
