//! The broker: runs a [`Plan`] against STS and returns verified credentials.

pub mod base;
pub mod error;
pub mod mfa;
pub mod plan;
pub mod sts;

use std::sync::Arc;
use std::time::Duration;

use aws_types::os_shim_internal::Env;

pub use crate::store::cache::{MemoryCache, MfaSessionKey, SessionCache};
pub use error::{AccessDenied, BrokerError};
pub use mfa::{MfaCode, MfaPrompt, MfaSource, TtyPrompt};
use plan::{AssumeStep, SessionName};
pub use plan::{Overrides, Plan};
use sts::{AssumeCall, StsConnector};

use crate::aws::AwsFailure;
use crate::limits::CHAINED_MAX_DURATION;
use crate::sso::RoleCredentials;

use crate::credentials::{Credentials, Identity, Session};

/// An MFA session is reused only while it has at least this long left.
const MFA_SESSION_MIN_LEFT: Duration = Duration::from_secs(5 * 60);

/// The result of running a plan.
#[derive(Debug)]
pub struct Outcome {
    /// The target's credentials and the identity they were verified to be.
    pub session: Session,
    /// Notices for the operator (chaining caps…), already in the plan or found at run time.
    pub notices: Vec<String>,
}

/// Runs plans. Holds what one run shares: STS access, MFA codes, the MFA session cache.
pub struct Broker {
    connector: Arc<dyn StsConnector>,
    mfa: MfaSource,
    cache: Arc<dyn SessionCache>,
    env: Env,
    process_timeout: Duration,
    sso: Option<Arc<dyn RoleCredentials>>,
}

impl Broker {
    /// A broker over the given STS connector, MFA source and session cache.
    pub fn new(connector: Arc<dyn StsConnector>, mfa: MfaSource, cache: Arc<dyn SessionCache>, env: Env) -> Self {
        Self { connector, mfa, cache, env, process_timeout: Duration::from_secs(60), sso: None }
    }

    /// Sets where Identity Center role credentials come from (for `Base::Sso` plans).
    pub fn with_sso(mut self, sso: Arc<dyn RoleCredentials>) -> Self {
        self.sso = Some(sso);
        self
    }

    /// Sets how long a base profile's `credential_process` may take.
    pub fn with_process_timeout(mut self, timeout: Duration) -> Self {
        self.process_timeout = timeout;
        self
    }

    fn network(&self, detail: String) -> BrokerError {
        BrokerError::Network { endpoint: self.connector.endpoint(), detail }
    }

    fn failure(&self, operation: &'static str, f: AwsFailure) -> BrokerError {
        match f {
            AwsFailure::Network(detail) => self.network(detail),
            AwsFailure::Server(detail) => BrokerError::Server { endpoint: self.connector.endpoint(), detail },
            AwsFailure::Denied(message) => BrokerError::Aws { operation, code: "AccessDenied".into(), message },
            AwsFailure::BadCredentials { code, message } | AwsFailure::Other { code, message } => {
                BrokerError::Aws { operation, code, message }
            }
            AwsFailure::Validation(message) => BrokerError::Aws { operation, code: "ValidationError".into(), message },
        }
    }

    async fn identity(&self, creds: &Credentials) -> Result<Identity, AwsFailure> {
        sts::get_caller_identity(&self.connector.client(creds)).await
    }

    /// `GetCallerIdentity` for arbitrary credentials, with errors worded for `whoami`.
    pub async fn whoami(&self, creds: &Credentials, source_desc: &str) -> Result<Identity, BrokerError> {
        self.identity(creds).await.map_err(|f| match f {
            AwsFailure::BadCredentials { code, message } => {
                BrokerError::BadCredentials { source_desc: source_desc.to_owned(), code, message }
            }
            f => self.failure("GetCallerIdentity", f),
        })
    }

    /// Runs `plan`: base credentials, optional MFA session, each `AssumeRole`,
    /// and `GetCallerIdentity` after every assume (rule 7 of docs/rules.md).
    pub async fn run(&self, plan: &Plan) -> Result<Outcome, BrokerError> {
        let (mut caller, base_identity) = self.base(plan).await?;
        let mut notices = plan.notices.clone();
        let mut caller_is_role = base_identity.is_assumed_role();
        let mut mfa_in_caller = false;

        if let Some(step) = &plan.mfa_session {
            caller = self.mfa_session(plan, step, &caller, false).await?;
            caller_is_role = false;
            mfa_in_caller = true;
        }

        for step in &plan.steps {
            let mut duration = step.duration;
            if caller_is_role && !step.chained && duration > CHAINED_MAX_DURATION {
                notices.push(plan::chain_notice(&step.profile, duration));
                duration = CHAINED_MAX_DURATION;
            }
            let code = match &step.mfa {
                Some(device) => Some(self.mfa.code(device, &plan.target).await?),
                None => None,
            };
            let session_name = self.session_name(step, &base_identity);
            let client = self.connector.client(&caller.credentials);
            let call = AssumeCall { session_name: &session_name, duration, code: code.as_ref() };
            let creds = sts::assume_role(&client, step, call)
                .await
                .map_err(|f| self.assume_failure(f, step, &caller, mfa_in_caller || code.is_some(), duration))??;
            if !creds.access_key_id.starts_with("ASIA") {
                return Err(BrokerError::Unexpected(format!(
                    "AssumeRole for '{}' returned key id '{}', which is not a temporary 'ASIA…' key",
                    step.role_arn, creds.access_key_id
                )));
            }
            let identity = self.identity(&creds).await.map_err(|f| self.failure("GetCallerIdentity", f))?;
            check_identity(&identity, step)?;
            caller = Session { credentials: creds, identity };
            caller_is_role = true;
            mfa_in_caller = false;
        }
        Ok(Outcome { session: caller, notices })
    }

    /// Makes a fresh MFA session for `plan` (its `GetSessionToken` step) and
    /// stores it, replacing any cached one: what `rolecall login` does.
    pub async fn login(&self, plan: &Plan) -> Result<Session, BrokerError> {
        let Some(step) = &plan.mfa_session else {
            return Err(BrokerError::Unsupported(format!(
                "'{}' does not use an MFA session: that needs long-lived keys as the base and an 'mfa_serial'",
                plan.target
            )));
        };
        let (base, _) = self.base(plan).await?;
        self.mfa_session(plan, step, &base, true).await
    }

    /// The base credentials and the identity they prove.
    async fn base(&self, plan: &Plan) -> Result<(Session, Identity), BrokerError> {
        let credentials = base::resolve_with(&plan.base, &self.env, self.process_timeout, self.sso.as_deref()).await?;
        let identity = self.whoami(&credentials, &base::describe(&plan.base)).await?;
        if let crate::config::Base::Sso { role, .. } = &plan.base {
            check_sso_identity(&identity, &role.account_id, &role.role_name)?;
        }
        Ok((Session { credentials, identity: identity.clone() }, identity))
    }

    /// The MFA session for `step`: from the cache unless `fresh`, else made with a
    /// code under a cross-process lock (so parallel callers ask for one code).
    async fn mfa_session(
        &self,
        plan: &Plan,
        step: &plan::MfaSessionStep,
        base: &Session,
        fresh: bool,
    ) -> Result<Session, BrokerError> {
        let key = MfaSessionKey {
            base: plan.base.profile().map(str::to_owned).unwrap_or_else(|| plan.base.describe()),
            serial: step.device.serial.clone(),
        };
        let cached = |cache: Arc<dyn SessionCache>, key: MfaSessionKey| async move {
            tokio::task::spawn_blocking(move || cache.mfa_session(&key, MFA_SESSION_MIN_LEFT))
                .await
                .map_err(|e| BrokerError::Internal(e.to_string()))
        };
        if !fresh && let Some(session) = cached(self.cache.clone(), key.clone()).await?? {
            tracing::debug!(base = %key.base, device = %key.serial, "mfa session: cache hit");
            return Ok(session);
        }
        tracing::debug!(base = %key.base, device = %key.serial, fresh, "mfa session: none usable, making one");
        let (cache, k) = (self.cache.clone(), key.clone());
        let _lock = tokio::task::spawn_blocking(move || cache.lock_mfa(&k))
            .await
            .map_err(|e| BrokerError::Internal(e.to_string()))??;
        // Another process may have made the session while this one waited.
        if !fresh && let Some(session) = cached(self.cache.clone(), key.clone()).await?? {
            tracing::debug!(base = %key.base, device = %key.serial, "mfa session: made by another process meanwhile");
            return Ok(session);
        }
        let code = self.mfa.code(&step.device, &plan.target).await?;
        let client = self.connector.client(&base.credentials);
        let base_desc = base::describe(&plan.base);
        let creds = sts::get_session_token(&client, &step.device.serial, &code, step.duration).await.map_err(
            |f| match f {
                AwsFailure::Denied(message) => BrokerError::MfaRejected { device: step.device.serial.clone(), message },
                AwsFailure::BadCredentials { code, message } => {
                    BrokerError::BadCredentials { source_desc: base_desc.clone(), code, message }
                }
                f => self.failure("GetSessionToken", f),
            },
        )??;
        let session = Session { credentials: creds, identity: base.identity.clone() };
        let (cache, s) = (self.cache.clone(), session.clone());
        tokio::task::spawn_blocking(move || cache.put_mfa_session(&key, &s))
            .await
            .map_err(|e| BrokerError::Internal(e.to_string()))??;
        Ok(session)
    }

    fn assume_failure(
        &self,
        f: AwsFailure,
        step: &AssumeStep,
        caller: &Session,
        mfa_sent: bool,
        duration: u32,
    ) -> BrokerError {
        match f {
            AwsFailure::Denied(message) if message.contains("MultiFactorAuthentication") => BrokerError::MfaRejected {
                device: step.mfa.as_ref().map(|d| d.serial.clone()).unwrap_or_default(),
                message,
            },
            AwsFailure::Denied(message) => BrokerError::AccessDenied(Box::new(AccessDenied {
                role_arn: step.role_arn.to_string(),
                caller_arn: Some(caller.identity.arn.clone()),
                mfa_sent,
                external_id_sent: step.external_id.is_some(),
                message,
            })),
            AwsFailure::Validation(message) if message.contains("DurationSeconds") => {
                BrokerError::DurationTooLong { role_arn: step.role_arn.to_string(), requested: duration, message }
            }
            AwsFailure::BadCredentials { code, message } => BrokerError::BadCredentials {
                source_desc: format!("the caller '{}'", caller.identity.arn),
                code,
                message,
            },
            f => self.failure("AssumeRole", f),
        }
    }

    fn session_name(&self, step: &AssumeStep, base: &Identity) -> String {
        match &step.session_name {
            SessionName::Fixed(name) => name.clone(),
            SessionName::Template(t) => {
                let os_user =
                    self.env.get("USER").or_else(|_| self.env.get("USERNAME")).unwrap_or_else(|_| "rolecall".into());
                let user = match base.user_name() {
                    "" => os_user.as_str(),
                    u => u,
                };
                crate::limits::sanitize_session_name(&t.replace("{user}", user).replace("{os_user}", &os_user))
            }
        }
    }
}

/// Checks that Identity Center credentials are the permission set's role
/// (rule 7): `arn:PARTITION:sts::ACCOUNT:assumed-role/AWSReservedSSO_<PS>_<suffix>/…`.
pub fn check_sso_identity(identity: &Identity, account: &str, permission_set: &str) -> Result<(), BrokerError> {
    let parts: Vec<&str> = identity.arn.splitn(6, ':').collect();
    let prefix = format!("AWSReservedSSO_{permission_set}_");
    let ok = match parts.as_slice() {
        ["arn", _partition, "sts", "", acct, resource] => {
            let mut r = resource.split('/');
            *acct == account
                && identity.account == account
                && r.next() == Some("assumed-role")
                // AWSReservedSSO_<PS>_<suffix>: the suffix has no '_', so permission set
                // "Dev" is not satisfied by "AWSReservedSSO_Dev_Admin_<suffix>".
                && r.next().and_then(|name| name.strip_prefix(&prefix)).is_some_and(|suffix| {
                    !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
                })
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(BrokerError::WrongIdentity {
            role_arn: format!("permission set '{permission_set}' in account '{account}'"),
            arn: crate::text::clean(&identity.arn).into_owned(),
            account: crate::text::clean(&identity.account).into_owned(),
        })
    }
}

/// Checks that credentials from `AssumeRole` of `step` are that role: the
/// `GetCallerIdentity` ARN must be `arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/…`
/// with the step's account and role name. Anything else is refused.
pub fn check_identity(identity: &Identity, step: &AssumeStep) -> Result<(), BrokerError> {
    let parts: Vec<&str> = identity.arn.splitn(6, ':').collect();
    let ok = match parts.as_slice() {
        ["arn", _partition, "sts", "", account, resource] => {
            let mut r = resource.split('/');
            *account == step.role_arn.account()
                && identity.account == step.role_arn.account()
                && r.next() == Some("assumed-role")
                && r.next() == Some(step.role_arn.name())
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(BrokerError::WrongIdentity {
            role_arn: step.role_arn.to_string(),
            arn: crate::text::clean(&identity.arn).into_owned(),
            account: crate::text::clean(&identity.account).into_owned(),
        })
    }
}

#[cfg(test)]
mod mock_tests;

#[cfg(test)]
mod identity_tests {
    use super::check_sso_identity;
    use crate::credentials::Identity;

    fn id(arn: &str) -> Identity {
        Identity { arn: arn.into(), account: "111122223333".into(), user_id: "AROA:x".into() }
    }

    #[test]
    fn a_permission_set_is_its_reserved_role_and_no_other() {
        let ok = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Dev_0123456789abcdef/alice";
        assert!(check_sso_identity(&id(ok), "111122223333", "Dev").is_ok());
        for bad in [
            // Another permission set whose name starts with this one's.
            "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Dev_Admin_0123456789abcdef/alice",
            "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Dev_/alice",
            "arn:aws:sts::999999999999:assumed-role/AWSReservedSSO_Dev_0123456789abcdef/alice",
            "arn:aws:sts::111122223333:assumed-role/Dev/alice",
            "arn:aws:iam::111122223333:user/alice",
        ] {
            assert!(check_sso_identity(&id(bad), "111122223333", "Dev").is_err(), "{bad}");
        }
    }
}
