//! The OAuth 2.0 surface, so standard client libraries and Postman's OAuth 2.0 helper work
//! unchanged: the token endpoint (RFC 6749 §4.3 password and §6 refresh_token grants),
//! revocation (RFC 7009) and the server metadata (RFC 8414). They share the flows of the
//! JSON endpoints (throttle, rotation, replay detection, grace window) and answer errors in
//! §5.2's shape.

mod client;
pub(super) mod metadata;
pub(super) mod revoke;
pub(super) mod token;

pub use metadata::{metadata, ServerMetadata};
pub use revoke::revoke;
pub use token::token;
