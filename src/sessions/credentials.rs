//! The password check of login and of `/auth/password`: throttled per (account, client),
//! one argon2 verification on every path, and the hash upgraded when it is weaker.

use super::{LoginAttempt, SessionError, Sessions};
use crate::domain::{Email, Password};
use crate::keys::KeyRing;
use crate::store::User;
use crate::throttle::Attempter;
use crate::tokens::{verify_device_token, DeviceId, DeviceOwner};

/// The owner of `user`'s device tokens: they end when the generation is bumped.
pub(super) fn device_owner(user: &User) -> DeviceOwner {
    DeviceOwner {
        user: user.id,
        generation: user.generation,
    }
}

/// A password that matched; with the password when its stored hash is weaker than the
/// current argon2 settings, so the caller may upgrade it.
pub(super) struct PasswordMatch {
    pub weaker_hash: Option<Password>,
}

impl Sessions {
    /// The user whose email and password `attempt` presents, and the device it proved to be
    /// when it presented a live device token of that user. Unknown and malformed accounts
    /// are counted exactly like known ones.
    pub(super) async fn check_credentials(
        &self,
        ring: &KeyRing,
        attempt: LoginAttempt<'_>,
        now: i64,
    ) -> Result<(User, Option<DeviceId>), SessionError> {
        let email = Email::parse(attempt.email).ok();
        let account = email.as_ref().map_or_else(
            || attempt.email.trim().to_lowercase(),
            |e| e.as_str().to_owned(),
        );
        let user = match &email {
            Some(email) => self.users.by_email(email).await?,
            None => None,
        };
        // A device token of an older generation, or past its lifetime, is no device token.
        let device = attempt
            .device_token
            .zip(user.as_ref())
            .and_then(|(token, user)| {
                verify_device_token(ring, device_owner(user), token, now, self.device_ttl)
            });
        let attempter = device.map_or(Attempter::Ip(attempt.ip), |id| {
            Attempter::Device(id.to_string())
        });
        let checked = self
            .check_password(&account, &attempter, attempt.password, user.as_ref(), now)
            .await?;
        let (Some(user), Some(matched)) = (user, checked) else {
            return Err(SessionError::InvalidCredentials);
        };
        if let Some(password) = matched.weaker_hash {
            self.upgrade_hash(&user, password).await;
        }
        Ok((user, device))
    }

    /// Admits the attempt, verifies `presented` against `user`'s hash (or a dummy one, so
    /// time does not tell whether the account exists), and counts the outcome. Only a
    /// password too long to be valid is refused without hashing. `None`: no match.
    pub(super) async fn check_password(
        &self,
        account: &str,
        attempter: &Attempter,
        presented: &str,
        user: Option<&User>,
        now: i64,
    ) -> Result<Option<PasswordMatch>, SessionError> {
        self.throttle.admit(account, attempter, now).await?;
        let verified = match Password::presented(presented) {
            Some(password) => {
                let stored = user.map(|u| u.password_hash.clone());
                let verification = self.hasher.verify(password.clone(), stored).await?;
                verification.matches.then_some((verification, password))
            }
            None => None,
        };
        // The attempt was counted when admitted; only a success changes the counts.
        let (Some(_), Some((verification, password))) = (user, verified) else {
            return Ok(None);
        };
        self.throttle
            .record_success(account, attempter, now)
            .await?;
        Ok(Some(PasswordMatch {
            weaker_hash: verification.needs_rehash.then_some(password),
        }))
    }

    /// Re-hashes a password stored under weaker argon2 settings. Best effort: a failure only
    /// means the upgrade waits for the next login.
    async fn upgrade_hash(&self, user: &User, password: Password) {
        let stored = match self.hasher.hash(password).await {
            Ok(new) => {
                self.users
                    .upgrade_password_hash(user.id, &user.password_hash, &new)
                    .await
            }
            Err(err) => {
                log::warn!("could not upgrade the hash of user {}: {err}", user.id);
                return;
            }
        };
        match stored {
            Ok(()) => log::info!("upgraded the password hash of user {}", user.id),
            Err(err) => log::warn!(
                "could not store the upgraded hash of user {}: {err}",
                user.id
            ),
        }
    }
}
