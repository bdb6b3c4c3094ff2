//! The stairs: a test that reads every source file and fails when a module
//! names one above it. The allowed edges below are the layout (see the
//! crate doc); change them only with the layout.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Modules with no dependencies on the rest of the crate but each other.
const LEAVES: &[&str] = &["limits", "time", "paths", "credentials", "text", "opener"];

/// What each top-level module may name, besides the leaves.
const ALLOWED: &[(&str, &[&str])] = &[
    ("config", &[]),
    ("store", &["config"]),
    ("aws", &["config"]),
    ("output", &[]),
    ("org", &["config", "aws"]),
    ("sso", &["config", "store", "aws"]),
    ("saml", &["config", "store", "aws"]),
    ("broker", &["config", "store", "aws", "sso"]),
    ("catalog", &["config", "org", "sso", "broker"]),
    ("service", &["config", "store", "aws", "output", "org", "sso", "broker", "catalog"]),
    ("tui", &["service", "catalog", "config", "output"]),
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

/// The top-level module a file belongs to (`src/broker/sts.rs` → `broker`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let first = rel.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
    first.trim_end_matches(".rs").to_owned()
}

/// The top-level modules a file names as `crate::NAME`, outside comments.
fn named(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.insert(name);
            }
            rest = after;
        }
        // `use crate::{a, b}` names several at once.
        if let Some(at) = code.find("crate::{") {
            for part in code[at + "crate::{".len()..].split(',') {
                let name: String = part.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

/// Every edge that breaks the layout, as `file: module -> named`.
fn violations(src: &Path) -> Vec<String> {
    let mut all = Vec::new();
    files(src, &mut all);
    all.sort();
    let mut bad = Vec::new();
    for file in all {
        let module = module_of(src, &file);
        if module == "lib" || module == "main" || module == "layering" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let allowed: Vec<&str> = if LEAVES.contains(&module.as_str()) {
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
        for name in named(&text) {
            if name != module && !allowed.contains(&name.as_str()) {
                bad.push(format!("{}: {module} -> {name}", file.display()));
            }
        }
    }
    bad
}

#[test]
fn no_module_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad = violations(&src);
    assert!(bad.is_empty(), "imports against the layout (see src/layering.rs):\n{}", bad.join("\n"));
}

#[test]
fn the_checker_sees_upward_imports() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::write(dir.path().join("config/x.rs"), "use crate::tui::Thing;\n// crate::cli in a comment\n").unwrap();
    std::fs::write(dir.path().join("limits.rs"), "use crate::{time, service};\n").unwrap();
    let bad = violations(dir.path());
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(bad[0].ends_with("config -> tui"), "{bad:?}");
    assert!(bad[1].ends_with("limits -> service"), "{bad:?}");
}
