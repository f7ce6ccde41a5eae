//! The successor pair kept for the grace window, sealed (AES-256-GCM) under a key derived
//! from the retired refresh token itself: only a holder of that token can open it, so a
//! dump or backup of the store never holds a usable token.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::hkdf::{Salt, HKDF_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;

use super::TokenPair;

fn key(retired_token: &str) -> Option<LessSafeKey> {
    let mut bytes = [0u8; 32];
    Salt::new(HKDF_SHA256, b"authd successor v1")
        .extract(retired_token.as_bytes())
        .expand(&[b"successor pair"], HKDF_SHA256)
        .ok()?
        .fill(&mut bytes)
        .ok()?;
    Some(LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, &bytes).ok()?,
    ))
}

/// `pair`, sealed under `retired_token`: base64url of nonce ‖ ciphertext ‖ tag.
pub fn seal_successor(retired_token: &str, pair: &TokenPair) -> Option<String> {
    let key = key(retired_token)?;
    let mut nonce = [0u8; NONCE_LEN];
    rand::thread_rng().fill_bytes(&mut nonce);
    let mut sealed = serde_json::to_vec(pair).ok()?;
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::empty(),
        &mut sealed,
    )
    .ok()?;
    Some(URL_SAFE_NO_PAD.encode([&nonce[..], &sealed].concat()))
}

/// The pair sealed by [`seal_successor`] under `retired_token`; `None` for any other token
/// or a damaged value.
pub fn open_successor(retired_token: &str, sealed: &str) -> Option<TokenPair> {
    let key = key(retired_token)?;
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    let (nonce, ciphertext) = bytes.split_at_checked(NONCE_LEN)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut ciphertext = ciphertext.to_vec();
    let plain = key
        .open_in_place(nonce, Aad::empty(), &mut ciphertext)
        .ok()?;
    serde_json::from_slice(plain).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> TokenPair {
        TokenPair {
            access_token: "eyJhbGciOi.access.sig".into(),
            token_type: "Bearer".into(),
            expires_in: 900,
            refresh_token: "eyJhbGciOi.refresh.sig".into(),
            refresh_expires_in: 3600,
        }
    }

    #[test]
    fn only_the_retired_token_opens_its_successor() {
        let sealed = seal_successor("retired.token.one", &pair()).unwrap();
        assert!(!sealed.contains("eyJ"));
        assert_eq!(open_successor("retired.token.one", &sealed), Some(pair()));
        assert_eq!(open_successor("retired.token.two", &sealed), None);
        let mut damaged = sealed.clone();
        damaged.replace_range(20..21, if &sealed[20..21] == "A" { "B" } else { "A" });
        assert_eq!(open_successor("retired.token.one", &damaged), None);
        assert_eq!(open_successor("retired.token.one", "short"), None);
        // Shorter than a nonce, and a nonce with nothing sealed after it.
        assert_eq!(open_successor("retired.token.one", "AAAA"), None);
        assert_eq!(
            open_successor("retired.token.one", "AAAAAAAAAAAAAAAA"),
            None
        );
    }
}
