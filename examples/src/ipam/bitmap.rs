//! [`Bitmap`]: which offsets of a pool are taken, one bit each, stored
//! sparsely in 64-bit words so that an IPv6 /64 costs only what is used.
//! The next free offset is found a word at a time: a full word is skipped
//! whole, a word with room gives its first free bit with one instruction.

use std::collections::BTreeMap;

/// A set of taken offsets (`u128`, an address minus its pool's first address).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bitmap {
    /// Word index to its bits; words with no bit set are absent.
    words: BTreeMap<u128, u64>,
    len: usize,
}

impl Bitmap {
    /// Whether `offset` is taken.
    pub fn contains(&self, offset: u128) -> bool {
        let (word, bit) = split(offset);
        self.words.get(&word).is_some_and(|bits| bits & bit != 0)
    }

    /// Takes `offset`; false when it was taken already.
    pub fn insert(&mut self, offset: u128) -> bool {
        let (word, bit) = split(offset);
        let bits = self.words.entry(word).or_insert(0);
        let fresh = *bits & bit == 0;
        *bits |= bit;
        self.len += usize::from(fresh);
        fresh
    }

    /// Frees `offset`; false when it was not taken.
    pub fn remove(&mut self, offset: u128) -> bool {
        let (word, bit) = split(offset);
        let Some(bits) = self.words.get_mut(&word) else {
            return false;
        };
        let taken = *bits & bit != 0;
        *bits &= !bit;
        if *bits == 0 {
            self.words.remove(&word);
        }
        self.len -= usize::from(taken);
        taken
    }

    /// How many offsets are taken.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is taken.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The taken offsets, in order.
    pub fn iter(&self) -> impl Iterator<Item = u128> + '_ {
        self.words.iter().flat_map(|(&word, &bits)| {
            (0..64u32)
                .filter(move |bit| bits & (1 << bit) != 0)
                .map(move |bit| word * 64 + u128::from(bit))
        })
    }

    /// The first free offset in `first..=last`, if any.
    pub fn first_free(&self, first: u128, last: u128) -> Option<u128> {
        let mut at = first;
        while at <= last {
            let (word, _) = split(at);
            let below = (1u64 << (at % 64)) - 1; // offsets before `at` count as taken
            let bits = self.words.get(&word).copied().unwrap_or(0) | below;
            if bits != u64::MAX {
                let free = word * 64 + u128::from(bits.trailing_ones());
                return (free <= last).then_some(free);
            }
            at = (word + 1).checked_mul(64)?;
        }
        None
    }
}

fn split(offset: u128) -> (u128, u64) {
    (offset / 64, 1 << (offset % 64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_remove_and_count() {
        let mut bits = Bitmap::default();
        assert!(bits.insert(5));
        assert!(!bits.insert(5));
        assert!(bits.insert(1 << 70));
        assert_eq!(bits.len(), 2);
        assert!(bits.contains(1 << 70));
        assert_eq!(bits.iter().collect::<Vec<_>>(), [5, 1 << 70]);
        assert!(bits.remove(5));
        assert!(!bits.remove(5));
        assert!(!bits.remove(6));
        assert_eq!(bits.len(), 1);
    }

    #[test]
    fn first_free_skips_full_words_and_respects_bounds() {
        let mut bits = Bitmap::default();
        for offset in 1..=130 {
            bits.insert(offset);
        }
        assert_eq!(bits.first_free(1, 254), Some(131));
        assert_eq!(bits.first_free(0, 254), Some(0));
        assert_eq!(bits.first_free(1, 130), None);
        assert_eq!(bits.first_free(200, 254), Some(200));
        bits.remove(64);
        assert_eq!(bits.first_free(1, 254), Some(64));
        assert_eq!(bits.first_free(65, 254), Some(131));
        assert_eq!(
            bits.first_free(u128::MAX - 3, u128::MAX - 1),
            Some(u128::MAX - 3)
        );
    }
}
