//! `rolecall shell-init bash|zsh|fish|nushell|powershell`: prints `rc`, a shell function that
//! assumes a target in the current shell (see output::shell_init).

use clap::Args;

use super::print;
use crate::output::shell_init::{self, InitShell};
use crate::service::AppError;

/// Print the `rc` shell function.
#[derive(Debug, Args)]
pub struct ShellInitCmd {
    /// The shell to define `rc` for.
    #[arg(value_enum)]
    pub shell: InitShell,
}

impl ShellInitCmd {
    /// Runs the command: needs no file and no network.
    pub fn run(self) -> Result<u8, AppError> {
        print(&shell_init::script(self.shell))?;
        Ok(0)
    }
}
