//! Which JWKs become verifying keys: authd's own, whole; anything else skipped one by one.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::Algorithm;
use serde_json::{json, Value};

use super::folder;
use crate::keys::generate::KeyAlgorithm;
use crate::keys::remote::{ring_from_jwks, JwksError};

/// The JWKs of a fresh folder with one key of each algorithm: EdDSA, ES256, RS256.
fn authd_jwks() -> Vec<Value> {
    let (_dir, ring) = folder(&[
        KeyAlgorithm::Eddsa,
        KeyAlgorithm::Es256,
        KeyAlgorithm::Rs256,
    ]);
    let document: Value = serde_json::from_slice(ring.jwks()).unwrap();
    let mut keys = document["keys"].as_array().unwrap().clone();
    keys.sort_by_key(|key| key["alg"].as_str().unwrap().to_owned());
    keys
}

fn document(keys: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "keys": keys })).unwrap()
}

/// The kids that `keys` give.
fn kids_of(keys: &[Value]) -> Vec<String> {
    match ring_from_jwks(&document(keys)) {
        Ok(ring) => ring.kids().map(str::to_owned).collect(),
        Err(JwksError::NoUsableKey { .. }) => vec![],
        Err(err) => panic!("{err}"),
    }
}

/// Whether `key` alone gives a key.
fn usable(key: &Value) -> bool {
    !kids_of(std::slice::from_ref(key)).is_empty()
}

fn with(key: &Value, field: &str, value: Value) -> Value {
    let mut key = key.clone();
    key[field] = value;
    key
}

fn without(key: &Value, field: &str) -> Value {
    let mut key = key.clone();
    key.as_object_mut().unwrap().remove(field);
    key
}

#[test]
fn authds_own_jwks_gives_every_key_with_its_algorithm() {
    let keys = authd_jwks();

    let ring = ring_from_jwks(&document(&keys)).unwrap();

    let algs: Vec<Algorithm> = keys
        .iter()
        .map(|key| ring.get(key["kid"].as_str().unwrap()).unwrap().alg)
        .collect();
    assert_eq!(algs, [Algorithm::ES256, Algorithm::EdDSA, Algorithm::RS256]);
    assert!(!ring.can_sign());
    assert_eq!(ring.len(), 3);
}

#[test]
fn a_key_whose_alg_does_not_match_its_kty_or_curve_is_skipped_and_the_rest_kept() {
    let [es256, eddsa, rs256] = <[Value; 3]>::try_from(authd_jwks()).unwrap();
    let p384 = with(&es256, "crv", json!("P-384"));
    let ec_as_okp = with(&with(&es256, "kty", json!("OKP")), "kid", json!("okp"));

    for mismatched in [
        with(&es256, "alg", json!("EdDSA")),
        with(&eddsa, "alg", json!("ES256")),
        with(&rs256, "alg", json!("ES256")),
        with(&es256, "alg", json!("RS256")),
        p384,
        ec_as_okp,
    ] {
        let keys = [mismatched.clone(), eddsa.clone()];
        assert_eq!(
            kids_of(&keys),
            [eddsa["kid"].as_str().unwrap()],
            "{mismatched}"
        );
    }
}

#[test]
fn symmetric_unsupported_and_alg_less_keys_are_skipped() {
    let [es256, _, rs256] = <[Value; 3]>::try_from(authd_jwks()).unwrap();
    let secret = URL_SAFE_NO_PAD.encode([7u8; 32]);

    for key in [
        json!({"kty": "oct", "k": secret, "alg": "HS256", "kid": "h", "use": "sig"}),
        with(&rs256, "alg", json!("RS384")),
        with(&rs256, "alg", json!("PS256")),
        with(&es256, "alg", json!("none")),
        with(&es256, "alg", json!(256)),
        without(&es256, "alg"),
    ] {
        assert!(!usable(&key), "{key}");
    }
}

#[test]
fn keys_not_meant_to_verify_signatures_and_keys_without_a_kid_are_skipped() {
    let es256 = authd_jwks().remove(0);

    for key in [
        with(&es256, "use", json!("enc")),
        with(&es256, "key_ops", json!(["encrypt"])),
        without(&es256, "kid"),
        with(&es256, "kid", json!("")),
    ] {
        assert!(!usable(&key), "{key}");
    }
    let verify_only = with(&without(&es256, "use"), "key_ops", json!(["verify"]));
    assert!(usable(&verify_only));
}

#[test]
fn a_kid_that_names_two_keys_names_neither() {
    let [es256, eddsa, rs256] = <[Value; 3]>::try_from(authd_jwks()).unwrap();
    let twin = with(&eddsa, "kid", es256["kid"].clone());
    let triplet = with(&rs256, "kid", es256["kid"].clone());

    assert_eq!(
        kids_of(&[es256.clone(), twin.clone()]),
        Vec::<String>::new()
    );
    assert_eq!(
        kids_of(&[es256, twin, triplet, rs256.clone()]),
        [rs256["kid"].as_str().unwrap()]
    );
}

#[test]
fn weak_or_broken_key_material_is_skipped() {
    let [es256, eddsa, rs256] = <[Value; 3]>::try_from(authd_jwks()).unwrap();
    let b64 = |bytes: &[u8]| json!(URL_SAFE_NO_PAD.encode(bytes));
    let modulus = URL_SAFE_NO_PAD
        .decode(rs256["n"].as_str().unwrap())
        .unwrap();

    for key in [
        with(&rs256, "n", b64(&modulus[..128])),
        with(
            &rs256,
            "n",
            b64(&[&[0u8; 200][..], &modulus[..128]].concat()),
        ),
        with(&es256, "x", b64(&[1u8; 32])),
        with(&es256, "y", b64(&[1u8; 31])),
        with(&es256, "x", json!("not base64url!")),
        with(&eddsa, "x", b64(&[1u8; 31])),
        with(&eddsa, "x", json!(42)),
    ] {
        assert!(!usable(&key), "{key}");
    }
    // Leading zero bytes are not part of the modulus's length, but do no harm either.
    let padded = with(&rs256, "n", b64(&[&[0u8][..], &modulus].concat()));
    assert!(usable(&padded));
}

#[test]
fn an_answer_that_is_no_jwks_or_holds_no_usable_key_is_an_error() {
    for body in [&b"garbage"[..], b"[]", b"{}", b"{\"keys\": \"x\"}", b""] {
        assert_eq!(
            ring_from_jwks(body).err(),
            Some(JwksError::NotAKeySet),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    assert_eq!(
        ring_from_jwks(b"{\"keys\": []}").err(),
        Some(JwksError::NoUsableKey { skipped: 0 })
    );
    assert_eq!(
        ring_from_jwks(b"{\"keys\": [{\"kty\": \"oct\"}, 7]}").err(),
        Some(JwksError::NoUsableKey { skipped: 2 })
    );
}
