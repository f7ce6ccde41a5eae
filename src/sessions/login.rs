//! Login: the throttled credential check, then a new session and its first token pair.

use std::net::IpAddr;

use super::{issue_token_pair, SessionError, Sessions};
use crate::keys::KeyRing;
use crate::store::User;
use crate::throttle::Attempter;
use crate::tokens::{issue_device_token, Session, TokenError, TokenPair};

/// What a login presents.
#[derive(Clone, Copy)]
pub struct LoginAttempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub device_token: Option<&'a str>,
    pub ip: IpAddr,
}

/// A session just started.
#[derive(Debug)]
pub struct LoggedIn {
    pub user: User,
    pub session: Session,
    pub pair: TokenPair,
    /// The device token the client should send back next time (the same one it presented
    /// when that one was valid).
    pub device_token: String,
}

impl Sessions {
    /// Checks the credentials and starts a session at `now`.
    pub async fn log_in(
        &self,
        ring: &KeyRing,
        attempt: LoginAttempt<'_>,
        now: i64,
    ) -> Result<LoggedIn, SessionError> {
        let (user, attempter) = self.check_credentials(ring, attempt, now).await?;
        let session = Session::start(now);
        let (pair, _) = issue_token_pair(ring, &self.policy, &user, session, now)?;
        let device_token = match attempter {
            Attempter::Device(_) => attempt.device_token.map(str::to_owned),
            Attempter::Ip(_) => issue_device_token(ring, user.id, now),
        }
        .ok_or(SessionError::Signing(TokenError::NoSigningKey))?;
        log::info!("login of user {}", user.id);
        Ok(LoggedIn {
            user,
            session,
            pair,
            device_token,
        })
    }
}
