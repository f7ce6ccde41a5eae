//! The library's feed subscriber ([`RemoteRevocations`]) against a real authd: a logout
//! reaches a verifier in another service within milliseconds; a lost stream resumes from
//! its cursor; a feed lost for longer than its grace is reported, and refused on when the
//! verifier is told to.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use authd::revocation::{FeedPolicy, RemoteRevocations};
use authd::settings::Secret;
use authd::tokens::{AccessTokenVerifier, StalePolicy, TokenError};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{spawn_app_with, TestApp, PASSWORD};

const SECRET: &str = "a-feed-secret-of-some-length";
const TRIALS: usize = 200;

async fn app_with_feed() -> TestApp {
    spawn_app_with(|settings| {
        settings.operations.revocations_token = Some(Secret::new(SECRET));
        settings.throttle.ip_rate_limit = 0;
    })
    .await
}

/// A grace short enough for a test to outwait.
fn quick_policy() -> FeedPolicy {
    FeedPolicy {
        stale_after: Duration::from_millis(500),
        min_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        ..FeedPolicy::default()
    }
}

fn follow(app: &TestApp, base: &str, policy: FeedPolicy) -> RemoteRevocations {
    let url = format!("{base}/auth/revocations");
    let clock = Arc::new(app.clock.clone());
    RemoteRevocations::spawn_with_clock(&url, Secret::new(SECRET), policy, clock).unwrap()
}

/// Another service's verifier: authd's keys (as its JWKS would give them) and the feed.
fn verifier(
    app: &TestApp,
    feed: &RemoteRevocations,
    when_stale: StalePolicy,
) -> AccessTokenVerifier {
    let tokens = &app.settings.tokens;
    AccessTokenVerifier::new(
        app.keys.clone(),
        &tokens.issuer,
        &tokens.audience,
        tokens.leeway as i64,
        Arc::new(app.clock.clone()),
    )
    .with_revocations(feed.set(), when_stale)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_logout_reaches_another_services_verifier_within_a_second() {
    let app = app_with_feed().await;
    let feed = follow(&app, &app.address, FeedPolicy::default());
    assert!(feed.wait_until_current(Duration::from_secs(5)).await);
    let verifier = verifier(&app, &feed, StalePolicy::KeepVerifying);
    app.signed_up("many@example.com").await;

    let mut delays = Vec::with_capacity(TRIALS);
    for _ in 0..TRIALS {
        let login = app.logged_in("many@example.com", PASSWORD).await;
        assert!(verifier.verify(&login.access).is_ok());
        let logout = app.logout(&login.refresh).await;
        assert_eq!(logout.status(), StatusCode::NO_CONTENT);
        let logged_out = Instant::now();
        while verifier.verify(&login.access).is_ok() {
            assert!(
                logged_out.elapsed() < Duration::from_secs(5),
                "never refused"
            );
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        delays.push(logged_out.elapsed());
        assert_eq!(verifier.verify(&login.access), Err(TokenError::Revoked));
    }

    delays.sort();
    let at = |q: f64| delays[((delays.len() as f64 * q) as usize).min(delays.len() - 1)];
    let (p50, p99, max) = (at(0.50), at(0.99), delays[delays.len() - 1]);
    println!("revocation authd→subscriber ({TRIALS} trials): p50 {p50:?} p99 {p99:?} max {max:?}");
    assert!(p99 < Duration::from_secs(1), "p99 {p99:?}");
    let status = feed.status();
    assert!(status.current && status.connected, "{status:?}");
    assert_eq!(status.facts, TRIALS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_stream_resumes_from_its_cursor_and_misses_nothing() {
    let app = app_with_feed().await;
    let proxy = Proxy::start(app.port).await;
    let feed = follow(&app, &proxy.url(), quick_policy());
    assert!(feed.wait_until_current(Duration::from_secs(5)).await);
    let verifier = verifier(&app, &feed, StalePolicy::KeepVerifying);
    let before = app.signed_up("before@example.com").await;
    app.logout(&before.refresh).await;
    eventually(|| verifier.verify(&before.access).is_err()).await;

    proxy.refuse(true);
    let during = app.signed_up("during@example.com").await;
    assert_eq!(
        app.logout(&during.refresh).await.status(),
        StatusCode::NO_CONTENT
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        verifier.verify(&during.access).is_ok(),
        "the cut stream cannot know"
    );
    proxy.refuse(false);

    eventually(|| verifier.verify(&during.access).is_err()).await;
    assert_eq!(verifier.verify(&before.access), Err(TokenError::Revoked));
    let heads = proxy.heads();
    let resumed = heads.last().unwrap().to_ascii_lowercase();
    assert!(heads.len() >= 2, "{heads:?}");
    assert!(
        !heads[0].to_ascii_lowercase().contains("last-event-id"),
        "{}",
        heads[0]
    );
    assert!(resumed.contains("last-event-id: "), "{resumed}");
    assert!(feed.status().disconnects >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_lost_past_its_grace_is_reported_and_refused_on_when_the_verifier_says_so() {
    let app = app_with_feed().await;
    let proxy = Proxy::start(app.port).await;
    let feed = follow(&app, &proxy.url(), quick_policy());
    assert!(feed.wait_until_current(Duration::from_secs(5)).await);
    let (keeps, refuses) = (
        verifier(&app, &feed, StalePolicy::KeepVerifying),
        verifier(&app, &feed, StalePolicy::Refuse),
    );
    let alive = app.signed_up("alive@example.com").await;
    assert!(refuses.verify(&alive.access).is_ok());

    proxy.refuse(true);
    // Within the grace the set is still current: a reconnect is not a lost feed.
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(feed.status().current, "{:?}", feed.status());
    eventually(|| !feed.status().current).await;

    let status = feed.status();
    assert!(!status.connected, "{status:?}");
    assert!(status.last_error.is_some(), "{status:?}");
    assert!(keeps.verify(&alive.access).is_ok());
    assert_eq!(
        refuses.verify(&alive.access),
        Err(TokenError::RevocationsUnknown)
    );

    proxy.refuse(false);
    assert!(feed.wait_until_current(Duration::from_secs(5)).await);
    assert!(refuses.verify(&alive.access).is_ok());
}

#[tokio::test]
async fn a_wrong_secret_is_never_current_and_says_why() {
    let app = app_with_feed().await;
    let url = format!("{}/auth/revocations", app.address);
    let wrong = Secret::new("not-the-feed-secret-at-all");
    let feed = RemoteRevocations::spawn(&url, wrong, quick_policy()).unwrap();

    assert!(!feed.wait_until_current(Duration::from_millis(700)).await);
    let status = feed.status();
    assert!(!status.current && !status.connected, "{status:?}");
    assert_eq!(status.last_error.as_deref(), Some("answered HTTP 401"));
}

#[tokio::test]
async fn the_feed_metrics_say_whether_it_is_current() {
    let app = app_with_feed().await;
    let feed = follow(&app, &app.address, quick_policy());
    let registry = prometheus::Registry::new();
    feed.register(&registry).unwrap();
    assert!(feed.wait_until_current(Duration::from_secs(5)).await);
    let login = app.signed_up("metrics@example.com").await;
    app.logout(&login.refresh).await;
    eventually(|| feed.status().facts == 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let text = prometheus::TextEncoder::new()
        .encode_to_string(&registry.gather())
        .unwrap();
    let value = |name: &str| -> f64 {
        let line = text
            .lines()
            .find(|line| line.starts_with(&format!("{name} ")));
        let line = line.unwrap_or_else(|| panic!("{name} in {text}"));
        line[name.len() + 1..].parse().unwrap()
    };
    assert_eq!(value("authd_revocation_feed_current"), 1.0);
    assert_eq!(value("authd_revocation_feed_connected"), 1.0);
    assert_eq!(value("authd_revocation_feed_facts"), 1.0);
    assert_eq!(value("authd_revocation_feed_disconnects_total"), 0.0);
    assert!(value("authd_revocation_feed_last_sync_timestamp_seconds") > 0.0);
}

async fn eventually(check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !check() {
        assert!(Instant::now() < deadline, "not within 5 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A TCP proxy in front of authd that can cut every connection and refuse new ones, and
/// keeps the head of each request it forwarded.
struct Proxy {
    port: u16,
    refusing: Arc<AtomicBool>,
    heads: Arc<Mutex<Vec<String>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let refusing = Arc::new(AtomicBool::new(false));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (refuse, record) = (refusing.clone(), heads.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if refuse.load(Ordering::SeqCst) {
                    continue; // dropped: closed at once
                }
                let (refuse, record) = (refuse.clone(), record.clone());
                tokio::spawn(relay(client, target, refuse, record));
            }
        });
        Proxy {
            port,
            refusing,
            heads,
            _task: task,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Cuts every open connection and refuses new ones, or accepts them again.
    fn refuse(&self, refusing: bool) {
        self.refusing.store(refusing, Ordering::SeqCst);
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

async fn relay(
    mut client: TcpStream,
    target: u16,
    refusing: Arc<AtomicBool>,
    heads: Arc<Mutex<Vec<String>>>,
) {
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)).await else {
        return;
    };
    let (mut from_client, mut from_server) = ([0u8; 8192], [0u8; 8192]);
    let mut first = true;
    loop {
        if refusing.load(Ordering::SeqCst) {
            return;
        }
        let tick = tokio::time::sleep(Duration::from_millis(20));
        // Whatever is read after the cut is dropped, never forwarded: the flag is checked
        // again between each read and its write.
        tokio::select! {
            read = client.read(&mut from_client) => {
                let Ok(n @ 1..) = read else { return };
                if refusing.load(Ordering::SeqCst) {
                    return;
                }
                if std::mem::take(&mut first) {
                    let head = String::from_utf8_lossy(&from_client[..n]).into_owned();
                    heads.lock().unwrap().push(head);
                }
                if server.write_all(&from_client[..n]).await.is_err() {
                    return;
                }
            }
            read = server.read(&mut from_server) => {
                let Ok(n @ 1..) = read else { return };
                if refusing.load(Ordering::SeqCst) {
                    return;
                }
                if client.write_all(&from_server[..n]).await.is_err() {
                    return;
                }
            }
            _ = tick => {}
        }
    }
}
