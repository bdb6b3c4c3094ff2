//! Running a command (or the user's shell) with a session's credentials in its environment.

use std::ffi::OsString;
use std::process::Command;

use super::export::SessionEnv;

/// The command to run: the user's, else `$SHELL`, else `/bin/sh`.
pub fn command_line(cmd: Vec<OsString>) -> Vec<OsString> {
    if !cmd.is_empty() {
        return cmd;
    }
    let shell = std::env::var_os("SHELL").filter(|s| !s.is_empty());
    let fallback = if cfg!(windows) { "cmd.exe" } else { "/bin/sh" };
    vec![shell.unwrap_or_else(|| fallback.into())]
}

/// Builds the child process: secrets only in its environment, never on argv.
pub fn command(cmd: &[OsString], env: &SessionEnv) -> Command {
    let mut child = Command::new(&cmd[0]);
    child.args(&cmd[1..]);
    for k in &env.unset {
        child.env_remove(k);
    }
    for (k, v) in &env.set {
        child.env(k, v);
    }
    child
}

/// Runs the child and returns its exit code (128 + signal when killed by one).
/// On Unix the rolecall process is replaced, so signals reach the child directly
/// and its exit status is rolecall's.
pub fn run(mut child: Command) -> std::io::Result<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let err = child.exec();
        Err(err)
    }
    #[cfg(not(unix))]
    {
        let status = child.status()?;
        Ok(status.code().map(|c| c as u8).unwrap_or(1))
    }
}

/// Runs the child and waits for it (rolecall stays, to serve it): Ctrl-C
/// reaches the child from the terminal and rolecall ignores it; SIGTERM and
/// SIGHUP sent to rolecall are passed on. Returns the child's exit code
/// (128 + signal when killed by one).
pub async fn run_and_wait(child: Command) -> std::io::Result<u8> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        // Caught before the child starts: a signal sent as soon as it runs must not kill rolecall.
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        let mut hup = signal(SignalKind::hangup())?;
        let mut child = tokio::process::Command::from(child).spawn()?;
        loop {
            let forward = tokio::select! {
                status = child.wait() => return Ok(code(status?)),
                _ = int.recv() => None,
                _ = term.recv() => Some(libc::SIGTERM),
                _ = hup.recv() => Some(libc::SIGHUP),
            };
            if let (Some(sig), Some(pid)) = (forward, child.id()) {
                // SAFETY: kill has no memory preconditions; pid is our live child's.
                unsafe { libc::kill(pid as libc::pid_t, sig) };
            }
        }
    }
    #[cfg(not(unix))]
    {
        Ok(code(tokio::process::Command::from(child).spawn()?.wait().await?))
    }
}

fn code(status: std::process::ExitStatus) -> u8 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128u8.saturating_add(u8::try_from(sig).unwrap_or(127));
        }
    }
    status.code().map(|c| c as u8).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;
    use crate::credentials::Credentials;

    #[test]
    fn child_loses_a_stale_session_token() {
        // An IAM user's static keys: the parent's session token and expiry must not reach the child.
        let env = SessionEnv::new(&Credentials::new("AKIAXX", "secret", None, None), "eu-west-1", "user");
        let child = command(&["true".into()], &env);
        let envs: Vec<(&OsStr, Option<&OsStr>)> = child.get_envs().collect();
        for var in ["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "ROLECALL_EXPIRATION"] {
            assert!(envs.contains(&(OsStr::new(var), None)), "{var} not removed: {envs:?}");
        }
        assert!(envs.contains(&(OsStr::new("AWS_ACCESS_KEY_ID"), Some(OsStr::new("AKIAXX")))), "{envs:?}");
    }
}
