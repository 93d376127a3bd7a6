//! The search vocabulary (synonyms and stop words) from its one data file,
//! `indexer/data/vocabulary.txt`, which both engines read.
//!
//! Policy: the file is compiled into the binary and parsed once; a malformed file fails the
//! unit tests below, never a search. Words are compared as [`crate::highlight::words`] splits
//! and lowercases a query, so a phrase here matches the same words typed in any case.

use std::sync::LazyLock;

const FILE: &str = include_str!("../data/vocabulary.txt");

struct Vocabulary {
    synonyms: Vec<Vec<String>>,
    stop_words: Vec<String>,
}

static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| parse(FILE));

fn parse(text: &str) -> Vocabulary {
    let mut v = Vocabulary {
        synonyms: Vec::new(),
        stop_words: Vec::new(),
    };
    let mut section = "";
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = if name == "synonyms" {
                "synonyms"
            } else {
                "stop"
            };
            continue;
        }
        let entries: Vec<String> = line
            .split(',')
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty())
            .collect();
        match section {
            "synonyms" => v.synonyms.push(entries),
            _ => v.stop_words.extend(entries),
        }
    }
    v
}

/// Groups of words and phrases that mean the same to a school buyer.
pub fn synonyms() -> &'static [Vec<String>] {
    &VOCABULARY.synonyms
}

/// A synonym group with each entry's plural or singular form beside it ("tablet" and
/// "tablets", "multifunctional device" and "multifunctional devices"), for an engine that
/// matches synonyms only as exact words (Meilisearch does not stem). The last word of an entry
/// gains an "s", or loses one when it ends in a single "s" and is longer than 4 letters (so
/// "sims" never becomes "sim"). Sorted, each form once.
pub fn with_number_forms(group: &[String]) -> Vec<String> {
    let mut forms: Vec<String> = Vec::with_capacity(group.len() * 2);
    for entry in group {
        forms.push(entry.clone());
        let last = entry.rsplit(' ').next().unwrap_or(entry);
        if !last.ends_with('s') {
            forms.push(format!("{entry}s"));
        } else if !last.ends_with("ss") && last.chars().count() > 4 {
            forms.push(entry[..entry.len() - 1].to_owned());
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// Words a query can do without: left out of a query's matching (unless it holds nothing
/// else), so "software for the office" is matched as "software office".
pub fn stop_words() -> &'static [String] {
    &VOCABULARY.stop_words
}

pub fn is_stop_word(word: &str) -> bool {
    stop_words().iter().any(|s| s == word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::highlight::words;

    #[test]
    fn a_group_gains_each_entrys_plural_or_singular() {
        let group: Vec<String> = ["tablet", "ipads", "sims", "multifunctional device", "glass"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            with_number_forms(&group),
            [
                "glass",
                "ipad",
                "ipads",
                "multifunctional device",
                "multifunctional devices",
                "sims",
                "tablet",
                "tablets"
            ]
        );
    }

    #[test]
    fn the_vocabulary_file_is_well_formed() {
        assert!(synonyms().len() >= 10, "{:?}", synonyms());
        let mut seen = std::collections::HashSet::new();
        for group in synonyms() {
            assert!(group.len() >= 2, "a group of one: {group:?}");
            for entry in group {
                // Each entry is plain words, as a query is split into, and in one group only.
                assert_eq!(
                    words(entry).join(" "),
                    *entry,
                    "{entry:?} is not plain words"
                );
                assert!(seen.insert(entry.clone()), "{entry:?} is in two groups");
            }
        }
        for word in ["for", "the", "and", "with"] {
            assert!(is_stop_word(word), "{word}");
        }
        assert!(stop_words().iter().all(|w| words(w) == [w.clone()]));
    }
}
