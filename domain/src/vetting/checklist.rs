//! The vetting checklist: what an admin checked, each pass resting on its evidence, and, when
//! a listing is approved, on the facts the listing states. Badges are the items that passed,
//! so a badge never claims what a school reading the listing would not find there.

use serde::{Deserialize, Serialize};

use crate::catalogue::products::ProductContent;
use crate::entity::product;
use crate::vocab::{Badge, CheckOutcome, CyberEssentials, HostingLocation};
use crate::{Error, Result};

/// Data protection: a DPIA the school can use, a data processing agreement, and where data is
/// hosted (UK or EEA to pass).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject, async_graphql::InputObject)
)]
#[cfg_attr(feature = "graphql", graphql(input_name = "DataProtectionCheckInput"))]
pub struct DataProtectionCheck {
    pub outcome: CheckOutcome,
    pub dpia_available: bool,
    pub data_processing_agreement: bool,
    pub hosting_location: HostingLocation,
    pub note: Option<String>,
}

/// Cyber security: the supplier's NCSC Cyber Essentials certification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject, async_graphql::InputObject)
)]
#[cfg_attr(feature = "graphql", graphql(input_name = "CyberSecurityCheckInput"))]
pub struct CyberSecurityCheck {
    pub outcome: CheckOutcome,
    pub certification: CyberEssentials,
    pub note: Option<String>,
}

/// Accessibility: a WCAG 2.2 AA accessibility statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject, async_graphql::InputObject)
)]
#[cfg_attr(feature = "graphql", graphql(input_name = "AccessibilityCheckInput"))]
pub struct AccessibilityCheck {
    pub outcome: CheckOutcome,
    pub statement_url: Option<String>,
    pub note: Option<String>,
}

/// A checklist item judged on the evidence, with a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject, async_graphql::InputObject)
)]
#[cfg_attr(feature = "graphql", graphql(input_name = "CheckInput"))]
pub struct Check {
    pub outcome: CheckOutcome,
    pub note: Option<String>,
}

/// The vetting checklist, recorded with every decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject, async_graphql::InputObject)
)]
#[cfg_attr(feature = "graphql", graphql(input_name = "VettingChecklistInput"))]
pub struct Checklist {
    pub data_protection: DataProtectionCheck,
    pub cyber_security: CyberSecurityCheck,
    pub accessibility: AccessibilityCheck,
    /// Safeguarding and age-appropriate design.
    pub safeguarding: Check,
    /// Single sign-on, MIS and other integrations.
    pub interoperability: Check,
    pub evidence_of_impact: Check,
    /// The device checks: required to approve a device listing, refused on any other.
    #[serde(default)]
    pub device: Option<crate::devices::DeviceCheck>,
}

impl Checklist {
    /// The badges earned: one per item that passed.
    pub fn badges(&self) -> Vec<Badge> {
        let pass = |o: CheckOutcome| o == CheckOutcome::Pass;
        [
            (self.data_protection.outcome, Badge::DataProtection),
            (self.cyber_security.outcome, Badge::CyberSecurity),
            (self.accessibility.outcome, Badge::Accessibility),
            (self.safeguarding.outcome, Badge::Safeguarding),
            (self.interoperability.outcome, Badge::Interoperability),
            (self.evidence_of_impact.outcome, Badge::EvidenceOfImpact),
        ]
        .into_iter()
        .filter(|(o, _)| pass(*o))
        .map(|(_, b)| b)
        .collect()
    }

    /// Each pass must rest on its evidence.
    pub fn validate(&self) -> Result<()> {
        let dp = &self.data_protection;
        if dp.outcome == CheckOutcome::Pass
            && !(dp.dpia_available
                && dp.data_processing_agreement
                && matches!(
                    dp.hosting_location,
                    HostingLocation::Uk | HostingLocation::Eea
                ))
        {
            return Err(Error::bad_input(
                "checklist.dataProtection",
                "data protection passes only with a DPIA, a data processing agreement and UK or EEA hosting",
            ));
        }
        if self.cyber_security.outcome == CheckOutcome::Pass
            && self.cyber_security.certification == CyberEssentials::None
        {
            return Err(Error::bad_input(
                "checklist.cyberSecurity",
                "cyber security passes only with Cyber Essentials or Cyber Essentials Plus",
            ));
        }
        if self.accessibility.outcome == CheckOutcome::Pass {
            match &self.accessibility.statement_url {
                Some(u) => crate::validate::url("checklist.accessibility.statementUrl", u)?,
                None => {
                    return Err(Error::bad_input(
                        "checklist.accessibility.statementUrl",
                        "accessibility passes only with a WCAG 2.2 AA statement URL",
                    ));
                }
            }
        }
        let notes = [
            ("checklist.dataProtection.note", &dp.note),
            ("checklist.cyberSecurity.note", &self.cyber_security.note),
            ("checklist.accessibility.note", &self.accessibility.note),
            ("checklist.safeguarding.note", &self.safeguarding.note),
            (
                "checklist.interoperability.note",
                &self.interoperability.note,
            ),
            (
                "checklist.evidenceOfImpact.note",
                &self.evidence_of_impact.note,
            ),
        ];
        for (field, note) in notes {
            if let Some(n) = note {
                crate::validate::text(field, n, 0, 2_000)?;
            }
        }
        if let Some(d) = &self.device {
            d.validate()?;
        }
        Ok(())
    }
}

/// The facts a listing states that the checklist also records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFacts {
    pub hosting_location: HostingLocation,
    pub cyber_essentials: CyberEssentials,
    pub dpia_available: bool,
    pub accessibility_statement_url: Option<String>,
    /// The device facts of a device listing.
    pub device: Option<crate::devices::DeviceSpec>,
}

impl ListedFacts {
    /// The live listing's facts.
    pub fn of_row(p: &product::Model, device: Option<crate::devices::DeviceSpec>) -> Result<Self> {
        let unknown = |column: &str, value: &str| {
            Error::Internal(format!("unknown code {value:?} in products.{column}"))
        };
        Ok(ListedFacts {
            hosting_location: HostingLocation::from_code(&p.hosting_location)
                .ok_or_else(|| unknown("hosting_location", &p.hosting_location))?,
            cyber_essentials: CyberEssentials::from_code(&p.cyber_essentials)
                .ok_or_else(|| unknown("cyber_essentials", &p.cyber_essentials))?,
            dpia_available: p.dpia_available,
            accessibility_statement_url: p.accessibility_statement_url.clone(),
            device,
        })
    }

    /// A pending revision's facts.
    pub fn of_content(c: &ProductContent) -> Self {
        ListedFacts {
            hosting_location: c.hosting_location,
            cyber_essentials: c.cyber_essentials,
            dpia_available: c.dpia_available,
            accessibility_statement_url: c.accessibility_statement_url.clone(),
            device: c.device.clone(),
        }
    }
}

impl Checklist {
    /// An approval rests on what the listing states: each fact the checklist records must be
    /// the listing's. A checklist that contradicts it is refused, naming the fact; to dispute
    /// a fact, an admin requests changes (a decision that does not approve may record what
    /// the admin found instead).
    pub fn agrees_with(&self, listed: &ListedFacts) -> Result<()> {
        let dp = &self.data_protection;
        let refuse = |field: &str, checked: String, stated: String| {
            Err(Error::bad_input(
                field,
                format!(
                    "the checklist records {checked} but the listing states {stated}: approve only the facts schools will read, or request changes"
                ),
            ))
        };
        let code = |c: &str| c.to_uppercase();
        if dp.hosting_location != listed.hosting_location {
            return refuse(
                "checklist.dataProtection.hostingLocation",
                format!("hosting {}", code(dp.hosting_location.code())),
                format!("hosting {}", code(listed.hosting_location.code())),
            );
        }
        if dp.dpia_available != listed.dpia_available {
            let dpia = |yes: bool| if yes { "a DPIA" } else { "no DPIA" }.to_owned();
            return refuse(
                "checklist.dataProtection.dpiaAvailable",
                dpia(dp.dpia_available),
                dpia(listed.dpia_available),
            );
        }
        let cs = &self.cyber_security;
        if cs.certification != listed.cyber_essentials {
            return refuse(
                "checklist.cyberSecurity.certification",
                code(cs.certification.code()),
                code(listed.cyber_essentials.code()),
            );
        }
        if let Some(url) = &self.accessibility.statement_url
            && listed.accessibility_statement_url.as_deref() != Some(url.as_str())
        {
            return refuse(
                "checklist.accessibility.statementUrl",
                format!("the statement {url}"),
                match &listed.accessibility_statement_url {
                    Some(u) => format!("the statement {u}"),
                    None => "no accessibility statement".to_owned(),
                },
            );
        }
        match (&self.device, &listed.device) {
            (Some(check), Some(spec)) => check.approves(spec)?,
            (None, Some(_)) => {
                return Err(Error::bad_input(
                    "checklist.device",
                    "a device listing is approved only with the device checks (erasure, warranty, battery, operating system support)",
                ));
            }
            (Some(_), None) => {
                return Err(Error::bad_input(
                    "checklist.device",
                    "the listing is not a device: leave out the device checks",
                ));
            }
            (None, None) => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed() -> ListedFacts {
        ListedFacts {
            hosting_location: HostingLocation::Uk,
            cyber_essentials: CyberEssentials::CyberEssentials,
            dpia_available: true,
            accessibility_statement_url: Some("https://a.example/accessibility".into()),
            device: None,
        }
    }

    fn checklist() -> Checklist {
        let passes = Check {
            outcome: CheckOutcome::Pass,
            note: None,
        };
        Checklist {
            data_protection: DataProtectionCheck {
                outcome: CheckOutcome::Pass,
                dpia_available: true,
                data_processing_agreement: true,
                hosting_location: HostingLocation::Uk,
                note: None,
            },
            cyber_security: CyberSecurityCheck {
                outcome: CheckOutcome::Pass,
                certification: CyberEssentials::CyberEssentials,
                note: None,
            },
            accessibility: AccessibilityCheck {
                outcome: CheckOutcome::Pass,
                statement_url: Some("https://a.example/accessibility".into()),
                note: None,
            },
            safeguarding: passes.clone(),
            interoperability: passes.clone(),
            evidence_of_impact: passes,
            device: None,
        }
    }

    fn refused_field(c: &Checklist) -> Option<String> {
        match c.agrees_with(&listed()) {
            Err(Error::BadInput { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn each_fact_that_differs_from_the_listing_is_named() {
        assert!(checklist().agrees_with(&listed()).is_ok());
        let mut c = checklist();
        c.data_protection.hosting_location = HostingLocation::Eea;
        assert_eq!(
            refused_field(&c).as_deref(),
            Some("checklist.dataProtection.hostingLocation")
        );
        let mut c = checklist();
        c.data_protection.dpia_available = false;
        assert_eq!(
            refused_field(&c).as_deref(),
            Some("checklist.dataProtection.dpiaAvailable")
        );
        let mut c = checklist();
        c.cyber_security.certification = CyberEssentials::CyberEssentialsPlus;
        assert_eq!(
            refused_field(&c).as_deref(),
            Some("checklist.cyberSecurity.certification")
        );
        let mut c = checklist();
        c.accessibility.statement_url = Some("https://elsewhere.example/a11y".into());
        assert_eq!(
            refused_field(&c).as_deref(),
            Some("checklist.accessibility.statementUrl")
        );
        // A checklist that records no statement claims none.
        let mut c = checklist();
        c.accessibility.statement_url = None;
        assert!(c.agrees_with(&listed()).is_ok());
    }
}
