//! The register as a table for a CSV download: the rows `myContracts` gives, as people read
//! them (dates as YYYY-MM-DD, money in pounds with pence, yes/no).

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{ContractView, mine};
use crate::Result;
use crate::actor::Actor;
use crate::vocab::ContractSource;

/// The header row, in column order.
pub const TABLE_HEADER: [&str; 19] = [
    "School",
    "URN",
    "Product",
    "Supplier",
    "Deal",
    "Deal reference",
    "Lot",
    "Source",
    "Starts on",
    "Ends on",
    "Auto-renews",
    "Notice period (days)",
    "Notice date",
    "Next reminder",
    "Annual cost (GBP, before VAT)",
    "Licences bought",
    "Licences in use",
    "Notes",
    "Contract id",
];

fn pounds(pence: i64) -> String {
    format!("{}.{:02}", pence / 100, pence % 100)
}

fn row(v: &ContractView) -> Vec<String> {
    let c = &v.contract;
    vec![
        v.school_name.clone(),
        v.school_urn.map(|u| u.to_string()).unwrap_or_default(),
        c.product_name.clone(),
        c.supplier_name.clone(),
        v.deal_title.clone().unwrap_or_default(),
        v.deal_reference.clone().unwrap_or_default(),
        v.lot_title.clone().unwrap_or_default(),
        ContractSource::from_code(&c.source)
            .map(|s| s.label().to_owned())
            .unwrap_or_default(),
        c.starts_on.to_string(),
        c.ends_on.to_string(),
        if c.auto_renews { "yes" } else { "no" }.into(),
        c.notice_days.to_string(),
        c.notice_on.to_string(),
        c.next_reminder_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        pounds(c.annual_cost_pence),
        c.licences_bought.to_string(),
        c.licences_in_use.map(|n| n.to_string()).unwrap_or_default(),
        c.notes.clone().unwrap_or_default(),
        c.id.to_string(),
    ]
}

/// The rows of the register the actor keeps (or one school's), as `myContracts` orders them.
pub async fn table(
    db: &impl ConnectionTrait,
    actor: &Actor,
    school_id: Option<Uuid>,
) -> Result<Vec<Vec<String>>> {
    Ok(mine(db, actor, school_id).await?.iter().map(row).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn pounds_keep_their_pence() {
        assert_eq!(super::pounds(192_550), "1925.50");
        assert_eq!(super::pounds(5), "0.05");
    }
}
