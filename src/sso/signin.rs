//! A valid access token for one Identity Center session, whatever it takes:
//! the kept token while it has more than the refresh window left; else,
//! under the session's cross-process lock, a refresh with the refresh token;
//! else (when a person may be asked) a new sign-in in the browser (PKCE on a
//! loopback redirect) or with a device code. Role credentials and logout
//! build on it.

use std::sync::Arc;
use std::time::Duration;

use aws_types::os_shim_internal::Env;
use secrecy::{ExposeSecret, SecretString};

use super::client::{Clients, Grant, Issued, TokenRefused};
use super::token::{Origin, Registration, Token};
use super::tokens::{Note, Tokens};
use super::{BoxFuture, RoleCredentials, SsoError, browser, loopback, pkce};
use crate::config::{SsoRole, SsoSession};
use crate::credentials::Credentials;
use crate::time;

/// The redirect URI registered for the authorization code grant (the port
/// is chosen per sign-in; loopback redirects may differ in port, RFC 8252).
const REGISTERED_REDIRECT: &str = "http://127.0.0.1/oauth/callback";

/// Which sign-in to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInFlow {
    /// The browser when one can be opened, else the device code.
    Auto,
    /// Authorization code with PKCE on a loopback redirect.
    Browser,
    /// Device authorization (a code to confirm on any device).
    DeviceCode,
}

/// Whether a person may be asked to sign in, and where to tell them what to do.
#[derive(Clone)]
pub enum Interaction {
    /// Sign in when needed; the URL (and device code) go to `say`.
    Allowed {
        /// Which flow.
        flow: SignInFlow,
        /// Where instructions go (stderr, `/dev/tty`, the TUI).
        say: Arc<dyn Fn(&str) + Send + Sync>,
    },
    /// Never: fail naming `rolecall login --sso`, with this reason.
    Never(String),
}

/// Tokens of one session, and what can be done with them.
pub struct Access {
    session: SsoSession,
    tokens: Arc<Tokens>,
    clients: Clients,
    env: Env,
    interaction: Interaction,
    refresh_window: Duration,
    login_timeout: Duration,
}

impl Access {
    /// Access to `session` through `clients`, keeping tokens in `tokens`.
    pub fn new(
        session: SsoSession,
        tokens: Arc<Tokens>,
        clients: Clients,
        env: Env,
        interaction: Interaction,
        refresh_window: Duration,
        login_timeout: Duration,
    ) -> Self {
        Self { session, tokens, clients, env, interaction, refresh_window, login_timeout }
    }

    /// The session.
    pub fn session(&self) -> &SsoSession {
        &self.session
    }

    /// What `status` shows, without secrets.
    pub fn note(&self) -> Option<Note> {
        self.tokens.note(&self.session)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(Arc<Tokens>, SsoSession) -> Result<T, SsoError> + Send + 'static,
    ) -> Result<T, SsoError> {
        let (tokens, session) = (self.tokens.clone(), self.session.clone());
        tokio::task::spawn_blocking(move || f(tokens, session))
            .await
            .map_err(|e| SsoError::Local(format!("a background task failed ({e}); this is a bug worth reporting")))?
    }

    fn fresh(&self, token: &Token) -> bool {
        token.left(time::now()) > self.refresh_window
    }

    /// A token with more than the refresh window left: kept, refreshed, or
    /// (when allowed) signed in anew. `stale` is a token the portal refused
    /// although it had time left (so it is refreshed whatever it says).
    pub async fn token(&self, stale: bool) -> Result<Token, SsoError> {
        if !stale
            && let Some((token, _)) = self.blocking(|t, s| t.load(&s, time::now())).await?
            && self.fresh(&token)
        {
            return Ok(token);
        }
        let _lock = self.blocking(|t, s| t.lock(&s)).await?;
        // Another process may have refreshed (or signed in) while this one waited.
        let kept = self.blocking(|t, s| t.load(&s, time::now())).await?;
        let mut ended = None;
        if let Some((token, origin)) = kept {
            if !stale && self.fresh(&token) {
                return Ok(token);
            }
            if token.refreshable(time::now()) {
                match self.refresh(&token, origin).await {
                    Ok(token) => return Ok(token),
                    Err(SsoError::SessionEnded { detail, .. }) => ended = Some(detail),
                    // A network failure with time left: the old token still works.
                    Err(e) if !stale && token.left(time::now()) > Duration::from_secs(60) && e.exit_code() == 5 => {
                        return Ok(token);
                    }
                    Err(e) => return Err(e),
                }
            } else if !stale && token.left(time::now()) > Duration::from_secs(60) {
                // Not refreshable but still valid for a while: use it.
                return Ok(token);
            } else if stale {
                ended = Some("Identity Center refused the access token and there is no refresh token".into());
            } else {
                ended = Some("the access token expired and there is no refresh token".into());
            }
        }
        match &self.interaction {
            Interaction::Never(why) => {
                let reason = match ended {
                    Some(detail) => format!("the session has ended ({detail}), and {why}"),
                    None => format!("nobody has signed in yet, and {why}"),
                };
                Err(SsoError::SignInNeeded { session: self.session.id().to_owned(), reason })
            }
            Interaction::Allowed { flow, say } => {
                if let Some(detail) = &ended {
                    say(&format!(
                        "the IAM Identity Center session '{}' has ended ({detail}); signing in again",
                        self.session.id()
                    ));
                }
                self.sign_in_locked(*flow, say.as_ref()).await
            }
        }
    }

    /// A token the portal accepts (`rolecall login --sso NAME`): the kept one
    /// when the portal takes it; when the portal refuses it although it looks
    /// valid (revoked, the session ended early), a refresh; and when the
    /// refresh is refused too, a new sign-in (if a person may be asked).
    /// Other failures of the check are left to the calls that follow.
    pub async fn accepted_token(&self) -> Result<Token, SsoError> {
        let token = self.token(false).await?;
        match self.clients.probe(token.access()).await {
            Err(SsoError::Refused { code, .. }) if code == "UnauthorizedException" => self.token(true).await,
            _ => Ok(token),
        }
    }

    /// A new sign-in, whatever is kept (`rolecall login --sso NAME --force`).
    pub async fn sign_in(&self, flow: SignInFlow) -> Result<Token, SsoError> {
        let say = match &self.interaction {
            Interaction::Allowed { say, .. } => say.clone(),
            Interaction::Never(why) => {
                return Err(SsoError::SignInNeeded { session: self.session.id().to_owned(), reason: why.clone() });
            }
        };
        let _lock = self.blocking(|t, s| t.lock(&s)).await?;
        self.sign_in_locked(flow, say.as_ref()).await
    }

    async fn refresh(&self, token: &Token, origin: Origin) -> Result<Token, SsoError> {
        let (Some(refresh), Some(reg)) = (&token.refresh_token, &token.registration) else {
            return Err(SsoError::Local("no refresh token".into()));
        };
        match self.clients.create_token(reg, Grant::Refresh(refresh.expose_secret())).await {
            Ok(issued) => {
                let mut new = self.token_from(issued, Some(reg.clone()));
                if new.refresh_token.is_none() {
                    new.refresh_token = token.refresh_token.clone();
                }
                let saved = new.clone();
                self.blocking(move |t, s| t.save(&s, &saved, origin, false)).await?;
                Ok(new)
            }
            Err(TokenRefused::Invalid(detail)) => {
                Err(SsoError::SessionEnded { session: self.session.id().to_owned(), detail })
            }
            Err(TokenRefused::Failed(e)) => Err(e),
            Err(TokenRefused::Pending | TokenRefused::SlowDown) => Err(SsoError::Refused {
                operation: "CreateToken",
                code: "Unexpected".into(),
                message: "a refresh was answered as a pending authorisation".into(),
            }),
        }
    }

    fn token_from(&self, issued: Issued, registration: Option<Registration>) -> Token {
        Token {
            start_url: self.session.start_url.clone(),
            region: self.session.region.clone(),
            access_token: issued.access_token,
            expires_at: issued.expires_at,
            refresh_token: issued.refresh_token,
            registration,
        }
    }

    async fn registration(&self, flow: &'static str) -> Result<Registration, SsoError> {
        if let Some(reg) = self.blocking(move |t, s| t.registration(&s, flow)).await? {
            return Ok(reg);
        }
        let redirect = (flow == "pkce").then_some(REGISTERED_REDIRECT);
        let reg = self.clients.register(&self.session, redirect).await?;
        let kept = reg.clone();
        self.blocking(move |t, s| t.put_registration(&s, flow, &kept)).await?;
        Ok(reg)
    }

    async fn sign_in_locked(&self, flow: SignInFlow, say: &(dyn Fn(&str) + Send + Sync)) -> Result<Token, SsoError> {
        let flow = match flow {
            SignInFlow::Auto if browser::available(&self.env) => SignInFlow::Browser,
            SignInFlow::Auto => SignInFlow::DeviceCode,
            other => other,
        };
        match self.sign_in_once(flow, say).await {
            // Identity Center forgot the kept client registration (or it expired early):
            // register a new client and start again, once.
            Err(e) if dead_client(&e) => {
                let name = if flow == SignInFlow::DeviceCode { "device" } else { "pkce" };
                self.blocking(move |t, s| t.drop_registration(&s, name)).await?;
                self.sign_in_once(flow, say).await
            }
            other => other,
        }
    }

    async fn sign_in_once(&self, flow: SignInFlow, say: &(dyn Fn(&str) + Send + Sync)) -> Result<Token, SsoError> {
        let failed = |reason: String| SsoError::SignInFailed { session: self.session.id().to_owned(), reason };
        let (issued, reg) = match flow {
            SignInFlow::DeviceCode => {
                let reg = self.registration("device").await?;
                (self.device(&reg, say).await?, reg)
            }
            _ => {
                let reg = self.registration("pkce").await?;
                let callback = loopback::Callback::bind().await.map_err(SsoError::Local)?;
                let pkce = pkce::Pkce::new().map_err(SsoError::Local)?;
                let state = pkce::random_token(16).map_err(SsoError::Local)?;
                let redirect_uri = callback.redirect_uri.clone();
                let url = pkce::Authorize {
                    oidc: &self.clients.oidc_url,
                    client_id: &reg.client_id,
                    redirect_uri: &redirect_uri,
                    state: &state,
                    challenge: &pkce.challenge,
                    scopes: &self.session.scopes,
                }
                .url();
                say(&format!(
                    "sign in to IAM Identity Center '{}' in the browser; if it does not open, open this URL:\n{url}",
                    self.session.id()
                ));
                if let Err(e) = browser::open(&self.env, &url, self.login_timeout) {
                    say(&format!("could not open a browser ({e}); open the URL above yourself"));
                }
                let code = callback.code(&state, self.login_timeout).await.map_err(failed)?;
                let grant =
                    Grant::Code { code: code.expose_secret(), verifier: pkce.verifier(), redirect_uri: &redirect_uri };
                let issued = match self.clients.create_token(&reg, grant).await {
                    Ok(issued) => issued,
                    Err(TokenRefused::Failed(e)) => return Err(e),
                    Err(TokenRefused::Invalid(d)) => return Err(failed(d)),
                    Err(_) => return Err(failed("the code was not accepted".into())),
                };
                (issued, reg)
            }
        };
        let token = self.token_from(issued, Some(reg));
        let (saved, own) = (token.clone(), self.tokens.own);
        self.blocking(move |t, s| t.save(&s, &saved, own, true)).await?;
        say(&format!(
            "signed in to IAM Identity Center '{}'; the token is valid until {}",
            self.session.id(),
            time::rfc3339(token.expires_at)
        ));
        Ok(token)
    }

    async fn device(&self, reg: &Registration, say: &(dyn Fn(&str) + Send + Sync)) -> Result<Issued, SsoError> {
        let failed = |reason: String| SsoError::SignInFailed { session: self.session.id().to_owned(), reason };
        let device = self.clients.start_device(reg, &self.session.start_url).await?;
        say(&format!(
            "to sign in to IAM Identity Center '{}', open {} and confirm the code {}",
            self.session.id(),
            device.url,
            device.user_code
        ));
        // As the AWS CLI does: the verification page opens in the browser when one can be
        // opened (not over SSH, not headless); the URL and code above stay the way in.
        if browser::available(&self.env)
            && is_web_url(&device.url)
            && let Err(e) = browser::open(&self.env, &device.url, self.login_timeout)
        {
            say(&format!("could not open a browser ({e}); open the URL above yourself"));
        }
        let limit = device.expires_in.min(self.login_timeout);
        let start = std::time::Instant::now();
        let mut interval = device.interval;
        let code = SecretString::from(device.device_code.expose_secret().to_owned());
        loop {
            if start.elapsed() + interval > limit {
                return Err(failed(format!(
                    "the code was not confirmed within {} s (sso_login_timeout in the settings)",
                    limit.as_secs()
                )));
            }
            tokio::time::sleep(interval).await;
            match self.clients.create_token(reg, Grant::Device(code.expose_secret())).await {
                Ok(issued) => return Ok(issued),
                Err(TokenRefused::Pending) => {}
                Err(TokenRefused::SlowDown) => interval += Duration::from_secs(5),
                Err(TokenRefused::Invalid(d)) => return Err(failed(d)),
                Err(TokenRefused::Failed(e)) => return Err(e),
            }
        }
    }

    /// Removes the session's tokens here (the keyring and the AWS CLI's file;
    /// the client registration stays, as `aws sso logout` keeps it), and
    /// returns the token that was kept, so the portal can be told after.
    pub async fn forget_tokens(&self) -> Result<Option<Token>, SsoError> {
        let _lock = self.blocking(|t, s| t.lock(&s)).await?;
        let kept = self.blocking(|t, s| t.load(&s, time::now())).await?;
        self.blocking(|t, s| t.remove(&s)).await?;
        Ok(kept.map(|(token, _)| token))
    }

    /// `Logout` at the portal with `token`: `false` when there was nothing to
    /// end (the token had expired, or the portal no longer knew it).
    pub async fn end_at_portal(&self, token: &Token) -> Result<bool, SsoError> {
        if token.left(time::now()) == Duration::ZERO {
            return Ok(false);
        }
        match self.clients.logout(token.access()).await {
            Ok(()) => Ok(true),
            Err(SsoError::Refused { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `GetRoleCredentials` for `account_id` × `role_name`, refreshing the
    /// token once if the portal says it is no longer valid.
    pub async fn credentials(&self, account_id: &str, role_name: &str) -> Result<Credentials, SsoError> {
        let token = self.token(false).await?;
        match self.clients.role_credentials(token.access(), account_id, role_name).await {
            Err(SsoError::Refused { code, .. }) if code == "UnauthorizedException" => {
                let token = self.token(true).await?;
                self.clients.role_credentials(token.access(), account_id, role_name).await
            }
            other => other,
        }
    }

    /// The portal clients (discovery).
    pub fn clients(&self) -> &Clients {
        &self.clients
    }
}

/// True for an `http(s)://` URL: what the service names as its verification
/// page is opened only when it is a web page (never an option or a file).
fn is_web_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// True when `e` says the client registration is no longer accepted.
fn dead_client(e: &SsoError) -> bool {
    let text = match e {
        SsoError::Refused { code, message, .. } => format!("{code} {message}"),
        SsoError::SignInFailed { reason, .. } => reason.clone(),
        _ => return false,
    };
    ["InvalidClientException", "UnauthorizedClientException", "invalid_client", "unauthorized_client"]
        .iter()
        .any(|needle| text.contains(needle))
}

impl RoleCredentials for Access {
    fn role_credentials<'a>(&'a self, role: &'a SsoRole) -> BoxFuture<'a, Result<Credentials, SsoError>> {
        Box::pin(async move {
            if role.session != self.session {
                return Err(SsoError::Local(format!(
                    "internal: a token of session '{}' was asked for '{}'; this is a bug worth reporting",
                    self.session.id(),
                    role.session.id()
                )));
            }
            self.credentials(&role.account_id, &role.role_name).await
        })
    }
}

#[cfg(test)]
#[path = "signin_tests.rs"]
mod tests;
