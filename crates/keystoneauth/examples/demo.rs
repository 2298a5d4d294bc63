//! The demo: one Session, a v3 Password plugin, two clients (Adapters)
//! sharing one token, against the Keystone named by the `OS_*` variables
//! (`scripts/demo` starts a local one and sets them).

use std::sync::Arc;

use keystoneauth::identity::v3;
use keystoneauth::{Adapter, AuthPlugin, EndpointFilter, Interface, Session};

fn env(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    std::env::var(name).map_err(|_| format!("{name} is not set (run scripts/demo)").into())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let auth: Arc<dyn AuthPlugin> = Arc::new(
        v3::Password::builder(env("OS_AUTH_URL")?)
            .username(env("OS_USERNAME")?)
            .user_domain_name(env("OS_USER_DOMAIN_NAME")?)
            .password(env("OS_PASSWORD")?)
            .project_name(env("OS_PROJECT_NAME")?)
            .project_domain_name(env("OS_PROJECT_DOMAIN_NAME")?)
            .build()?,
    );
    let session = Session::builder().auth(auth.clone()).collect_timing(true).build()?;

    // Two service clients on one session: one token between them.
    let identity = Adapter::builder(session.clone()).service_type("identity").build()?;
    let compute = Adapter::builder(session.clone())
        .service_type("compute")
        .interface(Interface::Internal)
        .region_name("RegionTwo")
        .build()?;

    let access = auth.access_info(session.transport()).await?.ok_or("no access info")?;
    println!("Token");
    println!("  user     {} ({})", access.username().unwrap_or("?"), access.user_id());
    println!(
        "  project  {} ({})",
        access.project_name().unwrap_or("?"),
        access.project_id().unwrap_or("?")
    );
    println!("  roles    {}", access.role_names().join(", "));
    println!("  expires  {}", access.expires_at().format("%Y-%m-%dT%H:%M:%S%z"));

    println!("\nCatalog");
    for service in access.catalog().services() {
        println!(
            "  {} ({})",
            service.service_type,
            service.name.as_deref().unwrap_or("-")
        );
        for e in &service.endpoints {
            println!(
                "    {:<9} {:<10} {}",
                e.interface,
                e.region.as_deref().unwrap_or("-"),
                e.url
            );
        }
    }

    println!(
        "\nInternal compute endpoint in RegionTwo\n  {}",
        compute.endpoint().await?
    );
    let block = session
        .endpoint(&EndpointFilter::new("block-storage").region_name("RegionOne"), None)
        .await?;
    println!("block-storage (the volumev3 entry, project id filled in)\n  {block}");

    let projects: serde_json::Value = identity.get("/projects").send().await?.json()?;
    println!("\nProjects (GET identity /v3/projects)");
    for p in projects["projects"].as_array().into_iter().flatten() {
        println!(
            "  {:<10} {}",
            p["name"].as_str().unwrap_or("?"),
            p["id"].as_str().unwrap_or("?")
        );
    }

    println!("\nRequests made");
    for t in session.timings() {
        let status = t.status.map(|s| s.as_u16().to_string()).unwrap_or_else(|| "-".into());
        println!(
            "  {:<6} {} {:>5.1} ms  {}",
            t.method.as_str(),
            status,
            t.elapsed.as_secs_f64() * 1000.0,
            t.url
        );
    }
    Ok(())
}
