//! `Email`: trimmed, NFKC-normalized, lower-cased, and shaped as API.md requires.

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

const MAX_CHARS: usize = 254;
const MAX_LOCAL_CHARS: usize = 64;
const FORBIDDEN: &[char] = &['"', '(', ')', ',', ':', ';', '<', '>', '[', '\\', ']'];

/// An email address in its one canonical form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("email is empty")]
    Empty,
    #[error("email is longer than 254 characters")]
    TooLong,
    #[error("email must contain exactly one @")]
    At,
    #[error("the part before @ must be 1 to 64 characters")]
    LocalPart,
    #[error("the domain must be dotted, like example.com")]
    Domain,
    #[error("email contains a space, control, format or quoting character")]
    Character,
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let normalized: String = raw.trim().nfkc().collect::<String>().to_lowercase();
        if normalized.is_empty() {
            return Err(EmailError::Empty);
        }
        if normalized.chars().count() > MAX_CHARS {
            return Err(EmailError::TooLong);
        }
        if normalized.chars().any(is_forbidden) {
            return Err(EmailError::Character);
        }
        let (local, domain) = match normalized.split_once('@') {
            Some((local, domain)) if !domain.contains('@') => (local, domain),
            _ => return Err(EmailError::At),
        };
        if local.is_empty() || local.chars().count() > MAX_LOCAL_CHARS {
            return Err(EmailError::LocalPart);
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|label| label.is_empty()) {
            return Err(EmailError::Domain);
        }
        Ok(Self(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0
            .split_once('@')
            .map_or(self.0.as_str(), |(local, _)| local)
    }
}

fn is_forbidden(c: char) -> bool {
    if FORBIDDEN.contains(&c) {
        return true;
    }
    matches!(c.general_category_group(), GeneralCategoryGroup::Separator)
        || matches!(
            c.general_category(),
            unicode_properties::GeneralCategory::Control
                | unicode_properties::GeneralCategory::Format
        )
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_trimmed_normalized_and_lower_cased() {
        let email = Email::parse("  Alice@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "alice@example.com");
        // Full-width letters fold to ASCII under NFKC.
        assert_eq!(
            Email::parse("ａｌｉｃｅ@example.com").unwrap().as_str(),
            "alice@example.com"
        );
    }

    #[test]
    fn unicode_letters_are_welcome() {
        assert_eq!(
            Email::parse("José@exämple.org").unwrap().as_str(),
            "josé@exämple.org"
        );
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in [
            "",
            "   ",
            "no-at-sign",
            "a@@example.com",
            "a@b@example.com",
            "@example.com",
            "alice@localhost",
            "alice@example..com",
            "alice@.example.com",
            "alice@example.com.",
            "al ice@example.com",
            "alice@exa\u{0}mple.com",
            "alice\r\n@example.com",
            "alice\u{202e}@example.com",
            "alice\u{200b}@example.com",
            "\"alice\"@example.com",
            "alice(comment)@example.com",
            "a<b>@example.com",
            "a[b]@example.com",
            "a\\b@example.com",
            "a;b@example.com",
            "a:b@example.com",
            "a,b@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn length_limits_hold() {
        let local = "a".repeat(64);
        assert!(Email::parse(&format!("{local}@example.com")).is_ok());
        assert_eq!(
            Email::parse(&format!("{local}a@example.com")),
            Err(EmailError::LocalPart)
        );
        let domain = format!("{}.com", "d".repeat(250));
        assert_eq!(
            Email::parse(&format!("a@{domain}")),
            Err(EmailError::TooLong)
        );
    }
}
