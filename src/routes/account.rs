//! `POST /auth/logout-all` and `POST /auth/password`: the signed-in user's own account.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::body::JsonObject;
use crate::domain::{Email, Password};
use crate::error::ApiError;
use crate::extractor::AuthenticatedUser;
use crate::state::AppState;
use crate::throttle::{Attempter, ClientIp};

/// Bumps the user's token generation: every refresh token issued before is rejected.
/// Access tokens already issued live on until their `exp` (they are never looked up).
pub async fn logout_all(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    state.users.bump_generation(user.id()).await?;
    log::info!("logout-all of user {}", user.id());
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct ChangePasswordRequest {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    state: web::Data<AppState>,
    user: AuthenticatedUser,
    ClientIp(ip): ClientIp,
    body: JsonObject<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let ChangePasswordRequest {
        current_password,
        new_password,
    } = body.into_inner();
    let stored = state
        .users
        .by_id(user.id())
        .await?
        .ok_or(ApiError::InvalidToken)?;
    // Failed checks count like failed logins: a stolen access token must not become a
    // password-guessing oracle.
    let now = state.now();
    let attempter = Attempter::Ip(ip);
    state.throttle.admit(&stored.email, &attempter, now).await?;
    let matches = match Password::presented(&current_password) {
        Some(current) => {
            state
                .hasher
                .verify(current, Some(stored.password_hash.clone()))
                .await?
                .matches
        }
        None => false,
    };
    if !matches {
        state
            .throttle
            .record_failure(&stored.email, &attempter, now)
            .await?;
        return Err(ApiError::WrongCurrentPassword);
    }
    state
        .throttle
        .record_success(&stored.email, &attempter)
        .await?;
    let email = Email::parse(&stored.email)
        .map_err(|e| ApiError::Internal(format!("stored email: {e}")))?;
    let new = Password::parse(&new_password, &email, &state.password_policy)
        .map_err(|e| ApiError::WeakPassword(e.to_string()))?;
    let hash = state.hasher.hash(new).await?;
    state.users.change_password(user.id(), &hash).await?;
    log::info!("password changed for user {}", user.id());
    Ok(HttpResponse::NoContent().finish())
}
