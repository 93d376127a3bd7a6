//! The email each notification kind becomes: a subject, a plain-text body and an HTML body,
//! naming the person it goes to and the product or case it is about.
//!
//! Policy: every kind has a template here, in one place. A kind this module does not know (a
//! new producer added without a template) still becomes a sensible email, built from the
//! notification's subject and payload: nothing is ever dropped for want of a template. Text
//! from the database is HTML-escaped in the HTML body.

use serde_json::Value;

/// What a template may name, loaded by the mailer for each notification.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The recipient's name, e.g. "Sam Patel".
    pub recipient: String,
    /// The product the notification is about, when its payload names one.
    pub product: Option<String>,
    /// The organisation the notification is for (the school, the supplier).
    pub organisation: Option<String>,
}

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn s<'a>(payload: &'a Value, key: &str) -> Option<&'a str> {
    payload.get(key).and_then(Value::as_str)
}

/// A date from an RFC 3339 timestamp, as people read it ("12 March 2027").
fn day(payload: &Value, key: &str) -> Option<String> {
    let t = chrono::DateTime::parse_from_rfc3339(s(payload, key)?).ok()?;
    Some(t.format("%-d %B %Y").to_string())
}

/// The paragraphs of a known kind; `None` for a kind without a template.
fn paragraphs(kind: &str, subject: &str, p: &Value, f: &Facts) -> Option<(String, Vec<String>)> {
    let product = f.product.as_deref().unwrap_or("the product");
    let case = s(p, "reference").unwrap_or("your case");
    let ends = day(p, "endsAt")
        .map(|d| format!(" It ends on {d}."))
        .unwrap_or_default();
    let one = |subject: String, line: String| Some((subject, vec![line]));
    match kind {
        "loan.granted" => one(
            format!("Your trial of {product} is ready"),
            format!(
                "Your school's trial seat for {product} is ready.{ends} Sign in to BECTA to see \
                 any activation code and to extend or return the trial."
            ),
        ),
        reminder if reminder.starts_with("loan.reminder_") => {
            // One kind per reminder day the supplier chose (`loan.reminder_14_days`, ...,
            // `loan.reminder_1_day`): the subject names the product and the end date.
            let within = match p.get("days").and_then(Value::as_i64) {
                Some(1) => "within a day".to_owned(),
                Some(n) => format!("within {n} days"),
                None => "soon".to_owned(),
            };
            let on = day(p, "endsAt")
                .map(|d| format!(" on {d}"))
                .unwrap_or_else(|| format!(" {within}"));
            one(
                format!("Your trial of {product} ends{on}"),
                format!(
                    "Your school's trial of {product} ends {within}.{ends} If it has earned its \
                     place, you can buy it through BECTA before the trial ends."
                ),
            )
        }
        "loan.expired" => one(
            format!("Your trial of {product} has ended"),
            format!(
                "Your school's trial of {product} has ended and its seat has passed on. You can \
                 still buy {product} through BECTA."
            ),
        ),
        "loan.offer_closed" => one(
            format!("The trial of {product} has closed"),
            format!(
                "The supplier closed the trial of {product}, so your school's place on its \
                 waitlist has ended."
            ),
        ),
        "advice.reply" => one(
            format!("Your adviser replied on {case}"),
            format!("Your procurement adviser replied on case {case}. Sign in to read the reply."),
        ),
        "advice.recommendation" => one(
            format!("Recommendations for {case}"),
            format!("Your procurement adviser has recommended products for case {case}."),
        ),
        "advice.assigned" => one(
            format!("Case {case} is assigned to you"),
            format!(
                "Case {case} from {} is assigned to you. Sign in to read it and reply to the school.",
                s(p, "school").unwrap_or("a school")
            ),
        ),
        "advice.school_reply" => one(
            format!("The school replied on {case}"),
            format!(
                "{} replied on case {case}. Sign in to read the reply.",
                s(p, "school").unwrap_or("The school")
            ),
        ),
        "advice.overdue" => one(
            format!("Case {case} is overdue"),
            format!(
                "Case {case} is past its service level: the school is waiting for a first reply."
            ),
        ),
        "supplier.loan_granted" => one(
            format!("A school is trialling {product}"),
            format!(
                "{} borrowed a trial seat of {product}.{ends}",
                s(p, "school").unwrap_or("A school")
            ),
        ),
        "supplier.loan_returned" => one(
            format!("A trial seat of {product} was returned"),
            format!(
                "{} returned its trial seat of {product} early; the seat passes to the next school waiting.",
                s(p, "school").unwrap_or("A school")
            ),
        ),
        "supplier.loan_expired" => one(
            format!("A trial of {product} has ended"),
            format!(
                "The trial of {product} by {} has ended.",
                s(p, "school").unwrap_or("a school")
            ),
        ),
        "vetting.decided" => {
            let outcome = match s(p, "decision") {
                Some("approved") => "approved",
                Some("changes_requested") => "sent back with changes requested",
                Some("rejected") => "refused",
                _ => "decided",
            };
            let notes = s(p, "notes")
                .filter(|n| !n.trim().is_empty())
                .map(|n| format!("The vetting team's notes: {n}"));
            Some((
                format!("Your listing {product} was {outcome}"),
                std::iter::once(format!(
                    "The vetting team has {outcome} your listing {product}."
                ))
                .chain(notes)
                .collect(),
            ))
        }
        "review.published" => one(
            format!("A new review of {product}"),
            format!(
                "A school published a review of {product} ({} out of 5). You may reply to it once, in public.",
                p.get("rating").and_then(Value::as_i64).unwrap_or(0)
            ),
        ),
        "review.updated" => one(
            format!("A review of {product} was updated"),
            format!("A school updated its review of {product} after your reply."),
        ),
        "review.flagged" => one(
            format!("A review of {product} was flagged"),
            format!(
                "Someone flagged a review of {product} for moderation: {}",
                s(p, "reason").unwrap_or("no reason given")
            ),
        ),
        "vetting.backlog" => one(
            format!("{product} has waited over 5 working days for vetting"),
            format!(
                "The listing {product} was submitted for vetting on {} and has waited more than \
                 5 working days.",
                day(p, "submittedAt").unwrap_or_else(|| "an earlier day".into())
            ),
        ),
        competition if competition.starts_with("competition.") => competition_email(kind, p),
        disposal if disposal.starts_with("disposal.") => disposal_email(kind, p),
        _ => {
            let _ = subject;
            None
        }
    }
}

/// A calendar date ("2026-12-14"), as people read it ("14 December 2026").
fn date(payload: &Value, key: &str) -> Option<String> {
    let d = chrono::NaiveDate::parse_from_str(s(payload, key)?, "%Y-%m-%d").ok()?;
    Some(d.format("%-d %B %Y").to_string())
}

/// Device disposal (`crate::devices::disposals`): the school's and the supplier's notices.
fn disposal_email(kind: &str, p: &Value) -> Option<(String, Vec<String>)> {
    let n = |key: &str| p.get(key).and_then(Value::as_i64).unwrap_or(0);
    let lines = match kind {
        "disposal.requested" => (
            format!(
                "{} asks you to collect {} old devices",
                s(p, "school").unwrap_or("A school"),
                n("units")
            ),
            vec![format!(
                "{} asks you to collect {} old devices under {}, preferably on {}. Sign in to \
                 BECTA to schedule the collection or decline it.",
                s(p, "school").unwrap_or("A school"),
                n("units"),
                s(p, "lot").unwrap_or("your lot"),
                date(p, "preferredCollectionDate").unwrap_or_else(|| "a day it chose".into())
            )],
        ),
        "disposal.scheduled" => {
            let on = date(p, "collectionDate").unwrap_or_else(|| "the agreed day".into());
            (
                format!("Your old devices will be collected on {on}"),
                vec![format!(
                    "The supplier will collect your school's old devices on {on}. Keep them \
                     together, with any chargers, ready for collection."
                )],
            )
        }
        "disposal.declined" => (
            "Your request to collect old devices was declined".to_owned(),
            vec![
                format!(
                    "The supplier declined your request: {}",
                    s(p, "reason").unwrap_or("no reason given")
                ),
                "You may ask another supplier of the lot.".to_owned(),
            ],
        ),
        "disposal.completed" => {
            let mut lines = vec![format!(
                "The supplier returned an erasure certificate for each of {} devices: {} reused \
                 and {} recycled. Sign in to BECTA to read them and keep them with your records.",
                n("certificates"),
                n("reused"),
                n("recycled")
            )];
            if let Some(reason) = s(p, "differenceReason") {
                lines.push(format!(
                    "The certificates differ from the units you asked to collect: {reason}"
                ));
            }
            (
                "Erasure certificates for your collected devices are ready".to_owned(),
                lines,
            )
        }
        "disposal.cancelled" => (
            "A school cancelled its request to collect old devices".to_owned(),
            vec![format!(
                "The school cancelled its request{}.",
                s(p, "reason").map(|r| format!(": {r}")).unwrap_or_default()
            )],
        ),
        _ => return None,
    };
    Some(lines)
}

/// Further competitions (`crate::competitions`): invitations, clarifications, results.
fn competition_email(kind: &str, p: &Value) -> Option<(String, Vec<String>)> {
    let title = s(p, "title").unwrap_or("a further competition");
    let lines = match kind {
        "competition.invited" => (
            format!("You are invited to bid: {title}"),
            vec![
                format!(
                    "You are invited to bid in the further competition \"{title}\" on {} ({}).",
                    s(p, "dealTitle").unwrap_or("a framework"),
                    s(p, "lot").unwrap_or("its lot")
                ),
                format!(
                    "Questions close on {}; bids close on {}. Bids stay sealed until then.",
                    day(p, "clarificationDeadline").unwrap_or_else(|| "the stated day".into()),
                    day(p, "submissionDeadline").unwrap_or_else(|| "the stated day".into())
                ),
            ],
        ),
        "competition.question" => (
            format!("A supplier asked a question about {title}"),
            vec![format!(
                "A supplier asked a question about \"{title}\". Your answer goes to every \
                 invited supplier, without naming who asked."
            )],
        ),
        "competition.clarification" => (
            format!("A clarification was published for {title}"),
            vec![
                format!("Question: {}", s(p, "question").unwrap_or_default()),
                format!("Answer: {}", s(p, "answer").unwrap_or_default()),
            ],
        ),
        "competition.awarded" => (
            format!("Your bid won: {title}"),
            vec![format!(
                "Your bid in \"{title}\" won, with {} out of 100.",
                s(p, "yourTotal").unwrap_or("its score")
            )],
        ),
        "competition.unsuccessful" => {
            let mut lines = vec![format!(
                "Your bid in \"{title}\" was not successful. It scored {} out of 100 (ranked {}); \
                 the winning bid scored {}.",
                s(p, "yourTotal").unwrap_or("-"),
                p.get("yourRank")
                    .and_then(Value::as_i64)
                    .unwrap_or_default(),
                s(p, "winningTotal").unwrap_or("-")
            )];
            let scores = |key: &str| -> Vec<(String, i64)> {
                p.get(key)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|x| {
                                (
                                    s(x, "criterion").unwrap_or_default().to_owned(),
                                    x.get("score").and_then(Value::as_i64).unwrap_or_default(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let winning = scores("winningScores");
            for (criterion, score) in scores("yourScores") {
                let won = winning
                    .iter()
                    .find(|(c, _)| *c == criterion)
                    .map_or(0, |(_, s)| *s);
                lines.push(format!(
                    "{criterion}: your score {score}, the winning bid's {won}."
                ));
            }
            (format!("Your bid was not successful: {title}"), lines)
        }
        "competition.abandoned" => (
            format!("A competition you were invited to was abandoned: {title}"),
            vec![format!(
                "The school abandoned \"{title}\": {}",
                s(p, "reason").unwrap_or("no reason given")
            )],
        ),
        "competition.direct_award" => (
            format!("A school awarded you a call-off directly: {title}"),
            vec![format!(
                "A school awarded you \"{title}\" directly under {} ({}).",
                s(p, "dealTitle").unwrap_or("a framework"),
                s(p, "lot").unwrap_or("its lot")
            )],
        ),
        _ => return None,
    };
    Some(lines)
}

/// The generic email of a kind without a template: the subject, and the payload's plain
/// values as "Label: value" lines.
fn generic(subject: &str, p: &Value, f: &Facts) -> (String, Vec<String>) {
    let mut lines = vec![match &f.product {
        Some(product) => format!("{subject} ({product})."),
        None => format!("{subject}."),
    }];
    if let Some(map) = p.as_object() {
        for (k, v) in map {
            let shown = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => continue,
            };
            if k.ends_with("Id") {
                continue;
            }
            lines.push(format!("{}: {shown}", label(k)));
        }
    }
    (subject.to_owned(), lines)
}

/// `endsAt` -> "Ends at".
fn label(key: &str) -> String {
    let mut out = String::new();
    for (i, c) in key.chars().enumerate() {
        if c.is_uppercase() {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The email of one notification to one person.
pub fn render(kind: &str, subject: &str, payload: &Value, facts: &Facts) -> Email {
    let (subject, lines) = paragraphs(kind, subject, payload, facts)
        .unwrap_or_else(|| generic(subject, payload, facts));
    let greeting = format!("Hello {},", facts.recipient);
    let footer = "You get this email because of your BECTA notification preferences; \
                  change them with setNotificationPreferences, or in your account.";
    let mut text = format!("{greeting}\n\n");
    let mut html = format!(
        "<!DOCTYPE html><html><body style=\"font-family: sans-serif\"><p>{}</p>",
        escape(&greeting)
    );
    for l in &lines {
        text.push_str(l);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape(l)));
    }
    text.push_str(&format!("BECTA\n\n--\n{footer}\n"));
    html.push_str(&format!(
        "<p>BECTA</p><hr><p style=\"color: #555; font-size: small\">{}</p></body></html>",
        escape(footer)
    ));
    Email {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts() -> Facts {
        Facts {
            recipient: "Sam <Patel>".into(),
            product: Some("MathsWorld".into()),
            organisation: None,
        }
    }

    #[test]
    fn disposal_notices_name_the_date_and_the_certificates() {
        let e = render(
            "disposal.scheduled",
            "ignored",
            &json!({ "collectionDate": "2026-12-14" }),
            &facts(),
        );
        assert_eq!(
            e.subject,
            "Your old devices will be collected on 14 December 2026"
        );
        let e = render(
            "disposal.completed",
            "ignored",
            &json!({ "certificates": 50, "reused": 46, "recycled": 4, "differenceReason": null }),
            &facts(),
        );
        assert!(
            e.text
                .contains("each of 50 devices: 46 reused and 4 recycled"),
            "{}",
            e.text
        );
        assert!(!e.text.contains("differ"), "{}", e.text);
    }

    #[test]
    fn an_unsuccessful_bidder_reads_its_scores_beside_the_winners() {
        let e = render(
            "competition.unsuccessful",
            "Your bid was not successful: Chromebooks",
            &json!({
                "title": "Chromebooks", "yourTotal": "82.00", "yourRank": 2,
                "winningTotal": "88.00",
                "yourScores": [{ "criterion": "price", "score": 5 }],
                "winningScores": [{ "criterion": "price", "score": 4 }],
            }),
            &facts(),
        );
        assert!(
            e.text
                .contains("It scored 82.00 out of 100 (ranked 2); the winning bid scored 88.00.")
        );
        assert!(e.text.contains("price: your score 5, the winning bid's 4."));
    }

    #[test]
    fn a_reminder_names_the_person_and_the_product() {
        let e = render(
            "loan.reminder_7_days",
            "Your trial of MathsWorld ends on 12 March 2027",
            &json!({ "endsAt": "2027-03-12T10:00:00Z", "days": 7 }),
            &facts(),
        );
        assert_eq!(e.subject, "Your trial of MathsWorld ends on 12 March 2027");
        assert!(e.text.contains("Hello Sam <Patel>,"));
        assert!(
            e.text
                .contains("ends within 7 days. It ends on 12 March 2027.")
        );
        assert!(e.html.contains("Hello Sam &lt;Patel&gt;,"));
        // Any day the supplier chose gets the same template.
        let e = render(
            "loan.reminder_14_days",
            "",
            &json!({ "endsAt": "2027-03-12T10:00:00Z", "days": 14 }),
            &facts(),
        );
        assert_eq!(e.subject, "Your trial of MathsWorld ends on 12 March 2027");
        assert!(e.text.contains("ends within 14 days."), "{}", e.text);
    }

    #[test]
    fn an_unknown_kind_gets_a_generic_email_from_its_subject_and_payload() {
        let e = render(
            "trial.survey",
            "Tell us how the trial went",
            &json!({ "loanId": "x", "dueBy": "Friday", "questions": 3 }),
            &facts(),
        );
        assert_eq!(e.subject, "Tell us how the trial went");
        assert!(e.text.contains("Tell us how the trial went (MathsWorld)."));
        assert!(e.text.contains("Due by: Friday"));
        assert!(e.text.contains("Questions: 3"));
        assert!(!e.text.contains("Loan id"));
    }
}
