//! Why a token was rejected, in words an operator can act on: the precise `TokenError`
//! with what the token says and what the settings and keys expected.

use super::decode::Decoded;
use super::TokenKind;
use crate::cli::format::{relative, rfc3339};
use crate::keys::KeyRing;
use crate::tokens::{TokenError, TokenPolicy, MAX_TOKEN_BYTES};

/// What the reasons are told in terms of.
pub struct Inspection<'a> {
    pub kind: TokenKind,
    pub token_len: usize,
    pub decoded: &'a Decoded,
    pub ring: &'a KeyRing,
    pub policy: &'a TokenPolicy,
    pub now: i64,
}

impl Inspection<'_> {
    /// One line: why `err` rejected the token.
    pub fn reason(&self, err: &TokenError) -> String {
        let kid = self.decoded.header_str("kid").unwrap_or("");
        let leeway = self.policy.leeway;
        match err {
            TokenError::TooLong => format!(
                "too long: {} bytes, the limit is {MAX_TOKEN_BYTES}",
                self.token_len
            ),
            TokenError::Malformed => format!(
                "malformed: {}",
                self.decoded
                    .malformed
                    .as_deref()
                    .unwrap_or("not three base64url segments")
            ),
            TokenError::Header(why) => format!("bad header: {why}"),
            TokenError::UnknownKey => self.unknown_key(kid),
            TokenError::WrongType => self.wrong_type(),
            TokenError::WrongAlgorithm => self.wrong_algorithm(kid),
            TokenError::BadSignature => format!(
                "bad signature: the header and claims were not signed by key {kid} (tampered, or \
                 signed by another key under that kid)"
            ),
            TokenError::WrongIssuer => format!(
                "wrong issuer: got {}, expected \"{}\" (AUTHD_ISSUER)",
                self.decoded.claim_text("iss"),
                self.policy.issuer
            ),
            TokenError::WrongAudience => self.wrong_audience(),
            TokenError::InvalidClaims(why) => format!("invalid claims: {why}"),
            TokenError::Expired => self.time_reason("expired at", "exp", leeway),
            TokenError::NotYetValid => self.time_reason("not valid before", "nbf", leeway),
            TokenError::IssuedInFuture => {
                self.time_reason("issued in the future, at", "iat", leeway)
            }
            TokenError::Revoked => "revoked: a logout, password change or revocation ended its \
                 session or its user's tokens (a running server refuses it)"
                .to_owned(),
            TokenError::RevocationsUnknown | TokenError::NoSigningKey | TokenError::Signing(_) => {
                err.to_string()
            }
        }
    }

    fn unknown_key(&self, kid: &str) -> String {
        if self.ring.get(kid).is_some() {
            // Only a refresh token gets here with a kid the ring has.
            return format!(
                "key {kid} is a public key only: refresh tokens are MACed with a key derived \
                 from a private key file"
            );
        }
        let kids: Vec<&str> = self.ring.kids().collect();
        format!(
            "unknown kid \"{kid}\" (the keys folder has: {})",
            kids.join(", ")
        )
    }

    fn wrong_type(&self) -> String {
        let (expected, other) = match self.kind {
            TokenKind::Access => ("an access token (typ at+jwt)", "rt+jwt"),
            TokenKind::Refresh => ("a refresh token (typ rt+jwt)", "at+jwt"),
        };
        match self.decoded.header_str("typ") {
            Some(typ) if typ == other => {
                let given = match self.kind {
                    TokenKind::Access => "a refresh token (typ rt+jwt)",
                    TokenKind::Refresh => "an access token (typ at+jwt)",
                };
                format!("wrong type: {given} where {expected} is expected")
            }
            typ => format!("wrong type: typ {typ:?}, expected {expected}"),
        }
    }

    fn wrong_algorithm(&self, kid: &str) -> String {
        let alg = self.decoded.header_str("alg").unwrap_or("");
        match (self.kind, self.ring.get(kid)) {
            (TokenKind::Refresh, _) => format!("wrong algorithm: {alg}, refresh tokens are HS256"),
            (TokenKind::Access, Some(key)) => {
                format!("wrong algorithm: {alg}, but key {kid} is {:?}", key.alg)
            }
            (TokenKind::Access, None) => format!("wrong algorithm: {alg} for key {kid}"),
        }
    }

    fn wrong_audience(&self) -> String {
        let (expected, setting) = match self.kind {
            TokenKind::Access => (self.policy.audience.clone(), "AUTHD_AUDIENCE"),
            TokenKind::Refresh => (self.policy.refresh_audience(), "AUTHD_ISSUER + /refresh"),
        };
        format!(
            "wrong audience: got {}, expected \"{expected}\" ({setting})",
            self.decoded.claim_text("aud")
        )
    }

    fn time_reason(&self, what: &str, claim: &str, leeway: i64) -> String {
        match self.decoded.claim_i64(claim) {
            Some(at) => format!(
                "{what} {} ({}; leeway {leeway} s)",
                rfc3339(at),
                relative(at, self.now)
            ),
            None => format!("{what} an unreadable {claim}"),
        }
    }
}
