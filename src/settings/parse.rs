//! The value parsers of the settings: each turns one string into a checked value, or into
//! the one-line reason that start-up prints with the setting's name.

use crate::domain::ClientIds;
use crate::hashing::Argon2Settings;

/// CIDRs of reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<ipnet::IpNet>);

impl TrustedProxies {
    /// Whether `ip` is a trusted proxy; an IPv4-mapped IPv6 address counts as its IPv4
    /// address (a dual-stack listener sees IPv4 peers as `::ffff:a.b.c.d`).
    pub fn contains(&self, ip: &std::net::IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// `::ffff:a.b.c.d/n` (n ≥ 96) is the IPv4 network `a.b.c.d/(n − 96)`.
fn canonical_net(net: ipnet::IpNet) -> ipnet::IpNet {
    match net {
        ipnet::IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => ipnet::Ipv4Net::new(v4, v6.prefix_len() - 96).map_or(net, ipnet::IpNet::V4),
            None => net,
        },
        _ => net,
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

pub(super) fn parse_positive_duration(value: &str) -> Result<u64, String> {
    match parse_duration(value)? {
        0 => Err("must be greater than zero".into()),
        secs => Ok(secs),
    }
}

pub(super) fn parse_positive_u32(value: &str) -> Result<u32, String> {
    match value.trim().parse::<u32>() {
        Ok(0) => Err("must be greater than zero".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("'{value}' is not a whole number")),
    }
}

pub(super) fn parse_usize(value: &str) -> Result<usize, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("'{value}' is not a whole number"))
}

pub(super) fn parse_positive_usize(value: &str) -> Result<usize, String> {
    match parse_usize(value)? {
        0 => Err("must be greater than zero".into()),
        n => Ok(n),
    }
}

pub(super) fn parse_min_length(value: &str) -> Result<usize, String> {
    match parse_usize(value)? {
        n if (8..=128).contains(&n) => Ok(n),
        _ => Err("must be between 8 and 128".into()),
    }
}

pub(super) fn parse_non_empty(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("must not be empty".into());
    }
    Ok(value.to_owned())
}

/// `AUTHD_PUBLIC_URL`: an absolute `http(s)://host[:port][/path]` URL, without query or
/// fragment; a trailing `/` is dropped, so `{url}/oauth/token` is always well formed.
pub(super) fn parse_public_url(value: &str) -> Result<String, String> {
    let value = value.trim();
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return Err("has no host".into());
    }
    if rest.contains(['?', '#']) || !rest.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("must have no query, fragment, space or non-ASCII character".into());
    }
    Ok(value.trim_end_matches('/').to_owned())
}

pub(super) fn parse_on_off(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" | "" => Ok(false),
        _ => Err(format!("'{value}' is neither on nor off")),
    }
}

pub(super) fn parse_cidrs(value: &str) -> Result<TrustedProxies, String> {
    let nets = value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<ipnet::IpNet>()
                .or_else(|_| part.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map(canonical_net)
                .map_err(|_| format!("'{part}' is not a CIDR or an IP address"))
        })
        .collect::<Result<_, _>>()?;
    Ok(TrustedProxies(nets))
}

pub(super) fn parse_argon2(value: &str) -> Result<Argon2Settings, String> {
    value.parse()
}

pub(super) fn parse_client_ids(value: &str) -> Result<ClientIds, String> {
    value
        .parse()
        .map_err(|e: crate::domain::ClientIdError| e.to_string())
}

/// Origins allowed cross-origin (`AUTHD_CORS_ORIGINS`); `*` means any origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsOrigins {
    pub origins: Vec<String>,
    pub any: bool,
}

pub(super) fn parse_cors_origins(value: &str) -> Result<CorsOrigins, String> {
    value.parse()
}

impl std::str::FromStr for CorsOrigins {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        let mut allowed = CorsOrigins::default();
        for origin in value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            if origin == "*" {
                allowed.any = true;
                continue;
            }
            let valid = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin
                    .trim_end_matches('/')
                    .contains(|c: char| c.is_whitespace())
                && origin.matches('/').count() == 2;
            if !valid {
                return Err(format!(
                    "'{origin}' is not an origin like https://app.example.com"
                ));
            }
            allowed.origins.push(origin.to_owned());
        }
        Ok(allowed)
    }
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

    #[test]
    fn ipv4_mapped_proxies_and_peers_are_their_ipv4_addresses() {
        let mapped: std::net::IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert!(parse_cidrs("127.0.0.1").unwrap().contains(&mapped));
        let proxies = parse_cidrs("::ffff:10.0.0.0/104").unwrap();
        assert!(proxies.contains(&"10.1.2.3".parse().unwrap()));
        assert!(proxies.contains(&"::ffff:10.1.2.3".parse().unwrap()));
        assert!(!proxies.contains(&"11.0.0.1".parse().unwrap()));
    }

    #[test]
    fn the_public_url_is_an_absolute_http_url_without_its_trailing_slash() {
        assert_eq!(
            parse_public_url("https://auth.example.com/").unwrap(),
            "https://auth.example.com"
        );
        assert_eq!(
            parse_public_url("http://localhost:8080/authd").unwrap(),
            "http://localhost:8080/authd"
        );
        for bad in [
            "auth.example.com",
            "ftp://x",
            "https://",
            "https:///path",
            "https://a/?q",
            "https://a/#f",
            "https://a b",
        ] {
            assert!(parse_public_url(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn client_ids_are_a_non_empty_list_of_checked_ids() {
        let ids = parse_client_ids("web-app, cli").unwrap();
        assert_eq!(ids.default_client().as_str(), "web-app");
        for bad in ["", "a,,b", "web app", "a,"] {
            assert!(parse_client_ids(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn cors_origins_are_origins_or_a_wildcard() {
        let allowed = parse_cors_origins("https://app.example.com, *").unwrap();
        assert_eq!(allowed.origins, ["https://app.example.com"]);
        assert!(allowed.any);
        assert!(parse_cors_origins("https://app.example.com/path").is_err());
        assert!(parse_cors_origins("app.example.com").is_err());
    }
}
