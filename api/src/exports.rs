//! CSV downloads: `GET /exports/shortlists/{id}.csv`,
//! `GET /exports/compare.csv?products=a,b&deals=...`, `GET /exports/contracts.csv` and
//! `GET /exports/sector-view.csv`, and a call-off record as `GET /exports/call-offs/{id}.csv`
//! or `.json`.
//!
//! Policy: authorised exactly like the GraphQL fields they mirror (a shortlist needs a bearer
//! token of someone it is shared with; a comparison is public data, though a bad token is
//! still refused), charged to the caller's search rate limit, and written as RFC 4180 CSV in
//! UTF-8 with a byte-order mark, a header row and CRLF line ends. A cell that a spreadsheet
//! would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
//! prefixed with `'`, so it shows as text.

use std::borrow::Cow;

use becta_domain::{Error, compare, competitions, contracts, shortlists};
use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;
use uuid::Uuid;

use crate::admission::{Admission, Cost, admit};
use crate::errors::{domain_error as error_response, unauthenticated};
use crate::state::AppState;

/// A cell a spreadsheet would run as a formula, made text with a leading `'`.
pub fn defused(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// A whole document: a byte-order mark (so spreadsheets read it as UTF-8), then the header and
/// the rows, written by the `csv` crate (RFC 4180 quoting) with CRLF line ends.
pub fn document<S: AsRef<str>>(header: &[S], rows: &[Vec<String>]) -> Result<Vec<u8>, Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer("\u{feff}".as_bytes().to_vec());
    let failed = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    out.write_record(header.iter().map(|h| defused(h.as_ref()).into_owned()))
        .map_err(failed)?;
    for r in rows {
        out.write_record(r.iter().map(|c| defused(c).into_owned()))
            .map_err(failed)?;
    }
    out.into_inner()
        .map_err(|e| Error::Internal(format!("writing CSV: {e}")))
}

/// A file name made of the title's letters and digits.
fn file_name(title: &str) -> String {
    let mut name = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-');
    let name: String = name.chars().take(60).collect();
    if name.is_empty() {
        "export.csv".into()
    } else {
        format!("{name}.csv")
    }
}

fn csv_response(file: &str, body: Result<Vec<u8>, Error>) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(e) => return error_response(e),
    };
    Response::builder()
        .header("content-type", "text/csv; charset=utf-8; header=present")
        .header(
            "content-disposition",
            format!("attachment; filename=\"{}\"", file_name(file)),
        )
        .header("cache-control", "private, no-store")
        .body(body)
}

const ONE_EXPORT: Cost = Cost {
    mutations: 0,
    searches: 1,
};

/// `GET /exports/shortlists/{id}.csv`
#[handler]
pub async fn shortlist_csv(
    req: &Request,
    Path(file): Path<String>,
    Data(state): Data<&AppState>,
    Data(admission): Data<&Admission>,
) -> Response {
    let actor = match admit(req, state, admission, ONE_EXPORT).await {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    let Some(id) = file
        .strip_suffix(".csv")
        .and_then(|id| id.parse::<Uuid>().ok())
    else {
        return error_response(Error::not_found("shortlist"));
    };
    let Some(actor) = actor else {
        return unauthenticated("sign in: send `Authorization: Bearer <token>`", "Bearer");
    };
    match shortlists::table(&state.db, &actor, id).await {
        Ok(t) => csv_response(
            &format!("shortlist {}", t.name),
            document(&t.header, &t.rows),
        ),
        Err(e) => error_response(e),
    }
}

/// `GET /exports/call-offs/{id}.csv` (or `.json`): the call-off record of an awarded
/// competition or direct award, for its school's buyers and admins (`NOT_FOUND` for anyone
/// else, `CONFLICT` before the award). The CSV has one row per fact (section, item, value);
/// the JSON is the record as `callOffRecord` holds it, with every bid's moderated scores.
#[handler]
pub async fn call_off(
    req: &Request,
    Path(file): Path<String>,
    Data(state): Data<&AppState>,
    Data(admission): Data<&Admission>,
) -> Response {
    let actor = match admit(req, state, admission, ONE_EXPORT).await {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    let (id, json) = match (file.strip_suffix(".csv"), file.strip_suffix(".json")) {
        (Some(id), _) => (id.parse::<Uuid>().ok(), false),
        (_, Some(id)) => (id.parse::<Uuid>().ok(), true),
        _ => (None, false),
    };
    let Some(id) = id else {
        return error_response(Error::not_found("call-off record"));
    };
    let Some(actor) = actor else {
        return unauthenticated("sign in: send `Authorization: Bearer <token>`", "Bearer");
    };
    if json {
        return match competitions::call_off_record(&state.db, &actor, id).await {
            Ok(r) => match serde_json::to_vec_pretty(&r) {
                Ok(body) => Response::builder()
                    .header("content-type", "application/json")
                    .header(
                        "content-disposition",
                        format!(
                            "attachment; filename=\"{}\"",
                            file_name(&format!("call-off {}", r.title)).replace(".csv", ".json")
                        ),
                    )
                    .header("cache-control", "private, no-store")
                    .body(body),
                Err(e) => error_response(Error::Internal(format!("writing JSON: {e}"))),
            },
            Err(e) => error_response(e),
        };
    }
    match competitions::record_table(&state.db, &actor, id).await {
        Ok((name, rows)) => csv_response(&name, document(&competitions::RECORD_HEADER, &rows)),
        Err(e) => error_response(e),
    }
}

#[derive(Deserialize)]
pub struct CompareParams {
    /// Comma-separated product ids.
    products: Option<String>,
    /// Comma-separated deal ids.
    deals: Option<String>,
}

fn ids(field: &str, list: &str) -> Result<Vec<Uuid>, Error> {
    list.split(',')
        .map(|s| {
            s.trim().parse().map_err(|_| {
                Error::bad_input(field, format!("`{field}` must be comma-separated ids"))
            })
        })
        .collect()
}

/// `GET /exports/compare.csv?products=a,b,c` (or `deals=...`): one row per attribute, one
/// column per record, and whether they differ.
#[handler]
pub async fn comparison(
    req: &Request,
    Query(params): Query<CompareParams>,
    Data(state): Data<&AppState>,
    Data(admission): Data<&Admission>,
) -> Response {
    if let Err(refused) = admit(req, state, admission, ONE_EXPORT).await {
        return refused;
    }
    let db = &state.db;
    let (title, result) = match (params.products.as_deref(), params.deals.as_deref()) {
        (Some(p), None) => match ids("products", p) {
            Ok(ids) => ("compare products", compare::products(db, &ids).await),
            Err(e) => return error_response(e),
        },
        (None, Some(d)) => match ids("deals", d) {
            Ok(ids) => ("compare deals", compare::deals(db, &ids).await),
            Err(e) => return error_response(e),
        },
        _ => {
            return error_response(Error::bad_input(
                "products",
                "give `products` or `deals`: 2 to 6 comma-separated ids",
            ));
        }
    };
    let c = match result {
        Ok(c) => c,
        Err(e) => return error_response(e),
    };
    let mut header = vec!["Attribute".to_owned()];
    header.extend(c.columns.iter().map(|col| match &col.name {
        Some(n) => n.clone(),
        None => format!("{} (not found)", col.id),
    }));
    header.push("Differs".into());
    let rows: Vec<Vec<String>> = c
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![r.label.to_owned()];
            row.extend(r.values.iter().map(|v| v.clone().unwrap_or_default()));
            row.push(if r.differs { "yes" } else { "no" }.into());
            row
        })
        .collect();
    csv_response(title, document(&header, &rows)).into_response()
}

#[derive(Deserialize)]
pub struct ContractsParams {
    /// One school's register (of the schools the caller acts for).
    #[serde(rename = "schoolId")]
    school_id: Option<String>,
}

/// `GET /exports/contracts.csv[?schoolId=...]`: the contracts register, scoped as
/// `myContracts` is (a school buyer's school, or a trust-scoped buyer's schools).
#[handler]
pub async fn contracts_csv(
    req: &Request,
    Query(params): Query<ContractsParams>,
    Data(state): Data<&AppState>,
    Data(admission): Data<&Admission>,
) -> Response {
    let actor = match admit(req, state, admission, ONE_EXPORT).await {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    let Some(actor) = actor else {
        return unauthenticated("sign in: send `Authorization: Bearer <token>`", "Bearer");
    };
    let school = match params.school_id.as_deref().map(str::parse::<Uuid>) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            return error_response(Error::bad_input(
                "schoolId",
                "`schoolId` is not a valid id: expected a UUID",
            ));
        }
    };
    match contracts::table(&state.db, &actor, school).await {
        Ok(rows) => csv_response(
            "contracts register",
            document(&contracts::TABLE_HEADER, &rows),
        ),
        Err(e) => error_response(e),
    }
}

#[derive(Deserialize)]
pub struct SectorParams {
    /// `region` (default), `phase` or `region_and_phase`.
    by: Option<String>,
}

/// `GET /exports/sector-view.csv?by=region|phase|region_and_phase`: the public sector view
/// (rounded, small groups suppressed), one row per group and standard; the trials and savings
/// columns are the group's and repeat on each of its rows.
#[handler]
pub async fn sector_view(
    req: &Request,
    Query(params): Query<SectorParams>,
    Data(state): Data<&AppState>,
    Data(admission): Data<&Admission>,
) -> Response {
    use becta_domain::maturity::{SectorAudience, SectorGrouping, sector};
    if let Err(refused) = admit(req, state, admission, ONE_EXPORT).await {
        return refused;
    }
    let grouping = match params.by.as_deref().unwrap_or("region") {
        "region" => SectorGrouping::Region,
        "phase" => SectorGrouping::Phase,
        "region_and_phase" => SectorGrouping::RegionAndPhase,
        _ => {
            return error_response(Error::bad_input(
                "by",
                "`by` must be region, phase or region_and_phase",
            ));
        }
    };
    let view = match sector::view(&state.db, SectorAudience::Public, grouping).await {
        Ok(v) => v,
        Err(e) => return error_response(e),
    };
    let header = [
        "Region",
        "Phase",
        "Standard",
        "Core standard",
        "Schools in group",
        "Schools assessed",
        "Met %",
        "Partly met %",
        "Not met %",
        "Not sure %",
        "Trials started",
        "Trials converted",
        "Savings (GBP)",
        "Carbon saved (kg CO2e)",
        "Note",
    ];
    let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let mut rows = Vec::new();
    for g in &view.groups {
        for s in &g.standards {
            let standard = view.content.standard(&s.standard_slug);
            let share = |m: becta_domain::vocab::Maturity| {
                s.shares
                    .iter()
                    .find(|(x, _)| *x == m)
                    .map(|(_, p)| p.to_string())
                    .unwrap_or_default()
            };
            let note: Vec<&str> = [
                &s.suppressed,
                &g.trials_suppressed,
                &g.savings_suppressed,
                &g.carbon_suppressed,
            ]
            .into_iter()
            .filter_map(|r| r.as_deref())
            .collect();
            use becta_domain::vocab::Maturity as M;
            rows.push(vec![
                g.region
                    .map(|r| r.label().to_owned())
                    .unwrap_or_else(|| "All".into()),
                g.phase
                    .map(|p| p.label().to_owned())
                    .unwrap_or_else(|| "All".into()),
                standard
                    .map(|s| s.name.clone())
                    .unwrap_or_else(|| s.standard_slug.clone()),
                if standard.is_some_and(|s| s.is_core) {
                    "yes"
                } else {
                    "no"
                }
                .into(),
                g.schools.to_string(),
                opt(s.schools_assessed),
                share(M::Met),
                share(M::PartlyMet),
                share(M::NotMet),
                share(M::NotSure),
                opt(g.trials_started),
                opt(g.trials_converted),
                opt(g.savings_pence.map(|p| p / 100)),
                opt(g.carbon_saved_kg),
                note.join("; "),
            ]);
        }
    }
    csv_response("sector view", document(&header, &rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(header: &[&str], rows: &[Vec<String>]) -> String {
        let bytes = document(header, rows).unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }

    #[test]
    fn formulas_become_text() {
        for hostile in ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            let doc = text(&["A"], &[vec![hostile.into()]]);
            let cell = doc.split("\r\n").nth(1).unwrap_or_default();
            assert!(
                cell.trim_start_matches('"').starts_with('\''),
                "{hostile}: {doc:?}"
            );
        }
        assert_eq!(
            text(&["A"], &[vec!["a \"quote\", and a comma".into()]]),
            "\u{feff}A\r\n\"a \"\"quote\"\", and a comma\"\r\n"
        );
        assert_eq!(
            text(&["A"], &[vec!["=HYPERLINK(\"x\")".into()]]),
            "\u{feff}A\r\n\"'=HYPERLINK(\"\"x\"\")\"\r\n"
        );
    }

    #[test]
    fn documents_end_lines_with_crlf() {
        let doc = text(&["A", "B"], &[vec!["1".into(), "two\nlines".into()]]);
        assert_eq!(doc, "\u{feff}A,B\r\n1,\"two\nlines\"\r\n");
    }

    #[test]
    fn file_names_are_plain() {
        assert_eq!(
            file_name("shortlist Devices: 2027/28!"),
            "shortlist-devices-2027-28.csv"
        );
        assert_eq!(file_name("\"; rm"), "rm.csv");
        assert_eq!(file_name("..."), "export.csv");
    }
}
