//! Input validation shared by every write. Each failure names the input field.

use crate::{Error, Result};

/// Trimmed text of `min..=max` characters with no control characters except newlines and tabs.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<()> {
    let n = value.trim().chars().count();
    if n < min || value.chars().count() > max {
        return Err(Error::bad_input(
            field,
            format!("`{field}` must be {min} to {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Error::bad_input(
            field,
            format!("`{field}` must not contain control characters"),
        ));
    }
    Ok(())
}

/// An absolute http(s) URL of at most 300 characters.
pub fn url(field: &str, value: &str) -> Result<()> {
    let ok = value.len() <= 300
        && (value.starts_with("https://") || value.starts_with("http://"))
        && value.split("://").nth(1).is_some_and(|rest| {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && host.contains('.') && !host.contains(char::is_whitespace)
        })
        && !value.contains(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(Error::bad_input(
            field,
            format!("`{field}` must be an http(s) URL"),
        ))
    }
}

/// A snake_case code: lowercase letters, digits and underscores, 1 to 60 characters.
pub fn code(field: &str, value: &str) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 60
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::bad_input(
            field,
            format!("`{field}` must be a lowercase code"),
        ))
    }
}

/// An email address as people write one (`name@school.example.org`), at most 254 characters,
/// returned trimmed and lower-cased. Addresses under `.invalid` are refused: the service
/// writes those itself for users whose token gave no address it stores.
pub fn email(field: &str, value: &str) -> Result<String> {
    let value = value.trim().to_lowercase();
    let ok = value.len() <= 254
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.len() <= 64
                && !local.starts_with('.')
                && !local.ends_with('.')
                && domain.contains('.')
                && !domain.ends_with(".invalid")
                && domain.split('.').all(|label| {
                    !label.is_empty()
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
                })
        })
        && value
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"()<>[]\\,;:\"".contains(c))
        && value.matches('@').count() == 1;
    if ok {
        Ok(value)
    } else {
        Err(Error::bad_input(
            field,
            format!("`{field}` must be an email address, e.g. name@school.example.org"),
        ))
    }
}

/// 8 digits, or a two-letter prefix (SC, NI, OC, ...) and 6 digits.
pub fn is_companies_house_number(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 8
        && (b.iter().all(u8::is_ascii_digit)
            || (b[..2].iter().all(u8::is_ascii_uppercase) && b[2..].iter().all(u8::is_ascii_digit)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(url("u", "https://example.org/a").is_ok());
        for bad in [
            "ftp://x.org",
            "https://",
            "javascript:alert(1)",
            "https://exa mple.org",
            "example.org",
        ] {
            assert!(url("u", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_are_trimmed_lower_cased_and_checked() -> Result<()> {
        assert_eq!(
            email("email", " Priya.Shah@Advice.Example.org ")?,
            "priya.shah@advice.example.org"
        );
        for bad in [
            "",
            "priya",
            "priya@",
            "@example.org",
            "priya@example",
            "priya shah@example.org",
            "priya@@example.org",
            "priya@exa_mple.org",
            "priya@example..org",
            "a@b.invalid",
            "<priya@example.org>",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
        Ok(())
    }

    #[test]
    fn companies_house_numbers() {
        assert!(is_companies_house_number("01234567"));
        assert!(is_companies_house_number("SC123456"));
        assert!(!is_companies_house_number("1234567"));
        assert!(!is_companies_house_number("sc123456"));
    }
}
