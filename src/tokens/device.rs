//! Device tokens: `<kid>.<random id>.<HMAC(user id, random id)>`, proof that a client once
//! logged in to this account (OWASP's device-cookie defence against lockout by spraying).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use uuid::Uuid;

use crate::keys::KeyRing;

/// A new device token for `user`, signed with the current signing key's derived secret.
pub fn issue_device_token(ring: &KeyRing, user: Uuid, now: i64) -> Option<String> {
    let key = ring.signing_key(now)?;
    let secrets = key.secrets.as_ref()?;
    let mut id = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut id);
    let tag = aws_lc_rs::hmac::sign(&secrets.device, &message(user, &id));
    Some(format!(
        "{}.{}.{}",
        key.kid,
        URL_SAFE_NO_PAD.encode(id),
        URL_SAFE_NO_PAD.encode(tag.as_ref())
    ))
}

/// The device id of `token` when it is a valid device token of `user`.
pub fn verify_device_token(ring: &KeyRing, user: Uuid, token: &str) -> Option<String> {
    if token.len() > 512 {
        return None;
    }
    let mut parts = token.rsplitn(3, '.');
    let (tag, id, kid) = (parts.next()?, parts.next()?, parts.next()?);
    let secrets = ring.get(kid)?.secrets.as_ref()?;
    let id_bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    aws_lc_rs::hmac::verify(&secrets.device, &message(user, &id_bytes), &tag).ok()?;
    Some(id.to_owned())
}

fn message(user: Uuid, id: &[u8]) -> Vec<u8> {
    let mut message = user.as_bytes().to_vec();
    message.extend_from_slice(id);
    message
}
