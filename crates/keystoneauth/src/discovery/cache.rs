//! The discovery cache: one fetch per version document URL, shared.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::document::Discovered;
use crate::error::Result;

struct Entry {
    cell: tokio::sync::OnceCell<Arc<Discovered>>,
    created: Instant,
}

/// Version documents already fetched, keyed by normalised URL.
///
/// Safe under concurrency: N concurrent discoveries of one URL make one
/// request and share its result (a failure is not cached). Clones share the
/// entries, so one cache can serve several sessions and plugins. Entries
/// live for the session's lifetime unless a time to live is set.
#[derive(Clone, Default)]
pub struct DiscoveryCache {
    inner: Arc<CacheInner>,
}

#[derive(Default)]
struct CacheInner {
    ttl: Option<Duration>,
    entries: Mutex<HashMap<String, Arc<Entry>>>,
}

impl std::fmt::Debug for DiscoveryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscoveryCache")
            .field("ttl", &self.inner.ttl)
            .field("entries", &self.len())
            .finish()
    }
}

impl DiscoveryCache {
    /// An empty cache whose entries never expire.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty cache whose entries are fetched again after `ttl`.
    pub fn with_ttl(ttl: Duration) -> Self {
        DiscoveryCache {
            inner: Arc::new(CacheInner {
                ttl: Some(ttl),
                entries: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The cache key of a URL: `https://x` and `https://x/` (and any path
    /// with or without a trailing slash) are one entry.
    pub fn key(url: &str) -> String {
        url.trim_end_matches('/').to_owned()
    }

    /// The number of documents held (fetches in flight or failed are not counted).
    pub fn len(&self) -> usize {
        self.inner
            .entries
            .lock()
            .map(|e| e.values().filter(|entry| entry.cell.initialized()).count())
            .unwrap_or(0)
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every document.
    pub fn clear(&self) {
        if let Ok(mut e) = self.inner.entries.lock() {
            e.clear();
        }
    }

    /// The cached document for `url`, or the one `fetch` gets; concurrent
    /// callers for one URL wait for a single fetch.
    pub async fn get_or_fetch<F, Fut>(&self, url: &str, fetch: F) -> Result<Arc<Discovered>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Discovered>>,
    {
        let key = Self::key(url);
        let entry = {
            let mut entries = self
                .inner
                .entries
                .lock()
                .map_err(|_| crate::error::Error::invalid_request("the discovery cache is unusable"))?;
            let expired =
                |e: &Entry| self.inner.ttl.is_some_and(|ttl| e.created.elapsed() > ttl) && e.cell.initialized();
            match entries.get(&key) {
                Some(e) if !expired(e) => e.clone(),
                _ => {
                    let e = Arc::new(Entry {
                        cell: tokio::sync::OnceCell::new(),
                        created: Instant::now(),
                    });
                    entries.insert(key, e.clone());
                    e
                }
            }
        };
        let doc = entry
            .cell
            .get_or_try_init(|| async { fetch().await.map(Arc::new) })
            .await?;
        Ok(doc.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn doc() -> Discovered {
        Discovered::parse(
            "http://h/",
            br#"{"version": {"id": "v1.0", "status": "CURRENT", "links": [{"rel": "self", "href": "http://h/v1/"}]}}"#,
            &http::HeaderMap::new(),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn one_fetch_per_normalised_url() {
        let cache = DiscoveryCache::new();
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..20 {
            let cache = cache.clone();
            let fetches = fetches.clone();
            tasks.push(tokio::spawn(async move {
                let url = if i % 2 == 0 { "http://h" } else { "http://h/" };
                cache
                    .get_or_fetch(url, || async {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                        Ok(doc())
                    })
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert_eq!(cache.len(), 1);
    }

    #[tokio::test]
    async fn failures_are_not_cached_and_ttl_expires() {
        let cache = DiscoveryCache::with_ttl(Duration::from_millis(0));
        let err = cache
            .get_or_fetch("http://h", || async { Err(crate::error::Error::EmptyCatalog) })
            .await;
        assert!(err.is_err());
        let fetches = AtomicUsize::new(0);
        for _ in 0..2 {
            cache
                .get_or_fetch("http://h", || async {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    Ok(doc())
                })
                .await
                .unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 2, "a zero TTL fetches every time");
    }
}
