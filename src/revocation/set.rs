//! [`RevocationSet`]: the live facts in memory, checked on every request after the
//! signature. Reads take a shared lock on two hash maps; facts leave by themselves at their
//! `until`, swept on a timer and ignored once past even before the sweep. Each change is
//! numbered in the order this set took it in, under the set's epoch (see [`Cursor`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::RwLock;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::{Cursor, Fact, Holder, Revoked};

/// New facts waiting for a slow feed subscriber; one that falls further behind reconnects
/// with its cursor and reads the snapshot.
const FEED_BUFFER: usize = 1024;

/// The revocation facts in force, as one instance (or one verifier) knows them.
pub struct RevocationSet {
    facts: RwLock<Facts>,
    /// This set's identity in its cursors.
    epoch: u64,
    news: broadcast::Sender<News>,
    /// Whether whoever feeds the set is in touch with its source (a verifier's feed);
    /// a verifier may refuse every token while it is not.
    current: AtomicBool,
}

/// A fact as this set holds it, with the cursor of the change that made it so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct News {
    pub fact: Fact,
    pub cursor: Cursor,
}

#[derive(Default)]
struct Facts {
    /// `sid` → (until, the seq of the fact that set it, the change's position).
    sessions: HashMap<Uuid, (i64, u64, u64)>,
    /// `sub` → (generation below which tokens are revoked, until, seq, position).
    users: HashMap<Uuid, (i64, i64, u64, u64)>,
    /// How many changes the set has taken in.
    position: u64,
}

impl Facts {
    /// Whether `fact` says more than these facts about its subject: a later `until`, or for
    /// a user a newer generation. The one rule of what changes the set, asked under the
    /// shared lock first and under the exclusive one again.
    fn strengthened_by(&self, fact: &Fact) -> bool {
        match fact.revoked {
            Revoked::Session { sid } => self
                .sessions
                .get(&sid)
                .is_none_or(|&(until, ..)| fact.until > until),
            Revoked::User { sub, gen } => self
                .users
                .get(&sub)
                .is_none_or(|&(known_gen, until, ..)| gen > known_gen || fact.until > until),
        }
    }
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
            epoch: rand::random(),
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
        session.is_some_and(|&(until, ..)| now <= until)
            || user.is_some_and(|&(gen, until, ..)| holder.gen < gen && now <= until)
    }

    /// Takes in `fact` unless it has expired at `now`; a fact already known (the same, or a
    /// weaker one) changes nothing. Facts that change the set are announced to the feed.
    pub fn apply(&self, fact: Fact, now: i64) -> bool {
        // A fact already held (a poll re-reads the last seconds' rows) costs a shared lock,
        // never the exclusive one every request's check would wait for.
        if fact.until < now || !self.facts.read().strengthened_by(&fact) {
            return false;
        }
        let news = {
            let mut facts = self.facts.write();
            // Asked again: another writer may have taken in as much between the two locks.
            if !facts.strengthened_by(&fact) {
                return false;
            }
            facts.position += 1;
            let position = facts.position;
            let held = match fact.revoked {
                Revoked::Session { sid } => {
                    facts.sessions.insert(sid, (fact.until, fact.seq, position));
                    fact
                }
                Revoked::User { sub, gen } => {
                    let entry = facts.users.entry(sub).or_insert((i64::MIN, i64::MIN, 0, 0));
                    let (known_gen, until, seq, at) = entry;
                    *known_gen = (*known_gen).max(gen);
                    *until = (*until).max(fact.until);
                    *seq = (*seq).max(fact.seq);
                    *at = position;
                    // What the set now holds: the two facts merged.
                    Fact {
                        seq: *seq,
                        revoked: Revoked::User {
                            sub,
                            gen: *known_gen,
                        },
                        until: *until,
                    }
                }
            };
            News {
                fact: held,
                cursor: self.at(position),
            }
        };
        // No subscriber is no error: the feed is optional.
        let _ = self.news.send(news);
        true
    }

    /// Forgets every fact past its `until` at `now`.
    pub fn sweep(&self, now: i64) {
        let mut facts = self.facts.write();
        facts.sessions.retain(|_, (until, ..)| *until >= now);
        facts.users.retain(|_, (_, until, ..)| *until >= now);
    }

    /// How many facts it holds (sessions and users).
    pub fn len(&self) -> usize {
        let facts = self.facts.read();
        facts.sessions.len() + facts.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where this set's feed is now: a reader that has everything up to here resumes from it.
    pub fn cursor(&self) -> Cursor {
        self.at(self.facts.read().position)
    }

    fn at(&self, position: u64) -> Cursor {
        Cursor {
            epoch: self.epoch,
            position,
        }
    }

    /// The facts in force at `now` that changed after `since`, in the order they changed;
    /// all of them when `since` is `None` or is not a cursor of this set (another epoch, or
    /// a position it has not reached), since then nothing says what its reader has.
    pub fn snapshot(&self, now: i64, since: Option<Cursor>) -> Vec<News> {
        let facts = self.facts.read();
        let after = since
            .filter(|since| since.epoch == self.epoch && since.position <= facts.position)
            .map_or(0, |since| since.position);
        let sessions = facts.sessions.iter().map(|(&sid, &(until, seq, at))| {
            let revoked = Revoked::Session { sid };
            (
                Fact {
                    seq,
                    revoked,
                    until,
                },
                at,
            )
        });
        let users = facts.users.iter().map(|(&sub, &(gen, until, seq, at))| {
            let revoked = Revoked::User { sub, gen };
            (
                Fact {
                    seq,
                    revoked,
                    until,
                },
                at,
            )
        });
        let mut live: Vec<News> = sessions
            .chain(users)
            .filter(|(fact, at)| fact.until >= now && *at > after)
            .map(|(fact, at)| News {
                fact,
                cursor: self.at(at),
            })
            .collect();
        live.sort_by_key(|news| news.cursor.position);
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
    pub fn subscribe(&self) -> broadcast::Receiver<News> {
        self.news.subscribe()
    }
}
