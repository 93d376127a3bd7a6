//! GraphiQL as a developer meets it: opened in a real browser (headless Chromium) on a machine
//! with no internet access, it loads from the server alone, runs a query and shows the answer.

use std::time::Duration;

use anyhow::{Context, Result};

use crate::common::chromium::Browser;
use crate::common::{fixture, spawn_app};

const QUERY: &str = "query DealTitles { deals(first: 5) { edges { node { title } } } }";

#[tokio::test]
async fn graphiql_runs_a_query_in_headless_chromium_with_no_internet() -> Result<()> {
    let app = spawn_app().await?;
    fixture::load(&app.db).await?;
    let page_url =
        reqwest::Url::parse_with_params(&format!("{}/graphql", app.url), [("query", QUERY)])?;
    let origin = app.url.clone();

    let (answer, traffic) = tokio::task::spawn_blocking(move || -> Result<_> {
        let mut browser = Browser::launch()?;
        let mut page = browser.page()?;
        page.goto(page_url.as_str())?;
        let limit = Duration::from_secs(60);
        // GraphiQL has started, with the query from the address in its editor.
        page.wait_for("!!document.querySelector('.graphiql-execute-button')", limit)?;
        page.wait_for(
            "[...document.querySelectorAll('.graphiql-query-editor .CodeMirror-line')].map(l => l.textContent).join(' ').includes('DealTitles')",
            limit,
        )?;
        page.eval("document.querySelector('.graphiql-execute-button').click()")?;
        // The answer, as the result pane shows it.
        let answer = page.wait_for(
            "(() => { const r = document.querySelector('.result-window'); const t = r ? r.innerText : ''; return t.includes('title') ? t : ''; })()",
            limit,
        )?;
        Ok((answer, std::mem::take(&mut page.traffic)))
    })
    .await??;

    let answer = answer.as_str().context("the result pane's text")?;
    for title in ["Current Devices Deal", "Current Licences Deal"] {
        assert!(
            answer.contains(title),
            "{title} not in the result pane: {answer}"
        );
    }
    // Everything came from the server under test: nothing was even asked of another host.
    assert!(
        traffic
            .requests
            .iter()
            .any(|u| u.contains("/graphiql/graphiql-3.8.3.min.js")),
        "{:?}",
        traffic.requests
    );
    let elsewhere: Vec<&String> = traffic
        .requests
        .iter()
        .filter(|u| !(u.starts_with(&origin) || u.starts_with("data:")))
        .collect();
    assert!(
        elsewhere.is_empty(),
        "requests off the machine: {elsewhere:?}"
    );
    assert!(
        traffic.failures.is_empty(),
        "failed loads: {:?}",
        traffic.failures
    );
    Ok(())
}
