//! The one typed configuration: every setting is a `--flag` and an `AUTHD_*` variable,
//! grouped by the subsystem that reads it, so each part of the server receives only its own.

mod parse;
mod redact;

use std::path::PathBuf;

use clap::Args;

use crate::domain::ClientIds;
use crate::hashing::Argon2Settings;
use parse::{
    parse_argon2, parse_cidrs, parse_client_ids, parse_cors_origins, parse_min_length,
    parse_non_empty, parse_on_off, parse_positive_duration, parse_positive_u32,
    parse_positive_usize, parse_public_url, parse_usize,
};
pub use parse::{parse_duration, CorsOrigins, TrustedProxies};
pub use redact::Secret;

/// Settings shared by `serve` and every other subcommand, so they act on the same
/// database and keys as the running server.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Listen address.
    #[arg(
        long,
        env = "AUTHD_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,

    /// HTTP worker threads, each serving its share of the connections (default: one per
    /// core the process may run on).
    #[arg(long, env = "AUTHD_WORKERS", value_parser = parse_positive_usize, global = true)]
    pub workers: Option<usize>,

    /// The absolute URL clients reach authd at: the base of the server metadata's URLs
    /// (default `http://` + the bound address).
    #[arg(long, env = "AUTHD_PUBLIC_URL", value_parser = parse_public_url, global = true)]
    pub public_url: Option<String>,

    #[command(flatten)]
    pub database: DatabaseSettings,
    #[command(flatten)]
    pub redis: RedisSettings,
    #[command(flatten)]
    pub keys: KeySettings,
    #[command(flatten)]
    pub tokens: TokenSettings,
    #[command(flatten)]
    pub throttle: ThrottleSettings,
    #[command(flatten)]
    pub hashing: HashingSettings,
    #[command(flatten)]
    pub browser: BrowserSettings,
    #[command(flatten)]
    pub operations: OperationsSettings,
}

/// Where the users (the truth) live.
#[derive(Clone, Args)]
pub struct DatabaseSettings {
    /// Users (the truth): `sqlite://PATH` or `postgres://…`.
    #[arg(
        id = "database_url",
        long = "database-url",
        env = "AUTHD_DATABASE_URL",
        default_value = "sqlite://data/authd.db",
        global = true
    )]
    pub url: String,

    /// Most connections each instance opens to the database.
    #[arg(id = "database_max_connections", long = "database-max-connections", env = "AUTHD_DATABASE_MAX_CONNECTIONS", default_value = "10", value_parser = parse_positive_u32, global = true)]
    pub max_connections: u32,
}

/// The shared ephemeral store: the denylist and rate counters of every instance.
#[derive(Clone, Args)]
pub struct RedisSettings {
    /// When set, the refresh-token denylist and rate counters live in Redis.
    #[arg(
        id = "redis_url",
        long = "redis-url",
        env = "AUTHD_REDIS_URL",
        global = true
    )]
    pub url: Option<String>,

    /// Prefix of every Redis key, so deployments can share one Redis.
    #[arg(
        id = "redis_prefix",
        long = "redis-prefix",
        env = "AUTHD_REDIS_PREFIX",
        default_value = "authd",
        global = true
    )]
    pub prefix: String,

    /// Longest wait for one Redis operation (connecting included) before it fails with 503.
    #[arg(id = "redis_timeout", long = "redis-timeout", env = "AUTHD_REDIS_TIMEOUT", default_value = "1", value_parser = parse_positive_duration, global = true)]
    pub timeout: u64,
}

/// The signing-key folder and its publication.
#[derive(Debug, Clone, Args)]
pub struct KeySettings {
    /// Folder of signing keys.
    #[arg(
        id = "keys_dir",
        long = "keys-dir",
        env = "AUTHD_KEYS_DIR",
        default_value = "keys",
        global = true
    )]
    pub dir: PathBuf,

    /// `Cache-Control: max-age` of the JWKS; a new key signs once published this long plus
    /// the reload interval.
    #[arg(long, env = "AUTHD_JWKS_MAX_AGE", default_value = "300", value_parser = parse_duration, global = true)]
    pub jwks_max_age: u64,

    /// Seconds between re-reads of the keys folder (SIGHUP re-reads at once): the longest an
    /// instance can take to publish a new key.
    #[arg(id = "keys_reload", long = "keys-reload", env = "AUTHD_KEYS_RELOAD", default_value = "30", value_parser = parse_positive_duration, global = true)]
    pub reload: u64,
}

/// Names and lifetimes of the tokens.
#[derive(Debug, Clone, Args)]
pub struct TokenSettings {
    /// `iss` of every token.
    #[arg(long, env = "AUTHD_ISSUER", default_value = "authd", value_parser = parse_non_empty, global = true)]
    pub issuer: String,

    /// `aud` of every access token.
    #[arg(long, env = "AUTHD_AUDIENCE", default_value = "authd", value_parser = parse_non_empty, global = true)]
    pub audience: String,

    /// Comma-separated public client ids; the first is the `client_id` of the JSON endpoints.
    #[arg(long, env = "AUTHD_CLIENT_IDS", default_value = "authd", value_parser = parse_client_ids, global = true)]
    pub client_ids: ClientIds,

    /// Access-token lifetime (seconds, or `15m`, `2h`, `14d`).
    #[arg(long, env = "AUTHD_ACCESS_TTL", default_value = "900", value_parser = parse_positive_duration, global = true)]
    pub access_ttl: u64,

    /// Refresh-token lifetime.
    #[arg(long, env = "AUTHD_REFRESH_TTL", default_value = "1209600", value_parser = parse_positive_duration, global = true)]
    pub refresh_ttl: u64,

    /// Absolute session lifetime, counted from login.
    #[arg(long, env = "AUTHD_SESSION_TTL", default_value = "2592000", value_parser = parse_positive_duration, global = true)]
    pub session_ttl: u64,

    /// Seconds in which a just-retired refresh token returns the same successor pair; 0: off.
    #[arg(long, env = "AUTHD_REFRESH_REUSE_GRACE", default_value = "10", value_parser = parse_duration, global = true)]
    pub refresh_reuse_grace: u64,

    /// Clock-skew allowance on `exp`/`nbf`/`iat`.
    #[arg(long, env = "AUTHD_LEEWAY", default_value = "30", value_parser = parse_duration, global = true)]
    pub leeway: u64,

    /// Verified access tokens kept in memory (0 = no cache): a repeated token is checked
    /// by its hash, its times and the revocation facts, not its signature.
    #[arg(
        long,
        env = "AUTHD_TOKEN_CACHE",
        default_value = "100000",
        global = true
    )]
    pub token_cache: u64,
}

/// Login limits and who counts as the client.
#[derive(Debug, Clone, Args)]
pub struct ThrottleSettings {
    /// Failed logins per (account, client IP) within the window before 429.
    #[arg(long, env = "AUTHD_LOGIN_MAX_FAILURES", default_value = "5", value_parser = parse_positive_u32, global = true)]
    pub login_max_failures: u32,

    /// Window of the failed-login count.
    #[arg(long, env = "AUTHD_LOGIN_WINDOW", default_value = "900", value_parser = parse_positive_duration, global = true)]
    pub login_window: u64,

    /// Requests per minute per client IP to register/login/refresh; 0 turns it off.
    #[arg(long, env = "AUTHD_IP_RATE_LIMIT", default_value = "30", global = true)]
    pub ip_rate_limit: u32,

    /// Comma-separated CIDRs whose `X-Forwarded-For` is believed.
    #[arg(long, env = "AUTHD_TRUSTED_PROXIES", default_value = "", value_parser = parse_cidrs, global = true)]
    pub trusted_proxies: TrustedProxies,

    /// Lifetime of a device token, which exempts its holder from the account-wide cap.
    #[arg(long, env = "AUTHD_DEVICE_TTL", default_value = "7776000", value_parser = parse_positive_duration, global = true)]
    pub device_ttl: u64,
}

/// Password rules and the argon2 pool.
#[derive(Debug, Clone, Args)]
pub struct HashingSettings {
    /// Shortest password accepted (code points after NFKC); never below 8.
    #[arg(long, env = "AUTHD_PASSWORD_MIN_LENGTH", default_value = "15", value_parser = parse_min_length, global = true)]
    pub password_min_length: usize,

    /// argon2id cost, `m=KiB,t=passes,p=lanes`.
    #[arg(long, env = "AUTHD_ARGON2", default_value = "m=19456,t=2,p=1", value_parser = parse_argon2, global = true)]
    pub argon2: Argon2Settings,

    /// Password hashes computed at once (default: the number of cores).
    #[arg(long, env = "AUTHD_HASH_WORKERS", value_parser = parse_positive_usize, global = true)]
    pub hash_workers: Option<usize>,

    /// Password hashes allowed to wait for a worker before 503.
    #[arg(long, env = "AUTHD_HASH_QUEUE", value_parser = parse_usize, global = true)]
    pub hash_queue: Option<usize>,
}

impl HashingSettings {
    /// Workers (default: one per core) and the queue in front of them (default: twice that).
    pub fn pool_size(&self) -> (usize, usize) {
        let workers = self
            .hash_workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
        (workers, self.hash_queue.unwrap_or(workers * 2))
    }
}

/// Browser clients: the cookie carrier and the origins allowed cross-origin.
#[derive(Debug, Clone, Args)]
pub struct BrowserSettings {
    /// Comma-separated origins allowed cross-origin (`*`: any, never with credentials).
    #[arg(long, env = "AUTHD_CORS_ORIGINS", default_value = "", value_parser = parse_cors_origins, global = true)]
    pub cors_origins: CorsOrigins,

    /// `on`: a login with `X-Auth-Transport: cookie` answers in HttpOnly cookies.
    #[arg(long, env = "AUTHD_COOKIES", default_value = "off", value_parser = parse_on_off, action = clap::ArgAction::Set, global = true)]
    pub cookies: bool,
}

/// What operators see: logs, metrics, shutdown.
#[derive(Debug, Clone, Args)]
pub struct OperationsSettings {
    /// `text`, or `json`: one JSON object per line.
    #[arg(
        long,
        env = "AUTHD_LOG_FORMAT",
        default_value = "text",
        value_enum,
        global = true
    )]
    pub log_format: LogFormat,

    /// On SIGTERM/SIGINT: stop accepting, let requests in flight finish for at most this long.
    #[arg(long, env = "AUTHD_SHUTDOWN_TIMEOUT", default_value = "30", value_parser = parse_duration, global = true)]
    pub shutdown_timeout: u64,

    /// Separate listener for `GET /metrics` (Prometheus text); `off`: none.
    #[arg(
        long,
        env = "AUTHD_METRICS_BIND",
        default_value = "127.0.0.1:9464",
        global = true
    )]
    pub metrics_bind: String,

    /// Shared secret other services present (Bearer) to read `GET /auth/revocations`;
    /// unset: the feed is off.
    #[arg(
        long,
        env = "AUTHD_REVOCATIONS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub revocations_token: Option<Secret>,
}

impl OperationsSettings {
    /// The metrics listener's address, or `None` for `off`.
    pub fn metrics_listener(&self) -> Option<&str> {
        let bind = self.metrics_bind.trim();
        (!bind.eq_ignore_ascii_case("off")).then_some(bind)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(clap::Parser)]
    struct Program {
        #[command(flatten)]
        settings: Settings,
    }

    #[test]
    fn the_grace_window_is_on_by_default_for_ten_seconds() {
        use clap::Parser;
        let program = Program::try_parse_from(["authd"]).unwrap();
        assert_eq!(program.settings.tokens.refresh_reuse_grace, 10);
    }

    #[test]
    fn the_worker_count_defaults_to_actix_and_must_be_positive() {
        use clap::Parser;
        let program = Program::try_parse_from(["authd"]).unwrap();
        assert_eq!(program.settings.workers, None);
        let program = Program::try_parse_from(["authd", "--workers", "1"]).unwrap();
        assert_eq!(program.settings.workers, Some(1));
        assert!(Program::try_parse_from(["authd", "--workers", "0"]).is_err());
    }
}
