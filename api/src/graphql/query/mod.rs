//! Query roots, one per area, merged into `Query`.

mod account;
mod advice;
mod advisers;
mod catalogue;
mod compare;
mod competitions;
mod contracts;
mod deliveries;
mod disposals;
mod lending;
mod maturity;
mod orders;
mod reviews;
pub mod search;
mod shortlists;
mod trials;

pub use account::AccountQuery;
pub use advice::AdviceQuery;
pub use advisers::AdviserQuery;
pub use catalogue::CatalogueQuery;
pub use compare::CompareQuery;
pub use competitions::CompetitionQuery;
pub use contracts::ContractQuery;
pub use deliveries::DeliveryQuery;
pub use disposals::DisposalQuery;
pub use lending::LendingQuery;
pub use maturity::MaturityQuery;
pub use orders::OrderQuery;
pub use reviews::ReviewQuery;
pub use search::SearchQueryRoot;
pub use shortlists::ShortlistQuery;
pub use trials::TrialQuery;

#[derive(async_graphql::MergedObject, Default)]
pub struct Query(
    CatalogueQuery,
    SearchQueryRoot,
    AccountQuery,
    LendingQuery,
    AdviceQuery,
    AdviserQuery,
    CompareQuery,
    ShortlistQuery,
    OrderQuery,
    ContractQuery,
    CompetitionQuery,
    ReviewQuery,
    DeliveryQuery,
    TrialQuery,
    MaturityQuery,
    DisposalQuery,
);
