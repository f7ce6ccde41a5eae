//! Which client a token request comes from (RFC 6749 §2.3): `client_id` in the body, or
//! HTTP Basic with the id as user name and an empty password (every authd client is
//! public, so there is no secret to check), or neither (the default client). The id must
//! be one of `AUTHD_CLIENT_IDS`.

use actix_web::http::header;
use actix_web::HttpRequest;
use base64::Engine;
use percent_encoding::percent_decode_str;

use crate::domain::{ClientId, ClientIds};
use crate::error::OAuthError;
use crate::http::Form;

pub fn client_of<'a>(
    req: &HttpRequest,
    form: &Form,
    clients: &'a ClientIds,
) -> Result<&'a ClientId, OAuthError> {
    let basic = basic_client(req)?;
    let named = match (basic.as_deref(), form.get("client_id")) {
        (Some(basic), Some(body)) if basic != body => {
            return Err(OAuthError::InvalidRequest(
                "client_id differs between the Authorization header and the body".into(),
            ))
        }
        (Some(id), _) | (None, Some(id)) => id,
        (None, None) => return Ok(clients.default_client()),
    };
    clients.get(named).ok_or(OAuthError::InvalidClient {
        basic: basic.is_some(),
    })
}

/// The client id of an `Authorization: Basic` header, if one was sent (§2.3.1: id and
/// secret are form-encoded, then joined by `:` and base64-encoded).
fn basic_client(req: &HttpRequest) -> Result<Option<String>, OAuthError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let Some((scheme, credentials)) = value.to_str().ok().and_then(|v| v.split_once(' ')) else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let refused = || OAuthError::InvalidClient { basic: true };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(credentials.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(refused)?;
    let (id, secret) = decoded.split_once(':').ok_or_else(refused)?;
    if !secret.is_empty() {
        return Err(refused());
    }
    let id = id.replace('+', " ");
    let id = percent_decode_str(&id)
        .decode_utf8()
        .map_err(|_| refused())?;
    Ok(Some(id.into_owned()))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn basic(user_pass: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user_pass)
        )
    }

    fn client(auth: Option<&str>, body: &[u8]) -> Result<String, OAuthError> {
        let clients: ClientIds = "authd,cli".parse().unwrap();
        let mut req = TestRequest::post();
        if let Some(auth) = auth {
            req = req.insert_header((header::AUTHORIZATION, auth));
        }
        let form = Form::parse(body).unwrap();
        client_of(&req.to_http_request(), &form, &clients).map(|c| c.as_str().to_owned())
    }

    #[test]
    fn no_client_named_is_the_default_client() {
        assert_eq!(client(None, b"").unwrap(), "authd");
        // Another scheme is not client authentication.
        assert_eq!(client(Some("Bearer abc"), b"").unwrap(), "authd");
    }

    #[test]
    fn the_client_comes_from_the_body_or_from_basic_with_an_empty_password() {
        assert_eq!(client(None, b"client_id=cli").unwrap(), "cli");
        assert_eq!(client(Some(&basic("cli:")), b"").unwrap(), "cli");
        assert_eq!(
            client(Some(&basic("cli:")), b"client_id=cli").unwrap(),
            "cli"
        );
        assert_eq!(client(Some(&basic("c%6Ci:")), b"").unwrap(), "cli");
    }

    #[test]
    fn an_unknown_client_is_invalid_client_with_the_basic_challenge_only_for_basic() {
        assert!(matches!(
            client(None, b"client_id=evil"),
            Err(OAuthError::InvalidClient { basic: false })
        ));
        assert!(matches!(
            client(Some(&basic("evil:")), b""),
            Err(OAuthError::InvalidClient { basic: true })
        ));
    }

    #[test]
    fn a_secret_or_a_malformed_basic_header_is_invalid_client() {
        for auth in [
            basic("cli:secret"),
            basic("cli"),
            "Basic !!!".into(),
            basic("%FF:"),
        ] {
            assert!(
                matches!(
                    client(Some(&auth), b""),
                    Err(OAuthError::InvalidClient { basic: true })
                ),
                "{auth}"
            );
        }
    }

    #[test]
    fn two_different_ids_are_invalid_request() {
        assert!(matches!(
            client(Some(&basic("cli:")), b"client_id=authd"),
            Err(OAuthError::InvalidRequest(_))
        ));
    }
}
