//! Requests the tests send a running [`Gateway`]: as a consumer with a purpose, as a consumer
//! without one (the audit, oversight and catalogue APIs), or without credentials — and the
//! variants that insist on a 200 answer.

use serde_json::Value;

use super::{client, get_over, Gateway};

impl Gateway {
    /// GET a data path as `key` with a purpose.
    pub async fn get(&self, key: &str, path: &str) -> reqwest::Response {
        self.get_for(key, path, "social-benefit").await
    }

    /// GET a data path as `key` for `purpose`.
    pub async fn get_for(&self, key: &str, path: &str, purpose: &str) -> reqwest::Response {
        get_over(&client(), &self.url(path), key, purpose).await
    }

    /// GET `path` as `key`, with no purpose (the audit, oversight and catalogue APIs).
    pub async fn get_as(&self, key: &str, path: &str) -> reqwest::Response {
        client()
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .expect("request")
    }

    /// GET a data path as `key` with a purpose: the status code.
    pub async fn status(&self, key: &str, path: &str) -> u16 {
        self.get(key, path).await.status().as_u16()
    }

    /// GET `path` without credentials.
    pub async fn anon(&self, path: &str) -> reqwest::Response {
        client().get(self.url(path)).send().await.expect("request")
    }

    /// GET `path` without credentials: the body as text.
    pub async fn anon_text(&self, path: &str) -> String {
        self.anon(path).await.text().await.expect("body")
    }

    /// GET `path` without credentials: the body as JSON.
    pub async fn anon_json(&self, path: &str) -> Value {
        self.anon(path).await.json().await.expect("JSON body")
    }

    /// GET `path` without credentials: the status code.
    pub async fn anon_status(&self, path: &str) -> u16 {
        self.anon(path).await.status().as_u16()
    }

    /// GET a data path as `key` with a purpose, which must be served (200): the answer.
    pub async fn served(&self, key: &str, path: &str) -> reqwest::Response {
        let r = self.get(key, path).await;
        assert_eq!(r.status(), 200, "GET {path} should be served");
        r
    }

    /// GET `path` as `key` with no purpose, which must answer 200: the JSON body.
    pub async fn json_as(&self, key: &str, path: &str) -> Value {
        let r = self.get_as(key, path).await;
        assert_eq!(r.status(), 200, "GET {path} should answer 200");
        r.json().await.expect("JSON body")
    }

    /// GET `path` without credentials, which must answer 200: the JSON body.
    pub async fn anon_ok_json(&self, path: &str) -> Value {
        let r = self.anon(path).await;
        assert_eq!(r.status(), 200, "GET {path} should answer 200");
        r.json().await.expect("JSON body")
    }

    /// The line of `/metrics` that starts with `name` (empty when there is none).
    pub async fn metric(&self, name: &str) -> String {
        let text = self.anon_text("/metrics").await;
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_default()
            .to_owned()
    }
}

/// `n` requests for citizen `who` in `alpha/people` as the portal, each served.
pub async fn serve_people(gw: &Gateway, n: usize, who: &str) {
    let path = format!("/v1/data/alpha/people?citizen_id={who}");
    for _ in 0..n {
        gw.served(super::catalogue::PORTAL_KEY, &path).await;
    }
}
