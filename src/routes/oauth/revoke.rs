//! `POST /oauth/revoke` (RFC 7009): a refresh token's session can no longer refresh, and
//! an access token ends its session the same way. 200 for any token, valid or not (§2.2):
//! the answer says nothing about the token.

use actix_web::{web, HttpRequest, HttpResponse};

use super::client::client_of;
use crate::clock::Clock;
use crate::error::{OAuthError, OAuthErrorBody};
use crate::http::{no_store, Form};
use crate::keys::KeyStore;
use crate::sessions::Sessions;
use crate::tokens::{AccessTokenVerifier, RefreshCheck};

/// RFC 7009 §2.1.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RevokeForm {
    /// A refresh or an access token.
    #[schema(min_length = 1)]
    token: String,
    /// `refresh_token` or `access_token`: a hint only.
    token_type_hint: Option<String>,
    client_id: Option<String>,
}

#[utoipa::path(
    post, path = "/oauth/revoke", tag = "oauth",
    request_body(content = RevokeForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Done, whatever the token was (§2.2); the body is empty."),
        (status = 400, description = "`invalid_request`: no `token`, a repeated parameter, not a form.", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`.", body = OAuthErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"authd\"` when Basic was used."))),
        (status = 413, description = "`invalid_request`: a body over 16 KiB.", body = OAuthErrorBody),
        (status = 503, description = "`temporarily_unavailable`: the denylist is down.", body = OAuthErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
    security((), ("client_basic" = []))
)]
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
