//! Consistency proofs (RFC 9162 §2.1.4, as RFC 6962 §2.1.2): the tree of `m` leaves is a prefix
//! of the tree of `n` leaves. Whoever kept an old checkpoint checks with `O(log n)` hashes that
//! today's log extends it, without reading a record. [`proof_ranges`] names the leaf ranges
//! whose hashes form the proof (the store computes them, `Store::range_hash`); [`verify`]
//! checks one offline.

use super::merkle::node_hash;
use super::{Digest, Store, StoreError};

/// The leaf ranges `[a, b)` whose subtree hashes form PROOF(m, D[n]), in proof order.
/// Empty when `m == n` or `m == 0`.
pub fn proof_ranges(m: u64, n: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    if m == 0 || m >= n {
        return out;
    }
    subproof(m, 0, n, true, &mut out);
    out
}

/// SUBPROOF(m, D[lo..hi], b), with `m` counted from `lo`.
fn subproof(m: u64, lo: u64, hi: u64, complete: bool, out: &mut Vec<(u64, u64)>) {
    let n = hi - lo;
    if m == n {
        if !complete {
            out.push((lo, hi));
        }
        return;
    }
    let k = largest_pow2_below(n);
    if m <= k {
        subproof(m, lo, lo + k, complete, out);
        out.push((lo + k, hi));
    } else {
        subproof(m - k, lo + k, hi, false, out);
        out.push((lo, lo + k));
    }
}

/// The largest power of two strictly less than `n` (n ≥ 2).
fn largest_pow2_below(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// The proof hashes between sizes `m` and `n` of `node_id`'s chain, from the store.
pub async fn prove(
    store: &Store,
    node_id: &str,
    m: u64,
    n: u64,
) -> Result<Vec<Digest>, StoreError> {
    let mut out = Vec::new();
    for (a, b) in proof_ranges(m, n) {
        out.push(store.range_hash(node_id, a, b).await?);
    }
    Ok(out)
}

/// Check that the tree of `m` leaves with root `old` is a prefix of the tree of `n` leaves
/// with root `new` (RFC 9162 §2.1.4.2).
pub fn verify(m: u64, n: u64, old: &Digest, new: &Digest, proof: &[Digest]) -> bool {
    if m > n {
        return false;
    }
    if m == n {
        return proof.is_empty() && old == new;
    }
    if m == 0 {
        // The empty tree is a prefix of every tree.
        return proof.is_empty();
    }
    let mut path: Vec<Digest> = Vec::with_capacity(proof.len() + 1);
    if m.is_power_of_two() {
        path.push(*old);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut fnode, mut snode) = (m - 1, n - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && fr == *old && sr == *new
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::merkle::{leaf_hash, Frontier};

    fn roots(n: u64) -> (Vec<Digest>, Vec<Digest>) {
        let leaves: Vec<Digest> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut f = Frontier::default();
        let mut roots = vec![Digest::ZERO];
        for l in &leaves {
            f.push(*l, |_, _| {});
            roots.push(f.root());
        }
        (leaves, roots)
    }

    /// MTH of leaves `[a, b)`, computed naively.
    fn mth(leaves: &[Digest]) -> Digest {
        if leaves.len() == 1 {
            return leaves[0];
        }
        let k = largest_pow2_below(leaves.len() as u64) as usize;
        node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
    }

    #[test]
    fn every_pair_of_sizes_proves_and_nothing_else_does() {
        let (leaves, roots) = roots(40);
        for n in 1..=40u64 {
            for m in 1..=n {
                let proof: Vec<Digest> = proof_ranges(m, n)
                    .into_iter()
                    .map(|(a, b)| mth(&leaves[a as usize..b as usize]))
                    .collect();
                let (old, new) = (roots[m as usize], roots[n as usize]);
                assert!(verify(m, n, &old, &new, &proof), "{m} -> {n}");
                if m < n {
                    // Another old root, another new root, a wrong size: all refused.
                    assert!(!verify(m, n, &roots[m as usize - 1], &new, &proof));
                    assert!(!verify(m, n, &old, &roots[n as usize - 1], &proof));
                    if n < 40 {
                        // The proof for n is no proof for n + 1.
                        let next = roots[n as usize + 1];
                        assert!(!verify(m, n + 1, &old, &next, &proof), "{m} -> {n}+1");
                    }
                }
            }
        }
    }

    #[test]
    fn matches_the_rfc_6962_example_shapes() {
        // RFC 6962 §2.1.3: the proof between 3 and 7 leaves is [c, d, g, l] = four hashes.
        assert_eq!(proof_ranges(3, 7), vec![(2, 3), (3, 4), (0, 2), (4, 7)]);
        assert_eq!(proof_ranges(4, 7), vec![(4, 7)]);
        assert_eq!(proof_ranges(6, 7), vec![(4, 6), (6, 7), (0, 4)]);
        assert!(proof_ranges(5, 5).is_empty());
    }
}
