//! Device tokens: `<kid>.<device id>.<issued at>.<HMAC(user, generation, issued at, id)>`,
//! proof that a client logged in to this account (OWASP's device-cookie defence against
//! lockout by spraying).
//!
//! A device token exempts its holder from the account-wide cap on failed logins, so it must
//! not outlast the reason it was given: it is bound to the user's token generation (a
//! password change or logout-all ends it) and lives `AUTHD_DEVICE_TTL` from its issue. One
//! that has ended is simply not a device token; its client is counted by address.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use uuid::Uuid;

use crate::keys::KeyRing;

/// Longer than any token authd issues: refused before any decoding.
const MAX_DEVICE_TOKEN_BYTES: usize = 512;

/// Whose device a token marks: a user, at their token generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceOwner {
    pub user: Uuid,
    pub generation: i64,
}

/// A device's random id: what the throttle counts it by, kept across renewals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceId([u8; 16]);

impl DeviceId {
    pub fn random() -> Self {
        let mut id = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut id);
        DeviceId(id)
    }
}

impl std::fmt::Display for DeviceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

/// A device token and how long it lives, in seconds.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceToken {
    pub token: String,
    pub expires_in: i64,
}

/// A credential: `{:?}` never shows it.
impl std::fmt::Debug for DeviceToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceToken")
            .field("token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// A device token for device `id` of `owner`, issued at `now` and living `ttl` seconds,
/// signed with the current signing key's derived secret.
pub fn issue_device_token(
    ring: &KeyRing,
    owner: DeviceOwner,
    id: DeviceId,
    now: i64,
    ttl: i64,
) -> Option<DeviceToken> {
    let key = ring.signing_key(now)?;
    let secrets = key.secrets.as_ref()?;
    let tag = aws_lc_rs::hmac::sign(&secrets.device, &message(owner, id, now));
    Some(DeviceToken {
        token: format!(
            "{}.{id}.{now}.{}",
            key.kid,
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        ),
        expires_in: ttl,
    })
}

/// The device of `token` when it is a device token of `owner` (their current generation)
/// that was issued less than `ttl` seconds before `now`.
pub fn verify_device_token(
    ring: &KeyRing,
    owner: DeviceOwner,
    token: &str,
    now: i64,
    ttl: i64,
) -> Option<DeviceId> {
    if token.len() > MAX_DEVICE_TOKEN_BYTES {
        return None;
    }
    // From the right: a kid is a file name and may hold dots, the other parts cannot.
    let mut parts = token.rsplitn(4, '.');
    let (tag, issued_at, id, kid) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if !issued_at.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let issued_at: i64 = issued_at.parse().ok()?;
    if now >= issued_at.saturating_add(ttl) {
        return None;
    }
    let secrets = ring.get(kid)?.secrets.as_ref()?;
    let id = DeviceId(URL_SAFE_NO_PAD.decode(id).ok()?.try_into().ok()?);
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    aws_lc_rs::hmac::verify(&secrets.device, &message(owner, id, issued_at), &tag).ok()?;
    Some(id)
}

/// What the MAC covers: fixed-width fields, so no two tokens share a message.
fn message(owner: DeviceOwner, id: DeviceId, issued_at: i64) -> Vec<u8> {
    let mut message = Vec::with_capacity(48);
    message.extend_from_slice(owner.user.as_bytes());
    message.extend_from_slice(&owner.generation.to_be_bytes());
    message.extend_from_slice(&issued_at.to_be_bytes());
    message.extend_from_slice(&id.0);
    message
}

#[cfg(test)]
mod tests;
