//! authd's integration tests: one binary, one file per resource, each test against a real
//! server on port 0 with its own fresh database.

mod helpers;

mod account;
mod health;
mod login;
mod logout;
mod refresh;
mod register;
mod throttle;
mod admin;
mod errors;
mod jwks;
mod me;
mod keys;
mod attacks;
