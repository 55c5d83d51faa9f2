//! deploy/: the files Kubernetes and compose mount are assembled into the directory layout the
//! container sees, and `dxgate check` must accept it; plus the invariants the manifests promise.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_yaml::Value;

use crate::common::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(rel: &str) -> Value {
    let text = std::fs::read_to_string(repo().join(rel)).expect(rel);
    let mut v: Value = serde_yaml::from_str(&text).expect(rel);
    v.apply_merge().expect("merge keys");
    v
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            copy(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    }
}

/// Relative paths of every file under `dir`.
fn files(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                let rel = e
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel);
            }
        }
    }
    out
}

/// `dxgate check` on the assembled config dir, and nothing of the catalogue left out.
fn check_assembled(config: &Path) -> String {
    for sub in ["policies", "schemas", "seeds"] {
        // Documentation (README.md) and the demo agency APIs' data (seeds/http/, served by
        // `dxgate demo-agencies`, not by the gateway) live beside the catalogue but are not
        // part of it.
        let missing: Vec<_> = files(&repo().join(sub))
            .difference(&files(&config.join(sub)))
            .filter(|f| !f.ends_with(".md") && !f.starts_with("http/"))
            .cloned()
            .collect();
        assert!(missing.is_empty(), "{sub}/ files not mounted: {missing:?}");
    }
    let (code, out, err) = run_cli(&["check"], config);
    assert_eq!(code, 0, "dxgate check on the mounted layout:\n{out}{err}");
    out
}

#[test]
fn k8s_mounts_pass_dxgate_check() {
    let k = yaml("deploy/k8s/kustomization.yaml");
    // ConfigMap name -> key -> source file.
    let mut maps: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
    for g in k["configMapGenerator"].as_sequence().unwrap() {
        let entry = maps.entry(s(&g["name"]).to_owned()).or_default();
        for f in g["files"].as_sequence().unwrap() {
            let (key, src) = s(f).split_once('=').expect("key=path");
            entry.insert(key.to_owned(), repo().join("deploy/k8s").join(src));
        }
    }
    let d = yaml("deploy/k8s/deployment.yaml");
    assert_eq!(d["spec"]["replicas"].as_u64(), Some(3));
    let pod = &d["spec"]["template"]["spec"];
    let c = &pod["containers"][0];
    let env = c["env"].as_sequence().unwrap();
    let node = env.iter().find(|e| e["name"] == "DXGATE_NODE_ID").unwrap();
    assert_eq!(node["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name");
    assert!(env.iter().any(|e| e["name"] == "DXGATE_STORE_URL"
        && e["valueFrom"]["secretKeyRef"]["name"] == "dxgate-secrets"));
    let args: Vec<&str> = c["args"].as_sequence().unwrap().iter().map(s).collect();
    let config_dir = args[args.iter().position(|a| *a == "--config").unwrap() + 1];

    let root = tempfile::tempdir().unwrap();
    let volumes = pod["volumes"].as_sequence().unwrap();
    for m in c["volumeMounts"].as_sequence().unwrap() {
        let vol = volumes.iter().find(|v| v["name"] == m["name"]).unwrap();
        let target = root.path().join(s(&m["mountPath"]).trim_start_matches('/'));
        if vol["secret"]["secretName"] == "dxgate-secrets" {
            // What the Secret holds: a signing key made by `dxgate audit key`.
            let item = &vol["secret"]["items"][0];
            assert_eq!(item["key"], "checkpoint.key");
            let key = dxgate::audit::note::NoteSigner::generate("dxgate.local/audit").unwrap();
            let path = target.join(s(&item["path"]));
            std::fs::create_dir_all(&target).unwrap();
            std::fs::write(path, key.private_key()).unwrap();
            continue;
        }
        let Some(cm) = vol["configMap"]["name"].as_str() else {
            continue;
        };
        let data = maps
            .get(cm)
            .unwrap_or_else(|| panic!("no ConfigMap {cm} is generated"));
        if let Some(sub) = m["subPath"].as_str() {
            copy(&data[sub], &target);
        } else if let Some(items) = vol["configMap"]["items"].as_sequence() {
            for it in items {
                let src = data
                    .get(s(&it["key"]))
                    .unwrap_or_else(|| panic!("{cm} has no key {:?}", it["key"]));
                copy(src, &target.join(s(&it["path"])));
            }
        } else {
            for (key, src) in data {
                copy(src, &target.join(key));
            }
        }
    }
    let config = root.path().join(config_dir.trim_start_matches('/'));
    let out = check_assembled(&config);
    assert!(
        out.contains("checkpoint key dxgate.local/audit+"),
        "the Secret's key is where dxgate.toml looks for it: {out}"
    );
    // A Secret holding something else is caught before any replica starts.
    std::fs::write(config.join("keys/checkpoint.key"), "not a key").unwrap();
    let (code, _, err) = run_cli(&["check"], &config);
    assert_eq!(code, 1);
    assert!(err.contains("checkpoint signing key"), "{err}");

    let svc = yaml("deploy/k8s/service.yaml");
    let component = "app.kubernetes.io/component";
    assert_eq!(
        svc["spec"]["selector"][component], d["spec"]["template"]["metadata"]["labels"][component],
        "the Service selects the gateway pods"
    );
}

#[test]
fn compose_mounts_pass_dxgate_check() {
    let c = yaml("deploy/compose.yaml");
    let services = c["services"].as_mapping().unwrap();
    let gateways: Vec<&Value> = services
        .iter()
        .filter(|(k, _)| s(k).starts_with("gateway"))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(gateways.len(), 2);
    let ids: BTreeSet<&str> = gateways
        .iter()
        .map(|g| s(&g["environment"]["DXGATE_NODE_ID"]))
        .collect();
    assert_eq!(ids.len(), 2, "each replica has its own chain: {ids:?}");
    for g in &gateways {
        assert!(s(&g["environment"]["DXGATE_STORE_URL"]).starts_with("postgres://"));
        let root = tempfile::tempdir().unwrap();
        for v in g["volumes"].as_sequence().unwrap() {
            let mut parts = s(v).split(':');
            let (src, dst) = (parts.next().unwrap(), parts.next().unwrap());
            if src.starts_with('.') {
                let from = repo().join("deploy").join(src);
                if from.exists() {
                    copy(&from, &root.path().join(dst.trim_start_matches('/')));
                }
            }
        }
        check_assembled(&root.path().join("etc/dxgate"));
        // The compose key directory starts empty: the first replica creates the key.
    }
}

#[test]
fn dockerfile_and_systemd_unit_keep_their_promises() {
    let docker = std::fs::read_to_string(repo().join("deploy/Dockerfile")).unwrap();
    assert!(
        docker.matches("\nFROM ").count() + usize::from(docker.starts_with("FROM ")) >= 2,
        "multi-stage"
    );
    assert!(docker.contains("cargo build --release"));
    assert!(docker.contains("USER 10001"), "runs as non-root");
    for line in docker
        .lines()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from"))
    {
        let src = line.split_whitespace().nth(1).unwrap();
        assert!(
            repo().join(src).exists(),
            "Dockerfile copies a missing path: {line}"
        );
    }
    let unit = std::fs::read_to_string(repo().join("deploy/systemd/dxgate.service")).unwrap();
    for d in [
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "User=dxgate",
    ] {
        assert!(unit.contains(d), "systemd unit lacks {d}");
    }
}
