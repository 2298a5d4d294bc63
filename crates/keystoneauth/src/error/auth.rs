//! Authentication errors that carry more than a message: an auth receipt
//! (keystoneauth1 keeps `MissingAuthMethods` in `exceptions/auth.py`).
//!
//! The receipt is parsed by the identity v3 plugins
//! (`identity/v3/receipt.rs`); the error types live here, at the lowest
//! layer, so that [`Error`](super::Error) needs nothing above it.

use std::fmt;

use chrono::{DateTime, Utc};
use secrecy::SecretString;

/// The user an auth receipt was issued to, as Keystone names it in the
/// receipt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceiptUser {
    pub(crate) id: String,
    pub(crate) name: Option<String>,
    pub(crate) domain_id: Option<String>,
    pub(crate) domain_name: Option<String>,
}

impl ReceiptUser {
    /// The user's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The user's name, if Keystone said.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The id of the user's domain, if Keystone said.
    pub fn domain_id(&self) -> Option<&str> {
        self.domain_id.as_deref()
    }

    /// The name of the user's domain, if Keystone said.
    pub fn domain_name(&self) -> Option<&str> {
        self.domain_name.as_deref()
    }
}

/// Keystone accepted some auth methods but needs more (keystoneauth1's
/// `MissingAuthMethods`): the receipt to continue with, what was satisfied
/// and what is required.
///
/// Carried by [`Error::MissingAuthMethods`](super::Error::MissingAuthMethods);
/// get it with [`Error::missing_auth_methods`](super::Error::missing_auth_methods).
/// Continue by building a plugin with the missing method(s) and
/// [`receipt`](Self::receipt), for example with
/// [`MultiFactorBuilder::receipt`](crate::identity::v3::MultiFactorBuilder::receipt) or
/// [`TotpBuilder::receipt`](crate::identity::v3::TotpBuilder::receipt).
///
/// The receipt is a secret: `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct MissingAuthMethods {
    pub(crate) receipt: SecretString,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) issued_at: Option<DateTime<Utc>>,
    pub(crate) methods: Vec<String>,
    pub(crate) required_auth_methods: Vec<Vec<String>>,
    pub(crate) user: Option<ReceiptUser>,
    pub(crate) url: String,
    pub(crate) request_id: Option<String>,
}

impl MissingAuthMethods {
    /// The receipt, to send back with the missing methods.
    pub fn receipt(&self) -> &SecretString {
        &self.receipt
    }

    /// When the receipt expires.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// When the receipt was issued, if Keystone said.
    pub fn issued_at(&self) -> Option<DateTime<Utc>> {
        self.issued_at
    }

    /// True once the receipt has expired (a new attempt must start over).
    pub fn is_expired(&self) -> bool {
        self.expires_at <= Utc::now()
    }

    /// The methods already satisfied (`["password"]`).
    pub fn methods(&self) -> &[String] {
        &self.methods
    }

    /// The method sets the user's rules accept; satisfying all the methods
    /// of any one set gives a token (`[["password", "totp"]]`).
    pub fn required_auth_methods(&self) -> &[Vec<String>] {
        &self.required_auth_methods
    }

    /// For each required set, the methods still missing from it
    /// (`[["totp"]]`), in Keystone's order; sets that need nothing more are
    /// left out.
    pub fn missing_methods(&self) -> Vec<Vec<String>> {
        self.required_auth_methods
            .iter()
            .map(|set| {
                set.iter()
                    .filter(|m| !self.methods.contains(m))
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .filter(|missing| !missing.is_empty())
            .collect()
    }

    /// The user the receipt was issued to, if Keystone said.
    pub fn user(&self) -> Option<&ReceiptUser> {
        self.user.as_ref()
    }

    /// The URL that answered (secrets masked).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Keystone's request id, if it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl fmt::Debug for MissingAuthMethods {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MissingAuthMethods")
            .field("receipt", &"***")
            .field("expires_at", &self.expires_at)
            .field("methods", &self.methods)
            .field("required_auth_methods", &self.required_auth_methods)
            .field("user", &self.user)
            .field("url", &self.url)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

fn method_set(set: &[String]) -> String {
    format!("[{}]", set.join(", "))
}

impl fmt::Display for MissingAuthMethods {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not all required auth methods were satisfied: satisfied {}, required one of {}",
            method_set(&self.methods),
            self.required_auth_methods
                .iter()
                .map(|s| method_set(s))
                .collect::<Vec<_>>()
                .join(" or ")
        )?;
        write!(
            f,
            " (auth receipt from {} expires at {})",
            self.url,
            self.expires_at.to_rfc3339()
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for MissingAuthMethods {}
