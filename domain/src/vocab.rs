//! The field's vocabulary: closed sets of codes stored as text (guarded by CHECK constraints in
//! the schema) and shown as GraphQL enums. One definition each, used by every crate.
//!
//! Policy: machines get the code (the database, search documents, filters, GraphQL enum
//! values, and `Display`); people get the label, in the words a school buyer uses ("Data
//! protection", "ChromeOS", "KS2"), wherever a value is written as text for them: compare
//! rows, CSV exports.

/// Defines a closed set of codes, each with its stable text form and its label.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $code:literal => $label:literal),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable text code stored in the database and search documents.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// The value as a buyer reads it, e.g. "Data protection".
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                $name::from_code(&code).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown {} code {code:?}", stringify!($name)))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum! {
    /// The nine regions of England.
    Region {
        NorthEast = "north_east" => "North East",
        NorthWest = "north_west" => "North West",
        YorkshireAndTheHumber = "yorkshire_and_the_humber" => "Yorkshire and the Humber",
        EastMidlands = "east_midlands" => "East Midlands",
        WestMidlands = "west_midlands" => "West Midlands",
        EastOfEngland = "east_of_england" => "East of England",
        London = "london" => "London",
        SouthEast = "south_east" => "South East",
        SouthWest = "south_west" => "South West",
    }
}

code_enum! {
    /// Phase of education, as in GIAS.
    Phase {
        Nursery = "nursery" => "Nursery",
        Primary = "primary" => "Primary",
        Middle = "middle" => "Middle",
        Secondary = "secondary" => "Secondary",
        AllThrough = "all_through" => "All-through",
        SixteenPlus = "sixteen_plus" => "16 plus",
        NotApplicable = "not_applicable" => "Not applicable",
    }
}

impl Phase {
    /// Key stages taught in this phase: a product serves a phase when it covers one of them.
    pub fn key_stages(self) -> &'static [KeyStage] {
        use KeyStage::*;
        match self {
            Phase::Nursery => &[Eyfs],
            Phase::Primary => &[Eyfs, Ks1, Ks2],
            Phase::Middle => &[Ks2, Ks3],
            Phase::Secondary => &[Ks3, Ks4],
            Phase::AllThrough | Phase::NotApplicable => &[Eyfs, Ks1, Ks2, Ks3, Ks4, Ks5],
            Phase::SixteenPlus => &[Ks5],
        }
    }
}

code_enum! {
    /// GIAS establishment type (the GIAS code is in the doc of each).
    EstablishmentType {
        /// 01
        Community = "community" => "Community school",
        /// 02
        VoluntaryAided = "voluntary_aided" => "Voluntary aided school",
        /// 03
        VoluntaryControlled = "voluntary_controlled" => "Voluntary controlled school",
        /// 05
        Foundation = "foundation" => "Foundation school",
        /// 07
        CommunitySpecial = "community_special" => "Community special school",
        /// 14
        PupilReferralUnit = "pupil_referral_unit" => "Pupil referral unit",
        /// 28
        AcademySponsorLed = "academy_sponsor_led" => "Academy sponsor led",
        /// 34
        AcademyConverter = "academy_converter" => "Academy converter",
        /// 35
        FreeSchool = "free_school" => "Free school",
        /// Independent school
        Independent = "independent" => "Independent school",
    }
}

code_enum! {
    /// Key stages: EYFS, KS1 (ages 5-7), KS2 (7-11), KS3 (11-14), KS4 (14-16), KS5 (16-19).
    KeyStage {
        Eyfs = "eyfs" => "EYFS",
        #[cfg_attr(feature = "graphql", graphql(name = "KS1"))]
        Ks1 = "ks1" => "KS1",
        #[cfg_attr(feature = "graphql", graphql(name = "KS2"))]
        Ks2 = "ks2" => "KS2",
        #[cfg_attr(feature = "graphql", graphql(name = "KS3"))]
        Ks3 = "ks3" => "KS3",
        #[cfg_attr(feature = "graphql", graphql(name = "KS4"))]
        Ks4 = "ks4" => "KS4",
        #[cfg_attr(feature = "graphql", graphql(name = "KS5"))]
        Ks5 = "ks5" => "KS5",
    }
}

code_enum! {
    /// Platforms a product runs on.
    Platform {
        Web = "web" => "Web",
        Ios = "ios" => "iOS",
        Android = "android" => "Android",
        Windows = "windows" => "Windows",
        #[cfg_attr(feature = "graphql", graphql(name = "CHROMEOS"))]
        ChromeOs = "chromeos" => "ChromeOS",
        #[cfg_attr(feature = "graphql", graphql(name = "MACOS"))]
        MacOs = "macos" => "macOS",
    }
}

code_enum! {
    /// How a product is priced; `pricePence` is per this unit.
    PricingModel {
        PerPupilPerYear = "per_pupil_per_year" => "Per pupil per year",
        PerSchoolPerYear = "per_school_per_year" => "Per school per year",
        PerUserPerYear = "per_user_per_year" => "Per user per year",
        OneOff = "one_off" => "One-off",
        /// Free to start; the price is that of the paid tier.
        FreeTier = "free_tier" => "Free tier",
        Free = "free" => "Free",
    }
}

impl PricingModel {
    /// A price as a buyer would say it, e.g. "£4.50 per pupil per year" or "£1,925 per school
    /// per year".
    pub fn display(self, pence: i64) -> String {
        let amount = crate::money::pounds(pence);
        match self {
            PricingModel::PerPupilPerYear => format!("{amount} per pupil per year"),
            PricingModel::PerSchoolPerYear => format!("{amount} per school per year"),
            PricingModel::PerUserPerYear => format!("{amount} per user per year"),
            PricingModel::OneOff => format!("{amount} one-off"),
            PricingModel::FreeTier => format!("Free tier; paid plan from {amount}"),
            PricingModel::Free => "Free".into(),
        }
    }
}

code_enum! {
    /// Where a product's data is hosted.
    HostingLocation {
        Uk = "uk" => "UK",
        Eea = "eea" => "EEA",
        Us = "us" => "US",
    }
}

code_enum! {
    /// The supplier's NCSC Cyber Essentials certification.
    CyberEssentials {
        None = "none" => "Not certified",
        CyberEssentials = "cyber_essentials" => "Cyber Essentials",
        CyberEssentialsPlus = "cyber_essentials_plus" => "Cyber Essentials Plus",
    }
}

code_enum! {
    /// Vetting badges, each awarded from an approved checklist item.
    Badge {
        /// DPIA available, data processing agreement, UK or EEA hosting.
        DataProtection = "data_protection" => "Data protection",
        /// Cyber Essentials or Cyber Essentials Plus.
        CyberSecurity = "cyber_security" => "Cyber security",
        /// WCAG 2.2 AA accessibility statement.
        Accessibility = "accessibility" => "Accessibility",
        /// Safeguarding and age-appropriate design.
        Safeguarding = "safeguarding" => "Safeguarding",
        /// Single sign-on and MIS integration.
        Interoperability = "interoperability" => "Interoperability",
        /// Evidence of impact.
        EvidenceOfImpact = "evidence_of_impact" => "Evidence of impact",
    }
}

code_enum! {
    /// How a school calls off from a framework.
    RouteToMarket {
        DirectAward = "direct_award" => "Direct award",
        FurtherCompetition = "further_competition" => "Further competition",
        DirectAwardOrFurtherCompetition = "direct_award_or_further_competition"
            => "Direct award or further competition",
    }
}

code_enum! {
    /// Where a product listing stands in vetting; only APPROVED listings are public.
    ProductStatus {
        Draft = "draft" => "Draft",
        Submitted = "submitted" => "Submitted",
        InReview = "in_review" => "In review",
        Approved = "approved" => "Approved",
        ChangesRequested = "changes_requested" => "Changes requested",
        Rejected = "rejected" => "Rejected",
        Withdrawn = "withdrawn" => "Withdrawn",
    }
}

code_enum! {
    /// Where a deal stands; only PUBLISHED deals that have not ended are public.
    DealStatus {
        Draft = "draft" => "Draft",
        Published = "published" => "Published",
        Archived = "archived" => "Archived",
    }
}

code_enum! {
    /// The outcome of one checklist item.
    CheckOutcome {
        Pass = "pass" => "Pass",
        Fail = "fail" => "Fail",
        NotApplicable = "not_applicable" => "Not applicable",
    }
}

code_enum! {
    /// An admin's decision on a listing (or its pending revision) in review.
    VettingDecision {
        /// Publish: schools see it, with the badges that passed.
        Approve = "approved" => "Approve",
        /// Return to the supplier to change and submit again.
        RequestChanges = "changes_requested" => "Request changes",
        /// Refuse for good.
        Reject = "rejected" => "Reject",
    }
}

code_enum! {
    /// Where a trial offer stands: only OPEN offers take requests; a PAUSED offer keeps its
    /// waitlist; a CLOSED one is over (running loans run to their end).
    OfferStatus {
        Open = "open" => "Open",
        Paused = "paused" => "Paused",
        Closed = "closed" => "Closed",
    }
}

code_enum! {
    /// Where a trial loan stands.
    LoanStatus {
        /// In the queue for a seat.
        Waitlisted = "waitlisted" => "On the waitlist",
        /// Holding a seat until `endsAt`.
        Active = "active" => "Active",
        Returned = "returned" => "Returned",
        Expired = "expired" => "Expired",
        /// Turned into a purchase.
        Converted = "converted" => "Converted to a purchase",
        LeftWaitlist = "left_waitlist" => "Left the waitlist",
        /// The waitlist place ended because the supplier closed the offer.
        OfferClosed = "offer_closed" => "Offer closed",
    }
}

code_enum! {
    /// What a typeahead suggestion names.
    SuggestionKind {
        Product = "product" => "Product",
        Deal = "deal" => "Deal",
        Supplier = "supplier" => "Supplier",
        Category = "category" => "Category",
    }
}

code_enum! {
    /// Which records a search with several words returns, as Meilisearch defines it.
    MatchingStrategy {
        /// Records holding every word first; when there are too few, the last word is dropped,
        /// then the one before, and records rank by how many of the leading words they hold.
        Last = "last" => "Drop words from the end",
        /// Only records holding every word (or a synonym of it).
        All = "all" => "Every word",
        /// As `LAST`, but the words found in the most records are dropped first, so the rarer
        /// words of a query decide.
        Frequency = "frequency" => "Drop the commonest words first",
    }
}

code_enum! {
    ProductSort {
        /// Best match first.
        Relevance = "relevance" => "Best match",
        /// Highest average rating first.
        Rating = "rating" => "Highest rated",
        PriceLowToHigh = "price_low_to_high" => "Price, low to high",
        PriceHighToLow = "price_high_to_low" => "Price, high to low",
        /// Most recently published first.
        Newest = "newest" => "Newest",
        /// Most trial outcomes recorded first.
        MostEvidence = "most_evidence" => "Most evidence",
        /// Highest share of trials bought first (products with too few outcomes last).
        ConversionRate = "conversion_rate" => "Most trials bought",
        /// Devices with the healthiest batteries first (products without one last).
        BatteryHealth = "battery_health" => "Best battery health",
        /// Longest warranty first.
        WarrantyLongest = "warranty_longest" => "Longest warranty",
        /// Devices saving the most carbon per unit first.
        CarbonSaved = "carbon_saved" => "Most carbon saved",
    }
}

code_enum! {
    DealSort {
        /// Best match first.
        Relevance = "relevance" => "Best match",
        /// Soonest end date first.
        EndingSoonest = "ending_soonest" => "Ending soonest",
        /// Most recently updated first.
        Newest = "newest" => "Recently updated",
        /// Highest typical saving first.
        Savings = "savings" => "Biggest saving",
    }
}

code_enum! {
    /// What a user does in the service.
    Role {
        SchoolBuyer = "SCHOOL_BUYER" => "School buyer",
        Supplier = "SUPPLIER" => "Supplier",
        Adviser = "ADVISER" => "Adviser",
        Admin = "ADMIN" => "Admin",
    }
}

code_enum! {
    /// The kind of an organisation.
    OrgKind {
        School = "school" => "School",
        Trust = "trust" => "Trust",
        Supplier = "supplier" => "Supplier",
        /// The service itself (its advisers and admins).
        Service = "service" => "Service",
    }
}

code_enum! {
    /// Where a contract in a school's register came from.
    ContractSource {
        /// Made by a paid order through BECTA.
        Order = "order" => "Bought through BECTA",
        /// Added by the school for something bought elsewhere.
        Manual = "manual" => "Added by the school",
    }
}

/// Product facets stored in `product_facets.facet`.
pub mod facet {
    pub const SUBJECT: &str = "subject";
    pub const KEY_STAGE: &str = "key_stage";
    pub const PLATFORM: &str = "platform";
    pub const BADGE: &str = "badge";
}

/// Deal eligibility kinds stored in `deal_eligibility.kind`.
pub mod eligibility {
    pub const ORG_TYPE: &str = "org_type";
    pub const PHASE: &str = "phase";
}

code_enum! {
    /// What one place of a trial offer lends: a seat (one user's licence at one school), a
    /// whole-school licence, or whole-school licences for the eligible schools of a trust,
    /// asked for once by a trust-scoped buyer. Places are counted per school for SCHOOL and
    /// TRUST.
    LicenceScope {
        Seat = "seat" => "One seat",
        School = "school" => "Whole school",
        Trust = "trust" => "Trust-wide",
    }
}

code_enum! {
    /// How often a product was used during a trial.
    TrialFrequency {
        Daily = "daily" => "Daily",
        Weekly = "weekly" => "Weekly",
        Monthly = "monthly" => "Monthly",
        Rarely = "rarely" => "Rarely",
        Never = "never" => "Never",
    }
}

code_enum! {
    /// Whether a trial met the need the school tried the product for.
    MetNeed {
        Yes = "yes" => "Yes",
        Partly = "partly" => "Partly",
        No = "no" => "No",
    }
}

mod devices;
mod maturity;
mod orders;
mod reviews_advice;
pub use devices::{
    DeviceCondition, DeviceGrade, DisposalOutcome, DisposalOutcomeWanted, DisposalStatus,
    ErasureStandard, FormFactor,
};
pub use maturity::{Maturity, RecommendationStatus, RequirementTiming, SectionStatus, SizeBand};
pub use orders::{OrderStatus, PaymentFailureKind, PaymentMethod, PriceOption};
pub use reviews_advice::{
    AdviceStatus, Availability, ContactPreference, Decision, FlagStatus, FlaggedReviewOrder,
    ModerationAction, ReviewSort, Sharing,
};

#[cfg(test)]
mod tests;
