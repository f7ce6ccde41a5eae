//! Algorithm attacks (RFC 8725 §2.1–2.2, §3.1; jwt_tool `-X a`, `-X k`; CVE-2022-21449):
//! `alg: none`, stripped and empty signatures, HMAC keyed with the server's public key, and
//! the ECDSA all-zero signature.

use authd::keys::generate::{generate_key, KeyAlgorithm};
use serde_json::{json, Value};

use super::keys::server_key;
use super::{b64, compact, hmac, signing_input, spawn_target, spawn_target_with, Target};
use crate::helpers::jwt_part;

#[tokio::test]
async fn alg_none_in_every_capitalization_is_rejected() {
    let target = spawn_target().await;
    let (header, _) = target.genuine_access();
    let claims = target.escalated_claims();
    let genuine_signature = target.victim.access.rsplit('.').next().unwrap().to_owned();
    let (refresh_header, refresh_claims) = (
        jwt_part(&target.victim.refresh, 0),
        jwt_part(&target.victim.refresh, 1),
    );
    for alg in ["none", "None", "NONE", "nOnE"] {
        for with_kid in [true, false] {
            for (kind, header, claims) in [
                ("access", &header, &claims),
                ("refresh", &refresh_header, &refresh_claims),
            ] {
                let mut header = header.clone();
                header["alg"] = json!(alg);
                if !with_kid {
                    header.as_object_mut().unwrap().remove("kid");
                }
                let input = signing_input(&header, claims);
                for (shape, token) in [
                    ("empty signature", format!("{input}.")),
                    ("stripped signature", input.clone()),
                    (
                        "original signature kept",
                        format!("{input}.{genuine_signature}"),
                    ),
                ] {
                    let case = format!("{kind} alg {alg:?} (kid: {with_kid}), {shape}");
                    if kind == "access" {
                        target.assert_access_rejected(&token, &case).await;
                    } else {
                        target.assert_grant_rejected(&token, &case).await;
                    }
                }
            }
        }
    }
    target.assert_unharmed().await;
}

#[tokio::test]
async fn a_genuine_token_with_its_signature_stripped_or_emptied_is_rejected() {
    let target = spawn_target().await;
    let access = &target.victim.access;
    let refresh = &target.victim.refresh;
    let strip = |token: &str| token.rsplit_once('.').unwrap().0.to_owned();
    for (case, token) in [
        ("access header.payload.", format!("{}.", strip(access))),
        ("access header.payload", strip(access)),
        (
            "access header..",
            format!("{}..", access.split('.').next().unwrap()),
        ),
    ] {
        target.assert_access_rejected(&token, case).await;
    }
    for (case, token) in [
        ("refresh header.payload.", format!("{}.", strip(refresh))),
        ("refresh header.payload", strip(refresh)),
    ] {
        target.assert_grant_rejected(&token, case).await;
    }
    target.assert_unharmed().await;
}

/// Signs `claims` with HMAC under every form of the public key, for HS256/384/512.
async fn assert_public_key_as_hmac_secret_is_rejected(target: &Target) {
    let key = server_key(&target.app);
    let jwks = target
        .app
        .client
        .get(target.app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let claims = target.escalated_claims();
    let (_, refresh_claims) = (
        jwt_part(&target.victim.refresh, 0),
        jwt_part(&target.victim.refresh, 1),
    );
    let forms = key.public_key_forms(&jwks);
    assert!(forms.len() >= 8, "public key forms: {}", forms.len());
    for (form, secret) in &forms {
        for alg in ["HS256", "HS384", "HS512"] {
            let header = json!({"alg": alg, "kid": key.kid, "typ": "at+jwt"});
            let input = signing_input(&header, &claims);
            let token = format!("{input}.{}", b64(hmac(alg, secret, &input)));
            let case = format!("{} key, {alg} keyed with the {form}", key.alg_name());
            target.assert_access_rejected(&token, &case).await;
        }
        let header = json!({"alg": "HS256", "kid": key.kid, "typ": "rt+jwt"});
        let input = signing_input(&header, &refresh_claims);
        let token = format!("{input}.{}", b64(hmac("HS256", secret, &input)));
        let case = format!("refresh token keyed with the {form}");
        target.assert_grant_rejected(&token, &case).await;
    }
    target.assert_unharmed().await;
}

#[tokio::test]
async fn hs256_keyed_with_the_ed25519_public_key_is_rejected() {
    let target = spawn_target().await;
    assert_public_key_as_hmac_secret_is_rejected(&target).await;
}

#[tokio::test]
async fn hs256_keyed_with_the_p256_public_key_is_rejected() {
    let target = spawn_target_with(|s| {
        generate_key(&s.keys.dir, KeyAlgorithm::Es256, chrono::Utc::now()).unwrap();
    })
    .await;
    assert_public_key_as_hmac_secret_is_rejected(&target).await;
}

#[tokio::test]
async fn hs256_keyed_with_the_rsa_public_key_is_rejected() {
    let target = spawn_target_with(|s| {
        generate_key(&s.keys.dir, KeyAlgorithm::Rs256, chrono::Utc::now()).unwrap();
    })
    .await;
    assert_public_key_as_hmac_secret_is_rejected(&target).await;
}

/// CVE-2022-21449 ("psychic signatures"): r = s = 0 and its relatives must never verify.
#[tokio::test]
async fn es256_all_zero_and_out_of_range_signatures_are_rejected() {
    let target = spawn_target_with(|s| {
        generate_key(&s.keys.dir, KeyAlgorithm::Es256, chrono::Utc::now()).unwrap();
    })
    .await;
    let (header, _) = target.genuine_access();
    assert_eq!(header["alg"], "ES256", "ES256 is the configured algorithm");
    let claims = target.escalated_claims();
    // n, the order of P-256.
    let n: Vec<u8> = (0..32)
        .map(|i| {
            u8::from_str_radix(
                &"FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"
                    [i * 2..i * 2 + 2],
                16,
            )
            .unwrap()
        })
        .collect();
    let zero = [0u8; 32];
    let mut one = [0u8; 32];
    one[31] = 1;
    let join = |r: &[u8], s: &[u8]| [r, s].concat();
    let signatures: Vec<(&str, Vec<u8>)> = vec![
        ("r = s = 0", join(&zero, &zero)),
        ("r = s = n", join(&n, &n)),
        ("r = 0, s = n", join(&zero, &n)),
        ("r = n, s = 0", join(&n, &zero)),
        ("r = 0, s = 1", join(&zero, &one)),
        ("r = 1, s = 0", join(&one, &zero)),
        (
            "DER r = s = 0",
            vec![0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00],
        ),
        ("one zero byte", vec![0]),
    ];
    for (case, signature) in signatures {
        let token = compact(&header, &claims, &signature);
        target.assert_access_rejected(&token, case).await;
        let unescalated: Value = jwt_part(&target.victim.access, 1);
        let token = compact(&header, &unescalated, &signature);
        target
            .assert_access_rejected(&token, &format!("{case}, genuine claims"))
            .await;
    }
    target.assert_unharmed().await;
}

/// The control for the HMAC forgeries above: under a folder whose key really is an HS256
/// secret, the same forger makes tokens authd accepts, so their rejection is the server's.
#[tokio::test]
async fn the_hmac_forger_is_sound_against_a_real_hs256_key() {
    let secret = b"an HS256 secret of at least 32 bytes, for the control".to_vec();
    let target = spawn_target_with(|s| {
        std::fs::create_dir_all(&s.keys.dir).unwrap();
        std::fs::write(s.keys.dir.join("20260101T000000Z-hs256.hs256"), &secret).unwrap();
    })
    .await;
    let (header, _) = target.genuine_access();
    assert_eq!(header["alg"], "HS256");
    let token = super::hs256_token(&secret, &header, &target.escalated_claims());
    let response = target.app.get_with_token("/admin/users", &token).await;
    assert_eq!(
        response.status(),
        200,
        "a forgery under the real secret works"
    );
    target.assert_unharmed().await;
}
