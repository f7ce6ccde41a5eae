//! The one typed configuration: every setting is a `--flag` and an `AUTHD_*` variable.

use std::path::PathBuf;

use clap::Args;

use crate::hashing::Argon2Settings;

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

    /// Users (the truth): `sqlite://PATH` or `postgres://…`.
    #[arg(
        long,
        env = "AUTHD_DATABASE_URL",
        default_value = "sqlite://data/authd.db",
        global = true
    )]
    pub database_url: String,

    /// Most connections each instance opens to the database.
    #[arg(long, env = "AUTHD_DATABASE_MAX_CONNECTIONS", default_value = "10", value_parser = parse_positive_u32, global = true)]
    pub database_max_connections: u32,

    /// When set, the refresh-token denylist and rate counters live in Redis.
    #[arg(long, env = "AUTHD_REDIS_URL", global = true)]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key, so deployments can share one Redis.
    #[arg(
        long,
        env = "AUTHD_REDIS_PREFIX",
        default_value = "authd",
        global = true
    )]
    pub redis_prefix: String,

    /// Longest wait for one Redis operation (connecting included) before it fails with 503.
    #[arg(long, env = "AUTHD_REDIS_TIMEOUT", default_value = "1", value_parser = parse_positive_duration, global = true)]
    pub redis_timeout: u64,

    /// Folder of signing keys.
    #[arg(long, env = "AUTHD_KEYS_DIR", default_value = "keys", global = true)]
    pub keys_dir: PathBuf,

    /// `Cache-Control: max-age` of the JWKS, and how long a new key is published before it signs.
    #[arg(long, env = "AUTHD_JWKS_MAX_AGE", default_value = "300", value_parser = parse_duration, global = true)]
    pub jwks_max_age: u64,

    /// `iss` of every token.
    #[arg(long, env = "AUTHD_ISSUER", default_value = "authd", value_parser = parse_non_empty, global = true)]
    pub issuer: String,

    /// `aud` of every access token.
    #[arg(long, env = "AUTHD_AUDIENCE", default_value = "authd", value_parser = parse_non_empty, global = true)]
    pub audience: String,

    /// Access-token lifetime (seconds, or `15m`, `2h`, `14d`).
    #[arg(long, env = "AUTHD_ACCESS_TTL", default_value = "900", value_parser = parse_positive_duration, global = true)]
    pub access_ttl: u64,

    /// Refresh-token lifetime.
    #[arg(long, env = "AUTHD_REFRESH_TTL", default_value = "1209600", value_parser = parse_positive_duration, global = true)]
    pub refresh_ttl: u64,

    /// Absolute session lifetime, counted from login.
    #[arg(long, env = "AUTHD_SESSION_TTL", default_value = "2592000", value_parser = parse_positive_duration, global = true)]
    pub session_ttl: u64,

    /// Seconds in which a just-retired refresh token returns the same successor pair.
    #[arg(long, env = "AUTHD_REFRESH_REUSE_GRACE", default_value = "0", value_parser = parse_duration, global = true)]
    pub refresh_reuse_grace: u64,

    /// Clock-skew allowance on `exp`/`nbf`/`iat`.
    #[arg(long, env = "AUTHD_LEEWAY", default_value = "30", value_parser = parse_duration, global = true)]
    pub leeway: u64,

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

    /// Comma-separated origins allowed cross-origin (`*`: any, never with credentials).
    #[arg(long, env = "AUTHD_CORS_ORIGINS", default_value = "", global = true)]
    pub cors_origins: String,

    /// `on`: a login with `X-Auth-Transport: cookie` answers in HttpOnly cookies.
    #[arg(long, env = "AUTHD_COOKIES", default_value = "off", value_parser = parse_on_off, action = clap::ArgAction::Set, global = true)]
    pub cookies: bool,
}

/// CIDRs of reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<ipnet::IpNet>);

impl TrustedProxies {
    pub fn contains(&self, ip: &std::net::IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }
}

/// Parses `900`, `30s`, `15m`, `2h`, `14d` into seconds.
pub fn parse_duration(value: &str) -> Result<u64, String> {
    let value = value.trim();
    let (digits, unit) = match value.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => value.split_at(at),
        None => (value, "s"),
    };
    let multiplier = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "'{value}' is not a duration (use seconds, or 30s, 15m, 2h, 14d)"
            ))
        }
    };
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("'{value}' is not a duration (use seconds, or 30s, 15m, 2h, 14d)"))?;
    number
        .checked_mul(multiplier)
        .filter(|secs| *secs <= i64::MAX as u64 / 2)
        .ok_or_else(|| format!("'{value}' is too long"))
}

fn parse_positive_duration(value: &str) -> Result<u64, String> {
    match parse_duration(value)? {
        0 => Err("must be greater than zero".into()),
        secs => Ok(secs),
    }
}

fn parse_positive_u32(value: &str) -> Result<u32, String> {
    match value.trim().parse::<u32>() {
        Ok(0) => Err("must be greater than zero".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("'{value}' is not a whole number")),
    }
}

fn parse_usize(value: &str) -> Result<usize, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("'{value}' is not a whole number"))
}

fn parse_positive_usize(value: &str) -> Result<usize, String> {
    match parse_usize(value)? {
        0 => Err("must be greater than zero".into()),
        n => Ok(n),
    }
}

fn parse_min_length(value: &str) -> Result<usize, String> {
    match parse_usize(value)? {
        n if (8..=128).contains(&n) => Ok(n),
        _ => Err("must be between 8 and 128".into()),
    }
}

fn parse_non_empty(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("must not be empty".into());
    }
    Ok(value.to_owned())
}

fn parse_on_off(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" | "" => Ok(false),
        _ => Err(format!("'{value}' is neither on nor off")),
    }
}

fn parse_cidrs(value: &str) -> Result<TrustedProxies, String> {
    let nets = value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<ipnet::IpNet>()
                .or_else(|_| part.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("'{part}' is not a CIDR or an IP address"))
        })
        .collect::<Result<_, _>>()?;
    Ok(TrustedProxies(nets))
}

fn parse_argon2(value: &str) -> Result<Argon2Settings, String> {
    value.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_seconds_and_units() {
        assert_eq!(parse_duration("900"), Ok(900));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert_eq!(parse_duration("14d"), Ok(1_209_600));
        assert_eq!(parse_duration("0"), Ok(0));
    }

    #[test]
    fn durations_reject_garbage_and_zero_where_positive() {
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("-5").is_err());
        assert!(parse_duration("5w").is_err());
        assert!(parse_duration("99999999999999999999").is_err());
        assert!(parse_positive_duration("0").is_err());
    }

    #[test]
    fn the_password_minimum_never_goes_below_eight() {
        assert!(parse_min_length("7").is_err());
        assert_eq!(parse_min_length("8"), Ok(8));
    }

    #[test]
    fn trusted_proxies_accept_cidrs_and_addresses() {
        let proxies = parse_cidrs("10.0.0.0/8, 127.0.0.1").unwrap();
        assert!(proxies.contains(&"10.1.2.3".parse().unwrap()));
        assert!(proxies.contains(&"127.0.0.1".parse().unwrap()));
        assert!(!proxies.contains(&"127.0.0.2".parse().unwrap()));
        assert!(parse_cidrs("nonsense").is_err());
    }
}
