//! argon2id, run off the async workers on a bounded pool: a few hashes at once, a short
//! queue, and 503 beyond it, so a login flood cannot grow memory or threads without bound.

mod cost;
mod memory;

use std::sync::Arc;

pub use cost::{Argon2Settings, Verification};
pub use memory::Memory;

use crate::domain::Password;

/// The pool was full: the caller answers 503 with Retry-After.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing is saturated")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// A job runs on a pool thread, in that thread's argon2 memory.
type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// The pool as it runs, for the metrics: its threads, those hashing now, the jobs waiting,
/// and the jobs refused because it was full.
#[derive(Clone)]
pub struct PoolGauges {
    pub workers: prometheus::IntGauge,
    pub busy: prometheus::IntGauge,
    pub queued: prometheus::IntGauge,
    pub refused: prometheus::IntCounter,
}

impl PoolGauges {
    /// Gauges of no registry, for a pool nobody scrapes (the CLI, unit tests).
    pub fn unregistered() -> Self {
        let gauge = |name| prometheus::IntGauge::new(name, name).expect("a constant, valid name");
        Self {
            workers: gauge("workers"),
            busy: gauge("busy"),
            queued: gauge("queued"),
            refused: prometheus::IntCounter::new("refused", "refused")
                .expect("a constant, valid name"),
        }
    }
}

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
    gauges: PoolGauges,
}

impl PasswordHasher {
    pub fn new(settings: Argon2Settings, workers: usize, queue: usize) -> anyhow::Result<Self> {
        Self::with_gauges(settings, workers, queue, PoolGauges::unregistered())
    }

    /// A pool that keeps `gauges` up to date (the server's metrics).
    pub fn with_gauges(
        settings: Argon2Settings,
        workers: usize,
        queue: usize,
        gauges: PoolGauges,
    ) -> anyhow::Result<Self> {
        // A rendezvous channel (0) would refuse work whenever no worker sits in recv() at
        // that instant, so the queue holds at least one job.
        let (jobs, receiver) = std::sync::mpsc::sync_channel::<Job>(queue.max(1));
        let receiver = Arc::new(parking_lot::Mutex::new(receiver));
        let workers = workers.max(1);
        gauges
            .workers
            .set(i64::try_from(workers).unwrap_or(i64::MAX));
        for n in 0..workers {
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
            gauges,
        })
    }

    pub async fn hash(&self, password: Password) -> Result<String, HashError> {
        let settings = self.settings;
        self.run(move |memory| {
            settings
                .hash_in(memory, &password)
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
            .run(move |memory| settings.verify_in(memory, &password, &stored))
            .await?;
        Ok(Verification {
            matches: verification.matches && exists,
            ..verification
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        self.submit(job)?
            .await
            .map_err(|_| HashError::Failed("the hashing thread stopped".into()))
    }

    /// Queues `job`, or refuses it at once when the pool and its queue are full.
    fn submit<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<tokio::sync::oneshot::Receiver<T>, HashError> {
        let (done, result) = tokio::sync::oneshot::channel();
        let PoolGauges { busy, queued, .. } = self.gauges.clone();
        // Counted as queued before it is sent, so a worker that takes it at once never
        // takes the gauge below zero.
        self.gauges.queued.inc();
        let sent = self.jobs.try_send(Box::new(move |memory: &mut Memory| {
            queued.dec();
            let _busy = Busy::start(busy);
            let _ = done.send(job(memory));
        }));
        if sent.is_err() {
            self.gauges.queued.dec();
            self.gauges.refused.inc();
            return Err(HashError::Busy);
        }
        Ok(result)
    }
}

/// A worker marked busy until dropped, even when its job panics.
struct Busy(prometheus::IntGauge);

impl Busy {
    fn start(gauge: prometheus::IntGauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// A pool thread: runs jobs until every sender is gone, each in the thread's own argon2
/// memory. A panicking job is contained, so the pool never shrinks.
fn work(receiver: &parking_lot::Mutex<std::sync::mpsc::Receiver<Job>>) {
    let mut memory = Memory::default();
    loop {
        let job = receiver.lock().recv();
        let Ok(job) = job else { return };
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut memory)));
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

    #[tokio::test]
    async fn a_full_pool_answers_busy_instead_of_queueing() {
        let hasher = PasswordHasher::new(cheap(), 1, 1).unwrap();
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        // One job runs (and says so), one waits: the pool is full, the next is refused.
        let first = hasher
            .submit(move |_| {
                started_tx.send(()).unwrap();
                gate.recv().unwrap();
            })
            .unwrap();
        started.recv().unwrap();
        let second = hasher.submit(|_| ()).unwrap();
        assert!(matches!(hasher.submit(|_| ()), Err(HashError::Busy)));
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
