//! authd: a stateless JWT bearer-token authentication server.
//!
//! A map of the crate:
//!
//! - [`settings`]: the one typed configuration, from `--flags`, `AUTHD_*` variables and `.env`.
//! - [`startup`]: [`startup::Application`] binds, wires the stores and runs the HTTP server.
//! - [`routes`]: the route table ([`routes::configure`]) and one module per resource.
//! - [`extractor`]: [`extractor::AuthenticatedUser`], the `Authorization: Bearer` extractor
//!   that any actix-web service can use to protect its routes offline.
//! - [`keys`]: the signing-key folder, its JWKS, rotation and reloading.
//! - [`tokens`]: issuing and verifying access, refresh and device tokens.
//! - [`domain`]: `Email`, `Password`, `Role`: parsed once, valid by construction.
//! - [`store`]: the user store and the refresh-token denylist, one trait each, one
//!   implementation per backend.
//! - [`hashing`]: argon2id on a bounded pool off the async workers.
//! - [`browser`]: cookie sessions for browsers (`AUTHD_COOKIES=on`) and their CSRF guard.
//! - [`error`]: [`error::ApiError`], the one place errors become HTTP answers.
//! - [`clock`]: time as a parameter, so expiry is testable without sleeping.

pub mod browser;
pub mod cli;
pub mod clock;
pub mod cors;
pub mod domain;
pub mod error;
pub mod extractor;
pub mod hashing;
pub mod keys;
pub mod middleware;
pub mod routes;
pub mod sessions;
pub mod settings;
pub mod startup;
pub mod state;
pub mod store;
pub mod throttle;
pub mod tokens;

/// Installs jsonwebtoken's aws-lc-rs crypto provider for this process.
///
/// jsonwebtoken panics on first use when no provider was chosen, so every entry point
/// (the server, the CLI, tests) calls this first. Calling it again is harmless.
pub fn install_crypto_provider() {
    // An Err only means a provider is installed already.
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
}
