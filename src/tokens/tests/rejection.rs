//! `TokenError::from_jsonwebtoken` on its own: each of jsonwebtoken's refusals that authd
//! tells apart becomes its own variant, and the rest keep jsonwebtoken's words.

use jsonwebtoken::errors::{Error, ErrorKind};

use super::*;

fn refused(kind: ErrorKind) -> TokenError {
    TokenError::from_jsonwebtoken(Error::from(kind))
}

#[test]
fn each_refusal_authd_tells_apart_has_its_own_variant() {
    assert_eq!(
        refused(ErrorKind::InvalidSignature),
        TokenError::BadSignature
    );
    assert_eq!(refused(ErrorKind::InvalidIssuer), TokenError::WrongIssuer);
    assert_eq!(
        refused(ErrorKind::InvalidAudience),
        TokenError::WrongAudience
    );
    assert_eq!(
        refused(ErrorKind::InvalidAlgorithm),
        TokenError::WrongAlgorithm
    );
}

#[test]
fn any_other_refusal_is_invalid_claims_in_jsonwebtokens_words() {
    assert_eq!(
        refused(ErrorKind::MissingRequiredClaim("exp".into())),
        TokenError::InvalidClaims("Missing required claim: exp".into())
    );
    assert_eq!(
        refused(ErrorKind::InvalidToken),
        TokenError::InvalidClaims("InvalidToken".into())
    );
}

#[test]
fn a_claim_of_the_wrong_type_names_the_claim() {
    let fixture = fixture();
    let mut claims = fixture.claims(NOW);
    claims["jti"] = json!(42);

    let verified = fixture
        .verifier()
        .verify_at(&fixture.sign(&claims, |_| {}), NOW);

    let Err(TokenError::InvalidClaims(why)) = verified else {
        panic!("{verified:?}");
    };
    assert!(why.contains("JSON error"), "{why}");
}
