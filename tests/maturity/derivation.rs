//! The shipped content, checked without a server: every standard, every answer path and the
//! maturity the documented rule gives it.

use anyhow::Result;
use becta_domain::maturity::{Answers, Content};
use becta_domain::vocab::Maturity;

use super::shipped;

/// The rule as the README states it, written independently of the service's code.
fn by_the_rule(levels: &[Maturity]) -> Maturity {
    if levels.iter().all(|l| *l == Maturity::Met) {
        Maturity::Met
    } else if levels.contains(&Maturity::NotMet) {
        Maturity::NotMet
    } else if levels.contains(&Maturity::NotSure) {
        Maturity::NotSure
    } else {
        Maturity::PartlyMet
    }
}

#[test]
fn every_answer_path_of_every_standard_derives_its_maturity_by_the_documented_rule() -> Result<()> {
    let content = shipped()?;
    let mut seen = std::collections::HashSet::new();
    let mut paths = 0;
    for s in &content.standards {
        let all = s.all_paths();
        assert!(!all.is_empty(), "{}", s.slug);
        for path in all {
            paths += 1;
            let levels: Vec<Maturity> = s
                .path(&path)
                .iter()
                .map(|(q, a)| {
                    a.map(|a| a.level)
                        .ok_or_else(|| anyhow::anyhow!("{}", q.slug))
                })
                .collect::<Result<_>>()?;
            let expected = by_the_rule(&levels);
            assert_eq!(s.maturity(&path), Some(expected), "{} {path:?}", s.slug);
            assert!(s.is_complete(&path));
            seen.insert(expected);
            // Without its last answer the path is open, and has no maturity yet.
            let mut open = path.clone();
            let last = s.path(&path).last().map(|(q, _)| q.slug.clone());
            if let Some(last) = last {
                open.remove(&last);
            }
            assert_eq!(s.maturity(&open), None, "{} {open:?}", s.slug);
            assert!(!s.is_complete(&open));
        }
        // No answers at all: not started.
        assert_eq!(s.maturity(&Answers::new()), None);
    }
    assert!(paths > 100, "{paths} paths");
    assert_eq!(seen.len(), 4, "every level is reachable: {seen:?}");
    Ok(())
}

#[test]
fn the_content_has_the_twelve_standards_with_the_six_core_ones_due_by_2030() -> Result<()> {
    let content = shipped()?;
    assert_eq!(content.standards.len(), 12);
    let mut core: Vec<&str> = content
        .standards
        .iter()
        .filter(|s| s.is_core)
        .map(|s| s.slug.as_str())
        .collect();
    core.sort();
    assert_eq!(
        core,
        [
            "broadband-internet",
            "cyber-security",
            "digital-leadership-governance",
            "filtering-monitoring",
            "network-switching",
            "wireless-network"
        ]
    );
    for s in &content.standards {
        assert_eq!(s.target_year, s.is_core.then_some(2030), "{}", s.slug);
        assert!(!s.requirements.is_empty(), "{}", s.slug);
        assert!(!s.recommendations.is_empty(), "{}", s.slug);
        for q in &s.questions {
            assert!(
                q.answers.iter().any(|a| a.level == Maturity::NotSure),
                "{} {} has an \"I'm not sure\" answer",
                s.slug,
                q.slug
            );
        }
    }
    Ok(())
}

#[test]
fn recommendations_link_to_deals_and_categories_of_the_sample_catalogue() -> Result<()> {
    let content = shipped()?;
    let references: Vec<&str> = becta_seed::dataset::deals::deals()
        .iter()
        .map(|d| d.reference)
        .collect();
    let categories = becta_seed::dataset::categories::categories();
    let has = |slug: &str, scope: &str| {
        categories
            .iter()
            .any(|c| c.slug == slug && c.scope == scope)
    };
    for s in &content.standards {
        for r in &s.recommendations {
            for d in &r.deals {
                assert!(references.contains(&d.as_str()), "{}: {d}", r.slug);
            }
            for c in &r.deal_categories {
                assert!(has(c, "deal"), "{}: {c}", r.slug);
            }
            for c in &r.product_categories {
                assert!(has(c, "product"), "{}: {c}", r.slug);
            }
        }
    }
    Ok(())
}

#[test]
fn content_that_could_lose_a_school_is_refused() -> Result<()> {
    let good: serde_json::Value = serde_json::from_str(becta_seed::maturity::DIGITAL_STANDARDS)?;
    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        edit(&mut v);
        Content::parse(&v.to_string()).is_err()
    };
    // An answer leading back (a loop) or to no question.
    assert!(broken(
        &|v| v["standards"][0]["questions"][1]["answers"][0]["next"] = "fibre".into()
    ));
    assert!(broken(
        &|v| v["standards"][0]["questions"][0]["answers"][0]["next"] = "nowhere".into()
    ));
    // A question without "I'm not sure".
    assert!(broken(&|v| {
        if let Some(a) = v["standards"][0]["questions"][2]["answers"].as_array_mut() {
            a.retain(|x| x["level"] != "NOT_SURE");
        }
    }));
    // A recommendation triggered by an answer that does not exist.
    assert!(broken(
        &|v| v["standards"][0]["recommendations"][0]["triggers"][0]["answers"][0] = "fax".into()
    ));
    // Two standards with one slug.
    assert!(broken(
        &|v| v["standards"][1]["slug"] = "broadband-internet".into()
    ));
    assert!(!broken(&|_| {}));
    Ok(())
}
