//! Where Identity Center tokens are kept: the keyring (`sso/<session>`), or
//! the AWS CLI's cache file, whichever holds the better token; the client
//! registration (`sso-client/<session>/<flow>` in the keyring, kept until it
//! expires); a non-secret note per session for `status` (cache dir, 0600);
//! and the per-session lock that makes concurrent processes share one refresh
//! or sign-in. Every call blocks: run them off the async runtime.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::SsoError;
use super::token::{self, Origin, Registration, Token};
use crate::config::SsoSession;
use crate::config::settings::SsoTokenCache;
use crate::store::SecretStore;
use crate::store::lock::{self, SessionLock};
use crate::{paths, time};

/// What `status` shows about a session, without reading a secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Note {
    /// The session id.
    pub session: String,
    /// Its start URL.
    pub start_url: String,
    /// When the access token expires (seconds since the epoch).
    pub expires_at: u64,
    /// Whether a refresh token is held.
    pub refreshable: bool,
    /// When the person last signed in (seconds since the epoch), if rolecall saw it.
    pub signed_in_at: Option<u64>,
    /// Where the token is.
    pub origin: Origin,
}

/// The note of session `id` under the cache dir `dir`.
fn note_file(dir: &Path, id: &str) -> PathBuf {
    dir.join("sso").join(format!("{}.json", paths::short_hash(id.as_bytes())))
}

/// The token places of one run.
pub struct Tokens {
    secrets: Arc<dyn SecretStore>,
    home: Option<PathBuf>,
    cache_dir: PathBuf,
    lock_timeout: Duration,
    /// Where rolecall's own sign-ins go.
    pub own: Origin,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredRegistration {
    client_id: String,
    client_secret: String,
    expires_at: u64,
}

impl Drop for StoredRegistration {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.client_secret);
    }
}

impl Tokens {
    /// Token places over `secrets` (the keyring), the AWS CLI's cache under
    /// `home`, and rolecall's `cache_dir`.
    pub fn new(
        secrets: Arc<dyn SecretStore>,
        home: Option<PathBuf>,
        cache_dir: &Path,
        lock_timeout: Duration,
        own: SsoTokenCache,
    ) -> Self {
        let own = match own {
            SsoTokenCache::Keyring => Origin::Keyring,
            SsoTokenCache::AwsCli => Origin::AwsCli,
        };
        Self { secrets, home, cache_dir: cache_dir.to_path_buf(), lock_timeout, own }
    }

    fn key(session: &SsoSession) -> String {
        format!("sso/{}", session.id())
    }

    /// The AWS CLI's file for `session`, when a home directory is known.
    pub fn cli_file(&self, session: &SsoSession) -> Option<PathBuf> {
        self.home.as_deref().map(|h| token::cli_cache_file(h, session))
    }

    fn note_path(&self, session: &SsoSession) -> PathBuf {
        note_file(&self.cache_dir, session.id())
    }

    /// The AWS CLI's token for `session`, if its file is there and made for this start URL.
    pub fn from_cli(&self, session: &SsoSession) -> Result<Option<Token>, SsoError> {
        let Some(path) = self.cli_file(session) else { return Ok(None) };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => zeroize::Zeroizing::new(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(SsoError::File { path, problem: e.to_string() }),
        };
        let token = token::from_json(&text).map_err(|problem| SsoError::File { path: path.clone(), problem })?;
        Ok(Some(token).filter(|t| t.start_url.is_empty() || t.is_for(session)))
    }

    /// rolecall's keyring token for `session`.
    pub fn from_keyring(&self, session: &SsoSession) -> Result<Option<Token>, SsoError> {
        let Some(text) = self.secrets.get(&Self::key(session))? else { return Ok(None) };
        let text = SecretString::from(text);
        // A damaged entry is as good as none: the person signs in again.
        Ok(token::from_json(text.expose_secret()).ok().filter(|t| t.is_for(session)))
    }

    /// The better of the two tokens for `session` (the one that lasts longer,
    /// or can be refreshed), with where it came from.
    pub fn load(&self, session: &SsoSession, now: SystemTime) -> Result<Option<(Token, Origin)>, SsoError> {
        // A broken AWS CLI file must not lock the person out when the keyring has a good token.
        let cli = match self.from_cli(session) {
            Ok(cli) => cli.map(|t| (t, Origin::AwsCli)),
            Err(e) => {
                tracing::warn!("{e}: ignored");
                eprintln!("rolecall: warning: {e}: ignored (sign in again to replace it)");
                None
            }
        };
        let keyring = self.from_keyring(session)?.map(|t| (t, Origin::Keyring));
        let score = |t: &Token| (t.expires_at > now, t.refreshable(now), t.expires_at);
        Ok(match (cli, keyring) {
            (Some(a), Some(b)) => Some(if score(&a.0) >= score(&b.0) { a } else { b }),
            (a, b) => a.or(b),
        })
    }

    /// Keeps `token` at `origin` (the AWS CLI file is written atomically,
    /// 0600), and the note for `status`. `signed_in` marks a new sign-in.
    pub fn save(&self, session: &SsoSession, token: &Token, origin: Origin, signed_in: bool) -> Result<(), SsoError> {
        let json = SecretString::from(token::to_json(token));
        match origin {
            Origin::Keyring => self.secrets.set(&Self::key(session), json.expose_secret())?,
            Origin::AwsCli => {
                let path = self.cli_file(session).ok_or_else(|| {
                    SsoError::Local("no home directory for the AWS CLI's token cache (~/.aws/sso/cache)".into())
                })?;
                paths::write_private_atomic(&path, json.expose_secret().as_bytes())
                    .map_err(|e| SsoError::File { path, problem: e.to_string() })?;
            }
        }
        let previous = self.note(session).and_then(|n| n.signed_in_at);
        let note = Note {
            session: session.id().to_owned(),
            start_url: session.start_url.clone(),
            expires_at: time::epoch_secs(token.expires_at),
            refreshable: token.refresh_token.is_some(),
            signed_in_at: if signed_in { Some(time::now_unix()) } else { previous },
            origin,
        };
        let path = self.note_path(session);
        let text = serde_json::to_vec(&note).unwrap_or_default();
        paths::write_private_atomic(&path, &text).map_err(|e| SsoError::File { path, problem: e.to_string() })
    }

    /// The note for `status`.
    pub fn note(&self, session: &SsoSession) -> Option<Note> {
        let text = std::fs::read(self.note_path(session)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Every session's note in the cache dir `dir` (no AWS file parsed, no secret read).
    pub fn all_notes(dir: &Path) -> Vec<Note> {
        let mut out: Vec<Note> = std::fs::read_dir(dir.join("sso"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok())
            .collect();
        out.sort_by(|a, b| a.session.cmp(&b.session));
        out
    }

    /// After the keyring tokens of `sessions` (ids) were removed behind this
    /// module's back (`forget --all`): their notes in the cache dir `dir` go
    /// too, so `status` stops reporting them. Notes of tokens in the AWS
    /// CLI's file stay: the file is still there.
    pub fn forget_keyring_notes(dir: &Path, sessions: &[&str]) {
        for id in sessions {
            let path = note_file(dir, id);
            let note: Option<Note> = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice(&b).ok());
            if note.is_some_and(|n| n.origin == Origin::Keyring && n.session == *id) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }

    /// Removes the session's tokens from both places and its note (the
    /// registration stays: it is not a sign-in).
    pub fn remove(&self, session: &SsoSession) -> Result<(), SsoError> {
        self.secrets.delete(&Self::key(session))?;
        if let Some(path) = self.cli_file(session)
            && let Ok(Some(_)) = self.from_cli(session)
        {
            std::fs::remove_file(&path).map_err(|e| SsoError::File { path, problem: e.to_string() })?;
        }
        let _ = std::fs::remove_file(self.note_path(session));
        Ok(())
    }

    /// The session's client registration for `flow`, while it has a day left.
    pub fn registration(&self, session: &SsoSession, flow: &str) -> Result<Option<Registration>, SsoError> {
        let Some(text) = self.secrets.get(&format!("sso-client/{}/{flow}", session.id()))? else { return Ok(None) };
        let text = zeroize::Zeroizing::new(text);
        let Ok(stored) = serde_json::from_str::<StoredRegistration>(&text) else { return Ok(None) };
        let expires_at = time::from_epoch(stored.expires_at).unwrap_or(SystemTime::UNIX_EPOCH);
        let fresh = time::left(expires_at, time::now()) > Duration::from_secs(86_400);
        Ok(fresh.then(|| Registration {
            client_id: stored.client_id.clone(),
            client_secret: SecretString::from(stored.client_secret.clone()),
            expires_at,
        }))
    }

    /// Keeps a client registration for `flow`.
    pub fn put_registration(&self, session: &SsoSession, flow: &str, reg: &Registration) -> Result<(), SsoError> {
        let stored = StoredRegistration {
            client_id: reg.client_id.clone(),
            client_secret: reg.client_secret.expose_secret().to_owned(),
            expires_at: time::epoch_secs(reg.expires_at),
        };
        let text = SecretString::from(serde_json::to_string(&stored).unwrap_or_default());
        self.secrets.set(&format!("sso-client/{}/{flow}", session.id()), text.expose_secret())?;
        Ok(())
    }

    /// Forgets a client registration Identity Center no longer accepts.
    pub fn drop_registration(&self, session: &SsoSession, flow: &str) -> Result<(), SsoError> {
        Ok(self.secrets.delete(&format!("sso-client/{}/{flow}", session.id()))?)
    }

    /// The session's lock: one refresh or sign-in at a time across processes.
    pub fn lock(&self, session: &SsoSession) -> Result<SessionLock, SsoError> {
        Ok(lock::acquire(&self.cache_dir, &format!("sso/{}", session.id()), self.lock_timeout)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemoryStore;

    fn session() -> SsoSession {
        SsoSession {
            name: Some("acme".into()),
            start_url: "https://acme.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            scopes: vec![],
        }
    }

    fn token(access: &str, secs: u64) -> Token {
        token::from_json(&format!(
            r#"{{"startUrl":"https://acme.awsapps.com/start","region":"eu-west-1","accessToken":"{access}","expiresAt":"{}"}}"#,
            time::rfc3339_unix(time::now_unix() + secs)
        ))
        .unwrap()
    }

    #[test]
    fn the_longer_token_wins_and_each_is_saved_where_it_came_from() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::default());
        let t = Tokens::new(
            store,
            Some(dir.path().to_path_buf()),
            &dir.path().join("c"),
            Duration::from_secs(1),
            SsoTokenCache::Keyring,
        );
        let s = session();
        assert!(t.load(&s, time::now()).unwrap().is_none());
        t.save(&s, &token("K", 600), Origin::Keyring, true).unwrap();
        t.save(&s, &token("C", 3600), Origin::AwsCli, false).unwrap();
        let (got, origin) = t.load(&s, time::now()).unwrap().unwrap();
        assert_eq!((got.access(), origin), ("C", Origin::AwsCli));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(t.cli_file(&s).unwrap()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let note = t.note(&s).unwrap();
        assert_eq!(note.origin, Origin::AwsCli);
        assert!(note.signed_in_at.is_some(), "the sign-in time survives a refresh");
        t.remove(&s).unwrap();
        assert!(t.load(&s, time::now()).unwrap().is_none());
        assert!(t.note(&s).is_none());
    }

    #[test]
    fn notes_of_forgotten_keyring_tokens_go_and_the_others_stay() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("c");
        let t = |own| {
            Tokens::new(
                Arc::new(MemoryStore::default()),
                Some(dir.path().to_path_buf()),
                &cache,
                Duration::from_secs(1),
                own,
            )
        };
        let (kept, cli, other) = (
            session(),
            SsoSession { name: Some("cli".into()), ..session() },
            SsoSession { name: Some("other".into()), ..session() },
        );
        t(SsoTokenCache::Keyring).save(&kept, &token("K", 600), Origin::Keyring, true).unwrap();
        t(SsoTokenCache::AwsCli).save(&cli, &token("C", 600), Origin::AwsCli, true).unwrap();
        t(SsoTokenCache::Keyring).save(&other, &token("O", 600), Origin::Keyring, true).unwrap();
        Tokens::forget_keyring_notes(&cache, &["acme", "cli"]);
        let left: Vec<String> = Tokens::all_notes(&cache).into_iter().map(|n| n.session).collect();
        assert_eq!(left, ["cli", "other"], "the AWS CLI's file is still there; 'other' was not forgotten");
    }

    #[test]
    fn a_cli_file_for_another_start_url_is_ignored_and_a_broken_one_named() {
        let dir = tempfile::tempdir().unwrap();
        let t = Tokens::new(
            Arc::new(MemoryStore::default()),
            Some(dir.path().to_path_buf()),
            dir.path(),
            Duration::from_secs(1),
            SsoTokenCache::AwsCli,
        );
        let s = session();
        let path = t.cli_file(&s).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            r#"{"startUrl":"https://other/start","accessToken":"x","expiresAt":"2099-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert!(t.from_cli(&s).unwrap().is_none());
        std::fs::write(&path, "{").unwrap();
        let err = t.from_cli(&s).unwrap_err().to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
    }
}
