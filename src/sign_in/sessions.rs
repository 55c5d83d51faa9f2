//! Server-side state of staff sign-in: the sign-ins under way (state → nonce, PKCE verifier,
//! where to go next) and the sessions (SHA-256 of the cookie's random value → consumer). The
//! cookie carries only an opaque 256-bit random value; expiry is decided here, never by the
//! browser. Both maps are bounded and purged of expired entries as they are used.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

/// Most sign-ins under way at once (each is a few hundred bytes).
const MAX_PENDING: usize = 10_000;
/// Most sessions at once.
const MAX_SESSIONS: usize = 100_000;

/// 32 random bytes, base64url without padding (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random generator works");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// PKCE S256: base64url(SHA-256(verifier)).
pub fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// One sign-in under way.
#[derive(Debug, Clone)]
pub struct Pending {
    pub nonce: String,
    pub verifier: String,
    /// Local path to land on once signed in.
    pub next: String,
    expires: Instant,
}

/// One staff session.
#[derive(Debug, Clone)]
struct Session {
    consumer: String,
    expires: Instant,
}

/// The sign-ins under way and the sessions.
pub struct Sessions {
    pending: Mutex<HashMap<String, Pending>>,
    sessions: Mutex<HashMap<[u8; 32], Session>>,
    login_timeout: Duration,
    ttl: Duration,
}

impl Sessions {
    pub fn new(login_timeout: Duration, ttl: Duration) -> Sessions {
        Sessions {
            pending: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            login_timeout,
            ttl,
        }
    }

    /// Remember a new sign-in; returns its state, or `None` when too many are under way.
    pub fn begin(&self, nonce: String, verifier: String, next: String) -> Option<String> {
        let now = Instant::now();
        let mut pending = self.pending.lock().expect("pending sign-ins");
        pending.retain(|_, p| p.expires > now);
        if pending.len() >= MAX_PENDING {
            return None;
        }
        let state = random_token();
        let expires = now + self.login_timeout;
        let p = Pending {
            nonce,
            verifier,
            next,
            expires,
        };
        pending.insert(state.clone(), p);
        Some(state)
    }

    /// Take the sign-in of `state` (once: a second callback with it finds nothing).
    pub fn take(&self, state: &str) -> Option<Pending> {
        let p = self
            .pending
            .lock()
            .expect("pending sign-ins")
            .remove(state)?;
        (p.expires > Instant::now()).then_some(p)
    }

    /// Open a session for `consumer`; returns the cookie value, or `None` when full.
    pub fn open(&self, consumer: &str) -> Option<String> {
        let now = Instant::now();
        let mut sessions = self.sessions.lock().expect("sessions");
        sessions.retain(|_, s| s.expires > now);
        if sessions.len() >= MAX_SESSIONS {
            return None;
        }
        let token = random_token();
        let s = Session {
            consumer: consumer.to_owned(),
            expires: now + self.ttl,
        };
        sessions.insert(Sha256::digest(token.as_bytes()).into(), s);
        Some(token)
    }

    /// The consumer of the session `token` names, while it lasts.
    pub fn consumer(&self, token: &str) -> Option<String> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut sessions = self.sessions.lock().expect("sessions");
        match sessions.get(&key) {
            Some(s) if s.expires > Instant::now() => Some(s.consumer.clone()),
            Some(_) => {
                sessions.remove(&key);
                None
            }
            None => None,
        }
    }

    /// End the session `token` names (sign-out); true if there was one.
    pub fn close(&self, token: &str) -> bool {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        self.sessions
            .lock()
            .expect("sessions")
            .remove(&key)
            .is_some()
    }

    /// Sessions open now (for tests and metrics).
    pub fn open_sessions(&self) -> usize {
        let now = Instant::now();
        let sessions = self.sessions.lock().expect("sessions");
        sessions.values().filter(|s| s.expires > now).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn sessions_expire_server_side_and_states_are_single_use() {
        let s = Sessions::new(Duration::from_secs(600), Duration::from_secs(3600));
        let state = s.begin("n".into(), "v".into(), "/agency".into()).unwrap();
        assert_eq!(state.len(), 43);
        assert_eq!(s.take(&state).unwrap().next, "/agency");
        assert!(s.take(&state).is_none(), "a state is used once");
        let late = s.begin("n".into(), "v".into(), "/".into()).unwrap();
        tokio::time::advance(Duration::from_secs(601)).await;
        assert!(s.take(&late).is_none(), "a sign-in expires");

        let token = s.open("oversight-1").unwrap();
        assert_eq!(s.consumer(&token).as_deref(), Some("oversight-1"));
        assert!(s.consumer("forged").is_none());
        tokio::time::advance(Duration::from_secs(3599)).await;
        assert_eq!(s.open_sessions(), 1);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(
            s.consumer(&token).is_none(),
            "expiry is decided by the server"
        );
        let again = s.open("oversight-1").unwrap();
        assert!(s.close(&again) && s.consumer(&again).is_none());
    }

    #[test]
    fn pkce_s256_as_rfc_7636_appendix_b() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
