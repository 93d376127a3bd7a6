//! The contracts register as a CSV download: its header, its rows as `myContracts` orders
//! them, quoting for spreadsheets, and who may download it.

use anyhow::Result;
use becta_domain::vocab::Role;
use serde_json::json;

use super::register::{added, elsewhere, schools};
use crate::common::{column, fixture, parse_csv};

#[tokio::test]
async fn the_csv_export_has_the_registers_rows_quoted_for_spreadsheets() -> Result<()> {
    let s = schools().await?;
    let mut input = elsewhere("=HYPERLINK(\"http://x\")");
    input["notes"] = json!("Renew with \"Acme\", or move, by spring");
    input["supplierName"] = json!("Acme, Cloud & Co");
    added(&s.app, &s.lone, input).await?;
    added(
        &s.app,
        &s.lone,
        json!({ "productId": s.f.products["Alpha Phonics"].to_string(),
                "dealId": s.f.deals["Current Licences Deal"].to_string(),
                "startsOn": "2026-09-01", "endsOn": "2027-08-31", "autoRenews": false,
                "noticeDays": 30, "annualCostPence": 27_005, "licencesBought": 100 }),
    )
    .await?;

    let (status, headers, body) = s
        .app
        .get_as(Some(&s.lone), "/exports/contracts.csv")
        .await?;
    assert_eq!(status, 200, "{body}");
    assert!(
        headers["content-type"]
            .to_str()?
            .starts_with("text/csv; charset=utf-8")
    );
    assert!(
        headers["content-disposition"]
            .to_str()?
            .contains("contracts-register.csv")
    );
    let (header, rows) = parse_csv(&body)?;
    assert_eq!(
        header,
        becta_domain::contracts::TABLE_HEADER
            .iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(rows.len(), 2);
    // As `myContracts` orders them: the earlier notice date first.
    let get =
        |r: usize, name: &str| -> Result<String> { Ok(rows[r][column(&header, name)?].clone()) };
    assert_eq!(get(0, "Product")?, "Alpha Phonics");
    assert_eq!(get(0, "Supplier")?, "Alpha Learning Ltd");
    assert_eq!(get(0, "Deal")?, "Current Licences Deal");
    assert_eq!(get(0, "Source")?, "Added by the school");
    assert_eq!(get(0, "Annual cost (GBP, before VAT)")?, "270.05");
    assert_eq!(get(0, "Notice date")?, "2027-08-01");
    assert_eq!(get(0, "Next reminder")?, "2027-05-03");
    assert_eq!(get(0, "Auto-renews")?, "no");
    assert_eq!(get(0, "Licences in use")?, "");
    assert_eq!(get(1, "School")?, get(0, "School")?);
    assert_eq!(get(1, "URN")?, fixture::SCHOOL_URN.to_string());
    assert_eq!(
        get(1, "Product")?,
        "'=HYPERLINK(\"http://x\")",
        "a formula is text"
    );
    assert_eq!(get(1, "Supplier")?, "Acme, Cloud & Co");
    assert_eq!(get(1, "Notes")?, "Renew with \"Acme\", or move, by spring");
    assert_eq!(get(1, "Auto-renews")?, "yes");
    assert_eq!(get(1, "Licences in use")?, "1100");
    assert!(
        body.contains("\"Renew with \"\"Acme\"\", or move, by spring\""),
        "RFC 4180 quoting: {body}"
    );

    // One school's rows, and who may not download.
    let (_, _, one) = s
        .app
        .get_as(
            Some(&s.lone),
            &format!("/exports/contracts.csv?schoolId={}", s.f.school),
        )
        .await?;
    assert_eq!(parse_csv(&one)?.1.len(), 2);
    let (status, _, _) = s
        .app
        .get_as(Some(&s.lone), "/exports/contracts.csv?schoolId=x")
        .await?;
    assert_eq!(status, 400);
    let (status, _, _) = s.app.get_as(None, "/exports/contracts.csv").await?;
    assert_eq!(status, 401);
    let supplier = s.app.token(Role::Supplier, Some(&s.f.alpha.to_string()));
    let (status, _, _) = s
        .app
        .get_as(Some(&supplier), "/exports/contracts.csv")
        .await?;
    assert_eq!(status, 403);
    Ok(())
}
