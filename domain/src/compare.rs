//! Side-by-side comparison of 2 to 6 public products or deals: one row per attribute, the
//! values per record as a buyer reads them, and whether they differ.
//!
//! Policy: an unknown or non-public id does not fail the comparison; its column says
//! `NOT_FOUND` and its values are empty, and `differs` looks only at the records found.
//! Values are text for people: the vocabulary's labels ("Data protection", "ChromeOS"), never
//! its codes, and money through [`crate::money`] ("£1,925 per school per year"); the row's
//! `attribute` is the key for machines. Devices gain their own rows (see
//! [`crate::devices::compare`]).

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::catalogue::{deals, products};
use crate::entity::{deal, product};
use crate::vocab::{
    Badge, CyberEssentials, HostingLocation, KeyStage, Platform, PricingModel, RouteToMarket,
};
use crate::{Error, Result, lending, reviews};

/// One compared record: its id and, when public, its name.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub id: Uuid,
    /// `None` when the id is unknown or not public (NOT_FOUND).
    pub name: Option<String>,
}

/// One attribute across the records.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Stable key, e.g. `price`.
    pub attribute: &'static str,
    /// What a buyer reads, e.g. "Price".
    pub label: &'static str,
    /// One per column; `None` for a record not found.
    pub values: Vec<Option<String>>,
    /// True when the found records do not all agree.
    pub differs: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

fn check_ids(ids: &[Uuid]) -> Result<()> {
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    if !(2..=6).contains(&ids.len()) || unique.len() != ids.len() {
        return Err(Error::bad_input("ids", "compare 2 to 6 different records"));
    }
    Ok(())
}

fn build(
    columns: Vec<Column>,
    rows: Vec<(&'static str, &'static str, Vec<Option<String>>)>,
) -> Comparison {
    let rows = rows
        .into_iter()
        .map(|(attribute, label, values)| {
            let mut found = values.iter().flatten();
            let first = found.next();
            let differs = found.any(|v| Some(v) != first);
            Row {
                attribute,
                label,
                values,
                differs,
            }
        })
        .collect();
    Comparison { columns, rows }
}

/// Items joined with commas, or "none".
fn list<T: AsRef<str>>(items: &[T]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Vocabulary values by their labels, joined with commas, or "none".
fn labels<T: Copy>(items: &[T], label: fn(T) -> &'static str) -> String {
    list(&items.iter().map(|i| label(*i)).collect::<Vec<_>>())
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// Compares public products.
pub async fn products(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Comparison> {
    check_ids(ids)?;
    let mut found: HashMap<Uuid, product::Model> = HashMap::new();
    for id in ids {
        if let Ok(p) = products::get_public(db, *id).await {
            found.insert(*id, p);
        }
    }
    let public: Vec<Uuid> = found.keys().copied().collect();
    let facets = products::facets_of(db, &public).await?;
    let offers = lending::open_offers(db, &public).await?;
    let mut ratings = HashMap::new();
    for id in &public {
        ratings.insert(*id, reviews::summary(db, *id).await?);
    }
    let per = |f: &dyn Fn(&product::Model) -> String| -> Vec<Option<String>> {
        ids.iter().map(|id| found.get(id).map(f)).collect()
    };
    let avg = |sum: i32, count: i32| {
        if count > 0 {
            format!("{:.1} ({count})", f64::from(sum) / f64::from(count))
        } else {
            "no ratings".to_owned()
        }
    };
    let rating = |p: &product::Model,
                  pick: fn(&crate::entity::product_rating::Model) -> (i32, i32)| {
        ratings
            .get(&p.id)
            .and_then(|r| r.as_ref())
            .map(|r| {
                let (sum, count) = pick(r);
                avg(sum, count)
            })
            .unwrap_or_else(|| "no ratings".into())
    };
    let f = |p: &product::Model| facets.get(&p.id).cloned().unwrap_or_default();
    let mut rows = vec![
        (
            "price",
            "Price",
            per(&|p| {
                PricingModel::from_code(&p.pricing_model)
                    .map(|m| m.display(p.price_pence))
                    .unwrap_or_default()
            }),
        ),
        (
            "key_stages",
            "Key stages",
            per(&|p| labels(&f(p).key_stages, KeyStage::label)),
        ),
        (
            "platforms",
            "Platforms",
            per(&|p| labels(&f(p).platforms, Platform::label)),
        ),
        (
            "hosting_location",
            "Data hosted in",
            per(&|p| {
                HostingLocation::from_code(&p.hosting_location)
                    .map(|h| h.label().to_owned())
                    .unwrap_or_default()
            }),
        ),
        (
            "cyber_essentials",
            "Cyber Essentials",
            per(&|p| {
                CyberEssentials::from_code(&p.cyber_essentials)
                    .map(|c| c.label().to_owned())
                    .unwrap_or_default()
            }),
        ),
        (
            "badges",
            "Vetting badges",
            per(&|p| labels(&f(p).badges, Badge::label)),
        ),
        (
            "rating",
            "Overall rating (reviews)",
            per(&|p| rating(p, |r| (r.rating_sum, r.review_count))),
        ),
        (
            "ease_of_use",
            "Ease of use",
            per(&|p| rating(p, |r| (r.ease_of_use_sum, r.ease_of_use_count))),
        ),
        (
            "impact",
            "Impact on teaching and learning",
            per(&|p| rating(p, |r| (r.impact_sum, r.impact_count))),
        ),
        (
            "value_for_money",
            "Value for money",
            per(&|p| rating(p, |r| (r.value_for_money_sum, r.value_for_money_count))),
        ),
        (
            "support",
            "Support",
            per(&|p| rating(p, |r| (r.support_sum, r.support_count))),
        ),
        (
            "data_protection_confidence",
            "Confidence in data protection",
            per(&|p| {
                rating(p, |r| {
                    (
                        r.data_protection_confidence_sum,
                        r.data_protection_confidence_count,
                    )
                })
            }),
        ),
        (
            "trial",
            "Free trial",
            per(&|p| match offers.iter().find(|o| o.product_id == p.id) {
                Some(o) if o.seats_free > 0 => format!("yes, {} days, seats free", o.loan_days),
                Some(o) => format!("yes, {} days, waitlist", o.loan_days),
                None => "no".into(),
            }),
        ),
        ("dpia", "DPIA available", per(&|p| yes_no(p.dpia_available))),
        (
            "integrations",
            "Integrations",
            per(&|p| {
                let mut v = Vec::new();
                if p.sso_microsoft {
                    v.push("Microsoft sign-in");
                }
                if p.sso_google {
                    v.push("Google sign-in");
                }
                if p.mis_integration {
                    v.push("MIS");
                }
                list(&v)
            }),
        ),
    ];
    let devices = crate::devices::listings_of(db, &public).await?;
    rows.extend(crate::devices::compare::rows(
        ids,
        &|id| found.contains_key(id),
        &devices,
        chrono::Utc::now().date_naive(),
    ));
    let columns = ids
        .iter()
        .map(|id| Column {
            id: *id,
            name: found.get(id).map(|p| p.name.clone()),
        })
        .collect();
    Ok(build(columns, rows))
}

/// Compares public deals.
pub async fn deals(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Comparison> {
    check_ids(ids)?;
    let mut found: HashMap<Uuid, deal::Model> = HashMap::new();
    for id in ids {
        if let Ok(d) = deals::get_public(db, *id).await {
            found.insert(*id, d);
        }
    }
    let public: Vec<Uuid> = found.keys().copied().collect();
    let providers = deals::providers_by_id(
        db,
        &found.values().map(|d| d.provider_id).collect::<Vec<_>>(),
    )
    .await?;
    let lots = deals::lots_of(db, &public).await?;
    let eligibility = deals::eligibility_of(db, &public).await?;
    let per = |f: &dyn Fn(&deal::Model) -> String| -> Vec<Option<String>> {
        ids.iter().map(|id| found.get(id).map(f)).collect()
    };
    let rows = vec![
        (
            "provider",
            "Provider",
            per(&|d| {
                providers
                    .get(&d.provider_id)
                    .map(|p| p.short_name.clone())
                    .unwrap_or_default()
            }),
        ),
        ("reference", "Reference", per(&|d| d.reference.clone())),
        (
            "lots",
            "Lots",
            per(&|d| {
                let l = lots.get(&d.id).cloned().unwrap_or_default();
                list(
                    &l.iter()
                        .map(|l| format!("{} {}", l.number, l.title))
                        .collect::<Vec<_>>(),
                )
            }),
        ),
        (
            "route_to_market",
            "Route to market",
            per(&|d| {
                RouteToMarket::from_code(&d.route_to_market)
                    .map(|r| r.label().to_owned())
                    .unwrap_or_default()
            }),
        ),
        ("ends_on", "Ends on", per(&|d| d.ends_on.to_string())),
        (
            "eligibility",
            "Who may use it",
            per(&|d| {
                let e = eligibility.get(&d.id).cloned().unwrap_or_default();
                if e.org_types.is_empty() && e.phases.is_empty() {
                    "all schools".into()
                } else {
                    let mut parts: Vec<&str> = e.phases.iter().map(|p| p.label()).collect();
                    parts.extend(e.org_types.iter().map(|t| t.label()));
                    list(&parts)
                }
            }),
        ),
        (
            "typical_savings",
            "Typical savings",
            per(&deals::savings_display),
        ),
        (
            "dfe_endorsed",
            "DfE endorsed",
            per(&|d| yes_no(d.dfe_endorsed)),
        ),
    ];
    let columns = ids
        .iter()
        .map(|id| Column {
            id: *id,
            name: found.get(id).map(|d| d.title.clone()),
        })
        .collect();
    Ok(build(columns, rows))
}
