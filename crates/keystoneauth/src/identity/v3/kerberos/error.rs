//! [`KerberosError`]: what went wrong in a Negotiate exchange, kept as the
//! source of the [`Error::Authorization`] the Kerberos plugins return.

use std::fmt;

use crate::error::Error;

/// The kinds of [`KerberosError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KerberosErrorKind {
    /// No usable Kerberos credentials: no credential cache, no
    /// ticket-granting ticket in it, or an expired one (`kinit` gets one).
    NoCredentials,
    /// GSSAPI could not make a token for the service (the KDC does not know
    /// the service principal, the KDC is unreachable, no Kerberos
    /// configuration...).
    Gssapi,
    /// `mutual-auth` is `required` and the server's successful answer has no
    /// `WWW-Authenticate: Negotiate <token>`: the server did not prove who
    /// it is, so its answer is not used.
    MutualAuthMissing,
    /// The server's `WWW-Authenticate: Negotiate <token>` does not verify
    /// (a forged, replayed or corrupt token): its answer is not used.
    MutualAuthFailed,
}

/// A failed Kerberos (SPNEGO) exchange: the source of the
/// [`Error::Authorization`] that [`Kerberos`](super::Kerberos) and
/// [`MappedKerberos`](super::MappedKerberos) return, found with
/// [`KerberosError::find`].
///
/// ```no_run
/// use keystoneauth::identity::v3::{KerberosError, KerberosErrorKind};
/// # fn handle(e: keystoneauth::Error) {
/// if KerberosError::find(&e).map(KerberosError::kind) == Some(KerberosErrorKind::NoCredentials) {
///     eprintln!("no Kerberos ticket: run kinit");
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct KerberosError {
    kind: KerberosErrorKind,
    service: String,
    detail: String,
}

impl KerberosError {
    pub(crate) fn new(kind: KerberosErrorKind, service: &str, detail: impl Into<String>) -> Self {
        KerberosError {
            kind,
            service: service.to_owned(),
            detail: detail.into(),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> KerberosErrorKind {
        self.kind
    }

    /// The GSSAPI service name the token was for (`HTTP@keystone.example.org`).
    pub fn service(&self) -> &str {
        &self.service
    }

    /// GSSAPI's own message, or what was wrong with the server's token
    /// (also what it shows as).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The Kerberos error in an error's source chain, if any.
    pub fn find(error: &Error) -> Option<&KerberosError> {
        error.find_source()
    }

    /// This error as the [`Error::Authorization`] a plugin returns.
    pub(crate) fn into_error(self) -> Error {
        Error::authorization(self.summary()).with_source(self)
    }

    fn summary(&self) -> String {
        let service = &self.service;
        match self.kind {
            KerberosErrorKind::NoCredentials => {
                format!("no Kerberos credentials for {service}; get a ticket with kinit")
            }
            KerberosErrorKind::Gssapi => format!("GSSAPI could not make a Kerberos token for {service}"),
            KerberosErrorKind::MutualAuthMissing => format!(
                "{service} answered without a mutual authentication token (WWW-Authenticate: Negotiate), \
                 which mutual-auth required needs; the answer was not used"
            ),
            KerberosErrorKind::MutualAuthFailed => {
                format!("the mutual authentication token of {service} does not verify; the answer was not used")
            }
        }
    }
}

/// Shows the detail: the error it is the source of says what went wrong.
impl fmt::Display for KerberosError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for KerberosError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_in_the_authorization_error() {
        let e =
            KerberosError::new(KerberosErrorKind::NoCredentials, "HTTP@h", "No credentials cache found").into_error();
        assert!(matches!(e, Error::Authorization { .. }));
        assert!(e.to_string().contains("kinit"), "{e}");
        let found = KerberosError::find(&e).unwrap();
        assert_eq!(found.kind(), KerberosErrorKind::NoCredentials);
        assert_eq!(found.service(), "HTTP@h");
        assert_eq!(found.detail(), "No credentials cache found");
        assert!(KerberosError::find(&Error::authorization("other")).is_none());
    }
}
