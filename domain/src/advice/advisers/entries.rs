//! Writing the directory: admins add advisers (or seeding does), change them, and deactivate
//! or reactivate them, each in one transaction with its audit record.

use std::collections::BTreeSet;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use super::{AdviserRecord, by_ids, find};
use crate::actor::{self, Actor};
use crate::entity::{adviser, adviser_category, adviser_region, category, user};
use crate::vocab::{Region, Role};
use crate::{Error, Result, audit, db, validate};

/// An adviser as admins describe them, for creating or replacing a directory entry.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "AdviserInput")
)]
pub struct AdviserProfile {
    /// The adviser's full name, as schools and colleagues see it: 2 to 200 characters.
    pub name: String,
    /// Their work email, unique among users; stored lower-cased.
    pub email: String,
    /// Category slugs they specialise in: deal or product categories (see `categories`).
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub categories: Vec<String>,
    /// Regions of England they cover.
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub regions: Vec<Region>,
    /// The most open cases they take at once: 1 to 200.
    pub capacity: i32,
}

/// Most categories one adviser may specialise in.
const MAX_CATEGORIES: usize = 30;

impl AdviserProfile {
    /// Checks the fields that need no database, normalising the email, and sorting and
    /// deduplicating the specialisms.
    fn normalised(mut self) -> Result<Self> {
        validate::text("name", &self.name, 2, 200)?;
        self.name = self.name.trim().to_owned();
        self.email = validate::email("email", &self.email)?;
        for c in &self.categories {
            validate::code("categories", c)?;
        }
        self.categories.sort();
        self.categories.dedup();
        if self.categories.len() > MAX_CATEGORIES {
            return Err(Error::bad_input(
                "categories",
                format!("`categories` may name at most {MAX_CATEGORIES} categories"),
            ));
        }
        self.regions.sort();
        self.regions.dedup();
        if !(1..=200).contains(&self.capacity) {
            return Err(Error::bad_input(
                "capacity",
                format!(
                    "`capacity` is the most open cases an adviser takes: 1 to 200, got {}",
                    self.capacity
                ),
            ));
        }
        Ok(self)
    }
}

/// `BAD_USER_INPUT` naming `categories` unless every slug is a category.
async fn check_categories(db: &impl ConnectionTrait, slugs: &[String]) -> Result<()> {
    if slugs.is_empty() {
        return Ok(());
    }
    let known: BTreeSet<String> = category::Entity::find()
        .filter(category::Column::Slug.is_in(slugs.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.slug)
        .collect();
    let unknown: Vec<&str> = slugs
        .iter()
        .filter(|s| !known.contains(*s))
        .map(String::as_str)
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(Error::bad_input(
            "categories",
            format!(
                "`categories` must be category slugs (see `categories(scope: DEAL)` and \
                 `categories(scope: PRODUCT)`); unknown: {}",
                unknown.join(", ")
            ),
        ))
    }
}

/// `CONFLICT` naming `email` when another user has this email.
async fn check_email_free(db: &impl ConnectionTrait, email: &str, except: Uuid) -> Result<()> {
    let taken = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .filter(user::Column::Id.ne(except))
        .one(db)
        .await?
        .is_some();
    if taken {
        Err(Error::conflict_on(
            "email",
            format!("`email`: {email} is already the email of another user"),
        ))
    } else {
        Ok(())
    }
}

/// Replaces the adviser's specialisms in the caller's transaction.
async fn write_specialisms(tx: &impl ConnectionTrait, id: Uuid, p: &AdviserProfile) -> Result<()> {
    adviser_category::Entity::delete_many()
        .filter(adviser_category::Column::AdviserId.eq(id))
        .exec(tx)
        .await?;
    adviser_region::Entity::delete_many()
        .filter(adviser_region::Column::AdviserId.eq(id))
        .exec(tx)
        .await?;
    if !p.categories.is_empty() {
        adviser_category::Entity::insert_many(p.categories.iter().map(|c| {
            adviser_category::ActiveModel {
                adviser_id: Set(id),
                category_slug: Set(c.clone()),
            }
        }))
        .exec_without_returning(tx)
        .await?;
    }
    if !p.regions.is_empty() {
        adviser_region::Entity::insert_many(p.regions.iter().map(|r| {
            adviser_region::ActiveModel {
                adviser_id: Set(id),
                region: Set(r.code().into()),
            }
        }))
        .exec_without_returning(tx)
        .await?;
    }
    Ok(())
}

/// Writes a new directory entry in the caller's transaction: the user row (inserted, or an
/// existing adviser's renamed) and the profile with its specialisms. Seeding shares it; the
/// caller has checked the categories exist.
pub async fn insert(
    tx: &impl ConnectionTrait,
    id: Uuid,
    profile: AdviserProfile,
    is_sample: bool,
) -> Result<AdviserProfile> {
    let p = profile.normalised()?;
    let now = Utc::now();
    let existing = user::Entity::find_by_id(id).one(tx).await?;
    match existing {
        Some(_) => {
            user::Entity::update_many()
                .col_expr(user::Column::DisplayName, Expr::value(p.name.clone()))
                .col_expr(user::Column::Email, Expr::value(p.email.clone()))
                .col_expr(user::Column::Role, Expr::value(Role::Adviser.code()))
                .filter(user::Column::Id.eq(id))
                .exec(tx)
                .await?;
        }
        None => {
            user::Entity::insert(user::ActiveModel {
                id: Set(id),
                email: Set(p.email.clone()),
                display_name: Set(p.name.clone()),
                role: Set(Role::Adviser.code().into()),
                organisation_id: Set(None),
                created_at: Set(now),
            })
            .exec_without_returning(tx)
            .await?;
        }
    }
    adviser::Entity::insert(adviser::ActiveModel {
        user_id: Set(id),
        capacity: Set(p.capacity),
        active: Set(true),
        version: Set(1),
        is_sample: Set(is_sample),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(tx)
    .await?;
    write_specialisms(tx, id, &p).await?;
    Ok(p)
}

/// An admin adds an adviser to the directory: under a new id, or under `user_id`, the id of
/// someone who already signs in as an adviser (or whose token will carry it).
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: Option<Uuid>,
    profile: AdviserProfile,
) -> Result<AdviserRecord> {
    actor.require(&[Role::Admin])?;
    let profile = profile.normalised()?;
    check_categories(db, &profile.categories).await?;
    let tx = actor::begin(db, actor).await?;
    let id = match user_id {
        None => Uuid::now_v7(),
        Some(id) => {
            if let Some(existing) = by_ids(&tx, &[id]).await?.remove(&id) {
                if existing.profile.is_some() {
                    return Err(Error::conflict_on(
                        "userId",
                        "`userId`: this user is in the adviser directory already",
                    ));
                }
                if existing.user.role != Role::Adviser.code() {
                    return Err(Error::bad_input(
                        "userId",
                        format!(
                            "`userId` names a user who signs in as {}: only advisers join the directory",
                            existing.user.role
                        ),
                    ));
                }
            }
            id
        }
    };
    check_email_free(&tx, &profile.email, id).await?;
    let p = insert(&tx, id, profile, false).await?;
    audit::record(
        &tx,
        actor,
        "adviser.create",
        "adviser",
        id,
        None,
        Some(audit::snapshot(&p)?),
    )
    .await?;
    let row = find(&tx, id).await?;
    db::commit(tx).await?;
    Ok(row)
}

fn stale() -> Error {
    Error::Conflict(
        "the adviser has changed since you read them: reload and apply your change to the current version".into(),
    )
}

/// Moves the profile at `version` to the next version with `changes`; `CONFLICT` when stale.
async fn bump(
    tx: &impl ConnectionTrait,
    id: Uuid,
    version: i32,
    changes: sea_orm::UpdateMany<adviser::Entity>,
) -> Result<()> {
    let done = changes
        .col_expr(adviser::Column::Version, Expr::value(version + 1))
        .col_expr(adviser::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(adviser::Column::UserId.eq(id))
        .filter(adviser::Column::Version.eq(version))
        .exec(tx)
        .await?;
    if done.rows_affected == 1 {
        Ok(())
    } else {
        Err(stale())
    }
}

/// What the audit log keeps of an entry.
fn snapshot(r: &AdviserRecord) -> Result<serde_json::Value> {
    audit::snapshot(&json!({
        "name": r.user.display_name,
        "email": r.user.email,
        "profile": r.profile,
    }))
}

/// An admin replaces an adviser's name, email, specialisms and capacity at `version`.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    profile: AdviserProfile,
) -> Result<AdviserRecord> {
    actor.require(&[Role::Admin])?;
    let p = profile.normalised()?;
    check_categories(db, &p.categories).await?;
    let tx = actor::begin(db, actor).await?;
    let before = find(&tx, id).await?;
    if before.profile.as_ref().map(|p| p.version) != Some(version) {
        return Err(stale());
    }
    check_email_free(&tx, &p.email, id).await?;
    bump(
        &tx,
        id,
        version,
        adviser::Entity::update_many().col_expr(adviser::Column::Capacity, Expr::value(p.capacity)),
    )
    .await?;
    user::Entity::update_many()
        .col_expr(user::Column::DisplayName, Expr::value(p.name.clone()))
        .col_expr(user::Column::Email, Expr::value(p.email.clone()))
        .filter(user::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    write_specialisms(&tx, id, &p).await?;
    audit::record(
        &tx,
        actor,
        "adviser.update",
        "adviser",
        id,
        Some(snapshot(&before)?),
        Some(audit::snapshot(&p)?),
    )
    .await?;
    let row = find(&tx, id).await?;
    db::commit(tx).await?;
    Ok(row)
}

/// An admin deactivates an adviser (no new cases, no suggestions; their open cases stay with
/// them) or reactivates them, at `version`.
pub async fn set_active(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    active: bool,
) -> Result<AdviserRecord> {
    actor.require(&[Role::Admin])?;
    let tx = actor::begin(db, actor).await?;
    let before = find(&tx, id).await?;
    let was = before.profile.as_ref().map(|p| (p.version, p.active));
    if was == Some((version, active)) {
        return Err(Error::Conflict(format!(
            "the adviser is {} already",
            if active { "active" } else { "inactive" }
        )));
    }
    if was.map(|(v, _)| v) != Some(version) {
        return Err(stale());
    }
    bump(
        &tx,
        id,
        version,
        adviser::Entity::update_many().col_expr(adviser::Column::Active, Expr::value(active)),
    )
    .await?;
    audit::record(
        &tx,
        actor,
        if active {
            "adviser.reactivate"
        } else {
            "adviser.deactivate"
        },
        "adviser",
        id,
        Some(json!({ "active": !active })),
        Some(json!({ "active": active })),
    )
    .await?;
    let row = find(&tx, id).await?;
    db::commit(tx).await?;
    Ok(row)
}
