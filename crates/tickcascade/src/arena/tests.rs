//! Random appends and reads through the arena and its index: every handle
//! reads back its own text, whatever came after it, and a scan of any range
//! sees exactly the texts of the events in it.

use super::{Data, DataArena, DataIndex, Spelling};
use crate::json::top_keys::TopKeysBuilder;
use proptest::prelude::*;

/// A text of one of the shapes the log stores: short, empty, non-ASCII,
/// around the chunk's limits, past the index's two-byte lengths.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-z\"{}:, ]{0,40}",
        2 => "[é😀a-c]{0,10}",
        1 => (16_000usize..16_500).prop_map(|n| "x".repeat(n)),
        1 => (65_530usize..65_540).prop_map(|n| "y".repeat(n)),
    ]
}

/// Key offsets for `text` when it looks like `{"k": ...}`.
fn keys_of(text: &str) -> crate::json::top_keys::TopKeys {
    let mut b = TopKeysBuilder::default();
    if text.starts_with("{\"") {
        b.key_at(1);
    } else {
        b.give_up();
    }
    b.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_handle_and_every_scan_reads_back_what_was_appended(
        texts in proptest::collection::vec(text(), 0..200),
        written in proptest::collection::vec(any::<bool>(), 200),
        ranges in proptest::collection::vec((0usize..220, 0usize..220), 1..8),
        arena_dropped_early in any::<bool>(),
    ) {
        let mut arena = DataArena::default();
        let mut index = DataIndex::default();
        let mut buf = crate::json::out::JsonBuf::default();
        let mut handles: Vec<Data> = Vec::new();
        for (t, &via_buf) in texts.iter().zip(&written) {
            let data = if via_buf {
                buf.clear();
                crate::json::out::TextOut::push_str(&mut buf, t);
                match arena.push_written(&buf) {
                    Some(d) => d,
                    None => arena.push(t),
                }
            } else if t.len() % 7 == 0 {
                Data::from_canonical(t)
            } else {
                arena.push(t)
            };
            index.push(&data, keys_of(t));
            handles.push(data);
        }
        if arena_dropped_early {
            drop(arena);
        }
        for (h, t) in handles.iter().zip(&texts) {
            prop_assert_eq!(h.as_str(), t.as_str());
        }
        for (a, b) in ranges {
            let range = a.min(b)..a.max(b);
            let mut seen = Vec::new();
            index.scan(range.clone(), |i, text, _| {
                seen.push((i, text.map(str::to_owned)));
            });
            let end = range.end.min(texts.len());
            let want: Vec<usize> = (range.start..end.max(range.start)).collect();
            prop_assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), want);
            for (i, text) in seen {
                if let Some(text) = text {
                    prop_assert_eq!(text.as_str(), texts[i].as_str());
                }
            }
            // The member scan never reads outside a text: a spelling longer
            // than most texts, compared at each key offset.
            if let Some(spelling) = Spelling::new(b"\"k\": \"abcdefgh\"") {
                index.scan_spelling(range.clone(), &spelling, |_, _, _| false, |_, _| {});
            }
        }
    }
}
