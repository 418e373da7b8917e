//! `TopKeys`: where an object's top-level keys start in its canonical text.
//!
//! Made for free while data is written (publishing) or checked (loading),
//! kept per event by the log, and used by `EventQuery::by_data`: with it a
//! member is tested by comparing a few bytes at known offsets instead of
//! scanning the text. Up to four keys, each starting below byte 255;
//! anything else is `UNKNOWN` and the query scans as before.

/// Offsets of the opening quotes of an object's top-level keys, one byte
/// each (0 ends the list), or `UNKNOWN`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TopKeys(u32);

impl TopKeys {
    /// Not recorded: look at the text.
    pub(crate) const UNKNOWN: TopKeys = TopKeys(u32::MAX);

    /// The offsets, all of the object's top-level keys in order; `None`
    /// when unknown. (A value that is not an object has none.)
    #[inline]
    pub(crate) fn offsets(self) -> Option<[u8; 4]> {
        (self != TopKeys::UNKNOWN).then(|| self.0.to_le_bytes())
    }
}

/// Collects key offsets as a writer or checker meets top-level keys.
///
/// The offsets are kept packed in one word, as `TopKeys` holds them: set
/// byte by byte and then read as a word, they stalled the read (a load
/// wider than the stores it reads cannot be forwarded from them), once per
/// published event.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TopKeysBuilder {
    /// Offsets, 8 bits each from bit 0 (the fifth and later land above bit
    /// 32, or nowhere, and are not kept); 255 stands for an offset that
    /// does not fit (0, or 255 and above).
    offsets: u64,
    /// Eight times the keys met; past 32 when the offsets cannot describe
    /// the value.
    shift: u32,
}

/// `TopKeysBuilder::shift` once it has given up.
const GAVE_UP: u32 = 40;

impl TopKeysBuilder {
    /// A top-level key's opening quote is at `offset` in the value's text.
    /// No branch: what does not fit is found by `finish`.
    #[inline(always)]
    pub(crate) fn key_at(&mut self, offset: usize) {
        let byte = if offset.wrapping_sub(1) < 254 {
            offset as u64
        } else {
            255
        };
        self.offsets |= byte.wrapping_shl(self.shift);
        self.shift = self.shift.saturating_add(8);
    }

    /// The value's shape is not one the offsets describe.
    pub(crate) fn give_up(&mut self) {
        self.shift = GAVE_UP;
    }

    #[inline]
    pub(crate) fn finish(self) -> TopKeys {
        let offsets = self.offsets as u32;
        // A byte of 255 is an offset that did not fit (found as a zero byte
        // of `!offsets`, the usual word test).
        let has_255 = (!offsets).wrapping_sub(0x0101_0101) & offsets & 0x8080_8080 != 0;
        if self.shift > 32 || has_255 {
            TopKeys::UNKNOWN
        } else {
            TopKeys(offsets)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_up_to_four_offsets_below_255() {
        let mut b = TopKeysBuilder::default();
        b.key_at(1);
        b.key_at(9);
        assert_eq!(b.finish().offsets(), Some([1, 9, 0, 0]));
        let mut b = TopKeysBuilder::default();
        for o in [1, 2, 3, 4, 5] {
            b.key_at(o);
        }
        assert_eq!(b.finish(), TopKeys::UNKNOWN);
        let mut b = TopKeysBuilder::default();
        b.key_at(255);
        assert_eq!(b.finish(), TopKeys::UNKNOWN);
        assert_eq!(TopKeysBuilder::default().finish().offsets(), Some([0; 4]));
        let mut b = TopKeysBuilder::default();
        b.key_at(0);
        assert_eq!(b.finish(), TopKeys::UNKNOWN);
        let mut b = TopKeysBuilder::default();
        for o in [1, 2, 3, 254] {
            b.key_at(o);
        }
        assert_eq!(b.finish().offsets(), Some([1, 2, 3, 254]));
        let mut b = TopKeysBuilder::default();
        for o in 1..100 {
            b.key_at(o);
        }
        assert_eq!(b.finish(), TopKeys::UNKNOWN);
        let mut b = TopKeysBuilder::default();
        b.give_up();
        b.key_at(1);
        assert_eq!(b.finish(), TopKeys::UNKNOWN);
    }

    #[test]
    fn finds_an_offset_that_did_not_fit_among_any_others() {
        for at in 0..4 {
            for other in [1, 127, 128, 200, 254] {
                let mut b = TopKeysBuilder::default();
                for k in 0..4 {
                    b.key_at(if k == at { 300 } else { other });
                }
                assert_eq!(b.finish(), TopKeys::UNKNOWN, "at {at}, others {other}");
            }
        }
        for other in [1, 127, 128, 200, 254] {
            let mut b = TopKeysBuilder::default();
            for _ in 0..4 {
                b.key_at(other);
            }
            assert_eq!(b.finish().offsets(), Some([other as u8; 4]));
        }
    }
}
