//! Supplier self-service listings: create, edit, submit for vetting, withdraw.
//!
//! Policy:
//! - Only the supplier that owns a listing changes it (admins may also withdraw one). Another
//!   party gets `FORBIDDEN` on a public listing and `NOT_FOUND` on a hidden one, exactly as for
//!   an id that does not exist, so nothing hints that a hidden listing exists.
//! - Every change carries the version it edits; a stale version is `CONFLICT`. The version is
//!   bumped by a guarded `UPDATE ... WHERE version = ?`, so two racing edits cannot both win.
//! - Editing an approved listing writes a pending revision and leaves the published content
//!   live until vetting approves the revision. A newer edit supersedes the pending revision.
//! - Listings being vetted (submitted, in review) and rejected listings cannot be edited.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use crate::actor::{self, Actor};
use crate::catalogue::products::{self, NewProduct, ProductContent};
use crate::entity::{category, product, product_revision, vetting_decision};
use crate::pagination::{Cursor, Page, PageArgs};
use crate::vocab::{
    CyberEssentials, HostingLocation, KeyStage, Platform, PricingModel, ProductStatus, Role,
};
use crate::{Error, Result, audit, db, outbox};

/// A listing as its supplier and admins see it: the product row (in any status) and the
/// revision awaiting vetting, if any.
#[derive(Debug, Clone)]
pub struct Listing {
    pub product: product::Model,
    pub pending_revision: Option<Revision>,
}

#[derive(Debug, Clone)]
pub struct Revision {
    pub row: product_revision::Model,
    pub content: ProductContent,
}

/// A change to some fields of a listing; absent fields keep their value. For the optional
/// URLs, an empty string clears the value.
#[derive(Debug, Clone, Default)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "ProductPatchInput")
)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub categories: Option<Vec<String>>,
    pub subjects: Option<Vec<String>>,
    pub key_stages: Option<Vec<KeyStage>>,
    pub platforms: Option<Vec<Platform>>,
    pub pricing_model: Option<PricingModel>,
    pub price_pence: Option<i64>,
    pub hosting_location: Option<HostingLocation>,
    pub cyber_essentials: Option<CyberEssentials>,
    pub accessibility_statement_url: Option<String>,
    pub dpia_available: Option<bool>,
    pub sso_microsoft: Option<bool>,
    pub sso_google: Option<bool>,
    pub mis_integration: Option<bool>,
    pub website: Option<String>,
    /// Replaces the device facts as a whole (a listing that is a device stays one).
    pub device: Option<crate::devices::DeviceSpec>,
}

impl ProductPatch {
    pub fn apply(self, mut c: ProductContent) -> ProductContent {
        fn set<T>(slot: &mut T, v: Option<T>) {
            if let Some(v) = v {
                *slot = v;
            }
        }
        let clearable = |v: Option<String>, slot: &mut Option<String>| {
            if let Some(v) = v {
                *slot = Some(v).filter(|s| !s.trim().is_empty());
            }
        };
        set(&mut c.name, self.name);
        set(&mut c.summary, self.summary);
        set(&mut c.description, self.description);
        set(&mut c.categories, self.categories);
        set(&mut c.subjects, self.subjects);
        set(&mut c.key_stages, self.key_stages);
        set(&mut c.platforms, self.platforms);
        set(&mut c.pricing_model, self.pricing_model);
        set(&mut c.price_pence, self.price_pence);
        set(&mut c.hosting_location, self.hosting_location);
        set(&mut c.cyber_essentials, self.cyber_essentials);
        clearable(
            self.accessibility_statement_url,
            &mut c.accessibility_statement_url,
        );
        set(&mut c.dpia_available, self.dpia_available);
        set(&mut c.sso_microsoft, self.sso_microsoft);
        set(&mut c.sso_google, self.sso_google);
        set(&mut c.mis_integration, self.mis_integration);
        clearable(self.website, &mut c.website);
        if let Some(d) = self.device {
            c.device = Some(d);
        }
        c
    }
}

/// What the audit log keeps of a listing.
#[derive(Serialize)]
struct Snapshot<'a> {
    status: &'a str,
    version: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a ProductContent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pending_revision: Option<Uuid>,
}

fn snapshot(
    p: &product::Model,
    content: Option<&ProductContent>,
    revision: Option<Uuid>,
) -> Result<serde_json::Value> {
    audit::snapshot(&Snapshot {
        status: &p.status,
        version: p.version,
        content,
        pending_revision: revision,
    })
}

pub fn status_of(p: &product::Model) -> Result<ProductStatus> {
    ProductStatus::from_code(&p.status)
        .ok_or_else(|| Error::Internal(format!("unknown product status {:?}", p.status)))
}

/// Validates content for storage: field rules, and categories that exist in the product
/// catalogue.
pub async fn check_content(
    db: &impl ConnectionTrait,
    content: ProductContent,
) -> Result<ProductContent> {
    let content = content.normalised();
    content.validate()?;
    let known = category::Entity::find()
        .filter(category::Column::Slug.is_in(content.categories.clone()))
        .filter(category::Column::Scope.eq("product"))
        .count(db)
        .await?;
    if known != content.categories.len() as u64 {
        return Err(Error::bad_input(
            "categories",
            "every category must be a product category (see `categories(scope: PRODUCT)`)",
        ));
    }
    Ok(content)
}

/// Loads a listing for `actor` to see or change. Owners and admins see every listing.
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<Listing> {
    let p = authorise(db, actor, id).await?;
    let pending_revision = pending_revision(db, id).await?;
    Ok(Listing {
        product: p,
        pending_revision,
    })
}

/// The product if `actor` owns it or is an admin (see the module policy).
async fn authorise(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<product::Model> {
    actor.require(&[Role::Supplier, Role::Admin])?;
    let p = product::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::not_found("product"))?;
    let owner = actor.role == Role::Supplier && actor.organisation_id == Some(p.supplier_id);
    if owner || actor.is_admin() {
        return Ok(p);
    }
    if status_of(&p)? == ProductStatus::Approved {
        Err(Error::Forbidden(
            "this listing belongs to another supplier: only its supplier and admins may read or change it".into(),
        ))
    } else {
        Err(Error::not_found("product"))
    }
}

async fn pending_revision(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Revision>> {
    let row = product_revision::Entity::find()
        .filter(product_revision::Column::ProductId.eq(id))
        .filter(product_revision::Column::Status.eq("pending"))
        .order_by_desc(product_revision::Column::CreatedAt)
        .one(db)
        .await?;
    row.map(|row| {
        let content = serde_json::from_value(row.data.clone())
            .map_err(|e| Error::Internal(format!("revision {} data: {e}", row.id)))?;
        Ok(Revision { row, content })
    })
    .transpose()
}

/// The pending revision of many products at once (for admins' queue and listings pages).
pub async fn pending_revisions(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Revision>> {
    let rows = product_revision::Entity::find()
        .filter(product_revision::Column::ProductId.is_in(ids.iter().copied()))
        .filter(product_revision::Column::Status.eq("pending"))
        .all(db)
        .await?;
    rows.into_iter()
        .map(|row| {
            let content = serde_json::from_value(row.data.clone())
                .map_err(|e| Error::Internal(format!("revision {} data: {e}", row.id)))?;
            Ok((row.product_id, Revision { row, content }))
        })
        .collect()
}

/// Locks the product row for the rest of the transaction (PostgreSQL; SQLite's writers are
/// serialised anyway), so every write to a listing and its revisions takes the product first
/// and two such writes cannot deadlock.
pub(crate) async fn lock(tx: &impl ConnectionTrait, id: Uuid) -> Result<()> {
    if db::is_postgres(tx) {
        product::Entity::find_by_id(id)
            .lock_exclusive()
            .one(tx)
            .await?;
    }
    Ok(())
}

/// Moves the product `current` to its next version, optionally to a new status; `CONFLICT`
/// when someone else changed it first. Approval sets `published_at` the first time. The
/// search document carries the version and update time, so every bump is sent to the outbox
/// (a supplier's edit of an approved listing changes no public content, but its version).
pub(crate) async fn bump(
    tx: &impl ConnectionTrait,
    current: &product::Model,
    status: Option<ProductStatus>,
) -> Result<product::Model> {
    let (id, expected) = (current.id, current.version);
    let now = Utc::now();
    let mut q = product::Entity::update_many()
        .col_expr(
            product::Column::Version,
            Expr::col(product::Column::Version).add(1),
        )
        .col_expr(product::Column::UpdatedAt, Expr::value(now));
    if let Some(s) = status {
        q = q.col_expr(product::Column::Status, Expr::value(s.code()));
        if s == ProductStatus::Approved {
            q = q.col_expr(
                product::Column::PublishedAt,
                Expr::value(current.published_at.unwrap_or(now)),
            );
        }
    }
    let done = q
        .filter(product::Column::Id.eq(id))
        .filter(product::Column::Version.eq(expected))
        .exec(tx)
        .await?;
    if done.rows_affected != 1 {
        return Err(stale());
    }
    outbox::enqueue_many(tx, outbox::EntityType::Product, &[id], outbox::Op::Upsert).await?;
    product::Entity::find_by_id(id)
        .one(tx)
        .await?
        .ok_or(Error::not_found("product"))
}

fn stale() -> Error {
    Error::Conflict(
        "the listing has changed since you read it: reload it and apply your change to the current version".into(),
    )
}

fn check_version(p: &product::Model, expected: i32) -> Result<()> {
    if p.version == expected {
        Ok(())
    } else {
        Err(stale())
    }
}

/// A supplier creates a draft listing.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    content: ProductContent,
) -> Result<Listing> {
    let supplier_id = actor.supplier_id()?;
    let content = check_content(db, content).await?;
    let tx = actor::begin(db, actor).await?;
    let ids = products::insert_many(
        &tx,
        vec![NewProduct {
            supplier_id,
            content: content.clone(),
            status: ProductStatus::Draft,
            badges: vec![],
            is_sample: false,
        }],
    )
    .await?;
    let id = ids
        .first()
        .copied()
        .ok_or_else(|| Error::Internal("insert returned no id".into()))?;
    let p = product::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or(Error::not_found("product"))?;
    let after = snapshot(&p, Some(&content), None)?;
    audit::record(
        &tx,
        actor,
        "product.create",
        "product",
        id,
        None,
        Some(after),
    )
    .await?;
    db::commit(tx).await?;
    Ok(Listing {
        product: p,
        pending_revision: None,
    })
}

/// A supplier edits a listing at `version`.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    patch: ProductPatch,
) -> Result<Listing> {
    actor.supplier_id()?;
    let tx = actor::begin(db, actor).await?;
    lock(&tx, id).await?;
    let p = authorise(&tx, actor, id).await?;
    check_version(&p, version)?;
    let status = status_of(&p)?;
    let pending = pending_revision(&tx, id).await?;
    let before_content = match &pending {
        Some(r) => r.content.clone(),
        None => products::content_of(&tx, &p).await?,
    };
    let content = check_content(&tx, patch.apply(before_content.clone())).await?;
    let before = snapshot(
        &p,
        Some(&before_content),
        pending.as_ref().map(|r| r.row.id),
    )?;
    let listing = match status {
        ProductStatus::Draft | ProductStatus::ChangesRequested | ProductStatus::Withdrawn => {
            products::replace_content(&tx, id, &content).await?;
            let p = bump(&tx, &p, None).await?;
            Listing {
                product: p,
                pending_revision: None,
            }
        }
        ProductStatus::Approved => {
            let p = bump(&tx, &p, None).await?;
            supersede_pending(&tx, id).await?;
            let row = product_revision::Model {
                id: Uuid::now_v7(),
                product_id: id,
                base_version: p.version,
                data: audit::snapshot(&content)?,
                status: "pending".into(),
                submitted_by: Some(actor.user_id),
                created_at: Utc::now(),
                decided_at: None,
            };
            product_revision::Entity::insert(product_revision::ActiveModel::from(row.clone()))
                .exec_without_returning(&tx)
                .await?;
            Listing {
                product: p,
                pending_revision: Some(Revision {
                    row,
                    content: content.clone(),
                }),
            }
        }
        ProductStatus::Submitted | ProductStatus::InReview => {
            return Err(Error::Conflict(
                "a listing cannot be edited while it is being vetted; withdraw it first".into(),
            ));
        }
        ProductStatus::Rejected => {
            return Err(Error::Conflict(
                "a rejected listing cannot be edited; create a new listing".into(),
            ));
        }
    };
    let after = snapshot(
        &listing.product,
        Some(&content),
        listing.pending_revision.as_ref().map(|r| r.row.id),
    )?;
    audit::record(
        &tx,
        actor,
        "product.update",
        "product",
        id,
        Some(before),
        Some(after),
    )
    .await?;
    db::commit(tx).await?;
    Ok(listing)
}

/// Marks any pending revision of the product superseded.
async fn supersede_pending(tx: &impl ConnectionTrait, id: Uuid) -> Result<()> {
    product_revision::Entity::update_many()
        .col_expr(product_revision::Column::Status, Expr::value("superseded"))
        .col_expr(product_revision::Column::DecidedAt, Expr::value(Utc::now()))
        .filter(product_revision::Column::ProductId.eq(id))
        .filter(product_revision::Column::Status.eq("pending"))
        .exec(tx)
        .await?;
    Ok(())
}

/// A supplier sends a draft (or a listing returned with changes requested, or a withdrawn one)
/// to vetting.
pub async fn submit(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<Listing> {
    actor.supplier_id()?;
    let tx = actor::begin(db, actor).await?;
    lock(&tx, id).await?;
    let p = authorise(&tx, actor, id).await?;
    check_version(&p, version)?;
    match status_of(&p)? {
        ProductStatus::Draft | ProductStatus::ChangesRequested | ProductStatus::Withdrawn => {}
        ProductStatus::Approved => {
            return Err(Error::Conflict(
                "the listing is approved: an edit goes to vetting as a revision by itself".into(),
            ));
        }
        other => {
            return Err(Error::Conflict(format!(
                "a listing in status {} cannot be submitted",
                other.code()
            )));
        }
    }
    move_to(tx, actor, &p, ProductStatus::Submitted, "product.submit").await
}

/// Moves `p` to `status`, records `action` in the audit log and commits.
async fn move_to(
    tx: DatabaseTransaction,
    actor: &Actor,
    p: &product::Model,
    status: ProductStatus,
    action: &str,
) -> Result<Listing> {
    let updated = bump(&tx, p, Some(status)).await?;
    audit::record(
        &tx,
        actor,
        action,
        "product",
        p.id,
        Some(snapshot(p, None, None)?),
        Some(snapshot(&updated, None, None)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(Listing {
        product: updated,
        pending_revision: None,
    })
}

/// The owner (or an admin) takes a listing off the catalogue and out of vetting. A pending
/// revision is superseded. The listing can be edited and submitted again later.
pub async fn withdraw(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<Listing> {
    let tx = actor::begin(db, actor).await?;
    lock(&tx, id).await?;
    let p = authorise(&tx, actor, id).await?;
    check_version(&p, version)?;
    if matches!(
        status_of(&p)?,
        ProductStatus::Withdrawn | ProductStatus::Rejected
    ) {
        return Err(Error::Conflict(format!(
            "a listing in status {} cannot be withdrawn",
            p.status
        )));
    }
    supersede_pending(&tx, id).await?;
    move_to(tx, actor, &p, ProductStatus::Withdrawn, "product.withdraw").await
}

/// A supplier's own listings in any status, newest first.
pub async fn mine(
    db: &impl ConnectionTrait,
    actor: &Actor,
    status: Option<ProductStatus>,
    page: &PageArgs,
) -> Result<Page<product::Model>> {
    let supplier_id = actor.supplier_id()?;
    let mut q = product::Entity::find().filter(product::Column::SupplierId.eq(supplier_id));
    if let Some(s) = status {
        q = q.filter(product::Column::Status.eq(s.code()));
    }
    if let Some(after) = &page.after {
        q = q.filter(product::Column::Id.lt(after.id));
    }
    let rows = q
        .order_by_desc(product::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, page, |p| {
        Cursor::new(String::new(), p.id)
    }))
}

/// The vetting decisions on a product, oldest first (supplier owners and admins).
pub async fn decisions(
    db: &impl ConnectionTrait,
    product_id: Uuid,
) -> Result<Vec<vetting_decision::Model>> {
    Ok(vetting_decision::Entity::find()
        .filter(vetting_decision::Column::ProductId.eq(product_id))
        .order_by_asc(vetting_decision::Column::DecidedAt)
        .order_by_asc(vetting_decision::Column::Id)
        .all(db)
        .await?)
}
