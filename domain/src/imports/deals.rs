//! Importing deals from a JSON file: frameworks with their lots, lot suppliers (by Companies
//! House number), eligibility and dates.
//!
//! Policy: the file is checked whole before anything is written, and every problem is
//! reported with the line its deal starts on and the field at fault; one problem and nothing
//! is written. A deal is known by its provider (short name) and reference: one already held is
//! replaced in place (its next version, lots and all), a new one is added. ONE transaction for
//! the file, each deal queued for search through the outbox and recorded in the audit log.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::Deserialize;
use uuid::Uuid;

use super::RowError;
use crate::catalogue::deals::{self, NewDeal, NewLot};
use crate::entity::{category, deal, organisation, provider};
use crate::vocab::{DealStatus, EstablishmentType, OrgKind, Phase, RouteToMarket};
use crate::{Result, audit, db};

/// One deal as the file gives it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DealRow {
    /// The provider's short name, e.g. "CCS".
    provider: String,
    reference: String,
    title: String,
    summary: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    how_to_buy: String,
    categories: Vec<String>,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    route_to_market: RouteToMarket,
    #[serde(default)]
    typical_savings: String,
    typical_savings_bps: Option<i32>,
    #[serde(default)]
    fees: String,
    #[serde(default)]
    dfe_endorsed: bool,
    url: String,
    #[serde(default = "published")]
    status: DealStatus,
    #[serde(default)]
    eligible_org_types: Vec<EstablishmentType>,
    #[serde(default)]
    eligible_phases: Vec<Phase>,
    lots: Vec<LotRow>,
}

fn published() -> DealStatus {
    DealStatus::Published
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct LotRow {
    number: i32,
    title: String,
    #[serde(default)]
    description: String,
    /// Companies House numbers of the lot's suppliers.
    #[serde(default)]
    suppliers: Vec<String>,
    /// Whether the lot offers collection of old devices for reuse or recycling.
    #[serde(default)]
    offers_disposal: bool,
}

/// What a deals import did.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub deals: usize,
    pub added: usize,
    pub updated: usize,
    pub lots: usize,
    pub errors: Vec<RowError>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.errors.is_empty() {
            return writeln!(
                f,
                "deals import: {} deals read; {} added, {} updated in place; {} lots",
                self.deals, self.added, self.updated, self.lots
            );
        }
        writeln!(
            f,
            "deals import: {} problems; nothing was written:",
            self.errors.len()
        )?;
        for e in &self.errors {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

/// The line (from 1) on which each element of the top-level JSON array starts.
fn element_lines(text: &str) -> Vec<u64> {
    let (mut line, mut depth, mut in_string, mut escaped) = (1u64, 0u32, false, false);
    let mut lines = Vec::new();
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                if depth == 1 {
                    lines.push(line);
                }
                depth += 1;
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    lines
}

/// Checks the whole deals file (JSON: an array of deals) and, when nothing is wrong, writes
/// it in one transaction.
pub async fn import(db: &DatabaseConnection, bytes: &[u8]) -> Result<Summary> {
    let mut summary = Summary::default();
    let text = super::decode(bytes);
    let error = |line: Option<u64>, column: Option<String>, message: String| RowError {
        file: "deals",
        line,
        column,
        message,
    };
    let elements: Vec<serde_json::Value> = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            summary.errors.push(error(
                Some(e.line() as u64),
                None,
                format!("not a JSON array of deals: {e}"),
            ));
            return Ok(summary);
        }
    };
    let lines = element_lines(&text);
    summary.deals = elements.len();

    let providers: HashMap<String, Uuid> = provider::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.short_name.to_lowercase(), p.id))
        .collect();
    let categories: HashSet<String> = category::Entity::find()
        .filter(category::Column::Scope.eq("deal"))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.slug)
        .collect();
    let suppliers: HashMap<String, Uuid> = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(OrgKind::Supplier.code()))
        .filter(organisation::Column::CompaniesHouseNumber.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|o| o.companies_house_number.map(|n| (n, o.id)))
        .collect();

    let mut checked: Vec<NewDeal> = Vec::new();
    let mut seen: HashMap<(Uuid, String), u64> = HashMap::new();
    for (i, element) in elements.into_iter().enumerate() {
        let line = lines.get(i).copied();
        let at = |field: &str, message: String| error(line, Some(field.to_owned()), message);
        let row: DealRow = match serde_json::from_value(element) {
            Ok(r) => r,
            Err(e) => {
                summary.errors.push(error(line, None, e.to_string()));
                continue;
            }
        };
        let before = summary.errors.len();
        let provider_id = providers.get(&row.provider.to_lowercase()).copied();
        if provider_id.is_none() {
            summary.errors.push(at(
                "provider",
                format!("no provider has the short name {:?}", row.provider),
            ));
        }
        for c in &row.categories {
            if !categories.contains(c) {
                summary
                    .errors
                    .push(at("categories", format!("{c:?} is not a deal category")));
            }
        }
        let mut lots = Vec::new();
        for (n, lot) in row.lots.iter().enumerate() {
            let mut supplier_ids = Vec::new();
            for number in &lot.suppliers {
                match suppliers.get(number.trim()) {
                    Some(id) => supplier_ids.push(*id),
                    None => summary.errors.push(at(
                        &format!("lots[{n}].suppliers"),
                        format!("no supplier has the Companies House number {number:?}"),
                    )),
                }
            }
            lots.push(NewLot {
                number: lot.number,
                title: lot.title.clone(),
                description: lot.description.clone(),
                supplier_ids,
                offers_disposal: lot.offers_disposal,
            });
        }
        let Some(provider_id) = provider_id else {
            continue;
        };
        let d = NewDeal {
            provider_id,
            reference: row.reference,
            title: row.title,
            summary: row.summary,
            description: row.description,
            how_to_buy: row.how_to_buy,
            categories: row.categories,
            lots,
            eligible_org_types: row.eligible_org_types,
            eligible_phases: row.eligible_phases,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            route_to_market: row.route_to_market,
            typical_savings: row.typical_savings,
            typical_savings_bps: row.typical_savings_bps,
            fees: row.fees,
            dfe_endorsed: row.dfe_endorsed,
            url: row.url,
            status: row.status,
            is_sample: false,
        };
        if let Err(e) = d.validate() {
            summary
                .errors
                .push(at(e.field().unwrap_or("deal"), e.to_string()));
        }
        if let Some(first) = seen.insert((provider_id, d.reference.clone()), line.unwrap_or(0)) {
            summary.errors.push(at(
                "reference",
                format!(
                    "{} {} is also the deal on line {first}",
                    row.provider, d.reference
                ),
            ));
        }
        if summary.errors.len() == before {
            checked.push(d);
        }
    }
    if !summary.errors.is_empty() {
        return Ok(summary);
    }

    let tx = db::begin_write(db).await?;
    for d in checked {
        summary.lots += d.lots.len();
        let existing = deal::Entity::find()
            .filter(deal::Column::ProviderId.eq(d.provider_id))
            .filter(deal::Column::Reference.eq(d.reference.as_str()))
            .one(&tx)
            .await?;
        let after = audit::snapshot(&d)?;
        match existing {
            Some(old) => {
                let before = deals::replace(&tx, old.id, d).await?;
                audit::record_system(
                    &tx,
                    "deal.import",
                    "deal",
                    old.id,
                    Some(deals::deal_snapshot(&before)?),
                    Some(after),
                )
                .await?;
                summary.updated += 1;
            }
            None => {
                let id = deals::insert(&tx, d).await?;
                audit::record_system(&tx, "deal.import", "deal", id, None, Some(after)).await?;
                summary.added += 1;
            }
        }
    }
    db::commit(tx).await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_deal_is_placed_on_the_line_it_starts() {
        let text = "[\n  {\"a\": \"[{\", \"b\": [1]},\n  {\n    \"c\": {}\n  }\n]";
        assert_eq!(element_lines(text), [2, 3]);
    }
}
