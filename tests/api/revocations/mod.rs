//! Instant revocation: the facts a revocation leaves, and the feed other services read.

mod access;
mod feed;
mod instances;
mod subscriber;
