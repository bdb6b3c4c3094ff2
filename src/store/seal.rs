//! The vault's record format: a clear header line (what is not secret) and a
//! body sealed with XChaCha20-Poly1305 under the vault key, the header bytes
//! bound as associated data so a record cannot be edited or swapped for
//! another's without failing to open.
//!
//! A record file is `<header JSON>\n<24-byte nonce><ciphertext and tag>`.
//! JSON escapes newlines inside strings, so the first `\n` ends the header.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::index::IndexEntry;

/// The record format this build writes and reads. A record from a later
/// version is treated as absent (and replaced on the next write).
pub const STORE_VERSION: u32 = 1;

const NONCE_LEN: usize = 24;

/// The one secret in the OS keyring: 256 random bits and an id naming them
/// (records say which key sealed them). Zeroized on drop, never printed.
pub struct VaultKey {
    /// Random, not secret: which key this is.
    pub id: String,
    bytes: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VaultKey({}, redacted)", self.id)
    }
}

/// The keyring item's text: the key, its id and the format version.
#[derive(Serialize, Deserialize)]
struct KeyText {
    v: u32,
    id: String,
    key: String,
}

impl Drop for KeyText {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl VaultKey {
    /// A new random key.
    pub fn generate() -> Result<Self, String> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|e| format!("no randomness from the OS: {e}"))?;
        let mut id = [0u8; 8];
        getrandom::fill(&mut id).map_err(|e| format!("no randomness from the OS: {e}"))?;
        Ok(Self { id: id.iter().map(|b| format!("{b:02x}")).collect(), bytes })
    }

    /// The text kept in the keyring (about 90 bytes: far below any keyring's item limit).
    pub fn to_text(&self) -> Zeroizing<String> {
        use base64::Engine;
        let text = KeyText {
            v: STORE_VERSION,
            id: self.id.clone(),
            key: base64::engine::general_purpose::STANDARD.encode(self.bytes.as_ref()),
        };
        Zeroizing::new(serde_json::to_string(&text).unwrap_or_default())
    }

    /// Reads the keyring item's text; `None` when it is not a key this build can use.
    pub fn from_text(text: &str) -> Option<Self> {
        use base64::Engine;
        let parsed: KeyText = serde_json::from_str(text).ok()?;
        if parsed.v != STORE_VERSION || parsed.id.is_empty() {
            return None;
        }
        let raw = Zeroizing::new(base64::engine::general_purpose::STANDARD.decode(&parsed.key).ok()?);
        let mut bytes = Zeroizing::new([0u8; 32]);
        if raw.len() != 32 {
            return None;
        }
        bytes.copy_from_slice(&raw);
        Some(Self { id: parsed.id.clone(), bytes })
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&(*self.bytes).into())
    }
}

/// A record's clear part: readable without the key (rule 9 of docs/rules.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The record format version.
    pub v: u32,
    /// The key name the record is filed under (`role/<target>`, `sso/<session>`, …).
    pub name: String,
    /// The id of the vault key that sealed the body.
    pub sealed_by: String,
    /// What a session record is for, until when, as whom (`None` for other secrets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<IndexEntry>,
}

/// Why a record cannot be used. None of these echo the record's content.
#[derive(Debug, PartialEq, Eq)]
pub enum Unusable {
    /// No header line, or one that is not a header (truncated, edited, not a record).
    Damaged,
    /// Written by a later rolecall.
    Future(u32),
    /// Filed under another name (a record copied over this one).
    Swapped,
    /// Sealed with another key than the vault's.
    OtherKey,
    /// The body does not open: edited, truncated, or swapped with its header kept.
    Forged,
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Damaged => f.write_str("it is damaged (truncated or not a rolecall record)"),
            Self::Future(v) => write!(f, "it was written by a newer rolecall (store version {v})"),
            Self::Swapped => f.write_str("it belongs to another name (a file was copied over it)"),
            Self::OtherKey => f.write_str("it was sealed with another vault key"),
            Self::Forged => f.write_str("it does not open with the vault key (edited or damaged)"),
        }
    }
}

/// Seals `secret` under `key` with `header`.
pub fn seal(key: &VaultKey, header: &Header, secret: &[u8]) -> Result<Vec<u8>, String> {
    let head = serde_json::to_vec(header).map_err(|e| e.to_string())?;
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| format!("no randomness from the OS: {e}"))?;
    let body = key
        .cipher()
        .encrypt(&XNonce::from(nonce), Payload { msg: secret, aad: &head })
        .map_err(|_| "sealing failed".to_owned())?;
    let mut out = Vec::with_capacity(head.len() + 1 + NONCE_LEN + body.len());
    out.extend_from_slice(&head);
    out.push(b'\n');
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&body);
    Ok(out)
}

/// A record's header, checked against the name it was looked up by, and the
/// byte offset of its sealed body.
pub fn header(bytes: &[u8], name: Option<&str>) -> Result<(Header, usize), Unusable> {
    let end = bytes.iter().position(|b| *b == b'\n').ok_or(Unusable::Damaged)?;
    // Read the version first, so a later format with other fields is told apart from damage.
    #[derive(Deserialize)]
    struct Version {
        v: u32,
    }
    let version: Version = serde_json::from_slice(&bytes[..end]).map_err(|_| Unusable::Damaged)?;
    if version.v != STORE_VERSION {
        return Err(if version.v > STORE_VERSION { Unusable::Future(version.v) } else { Unusable::Damaged });
    }
    let header: Header = serde_json::from_slice(&bytes[..end]).map_err(|_| Unusable::Damaged)?;
    if name.is_some_and(|n| n != header.name) {
        return Err(Unusable::Swapped);
    }
    Ok((header, end + 1))
}

/// Opens a record's body with `key`.
pub fn open(key: &VaultKey, bytes: &[u8], name: &str) -> Result<(Header, Zeroizing<Vec<u8>>), Unusable> {
    let (header, start) = header(bytes, Some(name))?;
    if header.sealed_by != key.id {
        return Err(Unusable::OtherKey);
    }
    let rest = &bytes[start..];
    if rest.len() < NONCE_LEN {
        return Err(Unusable::Forged);
    }
    let (nonce, body) = rest.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| Unusable::Forged)?;
    let secret = key
        .cipher()
        .decrypt(&XNonce::from(nonce), Payload { msg: body, aad: &bytes[..start - 1] })
        .map_err(|_| Unusable::Forged)?;
    Ok((header, Zeroizing::new(secret)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(name: &str, key: &VaultKey) -> Header {
        Header { v: STORE_VERSION, name: name.into(), sealed_by: key.id.clone(), meta: None }
    }

    #[test]
    fn a_record_opens_only_whole_under_its_name_and_key() {
        let key = VaultKey::generate().unwrap();
        let sealed = seal(&key, &head("role/a", &key), b"secret-value").unwrap();
        let (h, secret) = open(&key, &sealed, "role/a").unwrap();
        assert_eq!((h.name.as_str(), secret.as_slice()), ("role/a", &b"secret-value"[..]));
        assert!(!sealed.windows(12).any(|w| w == b"secret-value"), "the body is sealed");

        // Truncated anywhere, one bit flipped anywhere: never opens.
        for cut in [0, 5, sealed.len() / 2, sealed.len() - 1] {
            assert!(open(&key, &sealed[..cut], "role/a").is_err(), "cut at {cut}");
        }
        for at in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[at] ^= 1;
            assert!(open(&key, &bad, "role/a").is_err(), "bit flipped at {at}");
        }
        // Another name's record, or the same header text renamed: refused.
        assert_eq!(open(&key, &sealed, "role/b").unwrap_err(), Unusable::Swapped);
        let start = sealed.iter().position(|b| *b == b'\n').unwrap();
        let head_text = String::from_utf8(sealed[..start].to_vec()).unwrap().replace("role/a", "role/b");
        let renamed = [head_text.as_bytes(), &sealed[start..]].concat();
        assert_eq!(open(&key, &renamed, "role/b").unwrap_err(), Unusable::Forged);
        // Another key with the same id (a reset keyring that reused it, a forged id): refused.
        let other = VaultKey { id: key.id.clone(), bytes: Zeroizing::new([7; 32]) };
        assert_eq!(open(&other, &sealed, "role/a").unwrap_err(), Unusable::Forged);
        let other = VaultKey::generate().unwrap();
        assert_eq!(open(&other, &sealed, "role/a").unwrap_err(), Unusable::OtherKey);
    }

    #[test]
    fn a_later_format_is_told_apart_from_damage() {
        let key = VaultKey::generate().unwrap();
        let future = format!("{{\"v\":{},\"whatever\":1}}\nxxxx", STORE_VERSION + 1);
        assert_eq!(header(future.as_bytes(), None).unwrap_err(), Unusable::Future(STORE_VERSION + 1));
        assert_eq!(header(b"{\"v\":1}", None).unwrap_err(), Unusable::Damaged);
        assert_eq!(open(&key, b"garbage\n", "x").unwrap_err(), Unusable::Damaged);
    }

    #[test]
    fn the_key_text_round_trips_and_rejects_junk() {
        let key = VaultKey::generate().unwrap();
        let back = VaultKey::from_text(&key.to_text()).unwrap();
        assert_eq!((back.id.as_str(), *back.bytes), (key.id.as_str(), *key.bytes));
        assert!(key.to_text().len() < 200);
        assert!(!format!("{key:?}").contains(&key.to_text()[20..40]));
        for junk in ["", "{}", "{\"v\":1,\"id\":\"a\",\"key\":\"AAAA\"}", "{\"v\":2,\"id\":\"a\",\"key\":\"\"}"] {
            assert!(VaultKey::from_text(junk).is_none(), "{junk}");
        }
    }
}
