//! The tree against the published Certificate Transparency test vectors, and every proof
//! checked (and every altered proof refused) over generated trees.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jineng_evidence::*;
use proptest::prelude::*;

/// The eight leaves of the RFC 6962 / CT test data and the roots of their prefixes.
const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];
const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn leaves(n: usize) -> Vec<Hash> {
    LEAVES[..n]
        .iter()
        .map(|h| leaf_hash(&hex::decode(h).unwrap()))
        .collect()
}

#[test]
fn roots_match_the_published_vectors() {
    assert_eq!(
        hex::encode(root(&[])),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    for n in 1..=8 {
        assert_eq!(hex::encode(root(&leaves(n))), ROOTS[n - 1], "size {n}");
    }
}

#[test]
fn proofs_over_the_vectors() {
    let all = leaves(8);
    let r = root(&all);
    for i in 0..8 {
        let p = inclusion_proof(&all, i).unwrap();
        assert!(verify_inclusion(&all[i], i as u64, 8, &p, &r));
        assert!(!verify_inclusion(&all[i], ((i + 1) % 8) as u64, 8, &p, &r));
    }
    for m in 1..=8 {
        let p = consistency_proof(&all, m).unwrap();
        let old = root(&all[..m]);
        assert!(verify_consistency(m as u64, 8, &old, &r, &p), "{m}");
    }
    assert!(inclusion_proof(&all, 8).is_none());
    assert!(consistency_proof(&all, 0).is_none());
}

fn tree() -> impl Strategy<Value = Vec<Hash>> {
    prop::collection::vec(any::<[u8; 8]>(), 1..70)
        .prop_map(|es| es.iter().map(|e| leaf_hash(e)).collect())
}

proptest! {
    #[test]
    fn every_inclusion_proof_checks_and_a_changed_one_does_not(t in tree(), pick in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>()) {
        let n = t.len();
        let r = root(&t);
        let i = pick.index(n);
        let p = inclusion_proof(&t, i).unwrap();
        prop_assert!(verify_inclusion(&t[i], i as u64, n as u64, &p, &r));
        // Another leaf or a changed step: refused. (A root checked against a size it was
        // not made for can still pass — e.g. 33 leaves claimed as 34 — which is why a
        // checkpoint signs the size and the root together.)
        let other = leaf_hash(b"not in the log");
        prop_assert!(!verify_inclusion(&other, i as u64, n as u64, &p, &r));
        if !p.is_empty() {
            let mut bad = p.clone();
            let j = flip.index(bad.len());
            bad[j][0] ^= 1;
            prop_assert!(!verify_inclusion(&t[i], i as u64, n as u64, &bad, &r));
        }
    }

    #[test]
    fn every_consistency_proof_checks_and_a_rewritten_past_does_not(t in tree(), pick in any::<prop::sample::Index>()) {
        let n = t.len();
        let m = pick.index(n) + 1;
        let p = consistency_proof(&t, m).unwrap();
        let (old, new) = (root(&t[..m]), root(&t));
        prop_assert!(verify_consistency(m as u64, n as u64, &old, &new, &p));
        // A log that rewrote one of its first m entries cannot prove consistency.
        let mut rewritten = t.clone();
        rewritten[m - 1] = leaf_hash(b"rewritten");
        let forged_new = root(&rewritten);
        if m < n {
            prop_assert!(!verify_consistency(m as u64, n as u64, &old, &forged_new, &p));
            let p2 = consistency_proof(&rewritten, m).unwrap();
            prop_assert!(!verify_consistency(m as u64, n as u64, &old, &forged_new, &p2));
        }
    }
}
