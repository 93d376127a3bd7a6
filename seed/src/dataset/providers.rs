//! Public buying organisations that run the technology frameworks in the catalogue.
//!
//! All records are sample data. The organisations are real public buying bodies (their
//! frameworks are public), or invented regional partnerships marked as such, and every
//! website sits under the reserved `.example` domain.

use super::types::ProviderSeed;

/// The providers of the sample deals; `short_name` is what a deal's `provider` refers to.
pub fn providers() -> Vec<ProviderSeed> {
    vec![
        ProviderSeed {
            short_name: "CCS",
            name: "Crown Commercial Service",
            website: "https://ccs.example",
        },
        ProviderSeed {
            short_name: "ESPO",
            name: "ESPO (Eastern Shires Purchasing Organisation)",
            website: "https://espo.example",
        },
        ProviderSeed {
            short_name: "YPO",
            name: "YPO (Yorkshire Purchasing Organisation)",
            website: "https://ypo.example",
        },
        ProviderSeed {
            short_name: "NEPO",
            name: "NEPO (North East Procurement Organisation)",
            website: "https://nepo.example",
        },
        ProviderSeed {
            short_name: "CPC",
            name: "Crescent Purchasing Consortium",
            website: "https://cpc.example",
        },
        ProviderSeed {
            short_name: "LGfL",
            name: "LGfL - The National Grid for Learning",
            website: "https://lgfl.example",
        },
        ProviderSeed {
            short_name: "NEUPC",
            name: "North Eastern Universities Purchasing Consortium",
            website: "https://neupc.example",
        },
        ProviderSeed {
            short_name: "SDBH",
            name: "Schools Digital Buying Hub (sample regional partnership)",
            website: "https://sdbh.example",
        },
        ProviderSeed {
            short_name: "MEBA",
            name: "Midlands Education Buying Alliance (sample consortium)",
            website: "https://meba.example",
        },
        ProviderSeed {
            short_name: "SWEP",
            name: "South West Education Procurement Partnership (sample consortium)",
            website: "https://swep.example",
        },
    ]
}
