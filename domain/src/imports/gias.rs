//! Reading the GIAS extracts and mapping them onto the product's vocabulary.
//!
//! Policy: GIAS names its columns and values in words ("TypeOfEstablishment (name)",
//! "Academy converter"); they are matched in any case, trimmed. Establishments that are not
//! schools a buyer acts for (further education colleges, universities, children's centres,
//! Welsh and overseas establishments, secure units, online providers) are skipped and counted,
//! not refused. Of the groups, only academy trusts (multi- and single-academy) are imported:
//! a token's `trust:<Group UID>` names one. A value GIAS does not publish is an error naming
//! its row and column.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{Row, RowError, Table};
use crate::validate;
use crate::vocab::{EstablishmentType, Phase, Region};

/// The GIAS columns the establishments extract must have.
pub const ESTABLISHMENT_COLUMNS: &[&str] = &[
    "URN",
    "EstablishmentName",
    "TypeOfEstablishment (name)",
    "EstablishmentStatus (name)",
    "PhaseOfEducation (name)",
];
/// The columns the groups extract must have.
pub const GROUP_COLUMNS: &[&str] = &["Group UID", "Group Name", "Group Type", "Group Status"];
/// The columns the links extract must have.
pub const LINK_COLUMNS: &[&str] = &["URN", "Group UID"];

/// A school as the establishments extract describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct School {
    pub line: u64,
    pub urn: i32,
    pub ukprn: Option<i32>,
    pub name: String,
    pub establishment_type: EstablishmentType,
    pub phase: Option<Phase>,
    pub la_code: Option<String>,
    pub la_name: Option<String>,
    pub region: Option<Region>,
    /// `open`, `closed` or `proposed_to_open`.
    pub status: &'static str,
    pub opened_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub pupil_count: Option<i32>,
    pub postcode: Option<String>,
    /// The Group UID in the "Trusts (code)" column, used when the links extract has none.
    pub trust_hint: Option<String>,
}

/// An academy trust as the groups extract describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Trust {
    pub line: u64,
    pub group_uid: String,
    pub name: String,
    pub companies_house_number: Option<String>,
    /// `open` or `closed`.
    pub status: &'static str,
    pub opened_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
}

/// What the three extracts say, read and checked.
#[derive(Debug, Default)]
pub struct Extract {
    pub schools: Vec<School>,
    pub trusts: Vec<Trust>,
    /// URN to the Group UID of its academy trust.
    pub links: HashMap<i32, String>,
    /// Establishments skipped because they are not schools, by GIAS type.
    pub skipped: HashMap<String, u64>,
    /// Groups skipped because they are not academy trusts, by GIAS group type.
    pub skipped_groups: HashMap<String, u64>,
    pub errors: Vec<RowError>,
    /// Rows read, in all three files.
    pub rows: u64,
}

/// GIAS establishment types that are not schools a buyer acts for: skipped.
const NOT_SCHOOLS: &[&str] = &[
    "further education",
    "sixth form centres",
    "higher education institutions",
    "welsh establishment",
    "children's centre",
    "children's centre linked site",
    "special post 16 institution",
    "secure units",
    "academy secure 16 to 19",
    "offshore schools",
    "service children's education",
    "miscellaneous",
    "british schools overseas",
    "institution funded by other government department",
    "online provider",
];

/// The product's establishment type for a GIAS type name; `Ok(None)` for one that is not a
/// school.
pub fn establishment_type(gias: &str) -> Result<Option<EstablishmentType>, String> {
    use EstablishmentType::*;
    let name = gias.trim().to_lowercase();
    if NOT_SCHOOLS.contains(&name.as_str()) {
        return Ok(None);
    }
    Ok(Some(match name.as_str() {
        "community school" | "la nursery school" => Community,
        "voluntary aided school" => VoluntaryAided,
        "voluntary controlled school" => VoluntaryControlled,
        "foundation school" => Foundation,
        "community special school" | "foundation special school" => CommunitySpecial,
        "pupil referral unit" => PupilReferralUnit,
        "academy sponsor led"
        | "academy special sponsor led"
        | "academy alternative provision sponsor led"
        | "academy 16 to 19 sponsor led" => AcademySponsorLed,
        "academy converter"
        | "academy special converter"
        | "academy alternative provision converter"
        | "academy 16-19 converter" => AcademyConverter,
        "free schools"
        | "free schools special"
        | "free schools alternative provision"
        | "free schools 16 to 19"
        | "studio schools"
        | "university technical college" => FreeSchool,
        "other independent school"
        | "other independent special school"
        | "non-maintained special school"
        | "city technology college" => Independent,
        _ => return Err(format!("{gias:?} is not a GIAS establishment type")),
    }))
}

/// The product's phase for a GIAS phase name ("Not applicable" is a phase too).
pub fn phase(gias: &str) -> Option<Phase> {
    Some(match gias.trim().to_lowercase().as_str() {
        "nursery" => Phase::Nursery,
        "primary" => Phase::Primary,
        "middle deemed primary" | "middle deemed secondary" | "middle" => Phase::Middle,
        "secondary" => Phase::Secondary,
        "all-through" | "all through" => Phase::AllThrough,
        "16 plus" => Phase::SixteenPlus,
        "not applicable" => Phase::NotApplicable,
        _ => return None,
    })
}

/// The region for a GIAS "GOR (name)"; `None` for Wales and "Not Applicable".
pub fn region(gias: &str) -> Option<Region> {
    let name = gias.trim();
    Region::ALL
        .iter()
        .copied()
        .find(|r| r.label().eq_ignore_ascii_case(name))
}

/// The stored status for a GIAS establishment status.
pub fn status(gias: &str) -> Option<&'static str> {
    Some(match gias.trim().to_lowercase().as_str() {
        "open" | "open, but proposed to close" => "open",
        "closed" => "closed",
        "proposed to open" => "proposed_to_open",
        _ => return None,
    })
}

/// Reads the establishments extract into `out`.
pub fn read_establishments(text: String, out: &mut Extract) {
    let table = match Table::new("establishments", text, ESTABLISHMENT_COLUMNS) {
        Ok(t) => t,
        Err(e) => return out.errors.push(e),
    };
    let mut schools = Vec::new();
    let mut skipped: HashMap<String, u64> = HashMap::new();
    let mut seen: HashMap<i32, u64> = HashMap::new();
    let rows = table.for_each(&mut out.errors, |row, errors| match school(&row) {
        Ok(Some(s)) => match seen.insert(s.urn, s.line) {
            Some(first) => {
                errors.push(row.error("URN", format!("URN {} is also on line {first}", s.urn)))
            }
            None => schools.push(s),
        },
        Ok(None) => {
            let t = row.get("TypeOfEstablishment (name)").unwrap_or_default();
            *skipped.entry(t.to_owned()).or_default() += 1;
        }
        Err(e) => errors.push(e),
    });
    out.rows += rows;
    out.schools = schools;
    out.skipped = skipped;
}

fn school(row: &Row<'_>) -> Result<Option<School>, RowError> {
    let urn_text = row.required("URN")?;
    let urn = urn_text
        .parse::<i32>()
        .ok()
        .filter(|u| (100_000..=999_999).contains(u))
        .ok_or_else(|| row.error("URN", format!("{urn_text:?} is not a 6-digit URN")))?;
    let type_column = "TypeOfEstablishment (name)";
    let Some(establishment_type) =
        establishment_type(row.required(type_column)?).map_err(|m| row.error(type_column, m))?
    else {
        return Ok(None);
    };
    let name = row.required("EstablishmentName")?.to_owned();
    validate::text("EstablishmentName", &name, 2, 200)
        .map_err(|e| row.error("EstablishmentName", e.to_string()))?;
    let status_column = "EstablishmentStatus (name)";
    let status_text = row.required(status_column)?;
    let status = status(status_text).ok_or_else(|| {
        row.error(
            status_column,
            format!("{status_text:?} is not a GIAS establishment status"),
        )
    })?;
    let phase_column = "PhaseOfEducation (name)";
    let phase = row
        .get(phase_column)
        .map(|p| {
            phase(p).ok_or_else(|| row.error(phase_column, format!("{p:?} is not a GIAS phase")))
        })
        .transpose()?;
    let la_code = row
        .get("LA (code)")
        .map(|c| {
            if c.len() == 3 && c.bytes().all(|b| b.is_ascii_digit()) {
                Ok(c.to_owned())
            } else {
                Err(row.error("LA (code)", format!("{c:?} is not a 3-digit LA code")))
            }
        })
        .transpose()?;
    let la_name = short(row, "LA (name)", 100)?;
    let postcode = short(row, "Postcode", 10)?;
    let pupil_count = row.number("NumberOfPupils")?;
    if pupil_count.is_some_and(|n| n < 0) {
        return Err(row.error("NumberOfPupils", "cannot be negative"));
    }
    let ukprn = row.number("UKPRN")?;
    Ok(Some(School {
        line: row.line,
        urn,
        ukprn,
        name,
        establishment_type,
        phase,
        la_code,
        la_name,
        region: row.get("GOR (name)").and_then(region),
        status,
        opened_on: row.date("OpenDate")?,
        closed_on: row.date("CloseDate")?,
        pupil_count,
        postcode,
        trust_hint: row.get("Trusts (code)").map(str::to_owned),
    }))
}

/// An optional text cell of at most `max` characters.
fn short(row: &Row<'_>, column: &str, max: usize) -> Result<Option<String>, RowError> {
    match row.get(column) {
        Some(v) if v.chars().count() > max => {
            Err(row.error(column, format!("is longer than {max} characters")))
        }
        v => Ok(v.map(str::to_owned)),
    }
}

/// Reads the groups extract into `out`: its academy trusts.
pub fn read_groups(text: String, out: &mut Extract) {
    let table = match Table::new("groups", text, GROUP_COLUMNS) {
        Ok(t) => t,
        Err(e) => return out.errors.push(e),
    };
    let mut trusts = Vec::new();
    let mut skipped: HashMap<String, u64> = HashMap::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let rows = table.for_each(&mut out.errors, |row, errors| match trust(&row) {
        Ok(Some(t)) => match seen.insert(t.group_uid.clone(), t.line) {
            Some(first) => errors.push(row.error(
                "Group UID",
                format!("Group UID {} is also on line {first}", t.group_uid),
            )),
            None => trusts.push(t),
        },
        Ok(None) => {
            let t = row.get("Group Type").unwrap_or_default();
            *skipped.entry(t.to_owned()).or_default() += 1;
        }
        Err(e) => errors.push(e),
    });
    out.rows += rows;
    out.trusts = trusts;
    out.skipped_groups = skipped;
}

fn group_uid(row: &Row<'_>) -> Result<String, RowError> {
    let uid = row.required("Group UID")?;
    if uid.len() <= 10 && uid.bytes().all(|b| b.is_ascii_digit()) {
        Ok(uid.to_owned())
    } else {
        Err(row.error("Group UID", format!("{uid:?} is not a Group UID (digits)")))
    }
}

fn trust(row: &Row<'_>) -> Result<Option<Trust>, RowError> {
    let group_uid = group_uid(row)?;
    let kind = row.required("Group Type")?.to_lowercase();
    match kind.as_str() {
        "multi-academy trust" | "single-academy trust" => {}
        "federation" | "trust" | "school sponsor" | "umbrella trust" => return Ok(None),
        _ => {
            return Err(row.error(
                "Group Type",
                format!("{:?} is not a GIAS group type", row.get("Group Type")),
            ));
        }
    }
    let status = match row.required("Group Status")?.to_lowercase().as_str() {
        "open" | "proposed to open" => "open",
        "closed" => "closed",
        "created in error" => return Ok(None),
        other => {
            return Err(row.error(
                "Group Status",
                format!("{other:?} is not a GIAS group status"),
            ));
        }
    };
    let name = row.required("Group Name")?.to_owned();
    validate::text("Group Name", &name, 2, 200)
        .map_err(|e| row.error("Group Name", e.to_string()))?;
    let companies_house_number = row
        .get("Companies House Number")
        .map(|n| {
            // Spreadsheets drop the leading zeros of a number.
            let padded = if n.len() < 8 && n.bytes().all(|b| b.is_ascii_digit()) {
                format!("{n:0>8}")
            } else {
                n.to_uppercase()
            };
            if validate::is_companies_house_number(&padded) {
                Ok(padded)
            } else {
                Err(row.error(
                    "Companies House Number",
                    format!("{n:?} is not a Companies House number (8 characters)"),
                ))
            }
        })
        .transpose()?;
    Ok(Some(Trust {
        line: row.line,
        group_uid,
        name,
        companies_house_number,
        status,
        opened_on: row.date("Incorporated on (open date)")?,
        closed_on: row.date("Closed Date")?,
    }))
}

/// Reads the links extract into `out`: each school's academy trust (among `out.trusts`, so
/// read the groups first). A school linked to two trusts keeps the one it joined last.
pub fn read_links(text: String, out: &mut Extract) {
    let table = match Table::new("links", text, LINK_COLUMNS) {
        Ok(t) => t,
        Err(e) => return out.errors.push(e),
    };
    let trusts: std::collections::HashSet<&str> =
        out.trusts.iter().map(|t| t.group_uid.as_str()).collect();
    let mut links: HashMap<i32, (Option<NaiveDate>, String)> = HashMap::new();
    let rows = table.for_each(&mut out.errors, |row, errors| {
        let link = (|| {
            let urn_text = row.required("URN")?;
            let urn = urn_text
                .parse::<i32>()
                .ok()
                .filter(|u| (100_000..=999_999).contains(u))
                .ok_or_else(|| row.error("URN", format!("{urn_text:?} is not a 6-digit URN")))?;
            let uid = group_uid(&row)?;
            let joined = row.date("Joined date")?;
            Ok::<_, RowError>((urn, uid, joined))
        })();
        match link {
            Ok((urn, uid, joined)) if trusts.contains(uid.as_str()) => match links.get(&urn) {
                Some((earlier, _)) if *earlier > joined => {}
                _ => {
                    links.insert(urn, (joined, uid));
                }
            },
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
    });
    out.rows += rows;
    out.links = links
        .into_iter()
        .map(|(urn, (_, uid))| (urn, uid))
        .collect();
}

/// Reads the three extracts (bytes as published) into one [`Extract`].
pub fn read(establishments: &[u8], groups: &[u8], links: &[u8]) -> Extract {
    let mut out = Extract::default();
    read_groups(super::decode(groups), &mut out);
    read_links(super::decode(links), &mut out);
    read_establishments(super::decode(establishments), &mut out);
    // A school with no link keeps the trust its own row names, if that is an academy trust.
    let trusts: std::collections::HashSet<&str> =
        out.trusts.iter().map(|t| t.group_uid.as_str()).collect();
    for s in &out.schools {
        if let Some(uid) = &s.trust_hint
            && !out.links.contains_key(&s.urn)
            && trusts.contains(uid.as_str())
            && s.status != "closed"
        {
            out.links.insert(s.urn, uid.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gias_words_map_onto_the_vocabulary() {
        assert_eq!(
            establishment_type("Academy converter"),
            Ok(Some(EstablishmentType::AcademyConverter))
        );
        assert_eq!(establishment_type("Further education"), Ok(None));
        assert!(establishment_type("Castle").is_err());
        assert_eq!(phase("Middle deemed secondary"), Some(Phase::Middle));
        assert_eq!(
            region("Yorkshire and the Humber"),
            Some(Region::YorkshireAndTheHumber)
        );
        assert_eq!(region("Wales (pseudo)"), None);
        assert_eq!(status("Open, but proposed to close"), Some("open"));
    }
}
