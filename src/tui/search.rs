//! Fuzzy matching over the targets' search text with nucleo-matcher (the
//! matcher behind helix's picker): ranking, and the matched positions for highlighting.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use super::model::Item;

/// A reusable matcher (it keeps scratch memory between keystrokes).
pub struct Search {
    matcher: Matcher,
    pattern: Pattern,
    indices: Vec<u32>,
}

impl Default for Search {
    fn default() -> Self {
        Self { matcher: Matcher::new(Config::DEFAULT), pattern: Pattern::default(), indices: Vec::new() }
    }
}

impl Search {
    /// Sets the query (space-separated words, each matched fuzzily; smart case).
    pub fn set_query(&mut self, query: &str) {
        self.pattern = Pattern::parse(query, CaseMatching::Smart, Normalization::Smart);
    }

    /// Indices of the items that match, best first (ties keep the given order).
    pub fn rank(&mut self, items: &[Item], order: impl Iterator<Item = usize>) -> Vec<usize> {
        let mut scored: Vec<(u32, usize, usize)> = order
            .enumerate()
            .filter_map(|(pos, i)| {
                let item = items.get(i)?;
                let score = self.pattern.score(item.haystack.slice(..), &mut self.matcher)?;
                Some((score, pos, i))
            })
            .collect();
        scored.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, _, i)| i).collect()
    }

    /// Positions (in characters) of the matched characters inside the item's id,
    /// when the query matches the id on its own (it may have matched other fields).
    pub fn id_matches(&mut self, item: &Item) -> Vec<usize> {
        self.indices.clear();
        if self.pattern.atoms.is_empty() {
            return Vec::new();
        }
        let mut buf = Vec::new();
        let id = nucleo_matcher::Utf32Str::new(&item.id, &mut buf);
        if self.pattern.indices(id, &mut self.matcher, &mut self.indices).is_none() {
            return Vec::new();
        }
        let mut out: Vec<usize> = self.indices.iter().map(|&i| i as usize).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}
