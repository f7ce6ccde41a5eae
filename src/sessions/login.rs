//! Login: the throttled credential check, then a new session and its first token pair.

use std::net::IpAddr;

use super::credentials::device_owner;
use super::{issue_token_pair, SessionError, Sessions};
use crate::domain::ClientId;
use crate::hashing::HashError;
use crate::keys::KeyRing;
use crate::metrics::LoginOutcome;
use crate::store::User;
use crate::throttle::ThrottleError;
use crate::tokens::{issue_device_token, DeviceId, DeviceToken, Session, TokenError, TokenPair};

/// What a login presents.
#[derive(Clone, Copy)]
pub struct LoginAttempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub device_token: Option<&'a str>,
    pub ip: IpAddr,
    /// The client the tokens are issued to.
    pub client: &'a ClientId,
}

/// A session just started.
#[derive(Debug)]
pub struct LoggedIn {
    pub user: User,
    pub session: Session,
    pub pair: TokenPair,
    /// The device token the client should send back next time: for the device it proved to
    /// be, renewed, so a device in use stays known; else for a new device.
    pub device: DeviceToken,
}

impl Sessions {
    /// Checks the credentials and starts a session at `now`.
    pub async fn log_in(
        &self,
        ring: &KeyRing,
        attempt: LoginAttempt<'_>,
        now: i64,
    ) -> Result<LoggedIn, SessionError> {
        let result = self.start_session(ring, attempt, now).await;
        self.metrics.count_login(login_outcome(&result));
        result
    }

    async fn start_session(
        &self,
        ring: &KeyRing,
        attempt: LoginAttempt<'_>,
        now: i64,
    ) -> Result<LoggedIn, SessionError> {
        let (user, device) = self.check_credentials(ring, attempt, now).await?;
        let session = Session::start(now);
        let (pair, _) = issue_token_pair(ring, &self.policy, &user, session, attempt.client, now)?;
        let id = device.unwrap_or_else(DeviceId::random);
        let device = issue_device_token(ring, device_owner(&user), id, now, self.device_ttl)
            .ok_or(SessionError::Signing(TokenError::NoSigningKey))?;
        log::info!("login of user {}", user.id);
        Ok(LoggedIn {
            user,
            session,
            pair,
            device,
        })
    }
}

/// What the metrics call the result of a login.
fn login_outcome(result: &Result<LoggedIn, SessionError>) -> LoginOutcome {
    match result {
        Ok(_) => LoginOutcome::Success,
        Err(SessionError::InvalidCredentials) => LoginOutcome::InvalidCredentials,
        Err(SessionError::Throttled(ThrottleError::Limited { .. })) => LoginOutcome::Throttled,
        Err(SessionError::Hashing(HashError::Busy)) => LoginOutcome::Busy,
        Err(_) => LoginOutcome::Unavailable,
    }
}
