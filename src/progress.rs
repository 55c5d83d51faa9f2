//! Progress of the long walks over the store (`audit verify`, `audit archive`, the ranking's
//! catch-up), reported to whoever watches: a terminal's progress bar in the commands, nobody
//! in the gateway and the tests. The walks know their work in records; they say how many are
//! ahead and how many are done, never how to draw it.

/// Receives a walk's progress, in records.
pub trait Progress: Send + Sync {
    /// `n` more records are ahead (called once per chain as each chain's extent is known).
    fn add_total(&self, n: u64);
    /// `n` records are done.
    fn advance(&self, n: u64);
}

/// Nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn add_total(&self, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// Records between `from` (exclusive) and `to` (inclusive) sequence numbers: what a chain walk
/// has ahead of it (0 when the chain ends before it starts).
pub fn span(from: i64, to: i64) -> u64 {
    u64::try_from(to - from).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::span;

    #[test]
    fn span_counts_the_records_after_from_up_to_to() {
        assert_eq!(span(0, 10), 10);
        assert_eq!(span(4, 10), 6);
        assert_eq!(span(10, 10), 0);
        assert_eq!(span(12, 10), 0);
    }
}
