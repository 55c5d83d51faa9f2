//! Client certificates presented over mTLS: their SHA-256 fingerprint and subject DN.
//!
//! The certificate has already been verified against `[tls] client_ca` by rustls when we see it,
//! so the DER is well formed; the reader below still checks every length and never panics.
//! Subjects are rendered in certificate order as `C=VN,O=Ministry,CN=portal` (attributes of one
//! RDN joined with `+`, RFC 4514 escaping) and compared after [`normalize_dn`].

use sha2::{Digest, Sha256};

/// What the gateway knows about the client certificate of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCert {
    /// SHA-256 of the leaf certificate's DER.
    pub sha256: [u8; 32],
    /// The subject DN in canonical form, when it could be read.
    pub subject: Option<String>,
}

impl PeerCert {
    /// Fingerprint and subject of a DER-encoded leaf certificate.
    pub fn from_der(der: &[u8]) -> PeerCert {
        PeerCert {
            sha256: Sha256::digest(der).into(),
            subject: subject_dn(der).map(|s| normalize_dn(&s)),
        }
    }

    /// The fingerprint as 64 lowercase hex digits (the `cert_sha256` of consumers.toml).
    pub fn fingerprint_hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// One DER element: (tag, contents, rest).
fn tlv(buf: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *buf.first()?;
    let first = *buf.get(1)? as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *buf.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    Some((tag, buf.get(header..end)?, buf.get(end..)?))
}

/// The subject Name of a certificate, rendered (not yet normalized).
fn subject_dn(der: &[u8]) -> Option<String> {
    let (0x30, cert, _) = tlv(der)? else {
        return None;
    };
    let (0x30, tbs, _) = tlv(cert)? else {
        return None;
    };
    let (mut tag, mut body, mut rest) = tlv(tbs)?;
    if tag == 0xa0 {
        (tag, body, rest) = tlv(rest)?; // version → serial
    }
    let _ = (tag, body);
    // serial, signature algorithm, issuer, validity, then the subject.
    for _ in 0..3 {
        (_, _, rest) = tlv(rest)?;
    }
    let (0x30, name, _) = tlv(rest)? else {
        return None;
    };
    render_name(name)
}

fn render_name(mut name: &[u8]) -> Option<String> {
    let mut rdns = Vec::new();
    while !name.is_empty() {
        let (0x31, mut set, rest) = tlv(name)? else {
            return None;
        };
        name = rest;
        let mut attrs = Vec::new();
        while !set.is_empty() {
            let (0x30, atv, rest) = tlv(set)? else {
                return None;
            };
            set = rest;
            let (0x06, oid, value) = tlv(atv)? else {
                return None;
            };
            let (vtag, v, _) = tlv(value)?;
            attrs.push(format!(
                "{}={}",
                attr_name(oid),
                escape(&value_text(vtag, v))
            ));
        }
        rdns.push(attrs.join("+"));
    }
    Some(rdns.join(","))
}

fn attr_name(oid: &[u8]) -> String {
    match oid {
        [0x55, 0x04, 0x03] => "CN".into(),
        [0x55, 0x04, 0x05] => "SERIALNUMBER".into(),
        [0x55, 0x04, 0x06] => "C".into(),
        [0x55, 0x04, 0x07] => "L".into(),
        [0x55, 0x04, 0x08] => "ST".into(),
        [0x55, 0x04, 0x09] => "STREET".into(),
        [0x55, 0x04, 0x0a] => "O".into(),
        [0x55, 0x04, 0x0b] => "OU".into(),
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "EMAILADDRESS".into(),
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC".into(),
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => "UID".into(),
        other => dotted_oid(other),
    }
}

fn dotted_oid(oid: &[u8]) -> String {
    let mut parts: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for (i, b) in oid.iter().enumerate() {
        acc = (acc << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if parts.is_empty() && i < 8 {
                let first = (acc / 40).min(2);
                parts.push(first);
                parts.push(acc - first * 40);
            } else {
                parts.push(acc);
            }
            acc = 0;
        }
    }
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

fn value_text(tag: u8, v: &[u8]) -> String {
    match tag {
        // UTF8String, PrintableString, IA5String, NumericString, VisibleString
        0x0c | 0x13 | 0x16 | 0x12 | 0x1a => String::from_utf8_lossy(v).into_owned(),
        // TeletexString: treated as Latin-1, as most software does.
        0x14 => v.iter().map(|&b| char::from(b)).collect(),
        // BMPString: UTF-16BE.
        0x1e => {
            let units: Vec<u16> = v
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => format!("#{}", hex::encode(v)),
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Canonical form of a DN for comparison: RDNs split on unescaped `,`, attributes on
/// unescaped `+`, whitespace around separators dropped, attribute names upper-cased.
pub fn normalize_dn(dn: &str) -> String {
    split_unescaped(dn, ',', usize::MAX)
        .iter()
        .map(|rdn| {
            split_unescaped(rdn, '+', usize::MAX)
                .iter()
                .map(|atv| match split_unescaped(atv, '=', 2).as_slice() {
                    [name, value] => {
                        format!("{}={}", name.trim().to_ascii_uppercase(), value.trim())
                    }
                    _ => atv.trim().to_owned(),
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Split on unescaped `sep` into at most `max` parts; escapes are kept as written.
fn split_unescaped(s: &str, sep: char, max: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut escaped = false;
    for c in s.chars() {
        let last = out.len() - 1;
        if escaped {
            escaped = false;
            out[last].push(c);
        } else if c == '\\' {
            escaped = true;
            out[last].push(c);
        } else if c == sep && out.len() < max {
            out.push(String::new());
        } else {
            out[last].push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_spacing_and_case() {
        assert_eq!(
            normalize_dn("c = VN, o=Ministry of Justice ,  CN=portal"),
            "C=VN,O=Ministry of Justice,CN=portal"
        );
        assert_eq!(normalize_dn("CN=a\\,b"), "CN=a\\,b");
        assert_eq!(normalize_dn("CN=x+UID=7"), "CN=x+UID=7");
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        for bad in [
            &b""[..],
            b"\x30",
            b"\x30\x84\xff\xff\xff\xff",
            b"\x30\x03\x30\x01",
        ] {
            let p = PeerCert::from_der(bad);
            assert_eq!(p.subject, None);
        }
    }

    #[test]
    fn reads_the_subject_of_a_real_certificate() {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        let mut dn = rcgen::DistinguishedName::new();
        dn.push(rcgen::DnType::CountryName, "VN");
        dn.push(rcgen::DnType::OrganizationName, "Ministry, of Justice");
        dn.push(rcgen::DnType::CommonName, "portal");
        params.distinguished_name = dn;
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let p = PeerCert::from_der(cert.der());
        assert_eq!(
            p.subject.as_deref(),
            Some("C=VN,O=Ministry\\, of Justice,CN=portal")
        );
        assert_eq!(p.subject.as_deref().map(normalize_dn), p.subject);
        assert_eq!(p.fingerprint_hex().len(), 64);
    }

    #[test]
    fn oids_render_dotted() {
        assert_eq!(dotted_oid(&[0x2b, 0x06, 0x01, 0x04, 0x01]), "1.3.6.1.4.1");
        assert_eq!(attr_name(&[0x55, 0x04, 0x03]), "CN");
    }
}
