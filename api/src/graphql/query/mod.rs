//! Query roots, one per area, merged into `Query`.

mod catalogue;

pub use catalogue::CatalogueQuery;

#[derive(async_graphql::MergedObject, Default)]
pub struct Query(CatalogueQuery);
