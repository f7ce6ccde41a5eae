//! What the library's clients of authd share (the remote JWKS, the revocation feed): the
//! checks on authd's URL, that URL as logged, and background tasks that end with the last
//! handle on them.

use anyhow::Context;

/// Parses authd's `url` for `what` ("the JWKS URL"): http or https only, and a warning
/// when plain http leaves the machine, since anyone on the path could then change answers.
pub(crate) fn parse_url(url: &str, what: &str) -> anyhow::Result<reqwest::Url> {
    let parsed = reqwest::Url::parse(url).with_context(|| format!("{what} {url:?}"))?;
    anyhow::ensure!(
        matches!(parsed.scheme(), "http" | "https"),
        "{what} must be http:// or https://, not {}:",
        parsed.scheme()
    );
    if parsed.scheme() == "http" && !is_loopback(&parsed) {
        log::warn!(
            "{what} {} is plain http: anyone on the path can change its answers; use https",
            shown(&parsed)
        );
    }
    Ok(parsed)
}

/// `url` without its user name and password.
pub(crate) fn shown(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A transport error with its causes ("connection refused"), without the URL: the URL is
/// already in the caller's warning, and it may carry credentials.
pub(crate) fn describe(err: reqwest::Error) -> String {
    let mut causes = Vec::new();
    let mut cause = std::error::Error::source(&err);
    while let Some(inner) = cause {
        causes.push(inner.to_string());
        cause = inner.source();
    }
    let mut text = err.without_url().to_string();
    for cause in causes {
        text.push_str(": ");
        text.push_str(&cause);
    }
    text
}

/// Aborts a background task when dropped: held by the handles its work is for.
pub(crate) struct AbortOnDrop(pub tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
