//! argon2id, run off the async workers on a bounded pool: a few hashes at once, a short
//! queue, and 503 beyond it, so a login flood cannot grow memory or threads without bound.

use std::str::FromStr;
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::domain::Password;

/// argon2id cost: memory in KiB, passes, lanes (`m=19456,t=2,p=1`, OWASP's choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Settings {
    pub m_cost: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl FromStr for Argon2Settings {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        let (mut m, mut t, mut p) = (None, None, None);
        for part in value.split(',').map(str::trim) {
            let (name, number) = part
                .split_once('=')
                .ok_or_else(|| format!("'{part}' is not name=value"))?;
            let number: u32 = number
                .trim()
                .parse()
                .map_err(|_| format!("'{number}' is not a whole number"))?;
            match name.trim() {
                "m" => m = Some(number),
                "t" => t = Some(number),
                "p" => p = Some(number),
                other => return Err(format!("unknown argon2 parameter '{other}' (use m, t, p)")),
            }
        }
        let settings = Argon2Settings {
            m_cost: m.ok_or("m is missing")?,
            t_cost: t.ok_or("t is missing")?,
            p_cost: p.ok_or("p is missing")?,
        };
        settings.params()?;
        Ok(settings)
    }
}

impl Argon2Settings {
    fn params(&self) -> Result<Params, String> {
        Params::new(self.m_cost, self.t_cost, self.p_cost, None).map_err(|e| e.to_string())
    }

    fn argon2(&self) -> Argon2<'static> {
        let params = self.params().unwrap_or_default();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    /// Hashes on the calling thread; for the CLI and the pool's workers.
    pub fn hash(&self, password: &Password) -> anyhow::Result<String> {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let hash = self
            .argon2()
            .hash_password(password.expose().as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
        Ok(hash.to_string())
    }

    /// Whether `password` matches `stored`, and whether `stored` is weaker than these settings.
    pub fn verify(&self, password: &Password, stored: &str) -> Verification {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return Verification {
                matches: false,
                needs_rehash: false,
            };
        };
        // Argon2::default() verifies with the parameters the hash itself records.
        let matches = Argon2::default()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok();
        let needs_rehash = matches && self.is_weaker(&parsed);
        Verification {
            matches,
            needs_rehash,
        }
    }

    fn is_weaker(&self, hash: &PasswordHash<'_>) -> bool {
        if hash.algorithm.as_str() != "argon2id" || hash.version != Some(0x13) {
            return true;
        }
        match Params::try_from(hash) {
            Ok(p) => {
                p.m_cost() < self.m_cost || p.t_cost() < self.t_cost || p.p_cost() < self.p_cost
            }
            Err(_) => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verification {
    pub matches: bool,
    pub needs_rehash: bool,
}

/// The pool was full: the caller answers 503 with Retry-After.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing is saturated")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

type Job = Box<dyn FnOnce() + Send>;

/// A bounded pool for argon2: `workers` dedicated threads hash, at most `queue` more jobs
/// wait, and anything beyond is refused at once. Dedicated threads (rather than tokio's
/// blocking pool, which grows to 512 threads and churns them) keep memory flat: each
/// thread reuses its allocator arena for the ~19 MiB argon2 works in.
#[derive(Clone)]
pub struct PasswordHasher {
    settings: Argon2Settings,
    jobs: std::sync::mpsc::SyncSender<Job>,
    /// A real hash of a random password: a login for a missing account verifies against it,
    /// so that it costs the same time as one for an existing account.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub fn new(settings: Argon2Settings, workers: usize, queue: usize) -> anyhow::Result<Self> {
        // A rendezvous channel (0) would refuse work whenever no worker sits in recv() at
        // that instant, so the queue holds at least one job.
        let (jobs, receiver) = std::sync::mpsc::sync_channel::<Job>(queue.max(1));
        let receiver = Arc::new(std::sync::Mutex::new(receiver));
        for n in 0..workers.max(1) {
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || work(&receiver))?;
        }
        let random = uuid::Uuid::new_v4().to_string();
        let dummy =
            Password::presented(&random).ok_or_else(|| anyhow::anyhow!("dummy password"))?;
        Ok(Self {
            settings,
            jobs,
            dummy_hash: settings.hash(&dummy)?.into(),
        })
    }

    pub async fn hash(&self, password: Password) -> Result<String, HashError> {
        let settings = self.settings;
        self.run(move || {
            settings
                .hash(&password)
                .map_err(|e| HashError::Failed(e.to_string()))
        })
        .await?
    }

    /// Verifies against `stored`, or against the dummy hash when there is no account.
    pub async fn verify(
        &self,
        password: Password,
        stored: Option<String>,
    ) -> Result<Verification, HashError> {
        let settings = self.settings;
        let exists = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let verification = self
            .run(move || settings.verify(&password, &stored))
            .await?;
        Ok(Verification {
            matches: verification.matches && exists,
            ..verification
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        self.submit(job)?
            .await
            .map_err(|_| HashError::Failed("the hashing thread stopped".into()))
    }

    /// Queues `job`, or refuses it at once when the pool and its queue are full.
    fn submit<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<tokio::sync::oneshot::Receiver<T>, HashError> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .try_send(Box::new(move || {
                let _ = done.send(job());
            }))
            .map_err(|_| HashError::Busy)?;
        Ok(result)
    }
}

/// A pool thread: runs jobs until every sender is gone. A panicking job is contained, so
/// the pool never shrinks.
fn work(receiver: &std::sync::Mutex<std::sync::mpsc::Receiver<Job>>) {
    loop {
        let job = match receiver.lock() {
            Ok(guard) => guard.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = job else { return };
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Argon2Settings {
        "m=64,t=1,p=1".parse().unwrap()
    }

    fn password(raw: &str) -> Password {
        Password::presented(raw).unwrap()
    }

    #[test]
    fn settings_parse_and_reject_nonsense() {
        let s: Argon2Settings = "m=19456,t=2,p=1".parse().unwrap();
        assert_eq!(
            s,
            Argon2Settings {
                m_cost: 19456,
                t_cost: 2,
                p_cost: 1
            }
        );
        assert!("m=19456,t=2".parse::<Argon2Settings>().is_err());
        assert!("m=1,t=1,p=1".parse::<Argon2Settings>().is_err());
        assert!("x=1".parse::<Argon2Settings>().is_err());
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = cheap()
            .hash(&password("correct horse battery staple"))
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(
            cheap()
                .verify(&password("correct horse battery staple"), &hash)
                .matches
        );
        assert!(
            !cheap()
                .verify(&password("wrong horse battery staple"), &hash)
                .matches
        );
    }

    #[test]
    fn weaker_hashes_need_a_rehash() {
        let weak = cheap()
            .hash(&password("correct horse battery staple"))
            .unwrap();
        let stronger: Argon2Settings = "m=128,t=1,p=1".parse().unwrap();
        let verification = stronger.verify(&password("correct horse battery staple"), &weak);
        assert!(verification.matches && verification.needs_rehash);
        assert!(
            !cheap()
                .verify(&password("correct horse battery staple"), &weak)
                .needs_rehash
        );
    }

    #[tokio::test]
    async fn a_full_pool_answers_busy_instead_of_queueing() {
        let hasher = PasswordHasher::new(cheap(), 1, 1).unwrap();
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        // One job runs (and says so), one waits: the pool is full, the next is refused.
        let first = hasher
            .submit(move || {
                started_tx.send(()).unwrap();
                gate.recv().unwrap();
            })
            .unwrap();
        started.recv().unwrap();
        let second = hasher.submit(|| ()).unwrap();
        assert!(matches!(hasher.submit(|| ()), Err(HashError::Busy)));
        release.send(()).unwrap();
        first.await.unwrap();
        second.await.unwrap();
        assert!(hasher
            .hash(password("correct horse battery staple"))
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn a_missing_account_never_matches() {
        let hasher = PasswordHasher::new(cheap(), 1, 1).unwrap();
        let verification = hasher
            .verify(password("anything at all here"), None)
            .await
            .unwrap();
        assert!(!verification.matches);
    }
}
