//! `Role`: a short lower-case name such as `admin`, carried in access tokens.

use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Role(Cow<'static, str>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("a role is 1 to 64 characters of a-z, 0-9, '_', '-', '.', ':'")]
    Invalid,
}

impl Role {
    /// The role that may list users (`GET /admin/users`).
    pub const ADMIN: Role = Role(Cow::Borrowed("admin"));

    pub fn parse(raw: &str) -> Result<Self, RoleError> {
        let valid = (1..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.:".contains(&b));
        if valid {
            Ok(Self(Cow::Owned(raw.to_owned())))
        } else {
            Err(RoleError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_short_lower_case_names() {
        assert!(Role::parse("admin").is_ok());
        assert!(Role::parse("billing:read").is_ok());
        assert!(Role::parse("").is_err());
        assert!(Role::parse("Admin").is_err());
        assert!(Role::parse("a b").is_err());
        assert!(Role::parse(&"a".repeat(65)).is_err());
        assert_eq!(Role::parse("admin"), Ok(Role::ADMIN));
    }
}
