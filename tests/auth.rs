//! Bearer tokens at the door: what is accepted, what is refused and how, the identity `me`
//! reports, a production server without a key, and the abuse limits.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use becta_domain::catalogue::organisations;
use becta_domain::vocab::{OrgKind, Role};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::common::flows::{CREATE, my_listing_names, op, product_input};
use crate::common::{TEST_JWT_SECRET, TestApp, error_codes, fixture, spawn_app, spawn_app_with};

const ME: &str = "{ me { userId role organisation { name kind urn } } }";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// Claims a test server accepts, as of now.
fn claims(role: &str, org: Option<String>) -> Value {
    json!({
        "sub": uuid::Uuid::new_v4().to_string(),
        "role": role,
        "org": org,
        "iss": "becta",
        "aud": "becta-api",
        "iat": now(),
        "exp": now() + 600,
    })
}

fn sign(alg: Algorithm, key: &EncodingKey, claims: &Value) -> String {
    match jsonwebtoken::encode(&Header::new(alg), claims, key) {
        Ok(t) => t,
        Err(e) => panic!("signing a test token: {e}"),
    }
}

fn hs256(claims: &Value) -> String {
    sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes()),
        claims,
    )
}

fn fixture_file(name: &str) -> Result<String> {
    Ok(std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/jwt")
            .join(name),
    )?)
}

/// `me` with a token: (HTTP status, error code or None, body).
async fn me(app: &TestApp, token: &str) -> Result<(u16, Option<String>, Value)> {
    let (status, headers, body) = app.post_as(Some(token), ME, json!({})).await?;
    if status == 401 {
        assert_eq!(
            headers
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer error=\"invalid_token\"")
        );
    }
    Ok((status, error_codes(&body).first().cloned(), body))
}

#[tokio::test]
async fn me_names_the_user_their_role_and_organisation() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let anonymous = app.data(ME, json!({})).await?;
    assert_eq!(anonymous["me"], Value::Null);

    let sub = uuid::Uuid::new_v4();
    let school = app.token_for(
        sub,
        Role::SchoolBuyer,
        Some(&fixture::SCHOOL_URN.to_string()),
    );
    let d = app.data_as(&school, ME, json!({})).await?;
    assert_eq!(d["me"]["userId"], sub.to_string());
    assert_eq!(d["me"]["role"], "SCHOOL_BUYER");
    assert_eq!(
        d["me"]["organisation"],
        json!({ "name": "Hill Top Primary School", "kind": "SCHOOL", "urn": fixture::SCHOOL_URN })
    );
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let d = app.data_as(&supplier, ME, json!({})).await?;
    assert_eq!(d["me"]["organisation"]["name"], "Alpha Learning Ltd");
    let admin = app.token(Role::Admin, None);
    let d = app.data_as(&admin, ME, json!({})).await?;
    assert_eq!(d["me"]["role"], "ADMIN");
    assert_eq!(d["me"]["organisation"], Value::Null);

    // An identity provider's non-UUID subject maps to one stable user id.
    let mut c = claims("ADMIN", None);
    c["sub"] = json!("auth0|5f7c8ec7c33c6c004bbafe82");
    let a = app.data_as(&hs256(&c), ME, json!({})).await?;
    let b = app.data_as(&hs256(&c), ME, json!({})).await?;
    assert_eq!(a["me"]["userId"], b["me"]["userId"]);
    assert!(uuid::Uuid::parse_str(a["me"]["userId"].as_str().unwrap_or_default()).is_ok());
    Ok(())
}

#[tokio::test]
async fn a_trust_scoped_buyer_acts_for_the_trust_but_never_as_one_of_its_schools() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let trust = app.token(
        Role::SchoolBuyer,
        Some(&format!("trust:{}", fixture::TRUST_GROUP_UID)),
    );
    let d = app.data_as(&trust, ME, json!({})).await?;
    assert_eq!(
        d["me"]["organisation"],
        json!({ "name": "Oak Valley Learning Trust", "kind": "TRUST", "urn": null })
    );
    // It acts for every school of the trust, and a school's buyer for their school alone.
    let buyer = |org_kind, organisation_id| becta_domain::actor::Actor {
        user_id: uuid::Uuid::new_v4(),
        role: Role::SchoolBuyer,
        organisation_id: Some(organisation_id),
        org_kind: Some(org_kind),
        email: None,
        display_name: None,
        request_id: None,
    };
    let db = &app.db;
    let in_scope = |actor| async move {
        let schools = organisations::schools_in_scope(db, &actor).await?;
        Ok::<_, anyhow::Error>(schools.into_iter().map(|s| s.id).collect::<Vec<_>>())
    };
    assert_eq!(
        in_scope(buyer(OrgKind::Trust, f.trust)).await?,
        f.trust_schools
    );
    assert_eq!(
        in_scope(buyer(OrgKind::School, f.school)).await?,
        [f.school]
    );

    // What a school does for itself names one school: a trust token is refused, not taken
    // for a school.
    let body = app
        .gql_as(
            &trust,
            "mutation { createShortlist(input: { name: \"Trust list\" }) { id } }",
            json!({}),
        )
        .await?;
    assert_eq!(error_codes(&body), ["FORBIDDEN"], "{body}");

    for unknown in ["trust:0000", "trust:", "trust:9001x"] {
        let (status, code, _) = me(&app, &app.token(Role::SchoolBuyer, Some(unknown))).await?;
        assert_eq!(
            (status, code.as_deref()),
            (401, Some("UNAUTHENTICATED")),
            "{unknown}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn bad_tokens_are_refused_with_unauthenticated_and_never_served_as_anonymous() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let school = Some(fixture::SCHOOL_URN.to_string());

    let mut cases: Vec<(&str, String)> = Vec::new();
    let mut c = claims("SCHOOL_BUYER", school.clone());
    c["exp"] = json!(now() - 120);
    cases.push(("expired beyond the leeway", hs256(&c)));
    let mut c = claims("SCHOOL_BUYER", school.clone());
    c["nbf"] = json!(now() + 300);
    cases.push(("not valid yet", hs256(&c)));
    let mut c = claims("SCHOOL_BUYER", school.clone());
    c["iss"] = json!("someone-else");
    cases.push(("wrong issuer", hs256(&c)));
    let mut c = claims("SCHOOL_BUYER", school.clone());
    c["aud"] = json!("another-api");
    cases.push(("wrong audience", hs256(&c)));
    let mut c = claims("SCHOOL_BUYER", school.clone());
    c.as_object_mut().map(|o| o.remove("exp"));
    cases.push(("no expiry", hs256(&c)));
    let mut c = claims("SCHOOL_BUYER", school.clone());
    c["role"] = json!("SUPERUSER");
    cases.push(("unknown role", hs256(&c)));
    cases.push((
        "a URN nobody has",
        hs256(&claims("SCHOOL_BUYER", Some("999999".into()))),
    ));
    cases.push((
        "a school buyer without a school",
        hs256(&claims("SCHOOL_BUYER", None)),
    ));
    cases.push((
        "a supplier id that is a school",
        hs256(&claims("SUPPLIER", Some(f.school.to_string()))),
    ));
    cases.push((
        "signed with another secret",
        sign(
            Algorithm::HS256,
            &EncodingKey::from_secret(b"another-secret-that-is-at-least-32-bytes"),
            &claims("ADMIN", None),
        ),
    ));
    // alg none: a header and payload with an empty signature.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims("ADMIN", None).to_string());
    cases.push(("alg none", format!("{header}.{payload}.")));
    // A genuine school buyer's token with the payload changed to ADMIN.
    let genuine = hs256(&claims("SCHOOL_BUYER", school.clone()));
    let parts: Vec<&str> = genuine.split('.').collect();
    let forged = URL_SAFE_NO_PAD.encode(claims("ADMIN", None).to_string());
    cases.push((
        "tampered payload",
        format!("{}.{forged}.{}", parts[0], parts[2]),
    ));
    // A token signed with RS256 when the server takes HS256 only.
    cases.push((
        "RS256 on an HS256 server",
        sign(
            Algorithm::RS256,
            &EncodingKey::from_rsa_pem(fixture_file("rsa-private.pem")?.as_bytes())?,
            &claims("ADMIN", None),
        ),
    ));
    cases.push(("not a JWT", "hello".into()));

    for (what, token) in &cases {
        let (status, code, body) = me(&app, token).await?;
        assert_eq!(
            (status, code.as_deref()),
            (401, Some("UNAUTHENTICATED")),
            "{what}: {body}"
        );
        assert!(body["data"].is_null(), "{what}: no data is served");
    }
    // A header that is not a bearer token.
    let resp = app
        .client
        .post(format!("{}/graphql", app.url))
        .header("authorization", "Basic YWRtaW46YWRtaW4=")
        .json(&json!({ "query": ME }))
        .send()
        .await?;
    assert_eq!(resp.status(), 401);

    // Within the leeway an expired token still works (clocks differ by seconds).
    let mut c = claims("SCHOOL_BUYER", school.clone());
    c["exp"] = json!(now() - 5);
    let (status, code, _) = me(&app, &hs256(&c)).await?;
    assert_eq!((status, code), (200, None));

    // A mutation without a token.
    let v = app
        .gql(&op(CREATE), json!({ "input": product_input("Anonymous") }))
        .await?;
    assert_eq!(error_codes(&v), ["UNAUTHENTICATED"]);
    Ok(())
}

#[tokio::test]
async fn an_identity_providers_rs256_key_accepts_its_tokens_and_refuses_hs256_made_with_it()
-> Result<()> {
    let public = fixture_file("rsa-public.pem")?;
    let app = spawn_app_with(
        false,
        &[
            ("BECTA_JWT_SECRET", ""),
            ("BECTA_JWT_PUBLIC_KEY", &public),
            ("BECTA_JWT_ALGORITHM", "RS256"),
            ("BECTA_JWT_ISSUER", "https://idp.example"),
            ("BECTA_JWT_AUDIENCE", "becta"),
            ("BECTA_JWT_KEY_ID", "key-2026"),
        ],
    )
    .await?;
    let private = EncodingKey::from_rsa_pem(fixture_file("rsa-private.pem")?.as_bytes())?;
    let mut c = claims("ADMIN", None);
    c["iss"] = json!("https://idp.example");
    c["aud"] = json!(["becta", "other"]);
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("key-2026".into());
    let good = jsonwebtoken::encode(&header, &c, &private)?;
    let (status, code, body) = me(&app, &good).await?;
    assert_eq!((status, code), (200, None), "{body}");
    assert_eq!(body["data"]["me"]["role"], "ADMIN");

    // Key id other than the configured one.
    header.kid = Some("key-2019".into());
    let (status, _, _) = me(&app, &jsonwebtoken::encode(&header, &c, &private)?).await?;
    assert_eq!(status, 401);
    // HS/RS confusion: an HS256 token whose secret is the public key the server holds.
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some("key-2026".into());
    let confused = jsonwebtoken::encode(&hs, &c, &EncodingKey::from_secret(public.as_bytes()))?;
    let (status, code, _) = me(&app, &confused).await?;
    assert_eq!((status, code.as_deref()), (401, Some("UNAUTHENTICATED")));
    // The server cannot mint tokens it would accept: it holds no private key.
    assert!(
        app.auth
            .mint(
                uuid::Uuid::new_v4(),
                Role::Admin,
                None,
                None,
                std::time::Duration::from_secs(60)
            )
            .is_err()
    );
    Ok(())
}

#[tokio::test]
async fn an_eddsa_key_accepts_eddsa_tokens_only() -> Result<()> {
    let public = fixture_file("ed25519-public.pem")?;
    let app = spawn_app_with(
        false,
        &[
            ("BECTA_JWT_SECRET", ""),
            ("BECTA_JWT_PUBLIC_KEY", &public),
            ("BECTA_JWT_ALGORITHM", "EdDSA"),
        ],
    )
    .await?;
    let ed = EncodingKey::from_ed_pem(fixture_file("ed25519-private.pem")?.as_bytes())?;
    let (status, code, body) =
        me(&app, &sign(Algorithm::EdDSA, &ed, &claims("ADVISER", None))).await?;
    assert_eq!((status, code), (200, None), "{body}");
    let rsa = EncodingKey::from_rsa_pem(fixture_file("rsa-private.pem")?.as_bytes())?;
    let (status, _, _) = me(
        &app,
        &sign(Algorithm::RS256, &rsa, &claims("ADVISER", None)),
    )
    .await?;
    assert_eq!(status, 401);
    Ok(())
}

#[tokio::test]
async fn a_production_server_refuses_to_start_without_a_token_key() -> Result<()> {
    let refused = spawn_app_with(
        false,
        &[("BECTA_ENV", "production"), ("BECTA_JWT_SECRET", "")],
    )
    .await;
    let err = match refused {
        Ok(_) => panic!("a production server started without a token key"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("BECTA_JWT_SECRET"), "{err}");
    // A short secret is refused too.
    let short = spawn_app_with(false, &[("BECTA_JWT_SECRET", "too-short")]).await;
    assert!(short.is_err());
    Ok(())
}

#[tokio::test]
async fn mutations_and_searches_over_their_limits_get_rate_limited_with_retry_after() -> Result<()>
{
    let app = spawn_app_with(
        false,
        &[
            ("BECTA_RATE_MUTATIONS_PER_MINUTE", "3"),
            ("BECTA_RATE_MUTATIONS_PER_ADDRESS", "100"),
            ("BECTA_RATE_SEARCHES_PER_MINUTE", "5"),
        ],
    )
    .await?;
    let f = fixture::load(&app.db).await?;
    let alpha = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let beta = app.token(Role::Supplier, Some(&f.beta.to_string()));
    for i in 0..3 {
        let v = app
            .gql_as(
                &alpha,
                &op(CREATE),
                json!({ "input": product_input(&format!("Limited {i}")) }),
            )
            .await?;
        assert!(v.get("errors").is_none(), "{v}");
    }
    let (status, headers, body) = app
        .post_as(
            Some(&alpha),
            &op(CREATE),
            json!({ "input": product_input("Limited 3") }),
        )
        .await?;
    assert_eq!(status, 429);
    assert_eq!(error_codes(&body), ["RATE_LIMITED"]);
    let retry: u64 = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_default();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(body["errors"][0]["extensions"]["retryAfterSeconds"], retry);
    // Another token is not affected; aliases cannot dodge the limit.
    let v = app
        .gql_as(
            &beta,
            &op(CREATE),
            json!({ "input": product_input("Beta 0") }),
        )
        .await?;
    assert!(v.get("errors").is_none(), "{v}");
    let aliased = "mutation($a: ProductInput!, $b: ProductInput!, $c: ProductInput!) { a: createProduct(input: $a) { id } b: createProduct(input: $b) { id } c: createProduct(input: $c) { id } }";
    let (status, _, _) = app
        .post_as(
            Some(&beta),
            aliased,
            json!({ "a": product_input("Beta 1"), "b": product_input("Beta 2"), "c": product_input("Beta 3") }),
        )
        .await?;
    assert_eq!(status, 429);
    // Nothing of the refused requests was written.
    let names = my_listing_names(&app, &beta).await?;
    for refused in ["Beta 1", "Beta 2", "Beta 3"] {
        assert!(!names.iter().any(|n| n == refused), "{names:?}");
    }

    // Anonymous searches are limited per address; plain catalogue reads are not.
    let search = "{ searchProducts(query: \"phonics\") { totalHits } }";
    for _ in 0..5 {
        let (status, _, _) = app.post_as(None, search, json!({})).await?;
        assert_eq!(status, 200);
    }
    let (status, headers, _) = app.post_as(None, search, json!({})).await?;
    assert_eq!(status, 429);
    assert!(headers.get("retry-after").is_some());
    for _ in 0..10 {
        let (status, _, _) = app
            .post_as(None, "{ products { totalCount } }", json!({}))
            .await?;
        assert_eq!(status, 200);
    }
    Ok(())
}

/// An operation whose root is `levels` fragments deep, each spreading the next, the last one
/// holding `body`.
fn behind_nested_fragments(operation: &str, on: &str, levels: usize, body: &str) -> String {
    let mut doc = format!("{operation} {{ ...F0 }}");
    for level in 0..levels {
        let inner = if level + 1 == levels {
            body.to_owned()
        } else {
            format!("...F{}", level + 1)
        };
        doc.push_str(&format!(" fragment F{level} on {on} {{ {inner} }}"));
    }
    doc
}

#[tokio::test]
async fn fields_behind_deeply_nested_fragments_are_charged_like_any_other() -> Result<()> {
    let app = spawn_app_with(
        false,
        &[
            ("BECTA_RATE_MUTATIONS_PER_MINUTE", "3"),
            ("BECTA_RATE_MUTATIONS_PER_ADDRESS", "1000"),
            ("BECTA_RATE_SEARCHES_PER_MINUTE", "5"),
        ],
    )
    .await?;
    let f = fixture::load(&app.db).await?;
    let alpha = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    for levels in [17, 25, 32] {
        // Four mutations behind `levels` fragments: over a limit of 3, refused whole.
        let body = (0..4)
            .map(|n| format!("m{n}: createProduct(input: $input) {{ id }}"))
            .collect::<Vec<_>>()
            .join(" ");
        let doc =
            behind_nested_fragments("mutation($input: ProductInput!)", "Mutation", levels, &body);
        let name = format!("Nested {levels}");
        let (status, _, answer) = app
            .post_as(Some(&alpha), &doc, json!({ "input": product_input(&name) }))
            .await?;
        assert_eq!(status, 429, "{levels} levels: {answer}");
        assert_eq!(error_codes(&answer), ["RATE_LIMITED"]);
        let names = my_listing_names(&app, &alpha).await?;
        assert!(!names.contains(&name), "{levels} levels wrote {names:?}");

        // Six anonymous searches behind `levels` fragments: over a limit of 5.
        let searches = (0..6)
            .map(|n| format!("s{n}: searchProducts(query: \"phonics\") {{ totalHits }}"))
            .collect::<Vec<_>>()
            .join(" ");
        let doc = behind_nested_fragments("query", "Query", levels, &searches);
        let (status, _, answer) = app.post_as(None, &doc, json!({})).await?;
        assert_eq!(status, 429, "{levels} levels: {answer}");
    }
    // Within the limit, such nesting runs and is charged: two searches fit twice, then the
    // allowance (5) has one left. (At 32 levels the schema's recursion limit refuses the
    // document before it runs, after it was charged.)
    let two = behind_nested_fragments(
        "query",
        "Query",
        25,
        "a: searchProducts(query: \"phonics\") { totalHits } b: searchProducts(query: \"maths\") { totalHits }",
    );
    let user = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    for _ in 0..2 {
        let (status, _, answer) = app.post_as(Some(&user), &two, json!({})).await?;
        assert_eq!(status, 200, "{answer}");
        assert!(answer.get("errors").is_none(), "{answer}");
    }
    let (status, _, _) = app.post_as(Some(&user), &two, json!({})).await?;
    assert_eq!(status, 429);
    // Past the nesting the server counts, the request is refused, never run uncharged.
    let too_deep = behind_nested_fragments(
        "mutation",
        "Mutation",
        70,
        "a: withdrawProduct(id: \"x\", version: 1) { id }",
    );
    let (status, _, answer) = app.post_as(Some(&alpha), &too_deep, json!({})).await?;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(error_codes(&answer), ["BAD_USER_INPUT"]);
    Ok(())
}

#[tokio::test]
async fn a_token_missing_a_claim_is_told_which_and_an_empty_subject_is_refused() -> Result<()> {
    let app = spawn_app().await?;
    let school = Some(fixture::SCHOOL_URN.to_string());
    for claim in ["sub", "exp", "role", "iss", "aud"] {
        let mut c = claims("SCHOOL_BUYER", school.clone());
        if let Some(o) = c.as_object_mut() {
            o.remove(claim);
        }
        let (status, _, body) = app.post_as(Some(&hs256(&c)), ME, json!({})).await?;
        assert_eq!(status, 401, "{claim}: {body}");
        assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&format!("`{claim}`")),
            "without {claim}: {message}"
        );
    }
    for empty in ["", "   "] {
        let mut c = claims("SCHOOL_BUYER", school.clone());
        c["sub"] = json!(empty);
        let (status, _, body) = app.post_as(Some(&hs256(&c)), ME, json!({})).await?;
        assert_eq!(status, 401, "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("subject"), "{message}");
    }
    Ok(())
}
