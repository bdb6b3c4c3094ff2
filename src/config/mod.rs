//! Configuration: the user's AWS files and rolecall's own settings.

pub mod arn;
pub mod aws;
pub mod duration;
pub mod edit;
pub mod error;
pub mod keys;
pub mod managed;
pub mod org;
pub mod profile;
pub mod saml;
pub mod settings;
pub mod sso;

pub use arn::RoleArn;
pub use aws::{AwsConfig, AwsFiles, Base, Chain, CredentialsFrom, Position, ProfileDef, ProfileKind, RoleSource};
pub use error::ConfigError;
pub use settings::Settings;
pub use sso::{SsoRole, SsoSession};
