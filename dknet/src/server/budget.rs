//! [`Budget`]: how much memory request bodies may hold across all
//! connections together, besides each body's own limit, so that many
//! clients sending large bodies at once cannot exhaust the plugin's memory.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The bytes request bodies may hold, all connections together.
pub(super) struct Budget {
    total: usize,
    used: AtomicUsize,
}

/// What one connection's body holds of a [`Budget`]; given back when
/// released or dropped.
pub(super) struct Charge<'a> {
    budget: &'a Budget,
    held: usize,
}

impl Budget {
    /// A budget of `total` bytes.
    pub(super) fn new(total: usize) -> Self {
        Self {
            total,
            used: AtomicUsize::new(0),
        }
    }

    /// A charge holding nothing yet.
    pub(super) fn charge(&self) -> Charge<'_> {
        Charge {
            budget: self,
            held: 0,
        }
    }
}

impl Charge<'_> {
    /// Holds `bytes` in all (more or less than before); false, holding
    /// what it held, if the budget has not that much left.
    pub(super) fn hold(&mut self, bytes: usize) -> bool {
        if bytes <= self.held {
            self.budget
                .used
                .fetch_sub(self.held - bytes, Ordering::Relaxed);
            self.held = bytes;
            return true;
        }
        let more = bytes - self.held;
        let total = self.budget.total;
        let taken = self
            .budget
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(more).filter(|&after| after <= total)
            });
        if taken.is_ok() {
            self.held = bytes;
        }
        taken.is_ok()
    }

    /// Gives back all it holds.
    pub(super) fn release(&mut self) {
        self.hold(0);
    }
}

impl Drop for Charge<'_> {
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_share_the_budget_and_give_it_back() {
        let budget = Budget::new(100);
        let mut first = budget.charge();
        let mut second = budget.charge();
        assert!(first.hold(60));
        assert!(!second.hold(41), "over the budget");
        assert!(second.hold(40));
        assert!(!first.hold(61));
        assert!(first.hold(10), "shrinking always works");
        assert!(second.hold(90));
        first.release();
        drop(second);
        assert_eq!(budget.used.load(Ordering::Relaxed), 0);
        assert!(budget.charge().hold(100));
    }
}
