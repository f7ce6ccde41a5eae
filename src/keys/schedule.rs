//! Who signs when: the signing periods the folder's keys give, past and future, by the rule
//! of [`Rotation`]. For `authd keys list` (what signs now, what next and from when) and
//! `authd keys prune` (when a key stopped signing).

use super::{Key, Rotation};

/// One key's turn at signing, in Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningPeriod {
    pub kid: String,
    pub from: i64,
    /// When the next key took over; `None` for the last period.
    pub until: Option<i64>,
}

/// The signing periods of the folder's keys, and where `now` falls among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Oldest first; a key has at most one.
    pub periods: Vec<SigningPeriod>,
    /// The key that signs at `now`.
    pub signing: Option<String>,
    /// The key that takes over after it, and from when.
    pub next: Option<SigningPeriod>,
}

impl Schedule {
    /// The schedule of `keys` (in kid order) at `now`.
    ///
    /// The signing key changes only when a key qualifies, so the rule evaluated at each
    /// qualification instant gives every change; before the first, the key published
    /// longest ago signs. The past is as the files' times tell it now: a key removed, or a
    /// file whose times changed, changes the past it shows.
    pub fn of<'a, I>(rotation: &Rotation, keys: I, now: i64) -> Schedule
    where
        I: DoubleEndedIterator<Item = &'a Key> + Clone,
    {
        let periods = signing_periods(rotation, keys.clone());
        let signing = rotation.signing_key(keys, now).map(|key| key.kid.clone());
        let next = periods
            .iter()
            .find(|period| period.from > now && Some(&period.kid) != signing.as_ref())
            .cloned();
        Schedule {
            periods,
            signing,
            next,
        }
    }

    /// The signing period of `kid`, if it has signed or will sign.
    pub fn period_of(&self, kid: &str) -> Option<&SigningPeriod> {
        self.periods.iter().rev().find(|period| period.kid == kid)
    }
}

fn signing_periods<'a, I>(rotation: &Rotation, keys: I) -> Vec<SigningPeriod>
where
    I: DoubleEndedIterator<Item = &'a Key> + Clone,
{
    let signers: Vec<&Key> = keys.clone().filter(|key| key.can_sign()).collect();
    let Some(first) = signers.iter().map(|key| key.published_at.as_secs()).min() else {
        return Vec::new();
    };
    let start = i64::try_from(first).unwrap_or(i64::MAX);
    let mut changes: Vec<i64> = signers
        .iter()
        .filter_map(|key| rotation.qualifies_at(key))
        .filter(|at| *at > start)
        .collect();
    changes.sort_unstable();
    changes.dedup();
    let mut periods: Vec<SigningPeriod> = Vec::new();
    for at in std::iter::once(start).chain(changes) {
        let Some(key) = rotation.signing_key(keys.clone(), at) else {
            continue;
        };
        if periods.last().is_some_and(|last| last.kid == key.kid) {
            continue;
        }
        if let Some(last) = periods.last_mut() {
            last.until = Some(at);
        }
        periods.push(SigningPeriod {
            kid: key.kid.clone(),
            from: at,
            until: None,
        });
    }
    periods
}

#[cfg(test)]
mod tests;
