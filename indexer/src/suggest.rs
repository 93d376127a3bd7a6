//! Typeahead: the names a buyer may be typing (products, deals, suppliers, categories) for the
//! first letters typed, prefix and typo tolerant, and the nearest spellings of a word that
//! matched nothing (for "did you mean").
//!
//! Policy: suggestions come from the database's names, held in memory as a snapshot sorted by
//! every word-start of every name, so the same letters give the same suggestions whichever
//! search engine serves search. A snapshot is rebuilt in the background when the catalogue
//! changed (`becta_domain::search::names::catalogue_mark`), so a new name is suggested within
//! the refresh interval; what a suggestion names is checked against the database when shown
//! (`service::suggest`), so a withdrawn product is never suggested.
//!
//! Matching: the typed words, lowercased, must begin the words of a name from any word on, the
//! last typed word as a prefix. From the fifth letter of the last word one typo is allowed
//! (two from the ninth), as search allows, except in its first three letters. Ranking: exact
//! before typo matches, a name that starts with the letters before one that has them later,
//! then categories, suppliers, deals and products, shorter names first; at most half of the
//! suggestions (rounded up, at least two) are of one kind while others are there to show.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use becta_domain::sea_orm::ConnectionTrait;
use becta_domain::search::names::{self, Named};
use becta_domain::search::{public_deal_ids, public_product_ids};
use becta_domain::vocab::SuggestionKind;
use becta_domain::{Error, Result};
use uuid::Uuid;

use crate::highlight::{levenshtein, matches, words};
use crate::settings::typo_budget;

/// One suggestion: the name as written, what it names and its id (a category's slug).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub text: String,
    pub kind: SuggestionKind,
    pub id: String,
}

/// Keys read for one lookup at most: a single letter matches a large part of a big catalogue,
/// and the first few thousand keys in order give enough to rank.
const SCAN_LIMIT: usize = 2_000;

/// The names, by every word-start.
#[derive(Default)]
pub struct Snapshot {
    entries: Vec<Named>,
    /// (the name's words from one word on, joined by single spaces; entry; word position).
    keys: Vec<(String, u32, u16)>,
    /// Every word of every name with how many names hold it, by word.
    words: Vec<(String, u32)>,
}

impl Snapshot {
    pub fn build(entries: Vec<Named>) -> Snapshot {
        let mut keys = Vec::new();
        let mut counts: HashMap<String, u32> = HashMap::new();
        for (n, entry) in entries.iter().enumerate() {
            let ws = words(&entry.text);
            for i in 0..ws.len() {
                keys.push((ws[i..].join(" "), n as u32, i.min(u16::MAX as usize) as u16));
                *counts.entry(ws[i].clone()).or_default() += 1;
            }
        }
        keys.sort_unstable();
        let mut words: Vec<(String, u32)> = counts.into_iter().collect();
        words.sort_unstable();
        Snapshot {
            entries,
            keys,
            words,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Up to `first` suggestions for what was typed.
    pub fn lookup(&self, typed: &str, first: usize) -> Vec<Suggestion> {
        let typed_words = words(typed);
        let Some(last) = typed_words.last() else {
            return vec![];
        };
        let typed = typed_words.join(" ");
        // (typos, starts later, kind, length) -> best per entry.
        let mut best: HashMap<u32, (u8, bool, u8, usize)> = HashMap::new();
        let consider = |best: &mut HashMap<u32, _>, entry: u32, position: u16, typos: u8| {
            let e = &self.entries[entry as usize];
            let rank = (typos, position > 0, kind_rank(e.kind), e.text.len());
            best.entry(entry)
                .and_modify(|r: &mut (u8, bool, u8, usize)| *r = (*r).min(rank))
                .or_insert(rank);
        };
        for (_, entry, position) in self.range(&typed).take(SCAN_LIMIT) {
            consider(&mut best, *entry, *position, 0);
        }
        let chars = last.chars().count();
        if best.len() < first && typo_budget(chars) > 0 {
            let (before, _) = typed_words.split_at(typed_words.len() - 1);
            let stem: String = typed.chars().take(3).collect();
            // Keys are sorted, so the same word comes up again and again: judge each once.
            let mut judged: HashMap<&str, bool> = HashMap::new();
            for (key, entry, position) in self.range(&stem).take(SCAN_LIMIT * 5) {
                let mut key_words = key.split(' ');
                if !before.iter().all(|t| key_words.next() == Some(t.as_str())) {
                    continue;
                }
                let Some(word) = key_words.next() else {
                    continue;
                };
                if *judged.entry(word).or_insert_with(|| matches(word, last)) {
                    consider(&mut best, *entry, *position, 1);
                }
            }
        }
        type Ranked = (u32, (u8, bool, u8, usize));
        let order = |a: &Ranked, b: &Ranked| {
            a.1.cmp(&b.1).then_with(|| {
                self.entries[a.0 as usize]
                    .text
                    .cmp(&self.entries[b.0 as usize].text)
            })
        };
        // Only a kind's best `first` can be shown, whatever the others hold: keep those (a
        // linear selection per kind) and sort just them, not every match of a short prefix.
        let mut by_kind: HashMap<SuggestionKind, Vec<Ranked>> = HashMap::new();
        for r in best {
            by_kind
                .entry(self.entries[r.0 as usize].kind)
                .or_default()
                .push(r);
        }
        let mut ranked: Vec<Ranked> = Vec::new();
        for mut of_kind in by_kind.into_values() {
            if first > 0 && of_kind.len() > first {
                of_kind.select_nth_unstable_by(first - 1, order);
                of_kind.truncate(first);
            }
            ranked.extend(of_kind);
        }
        ranked.sort_unstable_by(order);
        let cap = first.div_ceil(2).max(2);
        let mut per_kind: HashMap<SuggestionKind, usize> = HashMap::new();
        let (mut chosen, mut held_back) = (Vec::new(), Vec::new());
        for (entry, _) in ranked {
            let kind = self.entries[entry as usize].kind;
            let n = per_kind.entry(kind).or_default();
            if *n < cap {
                *n += 1;
                chosen.push(entry);
            } else {
                held_back.push(entry);
            }
        }
        chosen.extend(held_back);
        chosen
            .into_iter()
            .take(first)
            .map(|entry| {
                let e = &self.entries[entry as usize];
                Suggestion {
                    text: e.text.clone(),
                    kind: e.kind,
                    id: e.id.clone(),
                }
            })
            .collect()
    }

    /// Words of the catalogue's names within one typo more than search allows for `word`
    /// (from 3 letters: a word search could not match may still be the one meant), nearest
    /// first, then the most used.
    pub fn nearest_words(&self, word: &str, n: usize) -> Vec<String> {
        let typed: Vec<char> = word.to_lowercase().chars().collect();
        if typed.len() < 3 {
            return vec![];
        }
        let budget = usize::from(typo_budget(typed.len())) + 1;
        let mut found: Vec<(usize, std::cmp::Reverse<u32>, &str)> = self
            .words
            .iter()
            .filter(|(w, _)| w.chars().count().abs_diff(typed.len()) <= budget)
            .filter_map(|(w, count)| {
                let chars: Vec<char> = w.chars().collect();
                let d = levenshtein(&chars, &typed);
                (d > 0 && d <= budget).then_some((d, std::cmp::Reverse(*count), w.as_str()))
            })
            .collect();
        found.sort_unstable();
        found
            .into_iter()
            .take(n)
            .map(|(_, _, w)| w.to_owned())
            .collect()
    }

    fn range<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a (String, u32, u16)> + 'a {
        let start = self.keys.partition_point(|(k, _, _)| k.as_str() < prefix);
        self.keys[start..]
            .iter()
            .take_while(move |(k, _, _)| k.starts_with(prefix))
    }
}

fn kind_rank(kind: SuggestionKind) -> u8 {
    match kind {
        SuggestionKind::Category => 0,
        SuggestionKind::Supplier => 1,
        SuggestionKind::Deal => 2,
        SuggestionKind::Product => 3,
    }
}

/// The snapshot in use, swapped whole when rebuilt, and when the catalogue was last checked.
pub struct Suggester {
    current: RwLock<Arc<Snapshot>>,
    refresh: tokio::sync::Mutex<Refresh>,
    check_every: std::time::Duration,
}

#[derive(Default)]
struct Refresh {
    /// The catalogue mark the snapshot was built at.
    built_at: Option<(Option<i64>, Option<String>)>,
    checked: Option<std::time::Instant>,
}

impl Suggester {
    /// An empty snapshot that [`refresh`] fills, checking the catalogue for changes at most
    /// once every `check_every` (zero: at every call).
    pub fn new(check_every: std::time::Duration) -> Self {
        Suggester {
            current: RwLock::default(),
            refresh: tokio::sync::Mutex::default(),
            check_every,
        }
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .map(|s| Arc::clone(&s))
            .unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    fn replace(&self, snapshot: Snapshot) {
        let snapshot = Arc::new(snapshot);
        match self.current.write() {
            Ok(mut s) => *s = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }
}

/// Longest text `suggest` takes.
pub const MAX_PREFIX_CHARS: usize = 100;
/// Most suggestions one call returns.
pub const MAX_SUGGESTIONS: i32 = 20;

/// Up to `first` suggestions for `prefix`, each naming something public now (the snapshot
/// refreshed first when due).
pub async fn suggest(
    db: &impl ConnectionTrait,
    suggester: &Suggester,
    prefix: &str,
    first: i32,
) -> Result<Vec<Suggestion>> {
    if prefix.chars().count() > MAX_PREFIX_CHARS {
        return Err(Error::bad_input(
            "prefix",
            format!("`prefix` must be at most {MAX_PREFIX_CHARS} characters"),
        ));
    }
    if !(1..=MAX_SUGGESTIONS).contains(&first) {
        return Err(Error::bad_input(
            "first",
            format!("`first` must be between 1 and {MAX_SUGGESTIONS}, got {first}"),
        ));
    }
    refresh(db, suggester).await?;
    let first = first as usize;
    // A few spare, in case some were withdrawn or ended since the snapshot.
    let mut found = suggester.snapshot().lookup(prefix, first + 4);
    let ids = |kind| -> Vec<Uuid> {
        found
            .iter()
            .filter(|s| s.kind == kind)
            .filter_map(|s| s.id.parse().ok())
            .collect()
    };
    let (products, deals) = (ids(SuggestionKind::Product), ids(SuggestionKind::Deal));
    let public_products = public_product_ids(db, &products).await?;
    let public_deals = if deals.is_empty() {
        Default::default()
    } else {
        public_deal_ids(db, &deals).await?
    };
    found.retain(|s| {
        let id = || s.id.parse::<Uuid>().unwrap_or_default();
        match s.kind {
            SuggestionKind::Product => public_products.contains(&id()),
            SuggestionKind::Deal => public_deals.contains(&id()),
            SuggestionKind::Supplier | SuggestionKind::Category => true,
        }
    });
    found.truncate(first);
    Ok(found)
}

/// Rebuilds the snapshot from the database when the catalogue changed since it was built
/// (checked at most once per `check_every`); returns whether it did. While one call
/// rebuilds, others go on with the snapshot they have.
pub async fn refresh(db: &impl ConnectionTrait, suggester: &Suggester) -> Result<bool> {
    let Ok(mut state) = suggester.refresh.try_lock() else {
        return Ok(false);
    };
    if state
        .checked
        .is_some_and(|t| t.elapsed() < suggester.check_every)
    {
        return Ok(false);
    }
    state.checked = Some(std::time::Instant::now());
    let mark = names::catalogue_mark(db).await?;
    if state.built_at.as_ref() == Some(&mark) {
        return Ok(false);
    }
    let snapshot = Snapshot::build(names::suggestable(db).await?);
    suggester.replace(snapshot);
    state.built_at = Some(mark);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(text: &str, kind: SuggestionKind) -> Named {
        Named {
            text: text.into(),
            kind,
            id: text.to_lowercase().replace(' ', "-"),
        }
    }

    fn snapshot() -> Snapshot {
        use SuggestionKind::*;
        Snapshot::build(vec![
            named("Chromebook Monitor", Product),
            named("Classroom Chromebooks 14", Product),
            named("Chromebooks and Laptops", Deal),
            named("Chrome Learning Ltd", Supplier),
            named("Devices", Category),
            named("Phonics Play", Product),
            named("Phonics Plus", Product),
            named("Phonics Pro", Product),
            named("Phonics Island", Product),
        ])
    }

    fn texts(s: &[Suggestion]) -> Vec<&str> {
        s.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn among_hundreds_of_matches_the_best_of_each_kind_are_shown() {
        use SuggestionKind::*;
        // 600 products that all start with "p" (1,200 keys, inside the scan limit), a shorter
        // one and one of each other kind.
        let mut names: Vec<Named> = (0..600)
            .map(|i| named(&format!("Planner product number {i:04}"), Product))
            .collect();
        names.push(named("Pens", Product));
        names.push(named("Print Services for Schools", Deal));
        names.push(named("Pupil Devices", Category));
        names.push(named("Pennine Device Solutions Ltd", Supplier));
        names.push(named("Planner product number 0000 extra", Product));
        let s = Snapshot::build(names);
        assert_eq!(
            texts(&s.lookup("p", 5)),
            [
                "Pupil Devices",
                "Pennine Device Solutions Ltd",
                "Print Services for Schools",
                "Pens",
                "Planner product number 0000"
            ]
        );
    }

    #[test]
    fn the_first_letters_of_any_word_find_a_name_starts_first_and_kinds_take_turns() {
        let s = snapshot();
        assert_eq!(
            texts(&s.lookup("chrom", 10)),
            [
                "Chrome Learning Ltd",
                "Chromebooks and Laptops",
                "Chromebook Monitor",
                "Classroom Chromebooks 14"
            ]
        );
        assert_eq!(
            texts(&s.lookup("CLASSROOM chrome", 10)),
            ["Classroom Chromebooks 14"]
        );
        assert_eq!(texts(&s.lookup("monitor", 10)), ["Chromebook Monitor"]);
        // Four phonics products: with a page of 2 they all compete, with room they all show.
        assert_eq!(s.lookup("phon", 2).len(), 2);
        assert_eq!(s.lookup("phon", 8).len(), 4);
        assert!(s.lookup("", 8).is_empty());
        assert!(s.lookup("zzz", 8).is_empty());
    }

    #[test]
    fn a_typo_after_the_third_letter_still_finds_the_name_after_exact_matches() {
        let s = snapshot();
        assert_eq!(
            texts(&s.lookup("chromebok", 10)),
            [
                "Chromebooks and Laptops",
                "Chromebook Monitor",
                "Classroom Chromebooks 14"
            ]
        );
        assert!(
            s.lookup("xhromebook", 10).is_empty(),
            "not in the first letters"
        );
        assert!(
            s.lookup("phoni", 10)
                .iter()
                .all(|x| x.text.starts_with("Phonics"))
        );
    }

    #[test]
    fn the_nearest_spellings_come_from_the_names_words() {
        let s = snapshot();
        assert_eq!(s.nearest_words("phonix", 3), ["phonics"]);
        assert_eq!(
            s.nearest_words("chromebok", 2),
            ["chromebook", "chromebooks"]
        );
        assert!(
            s.nearest_words("phonics", 3).is_empty(),
            "the word itself is no correction"
        );
        assert!(s.nearest_words("ab", 3).is_empty());
    }
}
