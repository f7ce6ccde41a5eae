//! One conditional GET of the JWKS: `If-None-Match` with the last `ETag`, no redirects, one
//! timeout over the whole exchange and a cap on the body, so a hostile or broken endpoint can
//! neither hang the refresher nor fill its memory.

use std::time::Duration;

use reqwest::header::{HeaderMap, ACCEPT, AGE, CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;

use super::jwks::JwksError;
use super::policy::fresh_for;

/// A fetch that answered.
#[derive(Debug)]
pub(super) enum Fetched {
    /// 200: the document, its entity-tag, and how long it is fresh.
    Modified {
        body: Vec<u8>,
        etag: Option<String>,
        fresh_for: Option<Duration>,
    },
    /// 304 to our `If-None-Match`: the set we hold is current.
    NotModified { fresh_for: Option<Duration> },
}

/// Why a fetch gave no new key set; the last good set stays in use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("no answer: {0}")]
    Unreachable(String),
    #[error("no answer within {0:?}")]
    TimedOut(Duration),
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("answered more than {0} bytes")]
    TooLarge(usize),
    #[error(transparent)]
    Jwks(#[from] JwksError),
}

/// The limits of one fetch.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub timeout: Duration,
    pub max_body_bytes: usize,
}

/// GETs `url`, revalidating `etag` when we hold a set.
pub(super) async fn fetch(
    client: &reqwest::Client,
    url: &reqwest::Url,
    etag: Option<&str>,
    limits: Limits,
) -> Result<Fetched, FetchError> {
    // The client's own timeout covers the body too; this one also bounds our reading.
    tokio::time::timeout(limits.timeout, exchange(client, url, etag, limits))
        .await
        .unwrap_or(Err(FetchError::TimedOut(limits.timeout)))
}

async fn exchange(
    client: &reqwest::Client,
    url: &reqwest::Url,
    etag: Option<&str>,
    limits: Limits,
) -> Result<Fetched, FetchError> {
    let mut request = client.get(url.clone()).header(ACCEPT, "application/json");
    if let Some(etag) = etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    let mut response = request.send().await.map_err(|e| failure(e, limits))?;
    let fresh_for = freshness(response.headers());
    match response.status() {
        StatusCode::OK => {}
        StatusCode::NOT_MODIFIED if etag.is_some() => {
            return Ok(Fetched::NotModified { fresh_for });
        }
        other => return Err(FetchError::Status(other.as_u16())),
    }
    let too_large = FetchError::TooLarge(limits.max_body_bytes);
    if response
        .content_length()
        .is_some_and(|length| length > limits.max_body_bytes as u64)
    {
        return Err(too_large);
    }
    let etag = response
        .headers()
        .get(ETAG)
        .and_then(|tag| tag.to_str().ok())
        .map(str::to_owned);
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| failure(e, limits))? {
        if body.len() + chunk.len() > limits.max_body_bytes {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched::Modified {
        body,
        etag,
        fresh_for,
    })
}

fn freshness(headers: &HeaderMap) -> Option<Duration> {
    let cache_control = headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|field| field.to_str().ok());
    let age = headers.get(AGE).and_then(|age| age.to_str().ok());
    fresh_for(cache_control, age)
}

fn failure(err: reqwest::Error, limits: Limits) -> FetchError {
    if err.is_timeout() {
        return FetchError::TimedOut(limits.timeout);
    }
    FetchError::Unreachable(crate::outbound::describe(err))
}
