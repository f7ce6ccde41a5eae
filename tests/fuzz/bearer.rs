//! Target: `authd::extractor::parse_bearer`, against RFC 6750 §2.1's grammar
//! (`credentials = "Bearer" 1*SP b64token`, the scheme case-insensitive).

use authd::extractor::{parse_bearer, BearerError};
use proptest::prelude::*;

use super::fuzz;

/// The token RFC 6750 finds in `value`, if any: written from the grammar, not the code.
fn rfc6750_token(value: &[u8]) -> Option<&[u8]> {
    if value.len() < 7 || !value[..6].eq_ignore_ascii_case(b"bearer") || value[6] != b' ' {
        return None;
    }
    let token = &value[6..];
    let token = &token[token.iter().position(|&b| b != b' ')?..];
    let body_len = token.len() - token.iter().rev().take_while(|&&b| b == b'=').count();
    let body = &token[..body_len];
    let b64 = |b: &u8| b.is_ascii_alphanumeric() || b"-._~+/".contains(b);
    (!body.is_empty() && body.iter().all(b64)).then_some(token)
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    let scheme = proptest::sample::select(vec![
        "Bearer",
        "bearer",
        "BEARER",
        "bEaReR",
        "Basic",
        "Bearer,",
        "Bearer:",
        "",
        "Bear",
        "Bearerx",
        "Digest",
        "\u{130}earer",
    ]);
    let separator = proptest::sample::select(vec!["", " ", "  ", "\t", " \t", "\t ", "\u{a0}"]);
    let token_byte = prop_oneof![
        8 => proptest::sample::select(
            b"ABCXYZabcxyz0189-._~+/".to_vec()
        ),
        1 => proptest::sample::select(b"= \t\",;:\\\0\x7f\x80\xff\xc3\xa9".to_vec()),
        1 => any::<u8>(),
    ];
    let token = proptest::collection::vec(token_byte, 0..40);
    let padding = proptest::sample::select(vec!["", "=", "==", "===", " ", "= ", "=a"]);
    prop_oneof![
        4 => (scheme, separator, token, padding).prop_map(|(s, sep, t, p)| {
            [s.as_bytes(), sep.as_bytes(), &t, p.as_bytes()].concat()
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..64),
    ]
}

#[test]
fn fuzz_the_bearer_parser() {
    fuzz("bearer", header_value(), |value| {
        let parsed = parse_bearer(&value);
        let expected = rfc6750_token(&value);
        prop_assert_eq!(
            parsed.as_ref().ok().map(|t| t.as_bytes()),
            expected,
            "parse_bearer({:?}) = {:?}",
            String::from_utf8_lossy(&value),
            parsed
        );
        // A value that plainly is `Bearer`, whitespace, something is never "no
        // credentials": it is a Bearer credential, good or malformed.
        if value.len() > 7
            && value[..6].eq_ignore_ascii_case(b"bearer")
            && b" \t".contains(&value[6])
        {
            prop_assert_ne!(parsed, Err(BearerError::Missing));
        }
        Ok(())
    });
}
