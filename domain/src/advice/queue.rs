//! The advisers' queue, and a school's own list of requests.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::is_staff;
use crate::Result;
use crate::actor::Actor;
use crate::entity::{advice_request, organisation};
use crate::pagination::{Cursor, Page, PageArgs};
use crate::vocab::{AdviceStatus, Region};

/// Filters of the advisers' queue; all given must hold.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<AdviceStatus>,
    pub category: Option<String>,
    /// The requesting school's region.
    pub region: Option<Region>,
    pub assignee_id: Option<Uuid>,
    pub unassigned: bool,
    pub overdue: Option<bool>,
}

/// Cases for advisers (oldest first), or a school's own requests (newest first).
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &QueueFilter,
    page: &PageArgs,
    now: DateTime<Utc>,
) -> Result<Page<advice_request::Model>> {
    use advice_request::Column as C;
    let mut c = Condition::all();
    let staff = is_staff(actor);
    if !staff {
        c = c.add(C::SchoolId.eq(actor.school_id()?));
    }
    if let Some(s) = filter.status {
        c = c.add(C::Status.eq(s.code()));
    }
    if let Some(cat) = &filter.category {
        c = c.add(C::Category.eq(cat.as_str()));
    }
    if let Some(r) = filter.region {
        c = c.add(
            C::SchoolId.in_subquery(
                Query::select()
                    .column(organisation::Column::Id)
                    .from(organisation::Entity)
                    .and_where(organisation::Column::Region.eq(r.code()))
                    .to_owned(),
            ),
        );
    }
    if let Some(a) = filter.assignee_id {
        c = c.add(C::AssigneeId.eq(a));
    }
    if filter.unassigned {
        c = c.add(C::AssigneeId.is_null());
    }
    if let Some(overdue) = filter.overdue {
        let late = Condition::any()
            .add(
                Condition::all()
                    .add(C::FirstRespondedAt.is_null())
                    .add(C::FirstResponseDueAt.lt(now)),
            )
            .add(
                Condition::all()
                    .add(C::Status.ne(AdviceStatus::Closed.code()))
                    .add(C::ResolutionDueAt.lt(now)),
            );
        c = c.add(if overdue { late } else { late.not() });
    }
    let mut q = advice_request::Entity::find().filter(c);
    if let Some(after) = &page.after {
        q = q.filter(if staff {
            C::Id.gt(after.id)
        } else {
            C::Id.lt(after.id)
        });
    }
    q = if staff {
        q.order_by_asc(C::Id)
    } else {
        q.order_by_desc(C::Id)
    };
    let rows = q.limit(page.first + 1).all(db).await?;
    Ok(Page::from_rows(rows, page, |r| {
        Cursor::new(String::new(), r.id)
    }))
}
