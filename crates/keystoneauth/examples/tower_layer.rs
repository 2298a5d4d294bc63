//! A tower service (here hyper's client) authenticated by keystoneauth's
//! layer: the cloud comes from the `OS_*` variables, and requests name
//! services as `openstack://<service-type>/<path>`, or as a bare path for
//! the layer's default service type.
//!
//! ```sh
//! eval "$(scripts/keystone env)"   # or any OS_* cloud
//! cargo run -p keystoneauth --features tower --example tower_layer
//! ```

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use keystoneauth::loading::{Env, Loader};
use keystoneauth::middleware::Builder;
use tower_layer::Layer;
use tower_service::Service;

#[tokio::main]
async fn main() -> Result<(), keystoneauth::BoxError> {
    let loader = Loader::new().env(Env::os()).default_auth_type("password");
    let auth = loader
        .load_auth()?
        .ok_or("no cloud: set OS_AUTH_URL and the other OS_* variables")?;
    let session = loader.load_session()?.auth(auth).build()?;

    let layer = Builder::new(session).service_type("identity").build_layer()?;
    let mut service = layer.layer(Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>());

    for uri in ["openstack://identity/auth/projects", "/auth/projects"] {
        let request = http::Request::get(uri).body(Full::default())?;
        let response = service.call(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body)?;
        let projects = body["projects"].as_array().map(Vec::len).unwrap_or(0);
        println!("tower: GET {uri} -> {status}, {projects} project(s)");
        if !status.is_success() {
            return Err(format!("GET {uri} answered {status}").into());
        }
    }
    Ok(())
}
