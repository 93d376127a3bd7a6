//! Device types: `DeviceListing` (a device product's facts, stock and carbon) and its carbon
//! figures.

use async_graphql::{Object, SimpleObject};
use becta_domain::devices::{self, Figure};
use becta_domain::vocab::{DeviceCondition, DeviceGrade, ErasureStandard, FormFactor};
use chrono::{NaiveDate, Utc};

/// A device listing: the model, its specification, its condition and what a used unit is
/// bought on, the units in stock, and the carbon a unit saves (every figure with its source).
pub struct DeviceListing(pub devices::DeviceListing);

/// A unit's carbon figures, each naming its source.
#[derive(SimpleObject)]
pub struct DeviceCarbon {
    /// A new unit's embodied footprint (the maker's product carbon footprint, or the
    /// documented default for the form factor); null when neither is known.
    pub new_unit: Option<Figure>,
    /// The refurbishment's own footprint (used devices).
    pub refurbishment: Option<Figure>,
    /// What one unit saves against buying new; null when a new unit's footprint is unknown.
    pub saved_per_unit: Option<Figure>,
}

/// A device listing's facts, stock and carbon.
#[Object]
impl DeviceListing {
    async fn maker(&self) -> &str {
        &self.0.spec.maker
    }
    async fn model(&self) -> &str {
        &self.0.spec.model
    }
    async fn form_factor(&self) -> FormFactor {
        self.0.spec.form_factor
    }
    async fn processor(&self) -> &str {
        &self.0.spec.processor
    }
    async fn memory_gb(&self) -> i32 {
        self.0.spec.memory_gb
    }
    async fn storage_gb(&self) -> i32 {
        self.0.spec.storage_gb
    }
    async fn screen(&self) -> &str {
        &self.0.spec.screen
    }
    async fn operating_system(&self) -> &str {
        &self.0.spec.operating_system
    }
    /// The last day of security updates for the operating system on this model, if known.
    async fn os_support_ends_on(&self) -> Option<NaiveDate> {
        self.0.spec.os_support_ends_on
    }
    /// True when the operating system stops getting security updates before the warranty of
    /// a unit bought today ends.
    async fn os_support_ends_before_warranty(&self) -> bool {
        self.0
            .spec
            .os_support_ends_before_warranty(Utc::now().date_naive())
    }
    async fn condition(&self) -> DeviceCondition {
        self.0.spec.condition
    }
    /// The refurbisher's cosmetic grade (used devices).
    async fn grade(&self) -> Option<DeviceGrade> {
        self.0.spec.grade
    }
    /// The supplier's own words for its grade.
    async fn grade_descriptor(&self) -> Option<&str> {
        self.0.spec.grade_descriptor.as_deref()
    }
    /// The lowest battery health of the units sold, in percent of design capacity.
    async fn battery_health_percent(&self) -> Option<i32> {
        self.0.spec.battery_health_percent
    }
    async fn warranty_months(&self) -> i32 {
        self.0.spec.warranty_months
    }
    /// The standard the previous owner's data was erased to (used devices).
    async fn erasure_standard(&self) -> Option<ErasureStandard> {
        self.0.spec.erasure_standard
    }
    async fn erasure_method(&self) -> Option<&str> {
        self.0.spec.erasure_method.as_deref()
    }
    /// Who certifies the erasure.
    async fn erasure_certifier(&self) -> Option<&str> {
        self.0.spec.erasure_certifier.as_deref()
    }
    async fn refurbisher(&self) -> Option<&str> {
        self.0.spec.refurbisher.as_deref()
    }
    /// kg CO2e one unit saves against buying new (0 for a new unit); null when unknown. Its
    /// source is `carbon.savedPerUnit.source`.
    async fn carbon_saved_kg_per_unit(&self) -> Option<i64> {
        self.0.carbon().saved.map(|f| f.kg)
    }
    /// The carbon figures behind the saving, each with its source.
    async fn carbon(&self) -> DeviceCarbon {
        let c = self.0.carbon();
        DeviceCarbon {
            new_unit: c.new_unit,
            refurbishment: c.refurbishment,
            saved_per_unit: c.saved,
        }
    }
    /// Units in stock to order now.
    async fn units_available(&self) -> i64 {
        self.0.units_available
    }
}
