//! When to fetch the JWKS again: the freshness the answer states (`Cache-Control: max-age`
//! less `Age`), held between a floor and a ceiling; a quick retry after a failure; and the
//! rule that unknown kids cause at most one fetch per interval, however many requests ask.

use std::time::Duration;

/// How a [`super::RemoteJwks`] fetches; every field has a safe default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// The shortest time between two scheduled fetches, whatever the answer says; also the
    /// wait after `no-store`, `no-cache`, `max-age=0` or no `max-age` at all. Default 30 s.
    pub min_refresh: Duration,
    /// The longest a fetched set is kept without asking again, however long its `max-age`.
    /// Default 1 h.
    pub max_refresh: Duration,
    /// Tokens naming a kid the set lacks cause at most one fetch per this interval; the
    /// rest are rejected without a fetch. Default 30 s.
    pub unknown_kid_interval: Duration,
    /// One whole fetch, from connecting to the last byte. Default 5 s.
    pub fetch_timeout: Duration,
    /// A longer answer is refused unread (authd's JWKS is a few KiB). Default 256 KiB.
    pub max_body_bytes: usize,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            min_refresh: Duration::from_secs(30),
            max_refresh: Duration::from_secs(3600),
            unknown_kid_interval: Duration::from_secs(30),
            fetch_timeout: Duration::from_secs(5),
            max_body_bytes: 256 * 1024,
        }
    }
}

/// The first wait after a failed fetch; each further failure doubles it, up to the floor.
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// No wait is shorter, so that a zero floor cannot make the refresher spin on authd.
const LEAST_WAIT: Duration = Duration::from_millis(10);

impl RefreshPolicy {
    /// The wait before the next scheduled fetch after a successful one whose answer was
    /// fresh for `fresh_for` (`None`: it stated no lifetime).
    pub fn after_success(&self, fresh_for: Option<Duration>) -> Duration {
        let ceiling = self.max_refresh.max(self.min_refresh);
        fresh_for
            .unwrap_or(Duration::ZERO)
            .max(self.min_refresh)
            .min(ceiling)
            .max(LEAST_WAIT)
    }

    /// The wait after the `failures`-th failed fetch in a row: 1 s, 2 s, 4 s… up to the floor,
    /// so a service that starts before authd gets its keys soon after authd is up.
    pub fn after_failure(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(20);
        FIRST_RETRY
            .saturating_mul(1 << doublings)
            .min(self.min_refresh)
            .max(LEAST_WAIT)
    }
}

/// How long an answer is fresh, from its `Cache-Control` fields and its `Age` (RFC 9111
/// §4.2): `max-age` less `Age`; zero for `no-store`, `no-cache` or a `max-age` that does not
/// parse (RFC 9111 §4.2.1 counts such an answer stale); `None` when it states nothing.
/// `s-maxage` is for shared caches, and a verifier is a private one.
pub fn fresh_for<'a>(
    cache_control: impl IntoIterator<Item = &'a str>,
    age: Option<&str>,
) -> Option<Duration> {
    let mut max_age = None;
    for field in cache_control {
        for (name, value) in directives(field) {
            // `no-cache="field"` only concerns that header field (RFC 9111 §5.2.2.4).
            let no_cache = name.eq_ignore_ascii_case("no-cache") && value.is_none();
            if no_cache || name.eq_ignore_ascii_case("no-store") {
                return Some(Duration::ZERO);
            }
            // The first max-age counts (RFC 9111 §4.2.1).
            if name.eq_ignore_ascii_case("max-age") && max_age.is_none() {
                max_age = Some(value.and_then(delta_seconds).unwrap_or(0));
            }
        }
    }
    let age = age.and_then(|age| delta_seconds(age.trim())).unwrap_or(0);
    max_age.map(|max_age| Duration::from_secs(max_age.saturating_sub(age)))
}

/// RFC 9111 §1.2.2 delta-seconds: digits only; too many of them is "a very long time".
fn delta_seconds(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(value.parse().unwrap_or(u64::MAX))
}

/// The directives of one `Cache-Control` field: `name` or `name=value`, where a value may
/// be a quoted string holding commas (`no-cache="a, b"`), unquoted here.
fn directives(field: &str) -> Vec<(&str, Option<&str>)> {
    let mut found = Vec::new();
    let mut rest = field;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return found;
        }
        let name_end = rest.find([',', '=']).unwrap_or(rest.len());
        let name = rest[..name_end].trim();
        rest = &rest[name_end..];
        let Some(after_equals) = rest.strip_prefix('=') else {
            found.push((name, None));
            continue;
        };
        let after_equals = after_equals.trim_start_matches([' ', '\t']);
        let (value, after) = match after_equals.strip_prefix('"') {
            Some(quoted) => match quoted.find('"') {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                // An unclosed quote: the field is broken from here on.
                None => (quoted, ""),
            },
            None => {
                let end = after_equals.find(',').unwrap_or(after_equals.len());
                (after_equals[..end].trim(), &after_equals[end..])
            }
        };
        found.push((name, Some(value)));
        rest = after;
    }
}

/// What an unknown-kid request may do: ask for a fetch, wait for one already asked for, or
/// be rejected at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// This request asks for a fetch; wait until `completed` reaches the value.
    Fetch(u64),
    /// A fetch asked for by an earlier request is pending; wait for it the same way.
    Join(u64),
    /// A fetch was asked for less than the interval ago and is over: reject.
    Refuse,
}

/// The once-per-interval rule for fetches that unknown kids ask for, on a monotonic clock
/// the caller passes in (milliseconds). Scheduled fetches are not counted: the floor bounds
/// them.
#[derive(Debug)]
pub struct UnknownKidGate {
    interval_ms: i64,
    last_asked_ms: Option<i64>,
    /// The `completed` count that ends the fetch asked for last.
    awaited: u64,
}

impl UnknownKidGate {
    pub fn new(interval: Duration) -> Self {
        UnknownKidGate {
            interval_ms: i64::try_from(interval.as_millis()).unwrap_or(i64::MAX),
            last_asked_ms: None,
            awaited: 0,
        }
    }

    /// Decides for a request at `now_ms`, when `started` fetches have begun and `completed`
    /// have ended. An asked-for fetch is the next one to *start*: one already running may
    /// have read the key set before the new key was published.
    pub fn admit(&mut self, now_ms: i64, started: u64, completed: u64) -> Admission {
        let within_interval = self
            .last_asked_ms
            .is_some_and(|last| now_ms.saturating_sub(last) < self.interval_ms);
        match (within_interval, completed < self.awaited) {
            (true, true) => Admission::Join(self.awaited),
            (true, false) => Admission::Refuse,
            // Past the interval a fetch is asked for again, even if the last one never
            // ended: a wedged fetch must not stop unknown kids from ever fetching.
            (false, _) => {
                self.last_asked_ms = Some(now_ms);
                self.awaited = started + 1;
                Admission::Fetch(self.awaited)
            }
        }
    }
}
