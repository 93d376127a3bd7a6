//! Who a notification's email goes to: the user it names, or everyone of the organisation it
//! is addressed to (on the service organisation: every admin), each with a deliverable address
//! and email turned on for the kind.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Result;
use crate::entity::{notification, notification_preference, organisation, user, user_contact};
use crate::vocab::{OrgKind, Role};

/// The preference that stands for every kind without one of its own.
pub const ALL_KINDS: &str = "*";

/// One person to email.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub name: String,
    pub email: String,
}

/// Why nobody was emailed, when nobody was.
pub enum Outcome {
    Send(Vec<Recipient>),
    Skip(String),
}

/// A user's deliverable address: the one they set or their token carried, else a real
/// `users.email` (advisers in the directory); placeholders (`...@users.invalid`) never.
fn address(u: &user::Model, contacts: &HashMap<Uuid, String>) -> Option<String> {
    contacts
        .get(&u.id)
        .cloned()
        .or_else(|| Some(u.email.clone()).filter(|e| !e.ends_with(".invalid")))
        .filter(|e| e.contains('@'))
}

pub async fn of(db: &impl ConnectionTrait, n: &notification::Model) -> Result<Outcome> {
    let users: Vec<user::Model> = match n.user_id {
        Some(id) => user::Entity::find_by_id(id).all(db).await?,
        None => {
            let service = organisation::Entity::find_by_id(n.organisation_id)
                .one(db)
                .await?
                .is_some_and(|o| o.kind == OrgKind::Service.code());
            let q = user::Entity::find();
            if service {
                q.filter(user::Column::Role.eq(Role::Admin.code()))
            } else {
                q.filter(user::Column::OrganisationId.eq(n.organisation_id))
            }
            .all(db)
            .await?
        }
    };
    if users.is_empty() {
        return Ok(Outcome::Skip("nobody to email".into()));
    }
    let ids: Vec<Uuid> = users.iter().map(|u| u.id).collect();
    let contacts: HashMap<Uuid, String> = user_contact::Entity::find()
        .filter(user_contact::Column::UserId.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.user_id, c.email))
        .collect();
    let mut prefs: HashMap<(Uuid, String), bool> = HashMap::new();
    for p in notification_preference::Entity::find()
        .filter(notification_preference::Column::UserId.is_in(ids))
        .filter(notification_preference::Column::Kind.is_in([n.kind.as_str(), ALL_KINDS]))
        .all(db)
        .await?
    {
        prefs.insert((p.user_id, p.kind), p.email);
    }
    let wants = |id: Uuid| {
        prefs
            .get(&(id, n.kind.clone()))
            .or_else(|| prefs.get(&(id, ALL_KINDS.to_owned())))
            .copied()
            .unwrap_or(true)
    };
    let mut out = Vec::new();
    let (mut no_address, mut turned_off) = (0, 0);
    for u in &users {
        if !wants(u.id) {
            turned_off += 1;
            continue;
        }
        match address(u, &contacts) {
            Some(email) => out.push(Recipient {
                name: u.display_name.clone(),
                email,
            }),
            None => no_address += 1,
        }
    }
    Ok(if !out.is_empty() {
        Outcome::Send(out)
    } else if turned_off > 0 && no_address == 0 {
        Outcome::Skip(format!("email is turned off for {}", n.kind))
    } else {
        Outcome::Skip("no email address on record".into())
    })
}
