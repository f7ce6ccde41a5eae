//! `Form`: an `application/x-www-form-urlencoded` body (RFC 6749 §3.2, RFC 7009 §2.1), for
//! the OAuth 2.0 endpoints. Any other media type, a compressed or oversized body, and a
//! parameter sent twice (§3.2: "MUST NOT be included more than once") are errors; unknown
//! parameters are ignored (§3.2), and a parameter sent empty counts as absent (§3.1).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use crate::error::{ApiError, OAuthError};

#[derive(Default)]
pub struct Form {
    params: HashMap<String, String>,
}

impl Form {
    /// Parses a form body; a repeated parameter is `invalid_request`, naming it.
    pub fn parse(body: &[u8]) -> Result<Self, OAuthError> {
        let mut params = HashMap::new();
        for (name, value) in form_urlencoded::parse(body) {
            // `=x` names nothing; an empty value is an absent parameter (RFC 6749 §3.1).
            if name.is_empty() || value.is_empty() {
                continue;
            }
            if params
                .insert(name.to_string(), value.into_owned())
                .is_some()
            {
                return Err(OAuthError::InvalidRequest(format!(
                    "the parameter '{name}' is repeated"
                )));
            }
        }
        Ok(Form { params })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    pub fn required(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::InvalidRequest(format!("the parameter '{name}' is missing")))
    }
}

/// Form values are credentials (passwords, tokens): `{:?}` names the parameters only.
impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.params.keys().collect();
        names.sort();
        f.debug_tuple("Form").field(&names).finish()
    }
}

fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| {
            essence
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

impl FromRequest for Form {
    type Error = OAuthError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, OAuthError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !is_form(req) {
            return Box::pin(async {
                Err(OAuthError::InvalidRequest(
                    "the body must be application/x-www-form-urlencoded".into(),
                ))
            });
        }
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes
                .await
                .map_err(|err| match err.as_error::<PayloadError>() {
                    Some(PayloadError::Overflow) => OAuthError::Api(ApiError::PayloadTooLarge),
                    _ => OAuthError::InvalidRequest("the request body could not be read".into()),
                })?;
            Form::parse(&bytes)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_percent_decoded_and_plus_is_a_space() {
        let form =
            Form::parse(b"grant_type=password&username=a%40b.c&password=correct+horse%26").unwrap();
        assert_eq!(form.get("grant_type"), Some("password"));
        assert_eq!(form.get("username"), Some("a@b.c"));
        assert_eq!(form.get("password"), Some("correct horse&"));
        assert_eq!(form.get("scope"), None);
    }

    #[test]
    fn a_repeated_parameter_is_invalid_request_and_an_empty_one_is_absent() {
        let err = Form::parse(b"grant_type=password&grant_type=refresh_token").unwrap_err();
        assert!(matches!(err, OAuthError::InvalidRequest(m) if m.contains("grant_type")));
        let form = Form::parse(b"scope=&client_id=&=a&=b").unwrap();
        assert_eq!(form.get("scope"), None);
        assert!(matches!(
            form.required("client_id"),
            Err(OAuthError::InvalidRequest(_))
        ));
    }

    #[test]
    fn debug_never_shows_a_value() {
        let form = Form::parse(b"password=hunter2hunter2").unwrap();
        assert_eq!(format!("{form:?}"), "Form([\"password\"])");
    }
}
