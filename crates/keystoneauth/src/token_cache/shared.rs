//! A plugin behind a [`TokenCache`]: single-flight token fetching across
//! processes (and hosts, with a shared store), see [`TokenCache::wrap`].

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::{margin_for, TokenCache};
use crate::access::AccessInfo;
use crate::auth::{AuthPlugin, ConnectionParams, AUTH_TOKEN_HEADER};
use crate::catalog::EndpointFilter;
use crate::error::Result;
use crate::transport::{Transport, LOG_TARGET};

type TokenDigest = [u8; 32];

fn digest(token: &[u8]) -> TokenDigest {
    Sha256::digest(token).into()
}

/// The token this wrapper last saw the plugin holding.
#[derive(Clone, Copy)]
struct Known {
    /// When it enters the re-authentication margin.
    valid_until: DateTime<Utc>,
    token: TokenDigest,
}

/// See [`TokenCache::wrap`].
pub(super) struct CachedAuth {
    cache: TokenCache,
    inner: Arc<dyn AuthPlugin>,
    known: Mutex<Option<Known>>,
    /// The last token a server rejected with a 401: never taken from the store.
    rejected: Mutex<Option<TokenDigest>>,
    /// One fetch at a time in this process.
    flight: tokio::sync::Mutex<()>,
}

impl fmt::Debug for CachedAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedAuth")
            .field("store", &self.cache.location())
            .field("plugin", &self.inner)
            .finish()
    }
}

fn warn(what: &str, e: &crate::Error) {
    tracing::warn!(target: LOG_TARGET, error = %e, "token cache: {what}; authenticating without it");
}

impl CachedAuth {
    pub(super) fn new(cache: TokenCache, inner: Arc<dyn AuthPlugin>) -> Self {
        CachedAuth {
            cache,
            inner,
            known: Mutex::new(None),
            rejected: Mutex::new(None),
            flight: tokio::sync::Mutex::new(()),
        }
    }

    fn is_fresh(&self) -> bool {
        let known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        known.is_some_and(|k| Utc::now() < k.valid_until)
    }

    fn remember(&self, access: Option<&AccessInfo>) {
        let next = access.map(|a| Known {
            valid_until: a.expires_at() - chrono::Duration::from_std(margin_for(a)).unwrap_or_default(),
            token: digest(a.token().expose_secret().as_bytes()),
        });
        *self.known.lock().unwrap_or_else(PoisonError::into_inner) = next;
    }

    fn is_rejected(&self, token: &SecretString) -> bool {
        let rejected = self.rejected.lock().unwrap_or_else(PoisonError::into_inner);
        *rejected == Some(digest(token.expose_secret().as_bytes()))
    }

    /// Gives the plugin the stored token when there is a usable one; drops
    /// a stored token that was rejected. Returns whether it did.
    async fn adopt(&self, cache_id: &str) -> bool {
        let text = match self.cache.store.get(cache_id).await {
            Ok(Some(text)) => text,
            Ok(None) => return false,
            Err(e) => {
                warn("cannot read the entry", &e);
                return false;
            }
        };
        let Some(state) = TokenCache::parse_entry(text.expose_secret(), cache_id) else {
            tracing::debug!(target: LOG_TARGET, store = %self.cache.location(), "ignoring a token cache entry that is corrupt or of another format or identity");
            return false;
        };
        // Even when the token has expired: a refresh credential renews it.
        super::refresh::restore(text.expose_secret(), cache_id, self.inner.as_ref());
        let Ok(access) = AccessInfo::from_state(state.expose_secret()) else {
            return false;
        };
        if self.is_rejected(access.token()) {
            tracing::debug!(target: LOG_TARGET, store = %self.cache.location(), "dropping a cached token that was rejected");
            if let Err(e) = self.cache.store.delete(cache_id).await {
                warn("cannot drop the rejected entry", &e);
            }
            return false;
        }
        if access.will_expire_soon(margin_for(&access))
            || !self.inner.set_auth_state(state.expose_secret()).unwrap_or(false)
        {
            return false;
        }
        self.remember(Some(&access));
        true
    }

    /// Makes sure the plugin holds a valid token: its own, the stored one,
    /// or one fetched under the store's lock and stored for the others.
    async fn ensure(&self, transport: &Transport) -> Result<()> {
        if self.is_fresh() {
            return Ok(());
        }
        let _flight = self.flight.lock().await;
        if self.is_fresh() {
            return Ok(());
        }
        let Some(cache_id) = self.inner.cache_id() else {
            return Ok(());
        };
        if self.adopt(&cache_id).await {
            return Ok(());
        }
        let lock = match self
            .cache
            .store
            .lock(&cache_id, self.cache.lock_ttl, self.cache.lock_wait)
            .await
        {
            Ok(lock) => lock,
            Err(e) => {
                warn("cannot take the fetch lock", &e);
                None
            }
        };
        if lock.is_none() {
            tracing::debug!(target: LOG_TARGET, store = %self.cache.location(), "fetching a token without the token cache's lock");
        }
        let result = self.fetch(transport, &cache_id).await;
        if let Some(lock) = lock {
            lock.release().await;
        }
        result
    }

    /// Under the lock: the token another process stored meanwhile, or a
    /// new one, stored.
    async fn fetch(&self, transport: &Transport, cache_id: &str) -> Result<()> {
        if self.adopt(cache_id).await {
            return Ok(());
        }
        // A re-scoping plugin (v3websso) starts from its kept unscoped token.
        if let Err(e) = self.cache.restore_unscoped(self.inner.as_ref()).await {
            warn("cannot read the unscoped entry", &e);
        }
        self.inner.headers(transport).await?;
        let access = self
            .inner
            .auth_state()
            .and_then(|s| AccessInfo::from_state(s.expose_secret()).ok());
        self.remember(access.as_ref());
        if let Err(e) = self.cache.store(self.inner.as_ref()).await {
            tracing::warn!(target: LOG_TARGET, error = %e, "token cache: the token could not be stored");
        }
        Ok(())
    }
}

crate::auth::forwarding_plugin!(CachedAuth, inner, ensure = ensure, {
    async fn headers(&self, transport: &Transport) -> Result<HeaderMap> {
        self.ensure(transport).await?;
        self.inner.headers(transport).await
    }

    async fn endpoint(&self, transport: &Transport, filter: &EndpointFilter) -> Result<Option<String>> {
        self.ensure(transport).await?;
        self.inner.endpoint(transport, filter).await
    }

    fn invalidate(&self) -> bool {
        self.remember(None);
        self.inner.invalidate()
    }

    fn invalidate_rejected(&self, rejected: &HeaderMap) -> bool {
        match rejected.get(AUTH_TOKEN_HEADER) {
            Some(sent) => {
                let sent = digest(sent.as_bytes());
                let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
                if known.is_some_and(|k| k.token == sent) {
                    *known = None;
                }
                *self.rejected.lock().unwrap_or_else(PoisonError::into_inner) = Some(sent);
            }
            None => self.remember(None),
        }
        self.inner.invalidate_rejected(rejected)
    }

    fn set_auth_state(&self, state: &str) -> Result<bool> {
        self.remember(None);
        self.inner.set_auth_state(state)
    }

    fn refresh_credential(&self) -> Option<SecretString> {
        self.inner.refresh_credential()
    }

    fn set_refresh_credential(&self, credential: SecretString) -> bool {
        self.inner.set_refresh_credential(credential)
    }

    fn unscoped_cache_id(&self) -> Option<String> {
        self.inner.unscoped_cache_id()
    }

    fn unscoped_auth_state(&self) -> Option<SecretString> {
        self.inner.unscoped_auth_state()
    }

    fn set_unscoped_auth_state(&self, state: &str) -> Result<bool> {
        self.inner.set_unscoped_auth_state(state)
    }

    fn connection_params(&self) -> ConnectionParams {
        self.inner.connection_params()
    }
});
