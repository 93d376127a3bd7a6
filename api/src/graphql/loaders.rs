//! Batched lookups for nested fields: one `DbLoader`, one `Loader` impl per key type, each a
//! single `IN (...)` query however many parents ask. Registered once per request.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use becta_domain::actor;
use becta_domain::advice::{self, advisers};
use becta_domain::catalogue::products::ProductFacets;
use becta_domain::catalogue::suppliers::{self, CountedPage};
use becta_domain::catalogue::{deals, organisations, products};
use becta_domain::entity::{
    category, deal, disposal_certificate, lot, organisation, product, product_rating, provider,
    review, review_revision, trial_offer, user,
};
use becta_domain::pagination::PageArgs;
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
key!(
    /// An adviser (a case's assignee) by user id, with their directory profile.
    AdviserId
);
key!(
    /// The categories and regions an adviser specialises in.
    AdviserSpecialisms
);
key!(
    /// How many open cases an adviser has.
    AdviserCaseload
);
key!(
    /// The advisers suggested for a case, best first.
    CaseSuggestions
);
key!(
    /// The evidence of impact on a product, from its trials' outcomes.
    ProductEvidence
);
key!(
    /// The device facts and stock of a product (absent: not a device).
    ProductDeviceOf
);
key!(
    /// The certificates returned for a disposal request.
    DisposalCertificates
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
loader!(ProductEvidence => becta_domain::lending::Evidence, |db, ids| becta_domain::lending::evidence_of(db, &ids));
loader!(ReviewRevisions => Vec<review_revision::Model>, |db, ids| reviews::revisions_of(db, &ids));
loader!(AdviserId => advisers::AdviserRecord, rekey_found, |db, ids| advisers::by_ids(db, &ids));
loader!(AdviserSpecialisms => advisers::Specialisms, |db, ids| advisers::specialisms_of(db, &ids));
loader!(AdviserCaseload => u64, |db, ids| advisers::open_caseloads(db, &ids));
loader!(CaseSuggestions => Vec<advice::Suggestion>, |db, ids| advice::suggestions::for_cases(db, &ids));
loader!(ProductDeviceOf => becta_domain::devices::DeviceListing, rekey_found, |db, ids| becta_domain::devices::listings_of(db, &ids));
loader!(DisposalCertificates => Vec<disposal_certificate::Model>, |db, ids| becta_domain::devices::disposals::certificates_of(db, &ids));
loader!(DealCategories => Vec<category::Model>, |db, ids| deals::categories_of(db, &ids));
loader!(DealEligibility => deals::Eligibility, |db, ids| deals::eligibility_of(db, &ids));
loader!(DealLots => Vec<lot::Model>, |db, ids| deals::lots_of(db, &ids));
loader!(LotSuppliers => Vec<organisation::Model>, |db, ids| deals::suppliers_of_lots(db, &ids));

/// Groups `(owner, page)` keys by page, so owners asking for the same page share one `load`
/// (a fixed number of queries); every key gets a value.
async fn per_page<K, P, V, Fut>(
    keys: &[K],
    parts: impl Fn(&K) -> (Uuid, P),
    load: impl Fn(Vec<Uuid>, P) -> Fut,
) -> Result<HashMap<K, V>, Arc<async_graphql::Error>>
where
    K: Clone + Eq + std::hash::Hash,
    P: Clone + Eq + std::hash::Hash,
    V: Default,
    Fut: std::future::Future<Output = becta_domain::Result<HashMap<Uuid, V>>>,
{
    let mut pages: HashMap<P, Vec<(Uuid, K)>> = HashMap::new();
    for k in keys {
        let (owner, page) = parts(k);
        pages.entry(page).or_default().push((owner, k.clone()));
    }
    let mut out = HashMap::with_capacity(keys.len());
    for (page, owners) in pages {
        let ids = owners.iter().map(|(o, _)| *o).collect();
        let mut found = load(ids, page).await.gql().map_err(Arc::new)?;
        for (owner, key) in owners {
            out.insert(key, found.remove(&owner).unwrap_or_default());
        }
    }
    Ok(out)
}

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
        per_page(
            keys,
            |k| (k.product, k.page),
            |ids, page| async move { reviews::list_for_products(&self.db, &ids, &page).await },
        )
        .await
    }
}

/// A page of a supplier's public products with their total: suppliers asking for the same
/// page share two queries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SupplierProducts {
    pub supplier: Uuid,
    pub page: PageArgs,
}

impl Loader<SupplierProducts> for DbLoader {
    type Value = CountedPage<product::Model>;
    type Error = Arc<async_graphql::Error>;

    async fn load(
        &self,
        keys: &[SupplierProducts],
    ) -> Result<HashMap<SupplierProducts, Self::Value>, Self::Error> {
        per_page(
            keys,
            |k| (k.supplier, k.page.clone()),
            |ids, page| async move { suppliers::products_of(&self.db, &ids, &page).await },
        )
        .await
    }
}

/// A page of the public deals a supplier is on a lot of, with their total: suppliers asking
/// for the same page share three queries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SupplierDeals {
    pub supplier: Uuid,
    pub page: PageArgs,
}

impl Loader<SupplierDeals> for DbLoader {
    type Value = CountedPage<deal::Model>;
    type Error = Arc<async_graphql::Error>;

    async fn load(
        &self,
        keys: &[SupplierDeals],
    ) -> Result<HashMap<SupplierDeals, Self::Value>, Self::Error> {
        per_page(
            keys,
            |k| (k.supplier, k.page.clone()),
            |ids, page| async move { suppliers::deals_of(&self.db, &ids, &page).await },
        )
        .await
    }
}

/// The request's DataLoader with its cache, and which keys connection prefetches have put
/// there, so a nested connection whose rows were prefetched from above (a page of suppliers
/// with their products) loads nothing again. Stored in request data, one per request.
pub struct RequestLoader {
    loader: DataLoader<DbLoader, HashMapCache>,
    /// Per key type, a `HashSet` of that type's prefetched keys.
    prefetched: Mutex<HashMap<TypeId, Box<dyn Any + Send>>>,
}

impl RequestLoader {
    pub fn new(db: DatabaseConnection) -> Self {
        RequestLoader {
            loader: DataLoader::with_cache(DbLoader { db }, tokio::spawn, HashMapCache::default()),
            prefetched: Mutex::new(HashMap::new()),
        }
    }

    /// Splits `keys` into those not prefetched yet and those already in the cache.
    pub(crate) fn split_prefetched<K>(&self, keys: Vec<K>) -> (Vec<K>, Vec<K>)
    where
        K: Send + Hash + Eq + 'static,
    {
        let mut prefetched = self.prefetched.lock().unwrap_or_else(|e| e.into_inner());
        match prefetched
            .get_mut(&TypeId::of::<K>())
            .and_then(|set| set.downcast_mut::<HashSet<K>>())
        {
            Some(set) => keys.into_iter().partition(|k| !set.contains(k)),
            None => (keys, Vec::new()),
        }
    }

    /// Records that `keys` are in the cache.
    pub(crate) fn mark_prefetched<K>(&self, keys: impl IntoIterator<Item = K>)
    where
        K: Send + Hash + Eq + 'static,
    {
        let mut prefetched = self.prefetched.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(set) = prefetched
            .entry(TypeId::of::<K>())
            .or_insert_with(|| Box::new(HashSet::<K>::new()))
            .downcast_mut::<HashSet<K>>()
        {
            set.extend(keys);
        }
    }
}

impl std::ops::Deref for RequestLoader {
    type Target = DataLoader<DbLoader, HashMapCache>;

    fn deref(&self) -> &Self::Target {
        &self.loader
    }
}
