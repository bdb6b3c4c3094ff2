//! Target ids for shell completion: the ids of a catalog that start with
//! what was typed, each once, in the catalog's order. No I/O.

use std::collections::HashSet;

use super::Entry;

/// The ids in `entries` that start with `prefix` (byte-exact, as shells
/// match), without repeats, in catalog order (profiles, then organisations).
/// An id holding a newline is left out: completion prints one id per line.
pub fn matching_ids<'a>(entries: &'a [Entry], prefix: &str) -> Vec<&'a str> {
    let mut seen = HashSet::new();
    entries
        .iter()
        .map(|e| e.id.as_str())
        .filter(|id| id.starts_with(prefix) && !id.contains(['\n', '\r']) && seen.insert(*id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Kind;
    use crate::config::ProfileKind;

    fn entry(id: &str) -> Entry {
        Entry {
            id: id.to_owned(),
            kind: Kind::Profile(ProfileKind::Role),
            role_arn: None,
            route: None,
            account: None,
            alias: None,
            problem: None,
        }
    }

    #[test]
    fn prefix_filter_table() {
        let ids = ["dev", "dev admin", "dev-ro", "prod", "acct-0001/ReadOnly", "dev", "bad\nid", "Dev"];
        let entries: Vec<Entry> = ids.iter().map(|i| entry(i)).collect();
        let cases: &[(&str, &[&str])] = &[
            ("", &["dev", "dev admin", "dev-ro", "prod", "acct-0001/ReadOnly", "Dev"]),
            ("dev", &["dev", "dev admin", "dev-ro"]),
            ("dev ", &["dev admin"]),
            ("D", &["Dev"]),
            ("acct-0001/", &["acct-0001/ReadOnly"]),
            ("bad", &[]),
            ("zzz", &[]),
        ];
        for (prefix, want) in cases {
            assert_eq!(matching_ids(&entries, prefix), *want, "prefix {prefix:?}");
        }
    }
}
