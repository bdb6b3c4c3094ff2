//! The README's command reference keeps up with `rolecall --help`: every
//! subcommand and global option the help lists is named in the README.

use assert_cmd::Command;

fn help() -> String {
    let out = Command::cargo_bin("rolecall").unwrap().arg("--help").output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// The first word of each line of the help section that starts with `heading`.
fn section(help: &str, heading: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(|w| w.trim_end_matches(',').to_owned()))
        .collect()
}

#[test]
fn every_subcommand_in_help_is_in_the_readme() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let help = help();
    let commands = section(&help, "Commands:");
    assert!(commands.len() > 10, "the help lists the subcommands:\n{help}");
    let missing: Vec<&String> =
        commands.iter().filter(|c| *c != "help" && !readme.contains(&format!("rolecall {c}"))).collect();
    assert!(missing.is_empty(), "README.md does not show 'rolecall <command>' for: {missing:?}");
}

#[test]
fn every_global_option_in_help_is_in_the_readme() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let help = help();
    let options: Vec<String> = help
        .lines()
        .skip_while(|l| *l != "Options:")
        .skip(1)
        .filter_map(|l| {
            l.split_whitespace().find(|w| w.starts_with("--")).map(|w| w.trim_end_matches("...").to_owned())
        })
        .filter(|o| o != "--help" && o != "--version")
        .collect();
    assert!(options.iter().any(|o| o == "--config"), "{help}");
    let missing: Vec<&String> = options.iter().filter(|o| !readme.contains(o.as_str())).collect();
    assert!(missing.is_empty(), "README.md does not mention the global options {missing:?}");
}
