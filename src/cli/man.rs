//! `rolecall man`: the man page, in roff, generated from the clap
//! definitions so it cannot drift from `--help`.

use clap::{Args, CommandFactory};

use super::{Cli, print};
use crate::service::AppError;

/// Print the man page.
#[derive(Debug, Args)]
pub struct ManCmd {}

impl ManCmd {
    /// Runs the command: needs no file and no network.
    pub fn run(self) -> Result<u8, AppError> {
        print(&page()?)?;
        Ok(0)
    }
}

/// rolecall(1), with a section per visible subcommand.
fn page() -> Result<String, AppError> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    let render = |e: std::io::Error| AppError::Output(format!("man page: {e}"));
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(&mut out).map_err(render)?;
    man.render_name_section(&mut out).map_err(render)?;
    man.render_synopsis_section(&mut out).map_err(render)?;
    man.render_description_section(&mut out).map_err(render)?;
    man.render_options_section(&mut out).map_err(render)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        let name = format!("rolecall {}", sub.get_name());
        out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        let sub = sub.clone().bin_name(name);
        let sub_man = clap_mangen::Man::new(sub);
        let mut part = Vec::new();
        sub_man.render_description_section(&mut part).map_err(render)?;
        sub_man.render_synopsis_section(&mut part).map_err(render)?;
        sub_man.render_options_section(&mut part).map_err(render)?;
        // Within the page, a subcommand's sections are subsections.
        let text = String::from_utf8_lossy(&part).replace(".SH ", ".SS ");
        out.extend_from_slice(text.as_bytes());
    }
    man.render_version_section(&mut out).map_err(render)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_every_visible_subcommand_and_no_hidden_one() -> Result<(), AppError> {
        let text = page()?;
        assert!(text.starts_with(".ie"), "roff: {}", &text[..text.len().min(80)]);
        for sub in ["EXPORT", "EXEC", "COMPLETIONS", "SHELL-INIT", "PROMPT"] {
            assert!(text.contains(&format!(".SH \"ROLECALL {sub}\"")), "{sub} missing");
        }
        assert!(!text.contains("__complete-targets"), "a hidden command is in the page");
        Ok(())
    }
}
