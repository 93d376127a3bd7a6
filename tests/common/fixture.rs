//! A small catalogue with known answers, written through the domain services: public and
//! hidden products, current, upcoming, ended and draft deals.

use std::collections::HashMap;

use anyhow::Result;
use becta_domain::catalogue::deals::{self, NewDeal, NewLot};
use becta_domain::catalogue::organisations::{self, NewOrganisation};
use becta_domain::catalogue::products::{self, NewProduct, ProductContent};
use becta_domain::db;
use becta_domain::sea_orm::DatabaseConnection;
use becta_domain::vocab::*;
use chrono::Duration;
use uuid::Uuid;

pub struct Fixture {
    pub alpha: Uuid,
    pub beta: Uuid,
    /// A school buyers' organisation, URN [`SCHOOL_URN`], in no trust.
    pub school: Uuid,
    /// A multi-academy trust, Group UID [`TRUST_GROUP_UID`], of the schools [`TRUST_SCHOOL_URNS`].
    pub trust: Uuid,
    pub trust_schools: [Uuid; 2],
    pub ccs: Uuid,
    pub products: HashMap<&'static str, Uuid>,
    pub deals: HashMap<&'static str, Uuid>,
}

struct P {
    name: &'static str,
    beta: bool,
    category: &'static str,
    subjects: &'static [&'static str],
    key_stages: &'static [KeyStage],
    platforms: &'static [Platform],
    pricing: PricingModel,
    price: i64,
    badges: &'static [Badge],
    status: ProductStatus,
}

pub const SCHOOL_URN: i32 = 100_001;
pub const TRUST_GROUP_UID: &str = "9001";
/// A primary and a secondary school of the trust, both in London.
pub const TRUST_SCHOOL_URNS: [i32; 2] = [100_002, 100_003];

pub const PUBLIC_PRODUCTS: &[&str] = &[
    "Alpha Phonics",
    "Alpha Sixth Form Tracker",
    "Alpha Times Tables",
    "Beta Safeguard",
];
pub const PUBLIC_DEALS: &[&str] = &[
    "Current Devices Deal",
    "Current Licences Deal",
    "Upcoming Devices Deal",
];

pub async fn load(conn: &DatabaseConnection) -> Result<Fixture> {
    use KeyStage::*;
    let tx = db::begin_write(conn).await?;
    for (i, (slug, scope)) in [
        ("devices", "deal"),
        ("software_licences", "deal"),
        ("assessment", "product"),
        ("curriculum_content", "product"),
        ("safeguarding_behaviour", "product"),
    ]
    .iter()
    .enumerate()
    {
        organisations::insert_category(&tx, slug, scope, &slug.replace('_', " "), i as i32).await?;
    }
    let ccs = organisations::insert_provider(
        &tx,
        "CCS",
        "Crown Commercial Service",
        "https://ccs.example",
        false,
    )
    .await?;
    let espo =
        organisations::insert_provider(&tx, "ESPO", "ESPO", "https://espo.example", false).await?;
    let ids = organisations::insert_many(
        &tx,
        vec![
            NewOrganisation {
                companies_house_number: Some("01234567".into()),
                website: Some("https://alpha.example".into()),
                ..NewOrganisation::new(OrgKind::Supplier, "Alpha Learning Ltd")
            },
            NewOrganisation::new(OrgKind::Supplier, "Beta Devices Ltd"),
            NewOrganisation {
                urn: Some(SCHOOL_URN),
                phase: Some(Phase::Primary),
                region: Some(Region::London),
                ..NewOrganisation::new(OrgKind::School, "Hill Top Primary School")
            },
        ],
    )
    .await?;
    let (alpha, beta, school) = (ids[0], ids[1], ids[2]);
    let trust = organisations::insert_many(
        &tx,
        vec![NewOrganisation {
            group_uid: Some(TRUST_GROUP_UID.into()),
            ..NewOrganisation::new(OrgKind::Trust, "Oak Valley Learning Trust")
        }],
    )
    .await?[0];
    let trust_school = |urn, phase, name| NewOrganisation {
        urn: Some(urn),
        phase: Some(phase),
        region: Some(Region::London),
        trust_id: Some(trust),
        ..NewOrganisation::new(OrgKind::School, name)
    };
    let ids = organisations::insert_many(
        &tx,
        vec![
            trust_school(
                TRUST_SCHOOL_URNS[0],
                Phase::Primary,
                "Oak Valley Primary Academy",
            ),
            trust_school(
                TRUST_SCHOOL_URNS[1],
                Phase::Secondary,
                "Oak Valley Secondary Academy",
            ),
        ],
    )
    .await?;
    let trust_schools = [ids[0], ids[1]];

    let specs = [
        P {
            name: "Alpha Phonics",
            beta: false,
            category: "curriculum_content",
            subjects: &["english"],
            key_stages: &[Eyfs, Ks1],
            platforms: &[Platform::Web, Platform::Ios],
            pricing: PricingModel::PerPupilPerYear,
            price: 300,
            badges: &[Badge::DataProtection, Badge::Safeguarding],
            status: ProductStatus::Approved,
        },
        P {
            name: "Alpha Times Tables",
            beta: false,
            category: "curriculum_content",
            subjects: &["maths"],
            key_stages: &[Ks2],
            platforms: &[Platform::Web, Platform::ChromeOs],
            pricing: PricingModel::PerPupilPerYear,
            price: 150,
            badges: &[Badge::DataProtection],
            status: ProductStatus::Approved,
        },
        P {
            name: "Alpha Sixth Form Tracker",
            beta: false,
            category: "assessment",
            subjects: &[],
            key_stages: &[Ks5],
            platforms: &[Platform::Web, Platform::Windows],
            pricing: PricingModel::PerSchoolPerYear,
            price: 250_000,
            badges: &[Badge::CyberSecurity],
            status: ProductStatus::Approved,
        },
        P {
            name: "Beta Safeguard",
            beta: true,
            category: "safeguarding_behaviour",
            subjects: &[],
            key_stages: &[Ks1, Ks2, Ks3, Ks4],
            platforms: &[Platform::Web],
            pricing: PricingModel::PerSchoolPerYear,
            price: 90_000,
            badges: &[
                Badge::Safeguarding,
                Badge::CyberSecurity,
                Badge::DataProtection,
            ],
            status: ProductStatus::Approved,
        },
        P {
            name: "Beta Draft Thing",
            beta: true,
            category: "assessment",
            subjects: &[],
            key_stages: &[Ks3],
            platforms: &[Platform::Web],
            pricing: PricingModel::Free,
            price: 0,
            badges: &[],
            status: ProductStatus::Draft,
        },
        P {
            name: "Beta Rejected Thing",
            beta: true,
            category: "assessment",
            subjects: &[],
            key_stages: &[Ks2],
            platforms: &[Platform::Web],
            pricing: PricingModel::Free,
            price: 0,
            badges: &[],
            status: ProductStatus::Rejected,
        },
    ];
    let new: Vec<NewProduct> = specs
        .iter()
        .map(|p| NewProduct {
            supplier_id: if p.beta { beta } else { alpha },
            content: ProductContent {
                name: p.name.into(),
                summary: format!("{} summary for tests", p.name),
                description: format!("{} description for tests", p.name),
                categories: vec![p.category.into()],
                subjects: p.subjects.iter().map(|s| (*s).to_owned()).collect(),
                key_stages: p.key_stages.to_vec(),
                platforms: p.platforms.to_vec(),
                pricing_model: p.pricing,
                price_pence: p.price,
                hosting_location: HostingLocation::Uk,
                cyber_essentials: CyberEssentials::CyberEssentials,
                accessibility_statement_url: None,
                dpia_available: true,
                sso_microsoft: true,
                sso_google: false,
                mis_integration: false,
                website: None,
                device: None,
            },
            status: p.status,
            badges: p.badges.to_vec(),
            is_sample: false,
        })
        .collect();
    let product_ids = products::insert_many(&tx, new).await?;
    let products = specs.iter().map(|p| p.name).zip(product_ids).collect();

    let today = deals::today();
    let deal = |title: &str, provider: Uuid, category: &str, starts: i64, ends: i64| NewDeal {
        provider_id: provider,
        reference: title.replace(' ', "-"),
        title: title.into(),
        summary: format!("{title} summary for tests"),
        description: format!("{title} description"),
        how_to_buy: "Register, then call off by direct award.".into(),
        categories: vec![category.into()],
        lots: vec![],
        eligible_org_types: vec![EstablishmentType::AcademyConverter],
        eligible_phases: vec![Phase::Secondary],
        starts_on: today + Duration::days(starts),
        ends_on: today + Duration::days(ends),
        route_to_market: RouteToMarket::DirectAward,
        typical_savings: "Typically 10% below list price".into(),
        typical_savings_bps: Some(1000),
        fees: "No fee to schools".into(),
        dfe_endorsed: true,
        url: "https://deals.example/x".into(),
        status: DealStatus::Published,
        is_sample: false,
    };
    let mut deal_ids = HashMap::new();
    let mut devices = deal("Current Devices Deal", ccs, "devices", -100, 300);
    devices
        .eligible_org_types
        .push(EstablishmentType::Community);
    devices.eligible_phases.push(Phase::Primary);
    devices.lots = vec![
        NewLot {
            number: 1,
            title: "Laptops".into(),
            description: "Laptops and Chromebooks".into(),
            supplier_ids: vec![beta],
            offers_disposal: false,
        },
        NewLot {
            number: 2,
            title: "Tablets".into(),
            description: "Tablets".into(),
            supplier_ids: vec![alpha, beta],
            offers_disposal: false,
        },
    ];
    deal_ids.insert("Current Devices Deal", deals::insert(&tx, devices).await?);
    let mut licences = deal("Current Licences Deal", espo, "software_licences", -10, 30);
    licences.dfe_endorsed = false;
    licences.lots = vec![NewLot {
        number: 1,
        title: "Licences".into(),
        description: "All".into(),
        supplier_ids: vec![alpha],
        offers_disposal: false,
    }];
    deal_ids.insert("Current Licences Deal", deals::insert(&tx, licences).await?);
    let mut upcoming = deal("Upcoming Devices Deal", ccs, "devices", 60, 400);
    upcoming.eligible_phases = vec![Phase::Primary];
    deal_ids.insert("Upcoming Devices Deal", deals::insert(&tx, upcoming).await?);
    deal_ids.insert(
        "Ended Deal",
        deals::insert(&tx, deal("Ended Deal", espo, "devices", -400, -1)).await?,
    );
    let mut draft = deal("Draft Deal", ccs, "devices", -10, 100);
    draft.status = DealStatus::Draft;
    deal_ids.insert("Draft Deal", deals::insert(&tx, draft).await?);
    db::commit(tx).await?;
    Ok(Fixture {
        alpha,
        beta,
        school,
        trust,
        trust_schools,
        ccs,
        products,
        deals: deal_ids,
    })
}
