//! `POST /auth/logout-all` and `POST /auth/password`: the signed-in user's own account.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::clock::Clock;
use crate::error::ApiError;
use crate::extractor::AuthenticatedUser;
use crate::http::{ClientIp, JsonObject};
use crate::sessions::Sessions;

/// Every refresh token of the user issued before stops working.
pub async fn logout_all(
    sessions: web::Data<Sessions>,
    user: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    sessions.log_out_everywhere(user.id()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct ChangePasswordRequest {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    (sessions, clock): (web::Data<Sessions>, web::Data<dyn Clock>),
    user: AuthenticatedUser,
    ClientIp(ip): ClientIp,
    body: JsonObject<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let ChangePasswordRequest {
        current_password,
        new_password,
    } = body.into_inner();
    sessions
        .change_password(user.id(), &current_password, &new_password, ip, clock.now())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
