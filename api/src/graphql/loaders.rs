//! Batched lookups for nested fields: one `DbLoader`, one `Loader` impl per key type, each a
//! single `IN (...)` query however many parents ask. Registered once per request.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use becta_domain::actor;
use becta_domain::catalogue::products::ProductFacets;
use becta_domain::catalogue::{deals, organisations, products};
use becta_domain::entity::{
    category, lot, organisation, product_rating, provider, review, review_revision, trial_offer,
    user,
};
use becta_domain::reviews::{self, ReviewPageArgs};
use becta_domain::sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::error::GqlResult;

pub struct DbLoader {
    pub db: DatabaseConnection,
}

macro_rules! key {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub Uuid);
    };
}

key!(
    /// An organisation (supplier, school, ...) by id.
    OrgId
);
key!(ProviderId);
key!(
    /// A user by id.
    UserId
);
key!(
    /// The categories of a product.
    ProductCategories
);
key!(
    /// The subjects, key stages, platforms and badges of a product.
    ProductFacetsOf
);
key!(
    /// The review aggregates of a product.
    ProductRatingOf
);
key!(
    /// The open trial offers of a product.
    ProductTrialOffers
);
key!(
    /// The earlier versions of a review.
    ReviewRevisions
);
key!(DealCategories);
key!(DealEligibility);
key!(DealLots);
key!(LotSuppliers);

fn ids<K: Copy>(keys: &[K], f: impl Fn(K) -> Uuid) -> Vec<Uuid> {
    keys.iter().map(|k| f(*k)).collect()
}

/// Maps found rows back to keys. Every key gets a value: lists and facets default to empty,
/// so a request-scoped cache never misses on "nothing there" and re-queries.
fn rekey<K: Copy + Eq + std::hash::Hash, V: Default>(
    keys: &[K],
    f: impl Fn(K) -> Uuid,
    mut found: HashMap<Uuid, V>,
) -> HashMap<K, V> {
    keys.iter()
        .map(|k| (*k, found.remove(&f(*k)).unwrap_or_default()))
        .collect()
}

/// Maps found rows back to keys; a key with no row is left out (a missing record).
fn rekey_found<K: Copy + Eq + std::hash::Hash, V>(
    keys: &[K],
    f: impl Fn(K) -> Uuid,
    mut found: HashMap<Uuid, V>,
) -> HashMap<K, V> {
    keys.iter()
        .filter_map(|k| found.remove(&f(*k)).map(|v| (*k, v)))
        .collect()
}

macro_rules! loader {
    ($key:ident => $value:ty, |$db:ident, $ids:ident| $body:expr) => {
        loader!($key => $value, rekey, |$db, $ids| $body);
    };
    ($key:ident => $value:ty, $rekey:ident, |$db:ident, $ids:ident| $body:expr) => {
        impl Loader<$key> for DbLoader {
            type Value = $value;
            type Error = Arc<async_graphql::Error>;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let $db = &self.db;
                let $ids = ids(keys, |k| k.0);
                let found = $body.await.gql().map_err(Arc::new)?;
                Ok($rekey(keys, |k| k.0, found))
            }
        }
    };
}

loader!(OrgId => organisation::Model, rekey_found, |db, ids| organisations::by_ids(db, &ids));
loader!(UserId => user::Model, rekey_found, |db, ids| actor::users_by_ids(db, &ids));
loader!(ProviderId => provider::Model, rekey_found, |db, ids| deals::providers_by_id(db, &ids));
loader!(ProductCategories => Vec<category::Model>, |db, ids| products::categories_of(db, &ids));
loader!(ProductFacetsOf => ProductFacets, |db, ids| products::facets_of(db, &ids));
loader!(ProductRatingOf => Option<product_rating::Model>, |db, ids| products::ratings_of(db, &ids));
loader!(ProductTrialOffers => Vec<trial_offer::Model>, |db, ids| products::open_trial_offers_of(db, &ids));
loader!(ReviewRevisions => Vec<review_revision::Model>, |db, ids| reviews::revisions_of(db, &ids));
loader!(DealCategories => Vec<category::Model>, |db, ids| deals::categories_of(db, &ids));
loader!(DealEligibility => deals::Eligibility, |db, ids| deals::eligibility_of(db, &ids));
loader!(DealLots => Vec<lot::Model>, |db, ids| deals::lots_of(db, &ids));
loader!(LotSuppliers => Vec<organisation::Model>, |db, ids| deals::suppliers_of_lots(db, &ids));

/// A page of a product's published reviews with their total: products asking for the same
/// page share two queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProductReviews {
    pub product: Uuid,
    pub page: ReviewPageArgs,
}

impl Loader<ProductReviews> for DbLoader {
    type Value = (Vec<review::Model>, u64);
    type Error = Arc<async_graphql::Error>;

    async fn load(
        &self,
        keys: &[ProductReviews],
    ) -> Result<HashMap<ProductReviews, Self::Value>, Self::Error> {
        let mut pages: HashMap<ReviewPageArgs, Vec<Uuid>> = HashMap::new();
        for k in keys {
            pages.entry(k.page).or_default().push(k.product);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (page, products) in pages {
            let mut found = reviews::list_for_products(&self.db, &products, &page)
                .await
                .gql()
                .map_err(Arc::new)?;
            for product in products {
                let value = found.remove(&product).unwrap_or_default();
                out.insert(ProductReviews { product, page }, value);
            }
        }
        Ok(out)
    }
}

/// The request-scoped loader with its cache, as stored in request data.
pub type RequestLoader =
    async_graphql::dataloader::DataLoader<DbLoader, async_graphql::dataloader::HashMapCache>;
