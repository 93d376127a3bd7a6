//! `review_flags` table: a signed-in user's report of a review. A flag is open until a
//! moderator's decision (`review_moderations`) resolves it; one open flag per user per review.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_flags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub review_id: Uuid,
    pub flagged_by: Uuid,
    pub reason: String,
    pub created_at: DateTimeUtc,
    /// The decision that resolved it; none while it is open.
    pub moderation_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
