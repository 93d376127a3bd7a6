//! Plain, static shapes of the sample dataset. They name things by the domain's stable codes
//! (snake_case strings, listed in the crate README of `seed/`) so the dataset stays readable
//! and free of database types; `crate::load` turns them into domain inputs.

use chrono::NaiveDate;

/// A public buying organisation that runs frameworks (CCS, ESPO, YPO, ...).
pub struct ProviderSeed {
    pub short_name: &'static str,
    pub name: &'static str,
    pub website: &'static str,
}

/// A category of deals or of products, shown to buyers by `name`.
pub struct CategorySeed {
    pub slug: &'static str,
    pub name: &'static str,
    /// "deal" or "product".
    pub scope: &'static str,
}

pub struct SupplierSeed {
    pub name: &'static str,
    /// 8 characters: digits, or a two-letter prefix (SC, NI) and 6 digits.
    pub companies_house_number: &'static str,
    pub website: &'static str,
}

pub struct LotSeed {
    pub number: i32,
    pub title: &'static str,
    pub description: &'static str,
    /// Supplier names, each one of `SupplierSeed::name`.
    pub suppliers: Vec<&'static str>,
    /// Whether the lot offers collection of old devices (disposal requests).
    pub offers_disposal: bool,
}

pub struct DealSeed {
    pub title: &'static str,
    /// The provider's own reference, e.g. "RM6103"; unique per provider.
    pub reference: &'static str,
    /// `ProviderSeed::short_name`.
    pub provider: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    /// Deal category slugs.
    pub categories: Vec<&'static str>,
    pub lots: Vec<LotSeed>,
    /// Establishment-type codes of organisations that may use the deal.
    pub eligible_org_types: Vec<&'static str>,
    /// Phase codes the deal is meant for.
    pub eligible_phases: Vec<&'static str>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// "direct_award", "further_competition" or "direct_award_or_further_competition".
    pub route_to_market: &'static str,
    /// Buyer-facing savings text, e.g. "Typically 15-25% below list price".
    pub typical_savings: &'static str,
    /// Typical saving in basis points of list price (1500 = 15%), used for sorting and savings.
    pub typical_savings_bps: i32,
    /// Fee text, e.g. "No fee to schools" or "1% levy paid by suppliers".
    pub fees: &'static str,
    pub dfe_endorsed: bool,
    pub url: &'static str,
    /// How a school buys through it, step by step in plain words.
    pub how_to_buy: &'static str,
}

pub struct ProductSeed {
    /// `SupplierSeed::name`.
    pub supplier: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    /// Product category slugs.
    pub categories: Vec<&'static str>,
    pub subjects: Vec<&'static str>,
    pub key_stages: Vec<&'static str>,
    pub platforms: Vec<&'static str>,
    pub pricing_model: &'static str,
    /// Indicative price in pence, per the pricing model's unit.
    pub price_pence: i64,
    pub hosting_location: &'static str,
    pub cyber_essentials: &'static str,
    pub accessibility_statement_url: Option<&'static str>,
    pub dpia_available: bool,
    pub sso_microsoft: bool,
    pub sso_google: bool,
    pub mis_integration: bool,
    pub website: &'static str,
    /// Vetting badges awarded.
    pub badges: Vec<&'static str>,
}

pub struct TrustSeed {
    /// GIAS group UID, 4-5 digits.
    pub group_uid: &'static str,
    pub name: &'static str,
}

/// One of England's local authorities.
pub struct LocalAuthoritySeed {
    /// 3-digit code, e.g. "370".
    pub code: &'static str,
    pub name: &'static str,
    /// Region code.
    pub region: &'static str,
    /// Postcode area letters used to make plausible postcodes, e.g. "S" or "BD".
    pub postcode_area: &'static str,
}

/// A generated school (owned strings: names are composed).
pub struct SchoolSeed {
    /// 6 digits, unique.
    pub urn: i32,
    pub name: String,
    pub establishment_type: &'static str,
    pub phase: &'static str,
    pub la_code: &'static str,
    pub la_name: &'static str,
    pub region: &'static str,
    /// `TrustSeed::group_uid` for academies and free schools in a trust.
    pub trust_group_uid: Option<&'static str>,
    pub pupils: i32,
    pub postcode: String,
}

/// An adviser in the directory: a person who helps schools buy.
pub struct AdviserSeed {
    pub name: &'static str,
    /// Under the reserved `.example` domain, so no message can reach anyone.
    pub email: &'static str,
    /// Category slugs, each one of `CategorySeed::slug`.
    pub categories: Vec<&'static str>,
    /// Region codes (`london`, `north_east`, ...).
    pub regions: Vec<&'static str>,
    /// The most open cases they take at once.
    pub capacity: i32,
}

/// A device model: what a maker makes, the same whoever sells it.
pub struct DeviceModelSeed {
    /// Referenced by `DeviceListingSeed::model`.
    pub key: &'static str,
    pub maker: &'static str,
    pub model: &'static str,
    /// Form-factor code (`laptop`, `chromebook`, `tablet`, `desktop`, `interactive_panel`).
    pub form_factor: &'static str,
    pub processor: &'static str,
    pub memory_gb: i32,
    pub storage_gb: i32,
    pub screen: &'static str,
    pub operating_system: &'static str,
    /// The last day of security updates (year, month, day), if known.
    pub os_support_ends_on: Option<(i32, u32, u32)>,
    /// A new unit's footprint in kg CO2e and its source; without it the form factor's
    /// documented default applies.
    pub new_footprint: Option<(i32, &'static str)>,
}

/// A supplier's listing of a device model.
pub struct DeviceListingSeed {
    /// `SupplierSeed::name`.
    pub supplier: &'static str,
    /// `DeviceModelSeed::key`.
    pub model: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    /// `new`, `refurbished` or `remanufactured`.
    pub condition: &'static str,
    /// `a`, `b` or `c` for a used device.
    pub grade: Option<&'static str>,
    pub battery_health_percent: Option<i32>,
    pub warranty_months: i32,
    /// Erasure standard code, method and certifier, for a used device.
    pub erasure: Option<(&'static str, &'static str, &'static str)>,
    pub refurbisher: Option<&'static str>,
    /// Price of one unit in pence, before VAT.
    pub price_pence: i64,
    /// Units in stock.
    pub units: i64,
}
