//! `POST /auth/login`: email and password for a token pair and a device token.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::body::JsonObject;
use super::no_store;
use crate::browser::{issue_csrf_token, session_in_cookies, wants_cookies, DEVICE_COOKIE};
use crate::domain::{Email, Password};
use crate::error::ApiError;
use crate::keys::KeyRing;
use crate::sessions::issue_token_pair;
use crate::state::AppState;
use crate::store::User;
use crate::throttle::{Attempter, ClientIp, RateLimitedClient};
use crate::tokens::{issue_device_token, verify_device_token, Session, TokenPair};

#[derive(Deserialize)]
pub struct LoginRequest {
    email: String,
    password: String,
    #[serde(default)]
    device_token: Option<String>,
}

#[derive(Serialize)]
struct LoginResponse {
    #[serde(flatten)]
    pair: TokenPair,
    device_token: String,
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    RateLimitedClient(ClientIp(ip)): RateLimitedClient,
    body: JsonObject<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest {
        email,
        password,
        device_token,
    } = body.into_inner();
    let in_cookies = state.cookies && wants_cookies(&req);
    // A browser's device token lives in its HttpOnly cookie.
    let device_token = device_token.or_else(|| {
        in_cookies
            .then(|| req.cookie(DEVICE_COOKIE).map(|c| c.value().to_owned()))
            .flatten()
    });
    let now = state.now();
    let ring = state.keys.current();
    let attempt = Attempt {
        email: &email,
        password: &password,
        device_token: device_token.as_deref(),
        ip,
        now,
    };
    let (user, attempter) = check_credentials(&state, &ring, attempt).await?;
    let session = Session::start(now);
    let (pair, _) = issue_token_pair(&ring, &state.policy, &user, session, now)?;
    let device_token = match &attempter {
        Attempter::Device(_) => device_token,
        Attempter::Ip(_) => issue_device_token(&ring, user.id, now),
    }
    .ok_or_else(|| ApiError::Internal("no key can sign device tokens".into()))?;
    log::info!("login of user {}", user.id);
    if in_cookies {
        let csrf = issue_csrf_token(&ring, session.sid, now)
            .ok_or_else(|| ApiError::Internal("no key can sign CSRF tokens".into()))?;
        return Ok(session_in_cookies(
            HttpResponse::Ok(),
            &pair,
            csrf,
            Some(device_token),
        ));
    }
    Ok(no_store(
        HttpResponse::Ok().json(LoginResponse { pair, device_token }),
    ))
}

/// What a login presents.
struct Attempt<'a> {
    email: &'a str,
    password: &'a str,
    device_token: Option<&'a str>,
    ip: std::net::IpAddr,
    now: i64,
}

/// Throttles the attempt, then checks the password. Every path pays one argon2
/// verification, so time does not tell whether the account exists; only a password too
/// long to be valid is refused without hashing. Unknown and malformed accounts are
/// counted exactly like known ones.
async fn check_credentials(
    state: &AppState,
    ring: &KeyRing,
    attempt: Attempt<'_>,
) -> Result<(User, Attempter), ApiError> {
    let email = Email::parse(attempt.email).ok();
    let account = email.as_ref().map_or_else(
        || attempt.email.trim().to_lowercase(),
        |e| e.as_str().to_owned(),
    );
    let user = match &email {
        Some(email) => state.users.by_email(email).await?,
        None => None,
    };
    let device = attempt
        .device_token
        .zip(user.as_ref())
        .and_then(|(token, user)| verify_device_token(ring, user.id, token));
    let attempter = device.map_or(Attempter::Ip(attempt.ip), Attempter::Device);
    state
        .throttle
        .admit(&account, &attempter, attempt.now)
        .await?;
    let verified = match Password::presented(attempt.password) {
        Some(password) => {
            let stored = user.as_ref().map(|u| u.password_hash.clone());
            let verification = state.hasher.verify(password.clone(), stored).await?;
            verification.matches.then_some((verification, password))
        }
        None => None,
    };
    let (Some(user), Some((verification, password))) = (user, verified) else {
        state
            .throttle
            .record_failure(&account, &attempter, attempt.now)
            .await?;
        return Err(ApiError::InvalidCredentials);
    };
    state.throttle.record_success(&account, &attempter).await?;
    if verification.needs_rehash {
        upgrade_hash(state, &user, password).await;
    }
    Ok((user, attempter))
}

/// Re-hashes a password stored under weaker argon2 settings. Best effort: a failure only
/// means the upgrade waits for the next login.
async fn upgrade_hash(state: &AppState, user: &User, password: Password) {
    match state.hasher.hash(password).await {
        Ok(new) => match state
            .users
            .upgrade_password_hash(user.id, &user.password_hash, &new)
            .await
        {
            Ok(()) => log::info!("upgraded the password hash of user {}", user.id),
            Err(err) => log::warn!(
                "could not store the upgraded hash of user {}: {err}",
                user.id
            ),
        },
        Err(err) => log::warn!("could not upgrade the hash of user {}: {err}", user.id),
    }
}
