//! Buying-advice requests, handled by advisers as cases.
//!
//! Policy:
//! - A school buyer opens a request and sees only its own school's requests, their
//!   school-visible messages, recommendations and history. Internal notes and internal
//!   history never reach a school. Advisers and admins see every case; suppliers see none.
//! - The state machine: new -> triaged -> in progress <-> awaiting school -> recommended ->
//!   closed (resolved), and a school may withdraw its open request (closed, withdrawn). A
//!   recommended case may go back to in progress. Any other move is `CONFLICT`.
//! - Service levels count working days (Monday to Friday; bank holidays are not yet known to
//!   the service): the first response is due 2 working days after the request, and resolution
//!   after a number of working days that depends on the category. `overdue` is computed from
//!   those and the current time, and is a filter of the queue.
//! - Every action is one transaction that writes the case's history and the audit log;
//!   replies and recommendations to the school go to the notification outbox.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde_json::json;
use uuid::Uuid;

use crate::actor::{self, Actor};
use crate::entity::{
    advice_event, advice_message, advice_recommendation, advice_request, organisation, product,
    user,
};
use crate::notifications::{self, Notice};
use crate::pagination::{Cursor, Page, PageArgs};
use crate::vocab::{AdviceStatus, ContactPreference, Region, Role};
use crate::{Error, Result, audit, db};

/// Working days to first response.
pub const FIRST_RESPONSE_WORKING_DAYS: i64 = 2;

/// Working days to resolution for a category (deal category slugs).
pub fn resolution_working_days(category: &str) -> i64 {
    match category {
        "devices" | "software_licences" | "cyber_security" => 10,
        "mis_software" | "networks" | "cloud" => 20,
        _ => 15,
    }
}

/// `start` plus `days` working days (Monday to Friday), at the same time of day. A start on a
/// weekend counts from the next Monday's start.
pub fn add_working_days(start: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    let mut t = start;
    while matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
        t = (t + Duration::days(1))
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc())
            .unwrap_or(t + Duration::days(1));
    }
    let mut left = days;
    while left > 0 {
        t += Duration::days(1);
        if !matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    t
}

/// A request as a school opens it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "AdviceRequestInput")
)]
pub struct NewRequest {
    /// A deal category slug (see `categories(scope: DEAL)`).
    pub category: String,
    /// What the school needs, 20 to 5,000 characters.
    pub need: String,
    pub budget_min_pence: Option<i64>,
    pub budget_max_pence: Option<i64>,
    /// When the school must have bought by.
    pub deadline: Option<NaiveDate>,
    /// What the school has now, up to 5,000 characters.
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub current_setup: String,
    pub preferred_contact: ContactPreference,
}

impl NewRequest {
    fn validate(&self) -> Result<()> {
        crate::validate::code("category", &self.category)?;
        crate::validate::text("need", &self.need, 20, 5_000)?;
        crate::validate::text("currentSetup", &self.current_setup, 0, 5_000)?;
        for (field, v) in [
            ("budgetMinPence", self.budget_min_pence),
            ("budgetMaxPence", self.budget_max_pence),
        ] {
            if v.is_some_and(|v| v < 0) {
                return Err(Error::bad_input(
                    field,
                    format!("`{field}` must not be negative"),
                ));
            }
        }
        if let (Some(lo), Some(hi)) = (self.budget_min_pence, self.budget_max_pence)
            && lo > hi
        {
            return Err(Error::bad_input(
                "budgetMaxPence",
                "`budgetMaxPence` must not be below `budgetMinPence`",
            ));
        }
        Ok(())
    }
}

fn status_of(r: &advice_request::Model) -> Result<AdviceStatus> {
    AdviceStatus::from_code(&r.status)
        .ok_or_else(|| Error::Internal(format!("unknown advice status {:?}", r.status)))
}

/// Whether the case is late now: no first response by its due time, or not closed by its
/// resolution time.
pub fn is_overdue(r: &advice_request::Model, now: DateTime<Utc>) -> bool {
    (r.first_responded_at.is_none() && now > r.first_response_due_at)
        || (r.status != AdviceStatus::Closed.code() && now > r.resolution_due_at)
}

fn is_staff(actor: &Actor) -> bool {
    matches!(actor.role, Role::Adviser | Role::Admin)
}

/// The case if `actor` may see it: its own school, advisers and admins. Others get
/// `NOT_FOUND` (schools) or `FORBIDDEN` (suppliers, who never see cases).
async fn visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<advice_request::Model> {
    actor.require(&[Role::SchoolBuyer, Role::Adviser, Role::Admin])?;
    let r = advice_request::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::not_found("advice request"))?;
    if is_staff(actor) || actor.organisation_id == Some(r.school_id) {
        Ok(r)
    } else {
        Err(Error::not_found("advice request"))
    }
}

pub(crate) async fn history(
    tx: &impl ConnectionTrait,
    request_id: Uuid,
    kind: &str,
    detail: Option<serde_json::Value>,
    actor: &Actor,
    internal: bool,
) -> Result<()> {
    advice_event::Entity::insert(advice_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        request_id: Set(request_id),
        kind: Set(kind.into()),
        detail: Set(detail),
        actor_id: Set(Some(actor.user_id)),
        internal: Set(internal),
        at: Set(Utc::now()),
    })
    .exec_without_returning(tx)
    .await?;
    Ok(())
}

/// The next reference of `year`, e.g. `BA-2026-000123`, from a counter row that every
/// request increments in its own transaction (so references never repeat).
async fn next_reference(tx: &impl ConnectionTrait, year: i32) -> Result<String> {
    let backend = tx.get_database_backend();
    let sql = "INSERT INTO advice_reference_counters (year, last) VALUES ($1, 1) \
               ON CONFLICT (year) DO UPDATE SET last = advice_reference_counters.last + 1 \
               RETURNING last";
    let sql = if db::is_postgres(tx) {
        sql.to_owned()
    } else {
        sql.replace("$1", "?")
    };
    let row = tx
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [year.into()]))
        .await?
        .ok_or_else(|| Error::Internal("the reference counter returned nothing".into()))?;
    let last: i64 = row.try_get("", "last")?;
    Ok(format!("BA-{year}-{last:06}"))
}

/// A school buyer opens a request for advice.
pub async fn open(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewRequest,
) -> Result<advice_request::Model> {
    let school_id = actor.school_id()?;
    new.validate()?;
    let known = crate::entity::category::Entity::find_by_id(new.category.clone())
        .one(db)
        .await?
        .is_some_and(|c| c.scope == "deal");
    if !known {
        return Err(Error::bad_input(
            "category",
            "`category` must be a deal category (see `categories(scope: DEAL)`)",
        ));
    }
    let tx = actor::begin(db, actor).await?;
    let now = Utc::now();
    let row = advice_request::Model {
        id: Uuid::now_v7(),
        reference: next_reference(&tx, now.year()).await?,
        school_id,
        requested_by: Some(actor.user_id),
        category: new.category.clone(),
        need: new.need.trim().to_owned(),
        budget_min_pence: new.budget_min_pence,
        budget_max_pence: new.budget_max_pence,
        deadline: new.deadline,
        current_setup: new.current_setup.trim().to_owned(),
        preferred_contact: new.preferred_contact.code().into(),
        status: AdviceStatus::New.code().into(),
        outcome: None,
        assignee_id: None,
        first_response_due_at: add_working_days(now, FIRST_RESPONSE_WORKING_DAYS),
        resolution_due_at: add_working_days(now, resolution_working_days(&new.category)),
        first_responded_at: None,
        closed_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    advice_request::Entity::insert(advice_request::ActiveModel::from(row.clone()))
        .exec_without_returning(&tx)
        .await?;
    history(&tx, row.id, "opened", None, actor, false).await?;
    audit::record(
        &tx,
        actor,
        "advice.open",
        "advice_request",
        row.id,
        None,
        Some(audit::snapshot(&row)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(row)
}

/// Writes the case at `version` with `changes`, bumping the version; `CONFLICT` when stale.
async fn save(
    tx: &impl ConnectionTrait,
    before: &advice_request::Model,
    version: i32,
    after: advice_request::Model,
) -> Result<advice_request::Model> {
    if before.version != version {
        return Err(Error::Conflict(
            "the case has changed since you read it: reload it".into(),
        ));
    }
    let after = advice_request::Model {
        version: version + 1,
        updated_at: Utc::now(),
        ..after
    };
    let done = advice_request::Entity::update_many()
        .set(advice_request::ActiveModel::from(after.clone()).reset_all())
        .filter(advice_request::Column::Id.eq(before.id))
        .filter(advice_request::Column::Version.eq(version))
        .exec(tx)
        .await?;
    if done.rows_affected != 1 {
        return Err(Error::Conflict(
            "the case has changed since you read it: reload it".into(),
        ));
    }
    Ok(after)
}

fn may_move(from: AdviceStatus, to: AdviceStatus) -> bool {
    use AdviceStatus::*;
    matches!(
        (from, to),
        (New, Triaged)
            | (New, InProgress)
            | (Triaged, InProgress)
            | (InProgress, AwaitingSchool)
            | (AwaitingSchool, InProgress)
            | (Recommended, InProgress)
            | (Recommended, Closed)
    )
}

/// An adviser moves a case along the state machine (closing it means resolved).
pub async fn transition(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    to: AdviceStatus,
) -> Result<advice_request::Model> {
    actor.require(&[Role::Adviser, Role::Admin])?;
    let tx = actor::begin(db, actor).await?;
    let before = visible(&tx, actor, id).await?;
    let from = status_of(&before)?;
    if !may_move(from, to) {
        return Err(Error::Conflict(format!(
            "a case cannot move from {} to {}",
            from.code(),
            to.code()
        )));
    }
    let now = Utc::now();
    let closing = to == AdviceStatus::Closed;
    let after = save(
        &tx,
        &before,
        version,
        advice_request::Model {
            status: to.code().into(),
            outcome: closing.then(|| "resolved".to_owned()),
            closed_at: closing.then_some(now),
            ..before.clone()
        },
    )
    .await?;
    let detail = json!({ "from": from.code(), "to": to.code() });
    history(&tx, id, "status", Some(detail.clone()), actor, false).await?;
    audit::record(
        &tx,
        actor,
        "advice.transition",
        "advice_request",
        id,
        Some(json!({ "status": from.code() })),
        Some(detail),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
}

/// The school withdraws its open request.
pub async fn withdraw(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<advice_request::Model> {
    actor.school_id()?;
    let tx = actor::begin(db, actor).await?;
    let before = visible(&tx, actor, id).await?;
    if status_of(&before)? == AdviceStatus::Closed {
        return Err(Error::Conflict("the request is closed already".into()));
    }
    let after = save(
        &tx,
        &before,
        version,
        advice_request::Model {
            status: AdviceStatus::Closed.code().into(),
            outcome: Some("withdrawn".into()),
            closed_at: Some(Utc::now()),
            ..before.clone()
        },
    )
    .await?;
    history(&tx, id, "withdrawn", None, actor, false).await?;
    audit::record(
        &tx,
        actor,
        "advice.withdraw",
        "advice_request",
        id,
        Some(json!({ "status": before.status })),
        Some(json!({ "status": "closed", "outcome": "withdrawn" })),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
}

/// Assigns the case to an adviser (`None`: the acting adviser).
pub async fn assign(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    adviser: Option<Uuid>,
) -> Result<advice_request::Model> {
    actor.require(&[Role::Adviser, Role::Admin])?;
    let tx = actor::begin(db, actor).await?;
    let to = match adviser {
        None if actor.role == Role::Adviser => actor.user_id,
        None => {
            return Err(Error::bad_input(
                "adviserId",
                "an admin must name the adviser",
            ));
        }
        Some(a) => {
            let ok = user::Entity::find_by_id(a)
                .one(&tx)
                .await?
                .is_some_and(|u| u.role == Role::Adviser.code());
            if !ok {
                return Err(Error::bad_input("adviserId", "no adviser has this id"));
            }
            a
        }
    };
    let before = visible(&tx, actor, id).await?;
    if status_of(&before)? == AdviceStatus::Closed {
        return Err(Error::Conflict("a closed case cannot be assigned".into()));
    }
    let after = save(
        &tx,
        &before,
        version,
        advice_request::Model {
            assignee_id: Some(to),
            ..before.clone()
        },
    )
    .await?;
    let detail = json!({ "assignee": to });
    history(&tx, id, "assigned", Some(detail.clone()), actor, true).await?;
    audit::record(
        &tx,
        actor,
        "advice.assign",
        "advice_request",
        id,
        Some(json!({ "assignee": before.assignee_id })),
        Some(detail),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
}

/// Posts a message on the case. Schools write to the adviser; advisers write to the school or
/// add an internal note. A school's message on a case awaiting it puts the case back in
/// progress; an adviser's first message to the school is the first response.
pub async fn post(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    body: String,
    internal: bool,
) -> Result<advice_message::Model> {
    crate::validate::text("body", &body, 1, 10_000)?;
    if internal && !is_staff(actor) {
        return Err(Error::Forbidden(
            "only advisers write internal notes".into(),
        ));
    }
    let tx = actor::begin(db, actor).await?;
    let case = visible(&tx, actor, id).await?;
    let status = status_of(&case)?;
    if status == AdviceStatus::Closed {
        return Err(Error::Conflict("the case is closed".into()));
    }
    let msg = advice_message::Model {
        id: Uuid::now_v7(),
        request_id: id,
        author_id: Some(actor.user_id),
        visibility: if internal { "internal" } else { "school" }.into(),
        body: body.trim().to_owned(),
        created_at: Utc::now(),
    };
    advice_message::Entity::insert(advice_message::ActiveModel::from(msg.clone()))
        .exec_without_returning(&tx)
        .await?;
    let mut after = case.clone();
    if is_staff(actor) && !internal {
        after.first_responded_at = case.first_responded_at.or(Some(msg.created_at));
        notifications::notify(
            &tx,
            Notice {
                user_id: case.requested_by,
                organisation_id: case.school_id,
                kind: "advice.reply",
                subject: format!("Your adviser replied on {}", case.reference),
                payload: json!({ "requestId": id, "reference": case.reference }),
                dedupe_key: Some(format!("advice:{}:message:{}", id, msg.id)),
            },
        )
        .await?;
    }
    if !is_staff(actor) && status == AdviceStatus::AwaitingSchool {
        after.status = AdviceStatus::InProgress.code().into();
    }
    if after != case {
        save(&tx, &case, case.version, after).await?;
    }
    history(
        &tx,
        id,
        if internal { "internal_note" } else { "message" },
        None,
        actor,
        internal,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "advice.message",
        "advice_request",
        id,
        None,
        Some(json!({ "message": msg.id, "internal": internal })),
    )
    .await?;
    db::commit(tx).await?;
    Ok(msg)
}

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
    if !matches!(from, AdviceStatus::InProgress | AdviceStatus::Recommended) {
        return Err(Error::Conflict(format!(
            "recommendations are made on a case in progress; this one is {}",
            from.code()
        )));
    }
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

/// One case, as `actor` may see it.
pub async fn get(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<advice_request::Model> {
    visible(db, actor, id).await
}

/// The case's messages, oldest first; schools never get internal notes.
pub async fn messages(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<Vec<advice_message::Model>> {
    let mut q = advice_message::Entity::find().filter(advice_message::Column::RequestId.eq(id));
    if !is_staff(actor) {
        q = q.filter(advice_message::Column::Visibility.eq("school"));
    }
    Ok(q.order_by_asc(advice_message::Column::Id).all(db).await?)
}

/// The case's history, oldest first; schools never get internal events.
pub async fn events(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<Vec<advice_event::Model>> {
    let mut q = advice_event::Entity::find().filter(advice_event::Column::RequestId.eq(id));
    if !is_staff(actor) {
        q = q.filter(advice_event::Column::Internal.eq(false));
    }
    Ok(q.order_by_asc(advice_event::Column::Id).all(db).await?)
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        match Utc.with_ymd_and_hms(y, m, d, h, 0, 0) {
            chrono::LocalResult::Single(t) => t,
            _ => panic!("bad test date"),
        }
    }

    #[test]
    fn working_days_skip_weekends() {
        // 2026-11-19 is a Thursday.
        assert_eq!(
            add_working_days(at(2026, 11, 19, 10), 2),
            at(2026, 11, 23, 10)
        );
        // Friday + 2: Tuesday.
        assert_eq!(
            add_working_days(at(2026, 11, 20, 16), 2),
            at(2026, 11, 24, 16)
        );
        // Saturday counts from Monday morning: Wednesday 00:00.
        assert_eq!(
            add_working_days(at(2026, 11, 21, 9), 2),
            at(2026, 11, 25, 0)
        );
        // Sunday evening, 10 working days: two weeks on, Monday 00:00 + 10 = Monday 00:00.
        assert_eq!(
            add_working_days(at(2026, 11, 22, 20), 10),
            at(2026, 12, 7, 0)
        );
        // Monday + 5: next Monday.
        assert_eq!(
            add_working_days(at(2026, 11, 23, 9), 5),
            at(2026, 11, 30, 9)
        );
    }

    #[test]
    fn the_state_machine_allows_only_its_moves() {
        use AdviceStatus::*;
        assert!(may_move(New, Triaged));
        assert!(may_move(AwaitingSchool, InProgress));
        assert!(may_move(Recommended, Closed));
        for (from, to) in [
            (New, Recommended),
            (New, Closed),
            (Triaged, Closed),
            (Closed, InProgress),
            (InProgress, Closed),
            (AwaitingSchool, Recommended),
        ] {
            assert!(!may_move(from, to), "{from} -> {to}");
        }
    }
}
