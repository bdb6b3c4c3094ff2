//! The console sign-in URL for a target: its credentials through the one
//! cached-or-assume path, then the federation endpoint (its partition's, or
//! the override in the settings or `ROLECALL_SIGNIN_ENDPOINT`).

use secrecy::SecretString;

use super::{AppError, Context, Flags, Prompt, assume};
use crate::aws::federation::{self, DurationRule, Partition};
use crate::broker::Plan;
use crate::config::Base;
use crate::credentials::Session;

/// The environment variable that overrides the federation endpoint.
pub const SIGNIN_ENDPOINT_VAR: &str = "ROLECALL_SIGNIN_ENDPOINT";

/// Where the console should open.
#[derive(Clone, Debug, Default)]
pub struct Where {
    /// A service's home page (`s3`, `ec2`…).
    pub service: Option<String>,
    /// A console URL.
    pub destination: Option<String>,
}

/// A sign-in URL and what the operator should know about it.
pub struct Signin {
    /// The login URL: a secret while its token is valid (15 minutes).
    pub url: SecretString,
    /// The identity the console will show.
    pub arn: String,
    /// Notices (no SessionDuration for chained credentials…).
    pub notices: Vec<String>,
}

/// Whether AWS takes `SessionDuration` for `plan`'s credentials: only for
/// one role assumed with an IAM user's long-lived keys, no MFA session.
pub fn duration_rule(plan: &Plan) -> DurationRule {
    let long_lived = matches!(&plan.base, Base::StaticKeys { credentials, .. } if !credentials.is_temporary());
    match plan.final_step() {
        Some(step) if long_lived && !step.chained && plan.mfa_session.is_none() => DurationRule::Allowed,
        _ => DurationRule::Chained,
    }
}

/// The endpoint override: `ROLECALL_SIGNIN_ENDPOINT`, else the settings'.
fn endpoint_override(ctx: &Context) -> Option<String> {
    let var = ctx.env.get(SIGNIN_ENDPOINT_VAR).ok().filter(|v| !v.trim().is_empty());
    var.or_else(|| ctx.settings.defaults.signin_endpoint.clone())
}

/// Assumes `target` (or serves it from the cache) and exchanges its
/// credentials for a console sign-in URL.
pub async fn signin(
    ctx: &Context,
    target: &str,
    flags: &Flags,
    at: &Where,
    prompt: Prompt,
) -> Result<Signin, AppError> {
    let assumed = assume(ctx, target, flags, prompt).await?;
    signin_with(ctx, &assumed.plan, &assumed.session, flags.overrides.duration, at).await
}

/// Exchanges `session` (made by `plan`) for a console sign-in URL; the
/// console session lasts `duration` where AWS allows it.
pub async fn signin_with(
    ctx: &Context,
    plan: &Plan,
    session: &Session,
    duration: Option<u32>,
    at: &Where,
) -> Result<Signin, AppError> {
    let region = plan.region.clone();
    let partition = Partition::of_region(&region);
    let endpoint = federation::endpoint(partition, endpoint_override(ctx).as_deref())?;
    // Checked before any request: a bad --service or --destination costs nothing.
    let destination = federation::destination(partition, &region, at.service.as_deref(), at.destination.as_deref())?;
    let mut notices = Vec::new();
    let duration = match federation::session_duration(duration_rule(plan), duration) {
        Ok(d) => d,
        Err(notice) => {
            notices.push(notice);
            None
        }
    };
    let request = federation::token_request(&endpoint, &session.credentials, duration)?;
    let token = federation::signin_token(&request, ctx.settings.defaults.operation_timeout).await?;
    let url = federation::login_url(&endpoint, &token, &destination);
    Ok(Signin { url, arn: session.identity.arn.clone(), notices })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::plan;
    use crate::config::Settings;
    use crate::config::aws::from_text;

    #[tokio::test]
    async fn session_duration_is_for_one_role_from_an_iam_users_keys() {
        let config = "[profile hub]\n[profile tmp]\n\
                      [profile ro]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = hub\n\
                      [profile dev]\nrole_arn = arn:aws:iam::222222222222:role/Dev\nsource_profile = hub\nmfa_serial = arn:aws:iam::111111111111:mfa/me\n\
                      [profile next]\nrole_arn = arn:aws:iam::333333333333:role/Next\nsource_profile = ro\n\
                      [profile from-tmp]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = tmp\n";
        let creds = "[hub]\naws_access_key_id = AKIAHUB\naws_secret_access_key = s\n\
                     [tmp]\naws_access_key_id = ASIATMP\naws_secret_access_key = s\naws_session_token = t\n";
        let (_dir, aws) = from_text(config, creds, &[]).await;
        let rows = [
            ("ro", DurationRule::Allowed),
            ("dev", DurationRule::Chained),
            ("next", DurationRule::Chained),
            ("from-tmp", DurationRule::Chained),
            ("hub", DurationRule::Chained),
        ];
        for (target, want) in rows {
            let plan = plan::build(target, &aws, &Settings::default(), &Default::default()).unwrap();
            assert_eq!(duration_rule(&plan), want, "{target}");
        }
    }
}
