//! Export: a shortlist as a table, one row per item.

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::items::{items, referenced};
use super::sharing::get;
use crate::Result;
use crate::actor::Actor;
use crate::catalogue::deals;
use crate::entity::shortlist_item;
use crate::vocab::Decision;

/// A shortlist as a table, for export: one row per item, values as a buyer reads them (labels,
/// not codes; prices as "£1,925 per school per year").
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// The columns of [`table`].
pub const TABLE_HEADER: &[&str] = &[
    "Position",
    "Type",
    "Name",
    "Supplier or provider",
    "Price or typical savings",
    "Ends on",
    "Availability",
    "Decision",
    "Reason",
    "Note",
    "Id",
];

/// The shortlist `id` as a table, if `actor` may read it.
pub async fn table(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<Table> {
    let s = get(db, actor, id).await?;
    let items = items(db, id).await?;
    let rows: Vec<shortlist_item::Model> = items.iter().map(|v| v.item.clone()).collect();
    let (products, deals) = referenced(db, &rows).await?;
    let suppliers: Vec<Uuid> = products.values().map(|p| p.supplier_id).collect();
    let suppliers = crate::catalogue::organisations::by_ids(db, &suppliers).await?;
    let providers: Vec<Uuid> = deals.values().map(|d| d.provider_id).collect();
    let providers = deals::providers_by_id(db, &providers).await?;
    let rows = items
        .into_iter()
        .map(|v| {
            let i = &v.item;
            let (kind, party, price, ends) = match (i.product_id, i.deal_id) {
                (Some(p), _) => {
                    let p = products.get(&p);
                    (
                        "Product",
                        p.and_then(|p| suppliers.get(&p.supplier_id))
                            .map(|o| o.name.clone()),
                        p.and_then(|p| {
                            crate::vocab::PricingModel::from_code(&p.pricing_model)
                                .map(|m| m.display(p.price_pence))
                        }),
                        None,
                    )
                }
                (None, d) => {
                    let d = d.and_then(|d| deals.get(&d));
                    (
                        "Deal",
                        d.and_then(|d| providers.get(&d.provider_id))
                            .map(|p| p.name.clone()),
                        d.map(deals::savings_display),
                        d.map(|d| d.ends_on.to_string()),
                    )
                }
            };
            let decision = Decision::from_code(&i.decision).unwrap_or(Decision::Undecided);
            vec![
                i.position.to_string(),
                kind.to_owned(),
                i.title.clone(),
                party.unwrap_or_default(),
                price.unwrap_or_default(),
                ends.unwrap_or_default(),
                match v.availability_note {
                    Some(note) => format!("{}: {note}", v.availability.label()),
                    None => v.availability.label().to_owned(),
                },
                decision.label().to_owned(),
                i.reason.clone().unwrap_or_default(),
                i.note.clone().unwrap_or_default(),
                i.product_id
                    .or(i.deal_id)
                    .map(|u| u.to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    Ok(Table {
        name: s.name,
        header: TABLE_HEADER.to_vec(),
        rows,
    })
}
