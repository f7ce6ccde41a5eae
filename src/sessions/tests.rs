//! The flows on the memory stores with time as a parameter: no HTTP, no database.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use super::*;
use crate::domain::ClientId;
use crate::keys::generate::{generate_key, KeyAlgorithm};
use crate::keys::{KeyRing, KeyStore};
use crate::settings::{ThrottleSettings, TokenSettings};
use crate::store::{
    MemoryCounters, MemoryDenylist, MemoryRevocations, MemoryUserStore, RefreshDenylist,
    Retirement, Rotation, StoreError,
};
use crate::throttle::ThrottleError;
use crate::tokens::{RefreshCheck, TokenPair};

const NOW: i64 = 1_900_000_000;
const EMAIL: &str = "alice@example.com";
const PASSWORD: &str = "correct horse battery staple";
const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
static CLIENT: LazyLock<ClientId> = LazyLock::new(|| ClientId::parse("authd").unwrap());

struct Fixture {
    _dir: tempfile::TempDir,
    keys: KeyStore,
    sessions: Sessions,
}

fn fixture(grace: u64) -> Fixture {
    crate::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    generate_key(dir.path(), KeyAlgorithm::Eddsa, chrono::Utc::now()).unwrap();
    let keys = KeyStore::open(dir.path(), 300).unwrap();
    let tokens = TokenSettings {
        issuer: "authd".into(),
        audience: "authd".into(),
        client_ids: "authd".parse().unwrap(),
        access_ttl: 900,
        refresh_ttl: 3_600,
        session_ttl: 86_400,
        refresh_reuse_grace: grace,
        leeway: 30,
        token_cache: 0,
    };
    let throttle = ThrottleSettings {
        login_max_failures: 5,
        login_window: 900,
        ip_rate_limit: 0,
        trusted_proxies: Default::default(),
        device_ttl: 7_776_000,
    };
    let sessions = Sessions {
        users: Arc::new(MemoryUserStore::new()),
        denylist: Arc::new(MemoryDenylist::new()),
        hasher: PasswordHasher::new("m=64,t=1,p=1".parse().unwrap(), 1, 4).unwrap(),
        throttle: Arc::new(Throttle::new(Arc::new(MemoryCounters::new()), &throttle)),
        policy: TokenPolicy::new(&tokens),
        passwords: PasswordPolicy::new(15),
        device_ttl: 7_776_000,
        metrics: Default::default(),
        revocations: Arc::new(Revocations::new(
            Arc::new(MemoryRevocations::new()),
            Default::default(),
        )),
    };
    Fixture {
        _dir: dir,
        keys,
        sessions,
    }
}

fn attempt(password: &str) -> LoginAttempt<'_> {
    LoginAttempt {
        email: EMAIL,
        password,
        device_token: None,
        ip: IP,
        client: &CLIENT,
    }
}

impl Fixture {
    fn ring(&self) -> Arc<KeyRing> {
        self.keys.current()
    }

    async fn logged_in(&self) -> LoggedIn {
        self.sessions.register(EMAIL, PASSWORD).await.unwrap();
        self.sessions
            .log_in(&self.ring(), attempt(PASSWORD), NOW)
            .await
            .unwrap()
    }

    async fn refresh(&self, token: &str, now: i64) -> Result<TokenPair, SessionError> {
        let ring = self.ring();
        let claims = self
            .sessions
            .verify_refresh(&ring, token, now, RefreshCheck::Live)?;
        self.sessions
            .rotate(&ring, token, &claims, &CLIENT, now)
            .await
    }
}

#[tokio::test]
async fn a_login_starts_a_session_whose_tokens_share_its_sid() {
    let f = fixture(0);
    let logged_in = f.logged_in().await;
    let claims = f
        .sessions
        .verify_refresh(
            &f.ring(),
            &logged_in.pair.refresh_token,
            NOW,
            RefreshCheck::Live,
        )
        .unwrap();
    assert_eq!(claims.sid, logged_in.session.sid);
    assert_eq!(claims.auth_time, NOW);
    assert_eq!(logged_in.pair.expires_in, 900);
    assert!(!logged_in.device.token.is_empty());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_error() {
    let f = fixture(0);
    f.sessions.register(EMAIL, PASSWORD).await.unwrap();
    let ring = f.ring();
    let wrong = f
        .sessions
        .log_in(&ring, attempt("wrong horse battery staple"), NOW);
    assert!(matches!(wrong.await, Err(SessionError::InvalidCredentials)));
    let unknown = LoginAttempt {
        email: "nobody@example.com",
        ..attempt(PASSWORD)
    };
    let unknown = f.sessions.log_in(&f.ring(), unknown, NOW).await;
    assert!(matches!(unknown, Err(SessionError::InvalidCredentials)));
}

#[tokio::test]
async fn failures_past_the_limit_are_throttled_until_the_window_ends() {
    let f = fixture(0);
    f.sessions.register(EMAIL, PASSWORD).await.unwrap();
    let ring = f.ring();
    for _ in 0..5 {
        let wrong = f
            .sessions
            .log_in(&ring, attempt("wrong horse battery staple"), NOW);
        assert!(matches!(wrong.await, Err(SessionError::InvalidCredentials)));
    }
    let refused = f
        .sessions
        .log_in(&f.ring(), attempt(PASSWORD), NOW + 1)
        .await;
    assert!(matches!(
        refused,
        Err(SessionError::Throttled(ThrottleError::Limited { .. }))
    ));
    let later = f
        .sessions
        .log_in(&f.ring(), attempt(PASSWORD), NOW + 900)
        .await;
    assert!(later.is_ok());
}

#[tokio::test]
async fn a_rotation_keeps_the_session_and_a_replay_revokes_it() {
    let f = fixture(0);
    let first = f.logged_in().await.pair;
    let second = f.refresh(&first.refresh_token, NOW + 10).await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    let replay = f.refresh(&first.refresh_token, NOW + 20).await;
    assert!(matches!(replay, Err(SessionError::InvalidGrant)));
    // The replay revoked the whole session: its newest token is dead too.
    let newest = f.refresh(&second.refresh_token, NOW + 30).await;
    assert!(matches!(newest, Err(SessionError::InvalidGrant)));
}

#[tokio::test]
async fn without_grace_a_retry_in_the_same_second_is_a_replay() {
    let f = fixture(0);
    let first = f.logged_in().await.pair;
    f.refresh(&first.refresh_token, NOW + 1).await.unwrap();
    // No window at all, not one of zero seconds: nothing is kept to hand out again.
    let retried = f.refresh(&first.refresh_token, NOW + 1).await;
    assert!(matches!(retried, Err(SessionError::InvalidGrant)));
}

#[tokio::test]
async fn within_the_grace_window_a_retry_gets_the_same_successor() {
    let f = fixture(10);
    let first = f.logged_in().await.pair;
    let rotated = f.refresh(&first.refresh_token, NOW + 1).await.unwrap();
    let retried = f.refresh(&first.refresh_token, NOW + 5).await.unwrap();
    assert_eq!(retried, rotated);
    let late = f.refresh(&first.refresh_token, NOW + 20).await;
    assert!(matches!(late, Err(SessionError::InvalidGrant)));
}

#[tokio::test]
async fn a_refresh_token_past_its_expiry_is_refused_by_the_injected_clock() {
    let f = fixture(0);
    let first = f.logged_in().await.pair;
    let expired = f.refresh(&first.refresh_token, NOW + 3_600 + 31).await;
    assert!(matches!(expired, Err(SessionError::InvalidGrant)));
}

#[tokio::test]
async fn logout_ends_the_session_and_logout_everywhere_ends_every_one() {
    let f = fixture(0);
    let logged_in = f.logged_in().await;
    let ring = f.ring();
    let claims = f
        .sessions
        .verify_refresh(
            &ring,
            &logged_in.pair.refresh_token,
            NOW,
            RefreshCheck::SignatureOnly,
        )
        .unwrap();
    f.sessions.log_out(&claims, NOW + 1).await.unwrap();
    let after = f.refresh(&logged_in.pair.refresh_token, NOW + 2).await;
    assert!(matches!(after, Err(SessionError::InvalidGrant)));

    let other = f
        .sessions
        .log_in(&ring, attempt(PASSWORD), NOW + 3)
        .await
        .unwrap();
    f.sessions
        .log_out_everywhere(other.user.id, NOW)
        .await
        .unwrap();
    let after = f.refresh(&other.pair.refresh_token, NOW + 4).await;
    assert!(matches!(after, Err(SessionError::InvalidGrant)));
}

#[tokio::test]
async fn a_password_change_checks_the_current_one_and_ends_older_tokens() {
    let f = fixture(0);
    let logged_in = f.logged_in().await;
    let id = logged_in.user.id;
    let new = "a completely different passphrase";
    let wrong = f
        .sessions
        .change_password(id, "not it at all, no", new, IP, NOW);
    assert!(matches!(
        wrong.await,
        Err(SessionError::WrongCurrentPassword)
    ));
    let weak = f.sessions.change_password(id, PASSWORD, "short", IP, NOW);
    assert!(matches!(weak.await, Err(SessionError::WeakPassword(_))));
    f.sessions
        .change_password(id, PASSWORD, new, IP, NOW)
        .await
        .unwrap();
    let old = f.refresh(&logged_in.pair.refresh_token, NOW + 1).await;
    assert!(matches!(old, Err(SessionError::InvalidGrant)));
    assert!(f
        .sessions
        .log_in(&f.ring(), attempt(new), NOW + 2)
        .await
        .is_ok());
}

#[tokio::test]
async fn registration_parses_once_and_refuses_a_taken_email() {
    let f = fixture(0);
    let user = f
        .sessions
        .register(" Alice@Example.COM ", PASSWORD)
        .await
        .unwrap();
    assert_eq!(user.email.as_str(), EMAIL);
    let again = f.sessions.register(EMAIL, PASSWORD).await;
    assert!(matches!(again, Err(SessionError::EmailTaken)));
    let bad = f.sessions.register("not an email", PASSWORD).await;
    assert!(matches!(bad, Err(SessionError::InvalidEmail(_))));
}

/// A store that never answers a rotation (as Redis in a stall), then fails the first
/// `unanswered` take-backs and answers the rest.
struct StalledDenylist {
    unanswered: u32,
    abandons: AtomicU32,
}

#[async_trait::async_trait]
impl RefreshDenylist for StalledDenylist {
    async fn rotate(&self, _: &Retirement, _: i64) -> Result<Rotation, StoreError> {
        Err(StoreError::unavailable(anyhow::anyhow!("stalled")))
    }

    async fn abandon(&self, _: &Retirement) -> Result<(), StoreError> {
        let call = self.abandons.fetch_add(1, Ordering::SeqCst);
        if call < self.unanswered {
            return Err(StoreError::unavailable(anyhow::anyhow!("still stalled")));
        }
        Ok(())
    }

    async fn revoke_session(&self, _: uuid::Uuid, _: i64, _: i64) -> Result<(), StoreError> {
        Ok(())
    }

    async fn check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[tokio::test]
async fn an_unanswered_rotation_is_taken_back_until_the_store_answers_three_times() {
    let mut f = fixture(0);
    let first = f.logged_in().await.pair;
    let stalled = Arc::new(StalledDenylist {
        unanswered: 2,
        abandons: Default::default(),
    });
    f.sessions.denylist = stalled.clone();
    let calls = || stalled.abandons.load(Ordering::SeqCst);

    let refused = f.refresh(&first.refresh_token, NOW + 1).await;
    assert!(
        matches!(refused, Err(SessionError::Store(_))),
        "{refused:?}"
    );
    // Two failed take-backs, then three answered ones, ABANDON_PAUSE (250 ms) apart.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while calls() < 5 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(calls(), 5, "the take-back stopped early");
    // Then it stops: four more pauses bring no sixth call.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(calls(), 5, "the take-back went on after three answers");
}

mod revocations;
