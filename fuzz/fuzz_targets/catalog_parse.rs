//! Arbitrary bytes as an agency file, through the real catalogue loader (`config::load`):
//! it must report problems, never panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        let w = |rel: &str, text: &str| {
            let p = d.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("dxgate.toml", "");
        w("policies/consumers.toml", "consumers = []\n");
        w("policies/state-secrets.toml", "entries = []\n");
        w("schemas/r.json", r#"{"type":"object"}"#);
        std::fs::create_dir_all(d.path().join("policies/agencies")).unwrap();
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let d = dir();
    std::fs::write(d.path().join("policies/agencies/fuzz.toml"), data).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _ = rt.block_on(dxgate::config::load(d.path(), false));
});
