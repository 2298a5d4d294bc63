//! A plugin's refresh credential (an OpenID Connect refresh token) in a
//! cache entry, encrypted at rest.
//!
//! The entry gets a `refresh_token` object:
//! `{"alg": "A256GCM", "key": ..., "nonce": ..., "ciphertext": ...}` (base64):
//! AES-256-GCM with a fresh random 256-bit key and 96-bit nonce on every
//! save, and the entry's cache id as additional authenticated data, so the
//! sealed token cannot be moved to another identity's entry.
//!
//! The key is kept in the same `0600` entry. What protects the token is the
//! entry's permissions, as for the Keystone token next to it; the
//! encryption keeps the refresh token itself out of the file's plain text
//! (no grep, log scraper, secret scanner or pasted `cat` shows it) and
//! makes a tampered value fail to open. An OS keyring is not used: servers,
//! containers and CI runners, where `ksa` runs most, have none.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use crate::auth::AuthPlugin;
use crate::error::{Error, Result};

/// The field of the entry.
pub(super) const FIELD: &str = "refresh_token";

/// The algorithm name recorded in the entry (JOSE's name for it).
const ALG: &str = "A256GCM";

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;

fn random(bytes: &mut [u8]) -> Result<()> {
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(bytes)
        .map_err(|_| Error::authorization("no secure random numbers are available to encrypt the refresh token"))
}

/// The plugin's refresh credential sealed for the entry of `cache_id`, or
/// `None` when it has none.
pub(super) fn seal(plugin: &dyn AuthPlugin, cache_id: &str) -> Result<Option<Value>> {
    let Some(credential) = plugin.refresh_credential() else {
        return Ok(None);
    };
    let mut key = [0u8; KEY_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    random(&mut key)?;
    random(&mut nonce)?;
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key));
    let payload = Payload {
        msg: credential.expose_secret().as_bytes(),
        aad: cache_id.as_bytes(),
    };
    let ciphertext = cipher
        .encrypt(Nonce::from_slice(&nonce), payload)
        .map_err(|_| Error::authorization("the refresh token could not be encrypted"))?;
    let sealed = json!({
        "alg": ALG,
        "key": STANDARD.encode(key),
        "nonce": STANDARD.encode(nonce),
        "ciphertext": STANDARD.encode(ciphertext),
    });
    key.fill(0);
    Ok(Some(sealed))
}

/// Opens a sealed refresh credential; `None` when it is missing, of another
/// algorithm, or does not decrypt (tampered, or another entry's).
pub(super) fn open(sealed: &Value, cache_id: &str) -> Option<SecretString> {
    if sealed.get("alg").and_then(Value::as_str) != Some(ALG) {
        return None;
    }
    let bytes = |name: &str| {
        sealed
            .get(name)
            .and_then(Value::as_str)
            .and_then(|t| STANDARD.decode(t).ok())
    };
    let mut key = bytes("key").filter(|k| k.len() == KEY_LEN)?;
    let nonce = bytes("nonce").filter(|n| n.len() == NONCE_LEN)?;
    let ciphertext = bytes("ciphertext")?;
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key));
    key.fill(0);
    let payload = Payload {
        msg: &ciphertext,
        aad: cache_id.as_bytes(),
    };
    let plain = cipher.decrypt(Nonce::from_slice(&nonce), payload).ok()?;
    String::from_utf8(plain).ok().map(SecretString::from)
}

/// Gives the plugin the refresh credential of an entry's text, if it has
/// one that opens; whether the plugin took it.
pub(super) fn restore(text: &str, cache_id: &str, plugin: &dyn AuthPlugin) -> bool {
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        return false;
    };
    match doc.get(FIELD).and_then(|sealed| open(sealed, cache_id)) {
        Some(credential) => plugin.set_refresh_credential(credential),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default)]
    struct Holder(std::sync::Mutex<Option<SecretString>>);

    #[async_trait::async_trait]
    impl AuthPlugin for Holder {
        async fn headers(&self, _t: &crate::transport::Transport) -> Result<http::HeaderMap> {
            Ok(http::HeaderMap::new())
        }
        async fn endpoint(
            &self,
            _t: &crate::transport::Transport,
            _f: &crate::catalog::EndpointFilter,
        ) -> Result<Option<String>> {
            Ok(None)
        }
        fn refresh_credential(&self) -> Option<SecretString> {
            self.0.lock().unwrap().clone()
        }
        fn set_refresh_credential(&self, c: SecretString) -> bool {
            *self.0.lock().unwrap() = Some(c);
            true
        }
    }

    const CANARY: &str = "REFRESH-CANARY-seal-7d1e";

    #[test]
    fn sealed_tokens_open_only_for_their_entry_and_unchanged() {
        let plugin = Holder(std::sync::Mutex::new(Some(SecretString::from(CANARY))));
        let sealed = seal(&plugin, "id-1").unwrap().unwrap();
        let text = sealed.to_string();
        assert!(!text.contains(CANARY), "{text}");
        assert_eq!(open(&sealed, "id-1").unwrap().expose_secret(), CANARY);
        // Another entry's id (the AAD) does not open it.
        assert!(open(&sealed, "id-2").is_none());
        // A fresh key and nonce each time.
        assert_ne!(seal(&plugin, "id-1").unwrap().unwrap(), sealed);
        // Tampering is detected.
        let mut bad = sealed.clone();
        let mut ct = STANDARD.decode(sealed["ciphertext"].as_str().unwrap()).unwrap();
        ct[0] ^= 1;
        bad["ciphertext"] = json!(STANDARD.encode(ct));
        assert!(open(&bad, "id-1").is_none());
        for field in ["alg", "key", "nonce", "ciphertext"] {
            let mut v = sealed.clone();
            v[field] = json!("x");
            assert!(open(&v, "id-1").is_none(), "{field}");
        }
        // restore() hands it to a plugin.
        let entry = json!({ FIELD: sealed }).to_string();
        let other = Holder::default();
        assert!(restore(&entry, "id-1", &other));
        assert_eq!(other.refresh_credential().unwrap().expose_secret(), CANARY);
        assert!(!restore("not json", "id-1", &Holder::default()));
        // No credential, nothing sealed.
        assert!(seal(&Holder::default(), "id-1").unwrap().is_none());
    }
}
