//! Values parsed once at the edge: a handler never holds a raw string it must remember to check.

mod client;
mod email;
mod password;
mod role;

pub use client::{ClientId, ClientIdError, ClientIds};
pub use email::{Email, EmailError};
pub use password::{Password, PasswordError, PasswordPolicy, MAX_PASSWORD_CHARS};
pub use role::{Role, RoleError};
