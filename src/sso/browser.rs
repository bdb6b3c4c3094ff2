//! Opening the sign-in page: `BROWSER` when set (a `:`-separated list of
//! commands, each may hold `%s` for the URL), else the platform's opener
//! (`xdg-open`, `open`, `start`). Whether a browser can be opened at all
//! decides the default sign-in flow.

use std::time::Duration;

use aws_types::os_shim_internal::Env;

/// True when a browser can plausibly be opened: `BROWSER` is set, or (on
/// Linux) there is a display and this is not an SSH session.
pub fn available(env: &Env) -> bool {
    let set = |k: &str| env.get(k).is_ok_and(|v| !v.trim().is_empty());
    if set("BROWSER") {
        return true;
    }
    if set("SSH_CONNECTION") || set("SSH_TTY") {
        return false;
    }
    if cfg!(target_os = "linux") { set("DISPLAY") || set("WAYLAND_DISPLAY") } else { true }
}

/// The command lines to try for `url`, in order.
pub fn commands(env: &Env, url: &str) -> Vec<Vec<String>> {
    if let Ok(browser) = env.get("BROWSER")
        && !browser.trim().is_empty()
    {
        // An entry that does not parse is skipped: the URL is printed anyway.
        return crate::opener::entries(&browser).filter_map(|c| crate::opener::entry(c, url).ok()).collect();
    }
    vec![crate::opener::platform(url)]
}

/// Starts the first command that can be started, without waiting for the
/// page; the child is reaped in the background while rolecall runs (up to
/// `limit`). It is never killed: with `BROWSER=firefox` the child *is* the
/// user's browser.
pub fn open(env: &Env, url: &str, limit: Duration) -> Result<(), String> {
    let mut last = String::from("no browser command");
    for cmd in commands(env, url) {
        let Some(program) = cmd.first() else { continue };
        // Detached from the terminal: the TUI may be drawing there.
        let spawned = tokio::process::Command::from(crate::opener::detached(&cmd)).spawn();
        match spawned {
            Ok(mut child) => {
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(limit, child.wait()).await;
                });
                return Ok(());
            }
            Err(e) => last = format!("'{program}': {e}"),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_variable_and_fallbacks() {
        let env = Env::from_slice(&[("BROWSER", "firefox --new-tab:my-open '%s' now")]);
        assert_eq!(
            commands(&env, "http://x/?a=1&b"),
            vec![vec!["firefox", "--new-tab", "http://x/?a=1&b"], vec!["my-open", "http://x/?a=1&b", "now"]]
        );
        assert!(available(&env));
        assert!(!available(&Env::from_slice(&[("SSH_CONNECTION", "1 2 3 4"), ("DISPLAY", ":0")])));
        if cfg!(target_os = "linux") {
            assert!(!available(&Env::from_slice(&[])));
            assert!(available(&Env::from_slice(&[("WAYLAND_DISPLAY", "w")])));
            assert_eq!(commands(&Env::from_slice(&[]), "u"), vec![vec!["xdg-open", "u"]]);
        }
    }
}
