//! Procurement advisers in the directory, with what they specialise in and how many cases they
//! take at once.
//!
//! All records are sample data: invented people with addresses under the reserved `.example`
//! domain, spread so every region of England has an adviser and most deal categories have a
//! specialist.

use super::types::AdviserSeed;

pub fn advisers() -> Vec<AdviserSeed> {
    vec![
        AdviserSeed {
            name: "Amara Okafor",
            email: "amara.okafor@advice.becta.example",
            categories: vec!["devices", "refurbished_devices", "audio_visual"],
            regions: vec!["london", "south_east"],
            capacity: 25,
        },
        AdviserSeed {
            name: "Gareth Pryce",
            email: "gareth.pryce@advice.becta.example",
            categories: vec![
                "broadband_connectivity",
                "networking_wireless",
                "cyber_security",
            ],
            regions: vec!["north_west", "yorkshire_and_the_humber"],
            capacity: 30,
        },
        AdviserSeed {
            name: "Siobhan Kelly",
            email: "siobhan.kelly@advice.becta.example",
            categories: vec!["software_licences", "cloud_hosting", "mis", "mis_software"],
            regions: vec!["west_midlands", "east_midlands"],
            capacity: 20,
        },
        AdviserSeed {
            name: "Daniel Haworth",
            email: "daniel.haworth@advice.becta.example",
            categories: vec![
                "it_support_managed_services",
                "telephony",
                "cctv_access_control",
            ],
            regions: vec!["north_east", "yorkshire_and_the_humber"],
            capacity: 15,
        },
        AdviserSeed {
            name: "Priya Raman",
            email: "priya.raman@advice.becta.example",
            categories: vec![
                "filtering_monitoring",
                "cyber_security",
                "online_safety",
                "safeguarding_behaviour",
            ],
            regions: vec!["east_of_england", "london"],
            capacity: 20,
        },
        AdviserSeed {
            name: "Tom Whitfield",
            email: "tom.whitfield@advice.becta.example",
            categories: vec!["devices", "printing_mfd", "refurbished_devices"],
            regions: vec!["south_west"],
            capacity: 12,
        },
    ]
}
