//! `licence_keys` table: an offer's pool of activation codes; a code is lent with a seat.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "licence_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub offer_id: Uuid,
    pub code: String,
    pub loan_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// How many loans the code has been lent with: unused codes (0) are lent first.
    pub times_lent: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
