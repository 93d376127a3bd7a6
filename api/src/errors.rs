//! Error answers outside GraphQL results: refusals before an operation runs and the plain HTTP
//! routes (exports, webhooks). One JSON body shape, the same as a GraphQL error's, with the code
//! and HTTP status from the one table, [`becta_domain::Code`].
//!
//! Policy: internal and unavailable errors are logged with their detail; the client gets the
//! domain error's safe message only.

use becta_domain::{Code, Error};
use poem::http::StatusCode;
use poem::web::Json;
use poem::{IntoResponse, Response};
use serde_json::json;

/// An answer with `code`'s status and `{"errors": [{"message", "extensions": {"code"}}]}`.
pub fn error_response(code: Code, message: &str) -> Response {
    respond(code, json!({ "code": code.as_str() }), message)
}

/// A rate-limit refusal: `RATE_LIMITED`, `Retry-After` and `extensions.retryAfterSeconds`.
pub fn rate_limited(retry_after_seconds: u64) -> Response {
    let code = Code::RateLimited;
    let message = format!("too many requests: retry after {retry_after_seconds} seconds");
    let extensions = json!({ "code": code.as_str(), "retryAfterSeconds": retry_after_seconds });
    let mut resp = respond(code, extensions, &message);
    resp.headers_mut()
        .insert("retry-after", retry_after_seconds.into());
    resp
}

/// A refused or missing bearer token: `UNAUTHENTICATED` with `WWW-Authenticate`.
pub fn unauthenticated(message: &str, challenge: &'static str) -> Response {
    let mut resp = error_response(Code::Unauthenticated, message);
    resp.headers_mut().insert(
        "www-authenticate",
        poem::http::HeaderValue::from_static(challenge),
    );
    resp
}

/// A domain error as a plain HTTP answer; internal details are logged, never sent.
pub fn domain_error(e: Error) -> Response {
    if let Error::Unavailable(detail) | Error::Internal(detail) = &e {
        tracing::error!(code = %e.code(), %detail, "request failed");
    }
    error_response(e.code(), &e.to_string())
}

fn respond(code: Code, extensions: serde_json::Value, message: &str) -> Response {
    let status =
        StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = Json(json!({ "errors": [{ "message": message, "extensions": extensions }] }))
        .with_status(status)
        .into_response();
    // For the error count of `/metrics`.
    resp.extensions_mut().insert(code);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_real_http_status() {
        for code in Code::ALL {
            let status = StatusCode::from_u16(code.http_status());
            assert!(status.is_ok(), "{code}");
            let resp = error_response(code, "x");
            assert_eq!(resp.status().as_u16(), code.http_status(), "{code}");
        }
    }

    #[tokio::test]
    async fn internal_detail_never_reaches_the_client() {
        let resp = domain_error(Error::Internal("SELECT secret FROM users".into()));
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = resp.into_body().into_string().await.unwrap_or_default();
        assert!(body.contains("\"INTERNAL\""), "{body}");
        assert!(!body.contains("SELECT"), "{body}");
    }

    /// The rows of the README's error table: (code, HTTP status).
    fn readme_codes() -> Vec<(String, u16)> {
        let readme = include_str!("../../README.md");
        let section = readme
            .split("\n## Errors\n")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap_or_default();
        section
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let code = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                let status = cells.get(2)?.parse().ok()?;
                Some((code.to_owned(), status))
            })
            .collect()
    }

    #[test]
    fn the_readme_error_table_is_the_code_table() {
        let documented = readme_codes();
        let defined: Vec<(String, u16)> = Code::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.http_status()))
            .collect();
        assert_eq!(
            documented, defined,
            "README.md's `## Errors` table (code, HTTP status) must list Code::ALL in order"
        );
    }
}
