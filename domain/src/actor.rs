//! Who is acting: the user a verified token names, with their role and organisation.
//!
//! Policy: the api crate verifies tokens and builds an [`Actor`]; services take one for every
//! write and decide from it alone. A user row is written (or refreshed from the token) in the
//! first statement of each write transaction, so tokens from an external identity provider
//! need no sign-up step. An adviser in the directory (`advice::advisers`) is a user row that
//! an admin wrote first: a token whose subject is that row's id acts as that adviser, and
//! never renames them.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use crate::entity::{adviser, organisation, user};
use crate::vocab::{OrgKind, Role};
use crate::{Error, Result, db};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub role: Role,
    /// The school, trust or supplier the user acts for; advisers and admins may have none.
    pub organisation_id: Option<Uuid>,
    /// The kind of that organisation: a SCHOOL_BUYER acts for one school, or (trust-scoped)
    /// for a trust and all its schools.
    pub org_kind: Option<OrgKind>,
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// The HTTP request this action came in on, for the audit log.
    pub request_id: Option<String>,
}

impl Actor {
    /// `FORBIDDEN` unless the actor has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "this needs the role {}",
                roles
                    .iter()
                    .map(|r| r.code())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )))
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The supplier organisation of a SUPPLIER actor.
    pub fn supplier_id(&self) -> Result<Uuid> {
        self.require(&[Role::Supplier])?;
        self.organisation_id
            .ok_or_else(|| Error::Forbidden("the token names no supplier organisation".into()))
    }

    /// The school of a SCHOOL_BUYER actor who acts for one school. A trust-scoped buyer is
    /// refused: what a school does for itself (borrow, buy, review) names one school.
    pub fn school_id(&self) -> Result<Uuid> {
        self.require(&[Role::SchoolBuyer])?;
        match (self.org_kind, self.organisation_id) {
            (Some(OrgKind::School), Some(id)) => Ok(id),
            (Some(OrgKind::Trust), _) => Err(Error::Forbidden(
                "this is done for one school: the token names a trust, so sign in with a token \
                 whose `org` is the school's URN"
                    .into(),
            )),
            _ => Err(Error::Forbidden("the token names no school".into())),
        }
    }

    /// The trust of a trust-scoped SCHOOL_BUYER (a token whose `org` is `trust:<Group UID>`).
    pub fn trust_id(&self) -> Result<Uuid> {
        self.require(&[Role::SchoolBuyer])?;
        match (self.org_kind, self.organisation_id) {
            (Some(OrgKind::Trust), Some(id)) => Ok(id),
            _ => Err(Error::Forbidden(
                "this is done for a trust: sign in with a token whose `org` is \
                 `trust:<Group UID>`"
                    .into(),
            )),
        }
    }
}

/// What a refused school or trust is told: how schools and trusts come to be known.
const IMPORT_HINT: &str = "schools and academy trusts are loaded from the DfE's GIAS extracts \
     (Get Information About Schools), so ask the service's operator to import the latest ones \
     with `becta import gias --establishments FILE --groups FILE --links FILE`";

/// Finds the organisation a token's `org` claim names: a school's URN, or `trust:<Group UID>`
/// for a trust-scoped buyer, for SCHOOL_BUYER; a supplier's id for SUPPLIER; optional for ADVISER and ADMIN (the service's own organisation
/// by id). `UNAUTHENTICATED` when the claim is missing or names nothing we know.
pub async fn resolve_organisation(
    db: &impl ConnectionTrait,
    role: Role,
    claim: Option<&str>,
) -> Result<Option<organisation::Model>> {
    let unknown = || Error::Unauthenticated("the token's organisation is not registered".into());
    let claim = claim.map(str::trim).filter(|c| !c.is_empty());
    let found = match (role, claim) {
        (Role::SchoolBuyer, Some(claim)) if claim.starts_with("trust:") => {
            let group_uid = claim["trust:".len()..].trim();
            let trust = organisation::Entity::find()
                .filter(organisation::Column::GroupUid.eq(group_uid))
                .filter(organisation::Column::Kind.eq(OrgKind::Trust.code()))
                .one(db)
                .await?;
            return match trust {
                Some(t) => Ok(Some(t)),
                None => Err(Error::Unauthenticated(format!(
                    "the trust with Group UID {group_uid} is unknown to this service: {IMPORT_HINT}"
                ))),
            };
        }
        (Role::SchoolBuyer, Some(urn)) => {
            let urn: i32 = urn
                .parse()
                .ok()
                .filter(|u| (100_000..1_000_000).contains(u))
                .ok_or_else(|| {
                    Error::Unauthenticated(
                        "a school buyer's organisation must be its school's 6-digit URN or \
                         `trust:<Group UID>`"
                            .into(),
                    )
                })?;
            let school = organisation::Entity::find()
                .filter(organisation::Column::Urn.eq(urn))
                .filter(organisation::Column::Kind.eq(OrgKind::School.code()))
                .one(db)
                .await?;
            return match school {
                Some(s) => Ok(Some(s)),
                None => Err(Error::Unauthenticated(format!(
                    "the school with URN {urn} is unknown to this service: {IMPORT_HINT}"
                ))),
            };
        }
        (Role::Supplier, Some(id)) => {
            let id: Uuid = id.parse().map_err(|_| {
                Error::Unauthenticated("a supplier's organisation must be its id".into())
            })?;
            organisation::Entity::find_by_id(id)
                .filter(organisation::Column::Kind.eq(OrgKind::Supplier.code()))
                .one(db)
                .await?
        }
        (Role::SchoolBuyer | Role::Supplier, None) => {
            return Err(Error::Unauthenticated(
                "the token names no organisation".into(),
            ));
        }
        (Role::Adviser | Role::Admin, None) => return Ok(None),
        (Role::Adviser | Role::Admin, Some(id)) => {
            let id: Uuid = id.parse().map_err(|_| unknown())?;
            organisation::Entity::find_by_id(id)
                .filter(organisation::Column::Kind.eq(OrgKind::Service.code()))
                .one(db)
                .await?
        }
    };
    found.map(Some).ok_or_else(unknown)
}

/// Starts a write transaction on behalf of `actor`, recording (or refreshing) their user row.
/// The row of an adviser in the directory is the directory's: their name, email and role are
/// what admins set there, and signing in changes none of them.
pub async fn begin(db: &DatabaseConnection, actor: &Actor) -> Result<DatabaseTransaction> {
    let tx = db::begin_write(db).await?;
    // The token's email is shown by `me` but not stored: `users.email` is unique, and an email
    // that moved between identities would otherwise block every write of the new one.
    let email = format!("{}@users.invalid", actor.user_id);
    let name = actor
        .display_name
        .clone()
        .unwrap_or_else(|| format!("{} {}", actor.role.code(), actor.user_id));
    user::Entity::insert(user::ActiveModel {
        id: Set(actor.user_id),
        email: Set(email),
        display_name: Set(name),
        role: Set(actor.role.code().into()),
        organisation_id: Set(actor.organisation_id),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(user::Column::Id)
            .update_columns([
                user::Column::Role,
                user::Column::OrganisationId,
                user::Column::DisplayName,
            ])
            .action_and_where(
                Expr::exists(
                    Query::select()
                        .expr(Expr::val(1))
                        .from(adviser::Entity)
                        .and_where(
                            Expr::col((adviser::Entity, adviser::Column::UserId))
                                .equals((user::Entity, user::Column::Id)),
                        )
                        .to_owned(),
                )
                .not(),
            )
            .to_owned(),
    )
    .exec_without_returning(&tx)
    .await?;
    // The token's email is where the user's email notifications go (unless they set another).
    if let Some(email) = &actor.email {
        crate::deliveries::preferences::record_token_email(&tx, actor.user_id, email).await?;
    }
    Ok(tx)
}

/// Users by id, for showing who did what: one query for all ids.
pub async fn users_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, user::Model>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}
