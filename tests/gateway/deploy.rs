//! deploy/: the files Kubernetes and compose mount are assembled into the directory layout the
//! container sees, and `dxgate check` must accept it; plus the invariants the manifests promise.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml::Value;

use crate::common::*;

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn yaml(rel: &str) -> Value {
    let text = std::fs::read_to_string(repo().join(rel)).expect(rel);
    let mut v: Value = serde_yaml::from_str(&text).expect(rel);
    v.apply_merge().expect("merge keys");
    v
}

pub(crate) fn s(v: &Value) -> &str {
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

/// `kubectl kustomize deploy/k8s` (what `kubectl apply -k deploy/k8s` applies), as documents.
fn rendered() -> Option<Vec<Value>> {
    let kubectl = tools::require("kubectl", "the machine image ships it; .ci/run checks")?;
    let out = std::process::Command::new(kubectl)
        .args(["kustomize", "deploy/k8s"])
        .current_dir(repo())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "kubectl kustomize deploy/k8s: {err}");
    let text = String::from_utf8(out.stdout).unwrap();
    Some(
        serde_yaml::Deserializer::from_str(&text)
            .map(|d| Value::deserialize(d).unwrap())
            .collect(),
    )
}

/// The files of an image built by a Dockerfile: (path in the image, file or directory in the
/// build context), following `COPY` and `COPY --from=STAGE` through the stages.
fn image_files(dockerfile: &str, context: &Path) -> Vec<(String, PathBuf)> {
    let mut stages: BTreeMap<String, Vec<(String, PathBuf)>> = BTreeMap::new();
    let (mut current, mut files, mut workdir) = (String::new(), Vec::new(), "/".to_owned());
    for line in dockerfile.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["FROM", .., "AS", name] | ["FROM", .., "as", name] => {
                stages.insert(std::mem::take(&mut current), std::mem::take(&mut files));
                current = (*name).to_owned();
            }
            ["FROM", ..] => {
                stages.insert(std::mem::take(&mut current), std::mem::take(&mut files));
                current = "final".to_owned();
            }
            ["WORKDIR", dir] => workdir = (*dir).to_owned(),
            ["COPY", rest @ ..] => {
                let from = rest.iter().find_map(|w| w.strip_prefix("--from="));
                let args: Vec<&str> = rest
                    .iter()
                    .copied()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                let [src, dst] = args.as_slice() else {
                    panic!("one source per COPY: {line}")
                };
                let dst = if dst.starts_with('/') {
                    (*dst).to_owned()
                } else {
                    format!("{workdir}/{dst}")
                };
                let host = match from {
                    None => context.join(src),
                    Some(stage) => stages[stage]
                        .iter()
                        .find(|(p, _)| p == src)
                        .unwrap_or_else(|| panic!("stage {stage} has no {src}"))
                        .1
                        .clone(),
                };
                files.push((dst, host));
            }
            _ => {}
        }
    }
    files
}

#[test]
fn k8s_mounts_pass_dxgate_check() {
    // The ConfigMap and the Service the Deployment needs come out of kustomize itself: no file
    // outside deploy/k8s, no load restrictor flag.
    let Some(docs) = rendered() else { return };
    let kind = |k: &'static str| docs.iter().filter(move |d| d["kind"] == k);
    let d = kind("Deployment").next().expect("a Deployment");
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

    // No catalogue file rides in a ConfigMap (1 MiB each): only dxgate.toml does.
    for cm in kind("ConfigMap") {
        let keys: Vec<&str> = cm["data"].as_mapping().unwrap().keys().map(s).collect();
        assert_eq!(keys, ["dxgate.toml"], "{:?}", cm["metadata"]["name"]);
    }
    // Each volume's contents, as the kubelet would provide them.
    let root = tempfile::tempdir().unwrap();
    let volumes_dir = root.path().join("volumes");
    let volumes = pod["volumes"].as_sequence().unwrap();
    for v in volumes {
        let dir = volumes_dir.join(s(&v["name"]));
        std::fs::create_dir_all(&dir).unwrap();
        if let Some(name) = v["configMap"]["name"].as_str() {
            let cm = kind("ConfigMap")
                .find(|m| m["metadata"]["name"] == name)
                .unwrap_or_else(|| {
                    panic!("the Deployment mounts ConfigMap {name}, which is not rendered")
                });
            for (k, text) in cm["data"].as_mapping().unwrap() {
                std::fs::write(dir.join(s(k)), s(text)).unwrap();
            }
        } else if v["secret"]["secretName"] == "dxgate-secrets" {
            // What the Secret holds: a signing key made by `dxgate audit key`.
            let item = &v["secret"]["items"][0];
            assert_eq!(item["key"], "checkpoint.key");
            let key = dxgate::audit::note::NoteSigner::generate("dxgate.local/audit").unwrap();
            std::fs::write(dir.join(s(&item["path"])), key.private_key()).unwrap();
        } else {
            assert!(v.get("emptyDir").is_some(), "unexpected volume {v:?}");
        }
    }
    // The init container runs its command on its image's files and its mounts.
    let catalogue_dockerfile =
        std::fs::read_to_string(repo().join("deploy/catalogue/Dockerfile")).unwrap();
    assert!(
        catalogue_dockerfile.contains("\nRUN dxgate check --config "),
        "the catalogue image is checked when it is built"
    );
    for init in pod["initContainers"].as_sequence().unwrap() {
        assert!(
            s(&init["image"]).starts_with("dxgate-catalogue:"),
            "{init:?}"
        );
        let image = root.path().join("image");
        for (path, host) in image_files(&catalogue_dockerfile, &repo()) {
            copy(&host, &image.join(path.trim_start_matches('/')));
        }
        let mounts = init["volumeMounts"].as_sequence().unwrap();
        // Absolute paths in the command: under a mount, in its volume; else in the image.
        let place = |p: &str| -> String {
            for m in mounts {
                let rest = p.strip_prefix(s(&m["mountPath"]));
                if let Some(rest) = rest.filter(|r| r.is_empty() || r.starts_with('/')) {
                    return format!("{}{rest}", volumes_dir.join(s(&m["name"])).display());
                }
            }
            format!("{}{p}", image.display())
        };
        let cmd: Vec<String> = init["command"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|a| match s(a) {
                p if p.starts_with('/') => place(p),
                other => other.to_owned(),
            })
            .collect();
        let status = std::process::Command::new(&cmd[0])
            .args(&cmd[1..])
            .status()
            .unwrap();
        assert!(status.success(), "init container {cmd:?}");
    }
    // The gateway container's view of its mounts.
    for m in c["volumeMounts"].as_sequence().unwrap() {
        let target = root
            .path()
            .join("pod")
            .join(s(&m["mountPath"]).trim_start_matches('/'));
        let mut from = volumes_dir.join(s(&m["name"]));
        if let Some(sub) = m["subPath"].as_str() {
            from = from.join(sub);
        }
        assert!(
            from.exists(),
            "{m:?}: nothing to mount at {}",
            from.display()
        );
        copy(&from, &target);
    }
    let config = root
        .path()
        .join("pod")
        .join(config_dir.trim_start_matches('/'));
    let out = check_assembled(&config);
    assert!(
        out.contains("checkpoint key dxgate.local/audit+"),
        "the Secret's key is where dxgate.toml looks for it: {out}"
    );
    // A Secret holding something else is caught before any replica starts.
    std::fs::write(config.join("keys/checkpoint.key"), "not a key").unwrap();
    let err = cli_fails(&["check"], &config);
    assert!(err.contains("checkpoint signing key"), "{err}");

    let svc = kind("Service").next().expect("a Service");
    let component = "app.kubernetes.io/component";
    assert_eq!(
        svc["spec"]["selector"][component], d["spec"]["template"]["metadata"]["labels"][component],
        "the Service selects the gateway pods"
    );
    // The Kubernetes dxgate.toml and the one compose, the image and systemd use say the same.
    let toml_of = |rel: &str| -> toml::Value {
        toml::from_str(&std::fs::read_to_string(repo().join(rel)).unwrap()).unwrap()
    };
    assert_eq!(
        toml_of("deploy/k8s/dxgate.toml"),
        toml_of("deploy/config/dxgate.toml")
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
