//! Index settings shared by both engines: what is searched (in priority order), filtered,
//! sorted and faceted, the field's synonyms and the typo tolerance.

use crate::{Attribute, Kind};
use Attribute as A;

/// Searchable attributes, most important first.
pub fn searchable(kind: Kind) -> &'static [Attribute] {
    match kind {
        Kind::Products => &[
            A::Name,
            A::SupplierName,
            A::CategoryNames,
            A::Subjects,
            A::Summary,
            A::Description,
        ],
        Kind::Deals => &[
            A::Title,
            A::Reference,
            A::ProviderName,
            A::Provider,
            A::CategoryNames,
            A::LotTitles,
            A::SupplierNames,
            A::Summary,
            A::Description,
        ],
    }
}

/// Attributes that take [`crate::Filter::AnyOf`] / `AllOf` (strings or lists of strings).
pub fn keyword_attributes(kind: Kind) -> &'static [Attribute] {
    match kind {
        Kind::Products => &[
            A::Categories,
            A::Subjects,
            A::KeyStages,
            A::Platforms,
            A::PricingModel,
            A::Badges,
            A::HostingLocation,
            A::CyberEssentials,
            A::SupplierId,
            A::Condition,
            A::Grade,
            A::FormFactor,
            A::OperatingSystem,
        ],
        Kind::Deals => &[
            A::Categories,
            A::Provider,
            A::EligiblePhases,
            A::EligibleOrgTypes,
            A::RouteToMarket,
        ],
    }
}

/// Attributes that take [`crate::Filter::Is`].
pub fn boolean_attributes(kind: Kind) -> &'static [Attribute] {
    match kind {
        Kind::Products => &[A::TrialAvailable],
        Kind::Deals => &[A::DfeEndorsed],
    }
}

/// Numeric attributes: range filters and sorts.
pub fn numeric_attributes(kind: Kind) -> &'static [Attribute] {
    match kind {
        Kind::Products => &[
            A::PricePence,
            A::RatingAverage,
            A::RatingCount,
            A::PublishedAt,
            A::EvidenceCount,
            A::TrialConversionBps,
            A::UpdatedAt,
            A::BatteryHealthPercent,
            A::WarrantyMonths,
            A::CarbonSavedKg,
        ],
        Kind::Deals => &[
            A::StartsOnDays,
            A::EndsOnDays,
            A::TypicalSavingsBps,
            A::UpdatedAt,
        ],
    }
}

/// Attributes shown with highlights (stored by the embedded engine).
pub fn highlighted(kind: Kind) -> &'static [Attribute] {
    match kind {
        Kind::Products => &[A::Name, A::Summary],
        Kind::Deals => &[A::Title, A::Summary],
    }
}

/// Numeric attributes that hold fractions (the rest are whole numbers).
pub const FLOAT_ATTRIBUTES: &[Attribute] = &[A::RatingAverage];

/// Attributes whose values can be counted.
pub fn facet_attributes(kind: Kind) -> Vec<Attribute> {
    let mut v: Vec<Attribute> = keyword_attributes(kind).to_vec();
    v.extend(boolean_attributes(kind));
    v
}

/// Names of `attributes`, as engines' settings take them.
pub fn names(attributes: &[Attribute]) -> Vec<&'static str> {
    attributes.iter().map(|a| a.name()).collect()
}

/// The order records are ranked in, as Meilisearch names its rules: how many of the query's
/// words a record holds, then the requested sort (so a sort applies to a query's best
/// matches), then fewer typos, closer words, a more important attribute, exact words. The
/// embedded engine ranks by words held, then by the sort or by its relevance score.
pub const RANKING_RULES: &[&str] = &[
    "words",
    "sort",
    "typo",
    "proximity",
    "attribute",
    "exactness",
];

/// Typos allowed in a query word of `len` characters: none under 5, one from 5, two from 9.
pub fn typo_budget(len: usize) -> u8 {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Whether `attribute` may be filtered as `filter` on `kind`.
pub fn check_filter(kind: Kind, filter: &crate::Filter) -> crate::SearchResult<()> {
    use crate::Filter::*;
    let (attr, allowed) = match filter {
        AnyOf(a, _) | AllOf(a, _) => (a, keyword_attributes(kind)),
        Range(a, _, _) => (a, numeric_attributes(kind)),
        Is(a, _) => (a, boolean_attributes(kind)),
    };
    if allowed.contains(attr) {
        Ok(())
    } else {
        Err(crate::SearchError::Invalid(format!(
            "`{attr}` cannot be filtered that way"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use becta_domain::search::{DealDocument, LotDocument, ProductDocument};

    fn keys(doc: serde_json::Value) -> Vec<String> {
        doc.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn product() -> ProductDocument {
        ProductDocument {
            id: "p".into(),
            name: "n".into(),
            summary: "s".into(),
            description: "d".into(),
            supplier_id: "s".into(),
            supplier_name: "s".into(),
            categories: vec![],
            category_names: vec![],
            subjects: vec![],
            key_stages: vec![],
            platforms: vec![],
            pricing_model: "free".into(),
            price_pence: 0,
            hosting_location: "uk".into(),
            cyber_essentials: "none".into(),
            badges: vec![],
            rating_average: 0.0,
            rating_count: 0,
            trial_available: false,
            evidence_count: 0,
            trial_conversion_bps: 0,
            published_at: 0,
            updated_at: 0,
            version: 1,
            device: Default::default(),
            record: None,
        }
    }

    fn deal() -> DealDocument {
        DealDocument {
            id: "d".into(),
            title: "t".into(),
            reference: "r".into(),
            provider: "p".into(),
            provider_name: "p".into(),
            summary: "s".into(),
            description: "d".into(),
            categories: vec![],
            category_names: vec![],
            lots: vec![LotDocument {
                number: 1,
                title: "l".into(),
                suppliers: vec![],
            }],
            lot_titles: vec![],
            supplier_names: vec![],
            eligible_org_types: vec![],
            eligible_phases: vec![],
            route_to_market: "direct_award".into(),
            starts_on_days: 0,
            ends_on_days: 0,
            typical_savings: String::new(),
            typical_savings_bps: 0,
            dfe_endorsed: false,
            updated_at: 0,
            version: 1,
            record: None,
        }
    }

    #[test]
    fn every_attribute_in_the_settings_is_a_field_of_its_documents() {
        for (kind, fields) in [
            (
                Kind::Products,
                keys(serde_json::to_value(product()).unwrap_or_default()),
            ),
            (
                Kind::Deals,
                keys(serde_json::to_value(deal()).unwrap_or_default()),
            ),
        ] {
            let mut listed: Vec<Attribute> = searchable(kind).to_vec();
            listed.extend(facet_attributes(kind));
            listed.extend(numeric_attributes(kind));
            for a in listed {
                assert!(
                    fields.iter().any(|f| f == a.name()),
                    "{kind:?} documents have no `{a}`"
                );
            }
        }
        // And every attribute is some kind's.
        for a in Attribute::ALL {
            let used = [Kind::Products, Kind::Deals].iter().any(|k| {
                searchable(*k).contains(a)
                    || facet_attributes(*k).contains(a)
                    || numeric_attributes(*k).contains(a)
            });
            assert!(used, "`{a}` is in no index's settings");
        }
    }
}
