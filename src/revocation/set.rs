//! [`RevocationSet`]: the live facts in memory, checked on every request after the
//! signature. Reads take a shared lock on two hash maps; facts leave by themselves at their
//! `until`, swept on a timer and ignored once past even before the sweep.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use parking_lot::RwLock;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::{Fact, Holder, Revoked};

/// New facts waiting for a slow feed subscriber; one that falls further behind reconnects
/// with its cursor and reads the snapshot.
const FEED_BUFFER: usize = 1024;

/// The revocation facts in force, as one instance (or one verifier) knows them.
pub struct RevocationSet {
    facts: RwLock<Facts>,
    /// The greatest `seq` applied: the cursor a feed resumes from.
    cursor: AtomicU64,
    news: broadcast::Sender<Fact>,
    /// Whether whoever feeds the set is in touch with its source (a verifier's feed);
    /// a verifier may refuse every token while it is not.
    current: AtomicBool,
}

#[derive(Default)]
struct Facts {
    /// `sid` → (until, the seq of the fact that set it).
    sessions: HashMap<Uuid, (i64, u64)>,
    /// `sub` → (generation below which tokens are revoked, until, seq).
    users: HashMap<Uuid, (i64, i64, u64)>,
}

impl Default for RevocationSet {
    fn default() -> Self {
        Self::new()
    }
}

impl RevocationSet {
    pub fn new() -> Self {
        Self {
            facts: RwLock::new(Facts::default()),
            cursor: AtomicU64::new(0),
            news: broadcast::channel(FEED_BUFFER).0,
            current: AtomicBool::new(true),
        }
    }

    /// Whether a token of `holder` is revoked at `now`.
    pub fn revokes(&self, holder: &Holder, now: i64) -> bool {
        let facts = self.facts.read();
        if facts.sessions.is_empty() && facts.users.is_empty() {
            return false;
        }
        let session = facts.sessions.get(&holder.sid);
        let user = facts.users.get(&holder.sub);
        session.is_some_and(|&(until, _)| now <= until)
            || user.is_some_and(|&(gen, until, _)| holder.gen < gen && now <= until)
    }

    /// Takes in `fact` unless it has expired at `now`; a fact already known (the same, or a
    /// weaker one) changes nothing. Facts that change the set are announced to the feed.
    pub fn apply(&self, fact: Fact, now: i64) -> bool {
        self.cursor.fetch_max(fact.seq, Ordering::AcqRel);
        if fact.until < now {
            return false;
        }
        let changed = {
            let mut facts = self.facts.write();
            match fact.revoked {
                Revoked::Session { sid } => {
                    let (until, seq) = facts.sessions.entry(sid).or_insert((i64::MIN, 0));
                    let changed = fact.until > *until;
                    if changed {
                        (*until, *seq) = (fact.until, fact.seq);
                    }
                    changed
                }
                Revoked::User { sub, gen } => {
                    let entry = facts.users.entry(sub).or_insert((i64::MIN, i64::MIN, 0));
                    let (known_gen, until, seq) = entry;
                    let changed = gen > *known_gen || fact.until > *until;
                    if changed {
                        *known_gen = (*known_gen).max(gen);
                        *until = (*until).max(fact.until);
                        *seq = (*seq).max(fact.seq);
                    }
                    changed
                }
            }
        };
        if changed {
            // No subscriber is no error: the feed is optional.
            let _ = self.news.send(fact);
        }
        changed
    }

    /// Forgets every fact past its `until` at `now`.
    pub fn sweep(&self, now: i64) {
        let mut facts = self.facts.write();
        facts.sessions.retain(|_, (until, _)| *until >= now);
        facts.users.retain(|_, (_, until, _)| *until >= now);
    }

    /// How many facts it holds (sessions and users).
    pub fn len(&self) -> usize {
        let facts = self.facts.read();
        facts.sessions.len() + facts.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The greatest `seq` applied so far.
    pub fn cursor(&self) -> u64 {
        self.cursor.load(Ordering::Acquire)
    }

    /// The facts in force at `now` numbered above `since`, in `seq` order; each under the
    /// number of the latest fact that strengthened it.
    pub fn snapshot(&self, now: i64, since: u64) -> Vec<Fact> {
        let facts = self.facts.read();
        let sessions = facts.sessions.iter().map(|(&sid, &(until, seq))| Fact {
            seq,
            revoked: Revoked::Session { sid },
            until,
        });
        let users = facts.users.iter().map(|(&sub, &(gen, until, seq))| Fact {
            seq,
            revoked: Revoked::User { sub, gen },
            until,
        });
        let mut live: Vec<Fact> = sessions
            .chain(users)
            .filter(|fact| fact.until >= now && fact.seq > since)
            .collect();
        live.sort_by_key(|fact| fact.seq);
        live
    }

    /// Marks whether the set's feeder is in touch with its source (true when made).
    pub fn mark_current(&self, current: bool) {
        self.current.store(current, Ordering::Release);
    }

    /// Whether the set's feeder was last in touch with its source.
    pub fn is_current(&self) -> bool {
        self.current.load(Ordering::Acquire)
    }

    /// New facts as they are applied, for the feed.
    pub fn subscribe(&self) -> broadcast::Receiver<Fact> {
        self.news.subscribe()
    }
}
