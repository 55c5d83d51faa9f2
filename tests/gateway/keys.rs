//! Issue 12: keys handled as keys — created under keys/ (0600), never in the data directory;
//! refused at start when others may read them; `dxgate audit rotate-key` keeps the old key
//! trusted, so what it signed still verifies and the writer's anchor still holds.

use dxgate::config::Overrides;

use crate::common::catalogue::*;
use crate::common::*;

fn every_two(cat: &Catalogue) {
    cat.write(
        "dxgate.toml",
        "# operator's comment\n[server]\nnode_id = \"test-node\"\n[audit]\ncheckpoint_every = 2\ncheckpoint_interval = \"1h\"\n",
    );
}

#[tokio::test]
async fn keys_live_under_keys_and_a_rotation_keeps_everything_verifiable() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    every_two(&cat);
    let gw = Gateway::start(cat.path()).await;
    serve_people(&gw, 1, "001").await;
    serve_people(&gw, 1, "002").await;
    gw.stop().await;
    for key in ["checkpoint.key", "subject-hmac.key", "payload-hmac.key"] {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(cat.file(&format!("keys/{key}"))).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{key}");
        }
        assert!(!cat.file(&format!("data/{key}")).exists(), "{key} in data/");
    }
    let (_, old_key, _) = run_cli(&["audit", "key"], cat.path());
    let old_key = old_key.trim().to_owned();

    let old_anchor = cat.read("keys/anchors/test-node.checkpoint");
    let (code, out, err) = run_cli(&["audit", "rotate-key"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 anchor(s) re-signed"), "{out}");
    let new_key = out.lines().last().unwrap().trim().to_owned();
    assert_ne!(new_key, old_key);
    let (_, printed, _) = run_cli(&["audit", "key"], cat.path());
    assert_eq!(printed.trim(), new_key);
    let toml = cat.read("dxgate.toml");
    assert!(toml.starts_with("# operator's comment\n"), "{toml}");
    assert!(toml.contains(&old_key) && toml.contains(&new_key), "{toml}");
    let retired = std::fs::read_dir(cat.file("keys"))
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy()
                .starts_with("checkpoint.key.retired-")
        })
        .count();
    assert_eq!(retired, 1);

    assert_ne!(cat.read("keys/anchors/test-node.checkpoint"), old_anchor);

    // A replica whose anchor rotate-key did not re-sign: the old key is in trusted_keys, so
    // the restarted writer accepts the anchor it signed, and signs with the new key.
    cat.write("keys/anchors/test-node.checkpoint", &old_anchor);
    let gw = Gateway::start(cat.path()).await;
    serve_people(&gw, 1, "003").await;
    serve_people(&gw, 1, "004").await;
    let r = client().get(gw.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    gw.stop().await;
    // Checkpoints by the old key and by the new one all verify (both trusted by dxgate.toml).
    let (code, out, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("6 records verified, 5 checkpoint signatures valid"),
        "{out}"
    );
    assert!(!err.contains("WARNING"), "{err}");
}

#[cfg(unix)]
#[tokio::test]
async fn a_key_others_can_read_stops_the_gateway() {
    use std::os::unix::fs::PermissionsExt;
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let gw = Gateway::start(cat.path()).await;
    gw.stop().await;
    let key = cat.file("keys/payload-hmac.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let overrides = Overrides {
        listen: Some("127.0.0.1:0".into()),
        ..Overrides::default()
    };
    let loaded = dxgate::config::load(cat.path(), &overrides).unwrap();
    let err = match dxgate::gateway::start(loaded, overrides, None).await {
        Ok(_) => panic!("started with a world-readable key"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("payload-hmac.key has mode 0644") && err.contains("chmod 600"),
        "{err}"
    );
}

/// Archive segments are signed once, when archived: after `rotate-key` they verify through the
/// old key kept in `[audit] trusted_keys`, and only through it.
#[tokio::test]
async fn archives_signed_by_the_old_key_verify_after_rotate_key() {
    // `audit archive` reads the whole configuration (it catches the ranking rollups up).
    let cat = crate::common::Catalogue::new("http://127.0.0.1:9");
    let d = cat.path();
    let url = format!("sqlite://{}/data/audit.db", d.display());
    let env = [("DXGATE_STORE_URL", url.as_str())];
    let old = dxgate::audit::note::NoteSigner::generate("dxgate.local/audit").unwrap();
    std::fs::create_dir_all(d.join("keys")).unwrap();
    std::fs::create_dir_all(d.join("data")).unwrap();
    std::fs::write(d.join("keys/checkpoint.key"), old.private_key()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(d.join("keys/checkpoint.key"), mode).unwrap();
    }
    let store = dxgate::audit::Store::open(&url).await.unwrap();
    crate::retention::fill(&store, &old).await;
    store.close().await;
    let (code, out, err) = run_cli_env(&["audit", "archive", "--before", "2024-02-01"], d, &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("archived chain node-r seq 1..=512"), "{out}");

    let (code, out, err) = run_cli_env(&["audit", "rotate-key"], d, &env);
    assert_eq!(code, 0, "{out}{err}");
    let new_key = out.lines().last().unwrap().trim().to_owned();
    assert_ne!(new_key, old.verifier_key());
    let (_, printed, _) = run_cli_env(&["audit", "key"], d, &env);
    assert_eq!(
        printed.trim(),
        new_key,
        "the store's key is now the new one"
    );

    // Independent verification (keys from dxgate.toml, not the private key), files re-read.
    let (code, out, err) = run_cli_env(&["audit", "verify", "--archive-files"], d, &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("chain node-r: 662 records (512 archived, walked from seq 513)"),
        "{out}"
    );
    assert!(
        !err.contains("WARNING") && !out.contains("NOT INDEPENDENT"),
        "{out}{err}"
    );

    // Without the old key the segment's checkpoint is refused: the old key is what vouches.
    let toml = std::fs::read_to_string(d.join("dxgate.toml")).unwrap();
    let only_new = toml.replace(&format!("\"{}\"", old.verifier_key()), "");
    assert_ne!(only_new, toml);
    std::fs::write(d.join("dxgate.toml"), only_new.replace("[, ", "[")).unwrap();
    let (code, out, err) = run_cli_env(&["audit", "verify", "--archive-files"], d, &env);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("archived segment from seq 1: its checkpoint"),
        "{err}"
    );
    // Given back out of band, it verifies again.
    let args = ["audit", "verify", "--key", &old.verifier_key()];
    let (code, out, err) = run_cli_env(&args, d, &env);
    assert_eq!(code, 0, "{out}{err}");
}
