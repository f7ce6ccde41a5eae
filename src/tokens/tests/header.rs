//! The header layer on its own: genuine tokens around the 8 KiB cap (sizes written as
//! numbers, so a wrong constant cannot move the tests with it), and the compact-form checks
//! that must answer `Malformed` themselves, before jsonwebtoken sees the token.

use super::*;
use crate::domain::Role;

/// A genuine access token of exactly `len` bytes: issued for a user with enough roles.
fn genuine_access_token_of(fixture: &Fixture, len: usize) -> String {
    let issue = |roles: &[Role]| {
        let subject = Subject {
            id: Uuid::new_v4(),
            email: "alice@example.com",
            roles,
            generation: 0,
        };
        let ring = fixture.store.current();
        issue_access_token(
            &ring,
            &fixture.policy,
            subject,
            Session::start(NOW),
            fixture.policy.client_ids.default_client(),
            NOW,
        )
        .unwrap()
        .0
    };
    let role = |width: usize| Role::parse(&"r".repeat(width)).unwrap();
    // Whole 64-character roles while another still fits, then one role sized to the byte;
    // bounded, so a token that stops growing fails the test instead of hanging it.
    let mut roles = Vec::new();
    while roles.len() < len / 64 {
        let mut with_last = roles.clone();
        with_last.push(role(64));
        if issue(&with_last).len() < len {
            roles.push(role(64));
            continue;
        }
        // base64 grows in steps of 4 bytes per 3, and one more role may step over `len`:
        // the last two roles are sized together.
        with_last.pop();
        with_last.pop();
        for first in 1..=64 {
            for second in 0..=64 {
                let mut tail = with_last.clone();
                tail.push(role(first));
                if second > 0 {
                    tail.push(role(second));
                }
                let token = issue(&tail);
                if token.len() == len {
                    return token;
                }
            }
        }
        break;
    }
    panic!("no genuine access token of {len} bytes");
}

#[test]
fn genuine_tokens_of_two_to_six_kib_verify() {
    let fixture = fixture();
    let verifier = fixture.verifier();

    for len in [2048, 3072, 4096, 5120, 6144] {
        let token = genuine_access_token_of(&fixture, len);
        assert_eq!(token.len(), len);
        assert!(verifier.verify_at(&token, NOW).is_ok(), "{len} bytes");
    }
}

#[test]
fn a_genuine_token_of_exactly_8192_bytes_verifies_and_one_of_8193_is_too_long() {
    let fixture = fixture();
    let verifier = fixture.verifier();

    let at_the_cap = genuine_access_token_of(&fixture, 8192);
    let over_the_cap = genuine_access_token_of(&fixture, 8193);

    assert_eq!(MAX_TOKEN_BYTES, 8192);
    assert_eq!(at_the_cap.len(), 8192);
    assert!(verifier.verify_at(&at_the_cap, NOW).is_ok());
    assert_eq!(over_the_cap.len(), 8193);
    assert_eq!(
        verifier.verify_at(&over_the_cap, NOW),
        Err(TokenError::TooLong)
    );
}

/// Every way a genuine compact form can break the early shape check, by name.
fn malformed_variants(token: &str) -> Vec<(String, String)> {
    let segments: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = segments[..] else {
        panic!("a genuine token has three segments");
    };
    let mut variants = vec![
        ("empty header".to_owned(), format!(".{payload}.{signature}")),
        ("empty payload".to_owned(), format!("{header}..{signature}")),
        ("empty signature".to_owned(), format!("{header}.{payload}.")),
    ];
    for (index, name) in ["header", "payload", "signature"].iter().enumerate() {
        for c in ['=', '+', '/'] {
            let mut broken = segments.clone();
            let segment = segments[index];
            // Padding goes at the end; the standard alphabet's characters anywhere.
            let at = if c == '=' {
                segment.len()
            } else {
                segment.len() / 2
            };
            let changed = format!("{}{c}{}", &segment[..at], &segment[at..]);
            broken[index] = &changed;
            variants.push((format!("'{c}' in the {name}"), broken.join(".")));
        }
    }
    variants
}

#[test]
fn malformed_access_tokens_fail_with_exactly_the_malformed_error() {
    let fixture = fixture();
    let verifier = fixture.verifier();
    let token = fixture.access_token(NOW);

    for (case, bad) in malformed_variants(&token) {
        assert_eq!(
            verifier.verify_at(&bad, NOW),
            Err(TokenError::Malformed),
            "{case}"
        );
    }
}

#[test]
fn malformed_refresh_tokens_fail_with_exactly_the_malformed_error() {
    let fixture = fixture();
    let ring = fixture.store.current();
    let (_, token) = fixture.refresh_token(Session::start(NOW), NOW);

    for (case, bad) in malformed_variants(&token) {
        for check in [RefreshCheck::Live, RefreshCheck::SignatureOnly] {
            assert_eq!(
                verify_refresh_token(&ring, &fixture.policy, &bad, NOW, check),
                Err(TokenError::Malformed),
                "{case}, {check:?}"
            );
        }
    }
}

#[test]
fn a_token_whose_segments_use_dash_and_underscore_verifies() {
    let fixture = fixture();
    let mut claims = fixture.claims(NOW);
    // '?' (0x3F) and '>' (0x3E) end in six set bits (and five then a zero): one of three in
    // a row ends a base64 group, which is then '_' (and '-').
    claims["email"] = json!("a???>>>@example.com");
    let token = fixture.sign(&claims, |_| {});
    let payload = token.split('.').nth(1).unwrap();

    assert!(payload.contains('_') && payload.contains('-'), "{payload}");
    assert!(fixture.verifier().verify_at(&token, NOW).is_ok());
}
