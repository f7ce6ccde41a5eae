//! `GET /admin/users`: the user list, oldest first, for holders of the `admin` role.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{ApiError, ErrorBody};
use crate::extractor::{Admin, RequireRole};
use crate::http::{no_store, rfc3339};
use crate::sessions::Sessions;

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Users per page: default 50, at least 1, larger than 200 is capped.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 4294967295_u64)]
    limit: Option<u32>,
    /// Users to skip.
    #[param(maximum = 9223372036854775807_u64)]
    offset: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct UserList<'a> {
    users: Vec<UserSummary<'a>>,
    /// All users, whatever the page.
    total: u64,
}

#[derive(Serialize, ToSchema)]
pub struct UserSummary<'a> {
    id: Uuid,
    email: &'a str,
    roles: Vec<&'a str>,
    #[schema(format = DateTime)]
    created_at: String,
}

#[utoipa::path(
    get, path = "/admin/users", tag = "accounts",
    params(ListQuery),
    responses(
        (status = 200, description = "One page of users, oldest first.", body = UserList),
        (status = 400, description = "`invalid_request`: a bad `limit` or `offset`.", body = ErrorBody),
        (status = 401, description = "`invalid_token`: no, or no valid, access token.", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"authd\"`, with `error=\"invalid_token\"` for a bad token."))),
        (status = 403, description = "`insufficient_scope`: the caller lacks the `admin` role.", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"authd\", error=\"insufficient_scope\"`"))),
        (status = 503, description = "`unavailable`: the database is down.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
    security(("bearer" = []), ("access_cookie" = []))
)]
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
    // The stores count in i64 (SQL); the document says so.
    let offset = match query.offset {
        Some(offset) if offset > i64::MAX as u64 => {
            return Err(ApiError::InvalidRequest("offset is too large".into()))
        }
        offset => offset.unwrap_or(0),
    };
    let (users, total) = sessions.users.list(limit, offset).await?;
    let users = users
        .iter()
        .map(|u| UserSummary {
            id: u.id,
            email: u.email.as_str(),
            roles: u.roles.iter().map(|r| r.as_str()).collect(),
            created_at: rfc3339(u.created_at),
        })
        .collect();
    Ok(no_store(HttpResponse::Ok().json(UserList { users, total })))
}
