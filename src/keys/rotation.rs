//! Which key signs: a key file's publication time, and the rule that no token is signed
//! with a key that some verifier's cached JWKS, or some instance's JWKS, may still lack.

use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::time::Duration;

use super::Key;

/// The default of `AUTHD_KEYS_RELOAD`, for stores opened without settings (a verifier).
pub const DEFAULT_RELOAD_SECS: u64 = 30;

/// How long verifiers cache the JWKS, and how often each instance re-reads the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// `AUTHD_JWKS_MAX_AGE`, seconds.
    pub jwks_max_age: u64,
    /// `AUTHD_KEYS_RELOAD`, seconds.
    pub reload: u64,
}

impl Rotation {
    /// Whether `key` was published long enough before `now` (Unix seconds) to sign: within
    /// `reload` every instance has re-read the folder and publishes it, and `jwks_max_age`
    /// later every JWKS cached before that has expired.
    fn qualifies(&self, key: &Key, now: i64) -> bool {
        self.qualifies_at(key).is_some_and(|ready| now >= ready)
    }

    /// The first second (Unix) at which `key` qualifies; `None` past the end of time.
    pub(super) fn qualifies_at(&self, key: &Key) -> Option<i64> {
        let ready = key.published_at.checked_add(self.wait())?;
        let secs = ready.as_secs() + u64::from(ready.subsec_nanos() > 0);
        i64::try_from(secs).ok()
    }

    /// How long a key is published before it may sign.
    pub fn wait(&self) -> Duration {
        Duration::from_secs(self.jwks_max_age.saturating_add(self.reload))
    }

    /// The key that signs at `now` among `keys` (in kid order): the greatest kid among the
    /// qualified keys that can sign; when none qualifies, the one published longest ago, so
    /// a new key never signs before an older, already-published one would (on a first
    /// start, the only key signs at once).
    pub(super) fn signing_key<'a, I>(&self, keys: I, now: i64) -> Option<&'a Key>
    where
        I: DoubleEndedIterator<Item = &'a Key> + Clone,
    {
        let signers = keys.filter(|key| key.can_sign());
        signers
            .clone()
            .rev()
            .find(|key| self.qualifies(key, now))
            // Keys of one instant: the lesser kid, as kids sort by creation.
            .or_else(|| signers.min_by_key(|key| (key.published_at, key.kid.as_str())))
    }
}

/// When a key file was published, since the Unix epoch: the later of its modification
/// and change times. `cp -p`, `rsync -a` and `touch -d` set the mtime back; nothing but
/// the kernel sets the ctime, which is when the file (or its metadata) last changed here.
/// Nanoseconds keep two keys written within one second in order.
pub(super) fn published_at(metadata: &Metadata) -> Duration {
    let (secs, nanos) =
        (metadata.mtime(), metadata.mtime_nsec()).max((metadata.ctime(), metadata.ctime_nsec()));
    // A time before 1970 is no real ctime; count it as the epoch rather than fail the load.
    Duration::new(
        u64::try_from(secs).unwrap_or(0),
        u32::try_from(nanos).unwrap_or(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::material::KeyFile;

    const ROTATION: Rotation = Rotation {
        jwks_max_age: 300,
        reload: 30,
    };

    fn secret(kid: &str, published: u64) -> Key {
        Key::from_file(
            kid,
            &KeyFile::Secret,
            &[7; 32],
            Duration::from_secs(published),
        )
        .unwrap()
    }

    fn signer(keys: &[Key], now: i64) -> &str {
        ROTATION.signing_key(keys.iter(), now).unwrap().kid.as_str()
    }

    #[test]
    fn a_key_qualifies_once_published_for_the_max_age_and_the_reload() {
        let keys = [secret("k1", 1_000), secret("k2", 2_000)];

        assert_eq!(signer(&keys, 2_329), "k1");
        assert_eq!(signer(&keys, 2_330), "k2");
    }

    #[test]
    fn when_none_qualifies_the_key_published_longest_ago_signs() {
        let keys = [
            secret("k1", 2_000),
            secret("k2", 1_000),
            secret("k3", 1_500),
        ];

        assert_eq!(signer(&keys, 1_100), "k2");
        // Once k2 and k3 qualify, the greater kid wins.
        assert_eq!(signer(&keys, 1_830), "k3");
    }

    #[test]
    fn of_keys_published_at_one_instant_the_lesser_kid_signs() {
        let keys = [secret("k1", 1_000), secret("k2", 1_000)];

        assert_eq!(signer(&keys, 1_000), "k1");
    }

    #[test]
    fn a_key_published_within_a_second_qualifies_at_the_next_whole_second() {
        let key = Key {
            published_at: Duration::new(1_000, 1),
            ..secret("k1", 0)
        };

        assert_eq!(ROTATION.qualifies_at(&key), Some(1_331));
        assert!(!ROTATION.qualifies(&key, 1_330));
        assert!(ROTATION.qualifies(&key, 1_331));
    }

    #[test]
    fn a_clock_before_1970_qualifies_nothing() {
        let keys = [secret("k1", 0)];

        assert!(!ROTATION.qualifies(&keys[0], -1));
        assert_eq!(signer(&keys, -1), "k1");
    }
}
