#![cfg(feature = "e2e")]
//! rolecall in the user's shell, through real shells: the completion scripts
//! of `rolecall completions` complete target ids, from the settings a
//! `--config` on the line names (bash through `COMP_WORDS`, zsh through its
//! completion system under a pseudo-terminal, fish through `complete -C`);
//! and `rc` from `rolecall shell-init` puts a target's credentials into the
//! shell that calls it and takes them away again (against moto: run through
//! scripts/test).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Sandbox, World, ok, stderr, stdout};
use rolecall::output::shell_init::InitShell;

/// The profiles and organisation the completion tests complete from: one
/// organisation account's name has a space, so its ids do too.
fn completion_sandbox() -> Sandbox {
    let config = "[profile hub]\nregion = us-east-1\n\n\
                  [profile dev]\nrole_arn = arn:aws:iam::123456789012:role/Dev\nsource_profile = hub\n\n\
                  [profile dev-ro]\nrole_arn = arn:aws:iam::123456789012:role/ReadOnly\nsource_profile = hub\n\n\
                  [profile prod]\nrole_arn = arn:aws:iam::123456789013:role/Admin\nsource_profile = hub\n";
    let credentials = "[hub]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = example\n";
    let sb = Sandbox::new(config, credentials);
    sb.settings(
        "[defaults]\nstore = \"none\"\n\n[[organization]]\nname = \"big\"\nprofile = \"hub\"\nroles = [\"ReadOnly\", \"Admin\"]\n",
    );
    let now = rolecall::time::now_unix();
    let snapshot = serde_json::json!({
        "version": 1, "org": "big", "profile": "hub",
        "fetched_at": rolecall::time::rfc3339_unix(now), "fetched_at_unix": now, "fetched_by": null,
        "accounts": [
            {"id": "300000000001", "name": "Acme Prod", "email": "a@example.com", "state": "ACTIVE", "ou": "/W", "tags": {}},
            {"id": "300000000002", "name": "acme-dev", "email": "b@example.com", "state": "ACTIVE", "ou": "/W", "tags": {}},
        ],
    });
    std::fs::create_dir_all(sb.home().join("cache")).unwrap();
    std::fs::write(sb.home().join("cache/org-big.json"), snapshot.to_string()).unwrap();
    // Settings without the organisation: `--config other.toml` on the line completes profiles only.
    std::fs::write(sb.home().join("other.toml"), "[defaults]\nstore = \"none\"\n").unwrap();
    sb
}

/// PATH with the rolecall under test first, as a user's shell would find it.
fn path_with_rolecall() -> String {
    let bin = assert_cmd::cargo::cargo_bin("rolecall");
    let dir = bin.parent().map(Path::to_path_buf).unwrap_or_default();
    format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default())
}

/// A shell started like a user's: the sandbox's files, rolecall on PATH.
fn shell(sb: &Sandbox, program: &str, endpoint: Option<&str>) -> Command {
    let mut cmd = sb.std_cmd(Path::new(program), endpoint);
    cmd.env("PATH", path_with_rolecall());
    cmd
}

/// Writes `rolecall completions SHELL` into the sandbox and returns its path.
fn completion_script(sb: &Sandbox, shell: &str) -> PathBuf {
    let out = ok(sb.rolecall(None).args(["completions", shell]).output().unwrap(), "completions");
    let path = sb.home().join(format!("rolecall.{shell}"));
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

fn lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> =
        text.lines().map(|l| l.trim_end_matches('\r').to_owned()).filter(|l| !l.is_empty()).collect();
    out.sort();
    out
}

const ACME_PROD: [&str; 2] = ["Acme Prod/Admin", "Acme Prod/ReadOnly"];

#[test]
fn bash_completes_target_ids_in_the_target_slot() {
    let sb = completion_sandbox();
    let script = completion_script(&sb, "bash");
    let driver = r#"
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        # $2 as readline gives it: the word after an opening quote.
        cur=${COMP_WORDS[COMP_CWORD]}; case $cur in \'*|\"*) cur=${cur:1} ;; esac
        _rolecall_with_targets rolecall "$cur" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\n' "${COMPREPLY[@]}""#;
    // COMP_WORDS as bash splits them: `--format=env` is three words; quoting is kept as typed.
    // Candidates are what readline inserts: quoted for the quote the word is in.
    let bare = ["Acme\\ Prod/Admin", "Acme\\ Prod/ReadOnly"];
    let cases: &[(&[&str], &[&str])] = &[
        (&["rolecall", "export", "de"], &["dev", "dev-ro"]),
        (&["rolecall", "export", "Acme\\ P"], &bare),
        (&["rolecall", "export", "'Acme P"], &ACME_PROD),
        (&["rolecall", "export", "\"Acme P"], &ACME_PROD),
        (&["rolecall", "exec", "Acme"], &bare),
        (&["rolecall", "export", "-f", "env", "pr"], &["prod"]),
        (&["rolecall", "export", "--format", "=", "env", "pr"], &["prod"]),
        (&["rolecall", "--config", "other.toml", "export", "Acme"], &[]),
        (&["rolecall", "--config", "=", "other.toml", "export", "Acme"], &[]),
        (&["rolecall", "export", "--config", "other.toml", "Acme"], &[]),
        (&["rolecall", "export", "--config", "other.toml", "pr"], &["prod"]),
        (
            &["rolecall", "--config", "rolecall.toml", "whoami", "--json", "acme-"],
            &["acme-dev/Admin", "acme-dev/ReadOnly"],
        ),
        (&["rolecall", "setup", "credential-process", "--profile-name", "p", "prod"], &["prod"]),
        (&["rolecall", "credential-process", "dev-"], &["dev-ro"]),
        (&["rolecall", "forget", "hu"], &["hub"]),
        (&["rolecall", "export", "prod", "pr"], &[]),
        (&["rolecall", "exec", "prod", "--", "pr"], &[]),
        (&["rolecall", "export", "zzz"], &[]),
        (&["rolecall", "ex"], &["exec", "export"]),
        (&["rolecall", "export", "--for"], &["--format"]),
    ];
    for (words, want) in cases {
        let out =
            shell(&sb, "bash", None).arg("-c").arg(driver).arg("bash").arg(&script).args(*words).output().unwrap();
        let out = ok(out, &format!("bash completion of {words:?}"));
        assert_eq!(lines(&stdout(&out)), *want, "{words:?}; stderr: {}", stderr(&out));
    }
    // The whole list: every profile and organisation target, nothing else.
    let out = ok(sb.rolecall(None).args(["__complete-targets"]).output().unwrap(), "__complete-targets");
    let all = [
        "Acme Prod/Admin",
        "Acme Prod/ReadOnly",
        "acme-dev/Admin",
        "acme-dev/ReadOnly",
        "dev",
        "dev-ro",
        "hub",
        "prod",
    ];
    assert_eq!(lines(&stdout(&out)), all);
}

/// Completes `line` in an interactive zsh under a pseudo-terminal (zsh/zpty)
/// with the real completion system, and prints every match compadd accepted.
const ZSH_CAPTURE: &str = r#"
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'PROMPT="" RPROMPT="" PS2=""'
zpty -w z 'autoload -Uz compinit && compinit -u -D'
zpty -w z "source ${(q)1}"
zpty -w z 'compadd () { local -a __hits; builtin compadd -O __hits "$@"; (( $#__hits )) && print -rl -- "<MATCH>"${^__hits[@]}; builtin compadd "$@" }'
zpty -w z 'bindkey "^I" complete-word'
zpty -w z '__rc_end () { print -r -- "<END>"; exit }'
zpty -w z 'comppostfuncs=(__rc_end)'
zpty -w z 'print -r -- "<READY>"'
local line
while zpty -r z line; do [[ $line == *'<READY>'* && $line != *print* ]] && break; done
zpty -w -n z "$2"$'\t'
while zpty -r z line; do
  [[ $line == *'<END>'* && $line != *print* ]] && break
  [[ $line == *'<MATCH>'* && $line != *print* ]] && print -r -- "${line##*<MATCH>}"
done
zpty -d z
"#;

#[test]
fn zsh_completes_target_ids_through_its_completion_system() {
    let sb = completion_sandbox();
    let script = completion_script(&sb, "zsh");
    let cases: &[(&str, &[&str])] = &[
        ("rolecall export Acme\\ P", &ACME_PROD),
        ("rolecall export 'Acme P", &ACME_PROD),
        ("rolecall whoami --json acme-", &["acme-dev/Admin", "acme-dev/ReadOnly"]),
        ("rolecall export --config other.toml Acme", &[]),
        ("rolecall --config other.toml export Acme", &[]),
        ("rolecall setup credential-process pr", &["prod"]),
        ("rolecall ex", &["exec", "export"]),
    ];
    for (line, want) in cases {
        let out =
            shell(&sb, "zsh", None).args(["-f", "-c", ZSH_CAPTURE, "zsh"]).arg(&script).arg(line).output().unwrap();
        let out = ok(out, &format!("zsh completion of {line:?}"));
        assert_eq!(lines(&stdout(&out)), *want, "{line:?}; stderr: {}", stderr(&out));
    }
}

#[test]
fn fish_completes_target_ids_in_the_target_slot() {
    let sb = completion_sandbox();
    let script = completion_script(&sb, "fish");
    let cases: &[(&str, &[&str])] = &[
        ("rolecall export Acme\\ P", &ACME_PROD),
        ("rolecall export 'Acme P", &ACME_PROD),
        ("rolecall --config rolecall.toml export -f env pr", &["prod"]),
        ("rolecall --config other.toml export Acme", &[]),
        ("rolecall export --config=other.toml Acme", &[]),
        ("rolecall setup credential-process acme-", &["acme-dev/Admin", "acme-dev/ReadOnly"]),
        ("rolecall export prod pr", &[]),
        ("rolecall exec prod -- pr", &[]),
    ];
    for (line, want) in cases {
        let out = shell(&sb, "fish", None)
            .args(["--no-config", "-c", "source $argv[1]; complete -C $argv[2]"])
            .arg(&script)
            .arg(line)
            .output()
            .unwrap();
        let out = ok(out, &format!("fish completion of {line:?}"));
        // fish prints `CANDIDATE\tDESCRIPTION`; targets have no description.
        let got: Vec<String> =
            lines(&stdout(&out)).into_iter().map(|l| l.split('\t').next().unwrap_or_default().to_owned()).collect();
        assert_eq!(got, *want, "{line:?}; stderr: {}", stderr(&out));
    }
}

/// `rc ro` in bash, zsh and fish: the AWS CLI in that same shell is the role;
/// `rc --unset` removes the session's variables, leaves a region the user
/// changed since, and brings back the region the shell had before `rc`.
#[test]
fn rc_assumes_in_the_calling_shell_and_unset_takes_it_back() {
    let w = World::main();
    let prod = w.account("payments-prod");
    let config = format!(
        "[profile hub]\nregion = us-east-1\n\n[profile ro]\nrole_arn = arn:aws:iam::{prod}:role/ReadOnly\nsource_profile = hub\nregion = eu-west-1\n"
    );
    let sb = Sandbox::new(&config, &w.credentials_file());
    sb.settings("[defaults]\nstore = \"none\"\n");
    let posix = |shell: &str| {
        format!(
            r#"export AWS_DEFAULT_REGION=ap-southeast-2
eval "$(rolecall shell-init {shell})"
rc ro --duration 15m || exit 9
printf 'target=%s\n' "$ROLECALL_TARGET"
printf 'arn=%s\n' "$("$AWS_CLI" sts get-caller-identity --query Arn --output text)"
export AWS_REGION=sa-east-1
rc --unset
printf 'after=%s|%s|%s|%s|%s|%s\n' "${{AWS_ACCESS_KEY_ID-unset}}" "${{AWS_SECRET_ACCESS_KEY-unset}}" "${{AWS_SESSION_TOKEN-unset}}" "${{ROLECALL_TARGET-unset}}" "${{AWS_REGION-unset}}" "${{AWS_DEFAULT_REGION-unset}}"
"#
        )
    };
    let fish = r#"set -gx AWS_DEFAULT_REGION ap-southeast-2
rolecall shell-init fish | source
rc ro --duration 15m; or exit 9
printf 'target=%s\n' $ROLECALL_TARGET
printf 'arn=%s\n' ($AWS_CLI sts get-caller-identity --query Arn --output text)
set -gx AWS_REGION sa-east-1
rc --unset
function show; set -q $argv[1]; and echo $$argv[1]; or echo unset; end
printf 'after=%s|%s|%s|%s|%s|%s\n' (show AWS_ACCESS_KEY_ID) (show AWS_SECRET_ACCESS_KEY) (show AWS_SESSION_TOKEN) (show ROLECALL_TARGET) (show AWS_REGION) (show AWS_DEFAULT_REGION)
"#;
    // nushell: the function is sourced from a file (nushell parses `source` ahead of running).
    std::fs::write(sb.home().join("rc.nu"), rolecall::output::shell_init::script(InitShell::Nushell)).unwrap();
    let nu = r#"$env.AWS_DEFAULT_REGION = "ap-southeast-2"
source rc.nu
rc ro --duration 15m
print $"target=($env.ROLECALL_TARGET)"
print $"arn=(^$env.AWS_CLI sts get-caller-identity --query Arn --output text | str trim)"
$env.AWS_REGION = "sa-east-1"
rc --unset
def show [v: string] { if $v in $env { $env | get $v } else { "unset" } }
print $"after=(show AWS_ACCESS_KEY_ID)|(show AWS_SECRET_ACCESS_KEY)|(show AWS_SESSION_TOKEN)|(show ROLECALL_TARGET)|(show AWS_REGION)|(show AWS_DEFAULT_REGION)"
"#;
    let nu_bin = std::env::var("ROLECALL_TEST_NU").unwrap_or_else(|_| {
        panic!("ROLECALL_TEST_NU is not set: run the tests through scripts/test, which installs nushell")
    });
    let shells = [
        ("bash".to_owned(), vec!["-c".to_owned(), posix("bash")]),
        ("zsh".to_owned(), vec!["-c".to_owned(), posix("zsh")]),
        ("fish".to_owned(), vec!["-c".to_owned(), fish.to_owned()]),
        (nu_bin, vec!["-n".to_owned(), "-c".to_owned(), nu.to_owned()]),
    ];
    for (program, args) in shells {
        let program = program.as_str();
        let script = args;
        let mut cmd = shell(&sb, program, Some(&w.endpoint()));
        cmd.env("AWS_CLI", common::aws_cli()).args(&script);
        let out = ok(cmd.output().unwrap(), &format!("rc in {program}"));
        let text = stdout(&out);
        assert!(text.contains("target=ro\n"), "{program}: {text}\n{}", stderr(&out));
        assert!(
            text.contains(&format!("arn=arn:aws:sts::{prod}:assumed-role/ReadOnly/")),
            "{program}: {text}\n{}",
            stderr(&out)
        );
        assert!(
            text.contains("after=unset|unset|unset|unset|sa-east-1|ap-southeast-2\n"),
            "{program}: {text}\n{}",
            stderr(&out)
        );
    }
}
