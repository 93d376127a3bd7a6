//! The contracts register: a school adds contracts bought elsewhere and keeps every
//! contract's terms and licences in use.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use becta_domain::contracts::{self, ContractChange};
use chrono::NaiveDate;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::Contract;
use crate::graphql::types::ids::parse_id;
use crate::state::AppState;

/// A contract to add to the register.
#[derive(InputObject)]
pub struct ContractInput {
    /// Which school it is for: required when signed in for a trust; your own by default.
    pub school_id: Option<ID>,
    /// A catalogue product (its name and supplier come with it); or give `productName`.
    pub product_id: Option<ID>,
    /// 1 to 200 characters, when it is not a catalogue product.
    pub product_name: Option<String>,
    /// A catalogue supplier; or give `supplierName`.
    pub supplier_id: Option<ID>,
    /// 1 to 200 characters, when the supplier is not in the catalogue.
    pub supplier_name: Option<String>,
    /// The deal it was bought through, if any.
    pub deal_id: Option<ID>,
    /// The deal's lot, if any (its deal is implied).
    pub lot_id: Option<ID>,
    /// The first day of the contract.
    pub starts_on: NaiveDate,
    /// On or after `startsOn`, at most 10 years on.
    pub ends_on: NaiveDate,
    /// Whether it renews for another term unless the school gives notice.
    pub auto_renews: bool,
    /// Notice the supplier needs, in days before the end: 0 up to the term's length.
    pub notice_days: i32,
    /// Days before the notice date to remind (up to 5, each 1 to 365); 90 and 30 by default.
    pub reminder_days: Option<Vec<i32>>,
    /// What it costs a year, in pence before VAT (0 or more).
    pub annual_cost_pence: i64,
    /// 0 or more.
    pub licences_bought: i64,
    /// As the school counts them (0 or more), if known.
    pub licences_in_use: Option<i64>,
    /// Up to 2,000 characters.
    pub notes: Option<String>,
}

/// Changes to a contract: fields left out stay as they are; `licencesInUse` and `notes` set
/// to null are cleared.
#[derive(InputObject)]
pub struct ContractChangeInput {
    /// Only for a contract added by hand without a catalogue product.
    pub product_name: Option<String>,
    /// Only when the supplier is not a catalogue supplier.
    pub supplier_name: Option<String>,
    /// The first day of the contract.
    pub starts_on: Option<NaiveDate>,
    /// The last day of the current term: on or after `startsOn`, at most 10 years on.
    pub ends_on: Option<NaiveDate>,
    /// Whether it renews for another term unless the school gives notice.
    pub auto_renews: Option<bool>,
    /// Notice the supplier needs, in days before the end: 0 up to the term's length.
    pub notice_days: Option<i32>,
    /// Days before the notice date to remind (up to 5, each 1 to 365).
    pub reminder_days: Option<Vec<i32>>,
    /// What it costs a year, in pence before VAT (0 or more).
    pub annual_cost_pence: Option<i64>,
    /// 0 or more.
    pub licences_bought: Option<i64>,
    /// As the school counts them (0 or more); null clears.
    pub licences_in_use: MaybeUndefined<i64>,
    /// Up to 2,000 characters; null clears.
    pub notes: MaybeUndefined<String>,
}

fn opt_id(field: &str, id: Option<&ID>) -> async_graphql::Result<Option<uuid::Uuid>> {
    id.map(|i| parse_id(field, i)).transpose()
}

fn patch<T>(v: MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

#[derive(Default)]
pub struct ContractMutation;

#[Object]
impl ContractMutation {
    /// Adds a contract bought elsewhere to a school's register (SCHOOL_BUYER, for your
    /// school or one of your trust's). Contracts bought here are added when their order is
    /// paid.
    async fn add_contract(
        &self,
        ctx: &Context<'_>,
        input: ContractInput,
    ) -> async_graphql::Result<Contract> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let input = contracts::ContractInput {
            school_id: opt_id("schoolId", input.school_id.as_ref())?,
            product_id: opt_id("productId", input.product_id.as_ref())?,
            product_name: input.product_name,
            supplier_id: opt_id("supplierId", input.supplier_id.as_ref())?,
            supplier_name: input.supplier_name,
            deal_id: opt_id("dealId", input.deal_id.as_ref())?,
            lot_id: opt_id("lotId", input.lot_id.as_ref())?,
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            auto_renews: input.auto_renews,
            notice_days: input.notice_days,
            reminder_days: input.reminder_days,
            annual_cost_pence: input.annual_cost_pence,
            licences_bought: input.licences_bought,
            licences_in_use: input.licences_in_use,
            notes: input.notes,
        };
        contracts::add(db, a, input).await.gql().map(Contract)
    }

    /// Changes a contract's terms, cost or licences in use, if it is still at `version`
    /// (`CONFLICT` if someone changed it meanwhile: reload it).
    async fn update_contract(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: ContractChangeInput,
    ) -> async_graphql::Result<Contract> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        let change = ContractChange {
            product_name: input.product_name,
            supplier_name: input.supplier_name,
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            auto_renews: input.auto_renews,
            notice_days: input.notice_days,
            reminder_days: input.reminder_days,
            annual_cost_pence: input.annual_cost_pence,
            licences_bought: input.licences_bought,
            licences_in_use: patch(input.licences_in_use),
            notes: patch(input.notes),
        };
        contracts::update(db, a, id, version, change)
            .await
            .gql()
            .map(Contract)
    }
}
