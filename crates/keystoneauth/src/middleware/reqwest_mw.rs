//! The reqwest-middleware integration.

use http::{Extensions, StatusCode};
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};

use super::{insert_auth, Core, Options};
use crate::error::Result;
use crate::session::Session;
use crate::transport::DEFAULT_REDIRECT_LIMIT;

/// A [`reqwest_middleware`] middleware that authenticates requests with a
/// [`Session`]'s auth plugin (cargo feature `reqwest-middleware`).
///
/// - `openstack://compute/servers` resolves through the catalog;
/// - an absolute URL gets the token only when its origin is in the catalog;
/// - the token is fetched once and re-fetched near expiry, single-flight;
/// - a `401` drops the token that was sent and the request is re-sent once
///   with a new token, when reqwest can clone it (streamed bodies cannot).
///
/// Build the client with [`redirect_policy`] (or from the session's own
/// client, which follows no redirect), so that reqwest never carries the
/// token to another origin: reqwest keeps custom headers such as
/// `X-Auth-Token` across hosts.
///
/// ```no_run
/// # async fn demo(session: keystoneauth::Session) -> Result<(), Box<dyn std::error::Error>> {
/// use keystoneauth::middleware::{redirect_policy, KeystoneAuthMiddleware};
///
/// let client = reqwest::Client::builder().redirect(redirect_policy()).build()?;
/// let client = reqwest_middleware::ClientBuilder::new(client)
///     .with(KeystoneAuthMiddleware::new(session)?)
///     .build();
/// let projects = client.get("openstack://identity/projects").send().await?;
/// println!("{}", projects.status());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct KeystoneAuthMiddleware {
    core: Core,
}

impl KeystoneAuthMiddleware {
    /// A middleware with the default settings; see [`Builder`](super::Builder) for the rest.
    ///
    /// # Errors
    ///
    /// [`Error::MissingAuthPlugin`](crate::Error::MissingAuthPlugin) when
    /// the session has no auth plugin.
    pub fn new(session: Session) -> Result<Self> {
        Ok(Self::from_core(Core::new(session, Options::default())?))
    }

    pub(super) fn from_core(core: Core) -> Self {
        KeystoneAuthMiddleware { core }
    }
}

#[async_trait::async_trait]
impl Middleware for KeystoneAuthMiddleware {
    async fn handle(
        &self,
        mut request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let target = self.core.target(request.url().as_str()).await.map_err(to_mw)?;
        *request.url_mut() = target.url;
        if !target.authenticated {
            return next.run(request, extensions).await;
        }
        let sent = self.core.auth_headers().await.map_err(to_mw)?;
        insert_auth(request.headers_mut(), &sent);
        let replay = request.try_clone();
        let response = next.clone().run(request, extensions).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        self.core.rejected(&sent);
        let Some(mut replay) = replay else {
            return Ok(response);
        };
        let fresh = self.core.auth_headers().await.map_err(to_mw)?;
        if fresh == sent {
            // The plugin cannot get another token (a fixed token): the 401 stands.
            return Ok(response);
        }
        insert_auth(replay.headers_mut(), &fresh);
        next.run(replay, extensions).await
    }
}

fn to_mw(error: crate::Error) -> reqwest_middleware::Error {
    reqwest_middleware::Error::middleware(error)
}

/// A reqwest redirect policy that never carries a token to another origin:
/// redirects within the request's origin (scheme, host, port) are followed,
/// up to the library's limit; a redirect to another origin is not followed,
/// and its response is returned to the caller.
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > DEFAULT_REDIRECT_LIMIT {
            return attempt.error("too many redirects");
        }
        let same_origin = attempt
            .previous()
            .last()
            .is_some_and(|previous| previous.origin() == attempt.url().origin());
        if same_origin {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}
