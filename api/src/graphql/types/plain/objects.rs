//! The plain fields of the types whose lists [`super::PlainList`] answers directly: each
//! answers as its GraphQL resolver does (the fast-path test compares whole answers with the
//! general path), and a field not listed here goes through the general executor.

use async_graphql::ScalarType;
use becta_domain::entity::{category, organisation};
use becta_domain::vocab::{CyberEssentials, HostingLocation, PricingModel};

use super::{Plain, PlainObject};
use crate::graphql::types::LoadedProduct;
use crate::graphql::types::search::{Facet, FacetValue, Highlight, ProductHit};

/// `Product`'s fields that are plain data, answered as its resolvers answer them (a test
/// compares the two). Nested rows come from the record; a hit read from the database answers
/// only the row's own fields here.
impl PlainObject for LoadedProduct {
    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        let p = self.row();
        let facets = || self.record().map(|r| &r.facets);
        Some(match name {
            "id" => Plain::Str(p.id.to_string().into()),
            "name" => Plain::str(&p.name),
            "summary" => Plain::str(&p.summary),
            "description" => Plain::str(&p.description),
            "supplier" => Plain::Object(self.record()?.supplier.as_ref()?),
            "categories" => Plain::objects(&self.record()?.categories),
            "subjects" => Plain::List(facets()?.subjects.iter().map(|s| Plain::str(s)).collect()),
            "keyStages" => Plain::enums(&facets()?.key_stages)?,
            "platforms" => Plain::enums(&facets()?.platforms)?,
            "badges" => Plain::enums(&facets()?.badges)?,
            "pricingModel" => Plain::enum_of(PricingModel::from_code(&p.pricing_model)?)?,
            "pricePence" => Plain::int(p.price_pence),
            "priceDisplay" => Plain::Str(
                PricingModel::from_code(&p.pricing_model)?
                    .display(p.price_pence)
                    .into(),
            ),
            "hostingLocation" => Plain::enum_of(HostingLocation::from_code(&p.hosting_location)?)?,
            "cyberEssentials" => Plain::enum_of(CyberEssentials::from_code(&p.cyber_essentials)?)?,
            "accessibilityStatementUrl" => Plain::opt_str(&p.accessibility_statement_url),
            "dpiaAvailable" => Plain::Bool(p.dpia_available),
            "ssoMicrosoft" => Plain::Bool(p.sso_microsoft),
            "ssoGoogle" => Plain::Bool(p.sso_google),
            "misIntegration" => Plain::Bool(p.mis_integration),
            "website" => Plain::opt_str(&p.website),
            "publishedAt" => p
                .published_at
                .map_or(Plain::Null, |t| Plain::Value(t.to_value())),
            "updatedAt" => Plain::Value(p.updated_at.to_value()),
            "isSample" => Plain::Bool(p.is_sample),
            _ => return None,
        })
    }
}

/// An organisation as the `Supplier` type shows it: its plain fields (its products and deals
/// are looked up by the general resolvers).
impl PlainObject for organisation::Model {
    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        Some(match name {
            "id" => Plain::Str(self.id.to_string().into()),
            "name" => Plain::str(&self.name),
            "companiesHouseNumber" => Plain::opt_str(&self.companies_house_number),
            "website" => Plain::opt_str(&self.website),
            "isSample" => Plain::Bool(self.is_sample),
            _ => return None,
        })
    }
}

/// A category as the `Category` type shows it.
impl PlainObject for category::Model {
    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        Some(match name {
            "slug" => Plain::str(&self.slug),
            "name" => Plain::str(&self.name),
            _ => return None,
        })
    }
}

impl PlainObject for ProductHit {
    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        Some(match name {
            "product" => Plain::Object(&self.product),
            "score" => self.score.map_or(Plain::Null, Plain::float),
            "highlights" => Plain::objects(&self.highlights.0),
            _ => return None,
        })
    }
}

impl PlainObject for Highlight {
    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        Some(match name {
            "field" => Plain::str(&self.field),
            "snippet" => Plain::str(&self.snippet),
            _ => return None,
        })
    }
}

impl PlainObject for FacetValue {
    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        Some(match name {
            "value" => Plain::str(&self.value),
            "count" => Plain::int(self.count),
            _ => return None,
        })
    }
}

impl PlainObject for Facet {
    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        Some(match name {
            "field" => Plain::str(&self.field),
            "values" => Plain::objects(&self.values.0),
            _ => return None,
        })
    }
}
