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
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Whether a text word matches a query word, allowing for typos and a longer text word.
pub fn matches(text_word: &str, query_word: &str) -> bool {
    if query_word.len() < 2 {
        return text_word == query_word;
    }
    if text_word.starts_with(query_word) {
        return true;
    }
    let budget = usize::from(typo_budget(query_word.chars().count()));
    if budget == 0 {
        return false;
    }
    let t: Vec<char> = text_word.chars().collect();
    let q: Vec<char> = query_word.chars().collect();
    // Compare with the text word and with its prefixes about as long as the query word.
    [t.len(), q.len(), q.len() + 1]
        .iter()
        .filter(|n| **n <= t.len())
        .any(|n| levenshtein(&t[..*n], &q) <= budget)
}

/// The text with every matching word wrapped in `<em>`, or `None` when nothing matches.
pub fn highlight(text: &str, query_words: &[String]) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 16);
    let mut any = false;
    let mut word = String::new();
    let mut flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let lower = word.to_lowercase();
        if query_words.iter().any(|q| matches(&lower, q)) {
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
}
