//! Intent ids.
//!
//! The server applies an intent id at most once per participant, across reconnects and devices,
//! so ids must never repeat: not after a reconnect, and not when the same person runs a second
//! client. Each [`IdGenerator`] therefore takes a random prefix when it is created and counts up
//! behind it. The prefix comes from the standard library's randomly seeded hasher, the clock and a
//! process-wide counter, so the crate needs no random-number dependency.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Makes unique intent ids: `<16 hex digits>-<counter>`, well under
/// [`draagvlak_protocol::limits::MAX_INTENT_ID_BYTES`].
#[derive(Clone, Debug)]
pub struct IdGenerator {
    prefix: String,
    next: u64,
}

impl IdGenerator {
    /// A generator with a fresh random prefix.
    pub fn new() -> IdGenerator {
        IdGenerator::with_prefix(random_prefix())
    }

    /// A generator with a chosen prefix (tests that want readable ids).
    pub fn with_prefix(prefix: impl Into<String>) -> IdGenerator {
        IdGenerator {
            prefix: prefix.into(),
            next: 1,
        }
    }

    /// The prefix every id of this generator starts with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The next id.
    pub fn next_id(&mut self) -> String {
        let id = format!("{}-{}", self.prefix, self.next);
        self.next += 1;
        id
    }
}

impl Default for IdGenerator {
    fn default() -> Self {
        IdGenerator::new()
    }
}

fn random_prefix() -> String {
    static INSTANCE: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    hasher.write_u128(nanos);
    hasher.write_u64(INSTANCE.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use draagvlak_protocol::limits::MAX_INTENT_ID_BYTES;

    #[test]
    fn ids_are_unique_within_and_across_generators() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            let mut g = IdGenerator::new();
            for _ in 0..20 {
                let id = g.next_id();
                assert!(id.len() <= MAX_INTENT_ID_BYTES);
                assert!(seen.insert(id));
            }
        }
    }

    #[test]
    fn with_prefix_counts_from_one() {
        let mut g = IdGenerator::with_prefix("t");
        assert_eq!(g.next_id(), "t-1");
        assert_eq!(g.next_id(), "t-2");
    }
}
