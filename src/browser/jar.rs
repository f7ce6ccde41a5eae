//! Reading authd's cookies from a request: by the exact name the browser sent, and only
//! when the request carries one cookie of that name.
//!
//! The `__Host-` prefix is what stops a sibling subdomain from planting authd's cookies, and
//! the browser judges it on the raw name. actix's `req.cookie()` percent-decodes names, so a
//! planted `%5F_Host-authd_access` would read as `__Host-authd_access`: names here are compared
//! undecoded. And `req.cookie()` answers the first of several cookies of one name, which lets
//! whoever can add a cookie pick the order; two of one name are refused instead.

use actix_web::HttpRequest;

/// Two or more cookies of one authd name (or a `Cookie` header that is not text, which
/// cannot be read unambiguously).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("more than one cookie of one name")]
pub struct AmbiguousCookie;

/// The value of the one cookie named exactly `name`; `None` when there is none.
pub fn only_cookie(req: &HttpRequest, name: &str) -> Result<Option<String>, AmbiguousCookie> {
    let cookies = req.cookies_raw().map_err(|_| AmbiguousCookie)?;
    let mut named = cookies.iter().filter(|cookie| cookie.name() == name);
    match (named.next(), named.next()) {
        (None, _) => Ok(None),
        (Some(cookie), None) => Ok(Some(cookie.value().to_owned())),
        (Some(_), Some(_)) => Err(AmbiguousCookie),
    }
}
