//! [`Digest`]: a SHA-256 (or HMAC-SHA256) value — chain hashes, Merkle nodes and roots, payload
//! and subject hashes. Hex appears only at the edges (store columns, JSON, the CLI), and bad hex
//! is an error there, never a zero hash.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

/// 32 bytes of hash output.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Digest([u8; 32]);

/// Text that is not 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a hash must be 64 lowercase hex digits (got {len} characters{what})")]
pub struct BadDigest {
    len: usize,
    what: &'static str,
}

impl Digest {
    /// All zeros: the `prev_hash` of the first record of every chain.
    pub const ZERO: Digest = Digest([0; 32]);

    pub const fn from_bytes(bytes: [u8; 32]) -> Digest {
        Digest(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// SHA-256 of `data`.
    pub fn sha256(data: impl AsRef<[u8]>) -> Digest {
        Digest(Sha256::digest(data).into())
    }

    /// Parse exactly 64 lowercase hex digits, the only form dxgate writes: accepting other
    /// spellings would let two texts stand for one hash.
    pub fn from_hex(s: &str) -> Result<Digest, BadDigest> {
        let bad = |what| BadDigest { len: s.len(), what };
        if s.len() != 64 {
            return Err(bad(""));
        }
        if !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(bad(", not all 0-9 a-f"));
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| bad(", not hex"))?;
        Ok(Digest(out))
    }

    /// 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The hex digits as bytes, without allocating (for hashing the hex form).
    pub fn hex_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        // 32 bytes always fit in 64 hex digits.
        let _ = hex::encode_to_slice(self.0, &mut out);
        out
    }
}

impl From<[u8; 32]> for Digest {
    fn from(bytes: [u8; 32]) -> Digest {
        Digest(bytes)
    }
}

impl FromStr for Digest {
    type Err = BadDigest;

    fn from_str(s: &str) -> Result<Digest, BadDigest> {
        Digest::from_hex(s)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Digest, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(de)?;
        Digest::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_bad_hex_is_an_error() {
        let d = Digest::sha256(b"");
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(d.to_hex(), hex);
        assert_eq!(d.to_string(), hex);
        assert_eq!(&d.hex_bytes()[..], hex.as_bytes());
        assert_eq!(Digest::from_hex(hex), Ok(d));
        assert_eq!(hex.parse::<Digest>(), Ok(d));
        assert!(Digest::from_hex("").is_err());
        assert!(Digest::from_hex(&hex[..62]).is_err());
        assert!(Digest::from_hex(&hex.to_uppercase()).is_err());
        assert!(Digest::from_hex(&format!("{}zz", &hex[..62])).is_err());
        assert_eq!(Digest::from_hex(&"0".repeat(64)), Ok(Digest::ZERO));
    }

    #[test]
    fn json_is_the_hex_string() {
        let d = Digest::sha256(b"x");
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, format!("\"{}\"", d.to_hex()));
        assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), d);
        assert!(serde_json::from_str::<Digest>("\"ab\"").is_err());
        assert!(serde_json::from_str::<Digest>("7").is_err());
    }
}
