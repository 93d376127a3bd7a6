//! The contracts register.

use async_graphql::{ID, Object};
use becta_domain::contracts::ContractView;
use becta_domain::vocab::ContractSource;
use chrono::NaiveDate;

/// A contract in a school's register: made by a paid order, or added by the school.
pub struct Contract(pub ContractView);

#[Object]
impl Contract {
    /// The contract's id.
    async fn id(&self) -> ID {
        ID(self.0.contract.id.to_string())
    }
    /// Bumped by every change; give it back to `updateContract`.
    async fn version(&self) -> i32 {
        self.0.contract.version
    }
    /// The school whose contract it is.
    async fn school_id(&self) -> ID {
        ID(self.0.contract.school_id.to_string())
    }
    /// That school's name.
    async fn school_name(&self) -> &str {
        &self.0.school_name
    }
    /// Made by a paid order, or added by the school.
    async fn source(&self) -> Option<ContractSource> {
        ContractSource::from_code(&self.0.contract.source)
    }
    /// The catalogue product, when it is one.
    async fn product_id(&self) -> Option<ID> {
        self.0.contract.product_id.map(|p| ID(p.to_string()))
    }
    /// The catalogue product's name, or the name the school gave.
    async fn product_name(&self) -> &str {
        &self.0.contract.product_name
    }
    /// The catalogue supplier, when it is one.
    async fn supplier_id(&self) -> Option<ID> {
        self.0.contract.supplier_id.map(|p| ID(p.to_string()))
    }
    /// The catalogue supplier's name, or the name the school gave.
    async fn supplier_name(&self) -> &str {
        &self.0.contract.supplier_name
    }
    /// The deal it was bought through, if any.
    async fn deal_id(&self) -> Option<ID> {
        self.0.contract.deal_id.map(|p| ID(p.to_string()))
    }
    /// That deal's title.
    async fn deal_title(&self) -> Option<&str> {
        self.0.deal_title.as_deref()
    }
    /// The deal's lot it was bought under, if any.
    async fn lot_id(&self) -> Option<ID> {
        self.0.contract.lot_id.map(|p| ID(p.to_string()))
    }
    /// "Lot 2: Software", say.
    async fn lot_title(&self) -> Option<&str> {
        self.0.lot_title.as_deref()
    }
    /// The latest paid order that made or extended it.
    async fn last_order_id(&self) -> Option<ID> {
        self.0.contract.last_order_id.map(|p| ID(p.to_string()))
    }
    /// How many paid orders made or extended it (0 for one added by hand).
    async fn paid_orders(&self) -> i32 {
        self.0.contract.paid_orders
    }
    /// The first day of the contract.
    async fn starts_on(&self) -> NaiveDate {
        self.0.contract.starts_on
    }
    /// The last day of the current term.
    async fn ends_on(&self) -> NaiveDate {
        self.0.contract.ends_on
    }
    /// Whether it renews for another term unless the school gives notice.
    async fn auto_renews(&self) -> bool {
        self.0.contract.auto_renews
    }
    /// Notice the supplier needs, in days before the end.
    async fn notice_days(&self) -> i32 {
        self.0.contract.notice_days
    }
    /// The last day to give notice (or to decide on renewal): `endsOn` less `noticeDays`.
    async fn notice_on(&self) -> NaiveDate {
        self.0.contract.notice_on
    }
    /// Days before the notice date that reminders go out, largest first (90 and 30 unless
    /// set).
    async fn reminder_days(&self) -> Vec<i32> {
        self.0.reminder_days()
    }
    /// When the next renewal reminder is due; null once the notice date has passed.
    async fn next_reminder_on(&self) -> Option<NaiveDate> {
        self.0.contract.next_reminder_on
    }
    /// What it costs a year, in pence before VAT.
    async fn annual_cost_pence(&self) -> i64 {
        self.0.contract.annual_cost_pence
    }
    /// Licences (or seats, or pupils covered) bought for the current term.
    async fn licences_bought(&self) -> i64 {
        self.0.contract.licences_bought
    }
    /// As counted by the school; null until it enters them.
    async fn licences_in_use(&self) -> Option<i64> {
        self.0.contract.licences_in_use
    }
    /// Licences bought less those in use (negative: more in use than bought); null until
    /// the school enters licences in use.
    async fn licences_spare(&self) -> Option<i64> {
        self.0
            .contract
            .licences_in_use
            .map(|n| self.0.contract.licences_bought - n)
    }
    /// The school's own notes.
    async fn notes(&self) -> Option<&str> {
        self.0.contract.notes.as_deref()
    }
}
