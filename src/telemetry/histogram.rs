//! A fixed-bucket histogram on atomics: lock-free to record, cheap to render.

use std::sync::atomic::{AtomicU64, Ordering};

/// Cumulative-on-render histogram with fixed upper bounds (`le`) in the unit of the values.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [u64],
    /// One counter per bound, plus the +Inf bucket.
    counts: Vec<AtomicU64>,
    sum: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    pub fn new(bounds: &'static [u64]) -> Histogram {
        Histogram {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, v: u64) {
        let i = self
            .bounds
            .iter()
            .position(|b| v <= *b)
            .unwrap_or(self.bounds.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(v, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// `(upper bound, cumulative count)` per bucket; the last has bound `None` (+Inf).
    pub fn cumulative(&self) -> Vec<(Option<u64>, u64)> {
        let mut acc = 0;
        self.counts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                acc += c.load(Ordering::Relaxed);
                (self.bounds.get(i).copied(), acc)
            })
            .collect()
    }

    pub fn sum(&self) -> u64 {
        self.sum.load(Ordering::Relaxed)
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::Histogram;

    #[test]
    fn buckets_are_cumulative() {
        static B: [u64; 3] = [1, 10, 100];
        let h = Histogram::new(&B);
        for v in [0, 1, 5, 50, 500] {
            h.observe(v);
        }
        assert_eq!(
            h.cumulative(),
            vec![(Some(1), 2), (Some(10), 3), (Some(100), 4), (None, 5)]
        );
        assert_eq!(h.count(), 5);
        assert_eq!(h.sum(), 556);
    }
}
