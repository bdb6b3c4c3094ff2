//! SAML federation: the assertion a corporate identity provider posts to AWS,
//! read (never trusted: AWS checks the signature) for the roles it grants.

pub mod assertion;
pub mod provider;
pub mod source;
pub mod sts;

pub use assertion::{Assertion, AssertionError, RolePair, SamlResponse, parse};
pub use provider::ProviderArn;
