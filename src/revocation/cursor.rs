//! [`Cursor`]: where a reader of one instance's revocation feed is, so that a reconnect gets
//! only what it has not seen.
//!
//! The store's fact numbers cannot be the cursor: a database's numbers may become visible
//! out of order (a later transaction commits first), and a Redis restarted empty numbers
//! again from 1, so "everything above n" would skip facts. A cursor instead counts the
//! changes one instance's set has taken in, in the order it took them, under that set's
//! random epoch. A cursor of another epoch (another instance behind a load balancer, or
//! this one before a restart) gets the whole snapshot: facts are few and applying one
//! twice is harmless, so a reader never misses one.

use std::fmt;
use std::str::FromStr;

/// A position in one instance's feed: `<epoch as hex>-<changes>`, e.g. `9f0c3a…-42`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The set's random identity, drawn when it is made.
    pub epoch: u64,
    /// How many changes the set had taken in.
    pub position: u64,
}

/// A cursor that does not read as `<hex>-<number>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a cursor is <hex epoch>-<number>, as a snapshot's `cursor` or an event's `id`")]
pub struct MalformedCursor;

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}-{}", self.epoch, self.position)
    }
}

impl FromStr for Cursor {
    type Err = MalformedCursor;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (epoch, position) = text.trim().split_once('-').ok_or(MalformedCursor)?;
        // from_str_radix takes a leading sign; a cursor has none.
        let digits = |s: &str, radix| s.chars().all(|c| c.is_digit(radix)) && !s.is_empty();
        if !digits(epoch, 16) || !digits(position, 10) {
            return Err(MalformedCursor);
        }
        Ok(Cursor {
            epoch: u64::from_str_radix(epoch, 16).map_err(|_| MalformedCursor)?,
            position: position.parse().map_err(|_| MalformedCursor)?,
        })
    }
}

impl serde::Serialize for Cursor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Cursor {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
