//! What a child process needs to act as a target: the session's variables,
//! and the endpoint the target's profile names (unless rolecall's own
//! environment already sets one).

use super::Context;
use crate::broker::Plan;
use crate::credentials::Session;
use crate::output::export::SessionEnv;

/// The endpoint a child should be pointed at: the target profile's
/// `endpoint_url`, unless rolecall's own environment already sets one.
pub fn endpoint(ctx: &Context, plan: &Plan) -> Option<String> {
    if ctx.env.get("AWS_ENDPOINT_URL").is_ok() {
        return None;
    }
    plan.endpoint_profile.as_deref().and_then(|p| ctx.aws.profile_endpoint_url(p))
}

/// The environment for a child acting as `target` with `session`.
pub fn env(ctx: &Context, plan: &Plan, target: &str, session: &Session) -> SessionEnv {
    SessionEnv::new(&session.credentials, &plan.region, target).with_endpoint(endpoint(ctx, plan))
}
