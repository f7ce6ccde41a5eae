//! Client ids (RFC 6749 §2.2): the public clients authd issues tokens to, named in every
//! access token's `client_id` claim (RFC 9068 §2.2), and `AUTHD_CLIENT_IDS`, the list of them.

use std::fmt;
use std::str::FromStr;

/// A client id: one or more visible ASCII characters, no comma (the list separator).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientIdError {
    #[error("a client id must not be empty")]
    Empty,
    #[error("{0:?} is not a client id: visible ASCII only, no commas")]
    Invalid(String),
}

impl ClientId {
    pub fn parse(raw: &str) -> Result<Self, ClientIdError> {
        if raw.is_empty() {
            return Err(ClientIdError::Empty);
        }
        if !raw.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
            return Err(ClientIdError::Invalid(raw.to_owned()));
        }
        Ok(ClientId(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The configured clients (`AUTHD_CLIENT_IDS`): never empty, so there is always a default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIds {
    first: ClientId,
    others: Vec<ClientId>,
}

impl ClientIds {
    /// The first configured id: the client of the JSON endpoints, and of any request that
    /// names none.
    pub fn default_client(&self) -> &ClientId {
        &self.first
    }

    /// The configured client named `raw`, if any.
    pub fn get(&self, raw: &str) -> Option<&ClientId> {
        self.iter().find(|id| id.as_str() == raw)
    }

    pub fn iter(&self) -> impl Iterator<Item = &ClientId> {
        std::iter::once(&self.first).chain(&self.others)
    }
}

/// Comma-separated ids; spaces around the commas are layout, not part of an id.
impl FromStr for ClientIds {
    type Err = ClientIdError;

    fn from_str(value: &str) -> Result<Self, ClientIdError> {
        let mut ids = value.split(',').map(|id| ClientId::parse(id.trim()));
        let first = ids.next().unwrap_or(Err(ClientIdError::Empty))?;
        let others = ids.collect::<Result<_, _>>()?;
        Ok(ClientIds { first, others })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_listed_id_is_the_default() {
        let ids: ClientIds = "web-app, cli,urn:example:ios".parse().unwrap();
        assert_eq!(ids.default_client().as_str(), "web-app");
        let all: Vec<&str> = ids.iter().map(ClientId::as_str).collect();
        assert_eq!(all, ["web-app", "cli", "urn:example:ios"]);
        assert_eq!(ids.get("cli").map(ClientId::as_str), Some("cli"));
        assert_eq!(ids.get("CLI"), None);
        let one: ClientIds = "authd".parse().unwrap();
        assert_eq!(one.default_client().as_str(), "authd");
    }

    #[test]
    fn ids_are_non_empty_visible_ascii_without_commas() {
        for bad in [
            "",
            " ",
            "a,,b",
            "a,",
            ",a",
            "web app",
            "caf\u{e9}",
            "tab\there",
            "nul\0",
        ] {
            assert!(bad.parse::<ClientIds>().is_err(), "{bad:?} accepted");
        }
        assert_eq!(ClientId::parse(""), Err(ClientIdError::Empty));
        assert!(ClientId::parse("a,b").is_err());
        assert!(ClientId::parse("!#$%&'()*+-./:;<=>?@[]^_`{|}~").is_ok());
    }
}
