//! sea-orm entities: one module per table, plain rows. Enumerated columns are text codes
//! (see `crate::vocab`); services convert them. Relations are expressed in queries, not here.

pub mod advice_event;
pub mod advice_message;
pub mod advice_recommendation;
pub mod advice_request;
pub mod audit_event;
pub mod category;
pub mod deal;
pub mod deal_category;
pub mod deal_eligibility;
pub mod licence_key;
pub mod loan;
pub mod loan_event;
pub mod lot;
pub mod lot_supplier;
pub mod notification;
pub mod organisation;
pub mod product;
pub mod product_category;
pub mod product_facet;
pub mod product_rating;
pub mod product_revision;
pub mod provider;
pub mod review;
pub mod review_flag;
pub mod review_helpful_vote;
pub mod review_revision;
pub mod search_outbox;
pub mod shortlist;
pub mod shortlist_item;
pub mod trial_offer;
pub mod user;
pub mod vetting_decision;
