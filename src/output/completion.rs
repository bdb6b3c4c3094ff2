//! Target completion for the scripts clap_complete writes: each shell's
//! script learns which word is a command's TARGET (the first positional
//! argument after the subcommand, skipping flags and their values) and then
//! asks `rolecall __complete-targets -- PREFIX` for the ids, one a line.
//! zsh (`compadd`) and fish quote what they insert; bash does not (and with
//! `-o filenames` its listing expands `$…` in a candidate), so bash asks
//! `__complete-targets --bash LINE TEXT`, which quotes each id for readline
//! (see [`super::bash_word`]); nushell inserts a value as given, so its
//! completer writes an id that is not a plain word as a raw string. No I/O:
//! text in, text out.

/// A subcommand that takes a TARGET as its first positional argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetSlot {
    /// The subcommand words after `rolecall` (`["setup", "credential-process"]`).
    pub path: Vec<String>,
    /// The flags that take a value (`--format`, `-f`, and the global `--config`).
    pub value_flags: Vec<String>,
}

/// The settings flag: completion passes it on, so ids come from the same settings.
const CONFIG: &str = "--config";

/// bash: keeps the value of the `--config` at `w[i]`.
const BASH_KEEP_CONFIG: &str = "_rolecall_keep_config; ";

/// The global flags that take a value (the ones before the subcommand).
fn global_flags(slots: &[TargetSlot]) -> Vec<String> {
    // Every slot carries the globals; `--config` is the only one today.
    let mut out: Vec<String> = slots.first().map(|s| s.value_flags.clone()).unwrap_or_default();
    out.retain(|f| slots.iter().all(|s| s.value_flags.contains(f)));
    out
}

/// bash: the generated `_rolecall`, wrapped by `_rolecall_with_targets`,
/// which completes target ids in a TARGET slot and defers to `_rolecall` elsewhere.
pub fn bash(generated: &str, slots: &[TargetSlot]) -> String {
    let mut f = String::new();
    f.push_str("\n# Target ids (rolecall __complete-targets), in the TARGET slot of a subcommand.\n");
    f.push_str("_rolecall_target_slot() {\n");
    f.push_str("    local -a w=(\"${COMP_WORDS[@]:1:COMP_CWORD-1}\")\n");
    f.push_str("    local i=0 n=${#w[@]} flags=\"\"\n    _rolecall_config=\"\"\n");
    f.push_str("    while (( i < n )); do\n        case \"${w[i]}\" in\n");
    for g in global_flags(slots) {
        let keep = if g == CONFIG { BASH_KEEP_CONFIG } else { "" };
        f.push_str(&format!(
            "            {g}) {keep}if [[ ${{w[i+1]}} == = ]]; then (( i += 3 )); else (( i += 2 )); fi ;;\n"
        ));
    }
    f.push_str("            -*) (( i += 1 )) ;;\n            *) break ;;\n        esac\n    done\n");
    for (k, slot) in slots.iter().enumerate() {
        let test: Vec<String> =
            slot.path.iter().enumerate().map(|(j, word)| format!("${{w[i+{j}]}} == {word}")).collect();
        let kw = if k == 0 { "if" } else { "elif" };
        f.push_str(&format!(
            "    {kw} [[ {} ]]; then\n        flags=\" {} \"; (( i += {} ))\n",
            test.join(" && "),
            slot.value_flags.join(" "),
            slot.path.len()
        ));
    }
    f.push_str("    else\n        return 1\n    fi\n");
    f.push_str(concat!(
        "    while (( i < n )); do\n",
        "        case \"${w[i]}\" in\n",
        "            --) return 1 ;;\n",
        "            --config) _rolecall_keep_config; if [[ ${w[i+1]} == = ]]; then (( i += 3 )); else (( i += 2 )); fi ;;\n",
        "            -*) if [[ $flags == *\" ${w[i]} \"* ]]; then\n",
        "                    if [[ ${w[i+1]} == = ]]; then (( i += 3 )); else (( i += 2 )); fi\n",
        "                else (( i += 1 )); fi ;;\n",
        "            =) (( i += 2 )) ;;\n",
        "            *) return 1 ;;\n",
        "        esac\n",
        "    done\n",
        "    # A flag starts with '-'; an id may too (an account named '-'), but only an id has a '/' and no '='.\n",
        "    local cur=${COMP_WORDS[COMP_CWORD]}\n",
        "    [[ $cur != -* || ( $cur == */* && $cur != *=* ) ]]\n",
        "}\n\n",
        "# The word as typed, without the quoting a person types: sets REPLY.\n",
        "_rolecall_dequote() {\n",
        "    local s=$1 c\n",
        "    REPLY=\"\"\n",
        "    case $s in\n",
        "        \\'*) REPLY=${s:1}; return ;;\n",
        "        \\\"*) s=${s:1} ;;\n",
        "    esac\n",
        "    while [[ -n $s ]]; do\n",
        "        c=${s:0:1}; s=${s:1}\n",
        "        if [[ $c == \\\\ ]]; then c=${s:0:1}; s=${s:1}; fi\n",
        "        REPLY+=$c\n",
        "    done\n",
        "}\n\n",
        "# The value of a --config at w[i] (as `--config FILE` or `--config=FILE`).\n",
        "_rolecall_keep_config() {\n",
        "    if [[ ${w[i+1]} == = ]]; then _rolecall_config=${w[i+2]}; else _rolecall_config=${w[i+1]}; fi\n",
        "}\n\n",
        "_rolecall_with_targets() {\n",
        "    if _rolecall_target_slot; then\n",
        "        # The same settings file the command will read.\n",
        "        local -a config=()\n",
        "        if [[ -n $_rolecall_config ]]; then\n",
        "            _rolecall_dequote \"$_rolecall_config\"\n",
        "            [[ $REPLY == \"~/\"* ]] && REPLY=$HOME/${REPLY#\"~/\"}\n",
        "            config=(--config \"$REPLY\")\n",
        "        fi\n",
        "        # rolecall quotes each id as readline must insert it: no -o filenames,\n",
        "        # whose listing expands a candidate's $….\n",
        "        mapfile -t COMPREPLY < <(command rolecall \"${config[@]}\" __complete-targets --bash \"${COMP_LINE:0:COMP_POINT}\" \"$2\" 2>/dev/null)\n",
        "        return 0\n",
        "    fi\n",
        "    _rolecall \"$@\"\n",
        "}\n",
    ));
    let body = generated.replace("complete -F _rolecall ", "complete -F _rolecall_with_targets ");
    let at = body.rfind("\nif [[ \"${BASH_VERSINFO").unwrap_or(body.len());
    format!("{}{f}{}", &body[..at], &body[at..])
}

/// zsh: every TARGET argument's action becomes `_rolecall_targets`.
pub fn zsh(generated: &str, _slots: &[TargetSlot]) -> String {
    let func = concat!(
        "# Target ids (rolecall __complete-targets); compadd quotes what it inserts.\n",
        "(( $+functions[_rolecall_targets] )) ||\n",
        "_rolecall_targets() {\n",
        "    local -a ids config\n",
        "    # A --config on the line: the same settings the command will read\n",
        "    # (_arguments has taken the options out of $words, so read the buffer).\n",
        "    local cfg w next=0\n",
        "    for w in ${(z)LBUFFER}; do\n",
        "        if (( next )); then cfg=$w; next=0\n",
        "        elif [[ $w == --config ]]; then next=1\n",
        "        elif [[ $w == --config=* ]]; then cfg=${w#--config=}\n",
        "        fi\n",
        "    done\n",
        "    cfg=${(Q)cfg}\n",
        "    [[ -n $cfg ]] && config=(--config \"${cfg/#\\~/$HOME}\")\n",
        "    # The typed text without its quoting: inside quotes, PREFIX starts after\n",
        "    # the opening one (and may close and reopen it), so close it to unquote.\n",
        "    local typed=$PREFIX\n",
        "    case $compstate[quote] in\n",
        "        \\') typed=\"'$PREFIX'\" ;;\n",
        "        \\\") typed=\"\\\"$PREFIX\\\"\" ;;\n",
        "    esac\n",
        "    typed=${(Q)typed}\n",
        "    ids=(${(f)\"$(command rolecall $config __complete-targets -- \"$typed\" 2>/dev/null)\"})\n",
        "    compadd -a ids\n",
        "}\n\n",
    );
    let mut out = String::with_capacity(generated.len() + func.len());
    for line in generated.split_inclusive('\n') {
        let is_target = line.starts_with("':target -- ") || line.starts_with("'::target -- ");
        match line.rfind(":_default'") {
            Some(at) if is_target => {
                out.push_str(&line[..at]);
                out.push_str(":_rolecall_targets'");
                out.push_str(&line[at + ":_default'".len()..]);
            }
            _ => {
                if line.starts_with("if [ \"$funcstack[1]\" = \"_rolecall\" ]") {
                    out.push_str(func);
                }
                out.push_str(line);
            }
        }
    }
    out
}

/// fish: a condition that is true in a TARGET slot, and targets offered there.
pub fn fish(generated: &str, slots: &[TargetSlot]) -> String {
    let mut f = String::from(generated);
    f.push_str("\n# Target ids (rolecall __complete-targets), in the TARGET slot of a subcommand.\n");
    f.push_str("function __rolecall_wants_target\n");
    f.push_str("    set -l words (commandline -opc)\n    set words $words[2..-1]\n    set -l flags\n");
    f.push_str("    while set -q words[1]\n        switch $words[1]\n");
    for g in global_flags(slots) {
        f.push_str(&format!("            case {g}\n                set words $words[3..-1]\n"));
    }
    f.push_str("            case '-*'\n                set words $words[2..-1]\n            case '*'\n                break\n        end\n    end\n");
    for (k, slot) in slots.iter().enumerate() {
        let test: Vec<String> =
            slot.path.iter().enumerate().map(|(j, word)| format!("test \"$words[{}]\" = {word}", j + 1)).collect();
        let kw = if k == 0 { "if" } else { "else if" };
        f.push_str(&format!(
            "    {kw} {}\n        set flags {}\n        set words $words[{}..-1]\n",
            test.join("; and "),
            slot.value_flags.join(" "),
            slot.path.len() + 1
        ));
    }
    f.push_str(concat!(
        "    else\n        return 1\n    end\n",
        "    while set -q words[1]\n",
        "        if test \"$words[1]\" = --\n            return 1\n",
        "        else if contains -- $words[1] $flags\n            set words $words[3..-1]\n",
        "        else if string match -q -- '-*' $words[1]\n            set words $words[2..-1]\n",
        "        else\n            return 1\n        end\n",
        "    end\n",
        "    not string match -q -- '-*' (commandline -ct)\n",
        "end\n\n",
        "function __rolecall_targets\n",
        "    set -l typed (commandline -ct)\n",
        "    # A --config on the line: the same settings the command will read.\n",
        "    set -l config\n",
        "    set -l next 0\n",
        "    for w in (commandline -opc)\n",
        "        if test $next = 1\n",
        "            set config --config $w\n",
        "            set next 0\n",
        "        else if test \"$w\" = --config\n",
        "            set next 1\n",
        "        else if string match -q -- '--config=*' $w\n",
        "            set config --config (string replace -- --config= '' $w)\n",
        "        end\n",
        "    end\n",
        "    # fish filters the candidates itself; a quoted word is matched there.\n",
        "    string match -qr '[\\\\\\\\\\'\"]' -- $typed; and set typed ''\n",
        "    command rolecall $config __complete-targets -- \"$typed\" 2>/dev/null\n",
        "end\n\n",
        "complete -c rolecall -n __rolecall_wants_target -f -a '(__rolecall_targets)'\n",
    ));
    f
}

/// PowerShell: before the generated completions, target ids when the
/// command so far is a subcommand that takes a target and none is given.
pub fn powershell(generated: &str, slots: &[TargetSlot]) -> String {
    let commands: Vec<String> = slots.iter().map(|s| format!("'rolecall;{}'", s.path.join(";"))).collect();
    let block = format!(
        concat!(
            "    # Target ids (rolecall __complete-targets), quoted when they need it.\n",
            "    if ($command -in @({}) -and -not $wordToComplete.StartsWith('-')) {{\n",
            "        $typed = $wordToComplete.Trim(\"'\", '\"')\n",
            "        & rolecall __complete-targets -- $typed 2>$null | ForEach-Object {{\n",
            "            # Every character PowerShell reads as a single quote is doubled, typographic ones too.\n",
            "            $text = if ($_ -match '[\\s''\"`$(){{}}@;,&|<>#\\u2018-\\u201E]') {{ \"'\" + ($_ -replace '([''\\u2018-\\u201B])', '$1$1') + \"'\" }} else {{ $_ }}\n",
            "            [CompletionResult]::new($text, $_, [CompletionResultType]::ParameterValue, $_)\n",
            "        }}\n",
            "        return\n",
            "    }}\n\n",
        ),
        commands.join(", ")
    );
    match generated.find("    $completions = @(switch ($command) {") {
        Some(at) => format!("{}{block}{}", &generated[..at], &generated[at..]),
        None => generated.to_owned(),
    }
}

/// nushell: every TARGET parameter completes from `nu-complete rolecall targets`.
pub fn nushell(generated: &str, slots: &[TargetSlot]) -> String {
    let mut out = String::with_capacity(generated.len() + 256);
    let mut in_slot = false;
    for line in generated.split_inclusive('\n') {
        if let Some(rest) = line.trim_start().strip_prefix("export extern \"rolecall ") {
            let path = rest.split('"').next().unwrap_or_default();
            in_slot = slots.iter().any(|s| s.path.join(" ") == path);
        }
        let trimmed = line.trim_start();
        if in_slot && (trimmed.starts_with("target: string") || trimmed.starts_with("target?: string")) {
            out.push_str(&line.replacen(": string", ": string@\"nu-complete rolecall targets\"", 1));
            continue;
        }
        out.push_str(line);
        if line.starts_with("module completions {") {
            out.push_str(concat!(
                "\n  # Target ids (rolecall __complete-targets). nushell inserts a value as it is, so an id\n",
                "  # that is not a plain word goes in a raw string (more '#' than the id holds); fuzzy\n",
                "  # matching lets what was typed match inside the quote.\n",
                "  def \"nu-complete rolecall targets\" [] {\n",
                "    let ids = (^rolecall __complete-targets -- \"\" | lines)\n",
                "    {\n",
                "      options: { completion_algorithm: \"fuzzy\", sort: false }\n",
                "      completions: ($ids | each {|id|\n",
                "        if ($id =~ '^[A-Za-z0-9_./@+,=:-]+$') { $id } else {\n",
                "          let h = ('' | fill -c '#' -w (($id | split chars | where $it == '#' | length) + 1))\n",
                "          $\"r($h)'($id)'($h)\"\n",
                "        }\n",
                "      })\n",
                "    }\n",
                "  }\n",
            ));
        }
    }
    out
}
