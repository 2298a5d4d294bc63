//! ksa's commands, with openstackclient's field names and JSON shapes.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command};
use http::Method;
use keystoneauth::loading::Env;
use keystoneauth::{service_types, AccessInfo, ApiVersion, EndpointFilter, Interface};
use secrecy::ExposeSecret;
use serde_json::{json, Map, Value};

use crate::output::{self, Column};
use crate::Ctx;

mod exec;
mod proxy;
mod request;
use request::request;

type CmdResult = Result<ExitCode, Box<dyn std::error::Error>>;

/// The subcommands.
pub fn subcommands() -> Vec<Command> {
    vec![
        Command::new("token")
            .about("Tokens")
            .subcommand_required(true)
            .subcommand(Command::new("issue").about("Issue a token (or show the cached one)"))
            .subcommand(
                Command::new("revoke")
                    .about("Revoke a token (default: the current one) and drop it from the cache")
                    .arg(Arg::new("token").help("The token to revoke")),
            ),
        Command::new("catalog")
            .about("The service catalog of the current token")
            .subcommand_required(true)
            .subcommand(Command::new("list").about("List services and their endpoints"))
            .subcommand(
                Command::new("show")
                    .about("Show one service")
                    .arg(Arg::new("service").required(true).help("Service type or name")),
            ),
        Command::new("endpoint")
            .about("Endpoints")
            .subcommand_required(true)
            .subcommand(
                Command::new("get")
                    .about(
                        "The URL a client would use for a service (with version discovery when a version is asked for)",
                    )
                    .arg(
                        Arg::new("service_type")
                            .required(true)
                            .help("Service type (aliases accepted)"),
                    )
                    .arg(
                        Arg::new("interface")
                            .long("interface")
                            .action(ArgAction::Append)
                            .help("Interface, most preferred first (repeatable)"),
                    )
                    .arg(Arg::new("region").long("region").help("Region name"))
                    .arg(Arg::new("service_name").long("service-name").help("Service name"))
                    .arg(
                        Arg::new("api_version")
                            .long("api-version")
                            .conflicts_with_all(["min_version", "max_version"])
                            .help("API version (X means X up to X.latest)"),
                    )
                    .arg(
                        Arg::new("min_version")
                            .long("min-version")
                            .help("Lowest acceptable API version"),
                    )
                    .arg(
                        Arg::new("max_version")
                            .long("max-version")
                            .help("Highest acceptable API version"),
                    ),
            ),
        Command::new("versions")
            .about("API versions")
            .subcommand_required(true)
            .subcommand(
                Command::new("show")
                    .about("Versions offered by each endpoint, as `openstack versions show`")
                    .arg(Arg::new("service_type").help("Only this service type"))
                    .arg(
                        Arg::new("all_interfaces")
                            .long("all-interfaces")
                            .action(ArgAction::SetTrue)
                            .help("Every interface, not only the chosen one"),
                    )
                    .arg(Arg::new("status").long("status").help("Only versions with this status")),
            ),
        Command::new("request")
            .about("Send a request to a service through the catalog (like an OpenStack-aware curl)")
            .long_about(
                "Send a request to a service through the catalog (like an OpenStack-aware curl). \
                 Bodies are streamed: --data @FILE and @- are sent as they are read, and the response \
                 is written as it arrives (a JSON response to standard output of up to 16 MiB is \
                 pretty-printed). The body is printed as received: -f yaml/value and -c/--column do \
                 not apply. The default timeout is an idle (read) timeout of 60 s, so long transfers are \
                 never cut while data moves.",
            )
            .arg(Arg::new("method").required(true).help("HTTP method"))
            .arg(
                Arg::new("service_type")
                    .required(true)
                    .help("Service type (aliases accepted)"),
            )
            .arg(
                Arg::new("path")
                    .required(true)
                    .help("Path relative to the service's endpoint"),
            )
            .arg(
                Arg::new("data")
                    .short('d')
                    .long("data")
                    .help("Body: JSON text, @file, or @- for standard input (files and standard input are streamed)"),
            )
            .arg(
                Arg::new("output")
                    .short('o')
                    .long("output")
                    .default_value("-")
                    .help("Write the response body to this file (- for standard output)"),
            )
            .arg(
                Arg::new("quiet")
                    .short('q')
                    .long("quiet")
                    .action(ArgAction::SetTrue)
                    .help("No progress bar (shown on a terminal for transfers over 4 MiB)"),
            )
            .arg(
                Arg::new("header")
                    .short('H')
                    .long("header")
                    .action(ArgAction::Append)
                    .help("Header 'Name: value' (repeatable)"),
            )
            .arg(
                Arg::new("microversion")
                    .long("microversion")
                    .help("Microversion to send (or latest)"),
            )
            .arg(
                Arg::new("include")
                    .short('i')
                    .long("include")
                    .action(ArgAction::SetTrue)
                    .help("Print the status line and headers before the body"),
            )
            .arg(
                Arg::new("no_auth")
                    .long("no-auth")
                    .action(ArgAction::SetTrue)
                    .help("Send no token"),
            )
            .arg(Arg::new("region").long("region").help("Region name"))
            .arg(
                Arg::new("interface")
                    .long("interface")
                    .action(ArgAction::Append)
                    .help("Interface, most preferred first (repeatable)"),
            ),
        proxy::command(),
        exec::exec_command(),
        exec::env_command(),
        Command::new("config")
            .about("The resolved configuration")
            .subcommand_required(true)
            .subcommand(Command::new("show").about("Every setting, where it came from, secrets masked")),
        Command::new("completion").about("Shell completions").arg(
            Arg::new("shell")
                .required(true)
                .value_parser(clap::value_parser!(clap_complete::Shell)),
        ),
    ]
}

/// Prints the completions for a shell.
pub fn completion(sub: &ArgMatches, argv: &[OsString], env: &Env) -> CmdResult {
    let Some(shell) = sub.get_one::<clap_complete::Shell>("shell").copied() else {
        return Ok(ExitCode::from(2));
    };
    let clouds = keystoneauth::loading::CloudsConfig::load(env).ok();
    let mut cmd = crate::command(argv, env, clouds.as_ref())?;
    // Into a buffer first: clap_complete panics when it cannot write (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "ksa", &mut script);
    print(&String::from_utf8_lossy(&script))
}

/// Runs the chosen command.
pub async fn dispatch(ctx: &Ctx) -> CmdResult {
    match ctx.matches.subcommand() {
        Some(("token", m)) => match m.subcommand() {
            Some(("issue", _)) => token_issue(ctx).await,
            Some(("revoke", r)) => token_revoke(ctx, r).await,
            _ => Ok(ExitCode::from(2)),
        },
        Some(("catalog", m)) => match m.subcommand() {
            Some(("list", _)) => catalog_list(ctx).await,
            Some(("show", s)) => catalog_show(ctx, s).await,
            _ => Ok(ExitCode::from(2)),
        },
        Some(("endpoint", m)) => match m.subcommand() {
            Some(("get", g)) => endpoint_get(ctx, g).await,
            _ => Ok(ExitCode::from(2)),
        },
        Some(("versions", m)) => match m.subcommand() {
            Some(("show", s)) => versions_show(ctx, s).await,
            _ => Ok(ExitCode::from(2)),
        },
        Some(("request", m)) => request(ctx, m).await,
        Some(("proxy", m)) => proxy::proxy(ctx, m).await,
        Some(("exec", m)) => exec::exec(ctx, m).await,
        Some(("env", m)) => exec::env(ctx, m).await,
        Some(("config", m)) => match m.subcommand() {
            Some(("show", _)) => config_show(ctx),
            _ => Ok(ExitCode::from(2)),
        },
        _ => Ok(ExitCode::from(2)),
    }
}

fn print(text: &str) -> CmdResult {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // The reader went away (`ksa ... | head -1`): not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

async fn access(ctx: &Ctx) -> Result<std::sync::Arc<AccessInfo>, Box<dyn std::error::Error>> {
    let plugin = ctx.auth()?;
    plugin
        .access_info(ctx.session.transport())
        .await?
        .ok_or_else(|| format!("the {plugin:?} auth plugin has no token to show").into())
}

fn record(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

async fn token_issue(ctx: &Ctx) -> CmdResult {
    let a = access(ctx).await?;
    let mut fields: Vec<(&str, Value)> = vec![
        (
            "expires",
            json!(a.expires_at().format("%Y-%m-%dT%H:%M:%S%z").to_string()),
        ),
        ("id", json!(a.token().expose_secret())),
    ];
    if let Some(p) = a.project_id() {
        fields.push(("project_id", json!(p)));
    }
    fields.push(("user_id", json!(a.user_id())));
    if let Some(d) = a.domain_id() {
        fields.push(("domain_id", json!(d)));
    }
    if let Some(s) = a.system_scope() {
        fields.push(("system", json!(s)));
    }
    fields.sort_by(|x, y| x.0.cmp(y.0));
    let columns: Vec<Column> = fields.iter().map(|(k, _)| Column::plain(column_name(k))).collect();
    print(&output::show(ctx.format, &columns, &record(fields), &ctx.columns)?)
}

/// The static name of a token field (columns need `&'static str`).
fn column_name(k: &str) -> &'static str {
    match k {
        "expires" => "expires",
        "id" => "id",
        "project_id" => "project_id",
        "user_id" => "user_id",
        "domain_id" => "domain_id",
        _ => "system",
    }
}

/// The identity endpoint filter for token operations, honouring
/// `--os-interface` and `--os-region-name`.
fn identity_filter(ctx: &Ctx) -> Result<EndpointFilter, Box<dyn std::error::Error>> {
    let opts = ctx.loader.adapter_options()?;
    let mut f = EndpointFilter::new("identity");
    if let Some(i) = opts.interfaces {
        f = f.interfaces(i.value);
    }
    if let Some(r) = opts.region_name {
        f = f.region_name(r.value);
    }
    Ok(f)
}

async fn token_revoke(ctx: &Ctx, m: &ArgMatches) -> CmdResult {
    let plugin = ctx.auth()?;
    let current = ctx.session.token(None).await?;
    let target = match m.get_one::<String>("token") {
        Some(t) => t.clone(),
        None => current
            .as_ref()
            .map(|t| t.expose_secret().to_owned())
            .ok_or("the current auth plugin has no token to revoke")?,
    };
    let mut subject = http::HeaderValue::from_str(&target).map_err(|_| "the token is not a valid header value")?;
    subject.set_sensitive(true);
    ctx.session
        .delete("/auth/tokens")
        .endpoint_filter(identity_filter(ctx)?)
        .header(http::HeaderName::from_static("x-subject-token"), subject)
        .send()
        .await?;
    let revoked_current = current.as_ref().is_some_and(|c| c.expose_secret() == target);
    if revoked_current {
        plugin.invalidate();
        if let (Some(cache), Some(id)) = (&ctx.cache, plugin.cache_id()) {
            cache.forget(&id).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn endpoints_json(service: &keystoneauth::CatalogService) -> Value {
    Value::Array(
        service
            .endpoints
            .iter()
            .filter(|e| e.has_url())
            .map(|e| {
                json!({
                    "id": e.id,
                    "interface": e.interface.as_str(),
                    "region_id": e.region,
                    "url": e.url,
                    "region": e.region,
                })
            })
            .collect(),
    )
}

/// openstackclient's EndpointsColumn: `region\n  interface: url\n` each.
fn endpoints_text(v: &Value) -> String {
    let mut out = String::new();
    for e in v.as_array().into_iter().flatten() {
        let region = e["region_id"].as_str().unwrap_or("<none>");
        out.push_str(region);
        out.push('\n');
        out.push_str(&format!(
            "  {}: {}\n",
            e["interface"].as_str().unwrap_or(""),
            e["url"].as_str().unwrap_or("")
        ));
    }
    out
}

async fn catalog_list(ctx: &Ctx) -> CmdResult {
    let a = access(ctx).await?;
    let rows: Vec<Map<String, Value>> = a
        .catalog()
        .services()
        .iter()
        .map(|s| {
            record(vec![
                ("Name", json!(s.name.clone().unwrap_or_default())),
                ("Type", json!(s.service_type)),
                ("Endpoints", endpoints_json(s)),
            ])
        })
        .collect();
    let columns = [
        Column::plain("Name"),
        Column::plain("Type"),
        Column::with("Endpoints", endpoints_text),
    ];
    print(&output::list(ctx.format, &columns, &rows, &ctx.columns)?)
}

async fn catalog_show(ctx: &Ctx, m: &ArgMatches) -> CmdResult {
    let wanted = m.get_one::<String>("service").map(String::as_str).unwrap_or("");
    let a = access(ctx).await?;
    let service = a
        .catalog()
        .services()
        .iter()
        .find(|s| s.name.as_deref() == Some(wanted) || s.service_type == wanted)
        .ok_or_else(|| format!("service {wanted} not found in the catalog"))?;
    let rec = record(vec![
        ("endpoints", endpoints_json(service)),
        ("id", json!(service.id)),
        ("name", json!(service.name)),
        ("type", json!(service.service_type)),
    ]);
    let columns = [
        Column::with("endpoints", endpoints_text),
        Column::plain("id"),
        Column::plain("name"),
        Column::plain("type"),
    ];
    print(&output::show(ctx.format, &columns, &rec, &ctx.columns)?)
}

fn parse_version(v: Option<&String>, option: &str) -> Result<Option<ApiVersion>, keystoneauth::Error> {
    v.map(|s| ApiVersion::parse_option(s, option)).transpose()
}

fn parse_interfaces(m: &ArgMatches) -> Result<Option<Vec<Interface>>, keystoneauth::Error> {
    // `try_`: commands without an --interface flag (proxy, exec) use this too.
    match m.try_get_many::<String>("interface").ok().flatten() {
        None => Ok(None),
        Some(vals) => vals
            .flat_map(|v| v.split(','))
            .map(str::parse::<Interface>)
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
    }
}

/// A filter from the command's own flags, falling back to the global and
/// per-service settings (`--os-interface`, `--os-region-name`,
/// `--os-service-name`, `--os-api-version`, `--os-<service>-api-version`
/// and their variables and clouds.yaml keys).
fn filter_for(ctx: &Ctx, service_type: &str, m: &ArgMatches) -> Result<EndpointFilter, Box<dyn std::error::Error>> {
    let opts = ctx.loader.clone().service_type(service_type).adapter_options()?;
    let mut f = EndpointFilter::new(service_type);
    if let Some(n) = &opts.service_name {
        f = f.service_name(n.value.clone());
    }
    f.version = parse_version(opts.version.as_ref().map(|v| &v.value), "--os-api-version")?;
    f.min_version = parse_version(opts.min_version.as_ref().map(|v| &v.value), "min_version")?;
    f.max_version = parse_version(opts.max_version.as_ref().map(|v| &v.value), "max_version")?;
    match parse_interfaces(m)? {
        Some(i) => f = f.interfaces(i),
        None => {
            if let Some(i) = opts.interfaces {
                f = f.interfaces(i.value);
            }
        }
    }
    let region = m
        .try_get_one::<String>("region")
        .ok()
        .flatten()
        .cloned()
        .or(opts.region_name.map(|r| r.value));
    if let Some(r) = region {
        f = f.region_name(r);
    }
    if let Ok(Some(n)) = m.try_get_one::<String>("service_name") {
        f = f.service_name(n.clone());
    }
    Ok(f)
}

/// The service's endpoint override (`--os-<service>-endpoint-override`,
/// `OS_<SERVICE>_ENDPOINT_OVERRIDE`, clouds.yaml, or the general one).
fn endpoint_override(ctx: &Ctx, service_type: &str) -> Result<Option<String>, keystoneauth::Error> {
    Ok(ctx
        .loader
        .clone()
        .service_type(service_type)
        .adapter_options()?
        .endpoint_override
        .map(|o| o.value))
}

/// Where requests for a service go: its endpoint override, else the
/// catalog's endpoint for `filter`.
async fn service_endpoint(ctx: &Ctx, service_type: &str, filter: &EndpointFilter) -> keystoneauth::Result<String> {
    match endpoint_override(ctx, service_type)? {
        Some(u) => Ok(u),
        None => ctx.session.endpoint(filter, None).await,
    }
}

fn opt_text(v: Option<impl ToString>) -> Value {
    v.map_or(Value::Null, |x| json!(x.to_string()))
}

async fn endpoint_get(ctx: &Ctx, m: &ArgMatches) -> CmdResult {
    let service_type = m.get_one::<String>("service_type").map(String::as_str).unwrap_or("");
    let mut filter = filter_for(ctx, service_type, m)?;
    let own = |name: &str, option: &str| parse_version(m.get_one::<String>(name), option);
    let (version, min, max) = (
        own("api_version", "--api-version")?,
        own("min_version", "--min-version")?,
        own("max_version", "--max-version")?,
    );
    if version.is_some() || min.is_some() || max.is_some() {
        (filter.version, filter.min_version, filter.max_version) = (version, min, max);
    }
    // The bare URL unless fields are asked for (`-f json|yaml`, or `-c`).
    let structured = matches!(ctx.format, output::Format::Json | output::Format::Yaml) || !ctx.columns.is_empty();
    let data = ctx.session.endpoint_data(&filter, None, structured).await?;
    if !structured {
        return print(&format!("{}\n", data.url()));
    }
    let rec = record(vec![
        ("url", json!(data.url())),
        ("catalog_url", json!(data.catalog_url)),
        ("service_type", opt_text(data.service_type.as_ref())),
        ("service_name", opt_text(data.service_name.as_ref())),
        ("interface", opt_text(data.interface)),
        ("region", opt_text(data.region_name.as_ref())),
        ("api_version", opt_text(data.api_version)),
        ("min_microversion", opt_text(data.min_microversion)),
        ("max_microversion", opt_text(data.max_microversion)),
        ("status", opt_text(data.status)),
    ]);
    let columns = [
        Column::plain("url"),
        Column::plain("catalog_url"),
        Column::plain("service_type"),
        Column::plain("service_name"),
        Column::plain("interface"),
        Column::plain("region"),
        Column::plain("api_version"),
        Column::plain("min_microversion"),
        Column::plain("max_microversion"),
        Column::plain("status"),
    ];
    print(&output::show(ctx.format, &columns, &rec, &ctx.columns)?)
}

async fn versions_show(ctx: &Ctx, m: &ArgMatches) -> CmdResult {
    let opts = ctx.loader.adapter_options()?;
    let mut filter = EndpointFilter::default();
    if let Some(st) = m.get_one::<String>("service_type") {
        filter = filter.service_type(st.clone());
    }
    if m.get_flag("all_interfaces") {
        filter = filter.interfaces(Interface::ALL);
    } else if let Some(i) = opts.interfaces {
        filter = filter.interfaces(i.value);
    }
    if let Some(r) = opts.region_name {
        filter = filter.region_name(r.value);
    }
    let status = m.get_one::<String>("status").map(|s| s.to_ascii_uppercase());
    let all = ctx.session.all_version_data(&filter, None).await?;
    let mut rows = Vec::new();
    for service in all {
        let service_type = service_types::official_type(&service.service_type)
            .unwrap_or(&service.service_type)
            .to_owned();
        for v in service.versions {
            if status.as_deref().is_some_and(|s| s != v.status.as_str()) {
                continue;
            }
            rows.push(record(vec![
                ("Region Name", json!(service.region_name)),
                ("Service Type", json!(service_type)),
                ("Version", json!(v.version.to_string())),
                ("Status", json!(v.status.as_str())),
                ("Endpoint", json!(v.url)),
                ("Min Microversion", opt_text(v.min_microversion)),
                ("Max Microversion", opt_text(v.max_microversion)),
            ]));
        }
    }
    let columns = [
        Column::plain("Region Name"),
        Column::plain("Service Type"),
        Column::plain("Version"),
        Column::plain("Status"),
        Column::plain("Endpoint"),
        Column::plain("Min Microversion"),
        Column::plain("Max Microversion"),
    ];
    print(&output::list(ctx.format, &columns, &rows, &ctx.columns)?)
}

fn config_show(ctx: &Ctx) -> CmdResult {
    let mut rows: Vec<Map<String, Value>> = Vec::new();
    let mut row = |option: &str, value: String, source: String| {
        rows.push(record(vec![
            ("Option", json!(option)),
            ("Value", json!(value)),
            ("Source", json!(source)),
        ]));
    };
    match ctx.loader.auth_type()? {
        Some(t) => row("auth_type", t.value.clone(), t.source.to_string()),
        None => row("auth_type", "None".into(), "not set".into()),
    }
    if let Some(opts) = ctx.loader.auth_options()? {
        for v in opts.iter() {
            row(&v.name.replace('-', "_"), v.value.to_string(), v.source.to_string());
        }
    }
    for v in ctx.loader.k2k_options()?.iter() {
        row(&v.name.replace('-', "_"), v.value.to_string(), v.source.to_string());
    }
    let s = ctx.loader.session_options()?;
    if let Some(v) = s.insecure {
        row("insecure", v.value.to_string(), v.source.to_string());
    }
    if let Some(v) = s.ca_file {
        row("cacert", v.value.display().to_string(), v.source.to_string());
    }
    if let Some(v) = s.cert_file {
        row("cert", v.value.display().to_string(), v.source.to_string());
    }
    if let Some(v) = s.key_file {
        row("key", v.value.display().to_string(), v.source.to_string());
    }
    if let Some(v) = s.split_loggers {
        row("split_loggers", v.value.to_string(), v.source.to_string());
    }
    let t = &ctx.timeouts;
    row(
        "timeout",
        format!("{}", t.total.value.as_secs_f64()),
        t.total.source.to_string(),
    );
    row(
        "connect_timeout",
        format!("{}", t.connect.value.as_secs_f64()),
        t.connect.source.to_string(),
    );
    let a = ctx.loader.adapter_options()?;
    if let Some(v) = a.region_name {
        row("region_name", v.value, v.source.to_string());
    }
    if let Some(v) = a.interfaces {
        let list: Vec<&str> = v.value.iter().map(|i| i.as_str()).collect();
        row("interface", list.join(","), v.source.to_string());
    }
    match &ctx.cache {
        Some(c) => {
            let source = match ctx.loader.session_options()?.token_store {
                Some(s) if c.dir().is_none() => s.source.to_string(),
                _ => "default".into(),
            };
            row("token_cache", c.location(), source)
        }
        None => row(
            "token_cache",
            "disabled".into(),
            "--no-cache, KSA_NO_CACHE or an untrusted directory".into(),
        ),
    }
    let columns = [Column::plain("Option"), Column::plain("Value"), Column::plain("Source")];
    print(&output::list(ctx.format, &columns, &rows, &ctx.columns)?)
}
