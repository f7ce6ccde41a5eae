//! Reading a compact JWS for people, without trusting it: the header and claims as JSON,
//! and which segment, if any, is malformed. The signature is never decoded for display.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};

/// What could be read of a token.
#[derive(Debug, Default)]
pub struct Decoded {
    pub header: Option<Map<String, Value>>,
    pub claims: Option<Map<String, Value>>,
    /// The first thing wrong with the compact form, in words.
    pub malformed: Option<String>,
}

impl Decoded {
    pub fn of(token: &str) -> Decoded {
        let segments: Vec<&str> = token.split('.').collect();
        let mut decoded = Decoded::default();
        if segments.len() != 3 {
            decoded.malformed = Some(format!(
                "{} segment(s), a JWS has 3 (header.payload.signature)",
                segments.len()
            ));
        }
        let mut object = |index: usize, name: &str| match segments.get(index) {
            Some(segment) => json_object(segment)
                .map_err(|why| {
                    decoded
                        .malformed
                        .get_or_insert(format!("the {name} {why}"))
                        .clone()
                })
                .ok(),
            None => None,
        };
        let header = object(0, "header");
        let claims = object(1, "payload");
        if let Some(signature) = segments.get(2) {
            if let Err(why) = base64url(signature) {
                decoded
                    .malformed
                    .get_or_insert(format!("the signature {why}"));
            }
        }
        decoded.header = header;
        decoded.claims = claims;
        decoded
    }

    /// A header field as text.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.as_ref()?.get(name)?.as_str()
    }

    /// A claim as compact JSON (`"authd"`, `["a","b"]`), or `none` when absent.
    pub fn claim_text(&self, name: &str) -> String {
        match self.claims.as_ref().and_then(|claims| claims.get(name)) {
            Some(value) => value.to_string(),
            None => "none".into(),
        }
    }

    /// A claim as an integer (Unix seconds for the times).
    pub fn claim_i64(&self, name: &str) -> Option<i64> {
        self.claims.as_ref()?.get(name)?.as_i64()
    }
}

fn base64url(segment: &str) -> Result<Vec<u8>, &'static str> {
    if segment.is_empty() {
        return Err("segment is empty");
    }
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| "segment is not canonical unpadded base64url")
}

fn json_object(segment: &str) -> Result<Map<String, Value>, String> {
    let bytes = base64url(segment)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("segment is JSON but not an object".into()),
        Err(err) => Err(format!("segment is not JSON: {err}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn a_well_formed_token_decodes_to_its_header_and_claims() {
        let token = format!(
            "{}.{}.c2ln",
            encode(r#"{"alg":"EdDSA"}"#),
            encode(r#"{"sub":"a"}"#)
        );

        let decoded = Decoded::of(&token);

        assert_eq!(decoded.header_str("alg"), Some("EdDSA"));
        assert_eq!(decoded.claim_text("sub"), "\"a\"");
        assert_eq!(decoded.claim_text("exp"), "none");
        assert_eq!(decoded.malformed, None);
    }

    #[test]
    fn the_first_malformed_segment_is_named() {
        let header = encode(r#"{"alg":"EdDSA"}"#);
        let cases = [
            (
                "abc".to_owned(),
                "1 segment(s), a JWS has 3 (header.payload.signature)",
            ),
            (
                format!("{header}.e30.c2ln.x"),
                "4 segment(s), a JWS has 3 (header.payload.signature)",
            ),
            (format!("{header}..c2ln"), "the payload segment is empty"),
            (
                format!("{header}.e30+.c2ln"),
                "the payload segment is not canonical unpadded base64url",
            ),
            (
                format!("{}.e30.c2ln", encode("[1]")),
                "the header segment is JSON but not an object",
            ),
            (format!("{header}.e30."), "the signature segment is empty"),
        ];

        for (token, why) in cases {
            assert_eq!(
                Decoded::of(&token).malformed.as_deref(),
                Some(why),
                "{token}"
            );
        }
    }
}
