//! The deals catalogue: public reads, batched lookups for loaders, and creation.
//!
//! Policy: a deal is public while it is PUBLISHED and has not ended (`ends_on >= today`, UK
//! dates); upcoming deals are public too, and `activeOn` narrows to deals in force on a date.

mod admin;
mod lookups;
mod queries;

use chrono::{NaiveDate, Utc};

pub use admin::{NewDeal, NewLot, create, deal_snapshot, expire, find, insert, replace, update};
pub use lookups::{
    Eligibility, admits, categories_of, eligibility_of, lots_of, providers_by_id, suppliers_of_lots,
};
pub use queries::{DealFilter, count, get_public, list, savings_display};

/// Today's date for catalogue rules (UTC; a day's difference from UK time is immaterial for
/// deals whose dates are whole days).
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}
