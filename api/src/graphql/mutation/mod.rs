//! Mutation roots, one per area, merged into `Mutation`. Every mutation needs a bearer token,
//! runs as one transaction in its domain service and leaves one audit event.

mod advice;
mod advisers;
mod competitions;
mod contracts;
mod deals;
mod deliveries;
mod devices;
mod disposals;
mod lending;
mod listings;
mod maturity;
mod orders;
mod reviews;
mod shortlists;
mod trials;
mod vetting;

pub use advice::AdviceMutation;
pub use advisers::AdviserMutation;
pub use competitions::CompetitionMutation;
pub use contracts::ContractMutation;
pub use deals::DealMutation;
pub use deliveries::DeliveryMutation;
pub use devices::DeviceMutation;
pub use disposals::DisposalMutation;
pub use lending::LendingMutation;
pub use listings::ListingMutation;
pub use maturity::MaturityMutation;
pub use orders::OrderMutation;
pub use reviews::ReviewMutation;
pub use shortlists::ShortlistMutation;
pub use trials::TrialMutation;
pub use vetting::VettingMutation;

#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(
    ListingMutation,
    VettingMutation,
    DealMutation,
    LendingMutation,
    ReviewMutation,
    AdviceMutation,
    AdviserMutation,
    ShortlistMutation,
    OrderMutation,
    ContractMutation,
    CompetitionMutation,
    DeliveryMutation,
    TrialMutation,
    MaturityMutation,
    DeviceMutation,
    DisposalMutation,
);
