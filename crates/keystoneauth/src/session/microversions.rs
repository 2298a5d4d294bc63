//! The microversion headers a session's requests send, made once per
//! service type and microversion: a request that asks for a microversion
//! (an adapter's default, most often) copies two prepared header values
//! instead of formatting and checking them again (issue 15).

use std::sync::{Arc, PoisonError, RwLock};

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::discovery::set_microversion_headers;
use crate::error::Result;
use crate::version::ApiVersion;

/// How many (service type, microversion) pairs a session remembers; more
/// are made per request, as before.
pub(super) const MAX_MICROVERSION_HEADERS: usize = 32;

/// The headers of one service type and microversion.
struct Made {
    service_type: String,
    version: ApiVersion,
    headers: Arc<[(HeaderName, HeaderValue)]>,
}

/// The microversion headers made so far (shared by a session's clones).
#[derive(Default)]
pub(super) struct MicroversionHeaders {
    made: RwLock<Vec<Made>>,
}

impl MicroversionHeaders {
    /// Sets the headers of `version` for `service_type` in `headers`, those
    /// it does not set already ([`set_microversion_headers`], whose errors
    /// are returned and not remembered).
    pub(super) fn set(&self, headers: &mut HeaderMap, service_type: &str, version: ApiVersion) -> Result<()> {
        let made = match self.find(service_type, version) {
            Some(made) => made,
            None => self.make(service_type, version)?,
        };
        for (name, value) in made.iter() {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        Ok(())
    }

    fn find(&self, service_type: &str, version: ApiVersion) -> Option<Arc<[(HeaderName, HeaderValue)]>> {
        let made = self.made.read().unwrap_or_else(PoisonError::into_inner);
        made.iter()
            .find(|m| m.version == version && m.service_type == service_type)
            .map(|m| Arc::clone(&m.headers))
    }

    #[cold]
    #[inline(never)]
    fn make(&self, service_type: &str, version: ApiVersion) -> Result<Arc<[(HeaderName, HeaderValue)]>> {
        let mut fresh = HeaderMap::new();
        set_microversion_headers(&mut fresh, service_type, version)?;
        let headers: Arc<[(HeaderName, HeaderValue)]> = fresh.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut made = self.made.write().unwrap_or_else(PoisonError::into_inner);
        if made.len() < MAX_MICROVERSION_HEADERS
            && !made
                .iter()
                .any(|m| m.version == version && m.service_type == service_type)
        {
            made.push(Made {
                service_type: service_type.to_owned(),
                version,
                headers: Arc::clone(&headers),
            });
        }
        Ok(headers)
    }

    /// How many pairs are remembered (for tests of the bound).
    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.made.read().map(|m| m.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(service_type: &str, version: ApiVersion) -> HeaderMap {
        let mut h = HeaderMap::new();
        set_microversion_headers(&mut h, service_type, version).unwrap();
        h
    }

    #[test]
    fn the_headers_are_those_made_anew_remembered_and_bounded() {
        let cache = MicroversionHeaders::default();
        for (st, v) in [
            ("compute", ApiVersion::new(2, 60)),
            ("volumev3", ApiVersion::new(3, 59)),
            ("container-infra", ApiVersion::new(1, 10)),
            ("compute", ApiVersion::new(2, 60)),
        ] {
            let mut h = HeaderMap::new();
            cache.set(&mut h, st, v).unwrap();
            assert_eq!(h, fresh(st, v), "{st} {v}");
        }
        assert_eq!(cache.remembered(), 3);
        // a header the request sets itself is kept
        let mut own = HeaderMap::new();
        own.insert("openstack-api-version", HeaderValue::from_static("compute 2.1"));
        cache.set(&mut own, "compute", ApiVersion::new(2, 60)).unwrap();
        assert_eq!(own["openstack-api-version"], "compute 2.1");
        assert_eq!(own["x-openstack-nova-api-version"], "2.60");
        // errors are returned, not remembered
        let latest: ApiVersion = "latest".parse().unwrap();
        assert!(cache.set(&mut HeaderMap::new(), "compute", latest).is_err());
        assert!(cache
            .set(&mut HeaderMap::new(), "bad\nservice", ApiVersion::new(1, 0))
            .is_err());
        assert_eq!(cache.remembered(), 3);
        for minor in 0..(MAX_MICROVERSION_HEADERS as u64 + 8) {
            let v = ApiVersion::new(9, minor);
            let mut h = HeaderMap::new();
            cache.set(&mut h, "compute", v).unwrap();
            assert_eq!(h, fresh("compute", v));
        }
        assert_eq!(cache.remembered(), MAX_MICROVERSION_HEADERS);
    }
}
