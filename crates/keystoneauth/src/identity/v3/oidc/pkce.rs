//! Proof Key for Code Exchange (RFC 7636): a random verifier kept by the
//! client and a challenge derived from it, sent first.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Random octets in a verifier: RFC 7636 §4.1 recommends 32, which give a
/// 43-character verifier.
const VERIFIER_OCTETS: usize = 32;

/// How a PKCE code challenge is derived from the verifier (RFC 7636 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeChallengeMethod {
    /// The challenge is the verifier itself.
    Plain,
    /// The challenge is `BASE64URL(SHA256(verifier))` without padding.
    S256,
}

impl CodeChallengeMethod {
    /// The name sent as `code_challenge_method`: `plain` or `S256`.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeChallengeMethod::Plain => "plain",
            CodeChallengeMethod::S256 => "S256",
        }
    }
}

impl fmt::Display for CodeChallengeMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CodeChallengeMethod {
    type Err = Error;

    /// Parses `plain` or `S256` (ASCII case ignored).
    fn from_str(s: &str) -> Result<Self> {
        if s.eq_ignore_ascii_case("plain") {
            Ok(CodeChallengeMethod::Plain)
        } else if s.eq_ignore_ascii_case("s256") {
            Ok(CodeChallengeMethod::S256)
        } else {
            Err(Error::invalid_option(
                "code-challenge-method",
                format!("{s:?} is not a PKCE code challenge method; use plain or S256"),
            ))
        }
    }
}

/// A PKCE verifier and its challenge.
///
/// The device authorization plugin makes one for each authorization;
/// applications running the authorization code flow themselves can use it
/// too, and give the verifier to
/// [`OidcAuthorizationCodeBuilder::code_verifier`](super::OidcAuthorizationCodeBuilder::code_verifier).
///
/// ```
/// use keystoneauth::identity::v3::{CodeChallengeMethod, Pkce};
/// use keystoneauth::secrecy::ExposeSecret;
/// let pkce = Pkce::new(CodeChallengeMethod::S256).unwrap();
/// assert_eq!(pkce.challenge().len(), 43);
/// assert_eq!(pkce.challenge(), Pkce::challenge_for(CodeChallengeMethod::S256, pkce.verifier().expose_secret()));
/// assert!(!format!("{pkce:?}").contains(pkce.verifier().expose_secret()));
/// ```
#[derive(Clone)]
pub struct Pkce {
    method: CodeChallengeMethod,
    verifier: SecretString,
    challenge: String,
}

impl Pkce {
    /// A new random verifier (32 octets from the system's secure random
    /// source, base64url-encoded) and its challenge.
    pub fn new(method: CodeChallengeMethod) -> Result<Self> {
        let mut octets = [0u8; VERIFIER_OCTETS];
        rustls::crypto::ring::default_provider()
            .secure_random
            .fill(&mut octets)
            .map_err(|_| Error::authorization("no secure random numbers are available for a PKCE code verifier"))?;
        let verifier = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(octets);
        let challenge = Self::challenge_for(method, &verifier);
        Ok(Pkce {
            method,
            verifier: SecretString::from(verifier),
            challenge,
        })
    }

    /// The challenge for a verifier by a method (RFC 7636 §4.2).
    pub fn challenge_for(method: CodeChallengeMethod, verifier: &str) -> String {
        match method {
            CodeChallengeMethod::Plain => verifier.to_owned(),
            CodeChallengeMethod::S256 => {
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
            }
        }
    }

    /// The challenge method.
    pub fn method(&self) -> CodeChallengeMethod {
        self.method
    }

    /// The verifier, sent with the token request.
    pub fn verifier(&self) -> &SecretString {
        &self.verifier
    }

    /// The challenge, sent with the authorization request. With
    /// [`CodeChallengeMethod::Plain`] it is the verifier itself.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A plain challenge is the verifier: shown only for S256.
        let challenge = match self.method {
            CodeChallengeMethod::S256 => self.challenge.as_str(),
            CodeChallengeMethod::Plain => crate::redact::MASK,
        };
        f.debug_struct("Pkce")
            .field("method", &self.method)
            .field("verifier", &crate::redact::MASK)
            .field("challenge", &challenge)
            .finish()
    }
}

impl Pkce {
    /// The verifier as text, for the token request.
    pub(crate) fn verifier_str(&self) -> &str {
        self.verifier.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_example() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            Pkce::challenge_for(CodeChallengeMethod::S256, verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(Pkce::challenge_for(CodeChallengeMethod::Plain, verifier), verifier);
    }

    #[test]
    fn verifiers_are_random_and_well_formed() {
        let a = Pkce::new(CodeChallengeMethod::S256).unwrap();
        let b = Pkce::new(CodeChallengeMethod::S256).unwrap();
        assert_ne!(a.verifier_str(), b.verifier_str());
        for p in [&a, &b] {
            let v = p.verifier_str();
            // RFC 7636 §4.1: 43 to 128 unreserved characters.
            assert!((43..=128).contains(&v.len()), "{v}");
            assert!(
                v.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c)),
                "{v}"
            );
            assert_eq!(p.challenge(), Pkce::challenge_for(CodeChallengeMethod::S256, v));
            assert!(!format!("{p:?}").contains(v));
        }
        let plain = Pkce::new(CodeChallengeMethod::Plain).unwrap();
        assert_eq!(plain.challenge(), plain.verifier_str());
        assert!(!format!("{plain:?}").contains(plain.verifier_str()));
    }

    #[test]
    fn methods_parse() {
        assert_eq!(
            "plain".parse::<CodeChallengeMethod>().unwrap(),
            CodeChallengeMethod::Plain
        );
        assert_eq!(
            "S256".parse::<CodeChallengeMethod>().unwrap(),
            CodeChallengeMethod::S256
        );
        assert_eq!(
            "s256".parse::<CodeChallengeMethod>().unwrap(),
            CodeChallengeMethod::S256
        );
        let err = "S512".parse::<CodeChallengeMethod>().unwrap_err().to_string();
        assert!(err.contains("code-challenge-method") && err.contains("S256"), "{err}");
        assert_eq!(CodeChallengeMethod::S256.to_string(), "S256");
    }
}
