//! A container-credentials server for one child: `exec --server` gives the
//! command `AWS_CONTAINER_CREDENTIALS_FULL_URI` (a loopback address on a
//! random port) and `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` instead of fixed
//! keys, so the AWS SDKs and CLI fetch credentials as they need them. The
//! server hands out the target's current session and renews it through the
//! one cached-or-assume path (never asking a person: the stored MFA session
//! does it) before it enters the refresh window. It lives exactly as long as
//! the [`Server`] value; the token file (0600 in a 0700 directory) goes with it.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tokio::net::TcpListener;

use super::{AppError, Context, Flags, Prompt, assume};
use crate::credentials::Session;
use crate::output::export::SessionEnv;

/// The path credentials are served at.
pub const PATH: &str = "/rolecall/credentials";
/// Longest a client may take to send its request headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest one connection may stay open.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(60);
/// Most connections served at once, so a local process that opens many cannot
/// use up rolecall's file descriptors. Past it the oldest is closed: a client
/// that sends its request at once is answered in milliseconds, so the oldest
/// is one that has sat there sending nothing.
const MAX_CONNECTIONS: usize = 64;

/// Variables the child must not inherit: they would win over the server, or
/// point at another server.
const HIDDEN: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "ROLECALL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
];

/// Profile keys that give the `default` profile credentials of its own,
/// which the SDKs' chains try before a container server.
const DEFAULT_CREDENTIAL_KEYS: &[&str] = &[
    "aws_access_key_id",
    "role_arn",
    "credential_process",
    "sso_session",
    "sso_start_url",
    "web_identity_token_file",
    "credential_source",
];

/// What the server counts, for the notice when the command ends.
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests refused (no token, a wrong one, a wrong path).
    pub refused: AtomicU64,
}

impl Stats {
    /// A warning for the operator when something knocked without the token.
    pub fn notice(&self, target: &str) -> Option<String> {
        let n = self.refused.load(Ordering::Relaxed);
        (n > 0).then(|| {
            format!("the credentials server for '{target}' refused {n} request(s) without the right token or path")
        })
    }
}

/// Renews the served session (the one cached-or-assume path, never asking).
type Renew = Box<dyn Fn() -> BoxFuture<Result<Session, String>> + Send + Sync>;
type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

/// Below this much time left a request waits for the renewal instead of
/// getting the current session while one runs in the background.
const MUST_WAIT: Duration = Duration::from_secs(60);

struct Shared {
    token: SecretString,
    /// The session served; held only to read or replace it, never across a renewal.
    current: std::sync::Mutex<Session>,
    /// Held for the length of one renewal: one at a time.
    renewing: Arc<tokio::sync::Mutex<()>>,
    renew: Renew,
    refresh_window: Duration,
    stats: Arc<Stats>,
}

/// A running server; dropping it stops it and removes the token file.
pub struct Server {
    /// `http://127.0.0.1:PORT/rolecall/credentials`.
    pub url: String,
    /// The file holding the authorization token.
    pub token_file: PathBuf,
    /// What it has done so far.
    pub stats: Arc<Stats>,
    dir: PathBuf,
    task: tokio::task::JoinHandle<()>,
    /// The token file, open and locked while the server lives: a server that
    /// holds it is alive, whatever PID namespace it runs in.
    _held: std::fs::File,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.token_file);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Refuses to serve when the `default` profile has credentials of its own:
/// the SDKs would use those before the server, and the command would act as
/// someone else without a word.
pub fn check_default_profile(ctx: &Context) -> Result<(), AppError> {
    let found = DEFAULT_CREDENTIAL_KEYS.iter().find(|k| ctx.aws.get("default", k).is_some());
    match found {
        None => Ok(()),
        Some(key) => Err(AppError::usage(format!(
            "the [default] profile has '{key}': the AWS SDKs and CLI would use it before the credentials \
             server, so the command would not act as the target; run without --server (fixed keys), or move \
             those credentials to a named profile"
        ))),
    }
}

/// A random token: 32 bytes, hex.
fn new_token() -> Result<SecretString, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(SecretString::from(hex))
}

/// Removes the token directories under `parent` whose server is gone (killed
/// with SIGKILL, or the machine stopped): `server-PID-HEX` whose PID no longer
/// runs and whose token file no server holds locked. The lock keeps a live
/// server in another PID namespace (a container sharing the cache dir); the
/// PID keeps one that does not lock (an older rolecall).
fn sweep_stale(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(server_pid) else { continue };
        let dir = entry.path();
        if !entry.file_type().is_ok_and(|t| t.is_dir()) || process_runs(pid) || held(&dir.join("token")) {
            continue;
        }
        let _ = std::fs::remove_file(dir.join("token"));
        let _ = std::fs::remove_dir(&dir);
    }
}

/// True when a live server holds the token file `path` locked.
fn held(path: &Path) -> bool {
    match std::fs::File::open(path) {
        // The lock taken here goes with the file, at once.
        Ok(file) => matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

/// The pid in a token directory's name `server-PID-HEX`.
fn server_pid(name: &str) -> Option<u32> {
    let (pid, random) = name.strip_prefix("server-")?.split_once('-')?;
    let hex = !random.is_empty() && random.bytes().all(|b| b.is_ascii_hexdigit());
    pid.parse().ok().filter(|p| hex && *p > 0)
}

/// True unless `pid` is certainly gone.
fn process_runs(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else { return true };
        // SAFETY: kill(2) with signal 0 only checks that the process exists; nothing is sent.
        let found = unsafe { libc::kill(pid, 0) } == 0;
        found || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Writes the token into a new private directory under `parent`; returns the
/// directory, the file, and the file itself, open and locked (see [`held`]).
fn write_token(parent: &Path, token: &SecretString) -> Result<(PathBuf, PathBuf, std::fs::File), AppError> {
    use std::io::Write;
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let dir = parent.join(format!("server-{}-{name}", std::process::id()));
    let fail = |e: std::io::Error| {
        AppError::Spawn(format!("cannot write the server's token file in '{}': {e}", dir.display()))
    };
    crate::paths::ensure_private_dir(&dir).map_err(fail)?;
    let file = dir.join("token");
    let mut f = crate::paths::new_private_file(&file).map_err(fail)?;
    // Held until the server ends; a sweeper holds it for an instant at most.
    f.lock().map_err(fail)?;
    f.write_all(token.expose_secret().as_bytes()).map_err(fail)?;
    Ok((dir, file, f))
}

/// Starts serving `session` (made for `target` with `flags`) on 127.0.0.1.
pub async fn start(ctx: Arc<Context>, target: &str, flags: &Flags, session: Session) -> Result<Server, AppError> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .map_err(|e| AppError::Spawn(format!("cannot listen on 127.0.0.1: {e}")))?;
    let port = listener.local_addr().map_err(|e| AppError::Spawn(e.to_string()))?.port();
    let token = new_token()?;
    let cache = crate::paths::cache_dir();
    sweep_stale(&cache);
    let (dir, token_file, held) = write_token(&cache, &token)?;
    let stats = Arc::new(Stats::default());
    // A code typed for the first assume is spent; renewals never ask.
    let flags = Flags { mfa_code: None, ..flags.clone() };
    let refresh_window = ctx.settings.defaults.refresh_window;
    let target = target.to_owned();
    let renew: Renew = Box::new(move || {
        let (ctx, target, flags) = (ctx.clone(), target.clone(), flags.clone());
        Box::pin(async move {
            match assume(&ctx, &target, &flags, Prompt::Never).await {
                Ok(assumed) => Ok(assumed.session),
                Err(e) => {
                    let message = format!("cannot renew the credentials for '{target}': {e}");
                    eprintln!("rolecall: {}", crate::text::clean(&message));
                    Err(message)
                }
            }
        })
    });
    let shared = Arc::new(Shared {
        token,
        current: std::sync::Mutex::new(session),
        renewing: Arc::default(),
        renew,
        refresh_window,
        stats: stats.clone(),
    });
    let task = tokio::spawn(accept_loop(listener, shared));
    Ok(Server { url: format!("http://127.0.0.1:{port}{PATH}"), token_file, stats, dir, task, _held: held })
}

impl Server {
    /// The child's environment: `base` (region, target, endpoint) without
    /// any credentials, plus where and how to fetch them.
    pub fn child_env(&self, base: SessionEnv) -> SessionEnv {
        let mut set: Vec<(&'static str, String)> = base.set.into_iter().filter(|(k, _)| !HIDDEN.contains(k)).collect();
        set.push(("AWS_CONTAINER_CREDENTIALS_FULL_URI", self.url.clone()));
        set.push(("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", self.token_file.display().to_string()));
        let mut unset = base.unset;
        for k in HIDDEN {
            if !unset.contains(k) {
                unset.push(k);
            }
        }
        SessionEnv { set, unset }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    // The connections being served, oldest first.
    let mut open: std::collections::VecDeque<tokio::task::AbortHandle> = std::collections::VecDeque::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // A lasting error (EMFILE…) would come back at once: don't spin on it.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        open.retain(|task| !task.is_finished());
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                if let Some(oldest) = open.pop_front() {
                    oldest.abort();
                }
                // Its slot comes back once its socket is closed.
                match slots.clone().acquire_owned().await {
                    Ok(slot) => slot,
                    Err(_) => return,
                }
            }
        };
        let shared = shared.clone();
        let task = tokio::spawn(async move {
            let _slot = slot;
            let io = hyper_util::rt::TokioIo::new(stream);
            let service = hyper::service::service_fn(move |req| {
                let shared = shared.clone();
                async move { Ok::<_, std::convert::Infallible>(handle(&shared, req).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .keep_alive(false)
                .serve_connection(io, service);
            let _ = tokio::time::timeout(CONNECTION_TIMEOUT, conn).await;
        });
        open.push_back(task.abort_handle());
    }
}

fn reply(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from(body)));
    *res.status_mut() = status;
    res.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    res
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    reply(status, serde_json::json!({"Code": code, "Message": message}).to_string())
}

/// True when `given` is the token, compared in constant time.
fn authorized(given: Option<&[u8]>, token: &SecretString) -> bool {
    given.is_some_and(|g| bool::from(g.ct_eq(token.expose_secret().as_bytes())))
}

async fn handle(shared: &Arc<Shared>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let refuse = |status, code, message| {
        shared.stats.refused.fetch_add(1, Ordering::Relaxed);
        error(status, code, message)
    };
    if req.uri().path() != PATH {
        return refuse(StatusCode::NOT_FOUND, "NotFound", "no such path");
    }
    if req.method() != hyper::Method::GET {
        return refuse(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", "GET only");
    }
    let Some(given) = req.headers().get(hyper::header::AUTHORIZATION) else {
        return refuse(StatusCode::UNAUTHORIZED, "Unauthorized", "no Authorization header");
    };
    if !authorized(Some(given.as_bytes()), &shared.token) {
        return refuse(StatusCode::FORBIDDEN, "Forbidden", "wrong authorization token");
    }
    match current(shared).await {
        Ok(session) => reply(StatusCode::OK, body(&session)),
        Err(message) => error(StatusCode::SERVICE_UNAVAILABLE, "RefreshFailed", &message),
    }
}

/// The container-credentials answer, as botocore's ContainerProvider and the
/// SDKs' ECS providers read it.
pub fn body(session: &Session) -> String {
    let c = &session.credentials;
    let mut json = serde_json::json!({
        "AccessKeyId": c.access_key_id,
        "SecretAccessKey": c.secret_access_key(),
        "Token": c.session_token().unwrap_or_default(),
        "AccountId": session.identity.account,
    });
    if let Some(exp) = c.expiration {
        json["Expiration"] = serde_json::Value::String(crate::time::rfc3339(exp));
    }
    json.to_string()
}

/// The session to hand out. While it has more than the refresh window left:
/// the current one. Inside the window: still the current one at once, with a
/// renewal started in the background (one at a time), since the SDKs give a
/// container server a second or two. With under [`MUST_WAIT`] left: the
/// request waits for the renewal. When renewing fails, the current session
/// is served while it still works.
async fn current(shared: &Arc<Shared>) -> Result<Session, String> {
    let now = shared.current.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let Some(remaining) = left(&now) else { return Ok(now) };
    if remaining > shared.refresh_window {
        return Ok(now);
    }
    if remaining > MUST_WAIT {
        if let Ok(guard) = shared.renewing.clone().try_lock_owned() {
            let shared = shared.clone();
            tokio::spawn(async move {
                // Another renewal may have just finished.
                if needs_renewal(&shared) {
                    let _ = renew(&shared).await;
                }
                drop(guard);
            });
        }
        return Ok(now);
    }
    let _guard = shared.renewing.lock().await;
    let failed = if needs_renewal(shared) { renew(shared).await.err() } else { None };
    let served = shared.current.lock().unwrap_or_else(|e| e.into_inner()).clone();
    match (left(&served), failed) {
        (Some(l), Some(message)) if l.is_zero() => Err(message),
        _ => Ok(served),
    }
}

fn left(s: &Session) -> Option<Duration> {
    s.credentials.expiration.map(|e| crate::time::left(e, crate::time::now()))
}

fn needs_renewal(shared: &Shared) -> bool {
    let current = shared.current.lock().unwrap_or_else(|e| e.into_inner());
    left(&current).is_some_and(|l| l <= shared.refresh_window)
}

/// One renewal; the new session replaces the current one.
async fn renew(shared: &Shared) -> Result<(), String> {
    let session = (shared.renew)().await?;
    *shared.current.lock().unwrap_or_else(|e| e.into_inner()) = session;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{Credentials, Identity};

    #[test]
    fn the_token_is_compared_whole() {
        let token = SecretString::from("abc123".to_owned());
        assert!(authorized(Some(b"abc123"), &token));
        for wrong in [&b"abc124"[..], b"abc12", b"abc1234", b"", b"ABC123"] {
            assert!(!authorized(Some(wrong), &token), "{wrong:?}");
        }
        assert!(!authorized(None, &token));
    }

    #[test]
    fn the_body_has_the_container_fields() {
        let exp = crate::time::from_epoch(1_900_000_000).unwrap();
        let session = Session {
            credentials: Credentials::new("ASIAX", "sec", Some("tok".into()), Some(exp)),
            identity: Identity {
                arn: "arn:aws:sts::111111111111:assumed-role/R/s".into(),
                account: "111111111111".into(),
                user_id: "u".into(),
            },
        };
        let v: serde_json::Value = serde_json::from_str(&body(&session)).unwrap();
        assert_eq!(v["AccessKeyId"], "ASIAX");
        assert_eq!(v["SecretAccessKey"], "sec");
        assert_eq!(v["Token"], "tok");
        assert_eq!(v["Expiration"], "2030-03-17T17:46:40Z");
        assert_eq!(v["AccountId"], "111111111111");
    }

    #[test]
    fn the_child_sees_the_server_and_no_keys() {
        let creds = Credentials::new("ASIAX", "sec", Some("tok".into()), Some(crate::time::now()));
        let base = SessionEnv::new(&creds, "eu-west-1", "t");
        let (dir, token_file) = (PathBuf::from("/nonexistent"), PathBuf::from("/nonexistent/token"));
        let server = Server {
            url: "http://127.0.0.1:1/rolecall/credentials".into(),
            token_file,
            stats: Arc::default(),
            dir,
            task: tokio::runtime::Builder::new_current_thread().build().unwrap().spawn(async {}),
            _held: tempfile::tempfile().unwrap(),
        };
        let env = server.child_env(base);
        let names: Vec<&str> = env.set.iter().map(|(k, _)| *k).collect();
        assert!(names.contains(&"AWS_CONTAINER_CREDENTIALS_FULL_URI") && names.contains(&"AWS_REGION"), "{names:?}");
        for k in
            ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        {
            assert!(!names.contains(&k) && env.unset.contains(&k), "{k}");
        }
        assert!(env.set.iter().all(|(_, v)| v != "sec" && v != "tok"));
    }

    fn session(key: &str, left: Duration) -> Session {
        Session {
            credentials: Credentials::new(key, "sec", Some("tok".into()), Some(crate::time::now() + left)),
            identity: Identity {
                arn: "arn:aws:sts::1:assumed-role/R/s".into(),
                account: "1".into(),
                user_id: "u".into(),
            },
        }
    }

    /// A server state whose renewals take `slow` and count themselves.
    fn shared(first: Session, slow: Duration) -> (Arc<Shared>, Arc<AtomicU64>) {
        let count = Arc::new(AtomicU64::new(0));
        let counted = count.clone();
        let renew: Renew = Box::new(move || {
            let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
            Box::pin(async move {
                tokio::time::sleep(slow).await;
                Ok(session(&format!("ASIANEW{n}"), Duration::from_secs(3600)))
            })
        });
        let shared = Arc::new(Shared {
            token: SecretString::from("t".to_owned()),
            current: std::sync::Mutex::new(first),
            renewing: Arc::default(),
            renew,
            refresh_window: Duration::from_secs(900),
            stats: Arc::default(),
        });
        (shared, count)
    }

    #[tokio::test]
    async fn a_request_during_a_renewal_gets_the_current_session_at_once() {
        let (shared, count) = shared(session("ASIAOLD", Duration::from_secs(300)), Duration::from_secs(2));
        for _ in 0..5 {
            let started = std::time::Instant::now();
            let got = current(&shared).await.unwrap();
            assert_eq!(got.credentials.access_key_id, "ASIAOLD");
            assert!(started.elapsed() < Duration::from_millis(500), "waited {:?}", started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(count.load(Ordering::SeqCst), 1, "one renewal at a time");
        assert_eq!(current(&shared).await.unwrap().credentials.access_key_id, "ASIANEW1");
        assert_eq!(count.load(Ordering::SeqCst), 1, "a fresh session is not renewed");
    }

    #[test]
    fn only_token_directories_name_a_server_pid() {
        let rows = [
            ("server-123-00ff", Some(123)),
            ("server-123-", None),
            ("server-123-xyz", None),
            ("server--00ff", None),
            ("server-0-00ff", None),
            ("server-notes", None),
            ("locks", None),
        ];
        for (name, want) in rows {
            assert_eq!(server_pid(name), want, "{name}");
        }
    }

    #[test]
    fn a_token_file_is_held_while_its_server_lives() {
        let parent = tempfile::tempdir().unwrap();
        let (dir, file, locked) = write_token(parent.path(), &SecretString::from("t".to_owned())).unwrap();
        assert!(dir.starts_with(parent.path()) && held(&file), "the server's own lock");
        drop(locked);
        assert!(!held(&file), "released when the server ends (or dies)");
    }

    #[tokio::test]
    async fn idle_connections_cannot_crowd_out_a_request() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (shared, _) = shared(session("ASIAOK", Duration::from_secs(3600)), Duration::ZERO);
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(accept_loop(listener, shared));
        // Connections that never send a request, three times the limit.
        let mut idle = Vec::new();
        for _ in 0..3 * MAX_CONNECTIONS {
            idle.push(tokio::net::TcpStream::connect(addr).await.unwrap());
        }
        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: t\r\n\r\n");
        client.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        tokio::time::timeout(Duration::from_secs(30), client.read_to_string(&mut answer)).await.unwrap().unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains("ASIAOK"), "{answer}");
        // Every idle connection was accepted; the server still holds no more than its limit.
        let still_open = idle
            .into_iter()
            .map(|c| c.into_std().unwrap())
            .filter(|mut c| {
                // Non-blocking: an open connection has nothing to read yet, a closed one reads 0 bytes.
                matches!(std::io::Read::read(&mut c, &mut [0u8; 1]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
            })
            .count();
        assert_eq!(still_open, MAX_CONNECTIONS - 1, "the request took one slot, the newest idle ones the rest");
        server.abort();
    }

    #[tokio::test]
    async fn a_request_waits_when_the_session_is_nearly_over() {
        let (shared, count) = shared(session("ASIAOLD", Duration::from_secs(30)), Duration::from_millis(300));
        let (a, b) = tokio::join!(current(&shared), current(&shared));
        assert_eq!(a.unwrap().credentials.access_key_id, "ASIANEW1");
        assert_eq!(b.unwrap().credentials.access_key_id, "ASIANEW1");
        assert_eq!(count.load(Ordering::SeqCst), 1, "the second waiter reuses the first's renewal");
    }
}
