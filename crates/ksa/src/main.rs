//! `ksa`: a fast command-line client for OpenStack authentication, built on
//! keystoneauth. It authenticates exactly as `openstack` would from the same
//! flags, `OS_*` variables or clouds.yaml, reuses a cached token across
//! runs, and answers the auth-layer questions: what is my token, what is in
//! my catalog, which URL and microversions will a client use; and it sends
//! any request to any service through the catalog.

mod commands;
mod mfa;
mod output;
mod service_args;
mod timeouts;
mod transfer;

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Arg, ArgAction, ArgMatches, Command};
use keystoneauth::loading::{cli, CloudsConfig, Env, Loader};
use keystoneauth::{AuthPlugin, Session, TokenCache};

use output::Format;

/// Everything a command needs.
pub struct Ctx {
    pub matches: ArgMatches,
    pub loader: Loader,
    pub session: Session,
    pub auth: Option<Arc<dyn AuthPlugin>>,
    pub format: Format,
    pub columns: Vec<String>,
    pub cache: Option<TokenCache>,
    pub timeouts: timeouts::Timeouts,
}

impl Ctx {
    /// The Keystone-to-Keystone service provider in effect
    /// (`--os-service-provider`...): the plugin's token is then the service
    /// provider's, not the configured cloud's.
    pub fn service_provider(&self) -> Option<String> {
        self.loader.k2k_options().ok()?.string_owned("service-provider").ok()?
    }

    /// The auth plugin, or an error saying how to give one.
    pub fn auth(&self) -> Result<&Arc<dyn AuthPlugin>, keystoneauth::Error> {
        self.auth.as_ref().ok_or_else(|| {
            keystoneauth::Error::missing_option_in(
                "auth-type or auth-url",
                "set --os-cloud, --os-auth-url (OS_AUTH_URL) or --os-auth-type (OS_AUTH_TYPE)",
            )
        })
    }
}

fn global_args(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("format")
            .short('f')
            .long("format")
            .value_parser(clap::value_parser!(Format))
            .default_value("table")
            .help("Output format (request prints the body as received: json or table only)"),
    )
    .arg(
        Arg::new("column")
            .short('c')
            .long("column")
            .action(ArgAction::Append)
            .help("Show only this column (repeat for more; not for request)"),
    )
    .arg(
        Arg::new("debug")
            .long("debug")
            .action(ArgAction::SetTrue)
            .help("Log requests and responses (secrets redacted) on standard error"),
    )
    .arg(
        Arg::new("no-cache")
            .long("no-cache")
            .action(ArgAction::SetTrue)
            .help("Do not reuse or store tokens on disk (also KSA_NO_CACHE=1)"),
    )
}

/// The whole command line: ksa's commands plus keystoneauth's session,
/// cloud, adapter and (pre-scanned) auth options, all usable anywhere.
/// `clouds` (the clouds.yaml files, when they could be read) tells the auth
/// type of a cloud named with `--os-cloud` or `OS_CLOUD`.
pub fn command(argv: &[OsString], env: &Env, clouds: Option<&CloudsConfig>) -> keystoneauth::Result<Command> {
    let cmd = Command::new("ksa")
        .version(env!("CARGO_PKG_VERSION"))
        .about("OpenStack authentication from the command line: tokens, catalog, endpoints, versions, requests")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommands(commands::subcommands());
    let cmd = global_args(cmd);
    let cmd = cli::register_cloud_args(cmd);
    let cmd = timeouts::register(cli::register_session_args(cmd));
    let cmd = cli::register_adapter_args(cmd, None);
    // The plugin whose options the command line offers: --os-auth-type /
    // OS_AUTH_TYPE (found by register_auth_args), else the chosen cloud's
    // auth_type, else the generic password plugin.
    let default_plugin = cloud_auth_type(argv, env, clouds).unwrap_or_else(|| "password".to_owned());
    let cmd = cli::register_auth_args(cmd, argv.iter().cloned(), env, Some(&default_plugin))?;
    let cmd = service_args::register(cmd, argv);
    Ok(cmd.mut_args(|a| a.global(true)))
}

/// The `auth_type` of the cloud named by `--os-cloud` or `OS_CLOUD`, if
/// any; problems are left for the loading step to report.
fn cloud_auth_type(argv: &[OsString], env: &Env, clouds: Option<&CloudsConfig>) -> Option<String> {
    let name = named_cloud(argv, env)?;
    let cloud = clouds?.cloud(Some(&name), None).ok()??;
    cloud.auth_type().map(str::to_owned)
}

/// The cloud named by `--os-cloud` or `OS_CLOUD`, if any.
fn named_cloud(argv: &[OsString], env: &Env) -> Option<String> {
    let mut name: Option<String> = None;
    let mut args = argv.iter().skip(1).filter_map(|a| a.to_str());
    while let Some(a) = args.next() {
        if a == "--" {
            break;
        }
        if let Some(v) = a.strip_prefix("--os-cloud=") {
            name = Some(v.to_owned());
        } else if a == "--os-cloud" {
            name = args.next().map(str::to_owned);
        }
    }
    name.or_else(|| env.get("OS_CLOUD").map(str::to_owned))
}

fn truthy(v: Option<&str>) -> bool {
    matches!(
        v.map(str::to_ascii_lowercase).as_deref(),
        Some("1" | "true" | "yes" | "on")
    )
}

/// One line for an error: its message and its causes.
fn error_line(e: &(dyn std::error::Error + 'static)) -> String {
    let mut line = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = s.source();
    }
    line.replace('\n', " ")
}

/// The cache, unless its directory is not the user's own (owned by someone
/// else, writable by others, a link): then a warning, and the run goes on
/// without reading or writing the cache.
fn trusted_cache(cache: TokenCache) -> Option<TokenCache> {
    match cache.check_dir() {
        Ok(()) => Some(cache),
        Err(e) => {
            eprintln!("ksa: warning: not using the token cache: {}", error_line(&e));
            None
        }
    }
}

fn init_debug_logging() {
    let filter = tracing_subscriber::EnvFilter::new("keystoneauth=debug");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(true)
        .try_init();
}

async fn run(argv: Vec<OsString>, env: Env) -> Result<ExitCode, Box<dyn std::error::Error>> {
    // Read once: when a cloud is named the command line needs its auth
    // type, and the loader its settings. An error is reported after
    // parsing, so `--help` and `--version` work with a broken clouds.yaml.
    let early = named_cloud(&argv, &env).map(|_| CloudsConfig::load(&env));
    let cmd = command(&argv, &env, early.as_ref().and_then(|c| c.as_ref().ok()))?;
    let matches = match cmd.try_get_matches_from(&argv) {
        Ok(m) => m,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    if matches.get_flag("debug") {
        init_debug_logging();
    }
    if let Some(("completion", sub)) = matches.subcommand() {
        return commands::completion(sub, &argv, &env);
    }
    let format = matches.get_one::<Format>("format").copied().unwrap_or(Format::Table);
    let columns: Vec<String> = matches
        .get_many::<String>("column")
        .map(|v| v.cloned().collect())
        .unwrap_or_default();

    let mut clouds = match early {
        Some(clouds) => clouds?,
        None => CloudsConfig::load(&env)?,
    };
    let cloud_name = cli::cloud_name_from_matches(&matches);
    if clouds.needs_remote_profile(cloud_name.as_deref()) {
        // A vendor profile given as a URL: fetched once, before the cloud is read.
        let session = keystoneauth::Session::builder()
            .app_name("ksa", Some(env!("CARGO_PKG_VERSION")))
            .build()?;
        clouds.fetch_remote_profile(cloud_name.as_deref(), &session).await?;
    }
    let mut loader = Loader::new()
        .command_line(&matches)
        .env(env.clone())
        .default_auth_type("password")
        .prompt(true);
    if let Some(cloud) = cli::cloud_from_matches(&matches, &env, &clouds)? {
        loader = loader.cloud(cloud);
    }
    let auth = if matches!(matches.subcommand(), Some(("config", _))) {
        None
    } else {
        loader.load_auth()?
    };
    let timeouts = timeouts::Timeouts::resolve(&matches, &loader)?;
    // `request` and `proxy` transfer bodies of any size: by default an idle
    // timeout, never a total one.
    let streaming = matches!(matches.subcommand(), Some(("request" | "proxy", _)));
    // A shared store (--token-store, OS_TOKEN_STORE, token_store in
    // clouds.yaml) replaces the on-disk cache.
    let cache = if matches.get_flag("no-cache") || truthy(env.get("KSA_NO_CACHE")) {
        None
    } else if let Some(shared) = loader.session_options()?.token_cache()? {
        Some(shared)
    } else {
        TokenCache::at_default_location().ok().and_then(trusted_cache)
    };
    if let (Some(cache), Some(plugin)) = (cache.as_ref().filter(|c| c.dir().is_some()), &auth) {
        // A broken cache must never stop the command: it is only an optimisation.
        if let Err(e) = cache.load(plugin.as_ref()) {
            eprintln!(
                "ksa: warning: not using the cached token: {}; it will be replaced",
                error_line(&e)
            );
        }
    }
    // The cache in front of the plugin: a token is fetched under the
    // entry's lock and stored at once, so concurrent runs make one request.
    let session = timeouts
        .apply(loader.load_session()?, streaming)
        .auth_opt(auth)
        .token_cache(cache.clone())
        .app_name("ksa", Some(env!("CARGO_PKG_VERSION")))
        .build()?;
    let auth = session.auth().cloned();
    let ctx = Ctx {
        matches,
        loader,
        session,
        auth,
        format,
        columns,
        cache,
        timeouts,
    };
    // The token is cached as soon as it is fetched, even when the command
    // then fails (`endpoint get nosuch`); a run on a cached token writes nothing.
    // A missing TOTP passcode or password is asked for on a terminal.
    mfa::dispatch(&ctx).await
}

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let env = Env::os();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ksa: error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(argv, env)) {
        Ok(code) => code,
        Err(e) => {
            let mut line = error_line(e.as_ref());
            if let Some(m) = e
                .downcast_ref::<keystoneauth::Error>()
                .and_then(|k| k.missing_auth_methods())
            {
                let missing: Vec<String> = m.missing_methods().iter().map(|set| set.join("+")).collect();
                line.push_str(&format!(
                    "; give the missing method ({}) too, e.g. --os-auth-type v3multifactor --os-auth-methods v3password,v3totp --os-passcode CODE{}",
                    missing.join(" or "),
                    mfa::hint(m)
                ));
            }
            eprintln!("ksa: error: {line}");
            ExitCode::from(1)
        }
    }
}
