//! The client's address: the peer, unless the peer is a trusted proxy; then the right-most
//! `X-Forwarded-For` entry that is not itself a trusted proxy. A spoofed header from an
//! untrusted peer changes nothing.

use std::net::IpAddr;

use crate::settings::TrustedProxies;

/// Resolves the client address from the peer and the `X-Forwarded-For` values, in order.
pub fn client_ip<'a>(
    peer: IpAddr,
    forwarded_for: impl Iterator<Item = &'a str>,
    trusted: &TrustedProxies,
) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded_for
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut nearest = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            // A hop we cannot read: the last proxy we trust is as far as we can see.
            return nearest;
        };
        if !trusted.contains(&ip) {
            return ip;
        }
        nearest = ip;
    }
    nearest
}

fn parse_hop(hop: &str) -> Option<IpAddr> {
    let ip = match hop.parse::<IpAddr>() {
        Ok(ip) => ip,
        // "1.2.3.4:5678" or "[::1]:5678"
        Err(_) => hop.parse::<std::net::SocketAddr>().ok()?.ip(),
    };
    Some(ip.to_canonical())
}

/// What requests from `ip` are counted under: the address itself for IPv4, its /64 for
/// IPv6 (one host owns a whole /64, so per-address limits would be free to evade).
pub fn client_bucket(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            format!("{}/64", std::net::Ipv6Addr::from(network))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted(cidrs: &[&str]) -> TrustedProxies {
        TrustedProxies(cidrs.iter().map(|c| c.parse().unwrap()).collect())
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_clients_count_by_their_64_and_mapped_ipv4_by_its_address() {
        assert_eq!(
            client_bucket(ip("2001:db8:1:2:aaaa::1")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            client_bucket(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")),
            "2001:db8:1:2::/64"
        );
        assert_ne!(client_bucket(ip("2001:db8:1:3::1")), "2001:db8:1:2::/64");
        assert_eq!(client_bucket(ip("::ffff:192.0.2.7")), "192.0.2.7");
    }

    #[test]
    fn a_dual_stack_peer_and_its_hops_are_canonical() {
        let proxies = trusted(&["127.0.0.1/32"]);
        let got = client_ip(
            ip("::ffff:127.0.0.1"),
            ["::ffff:198.51.100.7"].into_iter(),
            &proxies,
        );
        assert_eq!(got, ip("198.51.100.7"));
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let got = client_ip(
            ip("203.0.113.9"),
            ["1.1.1.1"].into_iter(),
            &trusted(&["10.0.0.0/8"]),
        );
        assert_eq!(got, ip("203.0.113.9"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        let proxies = trusted(&["10.0.0.0/8"]);
        // The client may prepend lies; only the hops our proxies appended count.
        let got = client_ip(
            ip("10.0.0.1"),
            ["6.6.6.6, 198.51.100.7, 10.0.0.2"].into_iter(),
            &proxies,
        );
        assert_eq!(got, ip("198.51.100.7"));
        let got = client_ip(
            ip("10.0.0.1"),
            ["6.6.6.6", "198.51.100.7"].into_iter(),
            &proxies,
        );
        assert_eq!(got, ip("198.51.100.7"));
    }

    #[test]
    fn unreadable_or_missing_hops_stop_at_the_nearest_trusted_address() {
        let proxies = trusted(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), std::iter::empty(), &proxies),
            ip("10.0.0.1")
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), ["garbage, 10.0.0.3"].into_iter(), &proxies),
            ip("10.0.0.3")
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), ["[2001:db8::1]:443"].into_iter(), &proxies),
            ip("2001:db8::1")
        );
    }
}
