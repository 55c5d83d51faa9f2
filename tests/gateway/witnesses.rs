//! Issue 12: consistency proofs and witnesses. Two independent witnesses poll the gateway,
//! check each checkpoint is consistent with the last one they cosigned, cosign it; the gateway
//! serves the cosigned checkpoint and inclusion proofs carry the cosignatures. When the operator
//! rewrites history (cut, re-anchored, extended), both witnesses refuse it.

use crate::common::surgery::{reanchor, rewind};

use crate::common::catalogue::*;
use crate::common::*;
use dxgate::audit::cosignature::WitnessVerifier;
use dxgate::audit::note::NoteVerifier;
use dxgate::audit::{consistency, Checkpoint, Digest};

/// Run `dxgate args…` off the runtime (the witness talks to the in-process gateway).
async fn bin(args: Vec<String>) -> (i32, String, String) {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_bin(&args)
    })
    .await
    .unwrap()
}

struct Witness {
    key: String,
    state: String,
    vkey: String,
}

impl Witness {
    async fn new(cat: &Catalogue, name: &str) -> Witness {
        let key = cat
            .file(&format!("{name}/witness.key"))
            .display()
            .to_string();
        let state = cat.file(&format!("{name}/state")).display().to_string();
        let args = [
            "audit",
            "witness",
            "--key",
            &key,
            "--name",
            &format!("witness.test/{name}"),
            "--print-key",
        ];
        let (code, out, err) = bin(args.iter().map(|s| s.to_string()).collect()).await;
        assert_eq!(code, 0, "{err}");
        Witness {
            key,
            state,
            vkey: out.trim().to_owned(),
        }
    }

    /// One round against `gw` trusting `log_key`: (exit code, stderr).
    async fn once(&self, gw: &Gateway, log_key: &str) -> (i32, String) {
        let base = gw.url("");
        let args = [
            "audit",
            "witness",
            "--once",
            "--key",
            &self.key,
            "--state",
            &self.state,
            "--gateway",
            &base,
            "--log-key",
            log_key,
        ];
        let (code, _, err) = bin(args.iter().map(|s| s.to_string()).collect()).await;
        (code, err)
    }
}

async fn get_text(gw: &Gateway, path: &str) -> (u16, String) {
    let r = client().get(gw.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn two_witnesses_cosign_a_growing_log_and_refuse_a_rewritten_one() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let (w1, w2) = (
        Witness::new(&cat, "w1").await,
        Witness::new(&cat, "w2").await,
    );
    cat.write(
        "dxgate.toml",
        &format!(
            "[server]\nnode_id = \"test-node\"\n[audit]\ncheckpoint_every = 2\n\
             checkpoint_interval = \"1h\"\nwitnesses = [\"{}\", \"{}\"]\n",
            w1.vkey, w2.vkey
        ),
    );
    let (_, log_key, _) = run_cli(&["audit", "key"], cat.path());
    let log_key = log_key.trim().to_owned();
    let log = NoteVerifier::parse(&log_key).unwrap();
    let gw = Gateway::start(cat.path()).await;
    assert_eq!(
        get_text(&gw, "/v1/audit/checkpoint/test-node/cosigned")
            .await
            .0,
        404
    );

    serve_people(&gw, 4, "001").await;
    for w in [&w1, &w2] {
        let (code, err) = w.once(&gw, &log_key).await;
        assert_eq!(code, 0, "{err}");
    }
    let (status, note) = get_text(&gw, "/v1/audit/checkpoint/test-node/cosigned").await;
    assert_eq!(status, 200, "{note}");
    let at4 = Checkpoint::open(&note, &log).unwrap();
    assert_eq!(at4.size, 4);
    for w in [&w1, &w2] {
        assert!(
            WitnessVerifier::parse(&w.vkey)
                .unwrap()
                .find(&note)
                .is_some(),
            "{note}"
        );
    }

    // The log grows: a consistency proof from 4 to 6 checks out, and both cosign again.
    serve_people(&gw, 2, "002").await;
    let v = gw
        .anon_ok_json("/v1/audit/consistency/test-node?from=4&to=6")
        .await;
    let proof: Vec<Digest> = v["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Digest::from_hex(h.as_str().unwrap()).unwrap())
        .collect();
    let (_, latest) = get_text(&gw, "/v1/audit/checkpoint/test-node").await;
    let at6 = Checkpoint::open(&latest, &log).unwrap();
    assert_eq!(at6.size, 6);
    assert!(consistency::verify(4, 6, &at4.root, &at6.root, &proof));
    assert!(!consistency::verify(4, 6, &at6.root, &at6.root, &proof));
    let r = client()
        .get(gw.url("/v1/audit/consistency/test-node?from=7&to=6"))
        .send()
        .await
        .unwrap();
    let (status, _, ct, body) = parts(r).await;
    assert_eq!((status, ct.as_str()), (400, "application/problem+json"));
    assert!(body["type"].as_str().unwrap().ends_with("/invalid-request"));
    for w in [&w1, &w2] {
        let (code, err) = w.once(&gw, &log_key).await;
        assert_eq!(code, 0, "{err}");
    }
    assert!(get_text(&gw, "/v1/audit/checkpoint/test-node/cosigned")
        .await
        .1
        .starts_with(&latest[..latest.find("\n\n").unwrap()]));

    // An inclusion proof carries both cosignatures; check-inclusion can require them. After
    // the start's catalog_change record and seven requests, one more makes the next request
    // record 9.
    serve_people(&gw, 1, "003").await;
    let r = gw
        .get(PORTAL_KEY, "/v1/data/alpha/people?citizen_id=003")
        .await;
    let id = request_id(&r);
    // Record 9; the proof's read is record 10, whose commit signs the checkpoint at 10.
    let inclusion = format!("/v1/audit/inclusion/{id}");
    let proof = gw.json_as(PORTAL_KEY, &inclusion).await;
    let file = cat.file("proof.json");
    std::fs::write(&file, proof.to_string()).unwrap();
    let path = file.display().to_string();
    let check = |ws: Vec<&str>| {
        let mut args = vec![
            "audit",
            "check-inclusion",
            path.as_str(),
            "--key",
            log_key.as_str(),
        ];
        for w in ws {
            args.extend(["--witness", w]);
        }
        run_bin(&args)
    };
    let (code, _, err) = check(vec![&w1.vkey]);
    assert_eq!(code, 1, "the checkpoint at 10 is not cosigned yet");
    assert_eq!(proof["tree_size"], 10);
    assert!(err.contains("NOT WITNESSED"), "{err}");
    for w in [&w1, &w2] {
        assert_eq!(w.once(&gw, &log_key).await.0, 0);
    }
    let proof = gw.json_as(PORTAL_KEY, &inclusion).await;
    assert_eq!(
        proof["tree_size"], 10,
        "this read is record 11: no new checkpoint"
    );
    std::fs::write(&file, proof.to_string()).unwrap();
    let (code, out, err) = check(vec![&w1.vkey, &w2.vkey]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("cosigned by 2 witness(es)"), "{out}");
    let (_, kept) = get_text(&gw, "/v1/audit/checkpoint/test-node/cosigned").await;
    let kept_file = cat.file("kept.note");
    std::fs::write(&kept_file, &kept).unwrap();
    gw.stop().await;
    // A cosigned note is accepted by verify like any saved checkpoint.
    let kept_path = kept_file.display().to_string();
    let verify = [
        "audit",
        "verify",
        "--key",
        log_key.as_str(),
        "--checkpoint",
        kept_path.as_str(),
    ];
    let (code, out, err) = run_cli(&verify, cat.path());
    assert_eq!(code, 0, "{out}{err}");

    // The operator rewrites history: cut to 3, re-anchor, and carry on with other records.
    rewind(&cat, 3).await;
    let (code, _, err) = reanchor(&cat, "rewrite");
    assert_eq!(code, 0, "{err}");
    let gw = Gateway::start(cat.path()).await;
    serve_people(&gw, 8, "004").await;
    let (_, forged) = get_text(&gw, "/v1/audit/checkpoint/test-node").await;
    let forged = Checkpoint::open(&forged, &log).unwrap();
    assert!(forged.size > 9, "{}", forged.size);
    for w in [&w1, &w2] {
        let (code, err) = w.once(&gw, &log_key).await;
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains("REFUSED") && err.contains("history was rewritten"),
            "{err}"
        );
    }
    // verify, holding the cosigned checkpoint, sees the rewrite too.
    let (code, _, err) = run_cli(&verify, cat.path());
    assert_eq!(code, 1, "{err}");
    // Nothing was cosigned over the forged history.
    let (status, cosigned) = get_text(&gw, "/v1/audit/checkpoint/test-node/cosigned").await;
    assert_eq!(status, 404, "{cosigned}");
    gw.stop().await;
}
