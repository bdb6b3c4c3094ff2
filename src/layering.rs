//! The stairs: a test that reads every source file and fails when a module
//! names one above it, or a part of a lower module it was not granted. The
//! grants below are the layout (see the crate doc and ARCHITECTURE.md);
//! change them only with the layout.
//!
//! Paths are read the way the compiler would: comments and string literals are
//! skipped, `use crate::{a, b::{c, d}}` groups are expanded however rustfmt
//! wraps them over lines, and `super::` / `self::` paths are resolved against
//! the file's own module path.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Modules with no dependencies on the rest of the crate but each other.
const LEAVES: &[&str] = &["limits", "time", "paths", "credentials", "text", "opener"];

/// What each top-level module may name, besides the leaves. A grant is a
/// module (`config`: all of it) or a path into one (`org::model`: that
/// submodule and what is inside it, nothing else of `org`).
const ALLOWED: &[(&str, &[&str])] = &[
    ("config", &[]),
    ("store", &["config"]),
    ("aws", &["config"]),
    ("output", &[]),
    ("org", &["config", "aws"]),
    ("sso", &["config", "store", "aws"]),
    ("saml", &["config", "store", "aws"]),
    ("broker", &["config", "store", "aws", "sso"]),
    ("catalog", &["config", "org::model", "broker::plan", "sso::discover"]),
    ("service", &["config", "store", "aws", "output", "org", "sso", "broker", "catalog"]),
    ("tui", &["service", "catalog", "config::keys", "output"]),
    ("cli", &["service", "catalog", "config", "output", "tui"]),
    ("layering", &[]),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file (`src/broker/sts.rs` → `[broker, sts]`,
/// `src/broker/mod.rs` → `[broker]`).
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if let Some(last) = parts.last_mut() {
        *last = last.trim_end_matches(".rs").to_owned();
    }
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    parts
}

/// The source without comments and without the contents of string and char
/// literals (each replaced by a space), so only code is searched.
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !prev_is_ident(&b, i) {
            // A raw string: r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < b.len() {
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
            out.push(' ');
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                i += if b[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else if c == '\'' && is_char_literal(&b, i) {
            i += 1;
            while i < b.len() && b[i] != '\'' {
                i += if b[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev_is_ident(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

/// `'x'` or `'\n'` is a char literal; `'a` in `&'a str` is a lifetime.
fn is_char_literal(b: &[char], i: usize) -> bool {
    matches!((b.get(i + 1), b.get(i + 2)), (Some('\\'), _) | (Some(_), Some('\'')))
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Reads a path at `code[at..]` (after its first segment was consumed into
/// `prefix`), expanding `{…}` groups, and pushes every full path it names.
fn read_tree(code: &[char], mut at: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix;
    loop {
        let skip_ws = |mut k: usize| {
            while k < code.len() && code[k].is_whitespace() {
                k += 1;
            }
            k
        };
        at = skip_ws(at);
        if code.get(at) == Some(&':') && code.get(at + 1) == Some(&':') {
            at = skip_ws(at + 2);
            if code.get(at) == Some(&'{') {
                at += 1;
                loop {
                    at = skip_ws(at);
                    match code.get(at) {
                        None => return at,
                        Some('}') => return at + 1,
                        Some(',') => at += 1,
                        Some(c) if is_ident(*c) => {
                            let start = at;
                            while at < code.len() && is_ident(code[at]) {
                                at += 1;
                            }
                            let seg: String = code[start..at].iter().collect();
                            let mut inner = path.clone();
                            if seg != "self" {
                                inner.push(seg);
                            }
                            at = read_tree(code, at, inner, out);
                        }
                        Some(_) => at += 1,
                    }
                }
            }
            let start = at;
            while at < code.len() && is_ident(code[at]) {
                at += 1;
            }
            if start == at {
                out.push(path);
                return at;
            }
            path.push(code[start..at].iter().collect());
        } else {
            out.push(path);
            return at;
        }
    }
}

/// Every crate path a file names, resolved to a path from the crate root.
fn named_paths(text: &str, module: &[String]) -> Vec<Vec<String>> {
    let code: Vec<char> = code_only(text).chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < code.len() {
        if !is_ident(code[i]) || prev_is_ident(&code, i) || (i > 0 && code[i - 1] == ':') {
            i += 1;
            continue;
        }
        let start = i;
        while i < code.len() && is_ident(code[i]) {
            i += 1;
        }
        let word: String = code[start..i].iter().collect();
        let base: Option<Vec<String>> = match word.as_str() {
            "crate" => Some(Vec::new()),
            "self" => Some(module.to_vec()),
            "super" => Some(module[..module.len().saturating_sub(1)].to_vec()),
            _ => None,
        };
        let Some(mut base) = base else { continue };
        // `super::super::x`: climb once per extra `super`.
        loop {
            let mut k = i;
            while k < code.len() && code[k].is_whitespace() {
                k += 1;
            }
            let is_sep = code.get(k) == Some(&':') && code.get(k + 1) == Some(&':');
            let rest: String = code.get(k + 2..).unwrap_or_default().iter().take(5).collect();
            if is_sep && rest == "super" && !code.get(k + 7).is_some_and(|c| is_ident(*c)) {
                base.pop();
                i = k + 7;
            } else {
                break;
            }
        }
        let mut found = Vec::new();
        i = read_tree(&code, i, base, &mut found);
        out.extend(found.into_iter().filter(|p| !p.is_empty()));
    }
    out
}

/// Whether `path` (from the crate root) is inside `grant` (`org::model`).
fn within(path: &[String], grant: &str) -> bool {
    let g: Vec<&str> = grant.split("::").collect();
    path.len() >= g.len() && path.iter().zip(&g).all(|(a, b)| a == b)
}

/// Every edge that breaks the layout, as `file: module -> named::path`.
fn violations(src: &Path) -> Vec<String> {
    let mut all = Vec::new();
    files(src, &mut all);
    all.sort();
    let mut bad = Vec::new();
    for file in all {
        let path = module_path(src, &file);
        let Some(module) = path.first().cloned() else { continue };
        if module == "lib" || module == "main" || module == "layering" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let grants: Vec<&str> = if LEAVES.contains(&module.as_str()) {
            LEAVES.to_vec()
        } else {
            match ALLOWED.iter().find(|(m, _)| *m == module) {
                Some((_, deps)) => deps.iter().chain(LEAVES).copied().collect(),
                None => {
                    bad.push(format!("{}: module '{module}' has no place in the layout", file.display()));
                    continue;
                }
            }
        };
        let mut seen = BTreeSet::new();
        for named in named_paths(&text, &path) {
            let top = &named[0];
            // Names of the module's own items and the crate root's (`crate::SomeType`) are fine.
            if *top == module || (named.len() == 1 && !is_module(src, top)) {
                continue;
            }
            if !grants.iter().any(|g| within(&named, g)) {
                let shown = named.iter().take(2).cloned().collect::<Vec<_>>().join("::");
                if seen.insert(shown.clone()) {
                    bad.push(format!("{}: {module} -> {shown}", file.display()));
                }
            }
        }
    }
    bad
}

/// Whether `name` is a top-level module of the crate (a file or a directory in `src`).
fn is_module(src: &Path, name: &str) -> bool {
    src.join(format!("{name}.rs")).exists() || src.join(name).is_dir()
}

#[test]
fn no_module_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad = violations(&src);
    assert!(bad.is_empty(), "imports against the layout (see src/layering.rs):\n{}", bad.join("\n"));
}

/// One small source tree per case the checker must catch (or must let pass).
#[test]
fn the_checker_sees_every_form_of_import() {
    // (file, text, the violations it must produce)
    let cases: &[(&str, &str, &[&str])] = &[
        ("config/a.rs", "use crate::tui::Thing;\n", &["config -> tui::Thing"]),
        ("config/b.rs", "// crate::cli in a comment\n/* crate::cli\n */ fn f() {}\n", &[]),
        ("config/c.rs", "const S: &str = \"crate::cli::x\"; const R: &str = r#\"crate::tui\"#;\n", &[]),
        ("limits.rs", "use crate::{time, service};\n", &["limits -> service"]),
        (
            "store/d.rs",
            "use crate::{\n    config::Settings,\n    tui::{\n        App,\n    },\n};\n",
            &["store -> tui::App"],
        ),
        ("store/e.rs", "fn f() { let x = crate::cli::run(); }\n", &["store -> cli::run"]),
        ("config/sub/f.rs", "use super::super::super::tui::App;\n", &["config -> tui::App"]),
        ("config/mod.rs", "use super::cli::Cli;\nuse self::g::H;\n", &["config -> cli::Cli"]),
        ("catalog/g.rs", "use crate::org::model::Account;\nuse crate::broker::plan::Plan;\n", &[]),
        ("catalog/h.rs", "use crate::org::discover::run;\n", &["catalog -> org::discover"]),
        ("catalog/i.rs", "use crate::broker::{plan::Plan, sts::call};\n", &["catalog -> broker::sts"]),
        (
            "catalog/j.rs",
            "fn f<'a>(x: &'a str) -> char { let _ = 'c'; crate::broker::mfa::x() }\n",
            &["catalog -> broker::mfa"],
        ),
    ];
    for (file, text, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        for m in ["tui", "cli", "service", "org", "broker"] {
            std::fs::create_dir_all(dir.path().join(m)).unwrap();
        }
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        let got: Vec<String> =
            violations(dir.path()).iter().map(|v| v.rsplit(": ").next().unwrap_or_default().to_owned()).collect();
        assert_eq!(got, *want, "{file}: {text}");
    }
}
