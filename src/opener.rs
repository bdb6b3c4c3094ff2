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
