//! Fresh API keys for `dxgate init` and `dxgate consumer add`: 256 random bits from the OS,
//! shown to the operator once; only their SHA-256 is written to `policies/consumers.toml`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// A new key: printed once, never stored.
pub struct ApiKey {
    /// `dxg_` + 43 base64url characters (the prefix lets secret scanners recognise a leaked key).
    pub secret: String,
    /// Hex SHA-256 of `secret`, as `api_key_sha256` wants it.
    pub sha256: String,
}

impl ApiKey {
    pub fn generate() -> ApiKey {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let secret = format!("dxg_{}", URL_SAFE_NO_PAD.encode(bytes));
        let sha256 = hex::encode(Sha256::digest(secret.as_bytes()));
        ApiKey { secret, sha256 }
    }
}

#[cfg(test)]
mod tests {
    use super::ApiKey;
    use sha2::{Digest, Sha256};

    #[test]
    fn keys_are_fresh_and_stored_as_the_sha256_of_their_text() {
        let (a, b) = (ApiKey::generate(), ApiKey::generate());
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.secret.len(), 4 + 43);
        assert!(a.secret.starts_with("dxg_"));
        // What `printf %s "$KEY" | sha256sum` prints, and what the key ring looks keys up by.
        assert_eq!(a.sha256, hex::encode(Sha256::digest(a.secret.as_bytes())));
    }
}
