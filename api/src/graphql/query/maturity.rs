//! The digital maturity benchmark: standards, a school's assessment and plan, comparisons,
//! a trust's picture and the sector view.

use async_graphql::{Context, ID, Object};
use becta_domain::maturity::{self, SectorAudience as Audience, assessments, benchmark, content};
use becta_domain::vocab::Role;

use crate::graphql::auth::{actor, viewer};
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::{
    Assessment, DigitalStandard, MaturityBenchmark, SectorGrouping, SectorView, TechnologyPlan,
    TrustMaturity,
};
use crate::state::AppState;

#[derive(Default)]
pub struct MaturityQuery;

fn school_arg(school_id: Option<&ID>) -> async_graphql::Result<Option<becta_domain::Uuid>> {
    school_id.map(|s| parse_id("schoolId", s)).transpose()
}

#[Object]
impl MaturityQuery {
    /// The DfE digital and technology standards in the newest content version (public).
    async fn digital_standards(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<DigitalStandard>> {
        let db = &ctx.data::<AppState>()?.db;
        let c = content::current(db).await.gql()?;
        Ok(DigitalStandard::all(&c))
    }

    /// Your school's self-assessment for an academic year (default: the current one), with
    /// the content version it answers (SCHOOL_BUYER). A trust-scoped buyer names a school of
    /// the trust with `schoolId`.
    async fn my_assessment(
        &self,
        ctx: &Context<'_>,
        school_id: Option<ID>,
        #[graphql(desc = "The year the academic year starts, e.g. 2026 for 2026/27.")]
        academic_year: Option<i32>,
    ) -> async_graphql::Result<Assessment> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let school = school_arg(school_id.as_ref())?;
        assessments::view(db, a, school, academic_year)
            .await
            .gql()
            .map(Assessment)
    }

    /// Your school's technology plan: the recommendations its completed sections trigger,
    /// each with its status and the deals, products and trials that fit the school
    /// (SCHOOL_BUYER; a trust-scoped buyer names a school of the trust with `schoolId`).
    async fn my_technology_plan(
        &self,
        ctx: &Context<'_>,
        school_id: Option<ID>,
    ) -> async_graphql::Result<TechnologyPlan> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let school = school_arg(school_id.as_ref())?;
        maturity::plan::plan(db, a, school)
            .await
            .gql()
            .map(TechnologyPlan)
    }

    /// How your school compares with similar schools (same phase, region and size band) on
    /// one standard; a group of fewer than 10 schools is suppressed with the reason
    /// (SCHOOL_BUYER; a trust-scoped buyer names a school of the trust with `schoolId`).
    async fn maturity_benchmark(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A standard's slug (see `digitalStandards`).")] standard: String,
        school_id: Option<ID>,
    ) -> async_graphql::Result<MaturityBenchmark> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let school = school_arg(school_id.as_ref())?;
        benchmark::benchmark(db, a, school, &standard)
            .await
            .gql()
            .map(MaturityBenchmark)
    }

    /// Every school of your trust with its maturity per standard, and the trust's overall
    /// picture (a trust-scoped SCHOOL_BUYER, token `org` `trust:<Group UID>`).
    async fn trust_maturity(&self, ctx: &Context<'_>) -> async_graphql::Result<TrustMaturity> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        benchmark::trust_picture(db, a)
            .await
            .gql()
            .map(TrustMaturity)
    }

    /// The anonymised sector view: maturity per standard, trials and savings by region and/or
    /// phase (default region). Public, with rounded figures; admins get exact ones. Groups of
    /// fewer than 10 schools are suppressed. CSV: `GET /exports/sector-view.csv`.
    async fn sector_view(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "SectorGrouping::Region")] group_by: SectorGrouping,
    ) -> async_graphql::Result<SectorView> {
        let db = &ctx.data::<AppState>()?.db;
        let audience = match viewer(ctx) {
            Some(a) if a.role == Role::Admin => Audience::Admin,
            _ => Audience::Public,
        };
        maturity::sector::view(db, audience, group_by.into())
            .await
            .gql()
            .map(SectorView)
    }
}
