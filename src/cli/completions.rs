//! `rolecall completions SHELL`: a completion script for bash, zsh, fish,
//! PowerShell or nushell. clap_complete writes the subcommands and flags;
//! output::completion adds target ids, asked of `rolecall __complete-targets`
//! when the word being completed is a command's TARGET.

use clap::{Args, CommandFactory, ValueEnum};

use super::{Cli, print};
use crate::output::completion::{self, TargetSlot};
use crate::service::AppError;

/// The shells completion scripts are written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// bash 4+ (`source <(rolecall completions bash)`).
    Bash,
    /// zsh (`source <(rolecall completions zsh)`, after compinit).
    Zsh,
    /// fish (`rolecall completions fish | source`).
    Fish,
    /// PowerShell (`rolecall completions powershell | Out-String | Invoke-Expression`).
    Powershell,
    /// nushell (save to a file and `source` it).
    Nushell,
}

/// Print a shell completion script.
#[derive(Debug, Args)]
pub struct CompletionsCmd {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

impl CompletionsCmd {
    /// Runs the command: needs no file and no network.
    pub fn run(self) -> Result<u8, AppError> {
        print(&script(self.shell))?;
        Ok(0)
    }
}

/// The completion script for `shell`.
pub fn script(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_owned();
    let slots = target_slots(&cmd);
    let mut out = Vec::new();
    match shell {
        Shell::Bash => clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, &name, &mut out),
        Shell::Zsh => clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, &name, &mut out),
        Shell::Fish => clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, &name, &mut out),
        Shell::Powershell => clap_complete::generate(clap_complete::Shell::PowerShell, &mut cmd, &name, &mut out),
        Shell::Nushell => clap_complete::generate(clap_complete_nushell::Nushell, &mut cmd, &name, &mut out),
    }
    let generated = String::from_utf8_lossy(&out);
    match shell {
        Shell::Bash => completion::bash(&generated, &slots),
        Shell::Zsh => completion::zsh(&generated, &slots),
        Shell::Fish => completion::fish(&generated, &slots),
        Shell::Powershell => completion::powershell(&generated, &slots),
        Shell::Nushell => completion::nushell(&generated, &slots),
    }
}

/// Every subcommand with a positional `target`, with its path and the flags
/// that take a value (so a script can tell the TARGET word from a flag's value).
fn target_slots(cmd: &clap::Command) -> Vec<TargetSlot> {
    fn walk(cmd: &clap::Command, path: &mut Vec<String>, globals: &[String], out: &mut Vec<TargetSlot>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            path.push(sub.get_name().to_owned());
            if sub.get_positionals().any(|a| a.get_id() == "target") {
                let mut value_flags = globals.to_vec();
                for arg in sub.get_opts().filter(|a| a.get_action().takes_values()) {
                    value_flags.extend(arg.get_long().map(|l| format!("--{l}")));
                    value_flags.extend(arg.get_short().map(|s| format!("-{s}")));
                }
                out.push(TargetSlot { path: path.clone(), value_flags });
            }
            walk(sub, path, globals, out);
            path.pop();
        }
    }
    let globals: Vec<String> = cmd
        .get_opts()
        .filter(|a| a.get_action().takes_values())
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect();
    let mut out = Vec::new();
    walk(cmd, &mut Vec::new(), &globals, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_taking_a_target_has_a_slot() {
        let slots = target_slots(&Cli::command());
        let paths: Vec<String> = slots.iter().map(|s| s.path.join(" ")).collect();
        for want in ["export", "exec", "console", "whoami", "forget", "credential-process", "setup credential-process"]
        {
            assert!(paths.iter().any(|p| p == want), "{want} missing from {paths:?}");
        }
        let export = slots.iter().find(|s| s.path == ["export"]).map(|s| s.value_flags.clone()).unwrap_or_default();
        assert!(export.contains(&"--format".to_owned()) && export.contains(&"-f".to_owned()), "{export:?}");
        assert!(export.contains(&"--config".to_owned()), "the global --config takes a value too: {export:?}");
    }

    #[test]
    fn powershell_doubles_every_character_it_reads_as_a_single_quote() {
        let text = script(Shell::Powershell);
        assert!(text.contains(r"-replace '([''\u2018-\u201B])', '$1$1'"), "{text}");
        // That class, as .NET reads it: `'` and U+2018 to U+201B, the quotes quote::pwsh doubles.
        let class: Vec<char> = std::iter::once('\'').chain('\u{2018}'..='\u{201b}').collect();
        assert_eq!(class, crate::output::quote::PWSH_SINGLE_QUOTES);
    }

    #[test]
    fn every_shell_gets_a_script_that_asks_for_targets() {
        for shell in Shell::value_variants() {
            let text = script(*shell);
            assert!(text.contains("__complete-targets"), "{shell:?}");
        }
    }
}
