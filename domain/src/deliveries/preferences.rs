//! A user's email preferences: email on or off per notification kind (in the app, every
//! notification shows regardless), and the address email goes to.
//!
//! Policy: email is on for every kind until the user turns it off. A preference for the kind
//! `*` stands for every kind without its own. The address is the one the user set here, else
//! the `email` claim of their latest token (refreshed on each write), else none; clearing the
//! set address (an empty string) goes back to the token's.

use chrono::Utc;
use sea_orm::sea_query::{ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::recipients::ALL_KINDS;
use crate::actor::{self, Actor};
use crate::entity::{notification_preference, user_contact};
use crate::{Error, Result, audit, db};

/// One preference.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "graphql", derive(async_graphql::InputObject))]
#[cfg_attr(feature = "graphql", graphql(name = "NotificationPreferenceInput"))]
pub struct PreferenceInput {
    /// A notification kind such as `loan.reminder_7_days`, or `*` for every kind without its
    /// own preference.
    pub kind: String,
    /// Send this kind by email.
    pub email: bool,
}

/// The user's preferences and address.
#[derive(Debug, Clone)]
pub struct Preferences {
    pub email_address: Option<String>,
    /// `user` (set with `setNotificationPreferences`) or `token` (from the token's claim).
    pub address_source: Option<String>,
    pub kinds: Vec<notification_preference::Model>,
}

fn check_kind(kind: &str) -> Result<()> {
    let ok = kind == ALL_KINDS
        || (!kind.is_empty()
            && kind.len() <= 40
            && kind.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            }));
    if ok {
        Ok(())
    } else {
        Err(Error::bad_input(
            "preferences.kind",
            format!("{kind:?} is not a notification kind (such as loan.granted, or * for all)"),
        ))
    }
}

fn check_email(email: &str) -> Result<()> {
    let bad = || Error::bad_input("emailAddress", "not an email address");
    if email.len() > 254 || email.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    if local.is_empty() || !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.')
    {
        return Err(bad());
    }
    Ok(())
}

/// The user's preferences.
pub async fn mine(db: &impl ConnectionTrait, actor: &Actor) -> Result<Preferences> {
    let contact = user_contact::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?;
    let kinds = notification_preference::Entity::find()
        .filter(notification_preference::Column::UserId.eq(actor.user_id))
        .order_by_asc(notification_preference::Column::Kind)
        .all(db)
        .await?;
    Ok(Preferences {
        email_address: contact
            .as_ref()
            .map(|c| c.email.clone())
            .or_else(|| actor.email.clone()),
        address_source: contact
            .map(|c| c.source)
            .or_else(|| actor.email.as_ref().map(|_| "token".to_owned())),
        kinds,
    })
}

/// Sets email on or off for some kinds (others keep theirs) and, optionally, the address.
pub async fn set(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    prefs: &[PreferenceInput],
    email_address: Option<&str>,
) -> Result<Preferences> {
    if prefs.len() > 100 {
        return Err(Error::bad_input("preferences", "at most 100 at a time"));
    }
    for p in prefs {
        check_kind(&p.kind)?;
    }
    let address = email_address.map(str::trim);
    if let Some(a) = address.filter(|a| !a.is_empty()) {
        check_email(a)?;
    }
    let tx = actor::begin(db, actor).await?;
    let now = Utc::now();
    for p in prefs {
        notification_preference::Entity::insert(notification_preference::ActiveModel {
            user_id: Set(actor.user_id),
            kind: Set(p.kind.clone()),
            email: Set(p.email),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                notification_preference::Column::UserId,
                notification_preference::Column::Kind,
            ])
            .update_columns([
                notification_preference::Column::Email,
                notification_preference::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(&tx)
        .await?;
    }
    match address {
        None => {}
        Some("") => {
            user_contact::Entity::delete_by_id(actor.user_id)
                .exec(&tx)
                .await?;
            if let Some(e) = &actor.email {
                record_token_email(&tx, actor.user_id, e).await?;
            }
        }
        Some(a) => {
            user_contact::Entity::insert(user_contact::ActiveModel {
                user_id: Set(actor.user_id),
                email: Set(a.to_owned()),
                source: Set("user".into()),
                updated_at: Set(now),
            })
            .on_conflict(
                OnConflict::column(user_contact::Column::UserId)
                    .update_columns([
                        user_contact::Column::Email,
                        user_contact::Column::Source,
                        user_contact::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&tx)
            .await?;
        }
    }
    audit::record(
        &tx,
        actor,
        "notifications.preferences",
        "user",
        actor.user_id,
        None,
        Some(serde_json::json!({
            "kinds": prefs.iter().map(|p| serde_json::json!({ "kind": p.kind, "email": p.email })).collect::<Vec<_>>(),
            "addressChanged": address.is_some(),
        })),
    )
    .await?;
    let out = mine(&tx, actor).await?;
    db::commit(tx).await?;
    Ok(out)
}

/// Records the token's email claim as the user's address, unless the user set one.
pub async fn record_token_email(
    tx: &impl ConnectionTrait,
    user_id: uuid::Uuid,
    email: &str,
) -> Result<()> {
    let email = email.trim();
    if check_email(email).is_err() {
        return Ok(());
    }
    user_contact::Entity::insert(user_contact::ActiveModel {
        user_id: Set(user_id),
        email: Set(email.to_owned()),
        source: Set("token".into()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(user_contact::Column::UserId)
            .update_columns([user_contact::Column::Email, user_contact::Column::UpdatedAt])
            .action_and_where(
                sea_orm::sea_query::Expr::col((user_contact::Entity, user_contact::Column::Source))
                    .eq("token")
                    .and(
                        sea_orm::sea_query::Expr::col((
                            user_contact::Entity,
                            user_contact::Column::Email,
                        ))
                        .ne(email),
                    ),
            )
            .to_owned(),
    )
    .exec_without_returning(tx)
    .await?;
    Ok(())
}
