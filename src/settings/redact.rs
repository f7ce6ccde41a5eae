//! How settings print: database and Redis URLs may hold credentials, so `{:?}` of their
//! groups shows `[redacted]` in their place.

use std::fmt;

use super::{DatabaseSettings, RedisSettings};

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
