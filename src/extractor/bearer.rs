//! The `Authorization: Bearer` header (RFC 6750 §2.1), parsed by hand: the scheme is
//! case-insensitive, one or more spaces follow it, and the token is a b64token.

use actix_web::http::header::AUTHORIZATION;
use actix_web::HttpRequest;

/// Why a request carries no usable bearer token.
#[derive(Debug, PartialEq, Eq)]
pub enum BearerError {
    /// No Authorization header, or another scheme: a plain challenge.
    Missing,
    /// Bearer, but not a well-formed token: `error="invalid_token"`.
    Malformed,
}

/// Extracts the token of `Authorization: Bearer <token>`: the scheme is case-insensitive,
/// one or more spaces follow it, and the token is an RFC 6750 b64token.
pub fn bearer_token(req: &HttpRequest) -> Result<&str, BearerError> {
    let mut values = req.headers().get_all(AUTHORIZATION);
    let Some(value) = values.next() else {
        return Err(BearerError::Missing);
    };
    if values.next().is_some() {
        return Err(BearerError::Malformed);
    }
    parse_bearer(value.as_bytes())
}

/// The header-value half of [`bearer_token`].
pub fn parse_bearer(value: &[u8]) -> Result<&str, BearerError> {
    let Ok(value) = std::str::from_utf8(value) else {
        return Err(BearerError::Malformed);
    };
    // The scheme ends at the first whitespace: `Bearer\tabc` is a Bearer credential with a
    // bad separator (malformed), `Bearerabc` another scheme.
    let scheme_end = value.find([' ', '\t']).unwrap_or(value.len());
    let (scheme, rest) = value.split_at(scheme_end);
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerError::Missing);
    }
    let token = rest.trim_start_matches(' ');
    if !rest.starts_with(' ') || !is_b64token(token) {
        return Err(BearerError::Malformed);
    }
    Ok(token)
}

fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    // Every byte, without an early exit: the compiler then checks 32 at a time. A token is
    // ~600 bytes on every request, and a byte-by-byte branchy loop showed in profiles.
    !body.is_empty() && body.bytes().fold(true, |all, b| all & is_b64token_byte(b))
}

/// ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" (RFC 6750 §2.1): comparisons only,
/// which the compiler turns into branch-free code.
fn is_b64token_byte(b: u8) -> bool {
    // Setting bit 0x20 maps A-Z onto a-z and moves no other byte into a-z.
    (b | 0x20).wrapping_sub(b'a') < 26
        || b.wrapping_sub(b'0') < 10
        || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn the_token_comes_from_the_one_authorization_header() {
        let one = TestRequest::default()
            .insert_header((AUTHORIZATION, "Bearer abc.def.ghi"))
            .to_http_request();
        let none = TestRequest::default().to_http_request();
        let two = TestRequest::default()
            .append_header((AUTHORIZATION, "Bearer abc"))
            .append_header((AUTHORIZATION, "Bearer abc"))
            .to_http_request();

        assert_eq!(bearer_token(&one), Ok("abc.def.ghi"));
        assert_eq!(bearer_token(&none), Err(BearerError::Missing));
        assert_eq!(bearer_token(&two), Err(BearerError::Malformed));
    }

    #[test]
    fn the_scheme_is_case_insensitive_and_spaces_may_repeat() {
        assert_eq!(parse_bearer(b"Bearer abc.def.ghi"), Ok("abc.def.ghi"));
        assert_eq!(parse_bearer(b"bearer abc"), Ok("abc"));
        assert_eq!(parse_bearer(b"BEARER    abc"), Ok("abc"));
        assert_eq!(parse_bearer(b"Bearer abc=="), Ok("abc=="));
    }

    #[test]
    fn other_schemes_are_a_missing_token() {
        assert_eq!(
            parse_bearer(b"Basic dXNlcjpwYXNz"),
            Err(BearerError::Missing)
        );
        assert_eq!(parse_bearer(b"Token abc"), Err(BearerError::Missing));
        assert_eq!(parse_bearer(b""), Err(BearerError::Missing));
        assert_eq!(parse_bearer(b"Bearerabc"), Err(BearerError::Missing));
    }

    #[test]
    fn malformed_bearer_values_are_invalid_tokens() {
        for bad in [
            &b"Bearer"[..],
            b"Bearer ",
            b"Bearer a b",
            b"Bearer a\tb",
            b"Bearer \"abc\"",
            b"Bearer ===",
            b"Bearer abc=def",
            b"Bearer \xff\xfe",
            b"Bearer\tabc",
        ] {
            let got = parse_bearer(bad);
            assert!(got.is_err(), "{:?} accepted", String::from_utf8_lossy(bad));
        }
        assert_eq!(parse_bearer(b"Bearer a b"), Err(BearerError::Malformed));
        assert_eq!(parse_bearer(b"Bearer\tabc"), Err(BearerError::Malformed));
    }

    #[test]
    fn exactly_the_b64token_alphabet_is_accepted_every_byte_checked() {
        let alphabet: Vec<u8> = (b'A'..=b'Z')
            .chain(b'a'..=b'z')
            .chain(b'0'..=b'9')
            .chain(*b"-._~+/")
            .collect();
        assert_eq!(alphabet.len(), 68);
        for byte in 0..=u8::MAX {
            let expected = alphabet.contains(&byte);
            assert_eq!(is_b64token_byte(byte), expected, "byte {byte:#04x}");
            // Alone, and between good bytes at either end of a long token.
            let lone = [byte];
            let long: Vec<u8> = [&[b'a'; 40][..], &lone, &[b'Z'; 40]].concat();
            for token in [&lone[..], &long] {
                let header = [&b"Bearer "[..], token].concat();
                let parsed = parse_bearer(&header);
                // `=` is padding: alone it leaves no token; inside one it is malformed.
                assert_eq!(parsed.is_ok(), expected, "{byte:#04x} in {token:?}");
            }
        }
    }

    #[test]
    fn padding_may_only_end_a_token() {
        assert_eq!(parse_bearer(b"Bearer abc=="), Ok("abc=="));
        assert_eq!(parse_bearer(b"Bearer a=b"), Err(BearerError::Malformed));
        assert_eq!(parse_bearer(b"Bearer ="), Err(BearerError::Malformed));
    }
}
