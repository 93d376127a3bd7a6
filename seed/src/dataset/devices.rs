//! Devices for schools, new, refurbished and remanufactured: the device models (maker, model,
//! specification, operating-system support and, where given, a new unit's footprint) and the
//! listings suppliers on the device frameworks offer of them, with stock.
//!
//! Sample data: the makers and models are real products schools buy, but every specification
//! detail, support date, price, stock figure and listing is illustrative, and so is every
//! footprint stated here (each says so in its source). Models without a stated footprint use
//! the documented default for their form factor, or have none (tablets, desktops, panels).
//! Refurbished and remanufactured listings come from the suppliers on YPO 001131 lot 1, new
//! ones from suppliers on YPO 001072, ESPO 664_25 and the AV frameworks, so each can be bought
//! through a deal.

use super::types::{DeviceListingSeed, DeviceModelSeed};

const SAMPLE_FOOTPRINT: &str = "Sample figure for the demonstration catalogue, in the range makers publish for a business laptop (about 350 kg CO2e); not the maker's published product carbon footprint";

/// The device models listed.
pub fn models() -> Vec<DeviceModelSeed> {
    let m = |key, maker, model, form_factor, processor, memory_gb, storage_gb, screen| {
        DeviceModelSeed {
            key,
            maker,
            model,
            form_factor,
            processor,
            memory_gb,
            storage_gb,
            screen,
            operating_system: "ChromeOS",
            os_support_ends_on: None,
            new_footprint: None,
        }
    };
    vec![
        DeviceModelSeed {
            os_support_ends_on: Some((2029, 6, 30)),
            ..m(
                "lenovo-300e-g3",
                "Lenovo",
                "300e Chromebook Gen 3",
                "chromebook",
                "AMD 3015Ce",
                4,
                32,
                "11.6-inch HD touch",
            )
        },
        DeviceModelSeed {
            os_support_ends_on: Some((2031, 6, 30)),
            ..m(
                "acer-spin-311",
                "Acer",
                "Chromebook Spin 311",
                "chromebook",
                "MediaTek MT8183",
                4,
                64,
                "11.6-inch HD touch",
            )
        },
        DeviceModelSeed {
            os_support_ends_on: Some((2031, 6, 30)),
            ..m(
                "hp-14-g7",
                "HP",
                "Chromebook 14 G7",
                "chromebook",
                "Intel Celeron N4500",
                4,
                64,
                "14-inch HD",
            )
        },
        DeviceModelSeed {
            os_support_ends_on: Some((2027, 6, 30)),
            ..m(
                "dell-3100",
                "Dell",
                "Chromebook 3100",
                "chromebook",
                "Intel Celeron N4020",
                4,
                32,
                "11.6-inch HD",
            )
        },
        DeviceModelSeed {
            operating_system: "Windows 11 Pro Education",
            os_support_ends_on: Some((2029, 10, 9)),
            ..m(
                "dell-3140",
                "Dell",
                "Latitude 3140",
                "laptop",
                "Intel N200",
                8,
                128,
                "11.6-inch HD",
            )
        },
        DeviceModelSeed {
            operating_system: "Windows 11 Pro",
            os_support_ends_on: Some((2029, 10, 9)),
            new_footprint: Some((350, SAMPLE_FOOTPRINT)),
            ..m(
                "thinkpad-l13-g2",
                "Lenovo",
                "ThinkPad L13 Gen 2",
                "laptop",
                "Intel Core i5-1135G7",
                8,
                256,
                "13.3-inch Full HD",
            )
        },
        DeviceModelSeed {
            operating_system: "Windows 11 Pro",
            os_support_ends_on: Some((2029, 10, 9)),
            new_footprint: Some((350, SAMPLE_FOOTPRINT)),
            ..m(
                "latitude-5420",
                "Dell",
                "Latitude 5420",
                "laptop",
                "Intel Core i5-1145G7",
                16,
                256,
                "14-inch Full HD",
            )
        },
        DeviceModelSeed {
            operating_system: "macOS Sequoia",
            os_support_ends_on: Some((2028, 9, 30)),
            ..m(
                "macbook-air-m1",
                "Apple",
                "MacBook Air 13-inch (M1, 2020)",
                "laptop",
                "Apple M1",
                8,
                256,
                "13.3-inch Retina",
            )
        },
        DeviceModelSeed {
            operating_system: "iPadOS 18",
            os_support_ends_on: Some((2028, 9, 30)),
            ..m(
                "ipad-9",
                "Apple",
                "iPad 10.2-inch (9th generation)",
                "tablet",
                "Apple A13 Bionic",
                3,
                64,
                "10.2-inch Retina",
            )
        },
        DeviceModelSeed {
            operating_system: "iPadOS 18",
            os_support_ends_on: Some((2030, 9, 30)),
            ..m(
                "ipad-10",
                "Apple",
                "iPad 10.9-inch (10th generation)",
                "tablet",
                "Apple A14 Bionic",
                4,
                64,
                "10.9-inch Liquid Retina",
            )
        },
        DeviceModelSeed {
            operating_system: "Windows 11 Pro",
            os_support_ends_on: Some((2029, 10, 9)),
            ..m(
                "prodesk-400-g7",
                "HP",
                "ProDesk 400 G7 Small Form Factor",
                "desktop",
                "Intel Core i5-10500",
                8,
                256,
                "none (monitor not included)",
            )
        },
        DeviceModelSeed {
            operating_system: "Android 13 (ActivPanel)",
            os_support_ends_on: Some((2030, 12, 31)),
            ..m(
                "activpanel-9-65",
                "Promethean",
                "ActivPanel 9 65-inch",
                "interactive_panel",
                "ARM octa-core",
                8,
                64,
                "65-inch 4K UHD touch",
            )
        },
    ]
}

const A_GRADE: &str = "Minimal wear, unmarked screen, fully tested";
const B_GRADE: &str = "Light scuffs on the case, screen free of dead pixels";
const C_GRADE: &str = "Visible wear and marks on the case; works as new";
const ERASE_BLANCCO: &str = "Blancco Drive Eraser, cryptographic erase with verification";
const ERASE_WIPE: &str = "Overwrite and verify with an ADISA-tested erasure product";

/// Every device listing.
pub fn listings() -> Vec<DeviceListingSeed> {
    let new = |supplier, model, name, summary, price_pence, units| DeviceListingSeed {
        supplier,
        model,
        name,
        summary,
        condition: "new",
        grade: None,
        battery_health_percent: None,
        warranty_months: 36,
        erasure: None,
        refurbisher: None,
        price_pence,
        units,
    };
    let used = |supplier, model, name, summary, grade, battery, warranty, price_pence, units| {
        DeviceListingSeed {
            supplier,
            model,
            name,
            summary,
            condition: "refurbished",
            grade: Some(grade),
            battery_health_percent: battery,
            warranty_months: warranty,
            erasure: Some(("nist_sp_800_88_r2", ERASE_BLANCCO, "ADISA")),
            refurbisher: Some(supplier),
            price_pence,
            units,
        }
    };
    vec![
        // New devices.
        new(
            "Pennine Device Solutions Ltd",
            "lenovo-300e-g3",
            "Lenovo 300e Chromebook Gen 3, new, with Chrome Education Upgrade",
            "New rugged touchscreen Chromebooks for pupils, enrolled into your Google Admin console before delivery.",
            29_900,
            400,
        ),
        new(
            "Copperleaf Computing Ltd",
            "acer-spin-311",
            "Acer Chromebook Spin 311, new",
            "New convertible Chromebooks with a touchscreen and stylus support, with zero-touch enrolment.",
            27_900,
            250,
        ),
        new(
            "Ashgrove IT Supplies Ltd",
            "hp-14-g7",
            "HP Chromebook 14 G7, new",
            "New 14-inch Chromebooks for secondary pupils and staff, delivered asset-tagged.",
            25_900,
            300,
        ),
        new(
            "Keystone Education IT Ltd",
            "dell-3140",
            "Dell Latitude 3140 Education laptop, new",
            "New rugged Windows 11 laptops for 1:1 schemes, imaged and enrolled with Autopilot.",
            44_900,
            200,
        ),
        new(
            "Harbourlight Technology Ltd",
            "ipad-9",
            "Apple iPad 9th generation 64GB, new",
            "New iPad 10.2-inch (9th gen) for classroom sets, supervised and enrolled through Apple School Manager.",
            31_900,
            150,
        ),
        new(
            "Harbourlight Technology Ltd",
            "ipad-10",
            "Apple iPad 10th generation 64GB, new",
            "New iPad 10.9-inch (10th gen) with USB-C, enrolled through Apple School Manager.",
            34_900,
            150,
        ),
        new(
            "Brightwall Displays Ltd",
            "activpanel-9-65",
            "Promethean ActivPanel 9 65-inch interactive panel, new",
            "A new 65-inch interactive panel (interactive whiteboard replacement) with wall mounting and teacher training.",
            249_900,
            40,
        ),
        // Refurbished devices.
        used(
            "Second Bloom Devices Ltd",
            "lenovo-300e-g3",
            "Refurbished Lenovo 300e Chromebook Gen 3, grade A",
            "Refurbished grade A Chromebooks, at least 88% battery health, 12-month warranty, certified data erasure.",
            "a",
            Some(88),
            12,
            11_900,
            120,
        ),
        used(
            "Second Bloom Devices Ltd",
            "lenovo-300e-g3",
            "Refurbished Lenovo 300e Chromebook Gen 3, grade B",
            "Refurbished grade B Chromebooks at a lower price, at least 82% battery health, 6-month warranty.",
            "b",
            Some(82),
            6,
            8_900,
            200,
        ),
        used(
            "Greenloop Refurb Ltd",
            "hp-14-g7",
            "Refurbished HP Chromebook 14 G7, grade A",
            "Refurbished grade A 14-inch Chromebooks, at least 90% battery health, 12-month warranty, erasure certificates per device.",
            "a",
            Some(90),
            12,
            10_900,
            80,
        ),
        used(
            "Renewtech Circular IT Ltd",
            "acer-spin-311",
            "Refurbished Acer Chromebook Spin 311, grade A",
            "Refurbished grade A convertible Chromebooks, at least 85% battery health, 12-month warranty.",
            "a",
            Some(85),
            12,
            11_500,
            60,
        ),
        used(
            "Greenloop Refurb Ltd",
            "acer-spin-311",
            "Refurbished Acer Chromebook Spin 311, grade C",
            "Cheap refurbished grade C Chromebooks for spares and class sets, at least 80% battery health, 6-month warranty.",
            "c",
            Some(80),
            6,
            6_900,
            150,
        ),
        used(
            "Ashgrove IT Supplies Ltd",
            "dell-3100",
            "Refurbished Dell Chromebook 3100, grade A",
            "Refurbished grade A Chromebooks at the lowest price; automatic updates end in June 2027.",
            "a",
            Some(86),
            12,
            7_900,
            90,
        ),
        used(
            "Renewtech Circular IT Ltd",
            "latitude-5420",
            "Refurbished Dell Latitude 5420 laptop, grade A",
            "Refurbished grade A Windows 11 laptops for staff, at least 87% battery health, 12-month warranty.",
            "a",
            Some(87),
            12,
            27_900,
            70,
        ),
        used(
            "Ashgrove IT Supplies Ltd",
            "thinkpad-l13-g2",
            "Refurbished Lenovo ThinkPad L13 Gen 2 laptop, grade B",
            "Refurbished grade B Windows 11 laptops, at least 84% battery health, 12-month warranty.",
            "b",
            Some(84),
            12,
            22_900,
            110,
        ),
        used(
            "Greenloop Refurb Ltd",
            "ipad-9",
            "Refurbished Apple iPad 9th generation 64GB, grade A",
            "Refurbished grade A iPads (10.2-inch, 9th gen), at least 86% battery health, 12-month warranty, Activation Lock removed.",
            "a",
            Some(86),
            12,
            18_900,
            100,
        ),
        used(
            "Second Bloom Devices Ltd",
            "ipad-9",
            "Refurbished Apple iPad 9th generation 64GB, grade B",
            "Refurbished grade B iPads (9th gen) for class sets, at least 81% battery health, 6-month warranty.",
            "b",
            Some(81),
            6,
            15_900,
            140,
        ),
        used(
            "Renewtech Circular IT Ltd",
            "prodesk-400-g7",
            "Refurbished HP ProDesk 400 G7 desktop, grade A",
            "Refurbished grade A small desktops for ICT suites and offices, Windows 11, 12-month warranty.",
            "a",
            None,
            12,
            17_900,
            60,
        ),
        used(
            "Second Bloom Devices Ltd",
            "macbook-air-m1",
            "Refurbished Apple MacBook Air M1, grade A",
            "Refurbished grade A MacBook Air laptops for staff and creative subjects, at least 88% battery health.",
            "a",
            Some(88),
            12,
            49_900,
            30,
        ),
        // Remanufactured devices (BS 8887-211: restored to at least original performance).
        DeviceListingSeed {
            condition: "remanufactured",
            erasure: Some(("ieee_2883", ERASE_WIPE, "ADISA")),
            ..used(
                "Renewtech Circular IT Ltd",
                "thinkpad-l13-g2",
                "Remanufactured Lenovo ThinkPad L13 Gen 2 laptop, grade A",
                "Remanufactured to as-new performance with a new battery and a 36-month warranty.",
                "a",
                Some(97),
                36,
                32_900,
                80,
            )
        },
        DeviceListingSeed {
            condition: "remanufactured",
            ..used(
                "Greenloop Refurb Ltd",
                "latitude-5420",
                "Remanufactured Dell Latitude 5420 laptop, grade A",
                "Remanufactured laptops with a new battery and keyboard and a 24-month warranty.",
                "a",
                Some(95),
                24,
                34_900,
                50,
            )
        },
    ]
}

/// The supplier's own words for a grade.
pub fn grade_descriptor(grade: &str) -> &'static str {
    match grade {
        "a" => A_GRADE,
        "b" => B_GRADE,
        _ => C_GRADE,
    }
}
