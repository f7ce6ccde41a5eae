//! `POST /auth/logout-all` and `POST /auth/password`: the signed-in user's own account.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::domain::{Email, Password};
use crate::error::ApiError;
use crate::extractor::AuthenticatedUser;
use crate::state::AppState;

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
    body: web::Json<ChangePasswordRequest>,
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
    let current = Password::presented(&current_password).ok_or(ApiError::WrongCurrentPassword)?;
    let verification = state
        .hasher
        .verify(current, Some(stored.password_hash.clone()))
        .await?;
    if !verification.matches {
        return Err(ApiError::WrongCurrentPassword);
    }
    let email = Email::parse(&stored.email)
        .map_err(|e| ApiError::Internal(format!("stored email: {e}")))?;
    let new = Password::parse(&new_password, &email, &state.password_policy)
        .map_err(|e| ApiError::WeakPassword(e.to_string()))?;
    let hash = state.hasher.hash(new).await?;
    state.users.change_password(user.id(), &hash).await?;
    log::info!("password changed for user {}", user.id());
    Ok(HttpResponse::NoContent().finish())
}
