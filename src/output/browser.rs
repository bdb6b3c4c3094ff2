//! Opening a secret URL (the console sign-in) in the user's browser without
//! putting it on a command line: the URL goes into a private (0600) HTML file
//! in a private (0700) directory that redirects to it, and the browser gets
//! that file's `file://` address. The file is removed once the browser has
//! read it (or after a grace period); files left by an interrupted run are
//! swept on the next one. The browser is `BROWSER` (a `:`-separated list of
//! commands, `%s` standing for the address), else the platform's opener.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant, SystemTime};

/// How long a redirect file may stay: the sign-in token is dead after 15 minutes.
const STALE: Duration = Duration::from_secs(15 * 60);

/// What happened to the page.
#[derive(Debug, PartialEq, Eq)]
pub enum Opened {
    /// The browser read the page (and was sent on to the URL).
    Read,
    /// The opener succeeded but nothing read the page within the grace period.
    NotSeen,
}

/// The page that sends the browser on to `url`: `location.replace`, with a
/// meta refresh for browsers without scripts. The URL is escaped for both.
pub fn redirect_page(url: &str) -> String {
    let js = serde_json::to_string(url).unwrap_or_default().replace('<', "\\u003c");
    let attr = url.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">\
         <meta http-equiv=\"refresh\" content=\"0;url={attr}\"><title>rolecall: AWS console</title>\
         <script>location.replace({js});</script></head><body>Opening the AWS console…</body></html>\n"
    )
}

/// The commands to try for `address`: each `BROWSER` entry (with `%s`
/// replaced, else the address appended), else the platform opener.
pub fn commands(browser: Option<&str>, address: &str) -> Result<Vec<Vec<String>>, String> {
    let mut out = Vec::new();
    for entry in crate::opener::entries(browser.unwrap_or_default()) {
        out.push(crate::opener::entry(entry, address)?);
    }
    if out.is_empty() {
        out.push(crate::opener::platform(address));
    }
    Ok(out)
}

/// Removes redirect pages older than the token's life (a run that was killed).
fn sweep(dir: &Path) {
    let now = SystemTime::now();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with("console-") {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > STALE);
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// True once the file has been read since it was written (its access time
/// moved past its modification time; relatime updates it on the first read).
fn was_read(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| match (m.accessed(), m.modified()) {
        (Ok(a), Ok(w)) => a > w,
        _ => false,
    })
}

/// A private redirect page that is removed when dropped.
struct Page(PathBuf);

impl Drop for Page {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Opens `url` through a redirect page in `dir`. Waits until the page was
/// read or `grace` passed (never kills the browser); the page is then removed.
pub fn open(url: &str, dir: &Path, browser: Option<&str>, grace: Duration) -> Result<Opened, String> {
    crate::paths::ensure_private_dir(dir).map_err(|e| format!("'{}': {e}", dir.display()))?;
    sweep(dir);
    let mut random = [0u8; 12];
    getrandom::fill(&mut random).map_err(|e| format!("no randomness: {e}"))?;
    let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!("console-{name}.html"));
    let page = Page(path.clone());
    {
        use std::io::Write;
        let mut file = crate::paths::new_private_file(&path).map_err(|e| format!("'{}': {e}", path.display()))?;
        file.write_all(redirect_page(url).as_bytes()).map_err(|e| format!("'{}': {e}", path.display()))?;
    }
    // Writing may leave atime == mtime at a coarse clock: step mtime back so any read shows.
    let written = SystemTime::now() - Duration::from_secs(2);
    let _ = std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_times(std::fs::FileTimes::new().set_modified(written).set_accessed(written)));
    let address = url::Url::from_file_path(&path).map(String::from).unwrap_or_else(|()| path.display().to_string());
    let mut failures = Vec::new();
    for argv in commands(browser, &address)? {
        match wait(spawn(&argv), &path, grace) {
            Ok(opened) => {
                drop(page);
                return Ok(opened);
            }
            Err(e) => failures.push(format!("'{}': {e}", argv[0])),
        }
    }
    Err(format!("no browser could be started ({}); set BROWSER, or use --print", failures.join("; ")))
}

fn spawn(argv: &[String]) -> std::io::Result<Child> {
    // Detached from the terminal: the TUI may be drawing there.
    crate::opener::detached(argv).spawn()
}

/// Waits for the page to be read; an opener that fails first is an error.
fn wait(child: std::io::Result<Child>, page: &Path, grace: Duration) -> Result<Opened, String> {
    let mut child = child.map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut exited = false;
    while start.elapsed() < grace {
        if was_read(page) {
            return Ok(Opened::Read);
        }
        if !exited {
            match child.try_wait() {
                Ok(Some(status)) if !status.success() => return Err(format!("exited with {status}")),
                Ok(Some(_)) => exited = true,
                Ok(None) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    // A browser that is still running (it was not running before) keeps running.
    Ok(if was_read(page) { Opened::Read } else { Opened::NotSeen })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_commands() {
        let a = "file:///tmp/x.html";
        assert_eq!(commands(Some("firefox"), a).unwrap(), vec![vec!["firefox".to_owned(), a.into()]]);
        assert_eq!(
            commands(Some("lynx -dump %s:w3m"), a).unwrap(),
            vec![vec!["lynx".to_owned(), "-dump".into(), a.into()], vec!["w3m".to_owned(), a.into()]]
        );
        assert_eq!(commands(Some("'my browser' --new-tab"), a).unwrap()[0], ["my browser", "--new-tab", a]);
        assert_eq!(commands(Some(""), a).unwrap().len(), 1, "the platform opener");
        assert!(commands(Some("'unclosed"), a).unwrap_err().contains("BROWSER entry"));
    }

    #[test]
    fn the_page_escapes_the_url() {
        let page = redirect_page("https://x/?a=1&b=\"</script>");
        assert!(page.contains("url=https://x/?a=1&amp;b=&quot;&lt;/script>"), "{page}");
        assert!(page.contains(r#"location.replace("https://x/?a=1&b=\"\u003c/script>")"#), "{page}");
        assert!(!page.contains("</script>\""), "{page}");
    }

    #[test]
    #[cfg(unix)]
    fn the_page_is_private_read_and_removed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let pages = dir.path().join("console");
        let seen = dir.path().join("seen.html");
        // A "browser" that reads the page it is given, then checks its mode.
        let script = dir.path().join("browser");
        let body =
            format!("#!/bin/sh\np=${{1#file://}}\nstat -c %a \"$p\" > {0}.mode\ncat \"$p\" > {0}\n", seen.display());
        std::fs::write(&script, body).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let script = script.display().to_string();
        let opened = open("https://example.com/?SigninToken=s3cret", &pages, Some(&script), Duration::from_secs(10));
        assert_eq!(opened.unwrap(), Opened::Read);
        assert!(std::fs::read_to_string(&seen).unwrap().contains("SigninToken=s3cret"));
        assert_eq!(std::fs::read_to_string(seen.with_extension("html.mode")).unwrap().trim(), "600");
        assert_eq!(std::fs::metadata(&pages).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(std::fs::read_dir(&pages).unwrap().count(), 0, "the page is gone");
        // An opener that fails is an error naming it, and leaves nothing behind.
        let err = open("https://example.com/", &pages, Some("false"), Duration::from_secs(5)).unwrap_err();
        assert!(err.contains("'false': exited"), "{err}");
        assert_eq!(std::fs::read_dir(&pages).unwrap().count(), 0);
    }
}
