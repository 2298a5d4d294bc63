//! A vendor profile given as a URL (`profile: https://cloud.example.com`):
//! openstacksdk fetches `https://<host>/.well-known/openstack/api`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::node::Node;
use super::{parse, CloudsConfig};
use crate::error::{Error, Result};
use crate::loading::limits::MAX_CONFIG_FILE_BYTES;

/// How long fetching a remote profile may take (openstacksdk's `timeout=10`).
pub const REMOTE_PROFILE_TIMEOUT: Duration = Duration::from_secs(10);

/// The well-known URL of a profile given as a URL, if it is one: its scheme
/// and authority (`https://host:port`) followed by
/// `/.well-known/openstack/api`. `https` only, except `http` to a loopback
/// host (a local test server): a profile sets the auth URL credentials are
/// sent to, so it must not be open to tampering on the way.
pub(super) fn well_known_url(profile: &str) -> Option<Result<String>> {
    if !profile.contains("://") {
        return None;
    }
    let invalid = |message: String| Error::invalid_option("profile", message);
    let url = match url::Url::parse(profile) {
        Ok(u) if u.host().is_some() => u,
        _ => return Some(Err(invalid(format!("{profile:?} is not a valid profile URL")))),
    };
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        other => {
            return Some(Err(invalid(format!(
                "a remote profile must be fetched over https (got {other}:; http is allowed only to a loopback host)"
            ))))
        }
    }
    let mut base = url;
    base.set_path("/.well-known/openstack/api");
    base.set_query(None);
    base.set_fragment(None);
    Some(Ok(base.to_string()))
}

impl CloudsConfig {
    /// The cloud's name and its profile, when the profile is not known.
    fn unfetched_profile(&self, name: Option<&str>) -> Option<(String, String)> {
        let name = name.or_else(|| self.default_cloud())?;
        let profile = self
            .clouds
            .get(name)
            .and_then(|c| c.get("profile").or_else(|| c.get("cloud")))
            .and_then(Node::scalar)
            .map(|(s, _)| s.to_owned())?;
        (!self.profiles.contains_key(&profile)).then(|| (name.to_owned(), profile))
    }

    /// Whether the cloud `name` (else the default cloud) names a vendor
    /// profile by URL that [`CloudsConfig::fetch_remote_profile`] has not
    /// fetched yet (so a program builds a session only when needed).
    pub fn needs_remote_profile(&self, name: Option<&str>) -> bool {
        self.unfetched_profile(name)
            .is_some_and(|(_, p)| well_known_url(&p).is_some())
    }

    /// Fetches the vendor profile of the cloud `name` (else the default
    /// cloud) when its `profile` is a URL and it is not known yet, as
    /// openstacksdk does: `GET <scheme>://<host>/.well-known/openstack/api`
    /// through `session` (unauthenticated, [`REMOTE_PROFILE_TIMEOUT`]),
    /// whose `profile` is used, with a profile of the same `name` in
    /// clouds-public.yaml winning over it. Call it before
    /// [`CloudsConfig::cloud`], which otherwise refuses a URL profile it
    /// has not fetched. Only `https` URLs are fetched (and `http` to a
    /// loopback host, for tests); the body may be at most 4 MiB.
    ///
    /// Returns whether a profile was fetched.
    pub async fn fetch_remote_profile(&mut self, name: Option<&str>, session: &crate::Session) -> Result<bool> {
        let Some((name, profile)) = self.unfetched_profile(name) else {
            return Ok(false);
        };
        let Some(url) = well_known_url(&profile) else {
            return Ok(false);
        };
        let url = url.map_err(|e| locate(e, &name))?;
        let response = session
            .get(url.clone())
            .authenticated(false)
            .timeout(REMOTE_PROFILE_TIMEOUT)
            .send()
            .await?;
        let label = PathBuf::from(&url);
        let body = response.bytes();
        if body.len() as u64 > MAX_CONFIG_FILE_BYTES {
            return Err(crate::loading::limits::file_error(
                "remote vendor profile",
                &label,
                format!(
                    "the body is larger than the {} MiB limit for configuration files",
                    MAX_CONFIG_FILE_BYTES / (1024 * 1024)
                ),
            ));
        }
        let text = std::str::from_utf8(body).map_err(|_| {
            crate::loading::limits::file_error("remote vendor profile", &label, "the body is not valid UTF-8")
        })?;
        let doc = parse::parse_json(text, Path::new(&url), "remote vendor profile")?;
        let missing = || {
            crate::loading::limits::file_error(
                "remote vendor profile",
                &label,
                "the document must be a JSON object with a \"name\" and a \"profile\" mapping",
            )
        };
        let vendor = doc
            .get("name")
            .and_then(Node::scalar)
            .map(|(s, _)| s.to_owned())
            .ok_or_else(missing)?;
        let remote = match doc.get("profile") {
            Some(p @ Node::Map(_)) => p.clone(),
            _ => return Err(missing()),
        };
        let remote = remote.into_cloud(&vendor);
        // A named profile of the same name (clouds-public.yaml) wins.
        let mut merged = match self.profiles.get(&vendor) {
            Some(local) => remote.merge(local.clone()),
            None => remote,
        };
        if let Some(m) = merged.map_mut() {
            m.remove("profile");
        }
        self.profiles.insert(vendor, merged.clone());
        self.profiles.insert(profile, merged);
        Ok(true)
    }

    /// [`CloudsConfig::fetch_remote_profile`] for programs without an
    /// async runtime.
    #[cfg(feature = "blocking")]
    pub fn fetch_remote_profile_blocking(
        &mut self,
        name: Option<&str>,
        session: &crate::blocking::Session,
    ) -> Result<bool> {
        crate::blocking::block_on(self.fetch_remote_profile(name, session.as_async()))?
    }
}

fn locate(e: Error, cloud: &str) -> Error {
    match e {
        Error::InvalidOption { option, message, .. } => {
            Error::invalid_option_in(option, format!("cloud {cloud}"), message)
        }
        other => other,
    }
}
