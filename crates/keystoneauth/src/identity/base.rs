//! What every token-fetching plugin shares: the cached token, single-flight
//! re-authentication before expiry, endpoint lookup in the catalog, auth
//! state and cache ids.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::access::AccessInfo;
use crate::auth::{PreparedAuth, AUTH_TOKEN_HEADER};
use crate::catalog::EndpointFilter;
use crate::error::{Error, Result};
use crate::masked_url::MaskedUrl;
use crate::transport::{HttpRequest, Response, Transport};

/// keystoneauth1's default: re-authenticate when the token expires within
/// two minutes.
pub const DEFAULT_REAUTH_MARGIN: Duration = Duration::from_secs(120);

/// A token fetched this recently is used even if it is already within the
/// margin (a re-scoped token keeps its original expiry), so that a plugin
/// never re-authenticates on every request.
const MIN_TOKEN_USE: Duration = Duration::from_secs(1);

struct Cached {
    access: Arc<AccessInfo>,
    fetched: Instant,
    /// Until when the token is used without a second look: its expiry less
    /// the margin, as a system time, so that a request compares two clock
    /// readings instead of doing calendar arithmetic (`None` when that
    /// instant is not representable: the full check then decides).
    renew_at: Option<SystemTime>,
    /// The token's header and catalog lookups, made once for this token;
    /// `None` when the token cannot be a header value.
    prepared: Option<Arc<PreparedAuth>>,
}

/// After a failed early renewal, the still-valid token is used without
/// trying again for this long, so an identity-service outage does not make
/// every request wait for its own failing token POST.
const RENEWAL_RETRY_PAUSE: Duration = Duration::from_secs(5);

/// The cached token of one plugin and the lock that makes fetching it
/// single-flight.
pub(crate) struct Lifecycle {
    current: RwLock<Option<Cached>>,
    refresh: tokio::sync::Mutex<()>,
    margin: Duration,
    /// Completed fetches, to tell waiters whether one failed while they waited.
    attempts: std::sync::atomic::AtomicU64,
    /// When an early renewal last failed while the token was still valid.
    renewal_failed: std::sync::Mutex<Option<Instant>>,
    /// The last fetch's failure and its number: the callers that waited on
    /// it get the same error (cloned, its source shared) instead of each
    /// trying again (a burst of requests with a wrong password must not
    /// lock the account out).
    last_failure: std::sync::Mutex<Option<(u64, Error)>>,
}

impl std::fmt::Debug for Lifecycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let has_token = self.current.read().map(|c| c.is_some()).unwrap_or(false);
        f.debug_struct("Lifecycle")
            .field("has_token", &has_token)
            .field("reauth_margin", &self.margin)
            .finish()
    }
}

impl Lifecycle {
    pub(crate) fn new(margin: Option<Duration>) -> Self {
        Lifecycle {
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
            margin: margin.unwrap_or(DEFAULT_REAUTH_MARGIN),
            attempts: std::sync::atomic::AtomicU64::new(0),
            renewal_failed: std::sync::Mutex::new(None),
            last_failure: std::sync::Mutex::new(None),
        }
    }

    /// The margin for one token: the configured margin, but at most a
    /// quarter of the token's lifetime, so short-lived tokens are still
    /// used for most of their life (keystoneauth1 re-authenticates on every
    /// request when tokens live under two minutes).
    pub(crate) fn effective_margin(&self, access: &AccessInfo) -> Duration {
        match access.lifetime() {
            Some(lifetime) => self.margin.min(lifetime / 4),
            None => self.margin,
        }
    }

    fn usable(&self, cached: &Cached) -> bool {
        if cached.renew_at.is_some_and(|at| SystemTime::now() < at) {
            return true;
        }
        if !cached.access.will_expire_soon(self.effective_margin(&cached.access)) {
            return true;
        }
        cached.fetched.elapsed() < MIN_TOKEN_USE && !cached.access.will_expire_soon(Duration::ZERO)
    }

    /// The cached token if it is still good to use.
    pub(crate) fn valid(&self) -> Option<Arc<AccessInfo>> {
        let guard = self.current.read().ok()?;
        let cached = guard.as_ref()?;
        self.usable(cached).then(|| cached.access.clone())
    }

    /// The prepared credentials of the cached token if it is still good
    /// to use (the token [`Lifecycle::valid`] would give).
    pub(crate) fn prepared(&self) -> Option<Arc<PreparedAuth>> {
        let guard = self.current.read().ok()?;
        let cached = guard.as_ref()?;
        if self.usable(cached) {
            cached.prepared.clone()
        } else {
            None
        }
    }

    /// The cached token, whatever its expiry.
    pub(crate) fn cached(&self) -> Option<Arc<AccessInfo>> {
        self.current.read().ok()?.as_ref().map(|c| c.access.clone())
    }

    /// The cached token when it has not expired yet and renewing it failed
    /// a moment ago.
    fn still_valid_after_failed_renewal(&self) -> Option<Arc<AccessInfo>> {
        let recent = self
            .renewal_failed
            .lock()
            .ok()
            .and_then(|g| *g)
            .is_some_and(|t| t.elapsed() < RENEWAL_RETRY_PAUSE);
        if !recent {
            return None;
        }
        self.cached().filter(|a| !a.will_expire_soon(Duration::ZERO))
    }

    /// A valid token: the cached one, or one fetched by exactly one caller
    /// while the others wait for it. When that fetch fails, the callers
    /// that were waiting get its error rather than trying again. When an
    /// early renewal fails but the cached token has not expired, the cached
    /// token is used (and renewal is tried again a few seconds later).
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Arc<AccessInfo>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessInfo>>,
    {
        use std::sync::atomic::Ordering;
        if let Some(access) = self.valid().or_else(|| self.still_valid_after_failed_renewal()) {
            return Ok(access);
        }
        let seen = self.attempts.load(Ordering::SeqCst);
        let _guard = self.refresh.lock().await;
        if let Some(access) = self.valid().or_else(|| self.still_valid_after_failed_renewal()) {
            return Ok(access);
        }
        if let Ok(last) = self.last_failure.lock() {
            if let Some((attempt, failure)) = last.as_ref() {
                if *attempt > seen {
                    return Err(failure.clone());
                }
            }
        }
        let result = fetch().await;
        // Numbered on completion: a waiter that started waiting before this
        // point sees a number greater than the one it read.
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        match result {
            Ok(access) => {
                let access = Arc::new(access);
                self.store(access.clone());
                if let Ok(mut last) = self.last_failure.lock() {
                    *last = None;
                }
                if let Ok(mut failed) = self.renewal_failed.lock() {
                    *failed = None;
                }
                Ok(access)
            }
            Err(e) => {
                if let Some(current) = self.cached().filter(|a| !a.will_expire_soon(Duration::ZERO)) {
                    tracing::warn!(
                        target: crate::transport::LOG_TARGET,
                        error = %e,
                        "renewing the token failed; using the current one until it expires"
                    );
                    if let Ok(mut failed) = self.renewal_failed.lock() {
                        *failed = Some(Instant::now());
                    }
                    return Ok(current);
                }
                if let Ok(mut last) = self.last_failure.lock() {
                    *last = Some((attempt, e.clone()));
                }
                Err(e)
            }
        }
    }

    pub(crate) fn store(&self, access: Arc<AccessInfo>) {
        let prepared = crate::auth::token_headers(access.token())
            .ok()
            .map(|headers| Arc::new(PreparedAuth::for_catalog(headers, access.clone())));
        let margin = chrono::Duration::from_std(self.effective_margin(&access)).ok();
        let renew_at = margin
            .and_then(|m| access.expires_at().checked_sub_signed(m))
            .map(SystemTime::from);
        if let Ok(mut guard) = self.current.write() {
            *guard = Some(Cached {
                access,
                fetched: Instant::now(),
                renew_at,
                prepared,
            });
        }
    }

    /// Drops the cached token; true if there was one.
    pub(crate) fn invalidate(&self) -> bool {
        self.current.write().map(|mut g| g.take().is_some()).unwrap_or(false)
    }

    /// Drops the cached token only if it is the one that was rejected.
    /// True: re-sending can succeed (a new token will be, or already was,
    /// fetched).
    pub(crate) fn invalidate_rejected(&self, rejected: &HeaderMap) -> bool {
        let Some(sent) = rejected.get(AUTH_TOKEN_HEADER) else {
            return self.invalidate();
        };
        if let Ok(mut guard) = self.current.write() {
            let same = guard
                .as_ref()
                .is_some_and(|c| c.access.token().expose_secret().as_bytes() == sent.as_bytes());
            if same {
                *guard = None;
            }
        }
        true
    }
}

/// The parts a token-fetching plugin provides; the shared [`AuthPlugin`]
/// implementation is built on them by [`identity_plugin!`].
///
/// [`AuthPlugin`]: crate::AuthPlugin
#[async_trait]
pub(crate) trait TokenFetcher: Send + Sync {
    /// The cached token.
    fn lifecycle(&self) -> &Lifecycle;
    /// Fetches a new token from Keystone.
    async fn fetch(&self, transport: &Transport) -> Result<AccessInfo>;
    /// The identity-relevant parameters, without secrets, for the cache id.
    fn cache_id_parts(&self) -> Vec<(&'static str, String)>;
    /// Every secret the plugin sends (passwords, secrets, passcodes,
    /// tokens, receipts): a server may echo one back in an error, so they
    /// are masked in the errors of its token requests.
    fn secrets(&self) -> Vec<&SecretString>;
    /// The refresh credential to keep across runs, if any.
    fn refresh_credential(&self) -> Option<SecretString> {
        None
    }
    /// Takes back a saved refresh credential; whether it did.
    fn set_refresh_credential(&self, _credential: SecretString) -> bool {
        false
    }
}

/// A valid token for a fetcher. The errors of a fetch never show the
/// fetcher's own secrets, whatever the server answered.
pub(crate) async fn access<F: TokenFetcher + ?Sized>(fetcher: &F, transport: &Transport) -> Result<Arc<AccessInfo>> {
    let fetch = || async {
        fetcher
            .fetch(transport)
            .await
            .map_err(|e| crate::redact::scrub_error(e, &fetcher.secrets()))
    };
    fetcher.lifecycle().get(fetch).await
}

/// The endpoint for a filter from a token's catalog.
pub(crate) fn endpoint_from(access: &AccessInfo, filter: &EndpointFilter) -> Result<Option<String>> {
    let found = access.catalog().endpoint(filter)?;
    Ok(Some(found.endpoint.url.clone()))
}

/// A digest of the identity-relevant parameters.
pub(crate) fn cache_id(parts: &[(&'static str, String)]) -> String {
    let mut sorted: Vec<&(&'static str, String)> = parts.iter().filter(|(_, v)| !v.is_empty()).collect();
    sorted.sort();
    let mut hasher = Sha256::new();
    for (k, v) in sorted {
        hasher.update(k.as_bytes());
        hasher.update([0u8]);
        hasher.update(v.as_bytes());
        hasher.update([0u8]);
    }
    hex::encode(hasher.finalize())
}

/// Restores saved auth state into a lifecycle.
pub(crate) fn set_state(lifecycle: &Lifecycle, state: &str) -> Result<bool> {
    let access = AccessInfo::from_state(state)?;
    lifecycle.store(Arc::new(access));
    Ok(true)
}

/// Saved auth state of a lifecycle, if it has a token.
pub(crate) fn state(lifecycle: &Lifecycle) -> Option<SecretString> {
    lifecycle.cached().and_then(|a| a.to_state().ok())
}

/// Sends a token request and returns the response, failing on error
/// statuses with the server's message. Bodies are never logged.
pub(crate) async fn post_token_request(transport: &Transport, request: HttpRequest) -> Result<Response> {
    send_token_request(transport, request).await?.error_for_status()
}

/// Sends a token request as [`post_token_request`] does (JSON accepted,
/// the token-body limit, redirects only to the same origin, no body
/// logging) and returns the response whatever its status.
pub(crate) async fn send_token_request(transport: &Transport, request: HttpRequest) -> Result<Response> {
    let request = request
        .header(http::header::ACCEPT, http::HeaderValue::from_static("application/json"))
        .max_body(crate::transport::MAX_TOKEN_BODY)
        .redirect_policy(crate::transport::RedirectPolicy::SameOriginOnly)
        .log(false);
    transport.send(request).await
}

/// The token of a token response (its `X-Subject-Token` header), or an
/// invalid-response error saying which `response` lacked it.
pub(crate) fn subject_token(response: &Response, what: &str) -> Result<SecretString> {
    response
        .header("x-subject-token")
        .map(|t| SecretString::from(t.to_owned()))
        .ok_or_else(|| {
            Error::invalid_response(
                crate::redact::url(response.url()),
                format!("the {what} response has no X-Subject-Token header"),
            )
        })
}

/// Appends a path to an auth URL, adding the version segment when the URL
/// does not already end with it: `http://h:5000` and `http://h:5000/v3`
/// both give `http://h:5000/v3/auth/tokens`.
pub(crate) fn versioned_url(auth_url: &MaskedUrl, version_segment: &str, path: &str) -> Result<url::Url> {
    let base = auth_url.expose().trim_end_matches('/');
    let joined = if base.ends_with(version_segment) {
        format!("{base}/{path}")
    } else {
        format!("{base}{version_segment}/{path}")
    };
    url::Url::parse(&joined)
        .map_err(|e| Error::invalid_option("auth-url", format!("{auth_url:?} is not a valid URL ({e})")))
}

/// Implements [`AuthPlugin`](crate::AuthPlugin) for a type whose field
/// `$field` implements [`TokenFetcher`].
macro_rules! identity_plugin {
    ($ty:ty, $field:ident) => {
        $crate::identity::base::identity_plugin!($ty, $field, {});
    };
    ($ty:ty, $field:ident, { $($extra:tt)* }) => {
        #[async_trait::async_trait]
        impl $crate::auth::AuthPlugin for $ty {
            async fn headers(
                &self,
                transport: &$crate::transport::Transport,
            ) -> $crate::error::Result<http::HeaderMap> {
                let access = $crate::identity::base::access(&self.$field, transport).await?;
                $crate::auth::token_headers(access.token())
            }

            async fn endpoint(
                &self,
                transport: &$crate::transport::Transport,
                filter: &$crate::catalog::EndpointFilter,
            ) -> $crate::error::Result<Option<String>> {
                let access = $crate::identity::base::access(&self.$field, transport).await?;
                $crate::identity::base::endpoint_from(&access, filter)
            }

            fn prepared_auth(&self) -> Option<std::sync::Arc<$crate::auth::PreparedAuth>> {
                use $crate::identity::base::TokenFetcher;
                self.$field.lifecycle().prepared()
            }

            fn invalidate(&self) -> bool {
                use $crate::identity::base::TokenFetcher;
                self.$field.lifecycle().invalidate()
            }

            fn invalidate_rejected(&self, rejected: &http::HeaderMap) -> bool {
                use $crate::identity::base::TokenFetcher;
                self.$field.lifecycle().invalidate_rejected(rejected)
            }

            async fn user_id(&self, transport: &$crate::transport::Transport) -> $crate::error::Result<Option<String>> {
                let access = $crate::identity::base::access(&self.$field, transport).await?;
                Ok(Some(access.user_id().to_owned()))
            }

            async fn project_id(
                &self,
                transport: &$crate::transport::Transport,
            ) -> $crate::error::Result<Option<String>> {
                let access = $crate::identity::base::access(&self.$field, transport).await?;
                Ok(access.project_id().map(str::to_owned))
            }

            async fn token(
                &self,
                transport: &$crate::transport::Transport,
            ) -> $crate::error::Result<Option<secrecy::SecretString>> {
                let access = $crate::identity::base::access(&self.$field, transport).await?;
                Ok(Some(access.token().clone()))
            }

            async fn access_info(
                &self,
                transport: &$crate::transport::Transport,
            ) -> $crate::error::Result<Option<std::sync::Arc<$crate::access::AccessInfo>>> {
                Ok(Some(
                    $crate::identity::base::access(&self.$field, transport).await?,
                ))
            }

            fn cache_id(&self) -> Option<String> {
                use $crate::identity::base::TokenFetcher;
                Some($crate::identity::base::cache_id(&self.$field.cache_id_parts()))
            }

            fn auth_state(&self) -> Option<secrecy::SecretString> {
                use $crate::identity::base::TokenFetcher;
                $crate::identity::base::state(self.$field.lifecycle())
            }

            fn set_auth_state(&self, state: &str) -> $crate::error::Result<bool> {
                use $crate::identity::base::TokenFetcher;
                $crate::identity::base::set_state(self.$field.lifecycle(), state)
            }

            fn refresh_credential(&self) -> Option<secrecy::SecretString> {
                use $crate::identity::base::TokenFetcher;
                self.$field.refresh_credential()
            }

            fn set_refresh_credential(&self, credential: secrecy::SecretString) -> bool {
                use $crate::identity::base::TokenFetcher;
                self.$field.set_refresh_credential(credential)
            }
            $($extra)*
        }
    };
}
pub(crate) use identity_plugin;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_urls() {
        for base in [
            "http://h:5000",
            "http://h:5000/",
            "http://h:5000/v3",
            "http://h:5000/v3/",
        ] {
            assert_eq!(
                versioned_url(&base.into(), "/v3", "auth/tokens").unwrap().as_str(),
                "http://h:5000/v3/auth/tokens",
                "{base}"
            );
        }
        assert_eq!(
            versioned_url(&"https://h/identity/v2.0".into(), "/v2.0", "tokens")
                .unwrap()
                .as_str(),
            "https://h/identity/v2.0/tokens"
        );
        assert!(versioned_url(&"not a url".into(), "/v3", "auth/tokens").is_err());
    }

    #[tokio::test]
    async fn waiters_share_a_failed_fetch_instead_of_retrying() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let lifecycle = Arc::new(Lifecycle::new(None));
        let fetches = Arc::new(AtomicUsize::new(0));
        let fail = |fetches: Arc<AtomicUsize>| async move {
            fetches.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Err::<AccessInfo, _>(Error::authorization("wrong password"))
        };
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let lifecycle = lifecycle.clone();
            let fetches = fetches.clone();
            tasks.push(tokio::spawn(async move { lifecycle.get(|| fail(fetches)).await }));
        }
        for t in tasks {
            let err = t.await.unwrap().unwrap_err();
            assert!(err.to_string().contains("wrong password"), "{err}");
        }
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            1,
            "one failing POST for 20 waiting callers"
        );
        // A caller arriving later tries again.
        assert!(lifecycle.get(|| fail(fetches.clone())).await.is_err());
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    fn access_expiring_in(secs: i64, lifetime: i64) -> AccessInfo {
        let now = chrono::Utc::now();
        let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let state = serde_json::json!({"auth_token": "t-1", "body": {"token": {
            "expires_at": fmt(now + chrono::Duration::seconds(secs)),
            "issued_at": fmt(now + chrono::Duration::seconds(secs - lifetime)),
            "user": {"id": "u"}, "methods": ["password"]}}});
        AccessInfo::from_state(&state.to_string()).unwrap()
    }

    #[tokio::test]
    async fn a_failed_early_renewal_keeps_using_the_valid_token() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let lifecycle = Lifecycle::new(None);
        // Lifetime 40 s, 8 s left: inside the 10 s margin, not expired.
        lifecycle.store(Arc::new(access_expiring_in(8, 40)));
        // Make the stored token old enough that the fresh-token grace does not apply.
        if let Ok(mut g) = lifecycle.current.write() {
            if let Some(c) = g.as_mut() {
                c.fetched = Instant::now() - Duration::from_secs(30);
            }
        }
        let fetches = AtomicUsize::new(0);
        let fail = || async {
            fetches.fetch_add(1, Ordering::SeqCst);
            Err::<AccessInfo, _>(Error::connect_failure("http://keystone/v3/auth/tokens", "refused"))
        };
        let a = lifecycle.get(fail).await.unwrap();
        assert_eq!(a.token().expose_secret(), "t-1");
        // Within the pause, no new attempt is made.
        let b = lifecycle.get(fail).await.unwrap();
        assert_eq!(b.token().expose_secret(), "t-1");
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        // An expired token is not used: the failure is returned.
        let expired = Lifecycle::new(None);
        expired.store(Arc::new(access_expiring_in(-1, 40)));
        let err = expired.get(fail).await.unwrap_err();
        assert!(err.is_connect(), "{err}");
    }

    /// A token `token` whose catalog has compute at `compute` and `extra`
    /// more services (`service-0`...).
    fn access_with(token: &str, compute: &str, extra: usize) -> AccessInfo {
        let endpoint = |ty: &str, url: &str| {
            serde_json::json!({"type": ty, "id": ty, "endpoints": [
                {"id": ty, "interface": "public", "region_id": "R", "url": url}]})
        };
        let mut catalog = vec![endpoint("compute", compute)];
        catalog.extend((0..extra).map(|i| endpoint(&format!("service-{i}"), &format!("http://s{i}/v1"))));
        let state = serde_json::json!({"auth_token": token, "body": {"token": {
            "expires_at": "2099-01-01T00:00:00Z", "issued_at": "2026-01-01T00:00:00Z",
            "user": {"id": "u"}, "methods": ["password"], "catalog": catalog}}});
        AccessInfo::from_state(&state.to_string()).unwrap()
    }

    fn prepared_parts(lifecycle: &Lifecycle) -> (String, String) {
        let prepared = lifecycle.prepared().expect("a valid token has prepared credentials");
        let header = prepared.headers()[AUTH_TOKEN_HEADER].clone();
        assert!(header.is_sensitive());
        let url = prepared
            .with_endpoint(&EndpointFilter::new("compute"), None, |e| e.url().to_owned())
            .unwrap();
        (header.to_str().unwrap().to_owned(), url)
    }

    #[test]
    fn prepared_credentials_follow_the_token() {
        let lifecycle = Lifecycle::new(None);
        assert!(lifecycle.prepared().is_none(), "no token, nothing prepared");
        lifecycle.store(Arc::new(access_with("t-1", "http://nova-1/v2.1", 0)));
        assert_eq!(prepared_parts(&lifecycle), ("t-1".into(), "http://nova-1/v2.1".into()));
        // asked again: the same prepared value, not a new one
        assert!(Arc::ptr_eq(
            &lifecycle.prepared().unwrap(),
            &lifecycle.prepared().unwrap()
        ));
        // a new token (re-authentication, restored state) brings its own header and catalog
        lifecycle.store(Arc::new(access_with("t-2", "http://nova-2/v2.1", 0)));
        assert_eq!(prepared_parts(&lifecycle), ("t-2".into(), "http://nova-2/v2.1".into()));
        // a rejected token is dropped with its prepared credentials
        let rejected = lifecycle.prepared().unwrap().headers().clone();
        assert!(lifecycle.invalidate_rejected(&rejected));
        assert!(lifecycle.prepared().is_none());
        // a token within its re-authentication margin is not handed out
        lifecycle.store(Arc::new(access_expiring_in(8, 40)));
        if let Ok(mut g) = lifecycle.current.write() {
            if let Some(c) = g.as_mut() {
                c.fetched = Instant::now() - Duration::from_secs(30);
            }
        }
        assert!(lifecycle.valid().is_none());
        assert!(
            lifecycle.prepared().is_none(),
            "what `valid` refuses is not prepared either"
        );
    }

    #[test]
    fn prepared_endpoints_are_bounded_and_misses_are_not_kept() {
        let extra = crate::auth::MAX_PREPARED_ENDPOINTS + 4;
        let access = Arc::new(access_with("t-1", "http://nova/v2.1", extra));
        let prepared = PreparedAuth::for_catalog(HeaderMap::new(), access);
        for i in 0..extra {
            let filter = EndpointFilter::new(format!("service-{i}"));
            for _ in 0..2 {
                let url = prepared.with_endpoint(&filter, None, |e| e.url().to_owned());
                assert_eq!(url.as_deref(), Some(format!("http://s{i}/v1").as_str()));
            }
        }
        assert_eq!(prepared.remembered(), crate::auth::MAX_PREPARED_ENDPOINTS);
        // not in the catalog: no answer (the plugin reports the error), nothing kept
        assert!(prepared
            .with_endpoint(&EndpointFilter::new("nothing"), None, |e| e.url().to_owned())
            .is_none());
        assert_eq!(prepared.remembered(), crate::auth::MAX_PREPARED_ENDPOINTS);
    }

    #[test]
    fn shared_filters_are_found_by_address_and_equal_ones_by_value() {
        let access = Arc::new(access_with("t-1", "http://nova/v2.1", 2));
        let prepared = PreparedAuth::for_catalog(HeaderMap::new(), access);
        let url = |f: &EndpointFilter, shared: Option<&Arc<EndpointFilter>>| {
            prepared.with_endpoint(f, shared, |e| e.url().to_owned())
        };
        // an adapter's filter, remembered as its own Arc
        let adapter = Arc::new(EndpointFilter::new("service-1"));
        assert_eq!(url(&adapter, Some(&adapter)).as_deref(), Some("http://s1/v1"));
        assert_eq!(url(&adapter, Some(&adapter)).as_deref(), Some("http://s1/v1"));
        assert_eq!(prepared.remembered(), 1);
        // an equal filter elsewhere (owned or another adapter's) finds the
        // same entry by value; a different one is looked up on its own
        let twin = Arc::new(EndpointFilter::new("service-1"));
        assert_eq!(url(&twin, Some(&twin)).as_deref(), Some("http://s1/v1"));
        assert_eq!(
            url(&EndpointFilter::new("service-1"), None).as_deref(),
            Some("http://s1/v1")
        );
        assert_eq!(prepared.remembered(), 1);
        let other = Arc::new(EndpointFilter::new("service-0"));
        assert_eq!(url(&other, Some(&other)).as_deref(), Some("http://s0/v1"));
        assert_eq!(prepared.remembered(), 2);
        // the remembered Arc keeps the adapter's filter (and so its
        // address) alive after the adapter is gone
        let weak = Arc::downgrade(&adapter);
        drop(adapter);
        assert!(weak.upgrade().is_some());
        let compute = Arc::new(EndpointFilter::new("compute"));
        assert_eq!(url(&compute, Some(&compute)).as_deref(), Some("http://nova/v2.1"));
    }

    #[test]
    fn cache_ids_are_stable_and_order_free() {
        let a = cache_id(&[("auth_url", "u".into()), ("username", "x".into())]);
        let b = cache_id(&[
            ("username", "x".into()),
            ("auth_url", "u".into()),
            ("project_id", String::new()),
        ]);
        assert_eq!(a, b);
        assert_ne!(a, cache_id(&[("auth_url", "u".into()), ("username", "y".into())]));
        assert_eq!(a.len(), 64);
    }
}
