//! `POST /auth/register`: create an account.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::http::{rfc3339, JsonObject};
use crate::sessions::Sessions;

#[derive(Deserialize)]
pub struct RegisterRequest {
    email: String,
    password: String,
}

pub async fn register(
    sessions: web::Data<Sessions>,
    body: JsonObject<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = sessions.register(&body.email, &body.password).await?;
    Ok(HttpResponse::Created().json(json!({
        "id": user.id,
        "email": user.email.as_str(),
        "created_at": rfc3339(user.created_at),
    })))
}
