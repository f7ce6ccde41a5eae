//! The origin half of the CSRF guard. A cookie-authenticated unsafe request that says where it
//! comes from must come from authd's own origin, or from an origin the operator listed in
//! `AUTHD_CORS_ORIGINS`.
//!
//! The double submit alone trusts that no other page can read or plant the CSRF cookie; a
//! browser's `Origin` and `Sec-Fetch-Site` say so directly, and a sibling subdomain is
//! `same-site`, never `same-origin`. Both headers are optional (older browsers, non-browser
//! clients), so a request that sends neither is judged by the double submit alone.

use actix_web::http::header::{HeaderName, HOST, ORIGIN};
use actix_web::HttpRequest;

/// `Sec-Fetch-Site` (Fetch Metadata): the browser's own word on who started the request.
const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// Whether `req` shows nothing but authd's own origin, or an origin in `listed`.
pub fn is_trusted(req: &HttpRequest, listed: &[String]) -> bool {
    let origin = req.headers().get(ORIGIN).map(|v| v.to_str().unwrap_or(""));
    let site = req
        .headers()
        .get(SEC_FETCH_SITE)
        .map(|v| v.to_str().unwrap_or(""));
    // A listed origin is trusted cross-origin by the operator's choice: the browser calls it
    // same-site or cross-site, and that is fine.
    if origin.is_some_and(|origin| listed.iter().any(|l| l.eq_ignore_ascii_case(origin))) {
        return true;
    }
    let same_origin = origin.is_none_or(|origin| is_own_origin(req, origin));
    let same_site = site.is_none_or(|site| matches!(site, "same-origin" | "none"));
    same_origin && same_site
}

/// Whether `origin` (`scheme://host[:port]`, as browsers serialize it) names the host the
/// request was sent to.
fn is_own_origin(req: &HttpRequest, origin: &str) -> bool {
    // `null` (sandboxed frames, some redirects) and anything malformed fail here.
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => return false,
    };
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return false;
    }
    // The Host header, never a forwarded one: those are the client's to write.
    let host = req
        .headers()
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    let bare = |authority: &str| {
        let authority = authority.to_ascii_lowercase();
        match authority.strip_suffix(default_port) {
            Some(bare) => bare.to_owned(),
            None => authority,
        }
    };
    host.is_some_and(|host| bare(authority) == bare(host))
}
