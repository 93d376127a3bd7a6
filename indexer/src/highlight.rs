//! Highlighting for the embedded engine: the words of a text that match a query word (exactly,
//! as a prefix, or within the typo budget) are wrapped in `<em>...</em>`, as Meilisearch does.

use crate::settings::typo_budget;

/// Lowercased alphanumeric words of a query.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

pub(crate) fn levenshtein(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        next_row(&prev, &mut cur, i, *ca, b);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Row `i + 1` of the edit-distance table of a text against `query`, from row `i` and the
/// text's character `c` at `i`.
fn next_row(prev: &[usize], cur: &mut [usize], i: usize, c: char, query: &[char]) {
    cur[0] = i + 1;
    for (j, cq) in query.iter().enumerate() {
        let cost = usize::from(c != *cq);
        cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
    }
}

/// Whether a text word matches a query word, allowing for typos and a longer text word.
pub fn matches(text_word: &str, query_word: &str) -> bool {
    QueryWord::new(query_word).matches(text_word)
}

/// A query word made ready to be compared with many text words: its characters and typo
/// budget are worked out once.
pub(crate) struct QueryWord<'q> {
    text: &'q str,
    chars: Vec<char>,
    budget: usize,
}

impl<'q> QueryWord<'q> {
    pub(crate) fn new(text: &'q str) -> Self {
        let chars: Vec<char> = text.chars().collect();
        let budget = usize::from(typo_budget(chars.len()));
        QueryWord {
            text,
            chars,
            budget,
        }
    }

    /// Whether `text_word` (lowercased) is this word, starts with it, or is within the typo
    /// budget of it, compared whole or cut to about the query word's length.
    pub(crate) fn matches(&self, text_word: &str) -> bool {
        if self.text.len() < 2 {
            return text_word == self.text;
        }
        if text_word.starts_with(self.text) {
            return true;
        }
        if self.budget == 0 {
            return false;
        }
        let q = self.chars.len();
        let t = text_word.chars().count();
        // An edit distance is at least the difference in length: a word shorter than the
        // budget allows matches nothing, and the whole word is compared only when near in length.
        if t + self.budget < q {
            return false;
        }
        let whole = (t.abs_diff(q) <= self.budget).then_some(t);
        let lengths = [whole, Some(q), Some(q + 1)];
        let longest = lengths.iter().flatten().copied().filter(|n| *n <= t).max();
        let Some(longest) = longest else {
            return false;
        };
        let text: Vec<char> = text_word.chars().take(longest).collect();
        within_budget_at(&text, &self.chars, self.budget, |n| {
            lengths.contains(&Some(n))
        })
    }
}

/// Whether some prefix of `text` whose length `counts` is within `budget` edits of `query`.
/// One table, filled a row per character of `text`, gives the distance of every prefix; the
/// smallest value of a row never falls in later rows, so it stops once that passes the budget.
fn within_budget_at(
    text: &[char],
    query: &[char],
    budget: usize,
    counts: impl Fn(usize) -> bool,
) -> bool {
    let mut prev: Vec<usize> = (0..=query.len()).collect();
    let mut cur = vec![0; query.len() + 1];
    for (i, ct) in text.iter().enumerate() {
        next_row(&prev, &mut cur, i, *ct, query);
        std::mem::swap(&mut prev, &mut cur);
        if counts(i + 1) && prev[query.len()] <= budget {
            return true;
        }
        if prev.iter().min().is_some_and(|m| *m > budget) {
            return false;
        }
    }
    false
}

/// The text with every matching word wrapped in `<em>`, or `None` when nothing matches.
pub fn highlight(text: &str, query_words: &[String]) -> Option<String> {
    let query: Vec<QueryWord> = query_words.iter().map(|q| QueryWord::new(q)).collect();
    let mut out = String::with_capacity(text.len() + 16);
    let mut any = false;
    let mut word = String::new();
    let mut lower = String::new();
    let mut flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        lower.clear();
        if word.is_ascii() {
            lower.push_str(word);
            lower.make_ascii_lowercase();
        } else {
            lower.push_str(&word.to_lowercase());
        }
        if query.iter().any(|q| q.matches(&lower)) {
            any = true;
            out.push_str("<em>");
            out.push_str(word);
            out.push_str("</em>");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    any.then_some(out)
}

/// A highlighted text whose marks cover whole words: Meilisearch marks only the part of a
/// word a prefix or typo matched (`<em>Chromeboo</em>k`); the embedded engine, and buyers,
/// expect the word (`<em>Chromebook</em>`).
pub fn whole_words(snippet: &str) -> String {
    const CLOSE: &str = "</em>";
    let mut out = String::with_capacity(snippet.len());
    let mut rest = snippet;
    while let Some(at) = rest.find(CLOSE) {
        out.push_str(&rest[..at]);
        rest = &rest[at + CLOSE.len()..];
        let tail = rest
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len());
        out.push_str(&rest[..tail]);
        out.push_str(CLOSE);
        rest = &rest[tail..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_that_end_inside_a_word_are_extended_to_its_end() {
        assert_eq!(
            whole_words("<em>Chromeboo</em>ks and <em>Safeguardin</em>g, <em>maths</em>."),
            "<em>Chromebooks</em> and <em>Safeguarding</em>, <em>maths</em>."
        );
        assert_eq!(
            whole_words("<em>Écol</em>é <em>x</em>"),
            "<em>Écolé</em> <em>x</em>"
        );
        assert_eq!(whole_words("no marks"), "no marks");
    }

    #[test]
    fn typos_and_prefixes_are_highlighted() {
        let q = words("chromebok safegarding");
        assert_eq!(
            highlight("Chromebooks for safeguarding leads", &q).as_deref(),
            Some("<em>Chromebooks</em> for <em>safeguarding</em> leads")
        );
        assert_eq!(highlight("Interactive panels", &q), None);
        // Under five characters no typo is allowed; from five, one.
        assert!(!matches("map", "mat"));
        assert!(matches("maths", "math1"));
        assert!(!matches("science", "maths"));
        assert!(matches("phonics", "phon"));
    }

    /// The plain rule: the text word whole, or cut to the query word's length or one more,
    /// within the budget.
    fn matches_by_definition(text_word: &str, query_word: &str) -> bool {
        if query_word.len() < 2 {
            return text_word == query_word;
        }
        if text_word.starts_with(query_word) {
            return true;
        }
        let budget = usize::from(typo_budget(query_word.chars().count()));
        let t: Vec<char> = text_word.chars().collect();
        let q: Vec<char> = query_word.chars().collect();
        [t.len(), q.len(), q.len() + 1]
            .iter()
            .filter(|n| **n <= t.len())
            .any(|n| levenshtein(&t[..*n], &q) <= budget)
    }

    #[test]
    fn matching_agrees_with_the_rule_on_every_pair_of_words() {
        let words = concat!(
            "a an ks map mat math maths math1 mahts mathematics phon phonic phonics fonics ",
            "chromebook chromebooks chromebok cromebook chromeboko safeguarding safegarding ",
            "safeguardin sfg attendance atendance attendence timetable timetables tmetable ",
            "écolé ecole écoles reading readings raeding send sen senco assesment assessment ",
            "assessments interactive interactivity x ",
        );
        for t in words.split_whitespace() {
            for q in words.split_whitespace() {
                assert_eq!(
                    matches(t, q),
                    matches_by_definition(t, q),
                    "text word {t:?}, query word {q:?}"
                );
            }
        }
    }
}
