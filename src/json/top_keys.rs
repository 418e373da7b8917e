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
    offsets: u32,
    /// Where the next offset goes (8 bits per key); past 32 when the
    /// offsets cannot describe the value.
    shift: u32,
}

/// `TopKeysBuilder::shift` once it has given up.
const GAVE_UP: u32 = 40;

impl TopKeysBuilder {
    /// A top-level key's opening quote is at `offset` in the value's text.
    #[inline(always)]
    pub(crate) fn key_at(&mut self, offset: usize) {
        // Offsets 1 to 254 fit (0 ends the list, 255s mean unknown).
        if self.shift < 32 && offset.wrapping_sub(1) < 254 {
            self.offsets |= (offset as u32) << self.shift;
            self.shift += 8;
        } else {
            self.shift = GAVE_UP;
        }
    }

    /// The value's shape is not one the offsets describe.
    pub(crate) fn give_up(&mut self) {
        self.shift = GAVE_UP;
    }

    #[inline]
    pub(crate) fn finish(self) -> TopKeys {
        if self.shift > 32 {
            TopKeys::UNKNOWN
        } else {
            TopKeys(self.offsets)
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
    }
}
