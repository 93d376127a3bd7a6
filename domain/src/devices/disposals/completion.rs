//! Completion: the supplier returns, per device serial, the erasure standard and method used,
//! the certificate reference and what became of the device, all checked and written in one
//! transaction.

use std::collections::{BTreeMap, HashSet};

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::{
    DisposalLine, DisposalView, MAX_TOTAL_UNITS, Side, get, lock, require_status, visible,
};
use crate::actor::{self, Actor};
use crate::entity::{disposal_certificate, disposal_line, disposal_request};
use crate::notifications::{Notice, notify};
use crate::vocab::{
    DisposalOutcome, DisposalOutcomeWanted, DisposalStatus, ErasureStandard, FormFactor,
};
use crate::{Error, Result, audit, db, validate};

/// Rows per insert statement: well under SQLite's and PostgreSQL's bound-parameter limits.
const INSERT_CHUNK: usize = 500;

/// One device's certificate as the supplier gives it.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "DisposalCertificateInput")
)]
pub struct CertificateInput {
    /// The device's serial number, unique within the request (ignoring case).
    pub serial: String,
    pub form_factor: FormFactor,
    /// Must be the standard the request requires.
    pub erasure_standard: ErasureStandard,
    /// How the data was erased, e.g. "Cryptographic erase with verification".
    pub erasure_method: String,
    /// The erasure certificate's reference.
    pub certificate_reference: String,
    pub outcome: DisposalOutcome,
}

/// Checks a completion against the request and its lines, and returns the rows to write
/// (serials trimmed and upper-cased) and the kept difference reason. Bad input names the
/// field and, for a certificate, its serial.
pub fn check_certificates(
    required: ErasureStandard,
    wanted: DisposalOutcomeWanted,
    lines: &[DisposalLine],
    certificates: &[CertificateInput],
    difference_reason: Option<&str>,
) -> Result<(Vec<CheckedCertificate>, Option<String>)> {
    if certificates.is_empty() {
        return Err(Error::bad_input(
            "certificates",
            "give a certificate for each device collected",
        ));
    }
    if certificates.len() > MAX_TOTAL_UNITS as usize {
        return Err(Error::bad_input(
            "certificates",
            format!("at most {MAX_TOTAL_UNITS} certificates per request"),
        ));
    }
    let mut seen: HashSet<String> = HashSet::with_capacity(certificates.len());
    let mut out = Vec::with_capacity(certificates.len());
    for c in certificates {
        let serial = c.serial.trim().to_uppercase();
        validate::text("certificates.serial", &serial, 1, 100)?;
        if !seen.insert(serial.clone()) {
            return Err(Error::bad_input(
                "certificates.serial",
                format!("the serial {serial} is given twice: serials are unique within a request"),
            ));
        }
        if c.erasure_standard != required {
            return Err(Error::bad_input(
                "certificates.erasureStandard",
                format!(
                    "device {serial} was erased to {}, but the school required {}",
                    c.erasure_standard.label(),
                    required.label()
                ),
            ));
        }
        let method = c.erasure_method.trim().to_owned();
        validate::text("certificates.erasureMethod", &method, 1, 200)?;
        let reference = c.certificate_reference.trim().to_owned();
        validate::text("certificates.certificateReference", &reference, 1, 120)?;
        if wanted == DisposalOutcomeWanted::Recycle && c.outcome == DisposalOutcome::Reused {
            return Err(Error::bad_input(
                "certificates.outcome",
                format!("device {serial} is REUSED, but the school asked for recycling only"),
            ));
        }
        out.push(CheckedCertificate {
            serial,
            form_factor: c.form_factor,
            erasure_standard: c.erasure_standard,
            erasure_method: method,
            certificate_reference: reference,
            outcome: c.outcome,
        });
    }
    let reason = difference_reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    if let Some(r) = &reason {
        validate::text("differenceReason", r, 1, 2000)?;
    }
    let differences = differences(lines, &out);
    if !differences.is_empty() && reason.is_none() {
        return Err(Error::bad_input(
            "differenceReason",
            format!(
                "the certificates differ from the units requested ({}): give a \
                 `differenceReason`",
                differences.join("; ")
            ),
        ));
    }
    Ok((out, reason))
}

/// A certificate as checked, ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCertificate {
    pub serial: String,
    pub form_factor: FormFactor,
    pub erasure_standard: ErasureStandard,
    pub erasure_method: String,
    pub certificate_reference: String,
    pub outcome: DisposalOutcome,
}

/// Each form factor whose certificates differ in number from its units requested, e.g.
/// "Laptop: 39 certificates for 40 units".
fn differences(lines: &[DisposalLine], certificates: &[CheckedCertificate]) -> Vec<String> {
    let mut counts: BTreeMap<FormFactor, (i64, i64)> = BTreeMap::new();
    for l in lines {
        counts.entry(l.form_factor).or_default().0 += i64::from(l.units);
    }
    for c in certificates {
        counts.entry(c.form_factor).or_default().1 += 1;
    }
    counts
        .into_iter()
        .filter(|(_, (asked, given))| asked != given)
        .map(|(f, (asked, given))| format!("{}: {given} certificates for {asked} units", f.label()))
        .collect()
}

/// The supplier completes a COLLECTED request with a certificate per device (and, when their
/// numbers differ from the units requested, the reason); the school is told.
pub async fn complete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    certificates: Vec<CertificateInput>,
    difference_reason: Option<String>,
) -> Result<DisposalView> {
    actor.supplier_id()?;
    let (_, side) = visible(db, actor, id).await?;
    if side != Side::Supplier {
        return Err(Error::Forbidden(
            "only the supplier the request is addressed to completes it".into(),
        ));
    }
    let tx = actor::begin(db, actor).await?;
    let before = lock(&tx, id).await?;
    require_status(&before, &[DisposalStatus::Collected], "completed")?;
    let required = ErasureStandard::from_code(&before.erasure_standard)
        .ok_or_else(|| Error::Internal("unknown erasure standard".into()))?;
    let wanted = DisposalOutcomeWanted::from_code(&before.outcome_wanted)
        .ok_or_else(|| Error::Internal("unknown outcome wanted".into()))?;
    let lines: Vec<DisposalLine> = disposal_line::Entity::find()
        .filter(disposal_line::Column::RequestId.eq(id))
        .all(&tx)
        .await?
        .into_iter()
        .filter_map(|l| {
            FormFactor::from_code(&l.form_factor).map(|form_factor| DisposalLine {
                form_factor,
                units: l.units,
            })
        })
        .collect();
    let (checked, reason) = check_certificates(
        required,
        wanted,
        &lines,
        &certificates,
        difference_reason.as_deref(),
    )?;
    let rows: Vec<disposal_certificate::ActiveModel> = checked
        .iter()
        .enumerate()
        .map(|(i, c)| {
            disposal_certificate::ActiveModel::from(disposal_certificate::Model {
                request_id: id,
                serial: c.serial.clone(),
                position: i as i32,
                form_factor: c.form_factor.code().into(),
                erasure_standard: c.erasure_standard.code().into(),
                erasure_method: c.erasure_method.clone(),
                certificate_reference: c.certificate_reference.clone(),
                outcome: c.outcome.code().into(),
            })
        })
        .collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        disposal_certificate::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&tx)
            .await?;
    }
    let now = Utc::now();
    let mut after = before.clone();
    after.status = DisposalStatus::Completed.code().into();
    after.difference_reason = reason;
    after.completed_at = Some(now);
    after.version += 1;
    after.updated_at = now;
    disposal_request::ActiveModel::from(after.clone())
        .reset_all()
        .update(&tx)
        .await?;
    let reused = checked
        .iter()
        .filter(|c| c.outcome == DisposalOutcome::Reused)
        .count();
    let summary = json!({
        "disposalRequestId": id,
        "certificates": checked.len(),
        "reused": reused,
        "recycled": checked.len() - reused,
        "differenceReason": after.difference_reason,
    });
    notify(
        &tx,
        Notice {
            user_id: None,
            organisation_id: after.school_id,
            kind: "disposal.completed",
            subject: format!(
                "Erasure certificates for your {} collected devices are ready",
                checked.len()
            ),
            payload: summary.clone(),
            dedupe_key: Some(format!("disposal.completed:{id}")),
        },
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "disposal.completed",
        "disposal_request",
        id,
        Some(audit::snapshot(&before)?),
        Some(json!({ "request": audit::snapshot(&after)?, "summary": summary })),
    )
    .await?;
    db::commit(tx).await?;
    get(db, actor, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const NIST: ErasureStandard = ErasureStandard::NistSp80088R2;

    fn cert(serial: &str, form_factor: FormFactor) -> CertificateInput {
        CertificateInput {
            serial: serial.into(),
            form_factor,
            erasure_standard: NIST,
            erasure_method: "Cryptographic erase".into(),
            certificate_reference: format!("CERT-{serial}"),
            outcome: DisposalOutcome::Reused,
        }
    }

    fn lines() -> Vec<DisposalLine> {
        vec![
            DisposalLine {
                form_factor: FormFactor::Laptop,
                units: 2,
            },
            DisposalLine {
                form_factor: FormFactor::Tablet,
                units: 1,
            },
        ]
    }

    fn field<T>(r: Result<T>) -> Option<String> {
        r.err().and_then(|e| e.field().map(str::to_owned))
    }

    #[test]
    fn certificates_match_the_request_or_say_why_not() -> Result<()> {
        let certs = vec![
            cert("l1", FormFactor::Laptop),
            cert("L2", FormFactor::Laptop),
            cert("T1", FormFactor::Tablet),
        ];
        let either = DisposalOutcomeWanted::Either;
        let (rows, reason) = check_certificates(NIST, either, &lines(), &certs, None)?;
        assert_eq!(rows[0].serial, "L1");
        assert_eq!(reason, None);
        // Serials are unique ignoring case and spaces.
        let dup = vec![
            cert("L1", FormFactor::Laptop),
            cert(" l1 ", FormFactor::Laptop),
        ];
        assert_eq!(
            field(check_certificates(NIST, either, &lines(), &dup, Some("x"))).as_deref(),
            Some("certificates.serial")
        );
        // Another standard, even a current one, is refused.
        let mut other = certs.clone();
        other[2].erasure_standard = ErasureStandard::Adisa;
        assert_eq!(
            field(check_certificates(NIST, either, &lines(), &other, None)).as_deref(),
            Some("certificates.erasureStandard")
        );
        // One short: only with a reason, which is kept.
        let short = &certs[..2];
        assert_eq!(
            field(check_certificates(NIST, either, &lines(), short, None)).as_deref(),
            Some("differenceReason")
        );
        assert_eq!(
            field(check_certificates(
                NIST,
                either,
                &lines(),
                short,
                Some("  ")
            ))
            .as_deref(),
            Some("differenceReason")
        );
        let (_, reason) =
            check_certificates(NIST, either, &lines(), short, Some("One tablet was lost"))?;
        assert_eq!(reason.as_deref(), Some("One tablet was lost"));
        // A recycling request reuses nothing.
        let recycle = DisposalOutcomeWanted::Recycle;
        assert_eq!(
            field(check_certificates(NIST, recycle, &lines(), &certs, None)).as_deref(),
            Some("certificates.outcome")
        );
        assert_eq!(
            field(check_certificates(NIST, either, &lines(), &[], None)).as_deref(),
            Some("certificates")
        );
        Ok(())
    }

    #[test]
    fn a_difference_names_each_form_factor() {
        let checked = vec![CheckedCertificate {
            serial: "D1".into(),
            form_factor: FormFactor::Desktop,
            erasure_standard: NIST,
            erasure_method: "m".into(),
            certificate_reference: "r".into(),
            outcome: DisposalOutcome::Recycled,
        }];
        assert_eq!(
            differences(&lines(), &checked),
            [
                "Laptop: 0 certificates for 2 units",
                "Tablet: 0 certificates for 1 units",
                "Desktop: 1 certificates for 0 units"
            ]
        );
    }
}
