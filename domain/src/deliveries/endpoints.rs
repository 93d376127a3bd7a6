//! Suppliers' webhook endpoints: registering one (an `https://` URL on a public address; plain
//! `http://` only to loopback when the server allows it), rotating its secret, removing it, and
//! listing endpoints and their deliveries. Sending is [`super::webhooks`].
//!
//! Policy: a supplier sees and changes only its own endpoints (another's is `NOT_FOUND`); the
//! signing secret is shown once, in the answer that made it; literal private, loopback and
//! link-local addresses are refused over https too (host names are not resolved at
//! registration); at most [`MAX_ENDPOINTS`] per supplier.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::webhooks::{ROTATION_GRACE_HOURS, WebhookEventKind};
use crate::actor::{self, Actor};
use crate::entity::{webhook_delivery, webhook_endpoint};
use crate::{Error, Result, audit, db};

/// Most endpoints one supplier may register.
pub const MAX_ENDPOINTS: u64 = 10;

/// A registered endpoint, with its secret only when just made (register or rotate).
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub row: webhook_endpoint::Model,
    pub kinds: Vec<WebhookEventKind>,
    pub new_secret: Option<String>,
}

impl Endpoint {
    fn of(row: webhook_endpoint::Model, new_secret: Option<String>) -> Self {
        let kinds = row
            .kinds
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().and_then(WebhookEventKind::from_code))
                    .collect()
            })
            .unwrap_or_default();
        Endpoint {
            row,
            kinds,
            new_secret,
        }
    }
}

fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(format!("whsec_{}", hex::encode(bytes)))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn is_private(host: &str) -> bool {
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        Ok(IpAddr::V4(ip)) => {
            ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified()
        }
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || (ip.segments()[0] & 0xffc0) == 0xfe80
        }
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// Checks an endpoint URL against the policy above.
pub fn check_url(url: &str, allow_http_loopback: bool) -> Result<String> {
    let bad = |m: &str| Error::bad_input("url", m);
    let url = url.trim();
    if url.len() > 2000 {
        return Err(bad("the URL is longer than 2,000 characters"));
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| bad("not a URL"))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| bad("the URL names no host"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(
            "put no credentials in the URL: verify the signature instead",
        ));
    }
    match parsed.scheme() {
        "https" if !is_private(host) => {}
        "https" if allow_http_loopback && is_loopback(host) => {}
        "https" => return Err(bad("the endpoint must be reachable on the internet")),
        "http" if allow_http_loopback && is_loopback(host) => {}
        "http" => return Err(bad("the endpoint must be an https:// URL")),
        _ => return Err(bad("the endpoint must be an https:// URL")),
    }
    Ok(parsed.to_string())
}

fn kinds_json(kinds: &[WebhookEventKind]) -> Result<serde_json::Value> {
    if kinds.is_empty() {
        return Err(Error::bad_input("kinds", "name at least one event kind"));
    }
    let mut codes: Vec<&str> = kinds.iter().map(|k| k.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    Ok(json!(codes))
}

/// A supplier registers an endpoint for some event kinds; the answer carries its signing
/// secret, shown this once.
pub async fn register(
    db: &DatabaseConnection,
    actor: &Actor,
    url: &str,
    kinds: &[WebhookEventKind],
    allow_http_loopback: bool,
) -> Result<Endpoint> {
    let supplier_id = actor.supplier_id()?;
    let url = check_url(url, allow_http_loopback)?;
    let kinds = kinds_json(kinds)?;
    let tx = actor::begin(db, actor).await?;
    let count = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::SupplierId.eq(supplier_id))
        .filter(webhook_endpoint::Column::Active.eq(true))
        .count(&tx)
        .await?;
    if count >= MAX_ENDPOINTS {
        return Err(Error::conflict_on(
            "url",
            format!("a supplier may have {MAX_ENDPOINTS} endpoints: remove one first"),
        ));
    }
    let now = Utc::now();
    let secret = new_secret()?;
    let row = webhook_endpoint::Model {
        id: Uuid::now_v7(),
        supplier_id,
        url,
        kinds,
        secret: secret.clone(),
        previous_secret: None,
        previous_secret_expires_at: None,
        active: true,
        created_at: now,
        updated_at: now,
    };
    webhook_endpoint::Entity::insert(webhook_endpoint::ActiveModel::from(row.clone()))
        .exec_without_returning(&tx)
        .await?;
    audit::record(
        &tx,
        actor,
        "webhook.register",
        "webhook_endpoint",
        row.id,
        None,
        Some(json!({ "url": row.url, "kinds": row.kinds })),
    )
    .await?;
    db::commit(tx).await?;
    Ok(Endpoint::of(row, Some(secret)))
}

async fn own(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<webhook_endpoint::Model> {
    let supplier_id = actor.supplier_id()?;
    webhook_endpoint::Entity::find_by_id(id)
        .one(tx)
        .await?
        .filter(|e| e.supplier_id == supplier_id && e.active)
        .ok_or(Error::not_found("webhook endpoint"))
}

/// Makes a new secret; the old one keeps signing (alongside) for the grace period.
pub async fn rotate(db: &DatabaseConnection, actor: &Actor, id: Uuid) -> Result<Endpoint> {
    let tx = actor::begin(db, actor).await?;
    let before = own(&tx, actor, id).await?;
    let now = Utc::now();
    let secret = new_secret()?;
    let after = webhook_endpoint::Model {
        secret: secret.clone(),
        previous_secret: Some(before.secret.clone()),
        previous_secret_expires_at: Some(now + chrono::Duration::hours(ROTATION_GRACE_HOURS)),
        updated_at: now,
        ..before.clone()
    };
    webhook_endpoint::Entity::update_many()
        .col_expr(
            webhook_endpoint::Column::Secret,
            Expr::value(after.secret.clone()),
        )
        .col_expr(
            webhook_endpoint::Column::PreviousSecret,
            Expr::value(after.previous_secret.clone()),
        )
        .col_expr(
            webhook_endpoint::Column::PreviousSecretExpiresAt,
            Expr::value(after.previous_secret_expires_at),
        )
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    audit::record(
        &tx,
        actor,
        "webhook.rotate_secret",
        "webhook_endpoint",
        id,
        None,
        Some(json!({ "previousValidUntil": after.previous_secret_expires_at })),
    )
    .await?;
    db::commit(tx).await?;
    Ok(Endpoint::of(after, Some(secret)))
}

/// Removes an endpoint: nothing more is sent to it, pending deliveries included.
pub async fn remove(db: &DatabaseConnection, actor: &Actor, id: Uuid) -> Result<Endpoint> {
    let tx = actor::begin(db, actor).await?;
    let before = own(&tx, actor, id).await?;
    webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::Active, Expr::value(false))
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value("failed"))
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value("the endpoint was removed"),
        )
        .filter(webhook_delivery::Column::EndpointId.eq(id))
        .filter(webhook_delivery::Column::Status.eq("pending"))
        .exec(&tx)
        .await?;
    audit::record(
        &tx,
        actor,
        "webhook.remove",
        "webhook_endpoint",
        id,
        None,
        None,
    )
    .await?;
    db::commit(tx).await?;
    Ok(Endpoint::of(
        webhook_endpoint::Model {
            active: false,
            ..before
        },
        None,
    ))
}

/// The supplier's active endpoints, oldest first.
pub async fn mine(db: &impl ConnectionTrait, actor: &Actor) -> Result<Vec<Endpoint>> {
    let supplier_id = actor.supplier_id()?;
    Ok(webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::SupplierId.eq(supplier_id))
        .filter(webhook_endpoint::Column::Active.eq(true))
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| Endpoint::of(e, None))
        .collect())
}

/// The supplier's deliveries, newest first, optionally of one endpoint and status.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    actor: &Actor,
    endpoint: Option<Uuid>,
    status: Option<&str>,
    first: u64,
) -> Result<Vec<webhook_delivery::Model>> {
    let supplier_id = actor.supplier_id()?;
    let mut q = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::SupplierId.eq(supplier_id));
    if let Some(e) = endpoint {
        q = q.filter(webhook_delivery::Column::EndpointId.eq(e));
    }
    if let Some(s) = status {
        q = q.filter(webhook_delivery::Column::Status.eq(s));
    }
    Ok(q.order_by_desc(webhook_delivery::Column::Id)
        .limit(first)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_https_except_loopback_when_allowed() {
        assert!(check_url("https://hooks.example.com/becta", false).is_ok());
        assert!(check_url("http://hooks.example.com/becta", true).is_err());
        assert!(check_url("http://127.0.0.1:9000/hook", false).is_err());
        assert!(check_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check_url("https://10.1.2.3/hook", false).is_err());
        assert!(check_url("https://user:pw@hooks.example.com/", false).is_err());
        assert!(check_url("ftp://hooks.example.com/", false).is_err());
    }
}
