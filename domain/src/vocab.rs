//! The field's vocabulary: closed sets of codes stored as text (guarded by CHECK constraints in
//! the schema) and shown as GraphQL enums. One definition each, used by every crate.

/// Defines a closed set of codes with its stable text form.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
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
        NorthEast = "north_east",
        NorthWest = "north_west",
        YorkshireAndTheHumber = "yorkshire_and_the_humber",
        EastMidlands = "east_midlands",
        WestMidlands = "west_midlands",
        EastOfEngland = "east_of_england",
        London = "london",
        SouthEast = "south_east",
        SouthWest = "south_west",
    }
}

code_enum! {
    /// Phase of education, as in GIAS.
    Phase {
        Nursery = "nursery",
        Primary = "primary",
        Middle = "middle",
        Secondary = "secondary",
        AllThrough = "all_through",
        SixteenPlus = "sixteen_plus",
        NotApplicable = "not_applicable",
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
        Community = "community",
        /// 02
        VoluntaryAided = "voluntary_aided",
        /// 03
        VoluntaryControlled = "voluntary_controlled",
        /// 05
        Foundation = "foundation",
        /// 07
        CommunitySpecial = "community_special",
        /// 14
        PupilReferralUnit = "pupil_referral_unit",
        /// 28
        AcademySponsorLed = "academy_sponsor_led",
        /// 34
        AcademyConverter = "academy_converter",
        /// 35
        FreeSchool = "free_school",
        /// Independent school
        Independent = "independent",
    }
}

code_enum! {
    /// Key stages: EYFS, KS1 (ages 5-7), KS2 (7-11), KS3 (11-14), KS4 (14-16), KS5 (16-19).
    KeyStage {
        Eyfs = "eyfs",
        #[cfg_attr(feature = "graphql", graphql(name = "KS1"))]
        Ks1 = "ks1",
        #[cfg_attr(feature = "graphql", graphql(name = "KS2"))]
        Ks2 = "ks2",
        #[cfg_attr(feature = "graphql", graphql(name = "KS3"))]
        Ks3 = "ks3",
        #[cfg_attr(feature = "graphql", graphql(name = "KS4"))]
        Ks4 = "ks4",
        #[cfg_attr(feature = "graphql", graphql(name = "KS5"))]
        Ks5 = "ks5",
    }
}

code_enum! {
    /// Platforms a product runs on.
    Platform {
        Web = "web",
        Ios = "ios",
        Android = "android",
        Windows = "windows",
        #[cfg_attr(feature = "graphql", graphql(name = "CHROMEOS"))]
        ChromeOs = "chromeos",
        #[cfg_attr(feature = "graphql", graphql(name = "MACOS"))]
        MacOs = "macos",
    }
}

code_enum! {
    /// How a product is priced; `pricePence` is per this unit.
    PricingModel {
        PerPupilPerYear = "per_pupil_per_year",
        PerSchoolPerYear = "per_school_per_year",
        PerUserPerYear = "per_user_per_year",
        OneOff = "one_off",
        /// Free to start; the price is that of the paid tier.
        FreeTier = "free_tier",
        Free = "free",
    }
}

impl PricingModel {
    /// A price as a buyer would say it, e.g. "£4.50 per pupil per year".
    pub fn display(self, pence: i64) -> String {
        let amount = if pence % 100 == 0 {
            format!("£{}", pence / 100)
        } else {
            format!("£{}.{:02}", pence / 100, pence % 100)
        };
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
        Uk = "uk",
        Eea = "eea",
        Us = "us",
    }
}

code_enum! {
    /// The supplier's NCSC Cyber Essentials certification.
    CyberEssentials {
        None = "none",
        CyberEssentials = "cyber_essentials",
        CyberEssentialsPlus = "cyber_essentials_plus",
    }
}

code_enum! {
    /// Vetting badges, each awarded from an approved checklist item.
    Badge {
        /// DPIA available, data processing agreement, UK or EEA hosting.
        DataProtection = "data_protection",
        /// Cyber Essentials or Cyber Essentials Plus.
        CyberSecurity = "cyber_security",
        /// WCAG 2.2 AA accessibility statement.
        Accessibility = "accessibility",
        /// Safeguarding and age-appropriate design.
        Safeguarding = "safeguarding",
        /// Single sign-on and MIS integration.
        Interoperability = "interoperability",
        /// Evidence of impact.
        EvidenceOfImpact = "evidence_of_impact",
    }
}

code_enum! {
    /// How a school calls off from a framework.
    RouteToMarket {
        DirectAward = "direct_award",
        FurtherCompetition = "further_competition",
        DirectAwardOrFurtherCompetition = "direct_award_or_further_competition",
    }
}

code_enum! {
    /// Where a product listing stands in vetting; only APPROVED listings are public.
    ProductStatus {
        Draft = "draft",
        Submitted = "submitted",
        InReview = "in_review",
        Approved = "approved",
        ChangesRequested = "changes_requested",
        Rejected = "rejected",
        Withdrawn = "withdrawn",
    }
}

code_enum! {
    /// Where a deal stands; only PUBLISHED deals that have not ended are public.
    DealStatus {
        Draft = "draft",
        Published = "published",
        Archived = "archived",
    }
}

code_enum! {
    /// The outcome of one checklist item.
    CheckOutcome {
        Pass = "pass",
        Fail = "fail",
        NotApplicable = "not_applicable",
    }
}

code_enum! {
    /// An admin's decision on a listing (or its pending revision) in review.
    VettingDecision {
        /// Publish: schools see it, with the badges that passed.
        Approve = "approved",
        /// Return to the supplier to change and submit again.
        RequestChanges = "changes_requested",
        /// Refuse for good.
        Reject = "rejected",
    }
}

code_enum! {
    /// Where a trial offer stands: only OPEN offers take requests; a PAUSED offer keeps its
    /// waitlist; a CLOSED one is over (running loans run to their end).
    OfferStatus {
        Open = "open",
        Paused = "paused",
        Closed = "closed",
    }
}

code_enum! {
    /// Where a trial loan stands.
    LoanStatus {
        /// In the queue for a seat.
        Waitlisted = "waitlisted",
        /// Holding a seat until `endsAt`.
        Active = "active",
        Returned = "returned",
        Expired = "expired",
        /// Turned into a purchase.
        Converted = "converted",
        LeftWaitlist = "left_waitlist",
    }
}

code_enum! {
    ProductSort {
        /// Best match first.
        Relevance = "relevance",
        /// Highest average rating first.
        Rating = "rating",
        PriceLowToHigh = "price_low_to_high",
        PriceHighToLow = "price_high_to_low",
        /// Most recently published first.
        Newest = "newest",
    }
}

code_enum! {
    DealSort {
        /// Best match first.
        Relevance = "relevance",
        /// Soonest end date first.
        EndingSoonest = "ending_soonest",
        /// Most recently updated first.
        Newest = "newest",
        /// Highest typical saving first.
        Savings = "savings",
    }
}

code_enum! {
    /// How a product's reviews are ordered.
    ReviewSort {
        Newest = "newest",
        MostHelpful = "most_helpful",
        HighestRating = "highest_rating",
        LowestRating = "lowest_rating",
    }
}

code_enum! {
    /// Where a buying-advice case stands.
    AdviceStatus {
        New = "new",
        Triaged = "triaged",
        InProgress = "in_progress",
        /// The adviser waits for the school's answer.
        AwaitingSchool = "awaiting_school",
        /// Recommendations are with the school.
        Recommended = "recommended",
        Closed = "closed",
    }
}

code_enum! {
    /// How a school prefers to be contacted about its request.
    ContactPreference {
        Email = "email",
        Phone = "phone",
        VideoCall = "video_call",
    }
}

code_enum! {
    /// Who besides its owner may read a shortlist.
    Sharing {
        /// Only the owner (and advisers, once attached to an advice case).
        Private = "private",
        /// Users of the same school.
        School = "school",
        /// Users of the same school and of the other schools in its trust.
        Trust = "trust",
    }
}

code_enum! {
    /// What a school decided about a shortlisted item.
    Decision {
        Undecided = "undecided",
        Chosen = "chosen",
        Rejected = "rejected",
    }
}

code_enum! {
    /// Whether a shortlisted item can still be bought.
    Availability {
        Available = "available",
        /// A deal that has ended or been archived.
        Expired = "expired",
        /// A product its supplier withdrew or that is no longer listed.
        Withdrawn = "withdrawn",
    }
}

code_enum! {
    /// How a school pays for an order.
    PaymentMethod {
        /// By card, confirmed in the browser against the returned client secret.
        Card = "card",
        /// On a Stripe invoice with 30-day terms and the school's purchase-order number.
        Invoice = "invoice",
    }
}

code_enum! {
    /// Which price an order is at.
    PriceOption {
        /// The supplier's list price.
        ListPrice = "list_price",
        /// The list price less the deal's typical saving (give the deal).
        DealPrice = "deal_price",
    }
}

code_enum! {
    /// Where an order stands.
    OrderStatus {
        /// Written; the payment provider is being asked.
        Pending = "pending",
        /// A card payment is ready for the school to confirm.
        AwaitingPayment = "awaiting_payment",
        /// An invoice was sent to the school.
        Invoiced = "invoiced",
        Paid = "paid",
        /// The last payment attempt failed; the school may try again.
        PaymentFailed = "payment_failed",
        /// The invoice was cancelled.
        Void = "void",
        /// The payment provider could not be asked; retry with the same client key.
        Failed = "failed",
    }
}

code_enum! {
    /// What a user does in the service.
    Role {
        SchoolBuyer = "SCHOOL_BUYER",
        Supplier = "SUPPLIER",
        Adviser = "ADVISER",
        Admin = "ADMIN",
    }
}

code_enum! {
    /// The kind of an organisation.
    OrgKind {
        School = "school",
        Trust = "trust",
        Supplier = "supplier",
        /// The service itself (its advisers and admins).
        Service = "service",
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
