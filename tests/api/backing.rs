//! The real services behind the scale tests: a fresh PostgreSQL database per test, a
//! Redis key prefix per test on the shared Redis, and a private redis-server a test may
//! stop and start. Each is removed when its guard drops, so tests run in parallel.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::{Connection, Executor, PgConnection};
use uuid::Uuid;

/// The machine's PostgreSQL (trust auth) and Redis; CI provides both.
pub const POSTGRES_SERVER: &str = "postgres://postgres@127.0.0.1:5432";
pub const SHARED_REDIS: &str = "redis://127.0.0.1:6379";

/// A database of its own, dropped (connections and all) when the test ends.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let name = format!("authd_test_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&format!("{POSTGRES_SERVER}/postgres"))
            .await
            .expect("PostgreSQL must run on 127.0.0.1:5432 (user postgres, trust auth)");
        admin
            .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .expect("create the test database");
        let url = format!("{POSTGRES_SERVER}/{name}");
        TestDatabase { name, url }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which must not block on itself: a thread
        // with its own small runtime does the async work.
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(mut admin) =
                    PgConnection::connect(&format!("{POSTGRES_SERVER}/postgres")).await
                {
                    let sql = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
                    let _ = admin.execute(sql.as_str()).await;
                }
            });
        })
        .join();
    }
}

/// A key prefix of its own on the shared Redis; its keys are deleted when the test ends.
pub struct RedisPrefix {
    pub prefix: String,
}

impl RedisPrefix {
    pub fn new() -> Self {
        let prefix = format!("authd_test_{}", Uuid::new_v4().simple());
        let mut conn = shared_redis();
        let pong: String = redis::cmd("PING")
            .query(&mut conn)
            .expect("Redis must answer on 127.0.0.1:6379");
        assert_eq!(pong, "PONG");
        RedisPrefix { prefix }
    }

    /// Every key under the prefix, with its TTL in seconds (-1: none, -2: gone).
    pub fn keys_and_ttls(&self) -> Vec<(String, i64)> {
        let mut conn = shared_redis();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}:*", self.prefix))
            .query(&mut conn)
            .expect("KEYS");
        keys.into_iter()
            .map(|key| {
                let ttl: i64 = redis::cmd("TTL").arg(&key).query(&mut conn).expect("TTL");
                (key, ttl)
            })
            .collect()
    }
}

impl Drop for RedisPrefix {
    fn drop(&mut self) {
        let Ok(mut conn) = redis::Client::open(SHARED_REDIS).and_then(|c| c.get_connection())
        else {
            return;
        };
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}:*", self.prefix))
            .query(&mut conn)
            .unwrap_or_default();
        if !keys.is_empty() {
            let _: Result<i64, _> = redis::cmd("DEL").arg(keys).query(&mut conn);
        }
    }
}

pub fn shared_redis() -> redis::Connection {
    redis::Client::open(SHARED_REDIS)
        .and_then(|client| client.get_connection_with_timeout(Duration::from_secs(2)))
        .expect("Redis must run on 127.0.0.1:6379")
}

/// A redis-server child of this test on a free port (never the shared one), without
/// persistence, that the test may stop and start again on the same port.
pub struct PrivateRedis {
    pub port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut redis = PrivateRedis { port, child: None };
        redis.restart();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Freezes the server (SIGSTOP): it holds its connections and answers nothing, as a
    /// Redis stalled by a slow disk or a long command does.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Wakes a paused server (SIGCONT): it runs what was sent while it slept.
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("redis runs").id().to_string();
        let status = Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill");
        assert!(status.success(), "kill {signal} {pid}");
    }

    /// Kills the server (this test's own child, by its handle).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server on the same port and waits until it answers PING.
    pub fn restart(&mut self) {
        self.stop();
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let pong = redis::Client::open(self.url())
                .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
            if pong.is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the private redis-server on port {} did not start",
            self.port
        );
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
