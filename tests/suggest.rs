//! Typeahead (`suggest`) and help for searches that find nothing (`didYouMean`), as a buyer
//! meets them: the first letters of any word of a name, a typo, only public records, new
//! names once approved, and respellings that find records.

use anyhow::Result;
use becta_domain::sea_orm::{ConnectionTrait, DbBackend, Statement};
use becta_domain::vocab::Role;
use serde_json::{Value, json};

use crate::common::{error_codes, fixture, flows, spawn_app};

const SUGGEST: &str =
    "query($p: String!, $n: Int) { suggest(prefix: $p, first: $n) { text kind id } }";

fn shown(v: &Value) -> Vec<(String, String)> {
    v["suggest"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s["text"].as_str().unwrap_or_default().to_owned(),
                        s["kind"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(t, k)| ((*t).to_owned(), (*k).to_owned()))
        .collect()
}

#[tokio::test]
async fn the_first_letters_typed_suggest_public_names_of_every_kind_typos_included() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let suggest = |p: &'static str| app.data(SUGGEST, json!({ "p": p }));

    // A supplier and its public products; never its draft or rejected listings.
    let alpha = suggest("alph").await?;
    assert_eq!(
        shown(&alpha),
        pairs(&[
            ("Alpha Learning Ltd", "SUPPLIER"),
            ("Alpha Phonics", "PRODUCT"),
            ("Alpha Times Tables", "PRODUCT"),
            ("Alpha Sixth Form Tracker", "PRODUCT"),
        ])
    );
    assert_eq!(alpha["suggest"][0]["id"], f.alpha.to_string());
    assert_eq!(
        alpha["suggest"][1]["id"],
        f.products["Alpha Phonics"].to_string()
    );
    let beta = shown(&suggest("BETA").await?);
    assert!(
        beta.iter()
            .all(|(t, _)| !t.contains("Draft") && !t.contains("Rejected")),
        "{beta:?}"
    );

    // Any word of a name; a name that starts with the letters comes first.
    assert_eq!(
        shown(&suggest("dev").await?),
        pairs(&[
            ("devices", "CATEGORY"),
            ("Beta Devices Ltd", "SUPPLIER"),
            ("Current Devices Deal", "DEAL"),
            ("Upcoming Devices Deal", "DEAL"),
        ])
    );
    // A typo from the fifth letter on.
    let typo = shown(&suggest("safegard").await?);
    assert_eq!(
        typo,
        pairs(&[
            ("safeguarding behaviour", "CATEGORY"),
            ("Beta Safeguard", "PRODUCT")
        ])
    );
    assert_eq!(
        shown(&app.data(SUGGEST, json!({ "p": "alpha", "n": 2 })).await?).len(),
        2
    );
    assert!(shown(&suggest("zzzz").await?).is_empty());
    assert!(shown(&suggest("  ").await?).is_empty());

    for (vars, field) in [
        (json!({ "p": "a", "n": 0 }), "first"),
        (json!({ "p": "a", "n": 21 }), "first"),
        (json!({ "p": "a".repeat(101) }), "prefix"),
    ] {
        let body = app.gql(SUGGEST, vars.clone()).await?;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{vars}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    Ok(())
}

#[tokio::test]
async fn a_product_is_suggested_once_approved_and_never_once_withdrawn() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let admin = app.token(Role::Admin, None);
    let names = |v: Value| -> Vec<String> { shown(&v).into_iter().map(|(t, _)| t).collect() };

    flows::create(&app, &supplier, "Quillwort Reading Journal").await?;
    assert!(
        names(app.data(SUGGEST, json!({ "p": "quill" })).await?).is_empty(),
        "a draft"
    );
    flows::approved(&app, &supplier, &admin, "Quillwort Spelling Coach").await?;
    assert_eq!(
        names(app.data(SUGGEST, json!({ "p": "quill" })).await?),
        ["Quillwort Spelling Coach"]
    );

    // A status changed behind the catalogue's back (another process, no outbox row yet)
    // still hides the product: what a suggestion names is checked when it is shown.
    let id = f.products["Alpha Phonics"];
    let hide = match app.db.get_database_backend() {
        DbBackend::Postgres => "UPDATE products SET status = 'withdrawn' WHERE id = $1",
        _ => "UPDATE products SET status = 'withdrawn' WHERE id = ?",
    };
    app.db
        .execute_raw(Statement::from_sql_and_values(
            app.db.get_database_backend(),
            hide,
            [id.into()],
        ))
        .await?;
    assert_eq!(
        names(app.data(SUGGEST, json!({ "p": "alpha ph" })).await?),
        Vec::<String>::new()
    );
    Ok(())
}

const SEARCH_HELP: &str = "query($q: String!) {
  searchProducts(query: $q) { totalHits didYouMean { unmatchedWords spellings broaderQuery } }
  searchDeals(query: $q) { totalHits didYouMean { unmatchedWords spellings broaderQuery } }
}";

#[tokio::test]
async fn a_search_that_finds_nothing_says_which_words_matched_nothing_and_what_would_find_records()
-> Result<()> {
    let app = spawn_app().await?;
    fixture::load(&app.db).await?;
    app.wait_for_search().await?;

    // With the default strategy words are dropped from the end, so a search finds nothing
    // when its first word matches nothing: "quokka" is in no record.
    let d = app
        .data(SEARCH_HELP, json!({ "q": "quokka phonics" }))
        .await?;
    let help = &d["searchProducts"];
    assert_eq!(help["totalHits"], 0, "{d}");
    assert_eq!(
        help["didYouMean"],
        json!({ "unmatchedWords": ["quokka"], "spellings": [], "broaderQuery": "phonics" })
    );
    // "fonics" is beyond the typo budget of search (two edits), not of spelling help.
    let d = app.data(SEARCH_HELP, json!({ "q": "fonics" })).await?;
    assert_eq!(
        d["searchProducts"]["didYouMean"],
        json!({ "unmatchedWords": ["fonics"], "spellings": ["phonics"], "broaderQuery": null }),
        "{d}"
    );
    // Deals get their own help; a search with hits gets none.
    let d = app.data(SEARCH_HELP, json!({ "q": "devisses" })).await?;
    assert_eq!(d["searchDeals"]["totalHits"], 0, "{d}");
    assert_eq!(
        d["searchDeals"]["didYouMean"]["spellings"],
        json!(["devices"])
    );
    let d = app.data(SEARCH_HELP, json!({ "q": "phonics" })).await?;
    assert_eq!(d["searchProducts"]["didYouMean"], Value::Null);
    Ok(())
}
