//! Issue 12 item 6 in deploy/: every manifest keeps the keys under `keys/`, apart from the data
//! directory, with modes the gateway accepts at start, and keeps each writer's anchor where it
//! outlives the process that writes it (a chain with records and no anchor does not serve).

use std::path::Path;

use serde_yaml::Value;

use crate::deploy::{repo, s, yaml};

/// The key and state paths of a deploy `dxgate.toml`.
struct Paths {
    keys: Vec<String>,
    anchor_dir: String,
    archive_dir: String,
}

fn paths(rel: &str) -> Paths {
    let text = std::fs::read_to_string(repo().join(rel)).unwrap();
    let t: toml::Value = toml::from_str(&text).unwrap();
    let get = |table: &str, key: &str| t[table][key].as_str().unwrap().to_owned();
    Paths {
        keys: vec![
            get("audit", "signing_key"),
            get("audit", "payload_key_file"),
            get("subjects", "hmac_key_file"),
        ],
        anchor_dir: get("audit", "anchor_dir"),
        archive_dir: get("audit", "archive_dir"),
    }
}

fn under(path: &str, dir: &str) -> bool {
    Path::new(path).starts_with(dir)
}

#[test]
fn deploy_configs_keep_keys_under_keys_and_state_under_data() {
    for rel in ["deploy/config/dxgate.toml", "deploy/k8s/dxgate.toml"] {
        let p = paths(rel);
        for k in &p.keys {
            assert!(under(k, "keys") && !under(k, "data"), "{rel}: key {k}");
        }
        // keys/ may be a read-only Secret: what the writer writes lives on data/.
        for dir in [&p.anchor_dir, &p.archive_dir] {
            assert!(under(dir, "data"), "{rel}: {dir}");
        }
    }
}

/// A volume's mount in `service`'s `volumes` list at `target`: its source.
fn compose_source<'a>(service: &'a Value, target: &str) -> Option<&'a str> {
    let mounts = service["volumes"].as_sequence()?;
    mounts.iter().map(s).find_map(|m| {
        let mut parts = m.split(':');
        let (src, dst) = (parts.next()?, parts.next()?);
        (dst == target).then_some(src)
    })
}

#[test]
fn compose_keeps_keys_apart_and_anchors_on_a_named_volume() {
    let c = yaml("deploy/compose.yaml");
    let named = c["volumes"].as_mapping().expect("top-level volumes");
    let gateways: Vec<&Value> = (c["services"].as_mapping().unwrap().iter())
        .filter(|(k, _)| s(k).starts_with("gateway"))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(gateways.len(), 2);
    for g in gateways {
        let keys = compose_source(g, "/etc/dxgate/keys").expect("a keys mount");
        assert!(
            keys.starts_with("./"),
            "keys from the host directory: {keys}"
        );
        // data/ (anchors, archives) must survive `docker compose up --build`, which
        // re-creates the containers and with them anything not on a volume.
        let data = compose_source(g, "/etc/dxgate/data").expect("a data/ volume");
        assert_ne!(data, keys);
        assert!(
            named.contains_key(data),
            "data/ is the named volume {data}, declared under volumes:"
        );
    }
}

#[test]
fn k8s_keys_come_from_a_secret_in_a_mode_the_gateway_accepts() {
    let d = yaml("deploy/k8s/deployment.yaml");
    let pod = &d["spec"]["template"]["spec"];
    let volumes = pod["volumes"].as_sequence().unwrap();
    let mounts = pod["containers"][0]["volumeMounts"].as_sequence().unwrap();
    let mount = |path: &str| {
        mounts
            .iter()
            .find(|m| s(&m["mountPath"]) == path)
            .unwrap_or_else(|| panic!("nothing mounted at {path}"))
    };
    let keys = mount("/etc/dxgate/keys");
    assert_eq!(keys["readOnly"].as_bool(), Some(true));
    let vol = |name: &str| volumes.iter().find(|v| s(&v["name"]) == name).unwrap();
    let secret = &vol(s(&keys["name"]))["secret"];
    // Kubernetes reads YAML 1.1, where `0440` is octal; serde_yaml keeps it as text.
    let mode = match &secret["defaultMode"] {
        Value::String(t) => u32::from_str_radix(t.trim_start_matches("0o"), 8).unwrap(),
        n => n.as_u64().expect("defaultMode") as u32,
    };
    assert_eq!(mode, 0o440, "readable by the pod's group (fsGroup) only");
    let items: Vec<&str> = (secret["items"].as_sequence().unwrap().iter())
        .map(|i| s(&i["path"]))
        .collect();
    let p = paths("deploy/k8s/dxgate.toml");
    let dir = tempfile::tempdir().unwrap();
    for k in &p.keys {
        let name = k.strip_prefix("keys/").unwrap();
        assert!(items.contains(&name), "the Secret provides {k}: {items:?}");
        // The Secret's files get `defaultMode`: the start-up check must accept it.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = dir.path().join(name);
            std::fs::write(&file, "k").unwrap();
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
            dxgate::audit::keys::check_private(&file).unwrap();
        }
    }
    // Anchors on a writable volume of the pod, not the Secret: it lives as long as the pod,
    // whose name is the chain's node id, so the anchor lasts as long as the chain is written.
    let data = mount("/etc/dxgate/data");
    assert_ne!(data["readOnly"].as_bool(), Some(true));
    assert!(under(&p.anchor_dir, "data"));
    let node = pod["containers"][0]["env"].as_sequence().unwrap();
    let node = node.iter().find(|e| e["name"] == "DXGATE_NODE_ID").unwrap();
    assert_eq!(node["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name");
}

#[test]
fn systemd_keeps_keys_in_their_own_private_directory() {
    let unit = std::fs::read_to_string(repo().join("deploy/systemd/dxgate.service")).unwrap();
    assert!(unit.contains("install -d -o dxgate -g dxgate -m 0700 /var/lib/dxgate/keys"));
    assert!(unit.contains("ln -s /var/lib/dxgate/keys /etc/dxgate/keys"));
    assert!(
        unit.contains("UMask=0077"),
        "files the gateway creates are its own"
    );
}
