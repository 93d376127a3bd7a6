//! Recommendations: the deals and products an adviser recommends on a case.

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::states::{self, Step};
use super::{history, save, status_of, visible};
use crate::actor::{self, Actor};
use crate::entity::{advice_recommendation, advice_request, product};
use crate::notifications::{self, Notice};
use crate::vocab::{AdviceStatus, Role};
use crate::{Error, Result, audit, db};

/// One recommended deal or product, with the adviser's rationale.
#[derive(Debug, Clone)]
pub struct NewRecommendation {
    pub deal_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    /// Why this fits the school's need, 10 to 5,000 characters.
    pub rationale: String,
}

/// An adviser recommends deals and products; the case becomes recommended and the school is
/// told.
pub async fn recommend(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    items: Vec<NewRecommendation>,
) -> Result<advice_request::Model> {
    actor.require(&[Role::Adviser, Role::Admin])?;
    if items.is_empty() || items.len() > 10 {
        return Err(Error::bad_input(
            "items",
            "recommend 1 to 10 deals or products",
        ));
    }
    for it in &items {
        crate::validate::text("items.rationale", &it.rationale, 10, 5_000)?;
        if it.deal_id.is_none() == it.product_id.is_none() {
            return Err(Error::bad_input(
                "items",
                "each item names a deal or a product",
            ));
        }
    }
    let tx = actor::begin(db, actor).await?;
    for it in &items {
        let exists = match (it.deal_id, it.product_id) {
            (Some(d), _) => crate::catalogue::deals::get_public(&tx, d).await.is_ok(),
            (_, Some(p)) => product::Entity::find_by_id(p)
                .filter(product::Column::Status.eq("approved"))
                .one(&tx)
                .await?
                .is_some(),
            _ => false,
        };
        if !exists {
            return Err(Error::bad_input(
                "items",
                "a recommended deal or product does not exist",
            ));
        }
    }
    let before = visible(&tx, actor, id).await?;
    let from = status_of(&before)?;
    states::check(from, AdviceStatus::Recommended, Step::Recommend)?;
    let now = Utc::now();
    for it in &items {
        advice_recommendation::Entity::insert(advice_recommendation::ActiveModel {
            id: Set(Uuid::now_v7()),
            request_id: Set(id),
            deal_id: Set(it.deal_id),
            product_id: Set(it.product_id),
            rationale: Set(it.rationale.trim().to_owned()),
            created_by: Set(Some(actor.user_id)),
            created_at: Set(now),
        })
        .exec_without_returning(&tx)
        .await?;
    }
    let after = save(
        &tx,
        &before,
        version,
        advice_request::Model {
            status: AdviceStatus::Recommended.code().into(),
            first_responded_at: before.first_responded_at.or(Some(now)),
            ..before.clone()
        },
    )
    .await?;
    notifications::notify(
        &tx,
        Notice {
            user_id: before.requested_by,
            organisation_id: before.school_id,
            kind: "advice.recommendation",
            subject: format!("Recommendations for {}", before.reference),
            payload: json!({ "requestId": id, "reference": before.reference, "items": items.len() }),
            dedupe_key: None,
        },
    )
    .await?;
    let detail = json!({ "items": items.len() });
    history(&tx, id, "recommended", Some(detail.clone()), actor, false).await?;
    audit::record(
        &tx,
        actor,
        "advice.recommend",
        "advice_request",
        id,
        Some(json!({ "status": from.code() })),
        Some(detail),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
}

pub async fn recommendations(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<advice_recommendation::Model>> {
    Ok(advice_recommendation::Entity::find()
        .filter(advice_recommendation::Column::RequestId.eq(id))
        .order_by_asc(advice_recommendation::Column::Id)
        .all(db)
        .await?)
}
