//! authd's integration tests: one binary, one file per resource, each test against a real
//! server on port 0 with its own fresh database.

mod backing;
mod helpers;

mod counters;
mod health;
mod scale;
mod stores;
