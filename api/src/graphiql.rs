//! GraphiQL at `GET /graphql`, working with no internet access: the page and every file it
//! loads come from this server, built into the binary.
//!
//! Policy: GraphiQL 3.8.3 with React 18.3.1 (MIT), the npm packages' own prebuilt browser
//! files, vendored gzipped into `api/assets/graphiql/` by its `vendor.sh` (pinned versions,
//! checked against the registry's integrity hashes); our own `index.html` and `start.js`
//! start it. The page's Content-Security-Policy allows this server only (inline styles and
//! `data:` fonts and images aside, which GraphiQL's stylesheet uses), so a browser loads
//! nothing from elsewhere. File names carry their versions and are cached for a year.
//! `BECTA_GRAPHIQL` turns the page off (off by default in production).

use becta_domain::Code;
use poem::http::StatusCode;
use poem::{IntoResponse, Request, Response, Route, get, handler};

use crate::errors::error_response;

const PAGE: &str = include_str!("../assets/graphiql/index.html");
const START_JS: &str = include_str!("../assets/graphiql/start.js");

/// (path under `/graphiql/`, content type, gzipped bytes)
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql-3.8.3.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/graphiql.min.js.gz"),
    ),
    (
        "graphiql-3.8.3.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/graphiql/graphiql.min.css.gz"),
    ),
    (
        "react-18.3.1.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/react.production.min.js.gz"),
    ),
    (
        "react-dom-18.3.1.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/graphiql/react-dom.production.min.js.gz"),
    ),
];

/// What the page may load: this server only.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   font-src 'self' data:; img-src 'self' data:; connect-src 'self'; \
                   base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `GET /graphql`: the GraphiQL page.
#[handler]
pub async fn page() -> Response {
    PAGE.with_content_type("text/html; charset=utf-8")
        .with_header("content-security-policy", CSP)
        .with_header("cache-control", "no-cache")
        .into_response()
}

/// `GET /graphql` with GraphiQL turned off.
#[handler]
pub async fn turned_off() -> Response {
    error_response(
        Code::NotFound,
        "GraphiQL is turned off on this server (BECTA_GRAPHIQL); send queries with POST /graphql",
    )
}

#[handler]
async fn start_js() -> Response {
    START_JS
        .with_content_type("text/javascript; charset=utf-8")
        .with_header("cache-control", "no-cache")
        .into_response()
}

/// The files under `/graphiql/`; none when GraphiQL is off.
pub fn assets(enabled: bool) -> Route {
    let mut route = Route::new();
    if !enabled {
        return route;
    }
    route = route.at("/start.js", get(start_js));
    for (name, content_type, gzipped) in ASSETS {
        let ep = get(poem::endpoint::make_sync(move |req: Request| {
            gzipped_file(&req, content_type, gzipped)
        }));
        route = route.at(format!("/{name}"), ep);
    }
    route
}

/// A gzipped file, to a client that takes gzip (every browser; also one that names no
/// encoding, which per HTTP takes any); others are told to ask for it.
fn gzipped_file(req: &Request, content_type: &'static str, gzipped: &'static [u8]) -> Response {
    let takes_gzip = match req.headers().get("accept-encoding") {
        None => true,
        Some(v) => v.to_str().is_ok_and(|v| {
            v.split(',').any(|e| {
                let e = e.trim();
                (e.starts_with("gzip") || e.starts_with('*')) && !e.ends_with("q=0")
            })
        }),
    };
    if !takes_gzip {
        return error_response(
            Code::BadUserInput,
            "this file is served gzipped: send Accept-Encoding: gzip",
        )
        .with_status(StatusCode::NOT_ACCEPTABLE)
        .into_response();
    }
    gzipped
        .with_content_type(content_type)
        .with_header("content-encoding", "gzip")
        .with_header("cache-control", "public, max-age=31536000, immutable")
        .into_response()
}
