//! Device tokens: bound to the account they were issued for, and refused over 512 bytes
//! even when their MAC is right (the cap bounds the work an attacker's token costs).

use super::*;

/// A device token for `user` with the random id `id`, MACed exactly as the issuer does.
fn device_token_with_id(ring: &crate::keys::KeyRing, kid: &str, user: Uuid, id: &[u8]) -> String {
    let secrets = ring.get(kid).unwrap().secrets.as_ref().unwrap();
    let mut message = user.as_bytes().to_vec();
    message.extend_from_slice(id);
    let tag = aws_lc_rs::hmac::sign(&secrets.device, &message);
    format!(
        "{kid}.{}.{}",
        URL_SAFE_NO_PAD.encode(id),
        URL_SAFE_NO_PAD.encode(tag.as_ref())
    )
}

#[test]
fn a_device_token_verifies_for_its_account_only() {
    let fixture = fixture();
    let ring = fixture.store.current();
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());

    let token = issue_device_token(&ring, alice, NOW).unwrap();

    let id = token.split('.').nth(1).unwrap().to_owned();
    assert_eq!(verify_device_token(&ring, alice, &token), Some(id));
    assert_eq!(verify_device_token(&ring, bob, &token), None);
}

#[test]
fn a_device_token_of_512_bytes_verifies_and_one_of_513_is_refused() {
    crate::install_crypto_provider();
    // A kid of 24 characters, so that ids of whole bytes reach both lengths exactly.
    let kid = "device-cap-test-key-0024";
    let dir = tempfile::tempdir().unwrap();
    let generated = generate_key(dir.path(), KeyAlgorithm::Eddsa, chrono::Utc::now()).unwrap();
    std::fs::rename(&generated, dir.path().join(format!("{kid}.pem"))).unwrap();
    let ring = KeyStore::open(dir.path(), 300).unwrap().current();
    let user = Uuid::new_v4();
    let of_len = |len: usize| {
        (0..len)
            .map(|n| device_token_with_id(&ring, kid, user, &vec![7; n]))
            .find(|token| token.len() == len)
            .unwrap_or_else(|| panic!("no device token of {len} bytes"))
    };

    let at_the_cap = of_len(512);
    let over_the_cap = of_len(513);

    assert_eq!(at_the_cap.len(), 512);
    assert!(verify_device_token(&ring, user, &at_the_cap).is_some());
    assert_eq!(over_the_cap.len(), 513);
    assert_eq!(verify_device_token(&ring, user, &over_the_cap), None);
}
