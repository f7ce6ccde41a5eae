//! `GET /auth/revocations`: the revocation facts for other services (Bearer
//! `AUTHD_REVOCATIONS_TOKEN`). JSON: a snapshot of the live facts and the cursor; with
//! `Accept: text/event-stream`: that snapshot as events, a `synced` event, then each new
//! fact as it arrives. A cursor (`?since=`, `Last-Event-ID`) is this instance's: from any
//! other, the answer is the whole snapshot (see [`Cursor`]).

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
use crate::revocation::{Cursor, Fact, News};
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
    /// Only what changed after this cursor (a previous answer's `cursor`, or an event's
    /// `id`; `Last-Event-ID` does the same for a stream). A cursor of another instance, or
    /// of this one before a restart, gets every live fact.
    #[param(value_type = Option<String>, example = "5f0c3a9e1b2d4c6f-42",
        pattern = r"^[0-9a-fA-F]{1,16}-[0-9]{1,19}$")]
    since: Option<Cursor>,
}

#[derive(Serialize, ToSchema)]
pub struct RevocationSnapshot {
    /// Where this answer leaves its reader: resume from it.
    #[schema(value_type = String, example = "5f0c3a9e1b2d4c6f-42")]
    cursor: Cursor,
    /// The live facts that changed after `since`, in the order they changed.
    facts: Vec<Fact>,
}

#[utoipa::path(
    get, path = "/auth/revocations", tag = "tokens", params(FeedQuery),
    responses(
        (status = 200, description = "The live revocation facts: a snapshot, or with `Accept: text/event-stream` events `revocation` (`id` = the cursor after it, `data` = the fact) for the snapshot, one event `synced` (`id` and `data.cursor` = the cursor after the snapshot) once the snapshot is all sent, and then each new fact.",
            content((RevocationSnapshot = "application/json"), (String = "text/event-stream"))),
        (status = 400, description = "`invalid_request`: `since` is not a cursor.", body = ErrorBody),
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
    let since = query.since.or_else(|| last_event_id(&req));
    if !wants_stream(&req) {
        // The cursor first: a change between the two comes again next time, never not at all.
        let cursor = set.cursor();
        let facts = set.snapshot(clock.now(), since);
        let facts = facts.into_iter().map(|news| news.fact).collect();
        return Ok(no_store(
            HttpResponse::Ok().json(RevocationSnapshot { cursor, facts }),
        ));
    }
    // Subscribed before the snapshot is taken, so no fact falls between the two; what is in
    // both is sent once (see `events`).
    let news = set.subscribe();
    let backlog: VecDeque<News> = set.snapshot(clock.now(), since).into();
    let synced = backlog
        .back()
        .map_or_else(|| set.cursor(), |news| news.cursor);
    let response = HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        // nginx buffers a proxied response unless told not to.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(events(backlog, synced, news));
    Ok(response)
}

fn wants_stream(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|value| value.to_str().ok())
        .any(|accept| accept.contains("text/event-stream"))
}

/// A malformed `Last-Event-ID` is no cursor: the stream starts from the whole snapshot.
fn last_event_id(req: &HttpRequest) -> Option<Cursor> {
    req.headers()
        .get("last-event-id")?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// The snapshot, `synced`, then each new fact, with a heartbeat when idle; ends when the
/// stream has lived its time or the client fell so far behind that news was dropped (it
/// resumes from its cursor). News the snapshot already held is skipped.
fn events(
    backlog: VecDeque<News>,
    synced: Cursor,
    news: broadcast::Receiver<News>,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
    let ends_at = Instant::now() + STREAM_LIFETIME;
    let state = (backlog, false, news);
    futures_util::stream::unfold(
        state,
        move |(mut backlog, announced, mut news)| async move {
            if let Some(fact) = backlog.pop_front() {
                return Some((Ok(event(&fact)), (backlog, announced, news)));
            }
            if !announced {
                let data = serde_json::json!({ "cursor": synced });
                let chunk = format!("id: {synced}\nevent: synced\ndata: {data}\n\n");
                return Some((Ok(Bytes::from(chunk)), (backlog, true, news)));
            }
            let left = ends_at.checked_duration_since(Instant::now())?;
            let chunk = loop {
                match tokio::time::timeout(left.min(HEARTBEAT), news.recv()).await {
                    Ok(Ok(fresh)) if fresh.cursor.position <= synced.position => continue,
                    Ok(Ok(fresh)) => break event(&fresh),
                    Ok(Err(_)) => return None,
                    Err(_) if Instant::now() >= ends_at => return None,
                    Err(_) => break Bytes::from_static(b": keep-alive\n\n"),
                }
            };
            Some((Ok(chunk), (backlog, true, news)))
        },
    )
}

fn event(news: &News) -> Bytes {
    let data = serde_json::to_string(&news.fact).unwrap_or_default();
    Bytes::from(format!(
        "id: {}\nevent: revocation\ndata: {data}\n\n",
        news.cursor
    ))
}
