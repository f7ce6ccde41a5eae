//! `GET /auth/revocations`: the revocation facts for other services (Bearer
//! `AUTHD_REVOCATIONS_TOKEN`). JSON: a snapshot of the live facts and the cursor; with
//! `Accept: text/event-stream`: that snapshot as events, then each new fact as it arrives.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use utoipa::{IntoParams, ToSchema};

use crate::clock::Clock;
use crate::error::{ApiError, ErrorBody};
use crate::extractor::{bearer_token, BearerError};
use crate::http::no_store;
use crate::revocation::Fact;
use crate::sessions::Sessions;
use crate::settings::Secret;

/// A comment line this often keeps proxies from closing an idle stream.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// A stream ends after this long and the client resumes from its cursor: no connection
/// outlives a deploy's graceful shutdown by much.
const STREAM_LIFETIME: Duration = Duration::from_secs(300);

/// The feed's shared secret; `None`: the feed is off (404).
pub struct RevocationFeed(pub Option<Secret>);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Only facts numbered above this cursor (a previous answer's `cursor`, or an event's
    /// `id`; `Last-Event-ID` does the same for a stream).
    since: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct RevocationSnapshot {
    /// The greatest fact number this instance has seen: resume from it.
    cursor: u64,
    /// The live facts above `since`, in number order.
    facts: Vec<Fact>,
}

#[utoipa::path(
    get, path = "/auth/revocations", tag = "tokens", params(FeedQuery),
    responses(
        (status = 200, description = "The live revocation facts: a snapshot, or with `Accept: text/event-stream` events `revocation` (`id` = the fact's number, `data` = the fact) for the snapshot and then each new fact.",
            content((RevocationSnapshot = "application/json"), (String = "text/event-stream"))),
        (status = 400, description = "`invalid_request`: `since` is not a whole number.", body = ErrorBody),
        (status = 401, description = "`invalid_token`: no, or not the, shared secret (no credentials: 401 even when the feed is off).", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"authd\"`."))),
        (status = 404, description = "`not_found`: the feed is off (`AUTHD_REVOCATIONS_TOKEN` unset).", body = ErrorBody),
    ),
    security(("revocations_token" = []))
)]
pub async fn revocations(
    req: HttpRequest,
    (feed, sessions, clock): (
        web::Data<RevocationFeed>,
        web::Data<Sessions>,
        web::Data<dyn Clock>,
    ),
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    // No credentials is 401 whether or not the feed is on, as for any protected route.
    let token = match bearer_token(&req) {
        Ok(token) => token,
        Err(BearerError::Missing) => return Err(ApiError::MissingToken),
        Err(BearerError::Malformed) => return Err(ApiError::InvalidToken),
    };
    let secret = feed.0.as_ref().ok_or(ApiError::NotFound)?;
    if !secret.matches(token) {
        return Err(ApiError::InvalidToken);
    }
    let set = &sessions.revocations.set;
    let since = query.since.or_else(|| last_event_id(&req)).unwrap_or(0);
    if !wants_stream(&req) {
        let snapshot = RevocationSnapshot {
            cursor: set.cursor(),
            facts: set.snapshot(clock.now(), since),
        };
        return Ok(no_store(HttpResponse::Ok().json(snapshot)));
    }
    // Subscribed before the snapshot is taken, so no fact falls between the two; a fact in
    // both comes twice, which applying it again makes harmless.
    let news = set.subscribe();
    let backlog = set.snapshot(clock.now(), since).into();
    let response = HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // nginx buffers a proxied response unless told not to.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(events(backlog, news));
    Ok(response)
}

fn wants_stream(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|value| value.to_str().ok())
        .any(|accept| accept.contains("text/event-stream"))
}

fn last_event_id(req: &HttpRequest) -> Option<u64> {
    req.headers()
        .get("last-event-id")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The snapshot, then each new fact, with a heartbeat when idle; ends when the stream has
/// lived its time or the client fell so far behind that news was dropped (it resumes from
/// its cursor and gets a fresh snapshot).
fn events(
    backlog: VecDeque<Fact>,
    news: broadcast::Receiver<Fact>,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
    let ends_at = Instant::now() + STREAM_LIFETIME;
    futures_util::stream::unfold((backlog, news), move |(mut backlog, mut news)| async move {
        if let Some(fact) = backlog.pop_front() {
            return Some((Ok(event(&fact)), (backlog, news)));
        }
        let left = ends_at.checked_duration_since(Instant::now())?;
        let chunk = match tokio::time::timeout(left.min(HEARTBEAT), news.recv()).await {
            Ok(Ok(fact)) => event(&fact),
            Ok(Err(_)) => return None,
            Err(_) if Instant::now() >= ends_at => return None,
            Err(_) => Bytes::from_static(b": keep-alive\n\n"),
        };
        Some((Ok(chunk), (backlog, news)))
    })
}

fn event(fact: &Fact) -> Bytes {
    let data = serde_json::to_string(fact).unwrap_or_default();
    Bytes::from(format!(
        "id: {}\nevent: revocation\ndata: {data}\n\n",
        fact.seq
    ))
}
