//! Device disposal: a school's request to collect old devices, its lines and the certificate
//! returned per device.

use async_graphql::{Context, ID, Object, SimpleObject};
use becta_domain::devices::disposals::{DisposalLine as Line, DisposalView};
use becta_domain::entity::disposal_certificate;
use becta_domain::vocab::{
    DisposalOutcome, DisposalOutcomeWanted, DisposalStatus, ErasureStandard, FormFactor,
};
use chrono::{DateTime, NaiveDate, Utc};

use super::catalogue::{code, load_list};
use crate::graphql::loaders::DisposalCertificates;

/// A school's request to one supplier of a deal's lot to collect old devices for reuse or
/// recycling. REQUESTED -> SCHEDULED -> COLLECTED -> COMPLETED; CANCELLED by the school before
/// collection; DECLINED by the supplier before scheduling.
pub struct DisposalRequest(pub DisposalView);

#[Object]
impl DisposalRequest {
    async fn id(&self) -> ID {
        ID(self.0.request.id.to_string())
    }
    /// Bumped by every change.
    async fn version(&self) -> i32 {
        self.0.request.version
    }
    async fn status(&self) -> async_graphql::Result<DisposalStatus> {
        code(
            DisposalStatus::from_code,
            "disposal_requests.status",
            &self.0.request.status,
        )
    }
    /// The school the devices are collected from.
    async fn school_id(&self) -> ID {
        ID(self.0.request.school_id.to_string())
    }
    async fn school_name(&self) -> &str {
        &self.0.school_name
    }
    /// The supplier asked to collect them.
    async fn supplier_id(&self) -> ID {
        ID(self.0.request.supplier_id.to_string())
    }
    async fn supplier_name(&self) -> &str {
        &self.0.supplier_name
    }
    async fn deal_id(&self) -> ID {
        ID(self.0.request.deal_id.to_string())
    }
    async fn deal_title(&self) -> &str {
        &self.0.deal_title
    }
    async fn deal_reference(&self) -> &str {
        &self.0.deal_reference
    }
    /// The lot it was asked under; null once the deal was re-imported (`lotTitle` stays).
    async fn lot_id(&self) -> Option<ID> {
        self.0.request.lot_id.map(|l| ID(l.to_string()))
    }
    /// "Lot 2: IT asset disposal and buy-back", say.
    async fn lot_title(&self) -> String {
        format!(
            "Lot {}: {}",
            self.0.request.lot_number, self.0.request.lot_title
        )
    }
    /// The units asked for, by form factor.
    async fn lines(&self) -> Vec<DisposalLine> {
        self.0
            .lines
            .iter()
            .map(|l: &Line| DisposalLine {
                form_factor: l.form_factor,
                units: l.units,
            })
            .collect()
    }
    /// The units asked for over all form factors.
    async fn total_units(&self) -> i32 {
        self.0.total_units()
    }
    /// The standard every device must be erased to.
    async fn erasure_standard(&self) -> async_graphql::Result<ErasureStandard> {
        code(
            ErasureStandard::from_code,
            "disposal_requests.erasure_standard",
            &self.0.request.erasure_standard,
        )
    }
    async fn outcome_wanted(&self) -> async_graphql::Result<DisposalOutcomeWanted> {
        code(
            DisposalOutcomeWanted::from_code,
            "disposal_requests.outcome_wanted",
            &self.0.request.outcome_wanted,
        )
    }
    /// Where to collect from and whom to ask for.
    async fn collection_note(&self) -> &str {
        &self.0.request.collection_note
    }
    async fn preferred_collection_date(&self) -> NaiveDate {
        self.0.request.preferred_collection_date
    }
    /// The date the supplier set; null until scheduled.
    async fn collection_date(&self) -> Option<NaiveDate> {
        self.0.request.collection_date
    }
    /// Why the supplier declined.
    async fn decline_reason(&self) -> Option<&str> {
        self.0.request.decline_reason.as_deref()
    }
    /// Why the school cancelled, if it said.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.request.cancel_reason.as_deref()
    }
    /// Why the certificates per form factor differ from the units asked for, as the supplier
    /// gave it on completion.
    async fn difference_reason(&self) -> Option<&str> {
        self.0.request.difference_reason.as_deref()
    }
    /// One per device collected, in the order the supplier gave them; empty until completed.
    async fn certificates(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<DisposalCertificate>> {
        if self.0.request.completed_at.is_none() {
            return Ok(Vec::new());
        }
        Ok(load_list(ctx, DisposalCertificates(self.0.request.id))
            .await?
            .into_iter()
            .map(DisposalCertificate)
            .collect())
    }
    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.request.created_at
    }
    async fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.0.request.scheduled_at
    }
    async fn collected_at(&self) -> Option<DateTime<Utc>> {
        self.0.request.collected_at
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.request.completed_at
    }
    async fn cancelled_at(&self) -> Option<DateTime<Utc>> {
        self.0.request.cancelled_at
    }
    async fn declined_at(&self) -> Option<DateTime<Utc>> {
        self.0.request.declined_at
    }
}

/// The units of one form factor a disposal request asks to collect.
#[derive(SimpleObject)]
pub struct DisposalLine {
    pub form_factor: FormFactor,
    pub units: i32,
}

/// The erasure certificate and outcome of one collected device.
pub struct DisposalCertificate(pub disposal_certificate::Model);

#[Object]
impl DisposalCertificate {
    /// The device's serial number, upper-cased.
    async fn serial(&self) -> &str {
        &self.0.serial
    }
    async fn form_factor(&self) -> async_graphql::Result<FormFactor> {
        code(
            FormFactor::from_code,
            "disposal_certificates.form_factor",
            &self.0.form_factor,
        )
    }
    async fn erasure_standard(&self) -> async_graphql::Result<ErasureStandard> {
        code(
            ErasureStandard::from_code,
            "disposal_certificates.erasure_standard",
            &self.0.erasure_standard,
        )
    }
    async fn erasure_method(&self) -> &str {
        &self.0.erasure_method
    }
    async fn certificate_reference(&self) -> &str {
        &self.0.certificate_reference
    }
    async fn outcome(&self) -> async_graphql::Result<DisposalOutcome> {
        code(
            DisposalOutcome::from_code,
            "disposal_certificates.outcome",
            &self.0.outcome,
        )
    }
}
