//! Device disposal: a school asks a lot's supplier to collect old devices; the supplier
//! schedules, declines, collects and returns a certificate per device.

use async_graphql::{Context, ID, InputObject, Object};
use becta_domain::devices::disposals::{self, CertificateInput, DisposalInput, DisposalLineInput};
use becta_domain::vocab::{DisposalOutcomeWanted, ErasureStandard};
use chrono::NaiveDate;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::DisposalRequest;
use crate::graphql::types::ids::parse_id;
use crate::state::AppState;

/// A request to collect old devices.
#[derive(InputObject)]
pub struct DisposalRequestInput {
    /// The school the devices are collected from: required of a trust's buyer, else the
    /// buyer's own school.
    pub school_id: Option<ID>,
    /// A lot whose `offersDisposal` is true, of a deal in force today.
    pub lot_id: ID,
    /// One of the lot's suppliers.
    pub supplier_id: ID,
    /// Units by form factor: each form factor once, 1 or more units, at most 10,000 in all.
    pub lines: Vec<DisposalLineInput>,
    /// The standard every device must be erased to (a current one).
    pub erasure_standard: ErasureStandard,
    pub outcome_wanted: DisposalOutcomeWanted,
    /// Where to collect from and whom to ask for (10 to 2,000 characters).
    pub collection_note: String,
    /// Today or later, within a year.
    pub preferred_collection_date: NaiveDate,
}

#[derive(Default)]
pub struct DisposalMutation;

#[Object]
impl DisposalMutation {
    /// Asks one supplier of a lot that offers disposal to collect old devices (SCHOOL_BUYER).
    async fn request_disposal(
        &self,
        ctx: &Context<'_>,
        input: DisposalRequestInput,
    ) -> async_graphql::Result<DisposalRequest> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let input = DisposalInput {
            school_id: input
                .school_id
                .as_ref()
                .map(|s| parse_id("schoolId", s))
                .transpose()?,
            lot_id: parse_id("lotId", &input.lot_id)?,
            supplier_id: parse_id("supplierId", &input.supplier_id)?,
            lines: input.lines,
            erasure_standard: input.erasure_standard,
            outcome_wanted: input.outcome_wanted,
            collection_note: input.collection_note,
            preferred_collection_date: input.preferred_collection_date,
        };
        disposals::request(db, a, input)
            .await
            .gql()
            .map(DisposalRequest)
    }

    /// Sets the collection date of a REQUESTED request, or moves it while SCHEDULED; the
    /// school is told (SUPPLIER the request is addressed to).
    async fn schedule_disposal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        collection_date: NaiveDate,
    ) -> async_graphql::Result<DisposalRequest> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        disposals::schedule(db, a, id, collection_date)
            .await
            .gql()
            .map(DisposalRequest)
    }

    /// Turns a REQUESTED request down with a reason; the school is told (SUPPLIER the request
    /// is addressed to).
    async fn decline_disposal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> async_graphql::Result<DisposalRequest> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        disposals::decline(db, a, id, reason)
            .await
            .gql()
            .map(DisposalRequest)
    }

    /// Records that the devices of a SCHEDULED request were collected (SUPPLIER the request
    /// is addressed to).
    async fn mark_disposal_collected(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<DisposalRequest> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        disposals::mark_collected(db, a, id)
            .await
            .gql()
            .map(DisposalRequest)
    }

    /// Completes a COLLECTED request with a certificate per device, all or nothing; when the
    /// certificates per form factor differ from the units asked for, `differenceReason` says
    /// why. The school is told (SUPPLIER the request is addressed to).
    async fn complete_disposal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        certificates: Vec<CertificateInput>,
        difference_reason: Option<String>,
    ) -> async_graphql::Result<DisposalRequest> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        disposals::complete(db, a, id, certificates, difference_reason)
            .await
            .gql()
            .map(DisposalRequest)
    }

    /// Calls off a REQUESTED or SCHEDULED request, with an optional reason; the supplier is
    /// told (SCHOOL_BUYER of the school or its trust).
    async fn cancel_disposal(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: Option<String>,
    ) -> async_graphql::Result<DisposalRequest> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        disposals::cancel(db, a, id, reason)
            .await
            .gql()
            .map(DisposalRequest)
    }
}
