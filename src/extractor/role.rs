//! [`RequireRole`]: an [`AuthenticatedUser`] who holds a role, named by a type; 403
//! `insufficient_scope` for anyone else.

use std::marker::PhantomData;

use actix_web::{dev::Payload, FromRequest, HttpRequest};

use super::{authenticate_and_mark, AuthenticatedUser, Extraction};
use crate::domain::Role;
use crate::error::ApiError;

/// A role, as a type, for [`RequireRole`].
pub trait RoleName {
    const ROLE: Role;
}

/// The `admin` role.
#[derive(Debug)]
pub struct Admin;

impl RoleName for Admin {
    const ROLE: Role = Role::ADMIN;
}

/// An [`AuthenticatedUser`] who holds role `R`; 403 `insufficient_scope` otherwise.
#[derive(Debug)]
pub struct RequireRole<R: RoleName>(pub AuthenticatedUser, pub PhantomData<R>);

impl<R: RoleName> FromRequest for RequireRole<R> {
    type Error = ApiError;
    type Future = Extraction<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let authenticating = authenticate_and_mark(req.clone());
        Box::pin(async move {
            let user = authenticating.await?;
            if user.has_role(&R::ROLE) {
                Ok(RequireRole(user, PhantomData))
            } else {
                Err(ApiError::InsufficientScope(R::ROLE))
            }
        })
    }
}
