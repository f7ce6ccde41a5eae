//! `POST /oauth/revoke` (RFC 7009): a refresh token's session can no longer refresh, and
//! an access token ends its session the same way. 200 for any token, valid or not (§2.2):
//! the answer says nothing about the token.

use actix_web::{web, HttpRequest, HttpResponse};

use super::client::client_of;
use crate::clock::Clock;
use crate::error::OAuthError;
use crate::http::{no_store, Form};
use crate::keys::KeyStore;
use crate::sessions::Sessions;
use crate::tokens::{AccessTokenVerifier, RefreshCheck};

pub async fn revoke(
    req: HttpRequest,
    (sessions, keys, clock): (
        web::Data<Sessions>,
        web::Data<KeyStore>,
        web::Data<dyn Clock>,
    ),
    verifier: web::Data<AccessTokenVerifier>,
    form: Form,
) -> Result<HttpResponse, OAuthError> {
    client_of(&req, &form, &sessions.policy.client_ids)?;
    let token = form.required("token")?;
    let (now, ring) = (clock.now(), keys.current());
    // Both kinds are tried whatever `token_type_hint` says (§2.1: a hint, not a rule);
    // their `typ` and keys keep them apart. An expired token needs no revoking.
    if let Ok(claims) = sessions.verify_refresh(&ring, token, now, RefreshCheck::SignatureOnly) {
        sessions.log_out(&claims, now).await?;
    } else if let Ok(claims) = verifier.verify_at(token, now) {
        sessions.revoke_session_of(&claims, now).await?;
    }
    Ok(no_store(HttpResponse::Ok().finish()))
}
