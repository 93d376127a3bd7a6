//! Money as a buyer reads it. Amounts are kept as integer pence everywhere; this is the one
//! place that turns them into text.
//!
//! Policy: pounds sterling with thousands separators, and pence only when the amount is not
//! whole pounds: "£1,925", "£1,925.50", "£0.05". A negative amount reads "-£5".

/// An amount in pence as text, e.g. "£1,925" or "£4.50".
pub fn pounds(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let pence = pence.unsigned_abs();
    let whole = grouped(pence / 100);
    match pence % 100 {
        0 => format!("{sign}£{whole}"),
        p => format!("{sign}£{whole}.{p:02}"),
    }
}

/// Digits in groups of three, separated by commas: 1234567 -> "1,234,567".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::pounds;

    #[test]
    fn whole_pounds_have_thousands_separators_and_no_pence() {
        assert_eq!(pounds(0), "£0");
        assert_eq!(pounds(500), "£5");
        assert_eq!(pounds(99_900), "£999");
        assert_eq!(pounds(100_000), "£1,000");
        assert_eq!(pounds(192_500), "£1,925");
        assert_eq!(pounds(12_345_600), "£123,456");
        assert_eq!(pounds(123_456_700), "£1,234,567");
    }

    #[test]
    fn pence_show_when_the_amount_is_not_whole_pounds() {
        assert_eq!(pounds(5), "£0.05");
        assert_eq!(pounds(99), "£0.99");
        assert_eq!(pounds(450), "£4.50");
        assert_eq!(pounds(99_999), "£999.99");
        assert_eq!(pounds(192_550), "£1,925.50");
        assert_eq!(pounds(123_456_701), "£1,234,567.01");
    }

    #[test]
    fn negative_amounts_put_the_sign_before_the_pound() {
        assert_eq!(pounds(-500), "-£5");
        assert_eq!(pounds(-192_550), "-£1,925.50");
        assert_eq!(pounds(i64::MIN), "-£92,233,720,368,547,758.08");
    }
}
