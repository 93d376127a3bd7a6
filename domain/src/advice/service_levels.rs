//! Service levels: working days, the first-response and resolution deadlines, and whether a
//! case is overdue.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};

use crate::entity::advice_request;
use crate::vocab::AdviceStatus;

/// Working days to first response.
pub const FIRST_RESPONSE_WORKING_DAYS: i64 = 2;

/// Working days to resolution for a category (deal category slugs).
pub fn resolution_working_days(category: &str) -> i64 {
    match category {
        "devices" | "software_licences" | "cyber_security" => 10,
        "mis_software" | "networks" | "cloud" => 20,
        _ => 15,
    }
}

/// `start` plus `days` working days (Monday to Friday), at the same time of day. A start on a
/// weekend counts from the next Monday's start.
pub fn add_working_days(start: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    let mut t = start;
    while matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
        t = (t + Duration::days(1))
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc())
            .unwrap_or(t + Duration::days(1));
    }
    let mut left = days;
    while left > 0 {
        t += Duration::days(1);
        if !matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    t
}

/// Whether the case is late now: no first response by its due time, or not closed by its
/// resolution time.
pub fn is_overdue(r: &advice_request::Model, now: DateTime<Utc>) -> bool {
    (r.first_responded_at.is_none() && now > r.first_response_due_at)
        || (r.status != AdviceStatus::Closed.code() && now > r.resolution_due_at)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        match Utc.with_ymd_and_hms(y, m, d, h, 0, 0) {
            chrono::LocalResult::Single(t) => t,
            _ => panic!("bad test date"),
        }
    }

    #[test]
    fn working_days_skip_weekends() {
        // 2026-11-19 is a Thursday.
        assert_eq!(
            add_working_days(at(2026, 11, 19, 10), 2),
            at(2026, 11, 23, 10)
        );
        // Friday + 2: Tuesday.
        assert_eq!(
            add_working_days(at(2026, 11, 20, 16), 2),
            at(2026, 11, 24, 16)
        );
        // Saturday counts from Monday morning: Wednesday 00:00.
        assert_eq!(
            add_working_days(at(2026, 11, 21, 9), 2),
            at(2026, 11, 25, 0)
        );
        // Sunday evening, 10 working days: two weeks on, Monday 00:00 + 10 = Monday 00:00.
        assert_eq!(
            add_working_days(at(2026, 11, 22, 20), 10),
            at(2026, 12, 7, 0)
        );
        // Monday + 5: next Monday.
        assert_eq!(
            add_working_days(at(2026, 11, 23, 9), 5),
            at(2026, 11, 30, 9)
        );
    }
}
