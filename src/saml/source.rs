//! Where a SAML response comes from besides the browser: a command that prints
//! it (`saml_process`, `--assertion-from`) or a file (`--assertion-file FILE|-`).
//! Each is bounded in size, a command also in time, and what was read is zeroized.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use zeroize::Zeroizing;

use super::assertion::SamlResponse;

/// The most a source may produce: far above the 100,000 characters AWS takes
/// (line breaks, a trailing newline), far below what would hurt.
pub const MAX_SOURCE_BYTES: u64 = 1024 * 1024;

/// Why no response could be read from a command or a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// The command could not be started.
    #[error("the assertion command '{command}' could not be started: {reason}")]
    Start {
        /// The command line.
        command: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The command took too long and was stopped.
    #[error(
        "the assertion command '{command}' did not finish within {secs} s and was stopped (login_timeout in [saml.NAME])"
    )]
    Timeout {
        /// The command line.
        command: String,
        /// The limit.
        secs: u64,
    },
    /// The command failed.
    #[error("the assertion command '{command}' exited with {status}")]
    Failed {
        /// The command line.
        command: String,
        /// How it ended.
        status: String,
    },
    /// A file could not be read.
    #[error("cannot read the assertion from '{what}': {reason}")]
    Read {
        /// The file (or `standard input`).
        what: String,
        /// The operating system's reason.
        reason: String,
    },
    /// More than [`MAX_SOURCE_BYTES`].
    #[error("{what} gave more than {MAX_SOURCE_BYTES} bytes: that is not a SAML response")]
    TooLarge {
        /// The command or file.
        what: String,
    },
    /// Not text.
    #[error("{what} gave something that is not text: expected the base64 SAMLResponse")]
    NotText {
        /// The command or file.
        what: String,
    },
}

/// Runs `cmd` through the shell and takes the response from its standard output
/// (stderr goes to the terminal, stdin is closed). Stopped after `timeout`.
pub async fn from_command(cmd: &str, timeout: Duration) -> Result<SamlResponse, SourceError> {
    let command = cmd.to_owned();
    let mut child = shell_command(cmd)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| SourceError::Start { command: command.clone(), reason: e.to_string() })?;
    let Some(stdout) = child.stdout.take() else {
        return Err(SourceError::Start { command, reason: "no standard output".into() });
    };
    let what = format!("the assertion command '{cmd}'");
    let run = async {
        let mut out = Zeroizing::new(Vec::new());
        let read = stdout.take(MAX_SOURCE_BYTES + 1).read_to_end(&mut out).await;
        read.map_err(|e| SourceError::Read { what: what.clone(), reason: e.to_string() })?;
        if out.len() as u64 > MAX_SOURCE_BYTES {
            return Err(SourceError::TooLarge { what: what.clone() });
        }
        let status =
            child.wait().await.map_err(|e| SourceError::Start { command: command.clone(), reason: e.to_string() })?;
        Ok((out, status))
    };
    // On a time-out this returns, and the child is killed as it drops (kill_on_drop).
    let (out, status) = tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| SourceError::Timeout { command: command.clone(), secs: timeout.as_secs() })??;
    if !status.success() {
        return Err(SourceError::Failed { command, status: status.to_string() });
    }
    text(out, &what)
}

/// Reads the response from `path`, or standard input for `-`.
pub fn from_file(path: &Path) -> Result<SamlResponse, SourceError> {
    if path == Path::new("-") {
        return from_reader(std::io::stdin().lock(), "standard input");
    }
    let what = path.display().to_string();
    let file =
        std::fs::File::open(path).map_err(|e| SourceError::Read { what: what.clone(), reason: e.to_string() })?;
    from_reader(file, &what)
}

/// Reads the response from `reader` (`what` names it in messages).
pub fn from_reader(reader: impl Read, what: &str) -> Result<SamlResponse, SourceError> {
    let mut out = Zeroizing::new(Vec::new());
    reader
        .take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| SourceError::Read { what: what.to_owned(), reason: e.to_string() })?;
    if out.len() as u64 > MAX_SOURCE_BYTES {
        return Err(SourceError::TooLarge { what: what.to_owned() });
    }
    text(out, what)
}

fn text(bytes: Zeroizing<Vec<u8>>, what: &str) -> Result<SamlResponse, SourceError> {
    let text = std::str::from_utf8(&bytes).map_err(|_| SourceError::NotText { what: what.to_owned() })?;
    Ok(SamlResponse::from(text.trim().to_owned()))
}

fn shell_command(cmd: &str) -> tokio::process::Command {
    #[cfg(windows)]
    {
        let mut c = tokio::process::Command::new("cmd");
        c.arg("/C").arg(cmd);
        c
    }
    #[cfg(not(windows))]
    {
        let mut c = tokio::process::Command::new("/bin/sh");
        c.arg("-c").arg(cmd);
        c
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_command_gives_its_output_or_says_why_not() {
        let secs = Duration::from_secs(20);
        let ok = from_command("printf '  PHNhbWw+\\n'", secs).await.unwrap();
        assert_eq!(ok.expose(), "PHNhbWw+", "trimmed");
        let cases = [
            ("exit 3", "exited with exit status: 3"),
            ("/nonexistent/saml-tool", "exited with exit status: 127"),
            ("head -c 1048577 /dev/zero | tr '\\0' A", "gave more than 1048576 bytes"),
            ("printf '\\377\\376'", "is not text"),
        ];
        for (cmd, want) in cases {
            let err = from_command(cmd, secs).await.unwrap_err().to_string();
            assert!(err.contains(want), "{cmd}: {err}");
        }
        // Exactly the limit is accepted (the parser refuses it later, with its own reason).
        let edge = from_command("head -c 1048576 /dev/zero | tr '\\0' A", secs).await.unwrap();
        assert_eq!(edge.expose().len(), 1024 * 1024);
    }

    #[tokio::test]
    async fn a_command_that_never_finishes_is_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let cmd = format!("echo $$ > '{}'; exec sleep 30", pid_file.display());
        let err = from_command(&cmd, Duration::from_millis(500)).await.unwrap_err();
        assert!(matches!(err, SourceError::Timeout { secs: 0, .. }), "{err}");
        // The stopped command is gone (kill_on_drop reaps it in the background).
        let pid = std::fs::read_to_string(&pid_file).unwrap().trim().to_owned();
        let gone = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| s.contains(") Z "))
        });
        assert!(gone, "the command {pid} outlived its time-out");
    }

    #[test]
    fn files_and_readers_are_bounded_and_must_be_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("saml.b64");
        std::fs::write(&path, "PHNh\nbWw+\n").unwrap();
        assert_eq!(from_file(&path).unwrap().expose(), "PHNh\nbWw+", "line breaks inside are the parser's business");
        let missing = from_file(&dir.path().join("nope")).unwrap_err().to_string();
        assert!(missing.contains("cannot read the assertion from") && missing.contains("nope"), "{missing}");
        let big = from_reader(std::io::repeat(b'A').take(MAX_SOURCE_BYTES + 10), "big").unwrap_err();
        assert_eq!(big, SourceError::TooLarge { what: "big".into() });
        let binary = from_reader(&[0xffu8, 0x00][..], "bin").unwrap_err();
        assert_eq!(binary, SourceError::NotText { what: "bin".into() });
    }
}
