//! `authd keys list`: every key of the folder, and when each signs.

use jsonwebtoken::Algorithm;
use serde_json::{json, Value};

use crate::cli::format::{relative, rfc3339, table};
use crate::keys::schedule::Schedule;
use crate::keys::{Key, KeyRing};

/// Where a key stands in the signing schedule.
enum Status {
    SignsNow { since: Option<i64> },
    SignsNext { from: i64 },
    SignsLater { from: i64 },
    Retired { at: i64 },
    NeverSigned,
    VerifiesOnly,
}

impl Status {
    fn of(key: &Key, schedule: &Schedule, now: i64) -> Status {
        let period = schedule.period_of(&key.kid);
        if !key.can_sign() {
            Status::VerifiesOnly
        } else if schedule.signing.as_deref() == Some(key.kid.as_str()) {
            Status::SignsNow {
                since: period.map(|period| period.from).filter(|from| *from <= now),
            }
        } else if let Some(next) = schedule.next.as_ref().filter(|next| next.kid == key.kid) {
            Status::SignsNext { from: next.from }
        } else {
            match period {
                Some(period) if period.from > now => Status::SignsLater { from: period.from },
                Some(period) => period
                    .until
                    .map_or(Status::NeverSigned, |at| Status::Retired { at }),
                None => Status::NeverSigned,
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Status::SignsNow { .. } => "signs_now",
            Status::SignsNext { .. } => "signs_next",
            Status::SignsLater { .. } => "signs_later",
            Status::Retired { .. } => "retired",
            Status::NeverSigned => "never_signed",
            Status::VerifiesOnly => "verifies_only",
        }
    }

    fn describe(&self, now: i64) -> String {
        match self {
            Status::SignsNow { since: Some(since) } => {
                format!("signs now (since {})", rfc3339(*since))
            }
            Status::SignsNow { since: None } => "signs now".into(),
            Status::SignsNext { from } => {
                format!(
                    "signs next, from {} ({})",
                    rfc3339(*from),
                    relative(*from, now)
                )
            }
            Status::SignsLater { from } => format!("signs from {}", rfc3339(*from)),
            Status::Retired { at } => format!("stopped signing {}", rfc3339(*at)),
            Status::NeverSigned => "never signed (a greater kid signs)".into(),
            Status::VerifiesOnly => "verifies only".into(),
        }
    }
}

/// `private` (PEM), `secret` (HS256) or `public` (SPKI, verifies only).
fn kind(key: &Key) -> &'static str {
    match (key.can_sign(), key.alg) {
        (false, _) => "public",
        (true, Algorithm::HS256) => "secret",
        (true, _) => "private",
    }
}

fn published(key: &Key) -> i64 {
    i64::try_from(key.published_at.as_secs()).unwrap_or(i64::MAX)
}

pub fn print(ring: &KeyRing, as_json: bool, now: i64) -> anyhow::Result<()> {
    let schedule = ring.schedule(now);
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&document(ring, &schedule, now))?
        );
        return Ok(());
    }
    let rows: Vec<Vec<String>> = ring
        .keys()
        .map(|key| {
            vec![
                key.kid.clone(),
                format!("{:?}", key.alg),
                kind(key).into(),
                rfc3339(published(key)),
                Status::of(key, &schedule, now).describe(now),
            ]
        })
        .collect();
    println!(
        "{}",
        table(&["KID", "ALG", "KIND", "PUBLISHED", "STATUS"], &rows)
    );
    Ok(())
}

fn document(ring: &KeyRing, schedule: &Schedule, now: i64) -> Value {
    let keys: Vec<Value> = ring
        .keys()
        .map(|key| {
            let status = Status::of(key, schedule, now);
            let period = schedule.period_of(&key.kid);
            json!({
                "kid": key.kid,
                "alg": format!("{:?}", key.alg),
                "kind": kind(key),
                "can_sign": key.can_sign(),
                "published_at": rfc3339(published(key)),
                "status": status.code(),
                "signs_from": period.map(|p| rfc3339(p.from)),
                "signs_until": period.and_then(|p| p.until).map(rfc3339),
            })
        })
        .collect();
    json!({
        "now": rfc3339(now),
        "signing": schedule.signing,
        "next": schedule.next.as_ref().map(|next| json!({"kid": next.kid, "from": rfc3339(next.from)})),
        "keys": keys,
    })
}
