//! Arbitrary details and request ids through `Problem::render`: the body is always valid
//! problem+json carrying the detail verbatim, never a panic or broken JSON.
#![no_main]

use dxgate::server::problem::{Problem, ProblemKind};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;

const KINDS: &[ProblemKind] = &[
    ProblemKind::Unauthenticated,
    ProblemKind::Forbidden,
    ProblemKind::RateLimited,
    ProblemKind::NotFound,
    ProblemKind::InvalidRequest,
    ProblemKind::PayloadTooLarge,
    ProblemKind::SourceError,
    ProblemKind::AuditUnavailable,
];

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (detail, id) = text.split_once('\u{0}').unwrap_or((&text, ""));
    let kind = KINDS[k as usize % KINDS.len()];
    let resp = Problem::new(kind, detail.to_owned()).render(Some(id).filter(|s| !s.is_empty()));
    assert_eq!(resp.status(), kind.status());
    let body = futures_body(resp.into_body());
    let v: serde_json::Value = serde_json::from_slice(&body).expect("valid JSON");
    assert_eq!(v["detail"], detail);
    assert_eq!(v["status"], kind.status().as_u16());
});

fn futures_body(b: http_body_util::Full<bytes::Bytes>) -> bytes::Bytes {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(b.collect()).unwrap().to_bytes()
}
