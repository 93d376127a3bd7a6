//! Index settings shared by both engines: what is searched (in priority order), filtered,
//! sorted and faceted, the field's synonyms and the typo tolerance.

use crate::Kind;

/// Searchable attributes, most important first.
pub fn searchable(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Products => &[
            "name",
            "supplier_name",
            "category_names",
            "subjects",
            "summary",
            "description",
        ],
        Kind::Deals => &[
            "title",
            "reference",
            "provider_name",
            "provider",
            "category_names",
            "lot_titles",
            "supplier_names",
            "summary",
            "description",
        ],
    }
}

/// Attributes that take [`crate::Filter::AnyOf`] / `AllOf` (strings or lists of strings).
pub fn keyword_attributes(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Products => &[
            "categories",
            "subjects",
            "key_stages",
            "platforms",
            "pricing_model",
            "badges",
            "hosting_location",
            "cyber_essentials",
            "supplier_id",
        ],
        Kind::Deals => &[
            "categories",
            "provider",
            "eligible_phases",
            "eligible_org_types",
            "route_to_market",
        ],
    }
}

/// Attributes that take [`crate::Filter::Is`].
pub fn boolean_attributes(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Products => &["trial_available"],
        Kind::Deals => &["dfe_endorsed"],
    }
}

/// Numeric attributes: range filters and sorts.
pub fn numeric_attributes(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Products => &[
            "price_pence",
            "rating_average",
            "rating_count",
            "published_at",
            "updated_at",
        ],
        Kind::Deals => &[
            "starts_on_days",
            "ends_on_days",
            "typical_savings_bps",
            "updated_at",
        ],
    }
}

/// Attributes whose values can be counted.
pub fn facet_attributes(kind: Kind) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = keyword_attributes(kind).to_vec();
    v.extend(boolean_attributes(kind));
    v
}

/// Groups of words and phrases that mean the same to a school buyer.
pub const SYNONYMS: &[&[&str]] = &[
    &["chromebook", "laptop", "notebook"],
    &["mis", "management information system"],
    &["send", "special educational needs"],
    &[
        "av",
        "audio visual",
        "interactive panel",
        "interactive display",
    ],
    &["mfd", "multifunctional device", "printer", "photocopier"],
    &["wifi", "wi-fi", "wireless"],
    &["cctv", "security camera"],
    &["vle", "learning platform"],
    &["cpd", "professional development", "staff training"],
    &["mfl", "languages", "modern foreign languages"],
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
