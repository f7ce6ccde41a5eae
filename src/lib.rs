//! authd: a stateless JWT bearer-token authentication server.
//!
//! A map of the crate, bottom-up: each module may use the ones above it, never one below.
//!
//! - [`clock`]: time as a parameter, so expiry is testable without sleeping.
//! - [`domain`]: `Email`, `Password`, `Role`: parsed once, valid by construction.
//! - [`hashing`]: argon2id on a bounded pool off the async workers.
//! - [`logging`]: env_logger as text or JSON lines.
//! - [`settings`]: the one typed configuration, in groups, from `--flags`, `AUTHD_*`
//!   variables and `.env`.
//! - `outbound`: what the library's HTTP clients of authd share (URL checks, tasks).
//! - [`keys`]: the signing-key folder, its JWKS, rotation and reloading; for a service
//!   without key files, authd's JWKS fetched and cached over HTTP ([`keys::RemoteJwks`]).
//! - [`revocation`]: the live revocation facts that end access tokens before their `exp`;
//!   for another service, authd's feed of them followed over HTTP
//!   ([`revocation::RemoteRevocations`]).
//! - [`tokens`]: issuing and verifying access, refresh, device and CSRF tokens.
//! - [`store`]: users, the refresh-token denylist and rate counters: one trait each, one
//!   implementation per backend.
//! - [`metrics`]: Prometheus metrics of the stores, the hashing pool, the flows and the
//!   access log, served on their own listener (`AUTHD_METRICS_BIND`).
//! - [`throttle`]: per-IP rates and failed-login limits over the counters.
//! - [`sessions`]: the flows (register, login, rotation, logout, password change), each
//!   taking `now` and returning its own error.
//! - [`error`]: [`error::ApiError`], the one place errors become HTTP answers.
//! - [`http`]: the JSON body extractor, size and rate middleware, CORS, the client address.
//! - [`browser`]: the opt-in cookie carrier (`AUTHD_COOKIES=on`) and its CSRF guard.
//! - [`extractor`]: [`extractor::AuthenticatedUser`], the `Authorization: Bearer` extractor
//!   that any actix-web service can use to protect its routes offline.
//! - [`routes`]: the route table ([`routes::configure`]) and one module per resource.
//! - [`startup`]: [`startup::Application`] wires the stores and runs the HTTP server.
//! - [`cli`]: the `authd` command line (`serve`, and the operator's `keys`, `users`, `token`).

pub mod browser;
pub mod cli;
pub mod clock;
pub mod domain;
pub mod error;
pub mod extractor;
pub mod hashing;
pub mod http;
pub mod keys;
pub mod logging;
pub mod metrics;
mod outbound;
pub mod revocation;
pub mod routes;
pub mod sessions;
pub mod settings;
pub mod startup;
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
