//! Edition files: they verify with the signing key or a trusted one, and fail on any one
//! changed byte, on another key, and when taken for (or from) a checkpoint.

use super::*;
use crate::audit::Checkpoint;

fn date() -> Date {
    "2026-12-03".parse().unwrap()
}

/// A small ranking body with non-ASCII text and nested values, as the ranking JSON is.
fn body() -> String {
    let v = serde_json::json!({
        "methodology": "1.1",
        "computed_ms": 1_764_781_199_999_i64,
        "agencies": [
            {"id": "gamma", "name_vi": "Tỉnh Gamma", "score": 71.5, "rank": {"rank": 1}},
            {"id": "omega", "name_vi": "Tỉnh Ômêga", "score": null, "status": "not_connected"}
        ]
    });
    serde_json::to_string_pretty(&v).unwrap()
}

fn edition(signer: &NoteSigner) -> Edition {
    Edition::sign(
        signer,
        "dxgate.test/audit",
        date(),
        "Asia/Ho_Chi_Minh",
        "1.1",
        body(),
    )
}

#[test]
fn an_edition_verifies_with_its_key_and_names_what_it_signs() {
    let s = NoteSigner::generate("dxgate.test/audit").unwrap();
    let e = edition(&s);
    let file = e.file();
    assert!(file.starts_with("{\"edition\":\"2026-12-03\",\"timezone\":\"Asia/Ho_Chi_Minh\",\"methodology\":\"1.1\",\"sha256\":\""));
    assert!(file.ends_with(&format!("\"ranking\":{}}}\n", body())));
    let v = verify(file.as_bytes(), &[s.verifier()]).unwrap();
    assert_eq!(v.facts, e.facts);
    assert_eq!(v.key, "dxgate.test/audit");
    assert_eq!(e.facts.sha256, Digest::sha256(body().as_bytes()));
    assert_eq!(
        s.verifier().open(&e.note).unwrap(),
        format!(
            "dxgate.test/audit/ranking-edition\n2026-12-03\nAsia/Ho_Chi_Minh\nmethodology 1.1\nsha256 {}\n",
            e.facts.sha256.to_hex()
        )
    );
}

#[test]
fn changing_any_one_byte_fails() {
    let s = NoteSigner::generate("dxgate.test/audit").unwrap();
    let file = edition(&s).file().into_bytes();
    let keys = [s.verifier()];
    for i in 0..file.len() {
        for flip in [0x01u8, 0x20] {
            let mut f = file.clone();
            f[i] ^= flip;
            assert!(
                verify(&f, &keys).is_err(),
                "byte {i} ({:?}) ^ {flip:#x} still verifies",
                file[i] as char
            );
        }
    }
    // A byte added or removed anywhere fails too.
    for i in [0, 10, file.len() / 2, file.len() - 2, file.len() - 1] {
        let mut f = file.clone();
        f.remove(i);
        assert!(verify(&f, &keys).is_err(), "byte {i} removed");
        let mut f = file.clone();
        f.insert(i, b' ');
        assert!(verify(&f, &keys).is_err(), "space inserted at {i}");
    }
}

#[test]
fn a_changed_score_is_named_as_a_hash_mismatch() {
    let s = NoteSigner::generate("dxgate.test/audit").unwrap();
    let file = edition(&s).file().replace("71.5", "91.5");
    match verify(file.as_bytes(), &[s.verifier()]) {
        Err(EditionError::HashMismatch { claimed, actual }) => assert_ne!(claimed, actual),
        other => panic!("{other:?}"),
    }
}

#[test]
fn another_key_fails_and_a_rotated_out_key_still_verifies_when_trusted() {
    let old = NoteSigner::generate("dxgate.test/audit").unwrap();
    let new = NoteSigner::generate("dxgate.test/audit").unwrap();
    let file = edition(&old).file();
    let err = verify(file.as_bytes(), &[new.verifier()]).unwrap_err();
    assert!(
        matches!(err, EditionError::Signature(NoteError::NotSigned(_))),
        "{err}"
    );
    assert!(verify(file.as_bytes(), &[]).is_err(), "no key, no trust");
    // After a rotation the old key stays in the trusted keys: its editions still verify.
    let v = verify(file.as_bytes(), &[new.verifier(), old.verifier()]).unwrap();
    assert_eq!(v.facts.date, date());
}

#[test]
fn an_edition_note_is_never_a_checkpoint_nor_a_checkpoint_an_edition() {
    let s = NoteSigner::generate("dxgate.test/audit").unwrap();
    let e = edition(&s);
    assert!(Checkpoint::open(&e.note, &s.verifier()).is_err());
    let cp = crate::audit::SignedCheckpoint::new(
        &s,
        "dxgate.test/audit",
        "n1",
        5,
        Digest::sha256(b"root"),
        Digest::sha256(b"head"),
        1,
    );
    // A checkpoint note in an edition's place: the signature verifies, the text does not.
    let forged = e.file().replace(
        &Value::String(e.note.clone()).to_string(),
        &Value::String(cp.note.clone()).to_string(),
    );
    let err = verify(forged.as_bytes(), &[s.verifier()]).unwrap_err();
    assert!(matches!(err, EditionError::Malformed(_)), "{err}");
}

#[test]
fn a_day_is_frozen_only_once_it_is_over() {
    let zone = crate::calendar::Zone::named("Asia/Ho_Chi_Minh").unwrap();
    let end = zone.end_ms(date());
    assert!(matches!(
        check_over(date(), &zone, end - 1),
        Err(EditionError::NotOver(..))
    ));
    assert!(check_over(date(), &zone, end).is_ok());
}
