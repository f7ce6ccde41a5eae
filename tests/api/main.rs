//! authd's integration tests: one binary, one file per resource, each test against a real
//! server on port 0 with its own fresh database.

mod backing;
mod helpers;

mod account;
mod admin;
mod attacks;
mod browser;
mod cli;
mod client_ids;
mod counters;
mod devices;
mod dump;
mod errors;
mod health;
mod jwks;
mod jwks_etag;
mod keys;
mod login;
mod logout;
mod me;
mod methods;
mod metrics;
mod oauth;
mod operations;
mod process;
mod refresh;
mod register;
mod remote_jwks;
mod revocation_store;
mod revocations;
mod scale;
mod stores;
mod throttle;
mod verify;
