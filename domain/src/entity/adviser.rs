//! `advisers` table: an adviser's profile in the directory, keyed by their user id (the
//! `users` row holds their name and email).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "advisers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// The most open cases the adviser takes, 1 to 200.
    pub capacity: i32,
    pub active: bool,
    pub version: i32,
    pub is_sample: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
