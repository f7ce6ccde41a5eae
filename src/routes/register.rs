//! `POST /auth/register`: create an account.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::body::JsonObject;
use super::rfc3339;
use crate::domain::{Email, Password};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{InsertUserError, NewUser};
use crate::throttle::RateLimitedClient;

#[derive(Deserialize)]
pub struct RegisterRequest {
    email: String,
    password: String,
}

pub async fn register(
    state: web::Data<AppState>,
    _client: RateLimitedClient,
    body: JsonObject<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = Email::parse(&body.email).map_err(|e| ApiError::InvalidEmail(e.to_string()))?;
    let password = Password::parse(&body.password, &email, &state.password_policy)
        .map_err(|e| ApiError::WeakPassword(e.to_string()))?;
    // Register answers 409 for a taken email anyway, so checking first reveals nothing
    // more and spares a hash; the unique index still decides a race.
    if state.users.by_email(&email).await?.is_some() {
        return Err(ApiError::EmailTaken);
    }
    let hash = state.hasher.hash(password).await?;
    let user = state
        .users
        .insert(&NewUser::new(email, hash, Vec::new()))
        .await
        .map_err(|err| match err {
            InsertUserError::EmailTaken => ApiError::EmailTaken,
            InsertUserError::Store(err) => err.into(),
        })?;
    log::info!("registered user {}", user.id);
    Ok(HttpResponse::Created().json(json!({
        "id": user.id,
        "email": user.email,
        "created_at": rfc3339(user.created_at),
    })))
}
