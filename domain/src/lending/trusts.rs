//! Trust-wide trials: one request by a trust-scoped buyer for a TRUST offer covers every
//! school of the trust that is eligible for it.
//!
//! Policy:
//! - Places are counted per school. Partial, with a waitlist for the rest: the trust's
//!   schools, in name order, take the places free now; the others join the waitlist, in the
//!   same order and on consecutive places, and get places as they free up like any school.
//!   A trust is never refused because only some places are free.
//! - Schools the offer does not cover are left out and listed with the reason: not eligible
//!   (phase or school type), already holding a loan or waitlist place for the product, or
//!   refused under fair use (with the date it may ask again). When no school is left, the
//!   request is refused: `FORBIDDEN` if none is eligible, else `CONFLICT` with the reasons.
//! - One transaction, with the offer locked as every lending write does (offer first, then
//!   loans); the open-loan check is repeated under the lock and backed by the unique index.
//!   One audit event records the request with every loan it made.

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::loans::{LoanView, eligible, place_school, require_open};
use super::{fair_use, licence_scope, lock_offer};
use crate::actor::{self, Actor};
use crate::catalogue::organisations;
use crate::entity::{loan, organisation, product, trial_offer};
use crate::vocab::{LicenceScope, LoanStatus, ProductStatus};
use crate::{Error, Result, audit, db};

/// A school of the trust that the request left out, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub school: organisation::Model,
    pub reason: String,
}

/// What a trust's request made: a loan or waitlist place per covered school, and the schools
/// left out.
#[derive(Debug, Clone)]
pub struct TrustTrial {
    pub loans: Vec<(organisation::Model, LoanView)>,
    pub skipped: Vec<Skipped>,
}

/// Schools of `candidates` holding an open loan or waitlist place for the product.
async fn with_open_loans(
    tx: &impl sea_orm::ConnectionTrait,
    product_id: Uuid,
    candidates: &[Uuid],
) -> Result<Vec<Uuid>> {
    Ok(loan::Entity::find()
        .filter(loan::Column::SchoolId.is_in(candidates.iter().copied()))
        .filter(loan::Column::ProductId.eq(product_id))
        .filter(
            loan::Column::Status.is_in([LoanStatus::Waitlisted.code(), LoanStatus::Active.code()]),
        )
        .all(tx)
        .await?
        .into_iter()
        .map(|l| l.school_id)
        .collect())
}

/// A trust-scoped buyer asks for a TRUST offer for all of the trust's eligible schools.
pub async fn request_for_trust(
    db: &DatabaseConnection,
    actor: &Actor,
    offer_id: Uuid,
) -> Result<TrustTrial> {
    actor.trust_id()?;
    let schools = organisations::schools_in_scope(db, actor).await?;
    let tx = actor::begin(db, actor).await?;
    let unlocked = trial_offer::Entity::find_by_id(offer_id)
        .one(&tx)
        .await?
        .ok_or(Error::not_found("trial offer"))?;
    let Some(listed) = product::Entity::find_by_id(unlocked.product_id)
        .filter(product::Column::Status.eq(ProductStatus::Approved.code()))
        .one(&tx)
        .await?
    else {
        // A withdrawn listing's offer is as gone as one that never existed.
        return Err(Error::not_found("trial offer"));
    };
    if licence_scope(&unlocked)? != LicenceScope::Trust {
        return Err(Error::Forbidden(
            "this trial is for one school at a time: sign in with a token whose `org` is the \
             school's URN"
                .into(),
        ));
    }
    let now = Utc::now();
    let mut skipped = Vec::new();
    let mut covered = Vec::new();
    for s in schools {
        if !eligible(&unlocked.eligible_phases, s.phase.as_deref())
            || !eligible(
                &unlocked.eligible_org_types,
                s.establishment_type.as_deref(),
            )
        {
            skipped.push(Skipped {
                school: s,
                reason: "not eligible for this trial".into(),
            });
        } else {
            covered.push(s);
        }
    }
    if covered.is_empty() {
        return Err(Error::Forbidden(
            "none of your trust's schools is eligible for this trial".into(),
        ));
    }
    let mut fair = Vec::with_capacity(covered.len());
    for s in covered {
        match fair_use::check(&tx, &unlocked, s.id, now).await {
            Ok(()) => fair.push(s),
            Err(e @ Error::ConflictOn { .. }) => skipped.push(Skipped {
                school: s,
                reason: e.to_string(),
            }),
            Err(e) => return Err(e),
        }
    }
    let offer = lock_offer(&tx, offer_id).await?;
    require_open(&offer)?;
    let ids: Vec<Uuid> = fair.iter().map(|s| s.id).collect();
    let busy = with_open_loans(&tx, offer.product_id, &ids).await?;
    let (open, covered): (Vec<_>, Vec<_>) = fair.into_iter().partition(|s| busy.contains(&s.id));
    skipped.extend(open.into_iter().map(|s| Skipped {
        school: s,
        reason: "already has a loan or a waitlist place for this product".into(),
    }));
    if covered.is_empty() {
        let reasons: Vec<String> = skipped
            .iter()
            .map(|s| format!("{}: {}", s.school.name, s.reason))
            .collect();
        return Err(Error::Conflict(format!(
            "no school of your trust can ask for this trial now ({})",
            reasons.join("; ")
        )));
    }
    let mut made = Vec::with_capacity(covered.len());
    for s in covered {
        // Read afresh for each school: the places this request took are gone.
        let current = lock_offer(&tx, offer_id).await?;
        let requested = json!({ "trust": actor.organisation_id });
        let row = place_school(
            &tx,
            actor,
            &current,
            s.id,
            now,
            &listed.name,
            Some(requested),
        )
        .await?;
        made.push((s, row));
    }
    audit::record(
        &tx,
        actor,
        "loan.request_trust",
        "trial_offer",
        offer_id,
        None,
        Some(json!({
            "loans": made.iter().map(|(s, l)| json!({ "school": s.id, "loan": l.id, "status": l.status })).collect::<Vec<_>>(),
            "skipped": skipped.iter().map(|s| json!({ "school": s.school.id, "reason": s.reason })).collect::<Vec<_>>(),
        })),
    )
    .await?;
    let mut loans = Vec::with_capacity(made.len());
    for (s, l) in made {
        loans.push((s, super::loans::view_of(&tx, l).await?));
    }
    db::commit(tx).await?;
    Ok(TrustTrial { loans, skipped })
}
