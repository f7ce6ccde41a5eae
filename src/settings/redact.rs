//! How settings print: database and Redis URLs may hold credentials, so `{:?}` of their
//! groups shows `[redacted]` in their place.

use std::fmt;

use super::{DatabaseSettings, RedisSettings};

/// A shared secret from the settings (`AUTHD_REVOCATIONS_TOKEN`): prints as `[redacted]`,
/// and is compared in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, to send it (never to log it).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is this secret, in time that does not depend on where they differ.
    pub fn matches(&self, presented: &str) -> bool {
        aws_lc_rs::constant_time::verify_slices_are_equal(self.0.as_bytes(), presented.as_bytes())
            .is_ok()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::str::FromStr for Secret {
    type Err = String;

    /// At least 16 characters: a feed of every revocation deserves more than a password.
    fn from_str(value: &str) -> Result<Self, String> {
        if value.chars().count() < 16 {
            return Err("a shared secret of at least 16 characters".into());
        }
        Ok(Self(value.to_owned()))
    }
}

/// `scheme://user:password@host…` → `scheme://[redacted]@host…`: URLs may hold credentials.
fn redacted(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => format!("{scheme}://[redacted]{}", &url[at..]),
        _ => url.to_owned(),
    }
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redacted(&self.url))
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &self.url.as_deref().map(redacted))
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_prints_redacted_and_matches_only_itself() {
        let secret: Secret = "0123456789abcdef".parse().unwrap();
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert!(secret.matches("0123456789abcdef"));
        assert!(!secret.matches("0123456789abcdeF"));
        assert!(!secret.matches("0123456789abcde"));
        assert!("short".parse::<Secret>().is_err());
    }

    #[test]
    fn urls_with_credentials_print_redacted() {
        assert_eq!(
            redacted("postgres://authd:hunter2@db:5432/authd"),
            "postgres://[redacted]@db:5432/authd"
        );
        assert_eq!(redacted("sqlite://data/authd.db"), "sqlite://data/authd.db");
        let settings = RedisSettings {
            url: Some("redis://:s3cret@127.0.0.1:6379".into()),
            prefix: "authd".into(),
            timeout: 1,
        };
        assert!(!format!("{settings:?}").contains("s3cret"));
    }
}
