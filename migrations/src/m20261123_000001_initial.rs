//! The initial schema, designed for the whole product: organisations and users; the deals
//! catalogue (providers, categories, deals, lots and their suppliers); product listings with
//! their facets, revisions and vetting decisions; the lending library (trial offers, licence
//! keys, loans and their events); reviews and rating aggregates; buying-advice requests;
//! the audit log; and two outboxes (search and notifications).
//!
//! Conventions: ids are UUIDs (v7, so they sort by creation time); times are UTC; money is
//! integer pence; enumerations are text codes guarded by CHECK constraints; every table that
//! users edit carries a `version` for optimistic concurrency.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ORG_KINDS: &[&str] = &["school", "trust", "supplier", "service"];
const ROLES: &[&str] = &["SCHOOL_BUYER", "SUPPLIER", "ADVISER", "ADMIN"];
const DEAL_STATUSES: &[&str] = &["draft", "published", "archived"];
const ROUTES: &[&str] = &[
    "direct_award",
    "further_competition",
    "direct_award_or_further_competition",
];
const PRODUCT_STATUSES: &[&str] = &[
    "draft",
    "submitted",
    "in_review",
    "approved",
    "changes_requested",
    "rejected",
    "withdrawn",
];
const PRICING: &[&str] = &[
    "per_pupil_per_year",
    "per_school_per_year",
    "per_user_per_year",
    "one_off",
    "free_tier",
    "free",
];
const HOSTING: &[&str] = &["uk", "eea", "us"];
const CYBER: &[&str] = &["none", "cyber_essentials", "cyber_essentials_plus"];
const PRODUCT_FACETS: &[&str] = &["subject", "key_stage", "platform", "badge"];
const LOAN_STATUSES: &[&str] = &[
    "waitlisted",
    "active",
    "returned",
    "expired",
    "converted",
    "left_waitlist",
];
const ADVICE_STATUSES: &[&str] = &[
    "new",
    "triaged",
    "in_progress",
    "awaiting_school",
    "recommended",
    "closed",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // ---- organisations and users -------------------------------------------------------
        m.create_table(
            created_updated(
                Table::create()
                    .table("organisations")
                    .col(pk_uuid("id"))
                    .col(string_len("kind", 16))
                    .col(string_len("name", 200))
                    .col(integer_null("urn"))
                    .col(string_len_null("establishment_type", 40))
                    .col(string_len_null("phase", 20))
                    .col(string_len_null("la_code", 3))
                    .col(string_len_null("la_name", 100))
                    .col(string_len_null("region", 40))
                    .col(uuid_null("trust_id"))
                    .col(string_len_null("group_uid", 10))
                    .col(integer_null("pupil_count"))
                    .col(string_len_null("postcode", 10))
                    .col(string_len_null("companies_house_number", 8))
                    .col(string_len_null("website", 300))
                    .col(boolean("is_sample").default(false))
                    .check(one_of("kind", ORG_KINDS))
                    .check(
                        Expr::col("kind")
                            .ne("school")
                            .or(Expr::col("urn").is_not_null()),
                    )
                    .check(
                        Expr::col("urn")
                            .is_null()
                            .or(Expr::col("urn").between(100000, 999999)),
                    )
                    .check(
                        Expr::col("pupil_count")
                            .is_null()
                            .or(Expr::col("pupil_count").gte(0)),
                    )
                    .foreign_key(&mut fk(
                        "organisations",
                        "trust_id",
                        "organisations",
                        ForeignKeyAction::SetNull,
                    )),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(unique("organisations", "urn", &["urn"]))
            .await?;
        m.create_index(unique("organisations", "group_uid", &["group_uid"]))
            .await?;
        m.create_index(unique(
            "organisations",
            "companies_house_number",
            &["companies_house_number"],
        ))
        .await?;
        m.create_index(index("organisations", "kind_name", &["kind", "name"]))
            .await?;
        m.create_index(index("organisations", "trust_id", &["trust_id"]))
            .await?;
        m.create_index(index("organisations", "region", &["region"]))
            .await?;

        m.create_table(
            Table::create()
                .table("users")
                .col(pk_uuid("id"))
                .col(string_len("email", 254))
                .col(string_len("display_name", 200))
                .col(string_len("role", 16))
                .col(uuid_null("organisation_id"))
                .col(timestamp_with_time_zone("created_at"))
                .check(one_of("role", ROLES))
                .foreign_key(&mut fk(
                    "users",
                    "organisation_id",
                    "organisations",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("users", "email", &["email"])).await?;
        m.create_index(index("users", "organisation_id", &["organisation_id"]))
            .await?;

        // ---- deals catalogue ---------------------------------------------------------------
        m.create_table(
            Table::create()
                .table("providers")
                .col(pk_uuid("id"))
                .col(string_len("short_name", 40))
                .col(string_len("name", 200))
                .col(string_len("website", 300))
                .col(boolean("is_sample").default(false))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("providers", "short_name", &["short_name"]))
            .await?;

        m.create_table(
            Table::create()
                .table("categories")
                .col(string_len("slug", 60).primary_key())
                .col(string_len("scope", 10))
                .col(string_len("name", 120))
                .col(integer("position"))
                .check(one_of("scope", &["deal", "product"]))
                .to_owned(),
        )
        .await?;

        m.create_table(
            created_updated(
                Table::create()
                    .table("deals")
                    .col(pk_uuid("id"))
                    .col(uuid("provider_id"))
                    .col(string_len("reference", 60))
                    .col(string_len("title", 200))
                    .col(text("summary"))
                    .col(text("description"))
                    .col(text("how_to_buy"))
                    .col(string_len("route_to_market", 40))
                    .col(date("starts_on"))
                    .col(date("ends_on"))
                    .col(text("typical_savings"))
                    .col(integer_null("typical_savings_bps"))
                    .col(text("fees"))
                    .col(boolean("dfe_endorsed"))
                    .col(string_len("url", 300))
                    .col(string_len("status", 16))
                    .col(integer("version").default(1))
                    .col(boolean("is_sample").default(false))
                    .check(one_of("route_to_market", ROUTES))
                    .check(one_of("status", DEAL_STATUSES))
                    .check(Expr::col("ends_on").gte(Expr::col("starts_on")))
                    .check(
                        Expr::col("typical_savings_bps")
                            .is_null()
                            .or(Expr::col("typical_savings_bps").between(0, 10000)),
                    )
                    .foreign_key(&mut fk(
                        "deals",
                        "provider_id",
                        "providers",
                        ForeignKeyAction::Restrict,
                    )),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "deals",
            "provider_reference",
            &["provider_id", "reference"],
        ))
        .await?;
        m.create_index(index("deals", "status_ends_on", &["status", "ends_on"]))
            .await?;
        m.create_index(index("deals", "status_title", &["status", "title", "id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("deal_categories")
                .col(uuid("deal_id"))
                .col(string_len("category_slug", 60))
                .primary_key(Index::create().col("deal_id").col("category_slug"))
                .foreign_key(&mut fk(
                    "deal_categories",
                    "deal_id",
                    "deals",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_deal_categories_category_slug")
                        .from("deal_categories", "category_slug")
                        .to("categories", "slug")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "deal_categories",
            "category",
            &["category_slug", "deal_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("deal_eligibility")
                .col(uuid("deal_id"))
                .col(string_len("kind", 16))
                .col(string_len("value", 40))
                .primary_key(Index::create().col("deal_id").col("kind").col("value"))
                .check(one_of("kind", &["org_type", "phase"]))
                .foreign_key(&mut fk(
                    "deal_eligibility",
                    "deal_id",
                    "deals",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "deal_eligibility",
            "kind_value",
            &["kind", "value", "deal_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("lots")
                .col(pk_uuid("id"))
                .col(uuid("deal_id"))
                .col(integer("number"))
                .col(string_len("title", 200))
                .col(text("description"))
                .check(Expr::col("number").gte(1))
                .foreign_key(&mut fk(
                    "lots",
                    "deal_id",
                    "deals",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("lots", "deal_number", &["deal_id", "number"]))
            .await?;

        m.create_table(
            Table::create()
                .table("lot_suppliers")
                .col(uuid("lot_id"))
                .col(uuid("supplier_id"))
                .primary_key(Index::create().col("lot_id").col("supplier_id"))
                .foreign_key(&mut fk(
                    "lot_suppliers",
                    "lot_id",
                    "lots",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "lot_suppliers",
                    "supplier_id",
                    "organisations",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "lot_suppliers",
            "supplier",
            &["supplier_id", "lot_id"],
        ))
        .await?;

        // ---- products ----------------------------------------------------------------------
        m.create_table(
            created_updated(
                Table::create()
                    .table("products")
                    .col(pk_uuid("id"))
                    .col(uuid("supplier_id"))
                    .col(string_len("name", 200))
                    .col(text("summary"))
                    .col(text("description"))
                    .col(string_len("pricing_model", 30))
                    .col(big_integer("price_pence"))
                    .col(string_len("hosting_location", 8))
                    .col(string_len("cyber_essentials", 30))
                    .col(string_len_null("accessibility_statement_url", 300))
                    .col(boolean("dpia_available"))
                    .col(boolean("sso_microsoft"))
                    .col(boolean("sso_google"))
                    .col(boolean("mis_integration"))
                    .col(string_len_null("website", 300))
                    .col(string_len("status", 20))
                    .col(timestamp_with_time_zone_null("published_at"))
                    .col(integer("version").default(1))
                    .col(boolean("is_sample").default(false))
                    .check(one_of("pricing_model", PRICING))
                    .check(one_of("hosting_location", HOSTING))
                    .check(one_of("cyber_essentials", CYBER))
                    .check(one_of("status", PRODUCT_STATUSES))
                    .check(Expr::col("price_pence").gte(0))
                    .foreign_key(&mut fk(
                        "products",
                        "supplier_id",
                        "organisations",
                        ForeignKeyAction::Restrict,
                    )),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "products",
            "supplier_name",
            &["supplier_id", "name"],
        ))
        .await?;
        m.create_index(index("products", "status_name", &["status", "name", "id"]))
            .await?;
        m.create_index(index(
            "products",
            "status_price",
            &["status", "price_pence", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("product_categories")
                .col(uuid("product_id"))
                .col(string_len("category_slug", 60))
                .primary_key(Index::create().col("product_id").col("category_slug"))
                .foreign_key(&mut fk(
                    "product_categories",
                    "product_id",
                    "products",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_product_categories_category_slug")
                        .from("product_categories", "category_slug")
                        .to("categories", "slug")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "product_categories",
            "category",
            &["category_slug", "product_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("product_facets")
                .col(uuid("product_id"))
                .col(string_len("facet", 16))
                .col(string_len("value", 40))
                .primary_key(Index::create().col("product_id").col("facet").col("value"))
                .check(one_of("facet", PRODUCT_FACETS))
                .foreign_key(&mut fk(
                    "product_facets",
                    "product_id",
                    "products",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "product_facets",
            "facet_value",
            &["facet", "value", "product_id"],
        ))
        .await?;

        // A supplier's edit of an approved product waits here until it is vetted; the live row
        // in `products` stays as published until then.
        m.create_table(
            Table::create()
                .table("product_revisions")
                .col(pk_uuid("id"))
                .col(uuid("product_id"))
                .col(integer("base_version"))
                .col(json("data"))
                .col(string_len("status", 16))
                .col(uuid_null("submitted_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .check(one_of(
                    "status",
                    &["pending", "approved", "rejected", "superseded"],
                ))
                .foreign_key(&mut fk(
                    "product_revisions",
                    "product_id",
                    "products",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "product_revisions",
                    "submitted_by",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "product_revisions",
            "product_status",
            &["product_id", "status"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("vetting_decisions")
                .col(pk_uuid("id"))
                .col(uuid("product_id"))
                .col(uuid_null("revision_id"))
                .col(string_len("decision", 20))
                .col(json("checklist"))
                .col(text("notes"))
                .col(uuid_null("decided_by"))
                .col(timestamp_with_time_zone("decided_at"))
                .check(one_of(
                    "decision",
                    &["in_review", "approved", "changes_requested", "rejected"],
                ))
                .foreign_key(&mut fk(
                    "vetting_decisions",
                    "product_id",
                    "products",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "vetting_decisions",
                    "revision_id",
                    "product_revisions",
                    ForeignKeyAction::SetNull,
                ))
                .foreign_key(&mut fk(
                    "vetting_decisions",
                    "decided_by",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "vetting_decisions",
            "product",
            &["product_id", "decided_at"],
        ))
        .await?;

        // ---- lending library ---------------------------------------------------------------
        m.create_table(
            created_updated(
                Table::create()
                    .table("trial_offers")
                    .col(pk_uuid("id"))
                    .col(uuid("product_id"))
                    .col(integer("seats_total"))
                    .col(integer("seats_free"))
                    .col(integer("loan_days"))
                    .col(integer("max_extensions").default(0))
                    .col(integer("extension_days").default(0))
                    .col(json("eligible_phases"))
                    .col(json("eligible_org_types"))
                    .col(text("terms"))
                    .col(string_len("status", 10))
                    .col(integer("version").default(1))
                    .check(Expr::col("seats_total").gt(0))
                    .check(Expr::col("seats_free").gte(0))
                    .check(Expr::col("seats_free").lte(Expr::col("seats_total")))
                    .check(Expr::col("loan_days").between(1, 365))
                    .check(Expr::col("max_extensions").gte(0))
                    .check(Expr::col("extension_days").gte(0))
                    .check(one_of("status", &["open", "paused", "closed"]))
                    .foreign_key(&mut fk(
                        "trial_offers",
                        "product_id",
                        "products",
                        ForeignKeyAction::Restrict,
                    )),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(index("trial_offers", "product", &["product_id", "status"]))
            .await?;

        m.create_table(
            Table::create()
                .table("loans")
                .col(pk_uuid("id"))
                .col(uuid("offer_id"))
                .col(uuid("product_id"))
                .col(uuid("school_id"))
                .col(uuid_null("requested_by"))
                .col(string_len("status", 16))
                .col(big_integer_null("waitlist_seq"))
                .col(timestamp_with_time_zone("requested_at"))
                .col(timestamp_with_time_zone_null("granted_at"))
                .col(timestamp_with_time_zone_null("ends_at"))
                .col(integer("extensions_used").default(0))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(integer("version").default(1))
                .check(one_of("status", LOAN_STATUSES))
                .check(Expr::col("extensions_used").gte(0))
                .foreign_key(&mut fk(
                    "loans",
                    "offer_id",
                    "trial_offers",
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "loans",
                    "product_id",
                    "products",
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "loans",
                    "school_id",
                    "organisations",
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "loans",
                    "requested_by",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "loans",
            "offer_queue",
            &["offer_id", "status", "waitlist_seq"],
        ))
        .await?;
        m.create_index(index("loans", "status_ends_at", &["status", "ends_at"]))
            .await?;
        m.create_index(index("loans", "school", &["school_id", "status"]))
            .await?;
        // One open loan or waitlist place per school per product (partial unique index; both
        // engines support the same syntax).
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_loans_open_per_school_product ON loans (school_id, product_id) \
                 WHERE status IN ('waitlisted', 'active')",
            )
            .await?;

        m.create_table(
            Table::create()
                .table("licence_keys")
                .col(pk_uuid("id"))
                .col(uuid("offer_id"))
                .col(text("code"))
                .col(uuid_null("loan_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "licence_keys",
                    "offer_id",
                    "trial_offers",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "licence_keys",
                    "loan_id",
                    "loans",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("licence_keys", "offer_code", &["offer_id", "code"]))
            .await?;
        m.create_index(unique("licence_keys", "loan", &["loan_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("loan_events")
                .col(pk_uuid("id"))
                .col(uuid("loan_id"))
                .col(string_len("kind", 30))
                .col(json_null("detail"))
                .col(uuid_null("actor_id"))
                .col(timestamp_with_time_zone("at"))
                .foreign_key(&mut fk(
                    "loan_events",
                    "loan_id",
                    "loans",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "loan_events",
                    "actor_id",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("loan_events", "loan_at", &["loan_id", "at"]))
            .await?;

        // ---- reviews -----------------------------------------------------------------------
        let rating = |c: &'static str| Expr::col(c).is_null().or(Expr::col(c).between(1, 5));
        m.create_table(
            created_updated(
                Table::create()
                    .table("reviews")
                    .col(pk_uuid("id"))
                    .col(uuid("product_id"))
                    .col(uuid("school_id"))
                    .col(uuid_null("author_id"))
                    .col(small_integer("rating"))
                    .col(small_integer_null("ease_of_use"))
                    .col(small_integer_null("impact"))
                    .col(small_integer_null("value_for_money"))
                    .col(small_integer_null("support"))
                    .col(small_integer_null("data_protection_confidence"))
                    .col(string_len("title", 200))
                    .col(text("body"))
                    .col(string_len_null("reviewer_role", 60))
                    .col(string_len_null("phase", 20))
                    .col(integer_null("months_used"))
                    .col(boolean("verified_use").default(false))
                    .col(string_len("status", 10))
                    .col(text_null("moderation_reason"))
                    .col(text_null("supplier_reply"))
                    .col(timestamp_with_time_zone_null("supplier_reply_at"))
                    .col(integer("helpful_count").default(0))
                    .col(integer("version").default(1))
                    .check(Expr::col("rating").between(1, 5))
                    .check(rating("ease_of_use"))
                    .check(rating("impact"))
                    .check(rating("value_for_money"))
                    .check(rating("support"))
                    .check(rating("data_protection_confidence"))
                    .check(one_of("status", &["published", "hidden"]))
                    .foreign_key(&mut fk(
                        "reviews",
                        "product_id",
                        "products",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "reviews",
                        "school_id",
                        "organisations",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "reviews",
                        "author_id",
                        "users",
                        ForeignKeyAction::SetNull,
                    )),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "reviews",
            "product_school",
            &["product_id", "school_id"],
        ))
        .await?;
        m.create_index(index(
            "reviews",
            "product_status_created",
            &["product_id", "status", "created_at"],
        ))
        .await?;

        // Per-product aggregates, kept in the same transaction as the review that changes them.
        let mut ratings = Table::create();
        ratings
            .table("product_ratings")
            .col(uuid("product_id").primary_key())
            .col(integer("review_count").default(0))
            .col(integer("rating_sum").default(0));
        for stars in 1..=5 {
            ratings.col(integer(format!("stars_{stars}")).default(0));
        }
        for c in [
            "ease_of_use",
            "impact",
            "value_for_money",
            "support",
            "data_protection_confidence",
        ] {
            ratings.col(integer(format!("{c}_sum")).default(0));
            ratings.col(integer(format!("{c}_count")).default(0));
        }
        ratings
            .col(timestamp_with_time_zone("updated_at"))
            .check(Expr::col("review_count").gte(0))
            .foreign_key(&mut fk(
                "product_ratings",
                "product_id",
                "products",
                ForeignKeyAction::Cascade,
            ));
        m.create_table(ratings).await?;

        // ---- buying advice -----------------------------------------------------------------
        m.create_table(
            created_updated(
                Table::create()
                    .table("advice_requests")
                    .col(pk_uuid("id"))
                    .col(string_len("reference", 20))
                    .col(uuid("school_id"))
                    .col(uuid_null("requested_by"))
                    .col(string_len("category", 60))
                    .col(text("need"))
                    .col(big_integer_null("budget_min_pence"))
                    .col(big_integer_null("budget_max_pence"))
                    .col(date_null("deadline"))
                    .col(text("current_setup"))
                    .col(string_len("preferred_contact", 20))
                    .col(string_len("status", 20))
                    .col(string_len_null("outcome", 10))
                    .col(uuid_null("assignee_id"))
                    .col(timestamp_with_time_zone("first_response_due_at"))
                    .col(timestamp_with_time_zone("resolution_due_at"))
                    .col(timestamp_with_time_zone_null("first_responded_at"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .col(integer("version").default(1))
                    .check(one_of("status", ADVICE_STATUSES))
                    .check(
                        Expr::col("outcome")
                            .is_null()
                            .or(one_of("outcome", &["resolved", "withdrawn"])),
                    )
                    .check(
                        Expr::col("budget_min_pence")
                            .is_null()
                            .or(Expr::col("budget_min_pence").gte(0)),
                    )
                    .foreign_key(&mut fk(
                        "advice_requests",
                        "school_id",
                        "organisations",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "advice_requests",
                        "requested_by",
                        "users",
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "advice_requests",
                        "assignee_id",
                        "users",
                        ForeignKeyAction::SetNull,
                    )),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(unique("advice_requests", "reference", &["reference"]))
            .await?;
        m.create_index(index(
            "advice_requests",
            "status_assignee",
            &["status", "assignee_id"],
        ))
        .await?;
        m.create_index(index(
            "advice_requests",
            "school",
            &["school_id", "created_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("advice_messages")
                .col(pk_uuid("id"))
                .col(uuid("request_id"))
                .col(uuid_null("author_id"))
                .col(string_len("visibility", 10))
                .col(text("body"))
                .col(timestamp_with_time_zone("created_at"))
                .check(one_of("visibility", &["school", "internal"]))
                .foreign_key(&mut fk(
                    "advice_messages",
                    "request_id",
                    "advice_requests",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "advice_messages",
                    "author_id",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "advice_messages",
            "request_created",
            &["request_id", "created_at"],
        ))
        .await?;

        // ---- audit log and outboxes --------------------------------------------------------
        m.create_table(
            Table::create()
                .table("audit_events")
                .col(pk_uuid("id"))
                .col(timestamp_with_time_zone("at"))
                .col(uuid_null("actor_id"))
                .col(string_len_null("actor_role", 16))
                .col(uuid_null("organisation_id"))
                .col(string_len("action", 60))
                .col(string_len("entity_type", 40))
                .col(string_len("entity_id", 64))
                .col(json_null("before"))
                .col(json_null("after"))
                .col(string_len_null("request_id", 64))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "audit_events",
            "entity",
            &["entity_type", "entity_id", "at"],
        ))
        .await?;
        m.create_index(index("audit_events", "actor", &["actor_id", "at"]))
            .await?;
        m.create_index(index("audit_events", "at", &["at"])).await?;

        // Every write that changes a searchable record adds a row here in the same transaction;
        // the indexer applies rows in id order and marks them processed once the engine confirms.
        m.create_table(
            Table::create()
                .table("search_outbox")
                .col(big_pk_auto("id"))
                .col(string_len("entity_type", 10))
                .col(uuid("entity_id"))
                .col(string_len("op", 10))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("available_at"))
                .col(timestamp_with_time_zone_null("processed_at"))
                .col(integer("attempts").default(0))
                .col(text_null("last_error"))
                .check(one_of("entity_type", &["product", "deal"]))
                .check(one_of("op", &["upsert", "delete"]))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared("CREATE INDEX ix_search_outbox_pending ON search_outbox (available_at, id) WHERE processed_at IS NULL")
            .await?;

        m.create_table(
            Table::create()
                .table("notifications")
                .col(pk_uuid("id"))
                .col(uuid_null("user_id"))
                .col(uuid("organisation_id"))
                .col(string_len("kind", 40))
                .col(string_len("subject", 200))
                .col(json("payload"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("delivered_at"))
                .col(string_len_null("dedupe_key", 120))
                .foreign_key(&mut fk(
                    "notifications",
                    "user_id",
                    "users",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "notifications",
                    "organisation_id",
                    "organisations",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "notifications",
            "org_created",
            &["organisation_id", "created_at"],
        ))
        .await?;
        m.create_index(unique("notifications", "dedupe_key", &["dedupe_key"]))
            .await?;
        m.get_connection()
            .execute_unprepared("CREATE INDEX ix_notifications_undelivered ON notifications (created_at) WHERE delivered_at IS NULL")
            .await?;

        Ok(())
    }
}
