//! The search outbox: rows written in the same transaction as the change they announce, so
//! search can never miss a committed write. The indexer consumes them.

use chrono::Utc;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

use crate::Result;
use crate::entity::search_outbox;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityType {
    Product,
    Deal,
}

impl EntityType {
    pub fn code(self) -> &'static str {
        match self {
            EntityType::Product => "product",
            EntityType::Deal => "deal",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Rebuild the document from the database (which may also find it no longer public).
    Upsert,
    Delete,
}

impl Op {
    pub fn code(self) -> &'static str {
        match self {
            Op::Upsert => "upsert",
            Op::Delete => "delete",
        }
    }
}

/// Queues `ids` for the indexer, in the caller's transaction.
pub async fn enqueue_many(
    tx: &impl ConnectionTrait,
    entity: EntityType,
    ids: &[Uuid],
    op: Op,
) -> Result<()> {
    let now = Utc::now();
    for chunk in ids.chunks(1000) {
        search_outbox::Entity::insert_many(chunk.iter().map(|id| search_outbox::ActiveModel {
            entity_type: Set(entity.code().into()),
            entity_id: Set(*id),
            op: Set(op.code().into()),
            created_at: Set(now),
            available_at: Set(now),
            processed_at: Set(None),
            attempts: Set(0),
            last_error: Set(None),
            ..Default::default()
        }))
        .exec(tx)
        .await?;
    }
    Ok(())
}
