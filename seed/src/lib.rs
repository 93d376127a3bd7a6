//! The sample dataset of BECTA 2.0 and its generator, written through the domain services.
//!
//! Every record is marked `is_sample`. `load_sample` fills an empty database with a realistic
//! catalogue (deals with lots, suppliers, vetted products, schools and trusts) and an adviser
//! directory in one transaction; `load_if_empty` runs it only on a database without a
//! catalogue and says what it did; `generate_products` adds N products, deterministic from a
//! seed number, for benchmarks.

pub mod dataset;
pub mod devices;
pub mod maturity;

use std::collections::HashMap;
use std::fmt;

use becta_domain::advice::{AdviserProfile, advisers};
use becta_domain::catalogue::deals::{NewDeal, NewLot};
use becta_domain::catalogue::organisations::{self, NewOrganisation};
use becta_domain::catalogue::products::{NewProduct, ProductContent};
use becta_domain::catalogue::{deals, products};
use becta_domain::entity::{category, deal, organisation, product, provider};
use becta_domain::sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use becta_domain::vocab::*;
use becta_domain::{Error, Result, db};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// What `load_sample` wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub providers: usize,
    pub categories: usize,
    pub trusts: usize,
    pub schools: usize,
    pub suppliers: usize,
    pub deals: usize,
    pub products: usize,
    pub advisers: usize,
    /// Standards self-assessed in sample assessments (one section each).
    pub assessed_sections: usize,
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} deals from {} providers, {} products from {} suppliers, {} schools and {} trusts, {} advisers, {} self-assessed standards, {} categories",
            self.deals,
            self.providers,
            self.products,
            self.suppliers,
            self.schools,
            self.trusts,
            self.advisers,
            self.assessed_sections,
            self.categories
        )
    }
}

/// How many schools the sample dataset holds.
pub const SAMPLE_SCHOOLS: usize = 1200;

/// What the database holds of a catalogue: the counts that decide whether seeding runs, and
/// that tell someone why it did not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holdings {
    pub providers: u64,
    pub categories: u64,
    pub deals: u64,
    pub products: u64,
}

impl Holdings {
    /// No catalogue at all (no providers and no categories): the sample dataset may be loaded.
    pub fn is_empty(&self) -> bool {
        self.providers == 0 && self.categories == 0
    }
}

impl fmt::Display for Holdings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} deals and {} products ({} providers, {} categories)",
            self.deals, self.products, self.providers, self.categories
        )
    }
}

/// Counts what the database holds of a catalogue.
pub async fn holdings(db: &impl ConnectionTrait) -> Result<Holdings> {
    Ok(Holdings {
        providers: provider::Entity::find().count(db).await?,
        categories: category::Entity::find().count(db).await?,
        deals: deal::Entity::find().count(db).await?,
        products: product::Entity::find().count(db).await?,
    })
}

/// True when the database holds no catalogue (no providers and no categories).
pub async fn is_empty(db: &impl ConnectionTrait) -> Result<bool> {
    Ok(holdings(db).await?.is_empty())
}

/// What [`load_if_empty`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seeding {
    /// The database was empty: the sample dataset was loaded.
    Loaded(SeedReport),
    /// The database held a catalogue already: nothing was loaded.
    Skipped(Holdings),
}

impl fmt::Display for Seeding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seeding::Loaded(report) => write!(f, "loaded the sample dataset: {report}"),
            Seeding::Skipped(held) => write!(
                f,
                "the database already holds {held}; nothing was loaded (seeding only fills an empty database)"
            ),
        }
    }
}

/// Loads the sample dataset when the database holds no catalogue, and says what it did.
pub async fn load_if_empty(conn: &DatabaseConnection) -> Result<Seeding> {
    let held = holdings(conn).await?;
    if !held.is_empty() {
        return Ok(Seeding::Skipped(held));
    }
    tracing::info!("empty database: loading the sample dataset");
    Ok(Seeding::Loaded(load_sample(conn).await?))
}

fn code<T>(parse: fn(&str) -> Option<T>, what: &str, value: &str) -> Result<T> {
    parse(value)
        .ok_or_else(|| Error::Internal(format!("sample data: unknown {what} code {value:?}")))
}

fn codes<T>(parse: fn(&str) -> Option<T>, what: &str, values: &[&str]) -> Result<Vec<T>> {
    values.iter().map(|v| code(parse, what, v)).collect()
}

/// Loads the whole sample dataset in one transaction.
pub async fn load_sample(conn: &DatabaseConnection) -> Result<SeedReport> {
    maturity::ensure_content(conn).await?;
    let tx = db::begin_write(conn).await?;
    let mut report = SeedReport::default();

    for (i, c) in dataset::categories::categories().iter().enumerate() {
        organisations::insert_category(&tx, c.slug, c.scope, c.name, i as i32).await?;
        report.categories += 1;
    }

    for a in dataset::advisers::advisers() {
        let profile = AdviserProfile {
            name: a.name.into(),
            email: a.email.into(),
            categories: a.categories.iter().map(|c| (*c).to_owned()).collect(),
            regions: codes(Region::from_code, "region", &a.regions)?,
            capacity: a.capacity,
        };
        advisers::insert(&tx, Uuid::now_v7(), profile, true).await?;
        report.advisers += 1;
    }

    let mut provider_ids = HashMap::new();
    for p in dataset::providers::providers() {
        let id = organisations::insert_provider(&tx, p.short_name, p.name, p.website, true).await?;
        provider_ids.insert(p.short_name, id);
        report.providers += 1;
    }

    let trusts = dataset::schools::trusts();
    let trust_ids = organisations::insert_many(
        &tx,
        trusts
            .iter()
            .map(|t| NewOrganisation {
                group_uid: Some(t.group_uid.into()),
                is_sample: true,
                ..NewOrganisation::new(OrgKind::Trust, t.name)
            })
            .collect(),
    )
    .await?;
    let trust_by_uid: HashMap<&str, Uuid> =
        trusts.iter().map(|t| t.group_uid).zip(trust_ids).collect();
    report.trusts = trusts.len();

    let mut schools = Vec::with_capacity(SAMPLE_SCHOOLS);
    let mut urns = Vec::with_capacity(SAMPLE_SCHOOLS);
    for s in dataset::schools::schools(SAMPLE_SCHOOLS) {
        urns.push(s.urn);
        let trust_id = match s.trust_group_uid {
            Some(uid) => Some(
                *trust_by_uid
                    .get(uid)
                    .ok_or_else(|| Error::Internal(format!("sample data: unknown trust {uid}")))?,
            ),
            None => None,
        };
        schools.push(NewOrganisation {
            urn: Some(s.urn),
            establishment_type: Some(code(
                EstablishmentType::from_code,
                "establishment type",
                s.establishment_type,
            )?),
            phase: Some(code(Phase::from_code, "phase", s.phase)?),
            la_code: Some(s.la_code.into()),
            la_name: Some(s.la_name.into()),
            region: Some(code(Region::from_code, "region", s.region)?),
            trust_id,
            pupil_count: Some(s.pupils),
            postcode: Some(s.postcode),
            is_sample: true,
            ..NewOrganisation::new(OrgKind::School, s.name)
        });
    }
    report.schools = schools.len();
    let school_ids = organisations::insert_many(&tx, schools).await?;
    let assessed: Vec<(Uuid, i32)> = school_ids.into_iter().zip(urns).collect();
    report.assessed_sections = maturity::load_samples(&tx, &assessed).await?;

    let suppliers = dataset::suppliers::suppliers();
    let supplier_ids = organisations::insert_many(
        &tx,
        suppliers
            .iter()
            .map(|s| NewOrganisation {
                companies_house_number: Some(s.companies_house_number.into()),
                website: Some(s.website.into()),
                is_sample: true,
                ..NewOrganisation::new(OrgKind::Supplier, s.name)
            })
            .collect(),
    )
    .await?;
    let supplier_by_name: HashMap<&str, Uuid> =
        suppliers.iter().map(|s| s.name).zip(supplier_ids).collect();
    report.suppliers = suppliers.len();
    let supplier = |name: &str| {
        supplier_by_name
            .get(name)
            .copied()
            .ok_or_else(|| Error::Internal(format!("sample data: unknown supplier {name}")))
    };

    for d in dataset::deals::deals() {
        let provider_id = *provider_ids.get(d.provider).ok_or_else(|| {
            Error::Internal(format!("sample data: unknown provider {}", d.provider))
        })?;
        let mut lots = Vec::with_capacity(d.lots.len());
        for l in &d.lots {
            lots.push(NewLot {
                number: l.number,
                title: l.title.into(),
                description: l.description.into(),
                supplier_ids: l
                    .suppliers
                    .iter()
                    .map(|s| supplier(s))
                    .collect::<Result<_>>()?,
                offers_disposal: l.offers_disposal,
            });
        }
        deals::insert(
            &tx,
            NewDeal {
                provider_id,
                reference: d.reference.into(),
                title: d.title.into(),
                summary: d.summary.into(),
                description: d.description.into(),
                how_to_buy: d.how_to_buy.into(),
                categories: d.categories.iter().map(|c| (*c).to_owned()).collect(),
                lots,
                eligible_org_types: codes(
                    EstablishmentType::from_code,
                    "establishment type",
                    &d.eligible_org_types,
                )?,
                eligible_phases: codes(Phase::from_code, "phase", &d.eligible_phases)?,
                starts_on: d.starts_on,
                ends_on: d.ends_on,
                route_to_market: code(
                    RouteToMarket::from_code,
                    "route to market",
                    d.route_to_market,
                )?,
                typical_savings: d.typical_savings.into(),
                typical_savings_bps: Some(d.typical_savings_bps),
                fees: d.fees.into(),
                dfe_endorsed: d.dfe_endorsed,
                url: d.url.into(),
                status: DealStatus::Published,
                is_sample: true,
            },
        )
        .await?;
        report.deals += 1;
    }

    let mut new_products = Vec::new();
    for p in dataset::products::products() {
        new_products.push(NewProduct {
            supplier_id: supplier(p.supplier)?,
            content: ProductContent {
                name: p.name.into(),
                summary: p.summary.into(),
                description: p.description.into(),
                categories: p.categories.iter().map(|c| (*c).to_owned()).collect(),
                subjects: p.subjects.iter().map(|c| (*c).to_owned()).collect(),
                key_stages: codes(KeyStage::from_code, "key stage", &p.key_stages)?,
                platforms: codes(Platform::from_code, "platform", &p.platforms)?,
                pricing_model: code(PricingModel::from_code, "pricing model", p.pricing_model)?,
                price_pence: p.price_pence,
                hosting_location: code(
                    HostingLocation::from_code,
                    "hosting location",
                    p.hosting_location,
                )?,
                cyber_essentials: code(
                    CyberEssentials::from_code,
                    "cyber essentials",
                    p.cyber_essentials,
                )?,
                accessibility_statement_url: p.accessibility_statement_url.map(Into::into),
                dpia_available: p.dpia_available,
                sso_microsoft: p.sso_microsoft,
                sso_google: p.sso_google,
                mis_integration: p.mis_integration,
                website: Some(p.website.into()),
                device: None,
            },
            status: ProductStatus::Approved,
            badges: codes(Badge::from_code, "badge", &p.badges)?,
            is_sample: true,
        });
    }
    let website_by_name: HashMap<&str, &str> =
        suppliers.iter().map(|s| (s.name, s.website)).collect();
    let website = |name: &str| {
        website_by_name
            .get(name)
            .map(|w| format!("{w}/devices"))
            .unwrap_or_default()
    };
    let mut units = Vec::new();
    for (product, in_stock) in devices::products(&supplier, &website)? {
        units.push((new_products.len(), in_stock));
        new_products.push(product);
    }
    report.products = new_products.len();
    let ids = products::insert_many(&tx, new_products).await?;
    let stock: Vec<(Uuid, i64)> = units.into_iter().map(|(i, n)| (ids[i], n)).collect();
    becta_domain::devices::stock::insert_many(&tx, &stock).await?;

    db::commit(tx).await?;
    db::analyze(conn).await?;
    Ok(report)
}

/// Adds `count` generated, approved products spread over the sample suppliers, deterministic
/// from `seed`. Each batch of 5,000 is one transaction. Returns how many were added.
pub async fn generate_products(
    conn: &DatabaseConnection,
    count: usize,
    seed: u64,
) -> Result<usize> {
    let supplier_ids: Vec<Uuid> = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(OrgKind::Supplier.code()))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let mut categories: Vec<String> = organisations::categories(conn, "product")
        .await?
        .into_iter()
        .map(|c| c.slug)
        .collect();
    // Generated products are software and services: never in the device categories.
    categories.retain(|c| c != devices::DEVICES_CATEGORY && c != devices::PANELS_CATEGORY);
    categories.sort();
    if supplier_ids.is_empty() || categories.is_empty() {
        return Err(Error::Conflict(
            "load the sample dataset before generating products".into(),
        ));
    }
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut added = 0;
    while added < count {
        let n = (count - added).min(5_000);
        let batch: Vec<NewProduct> = (0..n)
            .map(|i| generated_product(&mut rng, seed, added + i, &supplier_ids, &categories))
            .collect();
        let tx = db::begin_write(conn).await?;
        products::insert_many(&tx, batch).await?;
        db::commit(tx).await?;
        added += n;
    }
    db::analyze(conn).await?;
    Ok(added)
}

const BRANDS: &[&str] = &[
    "Bright", "Clever", "Learn", "Class", "Spark", "Quest", "Nimbus", "Harbour", "Lumen", "Beacon",
    "Orbit", "Kite", "Meadow", "Summit", "Pioneer", "Compass", "Maple", "Cedar", "Puffin",
    "Kestrel",
];
const TOPICS: &[&str] = &[
    "Maths",
    "Phonics",
    "Reading",
    "Science",
    "Coding",
    "French",
    "History",
    "Geography",
    "Safeguarding",
    "Attendance",
    "Behaviour",
    "Timetable",
    "Parents",
    "Assessment",
    "SEND",
    "Wellbeing",
    "Spelling",
    "Times Tables",
    "Music",
    "Art",
];
const KINDS: &[&str] = &[
    "Hub", "Studio", "Planner", "Tracker", "Coach", "Lab", "Portal", "Pathways", "Toolkit",
    "Academy",
];

fn pick<'a, T>(rng: &mut SmallRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn generated_product(
    rng: &mut SmallRng,
    seed: u64,
    i: usize,
    suppliers: &[Uuid],
    categories: &[String],
) -> NewProduct {
    let (brand, topic, kind) = (*pick(rng, BRANDS), *pick(rng, TOPICS), *pick(rng, KINDS));
    let first_stage = rng.random_range(0..KeyStage::ALL.len());
    let last_stage = rng.random_range(first_stage..KeyStage::ALL.len());
    let pricing = *pick(rng, PricingModel::ALL);
    let price = match pricing {
        PricingModel::Free => 0,
        PricingModel::PerPupilPerYear => rng.random_range(100..1_200),
        PricingModel::PerUserPerYear => rng.random_range(500..5_000),
        _ => rng.random_range(30_000..900_000),
    };
    let cyber = *pick(rng, CyberEssentials::ALL);
    let mut badges = vec![Badge::Safeguarding];
    if cyber != CyberEssentials::None {
        badges.push(Badge::CyberSecurity);
    }
    if rng.random_bool(0.6) {
        badges.push(Badge::DataProtection);
    }
    NewProduct {
        supplier_id: *pick(rng, suppliers),
        content: ProductContent {
            name: format!(
                "{brand}{} {topic} {kind} G{seed}-{i:06}",
                kind.len() % 3 + 1
            ),
            summary: format!(
                "{topic} {} for schools from {brand}: generated sample listing.",
                kind.to_lowercase()
            ),
            description: format!(
                "A generated sample product for benchmarks. {brand} {topic} {kind} helps staff and pupils with {} \
                 across key stages, with reports for leaders.",
                topic.to_lowercase()
            ),
            categories: vec![pick(rng, categories).clone()],
            subjects: vec![],
            key_stages: KeyStage::ALL[first_stage..=last_stage].to_vec(),
            platforms: vec![Platform::Web, *pick(rng, Platform::ALL)],
            pricing_model: pricing,
            price_pence: price,
            hosting_location: if rng.random_bool(0.8) {
                HostingLocation::Uk
            } else {
                *pick(rng, HostingLocation::ALL)
            },
            cyber_essentials: cyber,
            accessibility_statement_url: None,
            dpia_available: badges.contains(&Badge::DataProtection),
            sso_microsoft: rng.random_bool(0.5),
            sso_google: rng.random_bool(0.5),
            mis_integration: rng.random_bool(0.4),
            website: None,
            device: None,
        },
        status: ProductStatus::Approved,
        badges,
        is_sample: true,
    }
}
