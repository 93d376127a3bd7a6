//! Types seen by signed-in users: who they are, suppliers' listings in any status, vetting
//! records and the audit log.

use async_graphql::{Context, Enum, ID, Json, Object};
use becta_domain::Error;
use becta_domain::actor::Actor;
use becta_domain::catalogue::products::ProductContent;
use becta_domain::entity::{audit_event, organisation, vetting_decision};
use becta_domain::listings;
use becta_domain::vetting::Checklist;
use becta_domain::vocab::{OrgKind, Phase, ProductStatus, Region, Role};
use chrono::{DateTime, Utc};

use super::Product;
use crate::graphql::error::{GqlResult, to_gql};
use crate::state::AppState;

/// The signed-in user, as their token names them.
pub struct Me {
    pub actor: Actor,
    pub organisation: Option<organisation::Model>,
}

#[Object]
impl Me {
    /// The user's id (the token's subject, or a stable id derived from it).
    async fn user_id(&self) -> ID {
        ID(self.actor.user_id.to_string())
    }
    async fn role(&self) -> Role {
        self.actor.role
    }
    async fn email(&self) -> Option<&str> {
        self.actor.email.as_deref()
    }
    async fn display_name(&self) -> Option<&str> {
        self.actor.display_name.as_deref()
    }
    /// The school, supplier or service organisation the user acts for.
    async fn organisation(&self) -> Option<Organisation> {
        self.organisation.clone().map(Organisation)
    }
}

/// A school, trust, supplier or the service itself.
pub struct Organisation(pub organisation::Model);

#[Object]
impl Organisation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> Option<OrgKind> {
        OrgKind::from_code(&self.0.kind)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// A school's unique reference number in Get Information about Schools.
    async fn urn(&self) -> Option<i32> {
        self.0.urn
    }
    async fn phase(&self) -> Option<Phase> {
        self.0.phase.as_deref().and_then(Phase::from_code)
    }
    async fn region(&self) -> Option<Region> {
        self.0.region.as_deref().and_then(Region::from_code)
    }
    async fn local_authority(&self) -> Option<&str> {
        self.0.la_name.as_deref()
    }
}

/// A product listing as its supplier and admins see it, in any vetting status.
pub struct Listing(pub listings::Listing);

#[Object]
impl Listing {
    async fn id(&self) -> ID {
        ID(self.0.product.id.to_string())
    }
    async fn status(&self) -> async_graphql::Result<ProductStatus> {
        listings::status_of(&self.0.product).gql()
    }
    /// Pass this version to the next change; a change to an older version is `CONFLICT`.
    async fn version(&self) -> i32 {
        self.0.product.version
    }
    /// The listing's live content (for an approved listing, what schools see now).
    async fn product(&self) -> Product {
        Product(self.0.product.clone())
    }
    /// An edit of an approved listing awaiting vetting.
    async fn pending_revision(&self) -> Option<ProductRevision> {
        self.0.pending_revision.clone().map(ProductRevision)
    }
    /// Every vetting step on this listing, oldest first, with the checklist and notes.
    async fn vetting_history(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<VettingRecord>> {
        let db = &ctx.data::<AppState>()?.db;
        Ok(listings::decisions(db, self.0.product.id)
            .await
            .gql()?
            .into_iter()
            .map(VettingRecord)
            .collect())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.product.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.product.updated_at
    }
}

/// An edit of an approved listing, waiting for vetting; the live listing is unchanged until
/// it is approved.
pub struct ProductRevision(pub listings::Revision);

#[Object]
impl ProductRevision {
    async fn id(&self) -> ID {
        ID(self.0.row.id.to_string())
    }
    /// The listing version this edit produced.
    async fn base_version(&self) -> i32 {
        self.0.row.base_version
    }
    async fn content(&self) -> &ProductContent {
        &self.0.content
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }
}

/// A step of vetting.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum VettingStep {
    InReview,
    Approved,
    ChangesRequested,
    Rejected,
}

/// One vetting step recorded on a listing.
pub struct VettingRecord(pub vetting_decision::Model);

#[Object]
impl VettingRecord {
    async fn step(&self) -> async_graphql::Result<VettingStep> {
        Ok(match self.0.decision.as_str() {
            "in_review" => VettingStep::InReview,
            "approved" => VettingStep::Approved,
            "changes_requested" => VettingStep::ChangesRequested,
            "rejected" => VettingStep::Rejected,
            other => {
                return Err(to_gql(Error::Internal(format!(
                    "unknown vetting decision {other:?}"
                ))));
            }
        })
    }
    /// The checklist judged in a decision (absent when review started).
    async fn checklist(&self) -> Option<Checklist> {
        serde_json::from_value(self.0.checklist.clone()).ok()
    }
    /// Notes to the supplier.
    async fn notes(&self) -> &str {
        &self.0.notes
    }
    /// Set when the decision was on a revision of an approved listing.
    async fn revision_id(&self) -> Option<ID> {
        self.0.revision_id.map(|id| ID(id.to_string()))
    }
    async fn decided_at(&self) -> DateTime<Utc> {
        self.0.decided_at
    }
}

/// One entry of the audit log.
pub struct AuditEvent(pub audit_event::Model);

#[Object]
impl AuditEvent {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The user who acted.
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(|id| ID(id.to_string()))
    }
    async fn actor_role(&self) -> Option<Role> {
        self.0.actor_role.as_deref().and_then(Role::from_code)
    }
    async fn organisation_id(&self) -> Option<ID> {
        self.0.organisation_id.map(|id| ID(id.to_string()))
    }
    /// What was done, e.g. `product.update`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    async fn entity_id(&self) -> &str {
        &self.0.entity_id
    }
    /// The record before the change (absent for creations).
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    /// The record after the change.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }
    /// The HTTP request's id (`x-request-id`).
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
}
