//! Interoperability known answers for what a witness reads and writes: C2SP `tlog-checkpoint`
//! notes, RFC 6962 consistency proofs and `tlog-cosignature` (Ed25519, `cosignature/v1`).
//!
//! Independent values, made by other implementations (copied here, not computed by dxgate):
//! - three checkpoints of a Sigsum log (log key `ffdc2d4d…`) with the consistency proofs
//!   between them, from the tests of FiloSottile/litetlog's witness
//!   (`internal/witness/witness_test.go`, `TestRace`): signed by Go's `sumdb/note`, roots and
//!   proofs by sigsum-go's `merkle` over the leaf hashes `2a00…`, `2a01…`, …;
//! - the Ed25519 cosignature verifier key `remora.n621.de+da77ade7+BOvN…`, whose key ID was
//!   computed by transparency-dev/formats (`note/note_cosigv1_test.go`), and the same file's
//!   cosignature `ZGhGuQ…` with its timestamp 1727964367;
//! - the spec's example cosignature line and signed message (C2SP `tlog-cosignature.md`).
//!
//! No published cosignature together with its witness's public key was found, so the signed
//! message is also assembled here byte by byte from the spec's text and checked with the bare
//! Ed25519 primitive, in both directions (ours verified by hand, hand-made verified by ours).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
use sha2::{Digest as _, Sha256};

use super::*;
use crate::audit::checkpoint::Checkpoint;
use crate::audit::consistency;
use crate::audit::merkle::{leaf_hash, node_hash, Frontier};
use crate::audit::note::NoteVerifier;
use crate::audit::Digest;

const SIGSUM_ORIGIN: &str =
    "sigsum.org/v1/tree/4d6d8825a6bb689d459628312889dfbb0bcd41b5211d9e1ce768b0ff0309e562";
const SIGSUM_LOG_KEY: &str = "ffdc2d4d98e4124d3feaf788c0c2f9abfd796083d1f0495437f302ec79cf100f";
/// (size, root, log signature) of the three checkpoints.
const SIGSUM_CHECKPOINTS: [(u64, &str, &str); 3] = [
    (
        1,
        "KgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "UgIom7fPZTqpxWWhyjWduBvTvGVqsokMbqTArsQilegKoFBJQjUFAmQ0+YeSPM3wfUQMFSzVnnNuWRTYrajXpNUbIQY=",
    ),
    (
        3,
        "RcCI1Nk56ZcSmIEfIn0SleqtV7uvrlXNccFx595Iwl0=",
        "UgIom2VbtIcdFbwFAy1n7s6IkAxIY6J/GQOTuZF2ORV39d75cbAj2aQYwyJre36kezNobZs4SUUdrcawfAB8WVrx6go=",
    ),
    (
        5,
        "QrtXrQZCCvpIgsSmOsah7HdICzMLLyDfxToMql9WTjY=",
        "UgIomw/EOJmWi0i1FQsOj+etB7F8IccFam/jgd6wzRns4QPVmyEZtdvl1U2KEmLOZ/ASRcWJi0tW90dJWAShei7sDww=",
    ),
];

fn b64_digest(s: &str) -> Digest {
    let bytes: [u8; 32] = B64.decode(s).unwrap().try_into().unwrap();
    Digest::from_bytes(bytes)
}

/// The test's leaf hashes: `0x2a, i, 0, …`.
fn sigsum_leaf(i: u8) -> Digest {
    let mut b = [0u8; 32];
    b[0] = 0x2a;
    b[1] = i;
    Digest::from_bytes(b)
}

fn sigsum_note(size: u64, root: &str, sig: &str) -> String {
    format!("{SIGSUM_ORIGIN}\n{size}\n{root}\n\n\u{2014} {SIGSUM_ORIGIN} {sig}\n")
}

#[test]
fn a_sigsum_logs_checkpoints_open_and_their_trees_and_proofs_agree() {
    // The verifier key as Go's note.NewEd25519VerifierKey writes it; our parser recomputes
    // the key hash (SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[..4]) and must find Go's `5202289b`,
    // the first four bytes of each signature.
    let mut key = vec![0x01];
    key.extend(hex::decode(SIGSUM_LOG_KEY).unwrap());
    let vkey = format!("{SIGSUM_ORIGIN}+5202289b+{}", B64.encode(&key));
    let log = NoteVerifier::parse(&vkey).unwrap();
    let mut opened = Vec::new();
    for (size, root, sig) in SIGSUM_CHECKPOINTS {
        let note = sigsum_note(size, root, sig);
        let cp = Checkpoint::open(&note, &log).unwrap();
        assert_eq!((cp.origin.as_str(), cp.size), (SIGSUM_ORIGIN, size));
        assert_eq!(cp.root, b64_digest(root));
        let forged = sigsum_note(size + 1, root, sig);
        assert!(Checkpoint::open(&forged, &log).is_err());
        opened.push(cp);
    }
    // The roots are the RFC 6962 trees of the leaf hashes 2a00…, 2a01…, …
    let mut tree = Frontier::default();
    for (i, cp) in (0u8..5).zip([1u64, 2, 3, 4, 5]) {
        tree.push(sigsum_leaf(i), |_, _| {});
        if let Some(want) = opened.iter().find(|c| c.size == cp) {
            assert_eq!(tree.root(), want.root, "root at size {cp}");
        }
    }
    assert_eq!(
        opened[2].root.to_hex(),
        "42bb57ad06420afa4882c4a63ac6a1ec77480b330b2f20dfc53a0caa5f564e36"
    );
    // The proofs the Sigsum client sent the witness: 1 → 3 and 1 → 5.
    let (one, three, five) = (&opened[0].root, &opened[1].root, &opened[2].root);
    let p13 = [sigsum_leaf(1), sigsum_leaf(2)];
    assert!(consistency::verify(1, 3, one, three, &p13));
    let p15 = [
        sigsum_leaf(1),
        b64_digest("+fUDV+k970B4I3uKrqJM4aP1lloPZP8mvr2Z4wRw2LI="),
        sigsum_leaf(4),
    ];
    assert!(consistency::verify(1, 5, one, five, &p15));
    assert_eq!(p15[1], node_hash(&sigsum_leaf(2), &sigsum_leaf(3)));
    assert_eq!(consistency::proof_ranges(1, 5), [(1, 2), (2, 4), (4, 5)]);
    // And a proof of a rewritten tree is refused.
    assert!(!consistency::verify(1, 5, three, five, &p15));
    assert!(!consistency::verify(3, 5, three, five, &p15));
    assert_ne!(leaf_hash(b""), sigsum_leaf(0));
}

#[test]
fn an_independent_cosignature_key_and_signature_framing() {
    // transparency-dev/formats computed this key ID for this name and key.
    let remora = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
    let v = WitnessVerifier::parse(remora).unwrap();
    assert_eq!(v.name(), "remora.n621.de");
    assert!(WitnessVerifier::parse(&remora.replace("da77ade7", "00000000")).is_err());
    // A signed-note (0x01) key is not a cosignature key.
    let note_key = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    assert!(WitnessVerifier::parse(note_key).is_err());
    // Their cosignature and the spec's example line: key ID, then a big-endian u64
    // timestamp, then 64 signature bytes.
    for (line, id, ts) in [
        (
            "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==",
            0x646846b9u32,
            1_727_964_367u64,
        ),
        (
            "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==",
            0x8d66cf3f,
            1_679_315_147,
        ),
    ] {
        let b = B64.decode(line).unwrap();
        assert_eq!(b.len(), 4 + 8 + 64);
        assert_eq!(u32::from_be_bytes(b[..4].try_into().unwrap()), id);
        assert_eq!(u64::from_be_bytes(b[4..12].try_into().unwrap()), ts);
    }
}

#[test]
fn the_signed_message_is_the_specs_bytes() {
    // The spec's example message, spelled out.
    let body =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    let spec = b"cosignature/v1\x0atime 1679315147\x0aexample.com/behind-the-sofa\x0a20852163\x0aCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\x0a";
    assert_eq!(message(body, 1_679_315_147).as_bytes(), spec);

    // RFC 8032 §7.1 test 1's secret key, so the line below is reproducible.
    let seed: [u8; 32] =
        hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .unwrap()
            .try_into()
            .unwrap();
    let w = WitnessSigner::from_key("witness.example.com/w1", SigningKey::from_bytes(&seed));
    let public = SigningKey::from_bytes(&seed).verifying_key();
    assert_eq!(
        hex::encode(public.as_bytes()),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
    // Key ID by hand: SHA-256("witness.example.com/w1" ‖ 0x0A ‖ 0x04 ‖ key)[..4].
    let mut h = Sha256::new();
    h.update(b"witness.example.com/w1\n\x04");
    h.update(public.as_bytes());
    let id: [u8; 4] = h.finalize()[..4].try_into().unwrap();
    let mut vkey = vec![0x04];
    vkey.extend_from_slice(public.as_bytes());
    let vkey = format!(
        "witness.example.com/w1+{}+{}",
        hex::encode(id),
        B64.encode(&vkey)
    );
    assert_eq!(w.verifier_key(), vkey);

    // Ours, checked by hand: "— <name> " then base64(key ID ‖ u64 BE time ‖ Ed25519(spec)).
    let line = w.cosign(body, 1_679_315_147);
    let b64 = line
        .strip_prefix("\u{2014} witness.example.com/w1 ")
        .and_then(|l| l.strip_suffix('\n'))
        .unwrap();
    let b = B64.decode(b64).unwrap();
    assert_eq!(
        (&b[..4], &b[4..12]),
        (&id[..], &1_679_315_147u64.to_be_bytes()[..])
    );
    let sig = ed25519_dalek::Signature::from_slice(&b[12..]).unwrap();
    public.verify(spec, &sig).unwrap();

    // Hand-made over the spec's bytes, checked by ours, on a note the log signed.
    let at = 1_700_000_000u64;
    let hand_msg = [
        b"cosignature/v1\ntime 1700000000\n".as_slice(),
        body.as_bytes(),
    ]
    .concat();
    let hand_sig = SigningKey::from_bytes(&seed).sign(&hand_msg);
    let blob = [&id[..], &at.to_be_bytes(), &hand_sig.to_bytes()].concat();
    let note = format!(
        "{body}\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\u{2014} witness.example.com/w1 {}\n",
        B64.encode(blob)
    );
    let v = WitnessVerifier::parse(&vkey).unwrap();
    assert_eq!(v.find(&note).map(|(_, ts)| ts), Some(at));
    // One bit of the body changed: no longer a cosignature of it.
    assert_eq!(v.find(&note.replace("20852163", "20852164")), None);
}
