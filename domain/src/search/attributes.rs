//! The attributes of search documents, as one typed list: documents serialise their fields
//! under these names, the engines' settings list them, and queries filter, count and sort by
//! them, so a misspelt attribute does not compile. A test keeps the names equal to the
//! documents' field names.

macro_rules! attributes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// A document attribute (of products, deals or both).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Attribute {
            $($(#[$doc])* $variant,)*
        }

        impl Attribute {
            pub const ALL: &'static [Attribute] = &[$(Attribute::$variant,)*];

            /// The attribute's name in documents and in the engines.
            pub fn name(self) -> &'static str {
                match self {
                    $(Attribute::$variant => $name,)*
                }
            }
        }
    };
}

attributes! {
    // Both kinds.
    Summary = "summary",
    Description = "description",
    /// Category slugs (filters, facets).
    Categories = "categories",
    /// Category names (searched).
    CategoryNames = "category_names",
    /// Unix seconds.
    UpdatedAt = "updated_at",
    // Products.
    Name = "name",
    SupplierId = "supplier_id",
    SupplierName = "supplier_name",
    Subjects = "subjects",
    KeyStages = "key_stages",
    Platforms = "platforms",
    PricingModel = "pricing_model",
    PricePence = "price_pence",
    HostingLocation = "hosting_location",
    CyberEssentials = "cyber_essentials",
    Badges = "badges",
    RatingAverage = "rating_average",
    RatingCount = "rating_count",
    TrialAvailable = "trial_available",
    PublishedAt = "published_at",
    /// Trial outcomes recorded (see `lending::Evidence`).
    EvidenceCount = "evidence_count",
    /// Trial conversions to purchase per completed trial, in basis points; 0 while the
    /// product's evidence is suppressed.
    TrialConversionBps = "trial_conversion_bps",
    /// A device's condition code (empty for products that are not devices).
    Condition = "condition",
    /// A used device's cosmetic grade code.
    Grade = "grade",
    FormFactor = "form_factor",
    OperatingSystem = "operating_system",
    /// A device's lowest battery health in percent (100 for a new device with a battery, 0
    /// for products without one).
    BatteryHealthPercent = "battery_health_percent",
    WarrantyMonths = "warranty_months",
    /// kg CO2e one unit saves against buying new (0 when unknown or new).
    CarbonSavedKg = "carbon_saved_kg",
    // Deals.
    Title = "title",
    Reference = "reference",
    /// The provider's short name (filters, facets).
    Provider = "provider",
    ProviderName = "provider_name",
    LotTitles = "lot_titles",
    SupplierNames = "supplier_names",
    EligibleOrgTypes = "eligible_org_types",
    EligiblePhases = "eligible_phases",
    RouteToMarket = "route_to_market",
    /// Days since 1970-01-01.
    StartsOnDays = "starts_on_days",
    EndsOnDays = "ends_on_days",
    TypicalSavingsBps = "typical_savings_bps",
    DfeEndorsed = "dfe_endorsed",
}

impl std::fmt::Display for Attribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl AsRef<str> for Attribute {
    fn as_ref(&self) -> &str {
        self.name()
    }
}
