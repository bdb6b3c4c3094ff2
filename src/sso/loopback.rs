//! The loopback redirect of the authorization code grant: a listener on
//! 127.0.0.1 (a port the system picks) that answers
//! `GET /oauth/callback?code=…&state=…` with a short page, checks `state`
//! (in constant time; a callback without the right one is refused and the
//! wait goes on), and gives up after a timeout. Connections are served
//! concurrently (a few at a time), each within a total deadline, so one
//! slow local connection cannot hold up the browser's.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use subtle::ConstantTimeEq;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};

use super::pkce::decode;

/// The path the redirect URI names.
pub const PATH: &str = "/oauth/callback";

/// Connections served at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 16;

/// How long one connection may take, from accept to the answer written
/// (a browser's request arrives at once; a trickle of bytes gets no more).
const CONNECTION_DEADLINE: Duration = Duration::from_secs(5);

/// A listening callback.
pub struct Callback {
    listener: TcpListener,
    /// `http://127.0.0.1:PORT/oauth/callback`.
    pub redirect_uri: String,
}

const DONE: &str =
    "<!doctype html><title>rolecall</title><p>Signed in. You can close this tab and go back to the terminal.</p>";
const FAILED: &str =
    "<!doctype html><title>rolecall</title><p>The sign-in did not complete. Go back to the terminal.</p>";

impl Callback {
    /// Listens on 127.0.0.1 on a free port.
    pub async fn bind() -> Result<Self, String> {
        let listener =
            TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        Ok(Self { listener, redirect_uri: format!("http://127.0.0.1:{port}{PATH}") })
    }

    /// Waits up to `limit` for the browser to come back with a code whose
    /// `state` is `state`. Other requests (a favicon…) get a 404, callbacks
    /// with a wrong or no state a 400, and the wait goes on; only a callback
    /// with the right state (and a code or an error) ends it.
    pub async fn code(self, state: &str, limit: Duration) -> Result<SecretString, String> {
        self.code_within(state, limit, CONNECTION_DEADLINE).await
    }

    async fn code_within(self, state: &str, limit: Duration, deadline: Duration) -> Result<SecretString, String> {
        let state: Arc<str> = Arc::from(state);
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let (tx, mut rx) = mpsc::channel::<Result<SecretString, String>>(1);
        // Dropped (and so aborted) when the wait ends.
        let mut serving = tokio::task::JoinSet::new();
        let wait = async {
            loop {
                let accept = async {
                    let slot = slots.clone().acquire_owned().await.map_err(|e| e.to_string())?;
                    let (stream, _) = self.listener.accept().await.map_err(|e| e.to_string())?;
                    Ok::<_, String>((slot, stream))
                };
                tokio::select! {
                    Some(result) = rx.recv() => return result,
                    accepted = accept => {
                        let (slot, stream) = accepted?;
                        let (tx, state) = (tx.clone(), state.clone());
                        serving.spawn(async move {
                            let _slot = slot;
                            if let Ok(Some(result)) = tokio::time::timeout(deadline, serve(stream, &state)).await {
                                let _ = tx.try_send(result);
                            }
                        });
                    }
                }
            }
        };
        match tokio::time::timeout(limit, wait).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "nobody finished the sign-in in the browser within {} s (sso_login_timeout in the settings)",
                limit.as_secs()
            )),
        }
    }
}

/// Reads one request and answers it: `Some` with the sign-in's outcome when
/// it is the callback with the right state, `None` when the wait goes on.
async fn serve(mut stream: TcpStream, state: &str) -> Option<Result<SecretString, String>> {
    let mut buf = vec![0u8; 8192];
    let mut len = 0;
    // Read the request head (one read is usually enough; stop at the blank line).
    while len < buf.len() {
        match stream.read(&mut buf[len..]).await {
            Ok(0) | Err(_) => break,
            Ok(n) => len += n,
        }
        if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let head = String::from_utf8_lossy(&buf[..len]).into_owned();
    let target = head.lines().next().and_then(|l| l.split_whitespace().nth(1)).unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != PATH {
        let _ = respond(&mut stream, "404 Not Found", "").await;
        return None;
    }
    let param = |name: &str| {
        query.split('&').find_map(|kv| kv.split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| decode(v)))
    };
    // Only a callback carrying this sign-in's state ends the wait: any local
    // process can find the port, so anything else gets a 400 and the wait goes on.
    let right = param("state").is_some_and(|s| bool::from(s.as_bytes().ct_eq(state.as_bytes())));
    if !right {
        let _ = respond(&mut stream, "400 Bad Request", FAILED).await;
        return None;
    }
    let result = match (param("error"), param("code")) {
        (Some(err), _) => Err(format!(
            "the browser came back with error '{}'{}",
            crate::text::clean(&err),
            param("error_description").map(|d| format!(": {}", crate::text::clean(&d))).unwrap_or_default()
        )),
        (None, Some(code)) if !code.is_empty() => Ok(SecretString::from(code)),
        (None, _) => Err("the browser came back without a code".to_owned()),
    };
    let page = if result.is_ok() { DONE } else { FAILED };
    let _ = respond(&mut stream, "200 OK", page).await;
    Some(result)
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let text = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tokio::time::timeout(Duration::from_secs(5), stream.write_all(text.as_bytes()))
        .await
        .map_err(std::io::Error::other)?
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    async fn get(uri: &str, path: &str) -> String {
        let port = uri.trim_start_matches("http://127.0.0.1:").split('/').next().unwrap().to_owned();
        let mut s = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}")).await.unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn the_code_comes_back_when_the_state_matches() {
        let cb = Callback::bind().await.unwrap();
        let uri = cb.redirect_uri.clone();
        assert!(uri.starts_with("http://127.0.0.1:") && uri.ends_with(PATH));
        let wait = tokio::spawn(cb.code("st", Duration::from_secs(5)));
        assert!(get(&uri, "/favicon.ico").await.starts_with("HTTP/1.1 404"));
        let page = get(&uri, "/oauth/callback?code=c%2F1&state=st").await;
        assert!(page.contains("close this tab"), "{page}");
        assert_eq!(wait.await.unwrap().unwrap().expose_secret(), "c/1");
    }

    #[tokio::test]
    async fn a_wrong_or_missing_state_is_refused_and_the_wait_goes_on() {
        let cb = Callback::bind().await.unwrap();
        let uri = cb.redirect_uri.clone();
        let wait = tokio::spawn(cb.code("st", Duration::from_secs(5)));
        for path in [
            "/oauth/callback?code=c&state=other",
            "/oauth/callback?code=c&state=s",
            "/oauth/callback?code=c&state=stt",
            "/oauth/callback?code=c",
            "/oauth/callback?error=access_denied",
            "/oauth/callback?error=access_denied&state=other",
        ] {
            let page = get(&uri, path).await;
            assert!(page.starts_with("HTTP/1.1 400"), "{path}: {page}");
            assert!(!wait.is_finished(), "{path} ended the wait");
        }
        get(&uri, "/oauth/callback?code=good&state=st").await;
        assert_eq!(wait.await.unwrap().unwrap().expose_secret(), "good");
    }

    #[tokio::test]
    async fn an_error_with_the_right_state_or_silence_fail() {
        for (path, want) in [
            ("/oauth/callback?error=access_denied&state=st", "access_denied"),
            ("/oauth/callback?state=st", "without a code"),
        ] {
            let cb = Callback::bind().await.unwrap();
            let uri = cb.redirect_uri.clone();
            let wait = tokio::spawn(cb.code("st", Duration::from_secs(5)));
            get(&uri, path).await;
            let err = wait.await.unwrap().unwrap_err();
            assert!(err.contains(want), "{err}");
        }
        let cb = Callback::bind().await.unwrap();
        let err = cb.code("st", Duration::from_millis(50)).await.unwrap_err();
        assert!(err.contains("sso_login_timeout"), "{err}");
    }

    /// A local connection that trickles a byte at a time (never a whole request head) neither
    /// holds up the browser's callback nor outlives its deadline.
    #[tokio::test]
    async fn a_slow_connection_neither_blocks_the_callback_nor_stays_open() {
        let cb = Callback::bind().await.unwrap();
        let uri = cb.redirect_uri.clone();
        let addr = uri.trim_start_matches("http://").split('/').next().unwrap().to_owned();
        let wait = tokio::spawn(cb.code("st", Duration::from_secs(30)));
        // Connected first, so a one-at-a-time loopback would serve it first.
        let mut loris = tokio::net::TcpStream::connect(&addr).await.unwrap();
        loris.write_all(b"G").await.unwrap();
        let trickle = tokio::spawn(async move {
            for b in b"ET /oauth/callback?state=st HTTP/1.1\r\nX-Slow: ".iter().cycle().take(10_000) {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if loris.write_all(&[*b]).await.is_err() {
                    return true;
                }
            }
            false
        });
        let page = get(&uri, "/oauth/callback?code=good&state=st").await;
        assert!(page.contains("close this tab"), "{page}");
        assert_eq!(wait.await.unwrap().unwrap().expose_secret(), "good");
        assert!(trickle.await.unwrap(), "the slow connection was closed");
    }

    /// The slow connection is closed at its deadline even while the wait goes on.
    #[tokio::test]
    async fn a_slow_connection_is_closed_at_its_deadline() {
        let cb = Callback::bind().await.unwrap();
        let uri = cb.redirect_uri.clone();
        let addr = uri.trim_start_matches("http://").split('/').next().unwrap().to_owned();
        let wait = tokio::spawn(cb.code_within("st", Duration::from_secs(30), Duration::from_millis(300)));
        let mut loris = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let mut closed = false;
        for _ in 0..10_000 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if loris.write_all(b"x").await.is_err() {
                closed = true;
                break;
            }
        }
        assert!(closed, "the trickling connection was never closed");
        assert!(!wait.is_finished(), "the wait goes on");
        wait.abort();
    }
}
