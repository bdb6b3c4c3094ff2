//! The SDK plumbing that STS and Organizations (and later the SSO portal)
//! share: an SDK configuration for (profile, region) with endpoint
//! precedence and timeouts applied, and one failure classifier. It reads the
//! AWS files through [`crate::config::AwsConfig`], which parsed them once, so
//! making a client never parses them again.

pub mod endpoint;
pub mod failure;
pub mod federation;
pub mod request_log;
pub mod sdk;
pub mod server_date;

pub use endpoint::{Endpoint, Service};
pub use failure::{AwsFailure, classify};
pub use request_log::RequestLog;
pub use sdk::{Timeouts, sdk_config};
pub use server_date::ServerDate;
