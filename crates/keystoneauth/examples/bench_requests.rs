//! Times authenticated GETs through an Adapter (catalog lookup, token
//! header, redirects and retries machinery included) against the Keystone
//! named by `OS_*`, next to the same GETs with a bare reqwest client.
//! Used by `scripts/bench-keystoneauth1`; prints one JSON line.

use std::sync::Arc;
use std::time::Instant;

use keystoneauth::identity::v3;
use keystoneauth::{Adapter, AuthPlugin, Session};
use secrecy::ExposeSecret;

fn env(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    std::env::var(name).map_err(|_| format!("{name} is not set").into())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::var("BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let auth: Arc<dyn AuthPlugin> = Arc::new(
        v3::Password::builder(env("OS_AUTH_URL")?)
            .username(env("OS_USERNAME")?)
            .user_domain_name("Default")
            .password(env("OS_PASSWORD")?)
            .project_name(env("OS_PROJECT_NAME")?)
            .project_domain_name("Default")
            .build()?,
    );
    let start = Instant::now();
    let session = Session::builder().auth(auth.clone()).build()?;
    let identity = Adapter::builder(session.clone()).service_type("identity").build()?;
    identity.get("/projects").send().await?; // authenticate, warm the pool
    let first_ms = start.elapsed().as_secs_f64() * 1000.0;

    let mut adapter_ms = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let r = identity.get("/projects").send().await?;
        std::hint::black_box(r.bytes().len());
        adapter_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }

    let token = session.token(None).await?.ok_or("no token")?;
    let url = format!("{}/projects", identity.endpoint().await?);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut raw_ms = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let r = client
            .get(&url)
            .header("x-auth-token", token.expose_secret())
            .header("user-agent", keystoneauth::transport::LIBRARY_USER_AGENT)
            .send()
            .await?;
        std::hint::black_box(r.bytes().await?.len());
        raw_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "{{\"impl\": \"keystoneauth-rs\", \"requests\": {n}, \"auth_and_first_ms\": {first_ms:.3}, \"adapter_median_ms\": {:.4}, \"raw_median_ms\": {:.4}}}",
        median(adapter_ms),
        median(raw_ms)
    );
    Ok(())
}
