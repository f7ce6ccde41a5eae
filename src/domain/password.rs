//! `Password`: exactly API.md's four rules, and a value that never prints itself.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use super::Email;

/// Longest password accepted, in code points after NFKC.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The configurable part of the password rules.
#[derive(Debug, Clone, Copy)]
pub struct PasswordPolicy {
    pub min_chars: usize,
}

impl PasswordPolicy {
    pub fn new(min_chars: usize) -> Self {
        Self { min_chars }
    }
}

/// A password that passed the rules, in its NFKC form (the form that is hashed).
#[derive(Clone)]
pub struct Password(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be at least {0} characters")]
    TooShort(usize),
    #[error("password must be at most 128 characters")]
    TooLong,
    #[error("password is too common")]
    Common,
    #[error("password must not contain the email address or its local part")]
    ContainsEmail,
}

impl Password {
    pub fn parse(raw: &str, email: &Email, policy: &PasswordPolicy) -> Result<Self, PasswordError> {
        let normalized = Self::normalize(raw).ok_or(PasswordError::TooLong)?;
        let chars = normalized.chars().count();
        if chars < policy.min_chars {
            return Err(PasswordError::TooShort(policy.min_chars));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(PasswordError::TooLong);
        }
        let folded = normalized.to_lowercase();
        if passwords::analyzer::is_common_password(&folded) {
            return Err(PasswordError::Common);
        }
        let local = email.local_part();
        if folded == email.as_str() || (local.chars().count() >= 4 && folded.contains(local)) {
            return Err(PasswordError::ContainsEmail);
        }
        Ok(Self(normalized))
    }

    /// NFKC form of a presented password, or `None` when it is too long to be any
    /// valid password (checked on the raw bytes first, so no huge input is normalized).
    pub fn normalize(raw: &str) -> Option<String> {
        // NFKC can expand a code point up to 18 times, but never shrink 4 bytes below 1
        // code point, so more than 4 × 128 bytes of input can never fit.
        if raw.len() > MAX_PASSWORD_CHARS * 4 * 18 {
            return None;
        }
        let normalized: String = raw.nfkc().collect();
        (normalized.chars().count() <= MAX_PASSWORD_CHARS).then_some(normalized)
    }

    /// A presented password for login: no policy, only the length cap and NFKC.
    pub fn presented(raw: &str) -> Option<Self> {
        Self::normalize(raw).map(Self)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Email {
        Email::parse("alice@example.com").unwrap()
    }

    fn policy() -> PasswordPolicy {
        PasswordPolicy::new(15)
    }

    #[test]
    fn a_long_uncommon_password_is_accepted_in_nfkc_form() {
        let password = Password::parse("correct horse battery ﬁ", &alice(), &policy()).unwrap();
        assert_eq!(password.expose(), "correct horse battery fi");
    }

    #[test]
    fn length_is_counted_in_code_points() {
        // 15 emoji are 15 code points though 60 bytes.
        assert!(Password::parse(&"🔒".repeat(15), &alice(), &policy()).is_ok());
        assert_eq!(
            Password::parse(&"🔒".repeat(14), &alice(), &policy()).unwrap_err(),
            PasswordError::TooShort(15)
        );
        assert_eq!(
            Password::parse(&"x".repeat(129), &alice(), &policy()).unwrap_err(),
            PasswordError::TooLong
        );
        assert!(Password::parse(&"xy".repeat(64), &alice(), &policy()).is_ok());
    }

    #[test]
    fn common_passwords_are_rejected_case_insensitively() {
        let short = PasswordPolicy::new(8);
        assert_eq!(
            Password::parse("PASSWORD1", &alice(), &short).unwrap_err(),
            PasswordError::Common
        );
    }

    #[test]
    fn the_email_and_its_local_part_are_rejected() {
        assert_eq!(
            Password::parse("ALICE@example.com", &alice(), &policy()).unwrap_err(),
            PasswordError::ContainsEmail
        );
        assert_eq!(
            Password::parse("my name is Alice, really long", &alice(), &policy()).unwrap_err(),
            PasswordError::ContainsEmail
        );
        // A local part under 4 characters is not checked.
        let bob = Email::parse("bob@example.com").unwrap();
        assert!(Password::parse("bob is a long passphrase", &bob, &policy()).is_ok());
    }

    #[test]
    fn no_composition_rules_apply() {
        assert!(Password::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaq", &alice(), &policy()).is_ok());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let password =
            Password::parse("correct horse battery staple", &alice(), &policy()).unwrap();
        assert_eq!(format!("{password:?}"), "Password([redacted])");
    }
}
