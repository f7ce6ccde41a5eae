//! The follower task: keeps one event stream open, applies what it brings, and reconnects
//! from the cursor with a jittered backoff; beside it a watchdog that sweeps ended facts
//! and declares the set stale once the stream has been gone too long.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::StatusCode;

use super::sse::{Event, EventReader};
use super::Shared;
use crate::revocation::{Cursor, Fact};

/// How often the watchdog looks.
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// Why a stream could not be opened or ended.
#[derive(Debug, thiserror::Error)]
pub(super) enum StreamError {
    #[error("no answer: {0}")]
    Unreachable(String),
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("answered {0:?}, not an event stream")]
    NotAStream(String),
    #[error("silent for {0:?}")]
    Silent(Duration),
    #[error("the stream ended")]
    Ended,
    #[error(transparent)]
    TooLong(#[from] super::sse::TooLong),
    #[error("a revocation event that is not a fact: {0}")]
    BadFact(serde_json::Error),
}

pub(super) async fn follow_forever(shared: Arc<Shared>) {
    tokio::join!(reconnect_forever(&shared), watch_forever(&shared));
}

async fn reconnect_forever(shared: &Shared) {
    let policy = &shared.policy;
    let mut backoff = policy.min_backoff;
    loop {
        let mut synced = false;
        let err = shared.stream(&mut synced).await;
        shared.lost(&err);
        // A stream that synced was a working one: authd ended it, or it broke after a
        // while. Come back at once; a string of failures backs off.
        backoff = if synced {
            policy.min_backoff
        } else {
            (backoff * 2).min(policy.max_backoff)
        };
        let wait = rand::thread_rng().gen_range(backoff / 2..=backoff);
        tokio::time::sleep(wait).await;
    }
}

async fn watch_forever(shared: &Shared) {
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        shared.set.sweep(shared.clock.now());
        shared.metrics.facts.set(shared.set.len() as i64);
        let state = shared.state.lock();
        let lost_for = state.lost_at.map(|at| at.elapsed());
        if state.connected || lost_for.is_some_and(|gone| gone <= shared.policy.stale_after) {
            continue;
        }
        if shared.set.is_current() {
            log::warn!(
                "revocation feed {} lost for over {:?}: revocations since are unknown",
                shared.shown_url,
                shared.policy.stale_after
            );
        }
        shared.set.mark_current(false);
        shared.metrics.current.set(0);
    }
}

impl Shared {
    /// Opens one stream and reads it until it fails; why it ended. `synced` tells whether it
    /// had sent its whole snapshot.
    async fn stream(&self, synced: &mut bool) -> StreamError {
        let mut response = match self.open().await {
            Ok(response) => response,
            Err(err) => return err,
        };
        let mut reader = EventReader::new(self.policy.max_event_bytes);
        loop {
            let chunk = tokio::time::timeout(self.policy.idle_timeout, response.chunk()).await;
            let chunk = match chunk {
                Err(_) => return StreamError::Silent(self.policy.idle_timeout),
                Ok(Err(err)) => return StreamError::Unreachable(crate::outbound::describe(err)),
                Ok(Ok(None)) => return StreamError::Ended,
                Ok(Ok(Some(chunk))) => chunk,
            };
            let events = match reader.read(&chunk) {
                Ok(events) => events,
                Err(err) => return err.into(),
            };
            for event in events {
                if let Err(err) = self.take(event, synced) {
                    return err;
                }
            }
        }
    }

    async fn open(&self) -> Result<reqwest::Response, StreamError> {
        let mut request = self
            .client
            .get(self.url.clone())
            .header(ACCEPT, "text/event-stream")
            .bearer_auth(self.token.expose());
        if let Some(cursor) = self.state.lock().cursor {
            request = request.header("last-event-id", cursor.to_string());
        }
        // The connect timeout bounds the connection; this bounds the answer's head.
        let sent = tokio::time::timeout(self.policy.connect_timeout * 2, request.send()).await;
        let response = match sent {
            Err(_) => return Err(StreamError::Silent(self.policy.connect_timeout * 2)),
            Ok(Err(err)) => return Err(StreamError::Unreachable(crate::outbound::describe(err))),
            Ok(Ok(response)) => response,
        };
        if response.status() != StatusCode::OK {
            return Err(StreamError::Status(response.status().as_u16()));
        }
        let kind = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|kind| kind.to_str().ok())
            .unwrap_or_default();
        if !kind.starts_with("text/event-stream") {
            return Err(StreamError::NotAStream(kind.to_owned()));
        }
        Ok(response)
    }

    /// Applies one event: a fact, or the end of the snapshot.
    fn take(&self, event: Event, synced: &mut bool) -> Result<(), StreamError> {
        match event.name.as_str() {
            "revocation" => {
                let fact: Fact = serde_json::from_str(&event.data).map_err(StreamError::BadFact)?;
                if self.set.apply(fact, self.clock.now()) {
                    self.metrics.facts.set(self.set.len() as i64);
                }
            }
            "synced" => {
                *synced = true;
                self.synced();
            }
            // Events of a later authd: nothing to do with them here.
            _ => {}
        }
        // The cursor moves only past what was applied.
        if let Some(cursor) = event.id.and_then(|id| id.parse::<Cursor>().ok()) {
            self.state.lock().cursor = Some(cursor);
        }
        Ok(())
    }

    fn synced(&self) {
        let now = self.clock.now();
        {
            let mut state = self.state.lock();
            if state.lost_at.is_some() || state.last_synced_at.is_none() {
                log::info!(
                    "revocation feed {}: synced, {} live facts",
                    self.shown_url,
                    self.set.len()
                );
            }
            state.connected = true;
            state.lost_at = None;
            state.last_synced_at = Some(now);
            state.last_error = None;
            self.set.mark_current(true);
        }
        self.metrics.connected.set(1);
        self.metrics.current.set(1);
        self.metrics.last_sync.set(now);
        self.metrics.facts.set(self.set.len() as i64);
        self.syncs.send_modify(|syncs| *syncs += 1);
    }

    /// The stream ended with `err`: the set stays current for `stale_after` from now if it
    /// was synced (the watchdog ends that), and the failure is counted and logged.
    fn lost(&self, err: &StreamError) {
        let mut state = self.state.lock();
        if state.connected {
            state.lost_at = Some(Instant::now());
            log::info!("revocation feed {}: {err}; resuming", self.shown_url);
        } else if state.last_error.as_deref() != Some(&err.to_string()) {
            log::warn!("revocation feed {}: {err}", self.shown_url);
        }
        state.connected = false;
        state.disconnects += 1;
        state.last_error = Some(err.to_string());
        self.metrics.connected.set(0);
        self.metrics.disconnects.inc();
    }
}
