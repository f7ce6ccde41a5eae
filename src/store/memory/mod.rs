//! In-memory stores: for tests and for programs that embed authd; not durable.

mod denylist;
mod users;

pub use denylist::MemoryDenylist;
pub use users::MemoryUserStore;
