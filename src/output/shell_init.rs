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
    /// nushell (save `rolecall shell-init nushell` to a file and `source` it in config.nu).
    Nushell,
    /// PowerShell (`rolecall shell-init powershell | Out-String | Invoke-Expression` in $PROFILE).
    Powershell,
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

/// nushell has no `eval`: `rolecall export --format nushell` prints a record
/// that `load-env` takes, and `hide-env` removes what the record does not set.
/// The region markers are environment variables (nushell has no other state a
/// `def --env` can leave behind).
const NUSHELL: &str = r#"# rolecall: 'rc TARGET [FLAGS]' assumes TARGET in this shell, 'rc' picks one,
# 'rc --unset' removes what rc set.
def --env --wrapped rc [...args: string] {
    let regions = [@REGIONS@]
    if $args.0? == "--unset" {
        let mine = ($regions | where {|v| ($"__ROLECALL_SET_($v)" in $env) and ($v in $env) and (($env | get $v) == ($env | get $"__ROLECALL_SET_($v)")) })
        let back = ($mine | where {|v| $"__ROLECALL_BEFORE_($v)" in $env } | reduce -f {} {|v, acc| $acc | insert $v ($env | get $"__ROLECALL_BEFORE_($v)") })
        let gone = ($mine | where {|v| $v not-in $back })
        let markers = ($regions | each {|v| [$"__ROLECALL_SET_($v)" $"__ROLECALL_BEFORE_($v)"] } | flatten | where {|m| $m in $env })
        hide-env -i @SESSION@ ...$gone ...$markers
        load-env $back
        return
    }
    let target = if ($args | is-empty) { ^rolecall pick | str trim } else { $args.0 }
    if ($target | is-empty) { error make {msg: "rc: no target was picked"} }
    let vars = (^rolecall export $target --format nushell ...($args | skip 1) | from json)
    let before = ($regions | where {|v| ($"__ROLECALL_SET_($v)" not-in $env) and ($v in $env) } | reduce -f {} {|v, acc| $acc | insert $"__ROLECALL_BEFORE_($v)" ($env | get $v) })
    let stale = ([@STALE@] | where {|v| ($v not-in $vars) and ($v in $env) })
    hide-env -i ...$stale
    load-env $before
    load-env $vars
    load-env ($regions | reduce -f {} {|v, acc| $acc | insert $"__ROLECALL_SET_($v)" (if $v in $env { $env | get $v } else { "" }) })
}
"#;

/// PowerShell: `rolecall export --format pwsh` through `Invoke-Expression`
/// (its output stays in a variable, never on a command line); the region
/// markers are global variables, not environment variables.
const POWERSHELL: &str = r#"# rolecall: 'rc TARGET [FLAGS]' assumes TARGET in this session, 'rc' picks one,
# 'rc --unset' removes what rc set.
function rc {
    $regions = @(@REGIONS_PS@)
    if ($args.Count -gt 0 -and $args[0] -eq '--unset') {
        foreach ($v in @(@SESSION_PS@)) { Remove-Item "Env:$v" -ErrorAction SilentlyContinue }
        foreach ($v in $regions) {
            $set = Get-Variable -Scope Global -Name "__rolecall_set_$v" -ErrorAction SilentlyContinue
            if ($null -ne $set) {
                if ([Environment]::GetEnvironmentVariable($v) -eq $set.Value) {
                    $before = Get-Variable -Scope Global -Name "__rolecall_before_$v" -ErrorAction SilentlyContinue
                    if ($null -ne $before) { Set-Item "Env:$v" $before.Value } else { Remove-Item "Env:$v" -ErrorAction SilentlyContinue }
                }
                Remove-Variable -Scope Global -Name "__rolecall_set_$v", "__rolecall_before_$v" -ErrorAction SilentlyContinue
            }
        }
        return
    }
    if ($args.Count -eq 0) {
        $target = (& rolecall pick)
        if ($LASTEXITCODE -ne 0 -or -not $target) { return }
        $rest = @()
    } else {
        $target = $args[0]
        $rest = @($args | Select-Object -Skip 1)
    }
    $out = (& rolecall export $target --format pwsh @rest) -join "`n"
    if ($LASTEXITCODE -ne 0) { return }
    foreach ($v in $regions) {
        if ($null -eq (Get-Variable -Scope Global -Name "__rolecall_set_$v" -ErrorAction SilentlyContinue) -and (Test-Path "Env:$v")) {
            Set-Variable -Scope Global -Name "__rolecall_before_$v" -Value ([Environment]::GetEnvironmentVariable($v))
        }
    }
    Invoke-Expression $out
    foreach ($v in $regions) {
        Set-Variable -Scope Global -Name "__rolecall_set_$v" -Value ([Environment]::GetEnvironmentVariable($v))
    }
}
"#;

fn ps_list(vars: &[&str]) -> String {
    vars.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", ")
}

/// Writes one region variable's part of a template.
type Part = fn(&str) -> String;

/// The `rc` function for `shell`.
pub fn script(shell: InitShell) -> String {
    let (template, restore, remember, record): (&str, Part, Part, Part) = match shell {
        InitShell::Bash | InitShell::Zsh => (POSIX, posix_restore, posix_remember, posix_record),
        InitShell::Fish => (FISH, fish_restore, fish_remember, fish_record),
        InitShell::Nushell => {
            let stale: Vec<&str> = super::export::UNSET.iter().chain(super::export::SET_IF_PRESENT).copied().collect();
            return NUSHELL
                .replace("@SESSION@", &SESSION_VARS.join(" "))
                .replace("@REGIONS@", &REGION_VARS.join(" "))
                .replace("@STALE@", &stale.join(" "));
        }
        InitShell::Powershell => {
            return POWERSHELL
                .replace("@SESSION_PS@", &ps_list(SESSION_VARS))
                .replace("@REGIONS_PS@", &ps_list(REGION_VARS));
        }
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
        for shell in [InitShell::Bash, InitShell::Zsh, InitShell::Fish, InitShell::Nushell, InitShell::Powershell] {
            let text = script(shell);
            for placeholder in ["@SESSION", "@RESTORE@", "@REMEMBER@", "@RECORD@", "@REGIONS", "@STALE@"] {
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

    #[test]
    fn nushell_and_powershell_scripts_are_stable() {
        insta::assert_snapshot!("rc_nushell", script(InitShell::Nushell));
        insta::assert_snapshot!("rc_powershell", script(InitShell::Powershell));
    }
}
