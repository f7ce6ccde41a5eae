//! `POST /auth/refresh` (rotate) and `POST /auth/logout` (end the session). The refresh
//! token comes in the body, or for a cookie session in the `authd_refresh` cookie; a
//! cookie session is answered in cookies.

use actix_web::{web, HttpRequest, HttpResponse};

use super::no_store;
use crate::browser::{
    check_csrf, clear_session_cookies, issue_csrf_token, session_in_cookies, RefreshCarrier,
};
use crate::error::ApiError;
use crate::keys::KeyRing;
use crate::sessions::issue_token_pair;
use crate::state::AppState;
use crate::store::{Retirement, Rotation};
use crate::throttle::RateLimitedClient;
use crate::tokens::{verify_refresh_token, RefreshCheck, RefreshClaims, TokenPair};

pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    _client: RateLimitedClient,
    carrier: RefreshCarrier,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let ring = state.keys.current();
    let claims = presented(&req, &state, &ring, &carrier, RefreshCheck::Live)?;
    let pair = rotate(&state, &ring, &claims, now).await?;
    match carrier {
        RefreshCarrier::Body(_) => Ok(no_store(HttpResponse::Ok().json(pair))),
        RefreshCarrier::Cookie(_) => {
            let csrf = issue_csrf_token(&ring, claims.sid, now)
                .ok_or_else(|| ApiError::Internal("no key can sign CSRF tokens".into()))?;
            Ok(session_in_cookies(HttpResponse::Ok(), &pair, csrf, None))
        }
    }
}

/// Verifies the presented refresh token, and for a cookie the CSRF echo bound to its session.
fn presented(
    req: &HttpRequest,
    state: &AppState,
    ring: &KeyRing,
    carrier: &RefreshCarrier,
    check: RefreshCheck,
) -> Result<RefreshClaims, ApiError> {
    let claims = verify_refresh_token(ring, &state.policy, carrier.token(), state.now(), check)
        .map_err(|err| {
            log::debug!("refresh token rejected: {err}");
            ApiError::InvalidGrant
        })?;
    if let RefreshCarrier::Cookie(_) = carrier {
        check_csrf(req, ring, claims.sid)?;
    }
    Ok(claims)
}

/// Re-reads the user, mints the successor pair and retires the presented token in one
/// atomic store step. A deleted user or a bumped generation ends every older token, and
/// new roles reach the next access token.
async fn rotate(
    state: &AppState,
    ring: &KeyRing,
    claims: &RefreshClaims,
    now: i64,
) -> Result<TokenPair, ApiError> {
    let policy = &state.policy;
    let user = state
        .users
        .by_id(claims.sub)
        .await?
        .ok_or(ApiError::InvalidGrant)?;
    if user.generation != claims.gen {
        return Err(ApiError::InvalidGrant);
    }
    let session = claims.session();
    let (pair, _) = issue_token_pair(ring, policy, &user, session, now)?;
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
    match state.denylist.rotate(&retirement, now).await? {
        Rotation::Rotated => Ok(pair),
        Rotation::Reused(json) => serde_json::from_str::<TokenPair>(&json)
            .map_err(|e| ApiError::Internal(format!("stored successor pair: {e}"))),
        Rotation::Replayed => {
            log::warn!(
                "refresh token replayed for user {}: session {} revoked",
                claims.sub,
                claims.sid
            );
            Err(ApiError::InvalidGrant)
        }
        Rotation::SessionRevoked => Err(ApiError::InvalidGrant),
    }
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    carrier: RefreshCarrier,
) -> Result<HttpResponse, ApiError> {
    let now = state.now();
    let ring = state.keys.current();
    // An expired or already-revoked token still logs out: only a forged one is refused.
    let claims = presented(&req, &state, &ring, &carrier, RefreshCheck::SignatureOnly)?;
    let until = claims
        .session()
        .ends_at(&state.policy)
        .saturating_add(state.policy.leeway);
    state
        .denylist
        .revoke_session(claims.sid, until, now)
        .await?;
    log::info!(
        "logout of user {}: session {} revoked",
        claims.sub,
        claims.sid
    );
    let mut response = HttpResponse::NoContent();
    if state.cookies {
        clear_session_cookies(&mut response);
    }
    Ok(response.finish())
}
