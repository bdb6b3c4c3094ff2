//! `rc`, the shell function `rolecall shell-init` prints: it assumes a target
//! in the current shell by evaluating `rolecall export` (so secrets travel
//! through a pipe, never argv), runs `rolecall pick` when no target is
//! given, and `rc --unset` takes the session's variables away again.

/// The shells `rc` is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InitShell {
    /// bash (`eval "$(rolecall shell-init bash)"` in ~/.bashrc).
    Bash,
    /// zsh (`eval "$(rolecall shell-init zsh)"` in ~/.zshrc).
    Zsh,
    /// fish (`rolecall shell-init fish | source` in config.fish).
    Fish,
}

/// The variables a session sets that `rc --unset` always removes.
pub const SESSION_VARS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "ROLECALL_TARGET",
    "ROLECALL_EXPIRATION",
];

/// The region variables: `rc --unset` removes one only while it still holds
/// the value `rc` set, and then brings back the value it had before `rc`.
pub const REGION_VARS: &[&str] = &["AWS_REGION", "AWS_DEFAULT_REGION"];

/// bash and zsh share one function: both have `local` and `[`.
const POSIX: &str = r#"# rolecall: 'rc TARGET [FLAGS]' assumes TARGET in this shell, 'rc' picks one,
# 'rc --unset' removes what rc set.
rc() {
    if [ "${1-}" = --unset ]; then
        unset @SESSION@
@RESTORE@        return 0
    fi
    local __rolecall_target __rolecall_out
    if [ $# -eq 0 ]; then
        __rolecall_target=$(command rolecall pick) || return
        [ -n "$__rolecall_target" ] || return 1
    else
        __rolecall_target=$1
        shift
    fi
    __rolecall_out=$(command rolecall export "$__rolecall_target" --format env "$@") || return
@REMEMBER@    eval "$__rolecall_out"
@RECORD@    return 0
}
"#;

const FISH: &str = r#"# rolecall: 'rc TARGET [FLAGS]' assumes TARGET in this shell, 'rc' picks one,
# 'rc --unset' removes what rc set.
function rc --description 'Assume a rolecall target in this shell (rc --unset removes it)'
    if test "$argv[1]" = --unset
        set -e @SESSION@
@RESTORE@        return 0
    end
    set -l target
    if test (count $argv) -eq 0
        set target (command rolecall pick); or return
        test -n "$target"; or return 1
    else
        set target $argv[1]
        set -e argv[1]
    end
    set -l out (command rolecall export $target --format fish $argv); or return
@REMEMBER@    # source returns the status of the last line (an 'set -e' of an unset variable fails).
    string join \n -- $out | source
@RECORD@    return 0
end
"#;

/// Writes one region variable's part of a template.
type Part = fn(&str) -> String;

/// The `rc` function for `shell`.
pub fn script(shell: InitShell) -> String {
    let (template, restore, remember, record): (&str, Part, Part, Part) = match shell {
        InitShell::Bash | InitShell::Zsh => (POSIX, posix_restore, posix_remember, posix_record),
        InitShell::Fish => (FISH, fish_restore, fish_remember, fish_record),
    };
    let each = |f: Part| REGION_VARS.iter().map(|v| f(v)).collect::<String>();
    template
        .replace("@SESSION@", &SESSION_VARS.join(" "))
        .replace("@RESTORE@", &each(restore))
        .replace("@REMEMBER@", &each(remember))
        .replace("@RECORD@", &each(record))
}

fn posix_restore(v: &str) -> String {
    format!(
        concat!(
            "        if [ -n \"${{__rolecall_set_{v}+x}}\" ]; then\n",
            "            if [ \"${{{v}-}}\" = \"$__rolecall_set_{v}\" ]; then\n",
            "                if [ -n \"${{__rolecall_before_{v}+x}}\" ]; then export {v}=\"$__rolecall_before_{v}\"; else unset {v}; fi\n",
            "            fi\n",
            "            unset __rolecall_set_{v} __rolecall_before_{v}\n",
            "        fi\n",
        ),
        v = v
    )
}

/// Before the first `rc` of a session: the value the shell had.
fn posix_remember(v: &str) -> String {
    format!(
        "    if [ -z \"${{__rolecall_set_{v}+x}}\" ] && [ -n \"${{{v}+x}}\" ]; then __rolecall_before_{v}=${v}; fi\n",
        v = v
    )
}

/// After `rc`: the value it set.
fn posix_record(v: &str) -> String {
    format!("    __rolecall_set_{v}=${{{v}-}}\n", v = v)
}

fn fish_restore(v: &str) -> String {
    format!(
        concat!(
            "        if set -q __rolecall_set_{v}\n",
            "            if test \"${v}\" = \"$__rolecall_set_{v}\"\n",
            "                if set -q __rolecall_before_{v}\n",
            "                    set -gx {v} $__rolecall_before_{v}\n",
            "                else\n",
            "                    set -e {v}\n",
            "                end\n",
            "            end\n",
            "            set -e __rolecall_set_{v} __rolecall_before_{v}\n",
            "        end\n",
        ),
        v = v
    )
}

fn fish_remember(v: &str) -> String {
    format!(
        "    if not set -q __rolecall_set_{v}; and set -q {v}\n        set -g __rolecall_before_{v} ${v}\n    end\n",
        v = v
    )
}

fn fish_record(v: &str) -> String {
    format!("    set -g __rolecall_set_{v} ${v}\n", v = v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_is_complete_and_never_puts_output_on_argv() {
        for shell in [InitShell::Bash, InitShell::Zsh, InitShell::Fish] {
            let text = script(shell);
            for placeholder in ["@SESSION@", "@RESTORE@", "@REMEMBER@", "@RECORD@"] {
                assert!(!text.contains(placeholder), "{shell:?}: {placeholder} is left:\n{text}");
            }
            for v in SESSION_VARS.iter().chain(REGION_VARS) {
                assert!(text.contains(v), "{shell:?} forgets {v}");
            }
            assert!(text.contains("rolecall pick") && text.contains("rolecall export"), "{shell:?}");
            // The credentials go from export's stdout to eval/source, never into a command's arguments.
            assert!(!text.contains("echo $__rolecall_out") && !text.contains("echo $out"), "{shell:?}");
        }
    }
}
