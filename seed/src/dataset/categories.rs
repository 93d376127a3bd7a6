//! Categories of deals (what a framework buys) and of EdTech products (what a product does).
//!
//! All records are sample data: the slugs are the catalogue's stable codes and the names are
//! the labels shown to school buyers.

use super::types::CategorySeed;

const DEAL: &str = "deal";
const PRODUCT: &str = "product";

/// Every category, deal scope first, then product scope.
pub fn categories() -> Vec<CategorySeed> {
    let deal = [
        ("broadband_connectivity", "Broadband and connectivity"),
        ("networking_wireless", "Network switching and wireless"),
        ("cyber_security", "Cyber security services"),
        ("filtering_monitoring", "Filtering and monitoring"),
        ("devices", "Laptops, desktops, tablets and Chromebooks"),
        ("audio_visual", "Audio-visual and interactive panels"),
        ("printing_mfd", "Printing and multifunctional devices"),
        ("cloud_hosting", "Cloud services and hosting"),
        ("software_licences", "Software licences"),
        ("mis", "Management information systems"),
        (
            "it_support_managed_services",
            "IT support and managed services",
        ),
        ("telephony", "Telephony and unified communications"),
        ("cctv_access_control", "CCTV and access control"),
        (
            "refurbished_devices",
            "Refurbished and remanufactured devices",
        ),
    ];
    let product = [
        ("mis_software", "Management information systems (MIS)"),
        (
            "parental_engagement",
            "Parental engagement and communication",
        ),
        ("assessment", "Assessment, marking and feedback"),
        ("learning_platforms", "Homework and learning platforms"),
        ("curriculum_content", "Curriculum content"),
        ("send_assistive", "SEND and assistive technology"),
        (
            "safeguarding_behaviour",
            "Safeguarding and behaviour recording",
        ),
        ("timetabling_cover", "Timetabling and cover"),
        ("online_safety", "Online safety"),
        ("staff_cpd", "Staff CPD and training"),
        ("ai_tools", "AI tools for teaching and administration"),
        ("cashless_payments", "Cashless payments"),
        ("exams_management", "Exams management"),
        (
            "school_devices",
            "Laptops, Chromebooks, tablets and desktops",
        ),
        ("interactive_displays", "Interactive panels and displays"),
    ];
    deal.into_iter()
        .map(|(slug, name)| CategorySeed {
            slug,
            name,
            scope: DEAL,
        })
        .chain(product.into_iter().map(|(slug, name)| CategorySeed {
            slug,
            name,
            scope: PRODUCT,
        }))
        .collect()
}
