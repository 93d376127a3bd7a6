//! The state machine of a case: one table of every move a case may make and what makes it.
//!
//! Policy:
//! - [`MOVES`] is the whole state machine. Every service that changes a case's status asks it
//!   ([`check`] or [`allowed`]); none keeps a list of its own. The README's table of advice
//!   states is this table (a test keeps them equal).
//! - A refused move is `CONFLICT`, and its message says which moves the case's status allows.
//! - Statuses are spelt as clients write them (`IN_PROGRESS`), steps by their mutation.

use crate::vocab::AdviceStatus::{self, *};
use crate::{Error, Result};

/// What moves a case from one status to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// An adviser (or admin) moves the case on.
    Move,
    /// An adviser recommends deals or products to the school.
    Recommend,
    /// The school answers a case that awaits it, with a message.
    SchoolAnswer,
    /// The school withdraws its request.
    Withdraw,
}

impl Step {
    /// The mutation a client calls for this step, as messages and the README name it.
    pub fn mutation(self) -> &'static str {
        match self {
            Step::Move => "moveAdviceCase",
            Step::Recommend => "recommend",
            Step::SchoolAnswer => "postAdviceMessage",
            Step::Withdraw => "withdrawAdviceRequest",
        }
    }
}

/// Every allowed move: (from, to, what makes it). Closing by `Move` means resolved, by
/// `Withdraw` withdrawn; `Recommend` on a recommended case adds recommendations and keeps it
/// recommended.
pub const MOVES: &[(AdviceStatus, AdviceStatus, Step)] = &[
    (New, Triaged, Step::Move),
    (New, Closed, Step::Withdraw),
    (Triaged, InProgress, Step::Move),
    (Triaged, Closed, Step::Withdraw),
    (InProgress, AwaitingSchool, Step::Move),
    (InProgress, Recommended, Step::Recommend),
    (InProgress, Closed, Step::Withdraw),
    (AwaitingSchool, InProgress, Step::Move),
    (AwaitingSchool, InProgress, Step::SchoolAnswer),
    (AwaitingSchool, Closed, Step::Withdraw),
    (Recommended, InProgress, Step::Move),
    (Recommended, Recommended, Step::Recommend),
    (Recommended, Closed, Step::Move),
    (Recommended, Closed, Step::Withdraw),
];

/// True when `by` may move a case from `from` to `to`.
pub fn allowed(from: AdviceStatus, to: AdviceStatus, by: Step) -> bool {
    MOVES.contains(&(from, to, by))
}

/// Where `by` may move a case from `from`, in the table's order.
pub fn allowed_moves(from: AdviceStatus, by: Step) -> Vec<AdviceStatus> {
    MOVES
        .iter()
        .filter(|(f, _, b)| *f == from && *b == by)
        .map(|(_, to, _)| *to)
        .collect()
}

/// The status as clients write it: `IN_PROGRESS`.
pub fn name(status: AdviceStatus) -> String {
    status.code().to_ascii_uppercase()
}

fn names(statuses: impl IntoIterator<Item = AdviceStatus>) -> String {
    let mut all: Vec<String> = statuses.into_iter().map(name).collect();
    all.dedup();
    all.join(" or ")
}

/// `Ok` when `by` may move a case from `from` to `to`; otherwise `CONFLICT`, saying where the
/// case may go from `from` and what else would take it to `to`.
pub fn check(from: AdviceStatus, to: AdviceStatus, by: Step) -> Result<()> {
    if allowed(from, to, by) {
        return Ok(());
    }
    if !MOVES.iter().any(|(f, _, _)| *f == from) {
        return Err(Error::Conflict(format!(
            "the case is {} and moves no further",
            name(from)
        )));
    }
    let mut message = format!(
        "`{}` cannot move a case from {} to {}",
        by.mutation(),
        name(from),
        name(to)
    );
    let here = allowed_moves(from, by);
    if here.is_empty() {
        let starts = MOVES
            .iter()
            .filter(|(_, _, b)| *b == by)
            .map(|(f, _, _)| *f);
        message += &format!("; it moves a case only from {}", names(starts));
    } else {
        message += &format!(
            "; from {} it may move a case to {}",
            name(from),
            names(here)
        );
    }
    for (_, _, other) in MOVES.iter().filter(|(f, t, _)| *f == from && *t == to) {
        message += &format!("; `{}` moves it to {}", other.mutation(), name(to));
    }
    Err(Error::Conflict(message))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn the_documented_path_is_allowed_and_shortcuts_are_not() {
        for (from, to) in [
            (New, Triaged),
            (Triaged, InProgress),
            (InProgress, AwaitingSchool),
            (AwaitingSchool, InProgress),
            (Recommended, Closed),
        ] {
            assert!(allowed(from, to, Step::Move), "{from} -> {to}");
        }
        assert!(allowed(InProgress, Recommended, Step::Recommend));
        for (from, to) in [
            (New, InProgress),
            (New, Recommended),
            (New, Closed),
            (Triaged, Closed),
            (InProgress, Closed),
            (InProgress, Recommended),
            (AwaitingSchool, Recommended),
            (Closed, InProgress),
        ] {
            assert!(!allowed(from, to, Step::Move), "{from} -> {to}");
        }
    }

    #[test]
    fn a_refusal_says_where_the_case_may_go() {
        let Err(Error::Conflict(m)) = check(New, InProgress, Step::Move) else {
            panic!("NEW -> IN_PROGRESS must be refused");
        };
        assert_eq!(
            m,
            "`moveAdviceCase` cannot move a case from NEW to IN_PROGRESS; from NEW it may move a case to TRIAGED"
        );
        let Err(Error::Conflict(m)) = check(InProgress, Recommended, Step::Move) else {
            panic!("moving to RECOMMENDED must be refused");
        };
        assert!(m.ends_with("; `recommend` moves it to RECOMMENDED"), "{m}");
        let Err(Error::Conflict(m)) = check(New, Recommended, Step::Recommend) else {
            panic!("recommending on a NEW case must be refused");
        };
        assert!(
            m.ends_with("it moves a case only from IN_PROGRESS or RECOMMENDED"),
            "{m}"
        );
        let Err(Error::Conflict(m)) = check(Closed, Closed, Step::Withdraw) else {
            panic!("a closed case must stay closed");
        };
        assert_eq!(m, "the case is CLOSED and moves no further");
    }

    #[test]
    fn every_open_request_may_be_withdrawn_and_only_closed_is_final() {
        for from in AdviceStatus::ALL.iter().copied().filter(|s| *s != Closed) {
            assert!(allowed(from, Closed, Step::Withdraw), "{from}");
        }
        assert!(allowed_moves(Closed, Step::Move).is_empty());
    }

    /// The README's table of advice states as (from, to, mutation), read from its backticked
    /// words: in each row the first is the from status; in the second cell each status is
    /// followed by the mutations that move a case there.
    fn readme_moves() -> BTreeSet<(String, String, String)> {
        let readme = include_str!("../../../README.md");
        let section = readme
            .split("\n## Advice case states\n")
            .nth(1)
            .and_then(|rest| rest.split("\n#").next())
            .unwrap_or_default();
        let mut moves = BTreeSet::new();
        for line in section.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let (Some(from), Some(to)) = (cells.get(1), cells.get(2)) else {
                continue;
            };
            let Some(from) = from.strip_prefix('`').and_then(|f| f.strip_suffix('`')) else {
                continue;
            };
            let mut status = None;
            for word in to.split('`').skip(1).step_by(2) {
                if word.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                    status = Some(word);
                } else if let Some(s) = status {
                    moves.insert((from.to_owned(), s.to_owned(), word.to_owned()));
                }
            }
        }
        moves
    }

    #[test]
    fn the_readme_table_of_advice_states_is_the_code_table() {
        let defined: BTreeSet<(String, String, String)> = MOVES
            .iter()
            .map(|(f, t, by)| (name(*f), name(*t), by.mutation().to_owned()))
            .collect();
        let documented = readme_moves();
        let unknown: Vec<_> = documented.difference(&defined).collect();
        let missing: Vec<_> = defined.difference(&documented).collect();
        assert!(
            unknown.is_empty() && missing.is_empty(),
            "README.md's `## Advice case states` table must list advice::states::MOVES; \
             documented but not allowed: {unknown:?}; allowed but not documented: {missing:?}"
        );
    }
}
