//! The one place where domain errors become GraphQL errors.
//!
//! Every error a client sees carries `extensions.code`. Internal and unavailable errors are
//! logged here with the request id; clients get a generic message and never SQL or stack text.

use async_graphql::{ErrorExtensions, Response};
use becta_domain::{Code, Error};

/// Converts a domain error into a GraphQL error with its code (and the field it names, for bad
/// input and conflicts on a field).
pub fn to_gql(err: Error) -> async_graphql::Error {
    match &err {
        Error::Internal(detail) | Error::Unavailable(detail) => {
            tracing::error!(code = %err.code(), detail = %detail, "request failed");
        }
        Error::Provider(f) => {
            tracing::warn!(code = %err.code(), kind = %f.kind, message = %f.message, "payment provider failed");
        }
        _ => {}
    }
    let code = err.code();
    let field = err.field().map(str::to_owned);
    async_graphql::Error::new(err.to_string()).extend_with(|_, e| {
        e.set("code", code.as_str());
        if let Some(f) = &field {
            e.set("field", f.as_str());
        }
    })
}

/// `.gql()` on domain results, so resolvers read `service(...).await.gql()?`.
pub trait GqlResult<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResult<T> for becta_domain::Result<T> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_gql)
    }
}

/// Argument values that pass validation but fail coercion at run time (an explicit `null` for
/// a defaulted non-null argument, a malformed custom scalar) come from async-graphql's
/// `InputValueError`, whose messages start so. They are the client's, not ours.
fn is_input_coercion(message: &str) -> bool {
    message.starts_with("Expected input type \"") || message.starts_with("Failed to parse \"")
}

/// Longest line of an error message: a syntax error quotes the line it failed on, which can be
/// the whole query.
const MAX_LINE_CHARS: usize = 160;

/// The message with every over-long line cut short (the parser's echo of the query), so a
/// refusal never returns the request back.
fn shortened(message: &str) -> Option<String> {
    if message.lines().all(|l| l.chars().count() <= MAX_LINE_CHARS) {
        return None;
    }
    let lines: Vec<String> = message
        .lines()
        .map(|l| match l.char_indices().nth(MAX_LINE_CHARS) {
            Some((cut, _)) => format!("{}…", &l[..cut]),
            None => l.to_owned(),
        })
        .collect();
    Some(lines.join("\n"))
}

/// Gives every error in a response a code. Errors raised before execution (syntax, unknown
/// fields, wrong argument types, depth or complexity limits) have no path: the request itself
/// is at fault. An error with a path but no code would be a resolver bug; it is logged and
/// reported as INTERNAL with a generic message.
pub fn ensure_codes(mut resp: Response) -> Response {
    for e in &mut resp.errors {
        let has_code = e
            .extensions
            .as_ref()
            .is_some_and(|x| x.get("code").is_some());
        if has_code {
            continue;
        }
        if let Some(short) = shortened(&e.message) {
            e.message = short;
        }
        let code = if e.path.is_empty() || is_input_coercion(&e.message) {
            Code::BadUserInput
        } else {
            tracing::error!(message = %e.message, path = ?e.path, "resolver error without a code");
            e.message = "internal error".into();
            Code::Internal
        };
        e.extensions
            .get_or_insert_with(Default::default)
            .set("code", code.as_str());
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(e: &async_graphql::Error) -> Option<String> {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .map(|v| v.to_string())
    }

    #[test]
    fn long_lines_of_a_message_are_cut_short() {
        let echoed = format!(
            "syntax error\n1 | {}\n  = expected selection",
            "x".repeat(100_000)
        );
        let short = shortened(&echoed).unwrap_or_default();
        assert!(short.len() < 400, "{}", short.len());
        assert!(short.starts_with("syntax error\n1 | xxx"));
        assert!(short.ends_with("= expected selection"));
        assert_eq!(shortened("a short message"), None);
    }

    #[test]
    fn every_domain_error_maps_to_its_code() {
        let cases = [
            (Error::bad_input("first", "bad"), "BAD_USER_INPUT"),
            (Error::not_found("deal"), "NOT_FOUND"),
            (Error::Unauthenticated("x".into()), "UNAUTHENTICATED"),
            (Error::Forbidden("x".into()), "FORBIDDEN"),
            (Error::Conflict("x".into()), "CONFLICT"),
            (Error::Unavailable("db down".into()), "UNAVAILABLE"),
            (Error::PaymentsDisabled, "PAYMENTS_DISABLED"),
            (Error::BadSignature("x".into()), "BAD_SIGNATURE"),
            (Error::Internal("SELECT secret".into()), "INTERNAL"),
        ];
        for (err, code) in cases {
            let g = to_gql(err);
            assert_eq!(code_of(&g).as_deref(), Some(format!("\"{code}\"").as_str()));
            assert!(
                !g.message.contains("SELECT"),
                "internal detail leaked: {}",
                g.message
            );
        }
    }

    #[test]
    fn a_provider_failure_is_coded_by_its_kind_and_names_the_field_to_change() {
        use becta_domain::payments::ProviderFailure;
        use becta_domain::vocab::PaymentFailureKind as Kind;
        let failure = |kind, field| {
            Error::Provider(ProviderFailure {
                kind,
                message: "Stripe refused the payment: too large. Check the quantity".into(),
                field,
            })
        };
        let cases = [
            (
                Error::Provider(ProviderFailure::unavailable()),
                "UNAVAILABLE",
                None,
            ),
            (failure(Kind::Declined, None), "CONFLICT", None),
            (failure(Kind::InvalidRequest, None), "CONFLICT", None),
            (
                failure(Kind::InvalidRequest, Some("quantity")),
                "BAD_USER_INPUT",
                Some("\"quantity\""),
            ),
        ];
        for (err, code, field) in cases {
            let message = err.to_string();
            let g = to_gql(err);
            assert_eq!(code_of(&g).as_deref(), Some(format!("\"{code}\"").as_str()));
            let named = g.extensions.as_ref().and_then(|x| x.get("field"));
            assert_eq!(named.map(|v| v.to_string()).as_deref(), field);
            // The school reads what happened and what to do, not a generic message.
            assert_eq!(g.message, message);
        }
    }
}
