//! The throttling rules of API.md: a per-IP request rate on register/login/refresh, and
//! failed-login counts per (account, client) with an account-wide cap for untrusted clients.

use std::net::IpAddr;
use std::sync::Arc;

use super::client_bucket;
use crate::settings::ThrottleSettings;
use crate::store::{CounterStore, StoreError};

/// Failures an account takes from all untrusted clients in an hour (NIST SP 800-63B).
pub const ACCOUNT_MAX_FAILURES: u64 = 100;
const ACCOUNT_WINDOW: u64 = 3_600;

/// Who is trying: a client address, or a device that holds a valid device token of the
/// account (counted on its own, and not stopped by the account-wide cap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempter {
    Ip(IpAddr),
    Device(String),
}

/// Why the throttle refused: a limit is spent, or its counters cannot be read (fail closed).
#[derive(Debug, thiserror::Error)]
pub enum ThrottleError {
    #[error("too many attempts; retry after {retry_after} seconds")]
    Limited { retry_after: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Throttle {
    counters: Arc<dyn CounterStore>,
    ip_per_minute: u32,
    max_failures: u64,
    window: u64,
}

impl Throttle {
    pub fn new(counters: Arc<dyn CounterStore>, settings: &ThrottleSettings) -> Self {
        Self {
            counters,
            ip_per_minute: settings.ip_rate_limit,
            max_failures: u64::from(settings.login_max_failures),
            window: settings.login_window,
        }
    }

    /// Takes one request of the client's per-minute budget; `0` turns the limit off.
    pub async fn take_request(&self, ip: IpAddr, now_ms: i64) -> Result<(), ThrottleError> {
        if self.ip_per_minute == 0 {
            return Ok(());
        }
        let key = format!("ip:{}", client_bucket(ip));
        match self
            .counters
            .take_token(&key, self.ip_per_minute, self.ip_per_minute, now_ms)
            .await?
        {
            None => Ok(()),
            Some(retry_after) => Err(ThrottleError::Limited { retry_after }),
        }
    }

    /// Admits an attempt on `account`, counting it now, before any hashing: of N
    /// concurrent attempts at most the remaining allowance is admitted, whatever their
    /// outcome. A refused attempt gets `Limited` with the seconds until the window resets.
    pub async fn admit(
        &self,
        account: &str,
        who: &Attempter,
        now: i64,
    ) -> Result<(), ThrottleError> {
        let client = (self.counters)
            .increment(&client_key(account, who), self.window, now)
            .await?;
        if client.count > self.max_failures {
            return Err(ThrottleError::Limited {
                retry_after: client.resets_in,
            });
        }
        if let Attempter::Ip(_) = who {
            let all = (self.counters)
                .increment(&account_key(account), ACCOUNT_WINDOW, now)
                .await?;
            if all.count > ACCOUNT_MAX_FAILURES {
                return Err(ThrottleError::Limited {
                    retry_after: all.resets_in,
                });
            }
        }
        Ok(())
    }

    /// A success resets the (account, client) count and takes itself back out of the
    /// account-wide count of untrusted attempts, which otherwise expires by itself, so a
    /// spray in progress stays capped.
    pub async fn record_success(
        &self,
        account: &str,
        who: &Attempter,
        now: i64,
    ) -> Result<(), ThrottleError> {
        self.counters.reset(&client_key(account, who)).await?;
        if let Attempter::Ip(_) = who {
            self.counters.decrement(&account_key(account), now).await?;
        }
        Ok(())
    }
}

/// Keys hold a digest of the account name, never the email itself.
fn account_id(account: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, account.as_bytes());
    digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn client_key(account: &str, who: &Attempter) -> String {
    match who {
        Attempter::Ip(ip) => format!("lf:{}:ip:{}", account_id(account), client_bucket(*ip)),
        Attempter::Device(id) => format!("lf:{}:dev:{id}", account_id(account)),
    }
}

fn account_key(account: &str) -> String {
    format!("la:{}", account_id(account))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryCounters;

    fn throttle() -> Throttle {
        throttle_with_ip_rate(30)
    }

    fn throttle_with_ip_rate(ip_rate_limit: u32) -> Throttle {
        let settings = ThrottleSettings {
            login_max_failures: 5,
            login_window: 900,
            ip_rate_limit,
            trusted_proxies: Default::default(),
            device_ttl: 7_776_000,
        };
        Throttle::new(Arc::new(MemoryCounters::new()), &settings)
    }

    fn ip(n: u8) -> Attempter {
        Attempter::Ip(IpAddr::from([127, 0, 0, n]))
    }

    #[tokio::test]
    async fn each_address_gets_its_burst_of_requests_and_zero_turns_the_limit_off() {
        let t = throttle();
        let (a, b) = (IpAddr::from([127, 0, 0, 1]), IpAddr::from([127, 0, 0, 2]));
        for _ in 0..30 {
            t.take_request(a, 0).await.unwrap();
        }

        let refused = t.take_request(a, 0).await.unwrap_err();
        assert!(matches!(refused, ThrottleError::Limited { .. }));
        t.take_request(b, 0).await.unwrap();
        let off = throttle_with_ip_rate(0);
        for _ in 0..100 {
            off.take_request(a, 0).await.unwrap();
        }
    }

    #[tokio::test]
    async fn the_sixth_attempt_after_five_failures_is_refused_until_the_window_ends() {
        let t = throttle();
        for _ in 0..5 {
            t.admit("a@example.com", &ip(1), 0).await.unwrap();
        }
        let refused = t.admit("a@example.com", &ip(1), 10).await.unwrap_err();
        assert!(matches!(
            refused,
            ThrottleError::Limited { retry_after: 890 }
        ));
        // Another address, and the same address after the window, may try.
        t.admit("a@example.com", &ip(2), 10).await.unwrap();
        t.admit("a@example.com", &ip(1), 900).await.unwrap();
    }

    #[tokio::test]
    async fn concurrent_attempts_are_counted_at_admission() {
        let t = Arc::new(throttle());
        let attempts: Vec<_> = (0..30)
            .map(|_| {
                let t = t.clone();
                tokio::spawn(async move { t.admit("a@example.com", &ip(1), 0).await.is_ok() })
            })
            .collect();
        let mut admitted = 0;
        for attempt in attempts {
            admitted += usize::from(attempt.await.unwrap());
        }
        assert_eq!(admitted, 5);
    }

    #[tokio::test]
    async fn ipv6_clients_of_one_64_share_a_count() {
        let t = throttle();
        for n in 1..=5u16 {
            let client = Attempter::Ip(IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, n]));
            t.admit("a@example.com", &client, 0).await.unwrap();
        }
        let same_64 = Attempter::Ip(IpAddr::from([0x2001, 0xdb8, 0, 1, 9, 9, 9, 9]));
        assert!(t.admit("a@example.com", &same_64, 0).await.is_err());
        let other_64 = Attempter::Ip(IpAddr::from([0x2001, 0xdb8, 0, 2, 0, 0, 0, 1]));
        t.admit("a@example.com", &other_64, 0).await.unwrap();
    }

    #[tokio::test]
    async fn a_success_resets_the_pair() {
        let t = throttle();
        for _ in 0..5 {
            t.admit("a@example.com", &ip(1), 0).await.unwrap();
        }
        t.record_success("a@example.com", &ip(1), 0).await.unwrap();
        for _ in 0..5 {
            t.admit("a@example.com", &ip(1), 0).await.unwrap();
        }
        assert!(t.admit("a@example.com", &ip(1), 0).await.is_err());
    }

    #[tokio::test]
    async fn a_spray_caps_untrusted_clients_but_not_known_devices() {
        let t = throttle();
        for n in 0..100u8 {
            t.admit("a@example.com", &ip(n), 0).await.unwrap();
        }
        assert!(t.admit("a@example.com", &ip(200), 1).await.is_err());
        let device = Attempter::Device("d1".into());
        t.admit("a@example.com", &device, 1).await.unwrap();
        // The cap is the account's own: another account is untouched.
        t.admit("b@example.com", &ip(201), 1).await.unwrap();
    }

    #[tokio::test]
    async fn the_account_wide_cap_counts_each_account_on_its_own() {
        let t = throttle();
        for n in 0..100u8 {
            t.admit("a@example.com", &ip(n), 0).await.unwrap();
        }

        // B was never tried: no client is refused, not even one that failed on A.
        t.admit("b@example.com", &ip(200), 1).await.unwrap();
        t.admit("b@example.com", &ip(1), 1).await.unwrap();
        // A stays capped for every untrusted client, one that never tried included.
        let refused = t.admit("a@example.com", &ip(201), 1).await.unwrap_err();
        assert!(matches!(
            refused,
            ThrottleError::Limited { retry_after: 3_599 }
        ));
    }
}
