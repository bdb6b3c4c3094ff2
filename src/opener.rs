//! How a URL or file is handed to a browser: a `BROWSER` entry (a command
//! line in which `%s` stands for the address, else the address is appended),
//! or the platform's opener. Shared by the console sign-in and the IAM
//! Identity Center sign-in, which differ in what they open and how they wait.

/// The command line for one `BROWSER` entry (entries are `:`-separated).
pub fn entry(entry: &str, address: &str) -> Result<Vec<String>, String> {
    let mut argv = shell_words::split(entry).map_err(|e| format!("BROWSER entry '{entry}': {e}"))?;
    if argv.iter().any(|a| a.contains("%s")) {
        argv = argv.into_iter().map(|a| a.replace("%s", address)).collect();
    } else {
        argv.push(address.to_owned());
    }
    Ok(argv)
}

/// The entries of a `BROWSER` value, trimmed, empty ones left out.
pub fn entries(browser: &str) -> impl Iterator<Item = &str> {
    browser.split(':').map(str::trim).filter(|e| !e.is_empty())
}

/// The platform's opener for `address`. Not `cmd /c start` on Windows: cmd
/// would cut a URL at its first '&'.
pub fn platform(address: &str) -> Vec<String> {
    let opener: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["rundll32", "url.dll,FileProtocolHandler"]
    } else {
        &["xdg-open"]
    };
    let mut argv: Vec<String> = opener.iter().map(|s| (*s).to_owned()).collect();
    argv.push(address.to_owned());
    argv
}

/// The command for an opener's `argv` (not empty): no stdin, stdout or
/// stderr, and on Unix a session of its own, without a controlling terminal.
/// Nothing it (or a browser it starts) prints can then reach the terminal,
/// where the TUI may be drawing, not even through `/dev/tty`, and it cannot
/// read the keys typed there.
pub fn detached(argv: &[String]) -> std::process::Command {
    use std::process::Stdio;
    let (program, args) = argv.split_first().map_or(("", &[][..]), |(p, a)| (p.as_str(), a));
    let mut cmd = std::process::Command::new(program);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid() is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
    }
    cmd
}

#[cfg(all(test, unix))]
mod tests {
    /// The opener cannot reach the terminal: it has no controlling terminal.
    #[test]
    fn an_opener_has_no_terminal() {
        let argv: Vec<String> =
            ["sh", "-c", "if (: > /dev/tty) 2>/dev/null; then echo tty; else echo none; fi"].map(String::from).to_vec();
        let mut cmd = super::detached(&argv);
        cmd.stdout(std::process::Stdio::piped());
        let out = cmd.output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "none");
    }
}
