//! `POST /auth/refresh` (rotate) and `POST /auth/logout` (end the session).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::body::JsonObject;
use super::no_store;
use crate::error::ApiError;
use crate::sessions::issue_token_pair;
use crate::state::AppState;
use crate::store::{Retirement, Rotation};
use crate::throttle::RateLimitedClient;
use crate::tokens::{verify_refresh_token, RefreshCheck, TokenPair};

#[derive(Deserialize)]
pub struct RefreshRequest {
    refresh_token: String,
}

pub async fn refresh(
    state: web::Data<AppState>,
    _client: RateLimitedClient,
    body: JsonObject<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let ring = state.keys.current();
    let policy = &state.policy;
    let claims = verify_refresh_token(&ring, policy, &body.refresh_token, now, RefreshCheck::Live)
        .map_err(|err| {
            log::debug!("refresh token rejected: {err}");
            ApiError::InvalidGrant
        })?;
    // The user is re-read: a deleted user or a bumped generation ends every older token,
    // and new roles reach the next access token.
    let user = state
        .users
        .by_id(claims.sub)
        .await?
        .ok_or(ApiError::InvalidGrant)?;
    if user.generation != claims.gen {
        return Err(ApiError::InvalidGrant);
    }
    let session = claims.session();
    let (pair, _) = issue_token_pair(&ring, policy, &user, session, now)?;
    let successor = (policy.reuse_grace > 0)
        .then(|| serde_json::to_string(&pair).map(|json| (json, now + policy.reuse_grace)))
        .transpose()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let retirement = Retirement {
        jti: claims.jti,
        sid: claims.sid,
        jti_expires_at: claims.exp.saturating_add(policy.leeway),
        session_expires_at: session.ends_at(policy).saturating_add(policy.leeway),
        successor,
    };
    let pair = match state.denylist.rotate(&retirement, now).await? {
        Rotation::Rotated => pair,
        Rotation::Reused(json) => serde_json::from_str::<TokenPair>(&json)
            .map_err(|e| ApiError::Internal(format!("stored successor pair: {e}")))?,
        Rotation::Replayed => {
            log::warn!(
                "refresh token replayed for user {}: session {} revoked",
                claims.sub,
                claims.sid
            );
            return Err(ApiError::InvalidGrant);
        }
        Rotation::SessionRevoked => return Err(ApiError::InvalidGrant),
    };
    Ok(no_store(HttpResponse::Ok().json(pair)))
}

pub async fn logout(
    state: web::Data<AppState>,
    body: JsonObject<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let ring = state.keys.current();
    let policy = &state.policy;
    // An expired or already-revoked token still logs out: only a forged one is refused.
    let claims = verify_refresh_token(
        &ring,
        policy,
        &body.refresh_token,
        now,
        RefreshCheck::SignatureOnly,
    )
    .map_err(|err| {
        log::debug!("logout token rejected: {err}");
        ApiError::InvalidGrant
    })?;
    let until = claims
        .session()
        .ends_at(policy)
        .saturating_add(policy.leeway);
    state
        .denylist
        .revoke_session(claims.sid, until, now)
        .await?;
    log::info!(
        "logout of user {}: session {} revoked",
        claims.sub,
        claims.sid
    );
    Ok(HttpResponse::NoContent().finish())
}
