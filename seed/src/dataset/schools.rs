//! England's local authorities (real names and DfE LA codes), invented multi-academy trusts,
//! and a deterministic generator of schools with plausible names, types, phases, sizes and
//! postcodes.
//!
//! All records are sample data: the local authorities are real, but every trust and school,
//! URN, pupil number and postcode produced here is invented. The generator uses a tiny inline
//! xorshift PRNG with a fixed seed, so the same `count` always gives the same schools.

use std::collections::HashSet;

use super::types::{LocalAuthoritySeed, SchoolSeed, TrustSeed};

/// (code, name, region, postcode area, lowest and highest postcode district, weight).
/// The weight roughly follows how many schools the authority has.
type LaRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u32,
    u32,
    u32,
);

const NE: &str = "north_east";
const NW: &str = "north_west";
const YH: &str = "yorkshire_and_the_humber";
const EM: &str = "east_midlands";
const WM: &str = "west_midlands";
const EE: &str = "east_of_england";
const LO: &str = "london";
const SE: &str = "south_east";
const SW: &str = "south_west";

const LAS: &[LaRow] = &[
    // North East
    ("390", "Gateshead", NE, "NE", 8, 11, 3),
    ("391", "Newcastle upon Tyne", NE, "NE", 1, 7, 4),
    ("392", "North Tyneside", NE, "NE", 25, 30, 3),
    ("393", "South Tyneside", NE, "NE", 31, 36, 2),
    ("394", "Sunderland", NE, "SR", 1, 6, 4),
    ("840", "County Durham", NE, "DH", 1, 9, 8),
    ("841", "Darlington", NE, "DL", 1, 3, 2),
    ("805", "Hartlepool", NE, "TS", 24, 27, 2),
    ("806", "Middlesbrough", NE, "TS", 1, 8, 2),
    ("807", "Redcar and Cleveland", NE, "TS", 10, 14, 2),
    ("808", "Stockton-on-Tees", NE, "TS", 17, 21, 3),
    ("929", "Northumberland", NE, "NE", 61, 71, 5),
    // North West
    ("350", "Bolton", NW, "BL", 1, 7, 4),
    ("351", "Bury", NW, "BL", 8, 9, 3),
    ("352", "Manchester", NW, "M", 8, 23, 6),
    ("353", "Oldham", NW, "OL", 1, 9, 3),
    ("354", "Rochdale", NW, "OL", 10, 16, 3),
    ("355", "Salford", NW, "M", 5, 7, 3),
    ("356", "Stockport", NW, "SK", 1, 8, 4),
    ("357", "Tameside", NW, "SK", 14, 16, 3),
    ("358", "Trafford", NW, "M", 32, 33, 3),
    ("359", "Wigan", NW, "WN", 1, 7, 4),
    ("340", "Knowsley", NW, "L", 34, 36, 2),
    ("341", "Liverpool", NW, "L", 1, 27, 5),
    ("342", "St. Helens", NW, "WA", 9, 11, 2),
    ("343", "Sefton", NW, "L", 20, 23, 3),
    ("344", "Wirral", NW, "CH", 41, 49, 4),
    ("888", "Lancashire", NW, "PR", 1, 9, 10),
    ("889", "Blackburn with Darwen", NW, "BB", 1, 3, 2),
    ("890", "Blackpool", NW, "FY", 1, 4, 2),
    ("876", "Halton", NW, "WA", 7, 8, 2),
    ("877", "Warrington", NW, "WA", 1, 5, 3),
    ("895", "Cheshire East", NW, "CW", 1, 12, 5),
    ("896", "Cheshire West and Chester", NW, "CH", 1, 4, 4),
    ("942", "Cumberland", NW, "CA", 1, 15, 4),
    ("943", "Westmorland and Furness", NW, "LA", 9, 23, 3),
    // Yorkshire and the Humber
    ("370", "Barnsley", YH, "S", 70, 75, 3),
    ("371", "Doncaster", YH, "DN", 1, 12, 4),
    ("372", "Rotherham", YH, "S", 60, 66, 4),
    ("373", "Sheffield", YH, "S", 1, 20, 6),
    ("380", "Bradford", YH, "BD", 1, 22, 6),
    ("381", "Calderdale", YH, "HX", 1, 7, 3),
    ("382", "Kirklees", YH, "HD", 1, 9, 5),
    ("383", "Leeds", YH, "LS", 1, 29, 8),
    ("384", "Wakefield", YH, "WF", 1, 10, 4),
    ("810", "Kingston upon Hull", YH, "HU", 1, 9, 3),
    ("811", "East Riding of Yorkshire", YH, "HU", 11, 20, 4),
    ("812", "North East Lincolnshire", YH, "DN", 31, 37, 2),
    ("813", "North Lincolnshire", YH, "DN", 15, 20, 2),
    ("815", "North Yorkshire", YH, "YO", 7, 21, 8),
    ("816", "York", YH, "YO", 23, 32, 2),
    // East Midlands
    ("830", "Derbyshire", EM, "DE", 4, 7, 9),
    ("831", "Derby", EM, "DE", 1, 24, 3),
    ("855", "Leicestershire", EM, "LE", 7, 17, 7),
    ("856", "Leicester", EM, "LE", 1, 5, 3),
    ("857", "Rutland", EM, "LE", 15, 15, 1),
    ("925", "Lincolnshire", EM, "LN", 1, 13, 9),
    ("940", "North Northamptonshire", EM, "NN", 8, 18, 4),
    ("941", "West Northamptonshire", EM, "NN", 1, 7, 4),
    ("891", "Nottinghamshire", EM, "NG", 14, 25, 8),
    ("892", "Nottingham", EM, "NG", 1, 11, 3),
    // West Midlands
    ("330", "Birmingham", WM, "B", 5, 38, 10),
    ("331", "Coventry", WM, "CV", 1, 6, 4),
    ("332", "Dudley", WM, "DY", 1, 9, 3),
    ("333", "Sandwell", WM, "B", 64, 71, 3),
    ("334", "Solihull", WM, "B", 90, 94, 2),
    ("335", "Walsall", WM, "WS", 1, 9, 3),
    ("336", "Wolverhampton", WM, "WV", 1, 11, 3),
    ("860", "Staffordshire", WM, "ST", 15, 21, 8),
    ("861", "Stoke-on-Trent", WM, "ST", 1, 6, 3),
    ("884", "Herefordshire", WM, "HR", 1, 9, 2),
    ("885", "Worcestershire", WM, "WR", 1, 15, 6),
    ("893", "Shropshire", WM, "SY", 1, 13, 4),
    ("894", "Telford and Wrekin", WM, "TF", 1, 7, 2),
    ("937", "Warwickshire", WM, "CV", 21, 37, 6),
    // East of England
    ("821", "Luton", EE, "LU", 1, 4, 2),
    ("822", "Bedford", EE, "MK", 40, 45, 2),
    ("823", "Central Bedfordshire", EE, "SG", 15, 19, 3),
    ("873", "Cambridgeshire", EE, "CB", 1, 25, 6),
    ("874", "Peterborough", EE, "PE", 1, 7, 2),
    ("881", "Essex", EE, "CM", 1, 24, 10),
    ("882", "Southend-on-Sea", EE, "SS", 0, 3, 2),
    ("883", "Thurrock", EE, "RM", 15, 20, 2),
    ("919", "Hertfordshire", EE, "AL", 1, 10, 10),
    ("926", "Norfolk", EE, "NR", 1, 35, 9),
    ("935", "Suffolk", EE, "IP", 1, 33, 7),
    // London
    ("201", "City of London", LO, "EC", 1, 4, 1),
    ("202", "Camden", LO, "NW", 1, 6, 2),
    ("203", "Greenwich", LO, "SE", 2, 18, 3),
    ("204", "Hackney", LO, "E", 5, 9, 3),
    ("205", "Hammersmith and Fulham", LO, "W", 6, 14, 2),
    ("206", "Islington", LO, "N", 1, 7, 2),
    ("207", "Kensington and Chelsea", LO, "W", 8, 11, 2),
    ("208", "Lambeth", LO, "SE", 11, 27, 3),
    ("209", "Lewisham", LO, "SE", 4, 26, 3),
    ("210", "Southwark", LO, "SE", 1, 22, 3),
    ("211", "Tower Hamlets", LO, "E", 1, 3, 3),
    ("212", "Wandsworth", LO, "SW", 11, 18, 3),
    ("213", "Westminster", LO, "W", 1, 2, 2),
    ("301", "Barking and Dagenham", LO, "RM", 8, 10, 2),
    ("302", "Barnet", LO, "N", 11, 20, 4),
    ("303", "Bexley", LO, "DA", 5, 16, 3),
    ("304", "Brent", LO, "NW", 2, 10, 3),
    ("305", "Bromley", LO, "BR", 1, 7, 3),
    ("306", "Croydon", LO, "CR", 0, 8, 4),
    ("307", "Ealing", LO, "W", 3, 13, 3),
    ("308", "Enfield", LO, "EN", 1, 3, 3),
    ("309", "Haringey", LO, "N", 8, 22, 3),
    ("310", "Harrow", LO, "HA", 1, 7, 2),
    ("311", "Havering", LO, "RM", 1, 14, 3),
    ("312", "Hillingdon", LO, "UB", 3, 10, 3),
    ("313", "Hounslow", LO, "TW", 3, 14, 3),
    ("314", "Kingston upon Thames", LO, "KT", 1, 9, 2),
    ("315", "Merton", LO, "SW", 19, 20, 2),
    ("316", "Newham", LO, "E", 6, 16, 3),
    ("317", "Redbridge", LO, "IG", 1, 8, 3),
    ("318", "Richmond upon Thames", LO, "TW", 1, 12, 2),
    ("319", "Sutton", LO, "SM", 1, 3, 2),
    ("320", "Waltham Forest", LO, "E", 10, 17, 3),
    // South East
    ("825", "Buckinghamshire", SE, "HP", 5, 22, 6),
    ("826", "Milton Keynes", SE, "MK", 1, 19, 3),
    ("845", "East Sussex", SE, "TN", 31, 40, 5),
    ("846", "Brighton and Hove", SE, "BN", 1, 3, 3),
    ("850", "Hampshire", SE, "SO", 20, 53, 10),
    ("851", "Portsmouth", SE, "PO", 1, 6, 2),
    ("852", "Southampton", SE, "SO", 14, 19, 3),
    ("867", "Bracknell Forest", SE, "RG", 12, 12, 1),
    ("868", "Windsor and Maidenhead", SE, "SL", 4, 6, 2),
    ("869", "West Berkshire", SE, "RG", 14, 20, 2),
    ("870", "Reading", SE, "RG", 1, 6, 2),
    ("871", "Slough", SE, "SL", 1, 3, 2),
    ("872", "Wokingham", SE, "RG", 40, 41, 2),
    ("886", "Kent", SE, "CT", 1, 21, 10),
    ("887", "Medway", SE, "ME", 1, 8, 3),
    ("921", "Isle of Wight", SE, "PO", 30, 41, 2),
    ("931", "Oxfordshire", SE, "OX", 1, 29, 6),
    ("936", "Surrey", SE, "GU", 1, 27, 9),
    ("938", "West Sussex", SE, "RH", 10, 20, 7),
    // South West
    ("800", "Bath and North East Somerset", SW, "BA", 1, 3, 2),
    ("801", "Bristol", SW, "BS", 1, 16, 4),
    ("802", "North Somerset", SW, "BS", 21, 24, 2),
    ("803", "South Gloucestershire", SW, "BS", 30, 37, 3),
    ("838", "Dorset", SW, "DT", 1, 11, 3),
    (
        "839",
        "Bournemouth, Christchurch and Poole",
        SW,
        "BH",
        1,
        23,
        3,
    ),
    ("865", "Wiltshire", SW, "SN", 8, 16, 5),
    ("866", "Swindon", SW, "SN", 1, 6, 2),
    ("878", "Devon", SW, "EX", 1, 39, 8),
    ("879", "Plymouth", SW, "PL", 1, 9, 3),
    ("880", "Torbay", SW, "TQ", 1, 5, 2),
    ("908", "Cornwall", SW, "TR", 1, 20, 6),
    ("906", "Isles of Scilly", SW, "TR", 21, 25, 1),
    ("916", "Gloucestershire", SW, "GL", 1, 20, 6),
    ("933", "Somerset", SW, "TA", 1, 24, 5),
];

/// Every local authority in the sample (England's real authorities and DfE LA codes).
pub fn local_authorities() -> Vec<LocalAuthoritySeed> {
    LAS.iter()
        .map(
            |&(code, name, region, postcode_area, ..)| LocalAuthoritySeed {
                code,
                name,
                region,
                postcode_area,
            },
        )
        .collect()
}

/// (group UID, name, home region). Every trust is invented.
const TRUSTS: &[(&str, &str, &str)] = &[
    ("2714", "Wearside Lantern Learning Trust", NE),
    ("3186", "Tyne Valley Horizons Trust", NE),
    ("4052", "Cleveland Coast Academies", NE),
    ("5327", "Durham Dales Learning Partnership", NE),
    ("16048", "Northumbrian Oak Education Trust", NE),
    ("2839", "Mersey Bridges Academy Trust", NW),
    ("3361", "Pennine Edge Learning Trust", NW),
    ("4418", "Irwell Valley Schools Trust", NW),
    ("5903", "Ribble Estuary Academies", NW),
    ("15522", "Mancunian Kite Learning Trust", NW),
    ("2957", "Don Valley Learning Partnership", YH),
    ("3640", "Aire and Calder Academy Trust", YH),
    ("4791", "Holderness Shore Learning Trust", YH),
    ("6205", "White Rose Heights Trust", YH),
    ("16713", "Dearne Valley Kite Trust", YH),
    ("2483", "Trent Meadows Academy Trust", EM),
    ("3528", "Soar Valley Learning Partnership", EM),
    ("4907", "Wolds and Fens Education Trust", EM),
    ("6631", "Peak Fringe Schools Trust", EM),
    ("17089", "Nene Crossing Academies", EM),
    ("2604", "Black Country Forge Learning Trust", WM),
    ("3775", "Severn Bend Academy Trust", WM),
    ("5046", "Arden Heath Schools Trust", WM),
    ("6882", "Potteries Kiln Learning Trust", WM),
    ("15871", "Malvern View Education Trust", WM),
    ("2391", "Broadland Skies Academy Trust", EE),
    ("3892", "Fenland Beacon Trust", EE),
    ("5174", "Icknield Way Academy Trust", EE),
    ("7013", "Stour Estuary Schools Trust", EE),
    ("16340", "Chiltern Edge Learning Partnership", EE),
    ("2268", "Thames Reach Learning Trust", LO),
    ("3947", "Lea Valley Academies Partnership", LO),
    ("5288", "Southbank Lantern Trust", LO),
    ("7156", "Wandle Valley Schools Trust", LO),
    ("17402", "North Circular Learning Trust", LO),
    ("2175", "Weald and Downs Academy Trust", SE),
    ("4063", "Solent Tide Learning Trust", SE),
    ("5419", "Medway Orchard Schools Trust", SE),
    ("7328", "Kennet Valley Education Trust", SE),
    ("15094", "Surrey Heathland Academies", SE),
    ("2546", "Tamar Crossing Learning Trust", SW),
    ("4187", "Mendip Edge Academy Trust", SW),
    ("5562", "Jurassic Coast Schools Trust", SW),
    ("7481", "Severn Vale Learning Partnership", SW),
    ("16925", "Exe Estuary Academies", SW),
];

/// Every sample multi-academy trust.
pub fn trusts() -> Vec<TrustSeed> {
    TRUSTS
        .iter()
        .map(|&(group_uid, name, _)| TrustSeed { group_uid, name })
        .collect()
}

// ---------------------------------------------------------------------------- PRNG

/// xorshift64*: small, fast and good enough for sample data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let n = n as u64;
        usize::try_from(self.next() % n).unwrap_or(0)
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: i32, hi: i32) -> i32 {
        let span = usize::try_from(hi.saturating_sub(lo)).unwrap_or(0) + 1;
        lo + i32::try_from(self.below(span)).unwrap_or(0)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = self.below(items.len());
        items.get(i).copied().unwrap_or("")
    }
}

const SEED: u64 = 0x5EED_BEC7_A200_2026;

// ---------------------------------------------------------------------------- name parts

const PLACE_FIRST: &[&str] = &[
    "Oak", "Ash", "Beech", "Elm", "Hazel", "Holly", "Willow", "Birch", "Rowan", "Cedar", "Maple",
    "Hawthorn", "Alder", "Larch", "Fern", "Heather", "River", "Brook", "Mill", "Church", "Castle",
    "Bridge", "Green", "Hill", "Meadow", "Park", "Spring", "Stone", "Moor", "Marsh", "Wood",
    "North", "South", "East", "West", "High", "Long", "Fair", "Red", "Kings", "Queens", "Priory",
    "Abbey", "Grange", "Lark", "Swan", "Kite", "Wren", "Falcon", "Badger", "Chapel", "Cherry",
    "Orchard", "Sand", "Thorn",
];

const PLACE_SECOND: &[&str] = &[
    "field", "wood", "side", "gate", "bank", "lands", "hurst", "mead", "brook", "ley", "croft",
    "dale", "ford", "ham", "ton", "well", "combe", "view", "hill", "worth", "wick", "thorpe",
    "stead", "bury", "moor", "lea", "grove", "crest", "haven", "mere",
];

const SAINTS: &[&str] = &[
    "Mary's",
    "Peter's",
    "Paul's",
    "John's",
    "Michael's",
    "Andrew's",
    "Joseph's",
    "Anne's",
    "Margaret's",
    "George's",
    "Thomas'",
    "Bede's",
    "Patrick's",
    "Chad's",
    "Aidan's",
    "Cuthbert's",
    "Hilda's",
    "Luke's",
    "Mark's",
    "Matthew's",
    "James'",
    "Stephen's",
    "Catherine's",
    "Bernadette's",
    "Teresa's",
    "Edmund's",
    "Wilfrid's",
    "Oswald's",
    "Alban's",
    "Augustine's",
    "Barnabas'",
    "Francis'",
    "Gregory's",
    "Helen's",
    "Lawrence's",
    "Nicholas'",
    "Swithun's",
    "Werburgh's",
    "Anselm's",
    "Leonard's",
];

const CATHOLIC_DEDICATIONS: &[&str] = &[
    "Holy Family",
    "Sacred Heart",
    "Our Lady of Lourdes",
    "English Martyrs",
    "Holy Trinity",
    "Christ the King",
    "Corpus Christi",
    "Blessed Sacrament",
    "Our Lady and St Joseph",
    "Holy Cross",
];

/// Inward-code letters used in real postcodes (no C, I, K, M, O or V).
const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

fn place(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(PLACE_FIRST), rng.pick(PLACE_SECOND))
}

fn saint(rng: &mut Rng) -> String {
    format!("St {}", rng.pick(SAINTS))
}

fn catholic(rng: &mut Rng) -> String {
    if rng.below(3) == 0 {
        rng.pick(CATHOLIC_DEDICATIONS).to_string()
    } else {
        saint(rng)
    }
}

/// A plausible school name for the type and phase.
fn compose_name(rng: &mut Rng, establishment_type: &str, phase: &str) -> String {
    let p = place(rng);
    let roll = rng.below(100);
    match (establishment_type, phase) {
        (_, "nursery") => format!("{p} Nursery School"),
        ("community_special", _) => match roll {
            0..=44 => format!("{p} Special School"),
            45..=74 => format!("{p} School"),
            _ => format!("{p} Community Special School"),
        },
        ("pupil_referral_unit", _) => match roll {
            0..=34 => format!("{p} Pupil Referral Unit"),
            35..=64 => format!("{p} Learning Centre"),
            65..=84 => format!("{p} Short Stay School"),
            _ => format!("{p} Tuition Centre"),
        },
        ("independent", "primary") => match roll {
            0..=49 => format!("{p} Preparatory School"),
            50..=74 => format!("{p} House School"),
            _ => format!("{} Preparatory School", saint(rng)),
        },
        ("independent", _) => match roll {
            0..=34 => format!("{p} School"),
            35..=59 => format!("{p} College"),
            60..=79 => format!("{p} Hall School"),
            _ => format!("{} School", saint(rng)),
        },
        (_, "middle") => format!("{p} Middle School"),
        (_, "sixteen_plus") => match roll {
            0..=59 => format!("{p} Sixth Form"),
            _ => format!("{p} Sixth Form Academy"),
        },
        (_, "all_through") => match roll {
            0..=49 => format!("{p} All-Through Academy"),
            _ => format!("{p} School"),
        },
        ("voluntary_aided", "primary") => match roll {
            0..=54 => format!("{} Catholic Primary School", catholic(rng)),
            55..=89 => format!("{} Church of England Primary School", saint(rng)),
            _ => format!("{p} Church of England Primary School"),
        },
        ("voluntary_controlled", "primary") => match roll {
            0..=49 => format!("{p} Church of England Primary School"),
            50..=79 => format!("{} CofE Primary School", saint(rng)),
            _ => format!("{p} CofE Infant School"),
        },
        ("academy_converter", "primary") => match roll {
            0..=39 => format!("{p} Primary Academy"),
            40..=69 => format!("{p} Primary School"),
            70..=84 => format!("{} Catholic Primary School", catholic(rng)),
            _ => format!("{} Church of England Academy", saint(rng)),
        },
        ("academy_sponsor_led", "primary") => match roll {
            0..=59 => format!("{p} Primary Academy"),
            60..=84 => format!("{p} Academy"),
            _ => format!("The {p} Academy"),
        },
        ("free_school", "primary") => match roll {
            0..=49 => format!("{p} Primary Free School"),
            _ => format!("{p} Park Primary"),
        },
        (_, "primary") => match roll {
            0..=44 => format!("{p} Primary School"),
            45..=64 => format!("{p} Community Primary School"),
            65..=77 => format!("{p} Infant School"),
            78..=89 => format!("{p} Junior School"),
            _ => format!("{p} Park Primary School"),
        },
        ("voluntary_aided", _) => match roll {
            0..=59 => format!("{} Catholic High School", catholic(rng)),
            60..=79 => format!("{} Catholic College", catholic(rng)),
            _ => format!("{} Church of England High School", saint(rng)),
        },
        ("voluntary_controlled", _) => format!("{p} Church of England School"),
        ("foundation", _) => match roll {
            0..=39 => format!("{p} School"),
            40..=69 => format!("{p} High School"),
            _ => format!("{p} Grammar School"),
        },
        ("academy_converter", _) => match roll {
            0..=34 => format!("{p} Academy"),
            35..=59 => format!("{p} High School"),
            60..=74 => format!("{p} School"),
            75..=89 => format!("{p} College"),
            _ => format!("{p} Grammar School"),
        },
        ("academy_sponsor_led", _) => match roll {
            0..=54 => format!("{p} Academy"),
            55..=79 => format!("The {p} Academy"),
            _ => format!("{p} Park Academy"),
        },
        ("free_school", _) => match roll {
            0..=49 => format!("{p} Free School"),
            _ => format!("{p} School"),
        },
        _ => match roll {
            0..=49 => format!("{p} High School"),
            50..=79 => format!("{p} School"),
            _ => format!("{p} Community College"),
        },
    }
}

fn postcode(rng: &mut Rng, area: &str, low: u32, high: u32) -> String {
    let span = usize::try_from(high.saturating_sub(low)).unwrap_or(0) + 1;
    let district = low + u32::try_from(rng.below(span)).unwrap_or(0);
    // Central London districts carry a letter (EC1A, EC2M, ...).
    let district_letter = if area == "EC" {
        ["A", "M", "N", "R", "V", "Y"]
            .get(rng.below(6))
            .copied()
            .unwrap_or("")
    } else {
        ""
    };
    let sector = rng.below(10);
    let mut unit = String::new();
    for _ in 0..2 {
        let i = rng.below(INWARD_LETTERS.len());
        unit.push(char::from(INWARD_LETTERS.get(i).copied().unwrap_or(b'A')));
    }
    format!("{area}{district}{district_letter} {sector}{unit}")
}

fn weighted_la(rng: &mut Rng, total_weight: u32) -> Option<&'static LaRow> {
    let mut roll = u32::try_from(rng.below(usize::try_from(total_weight).unwrap_or(1))).ok()?;
    for row in LAS {
        if roll < row.6 {
            return Some(row);
        }
        roll -= row.6;
    }
    LAS.last()
}

fn trust_in(rng: &mut Rng, region: &str) -> Option<&'static str> {
    let local: Vec<&'static str> = TRUSTS
        .iter()
        .filter(|t| t.2 == region)
        .map(|t| t.0)
        .collect();
    let pool: Vec<&'static str> = if local.is_empty() {
        TRUSTS.iter().map(|t| t.0).collect()
    } else {
        local
    };
    pool.get(rng.below(pool.len())).copied()
}

fn is_academy(establishment_type: &str) -> bool {
    matches!(
        establishment_type,
        "academy_converter" | "academy_sponsor_led" | "free_school"
    )
}

/// Type, phase and pupil range for one school.
fn kind_of_school(rng: &mut Rng) -> (&'static str, &'static str, i32, i32) {
    let roll = rng.below(1000);
    let sub = rng.below(100);
    match roll {
        // Primary: about 40% academies.
        0..=689 => {
            let t = match sub {
                0..=26 => "academy_converter",
                27..=36 => "academy_sponsor_led",
                37..=39 => "free_school",
                40..=75 => "community",
                76..=85 => "voluntary_controlled",
                86..=96 => "voluntary_aided",
                _ => "foundation",
            };
            (t, "primary", 90, 650)
        }
        690..=699 => ("community", "nursery", 40, 140),
        // Secondary-age schools: about 80% academies.
        700..=859 => {
            let t = match sub {
                0..=51 => "academy_converter",
                52..=71 => "academy_sponsor_led",
                72..=79 => "free_school",
                80..=88 => "community",
                89..=94 => "voluntary_aided",
                95..=97 => "foundation",
                _ => "voluntary_controlled",
            };
            let phase_roll = rng.below(100);
            match phase_roll {
                0..=87 => (t, "secondary", 600, 1900),
                88..=92 => (t, "all_through", 900, 2100),
                93..=96 => (t, "middle", 300, 750),
                _ => (t, "sixteen_plus", 200, 900),
            }
        }
        860..=909 => ("community_special", "not_applicable", 40, 250),
        910..=929 => ("pupil_referral_unit", "not_applicable", 10, 90),
        _ => match sub {
            0..=34 => ("independent", "primary", 60, 400),
            35..=59 => ("independent", "secondary", 150, 900),
            _ => ("independent", "all_through", 200, 1300),
        },
    }
}

/// `count` generated schools with unique URNs and names, the same every time for a given count.
pub fn schools(count: usize) -> Vec<SchoolSeed> {
    let mut rng = Rng(SEED);
    let total_weight: u32 = LAS.iter().map(|row| row.6).sum();
    let n = i32::try_from(count.max(1)).unwrap_or(i32::MAX);
    // Maintained and independent schools take URNs from 100000, academies from 136000,
    // as in GIAS where academies have the newer numbers.
    let maintained_gap = (35_000 / n).max(1);
    let academy_gap = (13_000 / n).max(1);
    let mut next_maintained = 100_000;
    let mut next_academy = 136_000;
    let mut urns: HashSet<i32> = HashSet::with_capacity(count);
    let mut names: HashSet<String> = HashSet::with_capacity(count);
    let mut out = Vec::with_capacity(count);

    for _ in 0..count {
        let Some(&(la_code, la_name, region, area, low, high, _)) =
            weighted_la(&mut rng, total_weight)
        else {
            break;
        };
        let (establishment_type, phase, min_pupils, max_pupils) = kind_of_school(&mut rng);
        let academy = is_academy(establishment_type);

        let mut urn = if academy {
            next_academy += rng.between(1, academy_gap);
            next_academy
        } else {
            next_maintained += rng.between(1, maintained_gap);
            next_maintained
        };
        while urns.contains(&urn) {
            urn += 1;
        }
        urns.insert(urn);

        let mut name = compose_name(&mut rng, establishment_type, phase);
        let mut tries = 0;
        while names.contains(&name) && tries < 20 {
            name = compose_name(&mut rng, establishment_type, phase);
            tries += 1;
        }
        if names.contains(&name) {
            name = format!("{name}, {la_name}");
        }
        let mut suffix = 2;
        let base = name.clone();
        while names.contains(&name) {
            name = format!("{base} ({suffix})");
            suffix += 1;
        }
        names.insert(name.clone());

        let trust_group_uid = if academy {
            trust_in(&mut rng, region)
        } else {
            None
        };
        let pupils = rng.between(min_pupils, max_pupils);
        let postcode = postcode(&mut rng, area, low, high);

        out.push(SchoolSeed {
            urn,
            name,
            establishment_type,
            phase,
            la_code,
            la_name,
            region,
            trust_group_uid,
            pupils,
            postcode,
        });
    }
    out
}
