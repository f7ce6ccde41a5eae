//! Which key files `authd keys prune` may remove: those published longer ago than asked
//! that no live token can still need, with the reason for every file it keeps.
//!
//! A `<kid>.pub.pem` beside its own private key is that key, and goes or stays with it. A
//! lone `<kid>.pub.pem` is kept whatever its age: its private half signs elsewhere, at
//! times and with lifetimes authd cannot know, so only its owner can say it is retired.

use std::path::PathBuf;

use super::schedule::Schedule;
use super::{KeyFile, KeyFileRead};

/// A key file as prune sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFileEntry {
    pub path: PathBuf,
    pub kid: String,
    pub kind: KeyFile,
    /// Unix seconds: the time the ring uses (see `rotation::published_at`).
    pub published_at: i64,
}

impl From<&KeyFileRead> for KeyFileEntry {
    fn from(file: &KeyFileRead) -> Self {
        KeyFileEntry {
            path: file.path.clone(),
            kid: file.kid.clone(),
            kind: file.kind,
            published_at: i64::try_from(file.published_at.as_secs()).unwrap_or(i64::MAX),
        }
    }
}

/// What decides, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionRules {
    /// Only files published at least this long ago are removed (`--older-than`).
    pub older_than: i64,
    /// The longest a token outlives its signing: the largest of the session, refresh and
    /// access TTLs, plus the leeway.
    pub token_lifetime: i64,
    /// How long a key is published before it may sign (`Rotation::wait`).
    pub publication_wait: i64,
}

/// What prune does with one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Remove,
    /// Published less than `older_than` ago: not asked for.
    Recent {
        published_at: i64,
    },
    /// Old enough, and refused.
    Keep(KeepReason),
}

/// Why an old key file stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeepReason {
    SignsNow,
    SignsNext {
        from: i64,
    },
    SignsLater {
        from: i64,
    },
    /// A token it signed may be live until `until`. `stopped_signing` is `None` for a key
    /// that the files' times say never signed: it is kept for as long as it could have.
    MayVerifyLiveTokens {
        stopped_signing: Option<i64>,
        until: i64,
    },
    /// A public key without its private half here.
    PublicOnly,
}

/// The verdict on one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileVerdict {
    pub file: KeyFileEntry,
    pub verdict: Verdict,
}

/// The verdict on each of `files`, whose keys sign by `schedule`, at `now`.
pub fn plan(
    files: &[KeyFileEntry],
    schedule: &Schedule,
    rules: &RetentionRules,
    now: i64,
) -> Vec<FileVerdict> {
    let verdict_of = |file: &KeyFileEntry| {
        if file.kind != KeyFile::Public {
            return signer_verdict(file, schedule, rules, now);
        }
        let private_half = files
            .iter()
            .find(|other| other.kid == file.kid && other.kind != KeyFile::Public);
        match private_half {
            Some(private) => signer_verdict(private, schedule, rules, now),
            None if is_recent(file, rules, now) => Verdict::Recent {
                published_at: file.published_at,
            },
            None => Verdict::Keep(KeepReason::PublicOnly),
        }
    };
    files
        .iter()
        .map(|file| FileVerdict {
            file: file.clone(),
            verdict: verdict_of(file),
        })
        .collect()
}

fn is_recent(file: &KeyFileEntry, rules: &RetentionRules, now: i64) -> bool {
    now.saturating_sub(file.published_at) < rules.older_than
}

/// A key that can sign: kept while it signs or will, and while a token it signed may live.
fn signer_verdict(
    file: &KeyFileEntry,
    schedule: &Schedule,
    rules: &RetentionRules,
    now: i64,
) -> Verdict {
    if is_recent(file, rules, now) {
        return Verdict::Recent {
            published_at: file.published_at,
        };
    }
    let keep = Verdict::Keep;
    if schedule.signing.as_deref() == Some(file.kid.as_str()) {
        return keep(KeepReason::SignsNow);
    }
    if let Some(next) = schedule.next.as_ref().filter(|next| next.kid == file.kid) {
        return keep(KeepReason::SignsNext { from: next.from });
    }
    let period = schedule.period_of(&file.kid);
    if let Some(later) = period.filter(|period| period.from > now) {
        return keep(KeepReason::SignsLater { from: later.from });
    }
    let stopped_signing = period.and_then(|period| period.until);
    // The files' times are all authd knows of a key's past, and a chmod moves them
    // forward: a key is never taken for retired before it could first have signed.
    let could_sign_until = file.published_at.saturating_add(rules.publication_wait);
    let until = stopped_signing
        .map_or(could_sign_until, |stopped| stopped.max(could_sign_until))
        .saturating_add(rules.token_lifetime);
    if now < until {
        return keep(KeepReason::MayVerifyLiveTokens {
            stopped_signing,
            until,
        });
    }
    Verdict::Remove
}

#[cfg(test)]
mod tests;
