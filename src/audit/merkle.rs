//! RFC 6962 / RFC 9162 Merkle trees over one chain's record hashes: roots, compact ranges and
//! inclusion proofs.
//!
//! Leaf `i` (0-based) of node N's tree is the record with `seq = i + 1`; its leaf data is the
//! record's 32-byte chain hash. `leaf = SHA-256(0x00 ‖ data)`, `node = SHA-256(0x01 ‖ l ‖ r)`.
//! The writer keeps a [`Frontier`] (one hash per set bit of the size) and stores every perfect
//! subtree of [`STORED_LEVEL`] or more in `audit_tree`, so any root or proof needs at most a few
//! stored nodes plus the leaves of two 256-record blocks: O(log n) work, never a full scan.

use sha2::{Digest as _, Sha256};

use super::Digest;

/// Perfect subtrees of `2^STORED_LEVEL` leaves (256) or more are stored by the writer; smaller
/// ones are recomputed from the records' hashes. Archive cuts fall on multiples of 256.
pub const STORED_LEVEL: u32 = 8;

/// `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Digest {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    Digest::from_bytes(h.finalize().into())
}

/// `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Digest, right: &Digest) -> Digest {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left.as_bytes());
    h.update(right.as_bytes());
    Digest::from_bytes(h.finalize().into())
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Digest {
    Digest::sha256([])
}

/// A perfect, aligned subtree: leaves `[index << level, (index + 1) << level)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subtree {
    pub level: u32,
    pub index: u64,
}

impl Subtree {
    pub fn first_leaf(self) -> u64 {
        self.index << self.level
    }

    pub fn leaves(self) -> u64 {
        1 << self.level
    }
}

/// The perfect subtrees that make up leaves `[a, b)` of a tree, left to right (largest first).
/// In an RFC 6962 tree every node is the fold of such a list from the right.
pub fn range_parts(a: u64, b: u64) -> Vec<Subtree> {
    let mut out = Vec::new();
    let mut start = a;
    while start < b {
        // The largest power of two that is aligned at `start` and fits in what is left.
        let align = if start == 0 {
            63
        } else {
            start.trailing_zeros()
        };
        let mut level = align.min(63 - (b - start).leading_zeros());
        while (1u64 << level) > b - start {
            level -= 1;
        }
        out.push(Subtree {
            level,
            index: start >> level,
        });
        start += 1 << level;
    }
    out
}

/// Fold the hashes of a range's parts (as [`range_parts`] lists them) into the range's hash.
pub fn fold_parts(hashes: &[Digest]) -> Option<Digest> {
    let (last, rest) = hashes.split_last()?;
    Some(rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc)))
}

/// The ranges whose hashes form the inclusion proof of leaf `m` in a tree of `n` leaves, in
/// proof order (RFC 9162 §2.1.3.1, PATH(m, D[n])), innermost sibling first.
pub fn proof_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let (mut a, mut b) = (0u64, n);
    while b - a > 1 {
        let k = largest_pow2_below(b - a);
        if m < a + k {
            out.push((a + k, b));
            b = a + k;
        } else {
            out.push((a, a + k));
            a += k;
        }
    }
    out.reverse();
    out
}

/// The largest power of two strictly less than `n` (n ≥ 2).
fn largest_pow2_below(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// Check an inclusion proof (RFC 9162 §2.1.3.2): does `leaf` sit at `index` of the tree of
/// `size` leaves whose root is `root`?
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Digest,
    proof: &[Digest],
    root: &Digest,
) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && r == *root
}

/// The right edge of a growing tree: the roots of its perfect subtrees, largest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// `(level, hash)`, levels strictly decreasing.
    stack: Vec<(u32, Digest)>,
}

impl Frontier {
    /// A frontier from the hashes of `range_parts(0, size)`.
    pub fn from_parts(size: u64, hashes: &[Digest]) -> Option<Frontier> {
        let parts = range_parts(0, size);
        if parts.len() != hashes.len() {
            return None;
        }
        Some(Frontier {
            size,
            stack: parts
                .iter()
                .map(|p| p.level)
                .zip(hashes.iter().copied())
                .collect(),
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Append one leaf (its leaf hash); every perfect subtree it completes at
    /// [`STORED_LEVEL`] or above is handed to `completed`.
    pub fn push(&mut self, leaf: Digest, mut completed: impl FnMut(Subtree, Digest)) {
        self.size += 1;
        let mut cur = (0u32, leaf);
        while let Some(&(level, left)) = self.stack.last() {
            if level != cur.0 {
                break;
            }
            self.stack.pop();
            cur = (level + 1, node_hash(&left, &cur.1));
            if cur.0 >= STORED_LEVEL {
                completed(
                    Subtree {
                        level: cur.0,
                        index: (self.size >> cur.0) - 1,
                    },
                    cur.1,
                );
            }
        }
        self.stack.push(cur);
    }

    /// The tree's root (RFC 6962 MTH).
    pub fn root(&self) -> Digest {
        let hashes: Vec<Digest> = self.stack.iter().map(|(_, h)| *h).collect();
        fold_parts(&hashes).unwrap_or_else(empty_root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference MTH straight from RFC 6962 §2.1.
    fn mth(leaves: &[Digest]) -> Digest {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = largest_pow2_below(n as u64) as usize;
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn leaves(n: u64) -> Vec<Digest> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    fn range_hash(all: &[Digest], a: u64, b: u64) -> Digest {
        let parts: Vec<Digest> = range_parts(a, b)
            .iter()
            .map(|p| mth(&all[p.first_leaf() as usize..(p.first_leaf() + p.leaves()) as usize]))
            .collect();
        fold_parts(&parts).unwrap()
    }

    #[test]
    fn rfc6962_empty_root_is_sha256_of_nothing() {
        assert_eq!(
            empty_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn frontier_root_matches_the_reference_and_stores_perfect_subtrees() {
        let all = leaves(700);
        let mut f = Frontier::default();
        let mut stored = Vec::new();
        for (i, l) in all.iter().enumerate() {
            f.push(*l, |s, h| stored.push((s, h)));
            let n = i + 1;
            if n < 40 || n % 97 == 0 || n == 512 {
                assert_eq!(f.root(), mth(&all[..n]), "size {n}");
            }
        }
        // 700 leaves: two subtrees of 256, one of 512.
        let levels: Vec<(u32, u64)> = stored.iter().map(|(s, _)| (s.level, s.index)).collect();
        assert_eq!(levels, vec![(8, 0), (8, 1), (9, 0)]);
        assert_eq!(stored[2].1, mth(&all[..512]));
        let again = Frontier::from_parts(
            700,
            &range_parts(0, 700)
                .iter()
                .map(|p| mth(&all[p.first_leaf() as usize..(p.first_leaf() + p.leaves()) as usize]))
                .collect::<Vec<_>>(),
        )
        .unwrap();
        assert_eq!(again, f);
    }

    #[test]
    fn inclusion_proofs_verify_and_reject_tampering() {
        let all = leaves(300);
        for n in [1u64, 2, 3, 7, 8, 9, 100, 256, 257, 300] {
            let root = mth(&all[..n as usize]);
            for m in [0, n / 2, n - 1] {
                let proof: Vec<Digest> = proof_ranges(m, n)
                    .iter()
                    .map(|&(a, b)| range_hash(&all, a, b))
                    .collect();
                assert!(
                    verify_inclusion(m, n, &all[m as usize], &proof, &root),
                    "{m} in {n}"
                );
                assert!(!verify_inclusion(
                    m,
                    n,
                    &all[(m as usize + 1) % 300],
                    &proof,
                    &root
                ));
                let mut bad = proof.clone();
                if let Some(first) = bad.first_mut() {
                    let mut flipped = *first.as_bytes();
                    flipped[0] ^= 1;
                    *first = Digest::from_bytes(flipped);
                    assert!(!verify_inclusion(m, n, &all[m as usize], &bad, &root));
                }
            }
        }
    }

    #[test]
    fn range_parts_cover_the_range_with_aligned_powers_of_two() {
        let parts = range_parts(0, 1000);
        let sizes: Vec<u64> = parts.iter().map(|p| p.leaves()).collect();
        assert_eq!(sizes, vec![512, 256, 128, 64, 32, 8]);
        let parts = range_parts(768, 1000);
        assert_eq!(parts[0], Subtree { level: 7, index: 6 });
        assert!(range_parts(5, 5).is_empty());
    }
}
