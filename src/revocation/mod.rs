//! Instant revocation: the small facts that end access tokens before their `exp`. A logout,
//! an RFC 7009 revocation or a replay ends one session (`sid`); a logout-all, a password
//! change or a user's deletion ends every token of a user older than a generation. Each fact
//! lives only until the latest `exp` an access token it covers can have (plus the leeway),
//! so the set holds what was revoked within the last access-token lifetime, and checking a
//! token against it is a hash lookup in memory.

mod cursor;
pub mod feed;
mod set;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use cursor::{Cursor, MalformedCursor};
pub use feed::{FeedPolicy, FeedStatus, RemoteRevocations};
pub use set::{News, RevocationSet};

/// What a fact revokes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Revoked {
    /// Every access token of one session.
    Session { sid: Uuid },
    /// Every access token of user `sub` issued at a generation below `gen` (a deleted
    /// user's fact has the greatest generation).
    User { sub: Uuid, gen: i64 },
}

/// One revocation, in force until `until` (Unix seconds), numbered by the store in the
/// order the store learnt it (`seq`, the feed's cursor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Fact {
    pub seq: u64,
    #[serde(flatten)]
    pub revoked: Revoked,
    pub until: i64,
}

/// The facts of an access token that a revocation may cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    pub sub: Uuid,
    pub sid: Uuid,
    /// The user's generation when the token was issued.
    pub gen: i64,
}

impl Revoked {
    /// The generation of a deleted user's fact: no token is of a generation this high.
    pub const DELETED: i64 = i64::MAX;

    /// Whether this fact covers a token of `holder`.
    pub fn covers(&self, holder: &Holder) -> bool {
        match *self {
            Revoked::Session { sid } => sid == holder.sid,
            Revoked::User { sub, gen } => sub == holder.sub && holder.gen < gen,
        }
    }
}

#[cfg(test)]
mod tests;
