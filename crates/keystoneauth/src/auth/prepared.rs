//! Credentials prepared once per token: the headers a request sends (the
//! token's `HeaderValue`, marked sensitive, built when the token arrives)
//! and the endpoints the token's catalog gives, looked up once per endpoint
//! filter and kept with their base URL parsed. A new token comes with a new
//! [`PreparedAuth`], so nothing here outlives the token it was made from.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use http::HeaderMap;
use url::Url;

use crate::access::AccessInfo;
use crate::catalog::EndpointFilter;
use crate::error::Result;
use crate::transport::{Transport, TransportKey};

/// At most this many endpoint filters are remembered per token; lookups for
/// further filters are answered from the catalog each time (a program uses
/// a handful of services, so the bound is never reached in practice).
pub const MAX_PREPARED_ENDPOINTS: usize = 16;

/// At most this many paths are remembered, joined to their endpoint, per
/// endpoint and token; further paths are joined each time (a program's
/// repeated requests, such as listings, use a few paths).
pub const MAX_JOINED_PATHS: usize = 16;

/// What a plugin has in hand for its current token: the headers that
/// authenticate a request, built once, and, when the plugin resolves
/// endpoints from a fixed URL or the token's catalog, those endpoints,
/// looked up once per filter. A plugin hands it out through
/// [`AuthPlugin::prepared_auth`](crate::AuthPlugin::prepared_auth) while
/// the token is valid; the session then sends requests without asking the
/// plugin for headers and endpoints each time.
///
/// ```
/// use keystoneauth::PreparedAuth;
/// let mut headers = http::HeaderMap::new();
/// let mut key = http::HeaderValue::from_static("not-a-real-key");
/// key.set_sensitive(true);
/// headers.insert("x-api-key", key);
/// let prepared = PreparedAuth::new(headers).with_fixed_endpoint("https://gateway.example.com/v1");
/// assert_eq!(prepared.headers().len(), 1);
/// assert!(!format!("{prepared:?}").contains("not-a-real-key"));
/// ```
pub struct PreparedAuth {
    headers: HeaderMap,
    endpoints: Endpoints,
    /// The headers a request with none of its own sends with these
    /// credentials through the first transport that asked (with its user
    /// agent and default headers), made once.
    sent: OnceLock<(TransportKey, HeaderMap)>,
}

enum Endpoints {
    /// The plugin resolves endpoints itself, per request.
    Unknown,
    /// One endpoint, whatever the filter (`token_endpoint::Token`).
    Fixed(PreparedEndpoint),
    /// The token's catalog, each filter looked up once.
    Catalog {
        access: Arc<AccessInfo>,
        /// Keyed by the filter; a shared filter (an adapter's) is kept
        /// as its `Arc`, so that its own requests find it by address.
        found: Mutex<Vec<(Arc<EndpointFilter>, PreparedEndpoint)>>,
    },
}

/// An endpoint URL and, when it can serve as a base for joining paths, its
/// parse; and the URLs of the paths joined to it so far.
pub(crate) struct PreparedEndpoint {
    url: String,
    parsed: Option<Url>,
    joined: Mutex<Vec<(String, Url)>>,
}

impl PreparedEndpoint {
    fn new(url: String) -> Self {
        let parsed = Url::parse(url.trim_end_matches('/'))
            .ok()
            .filter(|u| u.has_host() && u.query().is_none() && u.fragment().is_none());
        PreparedEndpoint {
            url,
            parsed,
            joined: Mutex::new(Vec::new()),
        }
    }

    /// The URL of `path` joined to this endpoint by `join`, which is
    /// called the first time only for the first [`MAX_JOINED_PATHS`]
    /// paths (errors are not kept).
    pub(crate) fn joined(&self, path: &str, join: impl FnOnce() -> Result<Url>) -> Result<Url> {
        let mut joined = self.joined.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, url)) = joined.iter().find(|(p, _)| p == path) {
            return Ok(url.clone());
        }
        let url = join()?;
        if joined.len() < MAX_JOINED_PATHS {
            joined.push((path.to_owned(), url.clone()));
        }
        Ok(url)
    }

    /// An endpoint for unit tests.
    #[cfg(test)]
    pub(crate) fn for_test(url: &str) -> Self {
        PreparedEndpoint::new(url.to_owned())
    }

    /// How many joined paths are remembered (for tests of the bound).
    #[cfg(test)]
    pub(crate) fn joined_paths(&self) -> usize {
        self.joined.lock().map(|j| j.len()).unwrap_or(0)
    }

    /// The endpoint URL as the plugin gives it.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The URL parsed, with any trailing `/` dropped; `None` when it has a
    /// query or a fragment (paths are then joined to the text).
    pub(crate) fn parsed(&self) -> Option<&Url> {
        self.parsed.as_ref()
    }
}

impl PreparedAuth {
    /// Prepared headers; the plugin resolves endpoints itself. Mark
    /// secret values sensitive ([`http::HeaderValue::set_sensitive`]).
    pub fn new(headers: HeaderMap) -> Self {
        PreparedAuth {
            headers,
            endpoints: Endpoints::Unknown,
            sent: OnceLock::new(),
        }
    }

    /// The same, for a plugin whose endpoint is `url` whatever the filter
    /// (as [`token_endpoint::Token`](crate::token_endpoint::Token)).
    pub fn with_fixed_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoints = Endpoints::Fixed(PreparedEndpoint::new(url.into()));
        self
    }

    /// Prepared headers for a token whose catalog gives the endpoints.
    pub(crate) fn for_catalog(headers: HeaderMap, access: Arc<AccessInfo>) -> Self {
        PreparedAuth {
            headers,
            endpoints: Endpoints::Catalog {
                access,
                found: Mutex::new(Vec::new()),
            },
            sent: OnceLock::new(),
        }
    }

    /// The headers that authenticate a request.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The headers a request with none of its own sends with these
    /// credentials through `transport` (see
    /// [`Transport::first_hop_headers`]), made the first time; `None` for
    /// a transport other than the first that asked.
    pub(crate) fn headers_sent_by(&self, transport: &Transport) -> Option<&HeaderMap> {
        let (key, headers) = self
            .sent
            .get_or_init(|| (transport.key(), transport.first_hop_headers(&self.headers)));
        transport.is(key).then_some(headers)
    }

    /// Calls `f` with the endpoint for `filter` (the catalog looked up the
    /// first time only); `None` when this plugin resolves endpoints itself
    /// or the catalog has none for the filter (the caller then asks the
    /// plugin, which reports the error). Filters with a version request go
    /// through discovery, not here.
    ///
    /// `filter` is `shared`'s when given: a filter shared by many requests
    /// (an adapter's) is then found by its address before its fields are
    /// compared.
    pub(crate) fn with_endpoint<R>(
        &self,
        filter: &EndpointFilter,
        shared: Option<&Arc<EndpointFilter>>,
        f: impl FnOnce(&PreparedEndpoint) -> R,
    ) -> Option<R> {
        match &self.endpoints {
            Endpoints::Unknown => None,
            Endpoints::Fixed(endpoint) => Some(f(endpoint)),
            Endpoints::Catalog { access, found } => {
                let mut found = found.lock().unwrap_or_else(PoisonError::into_inner);
                // The address first: the remembered `Arc` keeps it from
                // being reused by another filter.
                let hit = found
                    .iter()
                    .position(|(k, _)| std::ptr::eq(Arc::as_ptr(k), filter))
                    .or_else(|| found.iter().position(|(k, _)| **k == *filter));
                if let Some((_, endpoint)) = hit.and_then(|i| found.get(i)) {
                    return Some(f(endpoint));
                }
                first_lookup(access, &mut found, filter, shared, f)
            }
        }
    }

    /// How many endpoint filters are remembered (for tests of the bound).
    #[cfg(test)]
    pub(crate) fn remembered(&self) -> usize {
        match &self.endpoints {
            Endpoints::Catalog { found, .. } => found.lock().map(|f| f.len()).unwrap_or(0),
            _ => 0,
        }
    }
}

/// The first lookup of `filter` in a token's catalog, remembered in
/// `found` within the bound (out of line: once per filter and token).
#[cold]
#[inline(never)]
fn first_lookup<R>(
    access: &AccessInfo,
    found: &mut Vec<(Arc<EndpointFilter>, PreparedEndpoint)>,
    filter: &EndpointFilter,
    shared: Option<&Arc<EndpointFilter>>,
    f: impl FnOnce(&PreparedEndpoint) -> R,
) -> Option<R> {
    let endpoint = PreparedEndpoint::new(lookup(access, filter).ok()?);
    let out = f(&endpoint);
    if found.len() < MAX_PREPARED_ENDPOINTS {
        let key = shared.map_or_else(|| Arc::new(filter.clone()), Arc::clone);
        found.push((key, endpoint));
    }
    Some(out)
}

fn lookup(access: &AccessInfo, filter: &EndpointFilter) -> Result<String> {
    Ok(access.catalog().endpoint(filter)?.endpoint.url.clone())
}

impl fmt::Debug for PreparedAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoints = match &self.endpoints {
            Endpoints::Unknown => "per request",
            Endpoints::Fixed(_) => "fixed",
            Endpoints::Catalog { .. } => "catalog",
        };
        f.debug_struct("PreparedAuth")
            .field("headers", &self.headers.keys().map(|k| k.as_str()).collect::<Vec<_>>())
            .field("endpoints", &endpoints)
            .finish()
    }
}
