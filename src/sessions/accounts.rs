//! Accounts: registration and the signed-in user's password change.

use std::net::IpAddr;

use uuid::Uuid;

use super::{SessionError, Sessions};
use crate::domain::{Email, Password};
use crate::metrics::Revocation;
use crate::revocation::Revoked;
use crate::store::{InsertUserError, NewUser, User};
use crate::throttle::Attempter;

impl Sessions {
    /// Creates an account with no roles.
    pub async fn register(&self, email: &str, password: &str) -> Result<User, SessionError> {
        let email = Email::parse(email).map_err(SessionError::InvalidEmail)?;
        let password = Password::parse(password, &email, &self.passwords)
            .map_err(SessionError::WeakPassword)?;
        // Register answers 409 for a taken email anyway, so checking first reveals nothing
        // more and spares a hash; the unique index still decides a race.
        if self.users.by_email(&email).await?.is_some() {
            return Err(SessionError::EmailTaken);
        }
        let hash = self.hasher.hash(password).await?;
        let user = self
            .users
            .insert(&NewUser::new(email, hash, Vec::new()))
            .await
            .map_err(|err| match err {
                InsertUserError::EmailTaken => SessionError::EmailTaken,
                InsertUserError::Store(err) => err.into(),
            })?;
        log::info!("registered user {}", user.id);
        Ok(user)
    }

    /// Replaces the password of user `id` after checking the current one, and bumps the
    /// generation (every refresh token issued before stops working). Failed checks count
    /// like failed logins: a stolen access token must not become a password-guessing oracle.
    pub async fn change_password(
        &self,
        id: Uuid,
        current: &str,
        new: &str,
        ip: IpAddr,
        now: i64,
    ) -> Result<(), SessionError> {
        let user = self
            .users
            .by_id(id)
            .await?
            .ok_or(SessionError::UnknownUser)?;
        let attempter = Attempter::Ip(ip);
        let account = user.email.as_str();
        if self
            .check_password(account, &attempter, current, Some(&user), now)
            .await?
            .is_none()
        {
            return Err(SessionError::WrongCurrentPassword);
        }
        let new = Password::parse(new, &user.email, &self.passwords)
            .map_err(SessionError::WeakPassword)?;
        let hash = self.hasher.hash(new).await?;
        self.users.change_password(id, &hash).await?;
        let gen = self.current_generation(id).await?;
        self.revoke_access(Revoked::User { sub: id, gen }, now)
            .await?;
        self.metrics.count_revocation(Revocation::PasswordChange);
        log::info!("password changed for user {id}");
        Ok(())
    }
}
