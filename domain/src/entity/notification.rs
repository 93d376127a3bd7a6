//! `notifications` table: the notification outbox a mailer or webhook sender consumes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub organisation_id: Uuid,
    pub kind: String,
    pub subject: String,
    pub payload: Json,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
    pub dedupe_key: Option<String>,
    /// `pending`, `sent` (the SMTP server accepted it), `skipped` (email off or no address)
    /// or `failed` (permanently).
    pub email_status: String,
    pub email_attempts: i32,
    pub email_next_at: Option<DateTimeUtc>,
    pub email_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
