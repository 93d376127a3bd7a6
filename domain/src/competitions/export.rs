//! The call-off record as a table for a CSV download: one row per fact, as people read them
//! (dates as YYYY-MM-DD, money in pounds with pence, scores out of 100 with two decimals).

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::record::{CallOffRecord, call_off_record};
use crate::Result;
use crate::actor::Actor;

/// The header row.
pub const RECORD_HEADER: [&str; 3] = ["Section", "Item", "Value"];

fn pounds(pence: i64) -> String {
    format!("{}.{:02}", pence / 100, pence % 100)
}

fn points(hundredths: i64) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

fn rows(r: &CallOffRecord) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut row = |s: &str, i: &str, v: String| out.push(vec![s.into(), i.into(), v]);
    row("Call-off", "Title", r.title.clone());
    row("Call-off", "Requirement", r.requirement.clone());
    row("Call-off", "School", r.school.clone());
    row(
        "Call-off",
        "School URN",
        r.school_urn.map(|u| u.to_string()).unwrap_or_default(),
    );
    row("Call-off", "Quantity", r.quantity.to_string());
    row("Call-off", "Term (months)", r.term_months.to_string());
    row("Framework", "Framework", r.framework.clone());
    row("Framework", "Provider", r.provider.clone());
    row(
        "Framework",
        "Provider reference",
        r.provider_reference.clone(),
    );
    row("Framework", "Lot", r.lot.clone());
    row("Route", "Route", r.route.clone());
    row("Route", "Justification", r.route_justification.clone());
    if let Some(rule) = &r.selection_rule {
        row("Route", "Framework selection rule", rule.clone());
    }
    for c in &r.criteria {
        row(
            "Criterion",
            &c.name,
            match &c.refinement {
                Some(refined) => format!("weight {}; refined: {refined}", c.weight),
                None => format!("weight {}", c.weight),
            },
        );
    }
    if r.scale_max > 0 {
        for (i, d) in r.scale_descriptors.iter().enumerate() {
            row("Scale", &i.to_string(), d.clone());
        }
    }
    for i in &r.invited {
        row(
            "Invited",
            &i.supplier,
            match &i.declined_at {
                Some(d) => format!(
                    "invited {}; declined {}{}",
                    i.invited_at.date_naive(),
                    d.date_naive(),
                    i.decline_reason
                        .as_ref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                ),
                None => format!("invited {}", i.invited_at.date_naive()),
            },
        );
    }
    for b in &r.bids_received {
        row(
            "Bid",
            &b.supplier,
            format!(
                "price {}; total {}; rank {}",
                pounds(b.price_pence),
                b.total_hundredths.map(points).unwrap_or_default(),
                b.rank.map(|r| r.to_string()).unwrap_or_default()
            ),
        );
        for s in &b.moderated_scores {
            row(
                "Moderated score",
                &format!("{}: {}", b.supplier, s.criterion),
                format!("{} ({})", s.score, s.rationale),
            );
        }
    }
    for e in &r.evaluators {
        row(
            "Conflict of interest declaration",
            &e.evaluator_id.to_string(),
            format!(
                "{}: {}",
                if e.has_conflict {
                    "conflict"
                } else {
                    "no conflict"
                },
                e.declaration
            ),
        );
    }
    row("Award", "Supplier", r.awarded_supplier.clone());
    row("Award", "Awarded on", r.awarded_at.date_naive().to_string());
    row(
        "Award",
        "Top-ranked bid",
        if r.award_is_top_ranked { "yes" } else { "no" }.into(),
    );
    if let Some(reason) = &r.award_reason {
        row("Award", "Reason", reason.clone());
    }
    row(
        "Award",
        "Standstill (working days)",
        r.standstill_working_days
            .map(|d| d.to_string())
            .unwrap_or_else(|| "none".into()),
    );
    if let Some(t) = r.standstill_ends_at {
        row("Award", "Standstill ends", t.date_naive().to_string());
    }
    row("Value", "Value before VAT (GBP)", pounds(r.value_pence));
    row("Value", "VAT (GBP)", pounds(r.vat_pence));
    row(
        "Value",
        "Whole-life value including VAT (GBP)",
        pounds(r.whole_life_value_pence),
    );
    row(
        "Value",
        "Threshold including VAT (GBP)",
        pounds(r.threshold_pence),
    );
    row(
        "Value",
        "Above threshold",
        if r.above_threshold { "yes" } else { "no" }.into(),
    );
    for n in &r.notices {
        row(
            "Notice due",
            &n.notice,
            format!("{} ({})", n.due_on, n.rule),
        );
    }
    out
}

/// The call-off record's rows.
pub async fn record_table(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<(String, Vec<Vec<String>>)> {
    let r = call_off_record(db, actor, id).await?;
    Ok((format!("call-off {}", r.title), rows(&r)))
}
