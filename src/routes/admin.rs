//! `GET /admin/users`: the user list, oldest first, for holders of the `admin` role.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::error::ApiError;
use crate::extractor::{Admin, RequireRole};
use crate::http::{no_store, rfc3339};
use crate::sessions::Sessions;

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;

#[derive(Deserialize)]
pub struct ListQuery {
    limit: Option<u32>,
    offset: Option<u64>,
}

pub async fn list_users(
    sessions: web::Data<Sessions>,
    _admin: RequireRole<Admin>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = match query.limit {
        None => DEFAULT_LIMIT,
        Some(0) => return Err(ApiError::InvalidRequest("limit must be at least 1".into())),
        Some(limit) => limit.min(MAX_LIMIT),
    };
    let offset = query.offset.unwrap_or(0);
    let (users, total) = sessions.users.list(limit, offset).await?;
    let users: Vec<_> = users
        .iter()
        .map(|u| {
            let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
            json!({"id": u.id, "email": u.email.as_str(), "roles": roles, "created_at": rfc3339(u.created_at)})
        })
        .collect();
    Ok(no_store(
        HttpResponse::Ok().json(json!({ "users": users, "total": total })),
    ))
}
