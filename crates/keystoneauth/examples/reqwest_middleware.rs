//! An existing `reqwest_middleware` client, authenticated by keystoneauth:
//! the cloud comes from the `OS_*` variables (as for openstackclient), and
//! requests name services as `openstack://<service-type>/<path>`.
//!
//! It composes with reqwest-tracing (a span per request) and reqwest-retry
//! (transient failures retried; each attempt passes through keystoneauth,
//! so each carries a valid token).
//!
//! ```sh
//! eval "$(scripts/keystone env)"   # or any OS_* cloud
//! cargo run -p keystoneauth --features reqwest-middleware --example reqwest_middleware
//! ```

use keystoneauth::loading::{Env, Loader};
use keystoneauth::middleware::{redirect_policy, KeystoneAuthMiddleware};
use reqwest_middleware::ClientBuilder;
use reqwest_retry::{policies::ExponentialBackoff, RetryTransientMiddleware};
use reqwest_tracing::TracingMiddleware;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let loader = Loader::new().env(Env::os()).default_auth_type("password");
    let auth = loader
        .load_auth()?
        .ok_or("no cloud: set OS_AUTH_URL and the other OS_* variables")?;
    let session = loader.load_session()?.auth(auth).build()?;

    // The application's own client: no redirect ever carries the token to
    // another origin with keystoneauth's redirect policy.
    let client = reqwest::Client::builder().redirect(redirect_policy()).build()?;
    let client = ClientBuilder::new(client)
        .with(TracingMiddleware::default())
        .with(RetryTransientMiddleware::new_with_policy(
            ExponentialBackoff::builder().build_with_max_retries(2),
        ))
        .with(KeystoneAuthMiddleware::new(session)?)
        .build();

    let response = client
        .get("openstack://identity/auth/projects")
        .send()
        .await?
        .error_for_status()?;
    let body: serde_json::Value = response.json().await?;
    let projects = body["projects"].as_array().map(Vec::len).unwrap_or(0);
    println!("reqwest-middleware: GET openstack://identity/auth/projects -> {projects} project(s)");
    Ok(())
}
