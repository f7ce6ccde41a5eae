//! Serialization attacks (RFC 7515 §3.2, §7.2, Appendix C; RFC 8725 §3.4): the JSON
//! serializations of JWS, padded and non-canonical base64url, extra or missing segments and
//! whitespace. Each starts from the victim's genuine token, so a lenient parser would have
//! accepted most of them as that token.

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde_json::json;

use super::spawn_target;

/// The same segment with its unused trailing bits set: decodes to the same bytes under a
/// lenient decoder, so a lenient server would take it for the genuine token.
fn with_trailing_bits(segment: &str) -> Option<String> {
    let unused_bits = (segment.len() * 6) % 8;
    if unused_bits == 0 {
        return None;
    }
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = *segment.as_bytes().last()?;
    let index = ALPHABET.iter().position(|&c| c == last)?;
    let changed = ALPHABET[index | 1] as char;
    let mut out = segment[..segment.len() - 1].to_owned();
    out.push(changed);
    let lenient = GeneralPurpose::new(
        &URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    assert_eq!(
        lenient.decode(&out).unwrap(),
        URL_SAFE_NO_PAD.decode(segment).unwrap(),
        "the non-canonical form decodes to the same bytes"
    );
    (out != segment).then_some(out)
}

fn padded(segment: &str) -> String {
    let pad = (4 - segment.len() % 4) % 4;
    format!("{segment}{}", "=".repeat(pad.max(1)))
}

#[tokio::test]
async fn non_compact_or_non_canonical_encodings_of_a_genuine_token_are_rejected() {
    let target = spawn_target().await;
    let token = target.victim.access.clone();
    let parts: Vec<&str> = token.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let mut cases: Vec<(String, String)> = vec![
        ("signature padded".into(), format!("{h}.{p}.{}", padded(s))),
        ("header padded".into(), format!("{}.{p}.{s}", padded(h))),
        ("payload padded".into(), format!("{h}.{}.{s}", padded(p))),
        (
            "every segment padded".into(),
            format!("{}.{}.{}", padded(h), padded(p), padded(s)),
        ),
        ("four segments".into(), format!("{token}.{s}")),
        (
            "five segments (JWE shape)".into(),
            format!("{h}..{p}.{s}.{s}"),
        ),
        ("trailing dot".into(), format!("{token}.")),
        ("leading dot".into(), format!(".{token}")),
        ("two segments".into(), format!("{h}.{p}")),
        ("one segment".into(), h.to_owned()),
        ("empty header".into(), format!(".{p}.{s}")),
        ("empty payload".into(), format!("{h}..{s}")),
        ("dots only".into(), "..".into()),
        ("space inside".into(), format!("{h}.{p} .{s}")),
        ("tab inside".into(), format!("{h}.{p}\t.{s}")),
        (
            "base64 of the whole token".into(),
            URL_SAFE_NO_PAD.encode(&token),
        ),
    ];
    // Only a token holding '-' or '_' (about 15 in 16 signatures) has a standard-alphabet
    // form that differs from it; otherwise the "forgery" would be the genuine token.
    if token.contains(['-', '_']) {
        cases.push((
            "standard alphabet".into(),
            token.replace('-', "+").replace('_', "/"),
        ));
    }
    for (name, segment) in [("signature", s), ("header", h), ("payload", p)] {
        if let Some(changed) = with_trailing_bits(segment) {
            let token = token.replacen(segment, &changed, 1);
            cases.push((format!("{name} with non-zero trailing bits"), token));
        }
    }
    assert!(
        cases
            .iter()
            .any(|(n, _)| n == "signature with non-zero trailing bits"),
        "an Ed25519 signature always has 4 spare bits"
    );
    let header = URL_SAFE_NO_PAD.decode(h).unwrap();
    let protected = URL_SAFE_NO_PAD.encode(&header);
    let flattened = json!({"protected": protected, "payload": p, "signature": s});
    let general = json!({"payload": p, "signatures": [{"protected": protected, "signature": s}]});
    cases.push(("flattened JSON serialization".into(), flattened.to_string()));
    cases.push(("general JSON serialization".into(), general.to_string()));
    cases.push((
        "flattened JSON, base64url".into(),
        URL_SAFE_NO_PAD.encode(flattened.to_string()),
    ));
    for (name, forged) in &cases {
        if forged
            .bytes()
            .all(|b| b.is_ascii_graphic() || b == b' ' || b == b'\t')
        {
            assert_ne!(forged, &token, "{name} changes the token");
            target.assert_access_rejected(forged, name).await;
        }
    }
    // The refresh endpoint takes the same bad encodings of the genuine refresh token.
    let refresh = target.victim.refresh.clone();
    let parts: Vec<&str> = refresh.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let mut refresh_cases = vec![
        (
            "refresh signature padded".to_owned(),
            format!("{h}.{p}.{}", padded(s)),
        ),
        ("refresh four segments".to_owned(), format!("{refresh}.{s}")),
        ("refresh with a space".to_owned(), format!("{h}.{p}. {s}")),
        ("refresh with a newline".to_owned(), format!("{refresh}\n")),
        (
            "refresh JSON serialization".to_owned(),
            json!({"protected": h, "payload": p, "signature": s}).to_string(),
        ),
    ];
    if let Some(changed) = with_trailing_bits(s) {
        refresh_cases.push((
            "refresh non-canonical signature".to_owned(),
            format!("{h}.{p}.{changed}"),
        ));
    }
    for (name, forged) in &refresh_cases {
        target.assert_grant_rejected(forged, name).await;
    }
    target.assert_unharmed().await;
}
