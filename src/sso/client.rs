//! The Identity Center calls: OIDC (`RegisterClient`,
//! `StartDeviceAuthorization`, `CreateToken`) and the portal
//! (`GetRoleCredentials`, `ListAccounts`, `ListAccountRoles`, `Logout`),
//! through the SDKs with rolecall's SDK configuration (endpoint precedence,
//! timeouts, retries). Neither service is signed: the portal takes the
//! access token in a header.

use std::time::{Duration, SystemTime};

use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::os_shim_internal::Env;
use secrecy::{ExposeSecret, SecretString};

use super::SsoError;
use super::token::Registration;
use crate::aws::endpoint::{SSO, SSO_OIDC};
use crate::aws::{AwsFailure, Timeouts, classify, sdk};
use crate::config::{AwsConfig, SsoSession};
use crate::credentials::Credentials;
use crate::time;

/// The grant type of the device authorization grant.
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// OIDC and portal clients for one session's region.
#[derive(Clone, Debug)]
pub struct Clients {
    oidc: aws_sdk_ssooidc::Client,
    /// The OIDC endpoint in use (the `/authorize` page is under it).
    pub oidc_url: String,
    portal: aws_sdk_sso::Client,
    /// The portal for discovery: no SDK retries (discovery paces and retries itself).
    portal_list: aws_sdk_sso::Client,
    /// The portal endpoint in use.
    pub portal_url: String,
}

/// A started device authorization.
pub struct Device {
    /// The secret the token request presents.
    pub device_code: SecretString,
    /// The code the person confirms in the browser.
    pub user_code: String,
    /// Where to confirm it (with the code filled in when the service gives that URL).
    pub url: String,
    /// How long it is valid.
    pub expires_in: Duration,
    /// How often to ask for the token.
    pub interval: Duration,
}

/// A `CreateToken` answer.
pub struct Issued {
    /// The access token.
    pub access_token: SecretString,
    /// When it expires.
    pub expires_at: SystemTime,
    /// The refresh token, when the registration has scopes.
    pub refresh_token: Option<SecretString>,
}

/// Why `CreateToken` gave no token.
#[derive(Debug)]
pub enum TokenRefused {
    /// The person has not approved yet (device grant): ask again later.
    Pending,
    /// Asked too often: wait longer.
    SlowDown,
    /// The grant is no longer valid (refresh token or code expired, denied):
    /// with the service's code and message.
    Invalid(String),
    /// Anything else.
    Failed(SsoError),
}

/// `CreateToken` parameters.
pub enum Grant<'a> {
    /// The device code grant.
    Device(&'a str),
    /// The authorization code grant with PKCE.
    Code {
        /// The code from the callback.
        code: &'a str,
        /// The PKCE verifier.
        verifier: &'a str,
        /// The redirect URI used.
        redirect_uri: &'a str,
    },
    /// The refresh token grant.
    Refresh(&'a str),
}

impl Clients {
    /// Clients for `session`'s region, with `profile`'s endpoint settings (if any).
    pub fn new(aws: &AwsConfig, env: &Env, profile: Option<&str>, session: &SsoSession, timeouts: Timeouts) -> Self {
        let region = &session.region;
        let (oidc_conf, oidc_end) = sdk::sdk_config(aws, env, profile, SSO_OIDC, region, timeouts, sdk::retry(3));
        let (portal_conf, portal_end) = sdk::sdk_config(aws, env, profile, SSO, region, timeouts, sdk::retry(3));
        let (list_conf, _) = sdk::sdk_config(aws, env, profile, SSO, region, timeouts, sdk::retry(1));
        Self {
            oidc: aws_sdk_ssooidc::Client::from_conf(
                aws_sdk_ssooidc::config::Builder::from(&oidc_conf).interceptor(crate::aws::RequestLog).build(),
            ),
            oidc_url: oidc_end.url,
            portal: aws_sdk_sso::Client::from_conf(
                aws_sdk_sso::config::Builder::from(&portal_conf).interceptor(crate::aws::RequestLog).build(),
            ),
            portal_list: aws_sdk_sso::Client::from_conf(
                aws_sdk_sso::config::Builder::from(&list_conf).interceptor(crate::aws::RequestLog).build(),
            ),
            portal_url: portal_end.url,
        }
    }

    /// Clients over the given SDK clients (tests).
    pub fn from_parts(oidc: aws_sdk_ssooidc::Client, portal: aws_sdk_sso::Client) -> Self {
        let portal_list = portal.clone();
        Self {
            oidc,
            oidc_url: "http://127.0.0.1:1".into(),
            portal,
            portal_list,
            portal_url: "http://127.0.0.1:1".into(),
        }
    }

    fn fail(&self, operation: &'static str, oidc: bool, f: AwsFailure) -> SsoError {
        let endpoint = if oidc { self.oidc_url.clone() } else { self.portal_url.clone() };
        match f {
            AwsFailure::Network(detail) | AwsFailure::Server(detail) => {
                SsoError::Network { operation, endpoint, detail }
            }
            AwsFailure::Denied(message) => SsoError::Refused { operation, code: "AccessDenied".into(), message },
            AwsFailure::Validation(message) => SsoError::Refused { operation, code: "Validation".into(), message },
            AwsFailure::BadCredentials { code, message } | AwsFailure::Other { code, message } => {
                SsoError::Refused { operation, code, message }
            }
        }
    }

    /// `RegisterClient` for `session`: a public client named rolecall with the
    /// session's scopes; for the authorization code grant, with its grant
    /// types and the loopback redirect.
    pub async fn register(&self, session: &SsoSession, redirect_uri: Option<&str>) -> Result<Registration, SsoError> {
        let mut req = self
            .oidc
            .register_client()
            .client_name(format!("rolecall-{}", time::now_unix()))
            .client_type("public")
            .set_scopes(Some(session.scopes.clone()).filter(|s| !s.is_empty()));
        if let Some(uri) = redirect_uri {
            req = req
                .grant_types("authorization_code")
                .grant_types("refresh_token")
                .redirect_uris(uri)
                .issuer_url(&session.start_url);
        } else if !session.scopes.is_empty() {
            req = req.grant_types(DEVICE_GRANT).grant_types("refresh_token");
        }
        let out = req.send().await.map_err(|e| self.fail("RegisterClient", true, classify(e)))?;
        let (Some(id), Some(secret)) = (out.client_id(), out.client_secret()) else {
            return Err(SsoError::Refused {
                operation: "RegisterClient",
                code: "Unexpected".into(),
                message: "no client id or secret in the answer".into(),
            });
        };
        let expires_at = time::from_epoch(u64::try_from(out.client_secret_expires_at()).unwrap_or(0))
            .unwrap_or_else(|| time::now() + Duration::from_secs(90 * 86_400));
        Ok(Registration { client_id: id.to_owned(), client_secret: SecretString::from(secret.to_owned()), expires_at })
    }

    /// `StartDeviceAuthorization`.
    pub async fn start_device(&self, reg: &Registration, start_url: &str) -> Result<Device, SsoError> {
        let out = self
            .oidc
            .start_device_authorization()
            .client_id(&reg.client_id)
            .client_secret(reg.client_secret.expose_secret())
            .start_url(start_url)
            .send()
            .await
            .map_err(|e| self.fail("StartDeviceAuthorization", true, classify(e)))?;
        let missing = |what: &str| SsoError::Refused {
            operation: "StartDeviceAuthorization",
            code: "Unexpected".into(),
            message: format!("no {what} in the answer"),
        };
        let device_code = out.device_code().ok_or_else(|| missing("deviceCode"))?;
        let user_code = out.user_code().unwrap_or_default();
        let url =
            out.verification_uri_complete().or(out.verification_uri()).ok_or_else(|| missing("verificationUri"))?;
        let secs = |v: i32, default: u64| u64::try_from(v).ok().filter(|v| *v > 0).unwrap_or(default);
        Ok(Device {
            device_code: SecretString::from(device_code.to_owned()),
            user_code: crate::text::clean(user_code).into_owned(),
            url: crate::text::clean(url).into_owned(),
            expires_in: Duration::from_secs(secs(out.expires_in(), 600)),
            interval: Duration::from_secs(secs(out.interval(), 5)),
        })
    }

    /// `CreateToken` with `grant`.
    pub async fn create_token(&self, reg: &Registration, grant: Grant<'_>) -> Result<Issued, TokenRefused> {
        let req = self.oidc.create_token().client_id(&reg.client_id).client_secret(reg.client_secret.expose_secret());
        let req = match grant {
            Grant::Device(code) => req.grant_type(DEVICE_GRANT).device_code(code),
            Grant::Code { code, verifier, redirect_uri } => {
                req.grant_type("authorization_code").code(code).code_verifier(verifier).redirect_uri(redirect_uri)
            }
            Grant::Refresh(token) => req.grant_type("refresh_token").refresh_token(token),
        };
        let out = match req.send().await {
            Ok(out) => out,
            Err(e) => return Err(self.token_refused(e)),
        };
        let Some(access) = out.access_token() else {
            return Err(TokenRefused::Failed(SsoError::Refused {
                operation: "CreateToken",
                code: "Unexpected".into(),
                message: "no accessToken in the answer".into(),
            }));
        };
        let secs = u64::try_from(out.expires_in()).unwrap_or(0);
        Ok(Issued {
            access_token: SecretString::from(access.to_owned()),
            expires_at: time::now() + Duration::from_secs(secs),
            refresh_token: out.refresh_token().map(|t| SecretString::from(t.to_owned())),
        })
    }

    fn token_refused(&self, e: SdkError<CreateTokenError, HttpResponse>) -> TokenRefused {
        use CreateTokenError as E;
        // OIDC errors carry their text in `error_description` (OAuth 2.0), not `message`.
        let description = match e.as_service_error() {
            Some(E::InvalidGrantException(x)) => x.error_description(),
            Some(E::ExpiredTokenException(x)) => x.error_description(),
            Some(E::AccessDeniedException(x)) => x.error_description(),
            Some(E::InvalidClientException(x)) => x.error_description(),
            Some(E::UnauthorizedClientException(x)) => x.error_description(),
            _ => None,
        };
        let text = |name: &str| {
            let code = crate::text::clean(e.code().unwrap_or(name));
            let said = description.or(e.message()).unwrap_or("no message");
            format!("{code}: {}", crate::text::clean(said))
        };
        match e.as_service_error() {
            Some(E::AuthorizationPendingException(_)) => TokenRefused::Pending,
            Some(E::SlowDownException(_)) => TokenRefused::SlowDown,
            Some(E::InvalidGrantException(_)) => TokenRefused::Invalid(text("InvalidGrantException")),
            Some(E::ExpiredTokenException(_)) => TokenRefused::Invalid(text("ExpiredTokenException")),
            Some(E::AccessDeniedException(_)) => TokenRefused::Invalid(text("AccessDeniedException")),
            Some(E::InvalidClientException(_)) => TokenRefused::Invalid(text("InvalidClientException")),
            Some(E::UnauthorizedClientException(_)) => TokenRefused::Invalid(text("UnauthorizedClientException")),
            _ => TokenRefused::Failed(self.fail("CreateToken", true, classify(e))),
        }
    }

    /// `GetRoleCredentials` for `account_id` × `role_name`.
    pub async fn role_credentials(
        &self,
        access: &str,
        account_id: &str,
        role_name: &str,
    ) -> Result<Credentials, SsoError> {
        let out = self
            .portal
            .get_role_credentials()
            .access_token(access)
            .account_id(account_id)
            .role_name(role_name)
            .send()
            .await
            .map_err(|e| self.fail("GetRoleCredentials", false, classify(e)))?;
        let unexpected = |what: &str| SsoError::Refused {
            operation: "GetRoleCredentials",
            code: "Unexpected".into(),
            message: format!("no {what} in the answer"),
        };
        let rc = out.role_credentials().ok_or_else(|| unexpected("roleCredentials"))?;
        let (Some(id), Some(secret), Some(token)) = (rc.access_key_id(), rc.secret_access_key(), rc.session_token())
        else {
            return Err(unexpected("complete credentials"));
        };
        let expiration = time::from_epoch(u64::try_from(rc.expiration()).unwrap_or(0) / 1000);
        Ok(Credentials::new(id, secret, Some(token.to_owned()), expiration))
    }

    /// One page of `ListAccounts`: accounts (id, name, email) and the next token.
    pub async fn list_accounts(
        &self,
        access: &str,
        next: Option<String>,
    ) -> Result<(Vec<(String, String, String)>, Option<String>), (bool, SsoError)> {
        let res = self.portal.list_accounts().access_token(access).max_results(100).set_next_token(next).send().await;
        let out = res.map_err(|e| self.page_failure("ListAccounts", e))?;
        let accounts = out
            .account_list()
            .iter()
            .filter_map(|a| {
                let id = a.account_id()?.to_owned();
                Some((
                    id,
                    a.account_name().unwrap_or_default().to_owned(),
                    a.email_address().unwrap_or_default().to_owned(),
                ))
            })
            .collect();
        Ok((accounts, out.next_token().map(str::to_owned)))
    }

    /// Whether the portal accepts `access`: `ListAccounts` for one account.
    pub async fn probe(&self, access: &str) -> Result<(), SsoError> {
        let res = self.portal.list_accounts().access_token(access).max_results(1).send().await;
        res.map(|_| ()).map_err(|e| self.fail("ListAccounts", false, classify(e)))
    }

    /// One page of `ListAccountRoles` for `account_id`.
    pub async fn list_roles(
        &self,
        access: &str,
        account_id: &str,
        next: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), (bool, SsoError)> {
        let res = self
            .portal_list
            .list_account_roles()
            .access_token(access)
            .account_id(account_id)
            .max_results(100)
            .set_next_token(next)
            .send()
            .await;
        let out = res.map_err(|e| self.page_failure("ListAccountRoles", e))?;
        let roles = out.role_list().iter().filter_map(|r| r.role_name().map(str::to_owned)).collect();
        Ok((roles, out.next_token().map(str::to_owned)))
    }

    /// A listing failure, and whether it was throttling (worth waiting for).
    fn page_failure<E>(&self, operation: &'static str, e: SdkError<E, HttpResponse>) -> (bool, SsoError)
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let throttled = matches!(e.code(), Some("TooManyRequestsException" | "ThrottlingException"))
            || matches!(&e, SdkError::ServiceError(c) if c.raw().status().as_u16() == 429);
        (throttled, self.fail(operation, false, classify(e)))
    }

    /// `Logout`: ends the session at the portal.
    pub async fn logout(&self, access: &str) -> Result<(), SsoError> {
        self.portal.logout().access_token(access).send().await.map_err(|e| self.fail("Logout", false, classify(e)))?;
        Ok(())
    }
}
