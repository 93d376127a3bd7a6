//! Sharing: who may read a shortlist (colleagues, the trust, advisers on an attached case),
//! and the lists each reader sees.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::{owned, touch};
use crate::actor::{self, Actor};
use crate::entity::{advice_request, organisation, shortlist};
use crate::vocab::{Role, Sharing};
use crate::{Error, Result, advice, audit, db};

async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<shortlist::Model> {
    shortlist::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::not_found("shortlist"))
}

async fn trust_of(db: &impl ConnectionTrait, org: Uuid) -> Result<Option<Uuid>> {
    Ok(organisation::Entity::find_by_id(org)
        .one(db)
        .await?
        .and_then(|o| o.trust_id))
}

/// Whether `actor` may read `s` (see the module's policy).
pub async fn can_read(
    db: &impl ConnectionTrait,
    actor: &Actor,
    s: &shortlist::Model,
) -> Result<bool> {
    if actor.user_id == s.owner_id {
        return Ok(true);
    }
    match actor.role {
        Role::Adviser | Role::Admin => Ok(s.advice_request_id.is_some()),
        Role::Supplier => Ok(false),
        Role::SchoolBuyer => {
            let Some(mine) = actor.organisation_id else {
                return Ok(false);
            };
            let sharing = Sharing::from_code(&s.sharing).unwrap_or(Sharing::Private);
            Ok(match sharing {
                Sharing::Private => false,
                Sharing::School => mine == s.school_id,
                Sharing::Trust => {
                    mine == s.school_id || {
                        let (a, b) = (trust_of(db, mine).await?, trust_of(db, s.school_id).await?);
                        a.is_some() && a == b
                    }
                }
            })
        }
    }
}

/// The shortlist if `actor` may read it.
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<shortlist::Model> {
    let s = find(db, id).await?;
    if can_read(db, actor, &s).await? {
        Ok(s)
    } else {
        Err(Error::Forbidden(
            "this shortlist is not shared with you".into(),
        ))
    }
}

/// The owner attaches it to one of the school's advice cases (or detaches it with `None`), so
/// the advisers on the case can read it.
pub async fn attach(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    advice_request_id: Option<Uuid>,
) -> Result<shortlist::Model> {
    let tx = actor::begin(db, actor).await?;
    let before = owned(&tx, actor, id).await?;
    if let Some(case) = advice_request_id {
        let r = advice_request::Entity::find_by_id(case)
            .one(&tx)
            .await?
            .filter(|r| r.school_id == before.school_id)
            .ok_or(Error::not_found("advice request"))?;
        advice::history(
            &tx,
            r.id,
            "shortlist_attached",
            Some(json!({ "shortlistId": id, "name": before.name })),
            actor,
            false,
        )
        .await?;
    }
    let after = touch(&tx, &before, version, |s| {
        s.advice_request_id = advice_request_id;
    })
    .await?;
    audit::record(
        &tx,
        actor,
        "shortlist.attach",
        "shortlist",
        id,
        Some(audit::snapshot(&before)?),
        Some(audit::snapshot(&after)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
}

/// Shortlists `actor` may read: for a school buyer, their own and those their school or
/// trust shares (`owned_only` keeps their own); for advisers and admins, those attached to
/// advice cases. Most recently changed first.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    owned_only: bool,
) -> Result<Vec<shortlist::Model>> {
    let mut q = shortlist::Entity::find();
    q = match actor.role {
        Role::Supplier => {
            return Err(Error::Forbidden("shortlists belong to schools".into()));
        }
        Role::Adviser | Role::Admin if owned_only => {
            q.filter(shortlist::Column::OwnerId.eq(actor.user_id))
        }
        Role::Adviser | Role::Admin => q.filter(shortlist::Column::AdviceRequestId.is_not_null()),
        Role::SchoolBuyer if owned_only => q.filter(shortlist::Column::OwnerId.eq(actor.user_id)),
        Role::SchoolBuyer => {
            let mine = actor.school_id()?;
            let mut shared = Condition::any()
                .add(shortlist::Column::OwnerId.eq(actor.user_id))
                .add(
                    Condition::all()
                        .add(shortlist::Column::SchoolId.eq(mine))
                        .add(shortlist::Column::Sharing.ne(Sharing::Private.code())),
                );
            if let Some(trust) = trust_of(db, mine).await? {
                let schools: Vec<Uuid> = organisation::Entity::find()
                    .select_only()
                    .column(organisation::Column::Id)
                    .filter(organisation::Column::TrustId.eq(trust))
                    .into_tuple()
                    .all(db)
                    .await?;
                shared = shared.add(
                    Condition::all()
                        .add(shortlist::Column::SchoolId.is_in(schools))
                        .add(shortlist::Column::Sharing.eq(Sharing::Trust.code())),
                );
            }
            q.filter(shared)
        }
    };
    Ok(q.order_by_desc(shortlist::Column::UpdatedAt)
        .order_by_desc(shortlist::Column::Id)
        .limit(500)
        .all(db)
        .await?)
}

/// Shortlists attached to an advice case the caller may see.
pub async fn for_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    advice_request_id: Uuid,
) -> Result<Vec<shortlist::Model>> {
    let case = advice::get(db, actor, advice_request_id).await?;
    let rows = shortlist::Entity::find()
        .filter(shortlist::Column::AdviceRequestId.eq(case.id))
        .order_by_asc(shortlist::Column::CreatedAt)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for s in rows {
        if can_read(db, actor, &s).await? {
            out.push(s);
        }
    }
    Ok(out)
}
