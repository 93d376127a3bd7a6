//! CSV downloads: `GET /exports/shortlists/{id}.csv` and
//! `GET /exports/compare.csv?products=a,b&deals=...`.
//!
//! Policy: authorised exactly like the GraphQL fields they mirror (a shortlist needs a bearer
//! token of someone it is shared with; a comparison is public data, though a bad token is
//! still refused), charged to the caller's search rate limit, and written as RFC 4180 CSV in
//! UTF-8 with a byte-order mark, a header row and CRLF line ends. A cell that a spreadsheet
//! would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
//! prefixed with `'`, so it shows as text.

use becta_domain::{Error, compare, shortlists};
use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;
use uuid::Uuid;

use crate::admission::Cost;
use crate::http::{Http, admit, domain_error as error_response};

/// One CSV field: escaped against formulas, quoted when it holds a quote, comma or line end.
pub fn cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains(['"', ',', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// A whole document: a byte-order mark (so spreadsheets read it as UTF-8), then the header and
/// the rows, each ended by CRLF.
pub fn document<S: AsRef<str>>(header: &[S], rows: &[Vec<String>]) -> String {
    let mut out = String::from("\u{feff}");
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let cells: Vec<String> = cells.map(cell).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    line(&mut header.iter().map(AsRef::as_ref));
    for r in rows {
        line(&mut r.iter().map(String::as_str));
    }
    out
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

fn csv_response(file: &str, body: String) -> Response {
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
    Data(http): Data<&Http>,
) -> Response {
    let actor = match admit(req, http, ONE_EXPORT).await {
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
        let mut resp = error_response(Error::Unauthenticated(
            "sign in: send `Authorization: Bearer <token>`".into(),
        ));
        resp.headers_mut().insert(
            "www-authenticate",
            poem::http::HeaderValue::from_static("Bearer"),
        );
        return resp;
    };
    match shortlists::table(&http.state.db, &actor, id).await {
        Ok(t) => csv_response(
            &format!("shortlist {}", t.name),
            document(&t.header, &t.rows),
        ),
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
    Data(http): Data<&Http>,
) -> Response {
    if let Err(refused) = admit(req, http, ONE_EXPORT).await {
        return refused;
    }
    let db = &http.state.db;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text() {
        for hostile in ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert!(
                cell(hostile).trim_start_matches('"').starts_with('\''),
                "{hostile}"
            );
        }
        assert_eq!(cell("plain"), "plain");
        assert_eq!(
            cell("a \"quote\", and a comma"),
            "\"a \"\"quote\"\", and a comma\""
        );
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }

    #[test]
    fn documents_end_lines_with_crlf() {
        let doc = document(&["A", "B"], &[vec!["1".into(), "two\nlines".into()]]);
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
