//! AES-256-GCM sealing of shared token store entries, with the cache id as
//! associated data (an entry moved to another cache id does not open), and
//! the key file: one key a line, the first sealing, every one opening (key
//! rotation: list the new key first and the old one second).

use std::path::Path;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};

/// The format byte in front of every sealed entry.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
/// The largest key file read: a few keys and comments.
const MAX_KEY_FILE: u64 = 64 << 10;

/// The keys of a store: the first seals, all open.
pub(super) struct Keys(Vec<Aes256Gcm>);

impl Keys {
    /// Keys of 32 bytes each.
    pub(super) fn new(keys: &[[u8; 32]]) -> Self {
        Keys(keys.iter().map(|k| Aes256Gcm::new(k.into())).collect())
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Reads a key file: one key a line, 64 hexadecimal digits or the
    /// base64 of 32 bytes; blank lines and `#` comments are skipped. The
    /// error says which line is wrong, never what it holds.
    pub(super) fn from_file(path: &Path) -> std::result::Result<Self, String> {
        use std::io::Read;
        let file =
            std::fs::File::open(path).map_err(|e| format!("cannot open the key file {}: {e}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let mode = file.metadata().map(|m| m.mode() & 0o777).unwrap_or(0);
            if mode & 0o007 != 0 {
                return Err(format!(
                    "the key file {} is open to others (mode {mode:04o}); `chmod 600` it",
                    path.display()
                ));
            }
        }
        let mut text = String::new();
        file.take(MAX_KEY_FILE)
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read the key file {}: {e}", path.display()))?;
        let text = SecretString::from(text);
        let mut keys = Vec::new();
        for (n, line) in text.expose_secret().lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let key = parse_key(line).ok_or_else(|| {
                format!(
                    "line {} of the key file {} is not a 256-bit key (64 hex digits or 44 base64 characters)",
                    n + 1,
                    path.display()
                )
            })?;
            keys.push(key);
        }
        if keys.is_empty() {
            return Err(format!("the key file {} holds no key", path.display()));
        }
        Ok(Keys::new(&keys))
    }

    /// `VERSION || nonce || ciphertext+tag` of `plain`, bound to `aad`.
    pub(super) fn seal(&self, plain: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        let cipher = self.0.first()?;
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = cipher.encrypt(&nonce, Payload { msg: plain, aad }).ok()?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Some(out)
    }

    /// The plain text of a sealed entry, when one of the keys opens it for
    /// `aad`; `None` for a wrong key, another cache id or a tampered entry.
    pub(super) fn open(&self, sealed: &[u8], aad: &[u8]) -> Option<SecretString> {
        let (&version, rest) = sealed.split_first()?;
        if version != VERSION || rest.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::from_slice(nonce);
        self.0.iter().find_map(|cipher| {
            let plain = cipher.decrypt(nonce, Payload { msg: body, aad }).ok()?;
            String::from_utf8(plain).ok().map(SecretString::from)
        })
    }
}

/// A random identifier (96 bits, hexadecimal), for a lock's owner.
pub(super) fn random_id() -> String {
    hex::encode(Aes256Gcm::generate_nonce(&mut OsRng))
}

fn parse_key(line: &str) -> Option<[u8; 32]> {
    let bytes = if line.len() == 64 {
        hex::decode(line).ok()?
    } else {
        base64::engine::general_purpose::STANDARD.decode(line).ok()?
    };
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn seals_opens_and_rejects_tampering_other_ids_and_keys() {
        let keys = Keys::new(&[[7; 32]]);
        let sealed = keys.seal(b"entry", b"id-1").unwrap();
        assert_eq!(keys.open(&sealed, b"id-1").unwrap().expose_secret(), "entry");
        assert!(keys.open(&sealed, b"id-2").is_none(), "another cache id");
        let mut bad = sealed.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(keys.open(&bad, b"id-1").is_none(), "tampered");
        assert!(Keys::new(&[[8; 32]]).open(&sealed, b"id-1").is_none(), "wrong key");
        // Rotation: the new key first, the old one still opens old entries.
        let rotated = Keys::new(&[[8; 32], [7; 32]]);
        assert!(rotated.open(&sealed, b"id-1").is_some());
        assert!(keys.open(&rotated.seal(b"x", b"id-1").unwrap(), b"id-1").is_none());
        assert!(keys.open(&[], b"id-1").is_none() && keys.open(&[1, 2], b"id-1").is_none());
    }

    #[test]
    fn key_lines_are_hex_or_base64_of_32_bytes() {
        assert_eq!(parse_key(&"ab".repeat(32)), Some([0xab; 32]));
        let b64 = base64::engine::general_purpose::STANDARD.encode([3u8; 32]);
        assert_eq!(parse_key(&b64), Some([3; 32]));
        assert!(parse_key("short").is_none() && parse_key(&"zz".repeat(32)).is_none());
    }
}
