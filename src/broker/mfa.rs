//! MFA codes: validated before any call, taken from the flag, an `mfa_process`
//! command, or a prompt on the terminal, in that order.

use std::fmt;
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::error::BrokerError;
use super::plan::MfaDevice;

/// A six-digit one-time code. Redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct MfaCode(String);

impl MfaCode {
    /// Accepts exactly six ASCII digits (surrounding whitespace is trimmed).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim();
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(code.to_owned()))
        } else {
            Err("an MFA code is exactly 6 digits".to_owned())
        }
    }

    /// The digits, for the `TokenCode` parameter.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MfaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MfaCode(******)")
    }
}

/// Asks a person for a code. The CLI prompts on `/dev/tty`; the TUI shows a modal.
pub trait MfaPrompt: Send + Sync {
    /// Blocks until the person enters a code for `device` (for `target`), or fails.
    fn ask(&self, device: &MfaDevice, target: &str) -> Result<MfaCode, BrokerError>;
}

/// Where codes come from during one run.
#[derive(Clone)]
pub struct MfaSource {
    flag: Arc<Mutex<Option<MfaCode>>>,
    prompt: Option<Arc<dyn MfaPrompt>>,
    no_prompt: String,
    process_timeout: Duration,
    prompt_timeout: Duration,
}

/// Default wait for an `mfa_process` command.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);
/// Default wait for a person at the prompt.
const PROMPT_TIMEOUT: Duration = Duration::from_secs(120);

impl MfaSource {
    /// A source with an optional `--mfa-code` (used at most once: AWS rejects a
    /// reused code) and an optional interactive prompt.
    pub fn new(flag: Option<MfaCode>, prompt: Option<Arc<dyn MfaPrompt>>) -> Self {
        let no_prompt = "no code was given: pass --mfa-code, or set 'mfa_process' in the profile".to_owned();
        Self {
            flag: Arc::new(Mutex::new(flag)),
            prompt,
            no_prompt,
            process_timeout: PROCESS_TIMEOUT,
            prompt_timeout: PROMPT_TIMEOUT,
        }
    }

    /// Sets how long an `mfa_process` and the terminal prompt may take.
    pub fn with_timeouts(mut self, process: Duration, prompt: Duration) -> Self {
        self.process_timeout = process;
        self.prompt_timeout = prompt;
        self
    }

    /// Replaces what the error says when a code is needed and there is no prompt
    /// (e.g. under credential_process: name the command that primes a session).
    pub fn with_no_prompt_reason(mut self, reason: impl Into<String>) -> Self {
        self.no_prompt = reason.into();
        self
    }

    /// A source that never asks anyone: only the flag and `mfa_process`.
    pub fn non_interactive(flag: Option<MfaCode>) -> Self {
        Self::new(flag, None)
    }

    /// Gets a code for `device`: the flag first, then the device's `mfa_process`,
    /// then the prompt; with none of them, [`BrokerError::MfaUnavailable`].
    pub async fn code(&self, device: &MfaDevice, target: &str) -> Result<MfaCode, BrokerError> {
        if let Some(code) = self.flag.lock().ok().and_then(|mut f| f.take()) {
            tracing::debug!(device = %device.serial, source = "--mfa-code", "mfa code");
            return Ok(code);
        }
        if let Some(cmd) = &device.process {
            tracing::debug!(device = %device.serial, source = "mfa_process", "mfa code: running the profile's command");
            return run_process(cmd, self.process_timeout).await;
        }
        match &self.prompt {
            Some(prompt) => {
                tracing::debug!(device = %device.serial, source = "terminal", "mfa code: asking on the terminal");
                let (prompt, d, target) = (prompt.clone(), device.clone(), target.to_owned());
                // The blocking read cannot be interrupted; on a timeout it is
                // abandoned and rolecall goes on to fail (and exit).
                let asked = tokio::task::spawn_blocking(move || prompt.ask(&d, &target));
                match tokio::time::timeout(self.prompt_timeout, asked).await {
                    Ok(answer) => answer.map_err(|e| BrokerError::MfaUnavailable {
                        device: device.serial.clone(),
                        reason: e.to_string(),
                    })?,
                    Err(_) => Err(BrokerError::MfaUnavailable {
                        device: device.serial.clone(),
                        reason: format!("nobody typed a code within {} s", self.prompt_timeout.as_secs()),
                    }),
                }
            }
            None => {
                tracing::debug!(device = %device.serial, "mfa code: no source can answer");
                Err(BrokerError::MfaUnavailable { device: device.serial.clone(), reason: self.no_prompt.clone() })
            }
        }
    }
}

/// Runs an `mfa_process` command through the shell and reads a code from its stdout.
/// It is killed when it takes longer than `timeout`.
async fn run_process(cmd: &str, timeout: Duration) -> Result<MfaCode, BrokerError> {
    let fail = |reason: String| BrokerError::MfaProcess { command: cmd.to_owned(), reason };
    let running = shell_command(cmd)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(timeout, running)
        .await
        .map_err(|_| fail(format!("it did not finish within {} s and was stopped", timeout.as_secs())))?
        .map_err(|e| fail(format!("could not start it: {e}")))?;
    if !output.status.success() {
        return Err(fail(format!("it exited with {}", output.status)));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    // Tools such as `ykman oath accounts code` print "name  123456": take the last word.
    let last = text.split_whitespace().last().unwrap_or_default();
    MfaCode::parse(last).map_err(|e| fail(format!("its output is not a code: {e}")))
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

/// Prompts on the controlling terminal (`/dev/tty`), so it works even when
/// stdout and stderr are captured (as under the AWS CLI's credential_process).
pub struct TtyPrompt;

impl TtyPrompt {
    /// True when there is a controlling terminal to ask on.
    pub fn available() -> bool {
        std::fs::OpenOptions::new().read(true).write(true).open(tty_path()).is_ok()
    }
}

impl MfaPrompt for TtyPrompt {
    fn ask(&self, device: &MfaDevice, target: &str) -> Result<MfaCode, BrokerError> {
        let unavailable = |reason: String| BrokerError::MfaUnavailable { device: device.serial.clone(), reason };
        let tty =
            std::fs::OpenOptions::new().read(true).write(true).open(tty_path()).map_err(|e| {
                unavailable(format!("no terminal to ask on ({e}); pass --mfa-code or set 'mfa_process'"))
            })?;
        let mut writer = &tty;
        let mut reader = std::io::BufReader::new(&tty);
        for attempt in 1..=3 {
            write!(writer, "MFA code for {} ({target}): ", device.serial).map_err(|e| unavailable(e.to_string()))?;
            writer.flush().ok();
            let mut line = String::new();
            let n = reader.read_line(&mut line).map_err(|e| unavailable(e.to_string()))?;
            if n == 0 {
                return Err(unavailable("the terminal closed before a code was entered".into()));
            }
            match MfaCode::parse(&line) {
                Ok(code) => return Ok(code),
                Err(e) if attempt < 3 => {
                    writeln!(writer, "{e}; try again").ok();
                }
                Err(e) => return Err(unavailable(e)),
            }
        }
        Err(unavailable("no valid code entered".into()))
    }
}

fn tty_path() -> &'static str {
    if cfg!(windows) { "CONIN$" } else { "/dev/tty" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for ok in ["123456", " 000000\n"] {
            assert!(MfaCode::parse(ok).is_ok(), "{ok:?}");
        }
        for bad in ["", "12345", "1234567", "12345a", "12 456", "１２３４５６"] {
            assert!(MfaCode::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(format!("{:?}", MfaCode::parse("123456").unwrap()), "MfaCode(******)");
    }

    #[tokio::test]
    async fn flag_is_used_once_then_process() {
        let device = MfaDevice { serial: "arn:aws:iam::1:mfa/a".into(), process: Some("echo 'acct  654321'".into()) };
        let src = MfaSource::non_interactive(Some(MfaCode::parse("123456").unwrap()));
        assert_eq!(src.code(&device, "t").await.unwrap().as_str(), "123456");
        assert_eq!(src.code(&device, "t").await.unwrap().as_str(), "654321");
    }

    #[tokio::test]
    async fn process_failures_are_explained() {
        let cases = [("exit 3", "exited with"), ("echo nope", "not a code")];
        for (cmd, want) in cases {
            let device = MfaDevice { serial: "s".into(), process: Some(cmd.into()) };
            let err = MfaSource::non_interactive(None).code(&device, "t").await.unwrap_err().to_string();
            assert!(err.contains(want) && err.contains(cmd), "{cmd}: {err}");
        }
        let device = MfaDevice { serial: "s".into(), process: None };
        let err = MfaSource::non_interactive(None).code(&device, "t").await.unwrap_err();
        assert_eq!(err.exit_code(), 3);
    }
    #[tokio::test]
    #[cfg(unix)]
    async fn an_mfa_process_that_never_ends_is_stopped_after_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        // The shell records its pid, then becomes `sleep` (same pid).
        let cmd = format!("echo $$ > '{}'; exec sleep 600", pid_file.display());
        let device = MfaDevice { serial: "s".into(), process: Some(cmd) };
        let source = MfaSource::non_interactive(None).with_timeouts(Duration::from_secs(1), Duration::from_secs(5));
        let start = std::time::Instant::now();
        // The outer timeout only keeps a regression from hanging the suite.
        let err = tokio::time::timeout(Duration::from_secs(20), source.code(&device, "t"))
            .await
            .expect("the mfa_process timeout did not stop the wait")
            .unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(5), "took {:?}", start.elapsed());
        assert!(err.to_string().contains("did not finish within 1 s and was stopped"), "{err}");
        assert_eq!(err.exit_code(), 3);
        let pid = std::fs::read_to_string(&pid_file).unwrap().trim().to_owned();
        // Killed on drop: gone, or a zombie waiting to be reaped; never still sleeping.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok();
            let running =
                state.as_deref().and_then(|s| s.rsplit(')').next()).is_some_and(|s| !s.trim_start().starts_with('Z'));
            if !running {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the mfa_process (pid {pid}) is still running");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
