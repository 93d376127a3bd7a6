//! Notifications that reach people: email through a real SMTP server (aiosmtpd, started by
//! the tests), per-user preferences, failures admins can see, several deliverers sharing one
//! outbox; and suppliers' signed webhooks received by an endpoint of the test's own.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use becta_domain::deliveries::{Deliverer, DeliverySettings};
use becta_domain::entity::loan;
use becta_domain::notifications::{self, Notice};
use becta_domain::vocab::Role;
use becta_domain::{Uuid, db};
use chrono::Utc;
use hmac::{Hmac, Mac};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{TEST_JWT_SECRET, TestApp, error_codes, fixture, smtp, spawn_app_with};

/// A token whose claims carry an email address, as an identity provider's do.
pub(crate) fn token_with_email(
    role: Role,
    org: Option<&str>,
    name: &str,
    email: &str,
) -> Result<String> {
    let now = Utc::now().timestamp();
    let claims = json!({
        "sub": Uuid::new_v4().to_string(), "role": role.code(), "org": org,
        "iss": "becta", "aud": "becta-api", "iat": now, "nbf": now, "exp": now + 600,
        "name": name, "email": email,
    });
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(TEST_JWT_SECRET.as_bytes()),
    )?)
}

/// A server sending email to the tests' SMTP server, retrying fast.
pub(crate) async fn mailing_app(extra: &[(&str, &str)]) -> Result<(TestApp, smtp::SmtpServer)> {
    let server = smtp::server()?;
    let mut env: Vec<(&str, String)> = server.server_env();
    env.push(("BECTA_DELIVERY_BACKOFF_MS", "20".into()));
    env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Ok((spawn_app_with(false, &env).await?, server))
}

/// An open offer of 5 seats on the fixture's "Alpha Phonics" (the fixture is loaded here):
/// (supplier token, offer id).
async fn offer(app: &TestApp) -> Result<(String, String)> {
    offer_in(app, &fixture::load(&app.db).await?).await
}

async fn offer_in(app: &TestApp, f: &fixture::Fixture) -> Result<(String, String)> {
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let v = app
        .data_as(
            &supplier,
            "mutation($p: ID!, $input: TrialOfferInput!) { createTrialOffer(productId: $p, input: $input) { id } }",
            json!({
                "p": f.products["Alpha Phonics"].to_string(),
                "input": { "seats": 5, "loanDays": 30, "maxExtensions": 1, "extensionDays": 14,
                           "terms": "Free for one term; no data kept after the trial." },
            }),
        )
        .await?;
    Ok((
        supplier,
        v["createTrialOffer"]["id"]
            .as_str()
            .context("offer id")?
            .to_owned(),
    ))
}

async fn borrow(app: &TestApp, school: &str, offer: &str) -> Result<Value> {
    Ok(app
        .data_as(
            school,
            "mutation($o: ID!) { requestTrialLoan(offerId: $o) { id status endsAt } }",
            json!({ "o": offer }),
        )
        .await?["requestTrialLoan"]
        .clone())
}

pub(crate) async fn notifications_of(app: &TestApp, token: &str) -> Result<Vec<Value>> {
    let v = app
        .data_as(
            token,
            "{ myNotifications(first: 100) { edges { node { kind subject payload deliveredAt emailStatus } } } }",
            json!({}),
        )
        .await?;
    Ok(v["myNotifications"]["edges"]
        .as_array()
        .map(|e| e.iter().map(|n| n["node"].clone()).collect())
        .unwrap_or_default())
}

/// Waits until the user's notification of `kind` has the email status `status`.
async fn wait_for_email_status(
    app: &TestApp,
    token: &str,
    kind: &str,
    status: &str,
) -> Result<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let all = notifications_of(app, token).await?;
        if let Some(n) = all
            .iter()
            .find(|n| n["kind"] == kind && n["emailStatus"] == status)
        {
            return Ok(n.clone());
        }
        if Instant::now() > deadline {
            bail!("no {kind} notification with email {status}: {all:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A message's text with quoted-printable soft breaks and escapes undone.
pub(crate) fn readable(message: &str) -> String {
    message
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
        .replace("=E2=80=99", "\u{2019}")
}

pub(crate) fn subject_of(message: &str) -> Option<&str> {
    message
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .map(str::trim)
}

#[tokio::test]
async fn a_trial_reminder_arrives_by_email_naming_the_product_and_the_person() -> Result<()> {
    let (app, server) = mailing_app(&[]).await?;
    let (_, offer) = offer(&app).await?;
    let address = format!("sam.{}@school.test", Uuid::new_v4().simple());
    let school = token_with_email(
        Role::SchoolBuyer,
        Some(&fixture::SCHOOL_URN.to_string()),
        "Sam Patel",
        &address,
    )?;
    let l = borrow(&app, &school, &offer).await?;
    assert_eq!(l["status"], "ACTIVE");

    // Three days before the trial ends, the sweeper writes the 7-day reminder.
    let id: Uuid = l["id"].as_str().context("loan id")?.parse()?;
    let ends = loan::Entity::find_by_id(id)
        .one(&app.db)
        .await?
        .and_then(|l| l.ends_at)
        .context("the loan's end")?;
    let swept =
        becta_domain::lending::sweep(&app.db, ends - chrono::Duration::days(3), 100).await?;
    assert_eq!(swept.reminders, 1);
    let subject = format!(
        "Your trial of Alpha Phonics ends on {}",
        ends.format("%-d %B %Y")
    );

    // The grant and the reminder both arrive, addressed to the token's email.
    let got = server.wait_for(&address, 2).await?;
    let reminder = got
        .iter()
        .find(|m| subject_of(m) == Some(subject.as_str()))
        .with_context(|| format!("no reminder among {got:?}"))?;
    let text = readable(reminder);
    assert!(text.contains("Sam Patel"), "{text}");
    assert!(
        text.contains("From: \"BECTA Test\" <notifications@becta.test>"),
        "{text}"
    );
    assert!(text.contains("Hello Sam Patel,"), "{text}");
    assert!(
        text.contains("Your school's trial of Alpha Phonics ends within 7 days."),
        "{text}"
    );
    assert!(text.contains("Content-Type: text/html"), "{text}");
    assert!(text.contains("<p>Hello Sam Patel,</p>"), "{text}");
    assert!(
        got.iter()
            .any(|m| subject_of(m) == Some("Your trial of Alpha Phonics is ready"))
    );

    // In the app, the reminder shows as delivered once the server accepted it.
    let n = wait_for_email_status(&app, &school, "loan.reminder_7_days", "sent").await?;
    assert!(n["deliveredAt"].is_string(), "{n}");
    Ok(())
}

#[tokio::test]
async fn email_follows_each_users_preferences_and_the_app_keeps_every_notification() -> Result<()> {
    let (app, server) = mailing_app(&[]).await?;
    let (_, offer) = offer(&app).await?;
    let token_address = format!("jo.{}@school.test", Uuid::new_v4().simple());
    let chosen = format!("office.{}@school.test", Uuid::new_v4().simple());
    let school = token_with_email(
        Role::SchoolBuyer,
        Some(&fixture::SCHOOL_URN.to_string()),
        "Jo Reed",
        &token_address,
    )?;
    let set = "mutation($p: [NotificationPreferenceInput!], $e: String) { setNotificationPreferences(preferences: $p, emailAddress: $e) { emailAddress emailAddressSource preferences { kind email } } }";
    let s = app
        .data_as(
            &school,
            set,
            json!({ "p": [{ "kind": "loan.granted", "email": false }], "e": chosen }),
        )
        .await?["setNotificationPreferences"]
        .clone();
    assert_eq!(s["emailAddress"], chosen.as_str());
    assert_eq!(s["emailAddressSource"], "user");
    assert_eq!(
        s["preferences"],
        json!([{ "kind": "loan.granted", "email": false }])
    );

    borrow(&app, &school, &offer).await?;
    let n = wait_for_email_status(&app, &school, "loan.granted", "skipped").await?;
    assert!(n["deliveredAt"].is_null());
    assert!(server.messages_to(&chosen)?.is_empty());
    assert!(server.messages_to(&token_address)?.is_empty());

    // Bad input names its field.
    let bad = app
        .gql_as(
            &school,
            set,
            json!({ "p": [{ "kind": "Loan Granted!", "email": true }] }),
        )
        .await?;
    assert_eq!(error_codes(&bad), ["BAD_USER_INPUT"]);
    assert_eq!(bad["errors"][0]["extensions"]["field"], "preferences.kind");
    let bad = app
        .gql_as(&school, set, json!({ "e": "not-an-address" }))
        .await?;
    assert_eq!(
        bad["errors"][0]["extensions"]["field"], "emailAddress",
        "{bad}"
    );
    Ok(())
}

#[tokio::test]
async fn a_refused_email_is_recorded_as_failed_and_listed_for_admins() -> Result<()> {
    let (app, server) = mailing_app(&[]).await?;
    let (_, offer) = offer(&app).await?;
    // The test SMTP server refuses (550) every address starting with "bounce".
    let address = format!("bounce.{}@school.test", Uuid::new_v4().simple());
    let school = token_with_email(
        Role::SchoolBuyer,
        Some(&fixture::SCHOOL_URN.to_string()),
        "Ash Kerr",
        &address,
    )?;
    borrow(&app, &school, &offer).await?;
    let n = wait_for_email_status(&app, &school, "loan.granted", "failed").await?;
    assert!(n["deliveredAt"].is_null());
    assert!(server.messages_to(&address)?.is_empty());

    let admin = app.token(Role::Admin, None);
    let v = app
        .data_as(
            &admin,
            "{ undeliveredEmails { kind subject attempts error } }",
            json!({}),
        )
        .await?;
    let list = v["undeliveredEmails"].as_array().context("list")?;
    assert_eq!(list.len(), 1, "{v}");
    assert_eq!(list[0]["kind"], "loan.granted");
    assert_eq!(list[0]["attempts"], 1, "a permanent refusal is not retried");
    assert!(
        list[0]["error"]
            .as_str()
            .unwrap_or("")
            .contains("no such mailbox"),
        "{v}"
    );
    let refused = app
        .gql_as(&school, "{ undeliveredEmails { kind } }", json!({}))
        .await?;
    assert_eq!(error_codes(&refused), ["FORBIDDEN"]);
    Ok(())
}

#[tokio::test]
async fn several_deliverers_share_the_outbox_and_send_each_email_once() -> Result<()> {
    // No deliverer in the server: the test runs its own, as `becta deliver` processes would.
    let (app, server) = mailing_app(&[("BECTA_DELIVERER", "false")]).await?;
    let f = fixture::load(&app.db).await?;
    let address = format!("many.{}@school.test", Uuid::new_v4().simple());
    let school = token_with_email(
        Role::SchoolBuyer,
        Some(&fixture::SCHOOL_URN.to_string()),
        "Kim Lowe",
        &address,
    )?;
    let me = app.data_as(&school, "{ me { userId } }", json!({})).await?;
    // The user row (and the token's email) is recorded by a first write.
    app.data_as(
        &school,
        "mutation { setNotificationPreferences(preferences: []) { emailAddress } }",
        json!({}),
    )
    .await?;
    let user: Uuid = me["me"]["userId"].as_str().context("me.userId")?.parse()?;
    let tx = db::begin_write(&app.db).await?;
    for i in 0..12 {
        notifications::notify(
            &tx,
            Notice {
                user_id: Some(user),
                organisation_id: f.school,
                kind: "trial.survey",
                subject: format!("Tell us how trial {i} went"),
                payload: json!({ "questions": 3 }),
                dedupe_key: None,
            },
        )
        .await?;
    }
    db::commit(tx).await?;

    let settings = DeliverySettings {
        smtp: Some(becta_domain::deliveries::SmtpSettings {
            url: format!("smtp://{}", server.addr),
            username: None,
            password: None,
            from: "BECTA Test <notifications@becta.test>".into(),
            timeout: Duration::from_secs(10),
        }),
        ..DeliverySettings::default()
    };
    let workers: Vec<Deliverer> = (0..3)
        .map(|_| Deliverer::new(app.db.clone(), settings.clone()))
        .collect::<Result<_, _>>()?;
    let (a, b, c) = tokio::join!(workers[0].step(), workers[1].step(), workers[2].step());
    let handled = a? + b? + c?;
    assert!(handled >= 1);
    for w in &workers {
        while w.step().await? > 0 {}
    }
    let got = server.wait_for(&address, 12).await?;
    assert_eq!(got.len(), 12, "each email exactly once");
    // A kind without a template still gets a sensible email from its subject and payload.
    let one = readable(&got[0]);
    assert!(subject_of(&one).is_some_and(|s| s.starts_with("Tell us how trial")));
    assert!(one.contains("Questions: 3"), "{one}");
    Ok(())
}

/// The supplier's endpoint: a small HTTP server in the test that records each request and
/// answers with the next status of `answers` (then 200).
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Request>>>,
}

/// A request the endpoint received: its headers (names in lower case) and body.
type Request = (Vec<(String, String)>, String);

async fn receiver(answers: Vec<u16>) -> Result<Receiver> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/becta/events", listener.local_addr()?);
    let got = Arc::new(Mutex::new(Vec::new()));
    let answers = Arc::new(Mutex::new(answers.into_iter()));
    let record = got.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let record = record.clone();
            let answers = answers.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body_start) = loop {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break (String::from_utf8_lossy(&buf[..i]).to_string(), i + 4);
                    }
                };
                let headers: Vec<(String, String)> = head
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                    .collect();
                let len: usize = headers
                    .iter()
                    .find(|(k, _)| k == "content-length")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                while buf.len() < body_start + len {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let body = String::from_utf8_lossy(&buf[body_start..]).to_string();
                if let Ok(mut g) = record.lock() {
                    g.push((headers, body));
                }
                let status = answers
                    .lock()
                    .ok()
                    .and_then(|mut a| a.next())
                    .unwrap_or(200);
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
                let _ = sock.write_all(reply.as_bytes()).await;
            });
        }
    });
    Ok(Receiver { url, got })
}

impl Receiver {
    async fn wait_for(&self, n: usize) -> Result<Vec<Request>> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.got.lock().map(|g| g.clone()).unwrap_or_default();
            if got.len() >= n {
                return Ok(got);
            }
            if Instant::now() > deadline {
                bail!("{} request(s) arrived, expected {n}", got.len());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Verifies `Becta-Signature` as the README tells a supplier to: some `v1` must equal the hex
/// HMAC-SHA256 of "<t>.<body>" under the secret, and `t` must be recent.
fn verify(signature: &str, body: &str, secret: &str) -> bool {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in signature.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1.push(v.to_owned()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (Utc::now().timestamp() - t).abs() > 300 {
        return false;
    }
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(format!("{t}.{body}").as_bytes());
    let expected = hex::encode(mac.finalize().into_bytes());
    v1.contains(&expected)
}

const REGISTER: &str = "mutation($u: String!, $k: [WebhookEventKind!]!) { registerWebhookEndpoint(url: $u, kinds: $k) { id url kinds secret active } }";

#[tokio::test]
async fn a_supplier_endpoint_receives_a_signed_verifiable_webhook_when_a_school_borrows()
-> Result<()> {
    let app = spawn_app_with(false, &[("BECTA_WEBHOOK_ALLOW_HTTP_LOOPBACK", "true")]).await?;
    let hook = receiver(vec![]).await?;
    let (supplier, offer) = offer(&app).await?;
    let ep = app
        .data_as(
            &supplier,
            REGISTER,
            json!({ "u": hook.url, "k": ["LOAN_GRANTED", "LOAN_RETURNED"] }),
        )
        .await?["registerWebhookEndpoint"]
        .clone();
    let secret = ep["secret"].as_str().context("secret")?.to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(ep["kinds"], json!(["LOAN_GRANTED", "LOAN_RETURNED"]));
    // The secret is shown once.
    let listed = app
        .data_as(&supplier, "{ myWebhookEndpoints { id secret } }", json!({}))
        .await?;
    assert_eq!(listed["myWebhookEndpoints"][0]["secret"], Value::Null);

    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let l = borrow(&app, &school, &offer).await?;
    let got = hook.wait_for(1).await?;
    let (headers, body) = &got[0];
    let signature = header(headers, "becta-signature").context("signature header")?;
    assert!(verify(signature, body, &secret), "{signature} over {body}");
    assert!(!verify(signature, body, "whsec_someone_else"));
    assert!(!verify(signature, &body.replace("loan", "LOAN"), &secret));
    let event: Value = serde_json::from_str(body)?;
    assert_eq!(event["type"], "loan.granted");
    assert_eq!(event["data"]["loanId"], l["id"]);
    assert_eq!(event["data"]["productName"], "Alpha Phonics");
    assert_eq!(header(headers, "becta-event-id"), event["id"].as_str());
    assert_eq!(header(headers, "content-type"), Some("application/json"));

    // Listed with its status; and the supplier's users see the notice in the app.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let d = app
            .data_as(
                &supplier,
                "{ myWebhookDeliveries { kind status attempts lastStatusCode eventId } }",
                json!({}),
            )
            .await?;
        let first = &d["myWebhookDeliveries"][0];
        if first["status"] == "DELIVERED" {
            assert_eq!(first["kind"], "loan.granted");
            assert_eq!(first["lastStatusCode"], 200);
            assert_eq!(first["eventId"], event["id"]);
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "not marked delivered: {d}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let notes = notifications_of(&app, &supplier).await?;
    assert!(
        notes.iter().any(|n| n["kind"] == "supplier.loan_granted"
            && n["subject"] == "A school is trialling Alpha Phonics"),
        "{notes:?}"
    );

    // Giving the seat back is the second event.
    let mine = app
        .data_as(
            &school,
            "{ myLoans { edges { node { id version } } } }",
            json!({}),
        )
        .await?;
    let node = &mine["myLoans"]["edges"][0]["node"];
    app.data_as(
        &school,
        "mutation($id: ID!, $v: Int!) { returnLoan(id: $id, version: $v) { status } }",
        json!({ "id": node["id"], "v": node["version"] }),
    )
    .await?;
    let got = hook.wait_for(2).await?;
    let (headers, body) = &got[1];
    let returned: Value = serde_json::from_str(body)?;
    assert_eq!(returned["type"], "loan.returned");
    assert_eq!(returned["data"]["loanId"], l["id"]);
    assert_ne!(returned["id"], event["id"]);
    assert!(verify(
        header(headers, "becta-signature").context("signature")?,
        body,
        &secret
    ));
    Ok(())
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_and_a_rotated_secret_signs_alongside_the_old_one()
-> Result<()> {
    let app = spawn_app_with(
        false,
        &[
            ("BECTA_WEBHOOK_ALLOW_HTTP_LOOPBACK", "true"),
            ("BECTA_DELIVERY_BACKOFF_MS", "20"),
        ],
    )
    .await?;
    let hook = receiver(vec![503, 500]).await?;
    let f = fixture::load(&app.db).await?;
    let (supplier, offer) = offer_in(&app, &f).await?;
    let ep = app
        .data_as(
            &supplier,
            REGISTER,
            json!({ "u": hook.url, "k": ["LOAN_GRANTED"] }),
        )
        .await?["registerWebhookEndpoint"]
        .clone();
    let old = ep["secret"].as_str().context("secret")?.to_owned();
    let rotated = app
        .data_as(
            &supplier,
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret previousSecretValidUntil } }",
            json!({ "id": ep["id"] }),
        )
        .await?["rotateWebhookSecret"]
        .clone();
    let new = rotated["secret"].as_str().context("new secret")?.to_owned();
    assert_ne!(new, old);
    let until: chrono::DateTime<Utc> = rotated["previousSecretValidUntil"]
        .as_str()
        .context("grace")?
        .parse()?;
    assert!(until > Utc::now() + chrono::Duration::hours(23));

    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    borrow(&app, &school, &offer).await?;
    // Two refusals, then accepted: the same event three times, each signed with both secrets.
    let got = hook.wait_for(3).await?;
    let ids: Vec<Option<&str>> = got
        .iter()
        .map(|(h, _)| header(h, "becta-event-id"))
        .collect();
    assert!(ids.iter().all(|i| i.is_some() && *i == ids[0]), "{ids:?}");
    for (headers, body) in &got {
        let sig = header(headers, "becta-signature").context("signature")?;
        assert!(verify(sig, body, &new), "new secret: {sig}");
        assert!(
            verify(sig, body, &old),
            "old secret within the grace period: {sig}"
        );
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let d = app
            .data_as(
                &supplier,
                "{ myWebhookDeliveries { status attempts } }",
                json!({}),
            )
            .await?;
        if d["myWebhookDeliveries"][0]["status"] == "DELIVERED" {
            assert_eq!(d["myWebhookDeliveries"][0]["attempts"], 3);
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "not delivered: {d}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Another supplier cannot rotate this endpoint's secret.
    let beta = app.token(Role::Supplier, Some(&f.beta.to_string()));
    let r = app
        .gql_as(
            &beta,
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }",
            json!({ "id": ep["id"] }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["NOT_FOUND"]);
    Ok(())
}

#[tokio::test]
async fn webhook_endpoints_must_be_https_and_name_their_events() -> Result<()> {
    let app = spawn_app_with(false, &[]).await?;
    let f = fixture::load(&app.db).await?;
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    for url in [
        "http://127.0.0.1:9000/hook",
        "http://hooks.example.com/becta",
        "https://10.0.0.7/hook",
        "not a url",
    ] {
        let r = app
            .gql_as(
                &supplier,
                REGISTER,
                json!({ "u": url, "k": ["LOAN_GRANTED"] }),
            )
            .await?;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{url}: {r}");
        assert_eq!(r["errors"][0]["extensions"]["field"], "url");
    }
    let r = app
        .gql_as(
            &supplier,
            REGISTER,
            json!({ "u": "https://hooks.example.com/becta", "k": [] }),
        )
        .await?;
    assert_eq!(r["errors"][0]["extensions"]["field"], "kinds");
    // Invitations to a competition have no producer yet, but endpoints may subscribe.
    let ok = app
        .data_as(
            &supplier,
            REGISTER,
            json!({ "u": "https://hooks.example.com/becta", "k": ["COMPETITION_INVITED", "VETTING_DECIDED"] }),
        )
        .await?;
    assert_eq!(
        ok["registerWebhookEndpoint"]["kinds"],
        json!(["COMPETITION_INVITED", "VETTING_DECIDED"])
    );
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let r = app
        .gql_as(
            &school,
            REGISTER,
            json!({ "u": "https://hooks.example.com/x", "k": ["LOAN_GRANTED"] }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);
    Ok(())
}
