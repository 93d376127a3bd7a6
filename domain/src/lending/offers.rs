//! Suppliers' trial offers: creating them, opening, pausing and closing them, and reading them
//! with their figures.
//!
//! Policy: an offer's rules (scope, places, length, reminder days, fair use, its code pool)
//! are fixed when it is created. Closing it ends every waitlist place as `OFFER_CLOSED` and
//! tells each school; running loans run to their end.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::waitlist::{close_loan, grant_next, product_name, waitlist};
use super::{lock_offer, offer_status};
use crate::actor::{self, Actor};
use crate::entity::{licence_key, loan, product, trial_offer};
use crate::notifications::{self, Notice};
use crate::pagination::{Cursor, Page, PageArgs};
use crate::vocab::{
    EstablishmentType, LicenceScope, LoanStatus, OfferStatus, Phase, ProductStatus, Role,
};
use crate::{Error, Result, audit, db, outbox};

/// A supplier's trial offer as written.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "TrialOfferInput")
)]
pub struct NewOffer {
    /// What a place lends: SEAT (one user's seat at one school, the default), SCHOOL (a
    /// whole-school licence, one place per school) or TRUST (whole-school licences for every
    /// eligible school of a trust, asked for once by a trust-scoped buyer).
    #[cfg_attr(feature = "graphql", graphql(default_with = "LicenceScope::Seat"))]
    pub licence_scope: LicenceScope,
    /// Places lent at once, 1 to 10,000: seats for SEAT; schools at once for SCHOOL and TRUST.
    pub seats: i32,
    /// Length of a loan in days, 1 to 365.
    pub loan_days: i32,
    /// How many times a school may extend a loan (0 to 10).
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub max_extensions: i32,
    /// Days each extension adds.
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub extension_days: i32,
    /// Phases that may borrow; empty: all.
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub eligible_phases: Vec<Phase>,
    /// School types that may borrow; empty: all.
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub eligible_organisation_types: Vec<EstablishmentType>,
    /// The trial's terms, shown to schools.
    pub terms: String,
    /// Days before the end of a loan on which the school is reminded (each 1 to 365, at most
    /// 5); null: 7 and 1; empty: no reminders. A reminder whose day has passed when the loan
    /// starts is not sent.
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub reminder_days: Option<Vec<i32>>,
    /// Fair use: days after a school's trial of the product ends before it may ask again
    /// (0 to 730; 0: none).
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub cool_off_days: i32,
    /// Fair use: trials of the product one school may have (1 to 100; null: no limit).
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub max_trials_per_school: Option<i32>,
    /// A returned activation code may be lent again (after every unused code); otherwise a
    /// code is lent once.
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub reusable_codes: bool,
    /// Activation codes, one lent with each seat; when given, at least one per seat.
    #[cfg_attr(feature = "graphql", graphql(default))]
    #[serde(skip)]
    pub licence_keys: Vec<String>,
}

impl NewOffer {
    pub fn validate(&self) -> Result<()> {
        let range = |field: &str, v: i32, lo: i32, hi: i32| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(Error::bad_input(
                    field,
                    format!("`{field}` must be {lo} to {hi}"),
                ))
            }
        };
        range("seats", self.seats, 1, 10_000)?;
        range("loanDays", self.loan_days, 1, 365)?;
        range("maxExtensions", self.max_extensions, 0, 10)?;
        range("extensionDays", self.extension_days, 0, 365)?;
        if self.max_extensions > 0 && self.extension_days == 0 {
            return Err(Error::bad_input(
                "extensionDays",
                "extensions need `extensionDays` of at least 1",
            ));
        }
        crate::validate::text("terms", &self.terms, 10, 5_000)?;
        range("coolOffDays", self.cool_off_days, 0, 730)?;
        if let Some(max) = self.max_trials_per_school {
            range("maxTrialsPerSchool", max, 1, 100)?;
        }
        if let Some(days) = &self.reminder_days {
            let mut sorted = days.clone();
            sorted.sort_unstable();
            sorted.dedup();
            if days.len() > 5
                || sorted.len() != days.len()
                || days.iter().any(|d| !(1..=365).contains(d))
            {
                return Err(Error::bad_input(
                    "reminderDays",
                    "give at most 5 distinct reminder days, each 1 to 365",
                ));
            }
        }
        if !self.licence_keys.is_empty() {
            if self.licence_keys.len() < self.seats as usize || self.licence_keys.len() > 10_000 {
                return Err(Error::bad_input(
                    "licenceKeys",
                    "give at least one licence key per seat (and at most 10,000)",
                ));
            }
            let mut keys: Vec<&str> = self.licence_keys.iter().map(|k| k.trim()).collect();
            keys.sort_unstable();
            keys.dedup();
            if keys.len() != self.licence_keys.len()
                || keys.iter().any(|k| k.is_empty() || k.len() > 200)
            {
                return Err(Error::bad_input(
                    "licenceKeys",
                    "licence keys must be distinct, 1 to 200 characters",
                ));
            }
        }
        Ok(())
    }
}

/// A supplier puts trial seats on one of its approved products.
pub async fn create_offer(
    db: &DatabaseConnection,
    actor: &Actor,
    product_id: Uuid,
    new: NewOffer,
) -> Result<trial_offer::Model> {
    let supplier_id = actor.supplier_id()?;
    new.validate()?;
    let p = product::Entity::find_by_id(product_id)
        .one(db)
        .await?
        .ok_or(Error::not_found("product"))?;
    let approved = p.status == ProductStatus::Approved.code();
    if p.supplier_id != supplier_id {
        return Err(if approved {
            Error::Forbidden("only the product's supplier may offer trials of it".into())
        } else {
            Error::not_found("product")
        });
    }
    if !approved {
        return Err(Error::Conflict(
            "trials can be offered only on an approved listing".into(),
        ));
    }
    let tx = actor::begin(db, actor).await?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    let codes = |v: Vec<&str>| json!(v);
    trial_offer::Entity::insert(trial_offer::ActiveModel {
        id: Set(id),
        product_id: Set(product_id),
        seats_total: Set(new.seats),
        seats_free: Set(new.seats),
        loan_days: Set(new.loan_days),
        max_extensions: Set(new.max_extensions),
        extension_days: Set(new.extension_days),
        eligible_phases: Set(codes(
            new.eligible_phases.iter().map(|p| p.code()).collect(),
        )),
        eligible_org_types: Set(codes(
            new.eligible_organisation_types
                .iter()
                .map(|t| t.code())
                .collect(),
        )),
        terms: Set(new.terms.trim().to_owned()),
        status: Set(OfferStatus::Open.code().into()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        licence_scope: Set(new.licence_scope.code().into()),
        reminder_days: Set(new.reminder_days.as_ref().map(|d| json!(d))),
        cool_off_days: Set(new.cool_off_days),
        max_trials_per_school: Set(new.max_trials_per_school),
        reusable_codes: Set(new.reusable_codes),
        has_codes: Set(!new.licence_keys.is_empty()),
    })
    .exec_without_returning(&tx)
    .await?;
    for chunk in new.licence_keys.chunks(500) {
        licence_key::Entity::insert_many(chunk.iter().map(|code| licence_key::ActiveModel {
            id: Set(Uuid::now_v7()),
            offer_id: Set(id),
            code: Set(code.trim().to_owned()),
            loan_id: Set(None),
            created_at: Set(now),
            times_lent: Set(0),
        }))
        .exec_without_returning(&tx)
        .await?;
    }
    outbox::enqueue_many(
        &tx,
        outbox::EntityType::Product,
        &[product_id],
        outbox::Op::Upsert,
    )
    .await?;
    let mut after = audit::snapshot(&new)?;
    after["licenceKeys"] = json!(new.licence_keys.len());
    audit::record(
        &tx,
        actor,
        "trial_offer.create",
        "trial_offer",
        id,
        None,
        Some(after),
    )
    .await?;
    let offer = lock_offer(&tx, id).await?;
    db::commit(tx).await?;
    Ok(offer)
}

/// The offer's supplier (or an admin) opens, pauses or closes it. Closing releases the
/// waitlist; running loans run to their end. Reopening hands free seats to the waitlist.
pub async fn set_offer_status(
    db: &DatabaseConnection,
    actor: &Actor,
    offer_id: Uuid,
    version: i32,
    status: OfferStatus,
) -> Result<trial_offer::Model> {
    actor.require(&[Role::Supplier, Role::Admin])?;
    let tx = actor::begin(db, actor).await?;
    let offer = lock_offer(&tx, offer_id).await?;
    let p = product::Entity::find_by_id(offer.product_id)
        .one(&tx)
        .await?
        .ok_or(Error::not_found("product"))?;
    if !(actor.is_admin() || actor.organisation_id == Some(p.supplier_id)) {
        return Err(Error::not_found("trial offer"));
    }
    if offer.version != version {
        return Err(Error::Conflict(
            "the offer has changed since you read it: reload it".into(),
        ));
    }
    let from = offer_status(&offer)?;
    if from == OfferStatus::Closed || from == status {
        return Err(Error::Conflict(format!(
            "the offer is {}; it cannot become {}",
            from.code(),
            status.code()
        )));
    }
    trial_offer::Entity::update_many()
        .col_expr(trial_offer::Column::Status, Expr::value(status.code()))
        .col_expr(trial_offer::Column::Version, Expr::value(version + 1))
        .col_expr(trial_offer::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(trial_offer::Column::Id.eq(offer_id))
        .exec(&tx)
        .await?;
    match status {
        OfferStatus::Closed => {
            let waiting = waitlist(&tx, offer_id).await?;
            let name = product_name(&tx, offer.product_id).await?;
            for l in waiting {
                if close_loan(
                    &tx,
                    &l,
                    LoanStatus::OfferClosed,
                    "offer_closed",
                    Some(actor),
                )
                .await?
                {
                    notifications::notify(
                        &tx,
                        Notice {
                            user_id: l.requested_by,
                            organisation_id: l.school_id,
                            kind: "loan.offer_closed",
                            subject: format!(
                                "The trial of {name} has closed: your waitlist place has ended"
                            ),
                            payload: json!({ "loanId": l.id, "productId": l.product_id, "productName": name }),
                            dedupe_key: Some(format!("loan:{}:offer_closed", l.id)),
                        },
                    )
                    .await?;
                }
            }
        }
        OfferStatus::Open => {
            let offer = lock_offer(&tx, offer_id).await?;
            for _ in 0..offer.seats_free {
                if !grant_next(&tx, &offer).await? {
                    break;
                }
            }
        }
        OfferStatus::Paused => {}
    }
    outbox::enqueue_many(
        &tx,
        outbox::EntityType::Product,
        &[offer.product_id],
        outbox::Op::Upsert,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "trial_offer.status",
        "trial_offer",
        offer_id,
        Some(json!({ "status": from.code(), "version": version })),
        Some(json!({ "status": status.code(), "version": version + 1 })),
    )
    .await?;
    let updated = lock_offer(&tx, offer_id).await?;
    db::commit(tx).await?;
    Ok(updated)
}

/// Open offers on products, for the catalogue (one query for all ids).
pub async fn open_offers(
    db: &impl ConnectionTrait,
    product_ids: &[Uuid],
) -> Result<Vec<trial_offer::Model>> {
    Ok(trial_offer::Entity::find()
        .filter(trial_offer::Column::ProductId.is_in(product_ids.iter().copied()))
        .filter(trial_offer::Column::Status.eq(OfferStatus::Open.code()))
        .order_by_asc(trial_offer::Column::Id)
        .all(db)
        .await?)
}

/// A supplier's offers (an admin's: all), newest first.
pub async fn my_offers(
    db: &impl ConnectionTrait,
    actor: &Actor,
    page: &PageArgs,
) -> Result<Page<trial_offer::Model>> {
    actor.require(&[Role::Supplier, Role::Admin])?;
    let mut q = trial_offer::Entity::find();
    if !actor.is_admin() {
        let supplier_id = actor.supplier_id()?;
        q = q.filter(
            trial_offer::Column::ProductId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(product::Column::Id)
                    .from(product::Entity)
                    .and_where(product::Column::SupplierId.eq(supplier_id))
                    .to_owned(),
            ),
        );
    }
    if let Some(after) = &page.after {
        q = q.filter(trial_offer::Column::Id.lt(after.id));
    }
    let rows = q
        .order_by_desc(trial_offer::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, page, |o| {
        Cursor::new(String::new(), o.id)
    }))
}

/// Figures a supplier sees on an offer.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OfferStats {
    pub seats_in_use: i64,
    pub waitlist_length: i64,
    /// Loans that have ended (returned, expired or converted).
    pub loans_ended: i64,
    pub converted: i64,
}

impl OfferStats {
    /// Share of ended loans that became purchases, 0 to 1 (none ended: 0).
    pub fn conversion_rate(&self) -> f64 {
        if self.loans_ended == 0 {
            0.0
        } else {
            self.converted as f64 / self.loans_ended as f64
        }
    }
}

pub async fn offer_stats(db: &impl ConnectionTrait, offer_id: Uuid) -> Result<OfferStats> {
    let rows: Vec<(String, i64)> = loan::Entity::find()
        .select_only()
        .column(loan::Column::Status)
        .column_as(loan::Column::Id.count(), "n")
        .filter(loan::Column::OfferId.eq(offer_id))
        .group_by(loan::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut s = OfferStats::default();
    for (status, n) in rows {
        match LoanStatus::from_code(&status) {
            Some(LoanStatus::Active) => s.seats_in_use = n,
            Some(LoanStatus::Waitlisted) => s.waitlist_length = n,
            Some(LoanStatus::Converted) => {
                s.converted = n;
                s.loans_ended += n;
            }
            Some(LoanStatus::Returned | LoanStatus::Expired) => s.loans_ended += n,
            _ => {}
        }
    }
    Ok(s)
}
