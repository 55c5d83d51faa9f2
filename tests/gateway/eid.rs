//! eID bearer tokens (real EdDSA and ES256 JWTs against a JWKS) and the citizen access log.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::common::catalogue::*;
use crate::common::tokens::{self, claims, SigningKey, AUDIENCE, ISSUER};
use crate::common::*;

const PEOPLE: &str = "/v1/data/alpha/people";

pub(crate) fn jwt_settings(jwks: &str) -> String {
    format!(
        "[jwt]\nissuer = \"{ISSUER}\"\naudiences = [\"{AUDIENCE}\"]\nalgorithms = [\"EdDSA\", \"ES256\"]\n{jwks}\n"
    )
}

/// Trust eID tokens signed by `keys`: their JWKS in `eid/jwks.json` and the `[jwt]` settings.
pub(crate) fn trust_eid(cat: &Catalogue, keys: &[&SigningKey]) {
    cat.write("eid/jwks.json", &tokens::jwks(keys));
    cat.append(
        "dxgate.toml",
        &jwt_settings("jwks_file = \"eid/jwks.json\""),
    );
}

/// The standard catalogue with the token-portal consumer, and the gateway on it; citizens'
/// eID tokens are signed by the returned key.
pub(crate) async fn with_citizens() -> (Upstream, Catalogue, SigningKey, Gateway) {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let ed = SigningKey::ed25519("k-ed");
    trust_eid(&cat, &[&ed]);
    cat.append("policies/consumers.toml", TOKEN_CONSUMER);
    let gw = Gateway::start(cat.path()).await;
    (up, cat, ed, gw)
}

pub(crate) const TOKEN_CONSUMER: &str =
    "[[consumers]]\nid = \"token-portal\"\nname = \"Portal (eID service account)\"\njwt_subject = \"svc-portal\"\n";

async fn with_token(gw: &Gateway, path: &str, token: &str) -> reqwest::Response {
    gw.get_for(token, path, "social-benefit").await
}

#[tokio::test]
async fn eid_tokens_authenticate_consumers_and_are_checked_strictly() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let (ed, ec, stranger) = (
        SigningKey::ed25519("k-ed"),
        SigningKey::es256("k-ec"),
        SigningKey::ed25519("k-unpublished"),
    );
    trust_eid(&cat, &[&ed, &ec]);
    cat.append("policies/consumers.toml", TOKEN_CONSUMER);
    let gw = Gateway::start(cat.path()).await;
    let path = format!("{PEOPLE}?citizen_id=001");

    for key in [&ed, &ec] {
        let r = with_token(&gw, &path, &key.token("svc-portal")).await;
        assert_eq!(r.status(), 200, "{:?}", key.alg);
        assert_eq!(
            record(&gw, &request_id(&r)).await["consumer"],
            "token-portal"
        );
    }

    let mut wrong_aud = claims("svc-portal", 600);
    wrong_aud["aud"] = json!("someone-else");
    let mut wrong_iss = claims("svc-portal", 600);
    wrong_iss["iss"] = json!("https://evil.example");
    let mut no_exp = claims("svc-portal", 600);
    no_exp.as_object_mut().unwrap().remove("exp");
    let mut not_yet = claims("svc-portal", 600);
    not_yet["nbf"] = json!(not_yet["iat"].as_i64().unwrap() + 3600);
    let good = ed.token("svc-portal");
    let (head, rest) = good.split_once('.').unwrap();
    let forged_payload = URL_SAFE_NO_PAD.encode(claims("oversight", 600).to_string());
    let forged = format!(
        "{head}.{forged_payload}.{}",
        rest.rsplit_once('.').unwrap().1
    );
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims("svc-portal", 600),
        &jsonwebtoken::EncodingKey::from_secret(b"guessable"),
    )
    .unwrap();
    let none_alg = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims("svc-portal", 600).to_string())
    );
    let cases = [
        ("expired", ed.sign(&claims("svc-portal", -3600)), "expired"),
        ("wrong audience", ed.sign(&wrong_aud), "audience"),
        ("wrong issuer", ed.sign(&wrong_iss), "issued"),
        ("no exp", ed.sign(&no_exp), "exp"),
        ("not yet valid", ed.sign(&not_yet), "not valid yet"),
        (
            "unknown key",
            stranger.token("svc-portal"),
            "does not publish",
        ),
        ("forged payload", forged, "signature"),
        ("HS256", hs256, "not accepted"),
        ("alg none", none_alg, ""),
    ];
    for (what, token, says) in cases {
        let r = with_token(&gw, &path, &token).await;
        assert_eq!(
            r.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\"",
            "{what}"
        );
        let (status, id, _, body) = parts(r).await;
        assert_eq!(status, 401, "{what}: {body}");
        assert!(
            body["detail"].as_str().unwrap().contains(says),
            "{what}: {body}"
        );
        let rec = record(&gw, &id).await;
        assert_eq!(rec["outcome"], "unauthenticated", "{what}");
        assert!(rec["consumer"].is_null());
    }

    // A citizen's token is not a consumer's: no data requests with it.
    let (status, id, _, body) = parts(with_token(&gw, &path, &ed.token("001")).await).await;
    assert_eq!(status, 401, "{body}");
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("/v1/me/access-log"));
    assert_eq!(record(&gw, &id).await["outcome"], "unauthenticated");
}

async fn access_log(gw: &Gateway, auth: Option<&str>, query: &str) -> (u16, Value) {
    let mut req = client().get(gw.url(&format!("/v1/me/access-log{query}")));
    if let Some(t) = auth {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn citizens_see_who_accessed_their_records_and_nothing_else() {
    let (_up, cat, ed, gw) = with_citizens().await;

    let served = gw
        .get(PORTAL_KEY, &format!("{PEOPLE}?citizen_id=001"))
        .await;
    let first_id = request_id(&served);
    let r = gw
        .get_for(
            POLICE_KEY,
            &format!("{PEOPLE}?citizen_id=001"),
            "criminal-investigation",
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        gw.get(PORTAL_KEY, &format!("{PEOPLE}?citizen_id=002"))
            .await
            .status(),
        200
    );
    let other = gw.get(PORTAL_KEY, HTTP_OK).await;
    let no_subject_id = request_id(&other);

    // The record keeps only the keyed hash: HMAC-SHA256 under the generated 0600 key file.
    let key_file = cat.file("keys/subject-hmac.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let key = hex::decode(std::fs::read_to_string(&key_file).unwrap().trim()).unwrap();
    let expected = hex::encode(ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key),
        b"001",
    ));
    assert_eq!(record(&gw, &first_id).await["subject_hash"], expected);
    assert!(record(&gw, &no_subject_id)
        .await
        .get("subject_hash")
        .is_none());

    let citizen_001 = ed.token("001");
    let (status, v) = access_log(&gw, Some(&citizen_001), "").await;
    assert_eq!(status, 200, "{v}");
    let accesses = v["accesses"].as_array().unwrap();
    assert_eq!(accesses.len(), 2, "{v}");
    let police = &accesses[0];
    assert_eq!(
        police["accessed_by"],
        json!({"id": "police", "name": "Police"})
    );
    assert_eq!(police["purpose"], "criminal-investigation");
    assert_eq!(police["outcome"], "served");
    assert_eq!(police["agency"]["name"], "Ministry of Alpha");
    assert_eq!(
        police["dataset"],
        json!({"id": "people", "title": "People (people)"})
    );
    assert!(police["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(accesses[1]["accessed_by"]["name"], "Service portal");
    assert_eq!(accesses[1]["request_id"], first_id);
    let text = v.to_string();
    for leak in ["sha256", "subject_hash", "An Nguyen", "http-ok"] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
    let (_, page) = access_log(&gw, Some(&citizen_001), "?limit=1").await;
    assert_eq!(page["accesses"].as_array().unwrap().len(), 1);
    let cursor = page["next_before"].as_str().unwrap();
    let (_, rest) = access_log(&gw, Some(&citizen_001), &format!("?before={cursor}")).await;
    assert_eq!(rest["accesses"][0]["accessed_by"]["id"], "portal");

    let (_, v) = access_log(&gw, Some(&ed.token("002")), "").await;
    assert_eq!(v["accesses"].as_array().unwrap().len(), 1);
    let (_, v) = access_log(&gw, Some(&ed.token("003")), "").await;
    assert_eq!(v["accesses"], json!([]));

    // No parameter can name someone else; consumers and API keys cannot call it.
    let (status, _) = access_log(&gw, Some(&ed.token("003")), "?citizen_id=001").await;
    assert_eq!(status, 400);
    let (status, _) = access_log(&gw, Some(PORTAL_KEY), "").await;
    assert_eq!(status, 403);
    let (status, _) = access_log(&gw, Some(OVERSIGHT_KEY), "").await;
    assert_eq!(status, 403);
    let (status, _) = access_log(&gw, Some(&ed.token("svc-portal")), "").await;
    assert_eq!(status, 403);
    let (status, _) = access_log(&gw, None, "").await;
    assert_eq!(status, 401);
    let (status, _) = access_log(&gw, Some(&ed.sign(&claims("001", -3600))), "").await;
    assert_eq!(status, 401);

    // Records with subject hashes still verify as one chain.
    gw.stop().await;
    let (code, out, err) = run_cli(&["audit", "verify"], cat.path());
    assert_eq!(code, 0, "{out}{err}");
}

#[tokio::test]
async fn jwks_url_picks_up_a_rotated_key_at_once() {
    let up = Upstream::start().await;
    let cat = Catalogue::on(&up);
    let (old, new) = (SigningKey::ed25519("k-2025"), SigningKey::es256("k-2026"));
    up.set_jwks(&tokens::jwks(&[&old]));
    cat.append(
        "dxgate.toml",
        &jwt_settings(&format!(
            "jwks_url = \"{}\"\njwks_cache_ttl = \"1h\"\njwks_refetch_interval = \"200ms\"",
            up.url("/jwks")
        )),
    );
    let gw = Gateway::start(cat.path()).await;
    let (status, _) = access_log(&gw, Some(&old.token("001")), "").await;
    assert_eq!(status, 200);
    let (status, v) = access_log(&gw, Some(&new.token("001")), "").await;
    assert_eq!(status, 401, "{v}");

    // The provider rotates: the next token with the new kid triggers one refetch.
    up.set_jwks(&tokens::jwks(&[&old, &new]));
    tokio::time::sleep(Duration::from_millis(250)).await;
    let (status, v) = access_log(&gw, Some(&new.token("001")), "").await;
    assert_eq!(status, 200, "{v}");

    // Unknown kids cannot make the gateway hammer the provider.
    let before = up.hits();
    for i in 0..20 {
        let t = SigningKey::ed25519(&format!("random-{i}")).token("001");
        assert_eq!(access_log(&gw, Some(&t), "").await.0, 401);
    }
    assert!(up.hits() - before <= 2, "refetches are rate limited");
}
