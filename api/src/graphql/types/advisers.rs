//! Advisers as people: a directory entry, and an adviser suggested for a case.
//!
//! Everyone who may see a case sees its adviser's name; the rest (email, specialisms,
//! capacity, caseload) is for advisers and admins, and null for anyone else.

use async_graphql::{Context, ID, Object};
use becta_domain::advice::{AdviserRecord, Suggestion};
use becta_domain::vocab::{Region, Role};

use super::catalogue::{Category, loader};
use crate::graphql::auth::viewer;
use crate::graphql::loaders::{AdviserCaseload, AdviserSpecialisms};

/// True when the caller is an adviser or an admin.
pub(crate) fn is_staff(ctx: &Context<'_>) -> bool {
    viewer(ctx).is_some_and(|a| matches!(a.role, Role::Adviser | Role::Admin))
}

/// An adviser: a person in the directory who helps schools buy.
pub struct Adviser {
    pub record: AdviserRecord,
    /// Known when the adviser was loaded with their caseload (suggestions).
    pub open_cases: Option<u64>,
}

impl Adviser {
    pub fn new(record: AdviserRecord) -> Self {
        Adviser {
            record,
            open_cases: None,
        }
    }

    async fn specialisms(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<becta_domain::advice::Specialisms>> {
        if !is_staff(ctx) {
            return Ok(None);
        }
        Ok(Some(
            loader(ctx)?
                .load_one(AdviserSpecialisms(self.record.id()))
                .await
                .map_err(|e| (*e).clone())?
                .unwrap_or_default(),
        ))
    }
}

/// An adviser: a person in the directory who helps schools buy. Everyone who sees a case sees
/// its adviser's name; the rest is for advisers and admins (null for anyone else).
#[Object]
impl Adviser {
    /// The adviser's user id: the `sub` of their token, and the `adviserId` that assigns them
    /// a case.
    async fn id(&self) -> ID {
        ID(self.record.id().to_string())
    }
    /// Their full name.
    async fn name(&self) -> &str {
        self.record.name()
    }
    /// Their work email (advisers and admins; null for others, and for an adviser who is not
    /// in the directory).
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        self.record.email().filter(|_| is_staff(ctx))
    }
    /// True while they take new cases; an inactive adviser keeps their open cases (advisers
    /// and admins; null for others, and for an adviser who is not in the directory).
    async fn active(&self, ctx: &Context<'_>) -> Option<bool> {
        let p = self.record.profile.as_ref().filter(|_| is_staff(ctx))?;
        Some(p.active)
    }
    /// The most open cases they take at once, 1 to 200 (advisers and admins).
    async fn capacity(&self, ctx: &Context<'_>) -> Option<i32> {
        let p = self.record.profile.as_ref().filter(|_| is_staff(ctx))?;
        Some(p.capacity)
    }
    /// How many cases assigned to them are open, i.e. not closed (advisers and admins).
    async fn open_cases(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<u64>> {
        if !is_staff(ctx) {
            return Ok(None);
        }
        if let Some(n) = self.open_cases {
            return Ok(Some(n));
        }
        Ok(Some(
            loader(ctx)?
                .load_one(AdviserCaseload(self.record.id()))
                .await
                .map_err(|e| (*e).clone())?
                .unwrap_or(0),
        ))
    }
    /// The categories they specialise in, in display order (advisers and admins).
    async fn categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<Category>>> {
        Ok(self
            .specialisms(ctx)
            .await?
            .map(|s| s.categories.into_iter().map(Category).collect()))
    }
    /// The regions of England they cover (advisers and admins).
    async fn regions(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<Region>>> {
        Ok(self.specialisms(ctx).await?.map(|s| s.regions))
    }
    /// Pass to the next change of the adviser (`updateAdviser`, `setAdviserActive`); a change
    /// to an older version is `CONFLICT` (admins and advisers).
    async fn version(&self, ctx: &Context<'_>) -> Option<i32> {
        let p = self.record.profile.as_ref().filter(|_| is_staff(ctx))?;
        Some(p.version)
    }
    /// True for the sample dataset's advisers.
    async fn is_sample(&self) -> bool {
        self.record.profile.as_ref().is_some_and(|p| p.is_sample)
    }
}

/// An adviser who could take a case, and why.
pub struct AdviserSuggestion(pub Suggestion);

/// An adviser who could take a case, where they rank, and why.
#[Object]
impl AdviserSuggestion {
    /// The adviser.
    async fn adviser(&self) -> Adviser {
        Adviser {
            record: self.0.adviser.clone(),
            open_cases: Some(self.0.open_cases),
        }
    }
    /// Their open cases now.
    async fn open_cases(&self) -> u64 {
        self.0.open_cases
    }
    /// The most open cases they take at once.
    async fn capacity(&self) -> i32 {
        self.0.capacity
    }
    /// True when they have no room: assigning them needs `overCapacity: true`.
    async fn at_capacity(&self) -> bool {
        self.0.at_capacity()
    }
    /// They specialise in the case's category.
    async fn matches_category(&self) -> bool {
        self.0.matches_category
    }
    /// They cover the school's region.
    async fn matches_region(&self) -> bool {
        self.0.matches_region
    }
    /// The case is assigned to them now.
    async fn assigned_now(&self) -> bool {
        self.0.assigned_now
    }
    /// Why they are suggested where they are, e.g. "specialises in Software licences",
    /// "covers London", "3 open cases of 20", "at capacity: 20 open cases of 20".
    async fn reasons(&self) -> &[String] {
        &self.0.reasons
    }
}
