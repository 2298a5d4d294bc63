//! Command-line loading with clap's builder API (keystoneauth1's
//! `register_argparse_arguments` and friends).
//!
//! Arguments are registered without clap's own `env` fallback: the
//! environment is a separate source (an [`Env`]) so that every value keeps
//! where it came from and the precedence is the one of [`Loader`]. Help
//! texts name each option's variable.
//!
//! ```
//! use keystoneauth::loading::{cli, Env};
//! # fn main() -> keystoneauth::Result<()> {
//! let argv = ["prog", "--os-auth-type", "none", "--os-endpoint", "http://ironic:6385"];
//! let env = Env::empty();
//! let cmd = clap::Command::new("prog");
//! let cmd = cli::register_session_args(cmd);
//! let cmd = cli::register_adapter_args(cmd, Some("baremetal"));
//! let cmd = cli::register_auth_args(cmd, argv, &env, Some("password"))?;
//! let matches = cmd.try_get_matches_from(argv).unwrap();
//! let auth = cli::load_auth_from_matches(&matches, &env)?;
//! let session = cli::load_session_from_matches(&matches, &env)?.auth_opt(auth).build()?;
//! # let _ = session; Ok(()) }
//! ```

use std::collections::HashMap;
use std::ffi::OsString;
use std::sync::Arc;

use clap::parser::ValueSource as ClapSource;
use clap::{Arg, ArgAction, ArgMatches, Command};

use super::clouds::{CloudConfig, CloudsConfig};
use super::env::Env;
use super::env::EnvSource;
use super::loader::Loader;
use super::opt::{Opt, Raw, ValueSource};
use super::registry::Registry;
use super::source::{AdapterKey, Found, Key, Rank, SessionKey, Source};
use crate::error::{Error, Result};

const AUTH_HEADING: &str = "Authentication Options";
const SESSION_HEADING: &str = "API Connection Options";
const SERVICE_HEADING: &str = "Service Options";
const K2K_HEADING: &str = "Keystone-to-Keystone Options";

fn has_long(cmd: &Command, long: &str) -> bool {
    cmd.get_arguments()
        .any(|a| a.get_long() == Some(long) || a.get_all_aliases().is_some_and(|al| al.contains(&long)))
}

fn has_id(cmd: &Command, id: &str) -> bool {
    cmd.get_arguments().any(|a| a.get_id() == id)
}

/// Adds `arg` unless the command already has its id or flag.
fn add(cmd: Command, arg: Arg) -> Command {
    let long = arg.get_long().map(str::to_owned);
    if has_id(&cmd, arg.get_id().as_str()) || long.as_deref().is_some_and(|l| has_long(&cmd, l)) {
        return cmd;
    }
    cmd.arg(arg)
}

fn with_env(help: &str, vars: &[String]) -> String {
    if vars.is_empty() {
        help.to_owned()
    } else {
        format!("{help} [env: {}]", vars.join(", "))
    }
}

fn value_arg(id: String, long: String, metavar: &str, help: String, heading: &str) -> Arg {
    Arg::new(id)
        .long(long)
        // clap adds the angle brackets itself.
        .value_name(metavar.trim_start_matches('<').trim_end_matches('>').to_owned())
        .num_args(1)
        .action(ArgAction::Set)
        .help(help)
        .help_heading(heading.to_owned())
}

/// Adds keystoneauth1's session arguments: `--insecure`, `--os-cacert`,
/// `--os-cert`, `--os-key`, `--timeout` (default 600) and `--collect-timing`.
pub fn register_session_args(cmd: Command) -> Command {
    let mut cmd = add(
        cmd,
        Arg::new("insecure")
            .long("insecure")
            .action(ArgAction::SetTrue)
            .help(
                "Explicitly allow client to perform \"insecure\" TLS (https) requests. The server's certificate will \
                 not be verified against any certificate authorities. This option should be used with caution.",
            )
            .help_heading(SESSION_HEADING),
    );
    for (name, metavar, help, var) in [
        (
            "cacert",
            "<ca-certificate>",
            "Specify a CA bundle file to use in verifying a TLS (https) server certificate.",
            "OS_CACERT",
        ),
        (
            "cert",
            "<certificate>",
            "The location for the keystore (PEM formatted) containing the public key of this client.",
            "OS_CERT",
        ),
        (
            "key",
            "<key>",
            "The location for the keystore (PEM formatted) containing the private key of this client.",
            "OS_KEY",
        ),
    ] {
        cmd = add(
            cmd,
            value_arg(
                format!("os_{name}"),
                format!("os-{name}"),
                metavar,
                with_env(help, &[var.to_owned()]),
                SESSION_HEADING,
            ),
        );
    }
    cmd = add(
        cmd,
        value_arg(
            "timeout".into(),
            "timeout".into(),
            "<seconds>",
            "Set request timeout (in seconds).".into(),
            SESSION_HEADING,
        )
        .default_value("600"),
    );
    cmd = add(
        cmd,
        Arg::new("collect_timing")
            .long("collect-timing")
            .action(ArgAction::SetTrue)
            .help("Collect per-API call timing information.")
            .help_heading(SESSION_HEADING),
    );
    for (name, metavar, help, var) in [
        (
            "token_store",
            "<url>",
            "Share cached tokens through this store (redis://host:6379/0; needs the `redis` feature).",
            "OS_TOKEN_STORE",
        ),
        (
            "token_store_key_file",
            "<path>",
            "The token store's AES-256 keys, one a line (the first seals; list the old key second to rotate).",
            "OS_TOKEN_STORE_KEY_FILE",
        ),
    ] {
        cmd = add(
            cmd,
            value_arg(
                name.into(),
                name.replace('_', "-"),
                metavar,
                with_env(help, &[var.to_owned()]),
                SESSION_HEADING,
            ),
        );
    }
    cmd
}

/// Adds keystoneauth1's adapter arguments: `--os-service-type` (default
/// `service_type`), `--os-service-name`, `--os-interface` (default
/// `public`), `--os-region-name`, `--os-endpoint-override` and
/// `--os-api-version`.
pub fn register_adapter_args(cmd: Command, service_type: Option<&str>) -> Command {
    let mut cmd = cmd;
    for (name, help, default) in [
        ("service-type", "Service type to request from the catalog", service_type),
        ("service-name", "Service name to request from the catalog", None),
        (
            "interface",
            "API Interface to use [public, internal, admin]",
            Some("public"),
        ),
        ("region-name", "Region of the cloud to use", None),
        (
            "endpoint-override",
            "Endpoint to use instead of the endpoint in the catalog",
            None,
        ),
        ("api-version", "Which version of the service API to use", None),
    ] {
        let var = format!("OS_{}", name.replace('-', "_").to_ascii_uppercase());
        let mut arg = value_arg(
            format!("os_{}", name.replace('-', "_")),
            format!("os-{name}"),
            "<name>",
            with_env(help, &[var]),
            SERVICE_HEADING,
        );
        if let Some(d) = default {
            arg = arg.default_value(d.to_owned());
        }
        cmd = add(cmd, arg);
    }
    cmd
}

/// Adds the per-service adapter arguments for `service_type` (keystoneauth1's
/// `register_service_argparse_arguments`): `--os-<service>-service-type`,
/// `-service-name`, `-interface`, `-api-version` and `-endpoint-override`,
/// with variables `OS_<SERVICE>_...`. They win over the general ones for
/// that service.
pub fn register_service_adapter_args(cmd: Command, service_type: &str) -> Command {
    let heading = format!("{} Service Options", title(service_type));
    let env_prefix = format!("OS_{}", service_type.replace('-', "_").to_ascii_uppercase());
    let mut cmd = cmd;
    for (name, help) in [
        ("service-type", "Service type to request from the catalog for the"),
        ("service-name", "Service name to request from the catalog for the"),
        ("interface", "API Interface to use [public, internal, admin] for the"),
        ("api-version", "Which version of the service API to use for the"),
        (
            "endpoint-override",
            "Endpoint to use instead of the endpoint in the catalog for the",
        ),
    ] {
        let var = format!("{env_prefix}_{}", name.replace('-', "_").to_ascii_uppercase());
        cmd = add(
            cmd,
            value_arg(
                format!("os_{}_{}", service_type.replace('-', "_"), name.replace('-', "_")),
                format!("os-{service_type}-{name}"),
                "<name>",
                with_env(&format!("{help} {service_type} service"), &[var]),
                &heading,
            ),
        );
    }
    cmd
}

fn title(s: &str) -> String {
    s.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Adds `--os-cloud` (variable `OS_CLOUD`), to pick a clouds.yaml cloud;
/// see [`cloud_from_matches`].
pub fn register_cloud_args(cmd: Command) -> Command {
    add(
        cmd,
        value_arg(
            "os_cloud".into(),
            "os-cloud".into(),
            "<name>",
            with_env("Named cloud to connect to", &["OS_CLOUD".to_owned()]),
            AUTH_HEADING,
        ),
    )
}

/// Scans argv for flags before clap parses it.
struct Prescan {
    args: Vec<String>,
}

impl Prescan {
    fn value(&self, flags: &[String]) -> Option<(String, String)> {
        let mut found = None;
        let mut it = self.args.iter().skip(1).peekable();
        while let Some(a) = it.next() {
            if a == "--" {
                break;
            }
            for f in flags {
                if a == f {
                    if let Some(v) = it.peek() {
                        found = Some((f.clone(), (*v).clone()));
                    }
                } else if let Some(v) = a.strip_prefix(f.as_str()).and_then(|r| r.strip_prefix('=')) {
                    found = Some((f.clone(), v.to_owned()));
                }
            }
        }
        found.filter(|(_, v)| !v.is_empty())
    }
}

impl Source for Prescan {
    fn rank(&self) -> Rank {
        Rank::CommandLine
    }

    fn lookup(&self, key: &Key<'_>) -> Result<Option<Found>> {
        let flags: Vec<String> = match key {
            Key::AuthType => vec!["--os-auth-type".into(), "--os-auth-plugin".into()],
            Key::IdentityApiVersion => vec!["--os-identity-api-version".into()],
            Key::Auth(opt) => opt.all_names().map(|n| format!("--os-{n}")).collect(),
            _ => return Ok(None),
        };
        Ok(self
            .value(&flags)
            .map(|(flag, v)| Found::str(v, ValueSource::CommandLine { flag })))
    }

    fn hint(&self, _key: &Key<'_>) -> Option<String> {
        None
    }
}

/// Adds `--os-auth-type` (alias `--os-auth-plugin`) and the options of the
/// plugin it names: found by scanning `argv` (`--os-auth-type X` or
/// `--os-auth-type=X`), then `OS_AUTH_TYPE`, `OS_AUTH_PLUGIN`, then
/// derived from `--os-identity-api-version`/`OS_IDENTITY_API_VERSION` as
/// [`Loader::auth_type`] does, then `default_plugin`. Only that plugin's
/// options are added (so `--help` lists only them), each with its
/// deprecated names as hidden aliases, and the Keystone-to-Keystone
/// options (`--os-service-provider`, `--os-remote-project-*`; see
/// [`Loader::load_auth`]). An unknown plugin name is an error listing the
/// available ones.
pub fn register_auth_args<I, T>(cmd: Command, argv: I, env: &Env, default_plugin: Option<&str>) -> Result<Command>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let args: Vec<String> = argv
        .into_iter()
        .map(|a| a.into().to_string_lossy().into_owned())
        .collect();
    let mut probe = Loader::new()
        .add_source(Arc::new(Prescan { args }))
        .add_source(Arc::new(EnvSource(env.clone())));
    if let Some(d) = default_plugin {
        probe = probe.default_auth_type(d);
    }
    let mut auth_type = value_arg(
        "os_auth_type".into(),
        "os-auth-type".into(),
        "<name>",
        with_env(
            "Authentication type to use",
            &["OS_AUTH_TYPE".to_owned(), "OS_AUTH_PLUGIN".to_owned()],
        ),
        AUTH_HEADING,
    )
    .alias("os-auth-plugin");
    if let Some(d) = default_plugin {
        auth_type = auth_type.default_value(d.to_owned());
    }
    let mut cmd = add(cmd, auth_type);
    let Some(name) = probe.auth_type()? else {
        return Ok(cmd);
    };
    let loader = Registry::global().get(&name.value).map_err(|e| match e {
        Error::InvalidOption { option, message, .. } => {
            Error::invalid_option_in(option, name.source.to_string(), message)
        }
        other => other,
    })?;
    let heading = format!("{AUTH_HEADING} ({} plugin)", loader.name());
    for opt in loader.options() {
        cmd = add(cmd, auth_arg(&opt, &heading));
    }
    for opt in super::k2k::options() {
        cmd = add(cmd, auth_arg(&opt, K2K_HEADING));
    }
    Ok(cmd)
}

fn auth_arg(opt: &Opt, heading: &str) -> Arg {
    let vars: Vec<String> = opt.all_names().map(super::opt::env_var).collect();
    let metavar = opt
        .metavar_text()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("<{}>", opt.name()));
    let mut arg = value_arg(
        format!("os_{}", opt.dest()),
        format!("os-{}", opt.name()),
        &metavar,
        with_env(opt.help_text(), &vars),
        heading,
    );
    for d in opt.deprecated_names() {
        arg = arg.alias(format!("os-{d}"));
    }
    arg
}

/// The values given on the command line (and clap's defaults, used last).
struct CommandLineSource {
    values: HashMap<String, (Raw, bool)>,
}

impl CommandLineSource {
    fn new(m: &ArgMatches) -> Self {
        let mut values = HashMap::new();
        for id in m.ids() {
            let id = id.as_str();
            let Ok(Some(raw)) = m.try_get_raw(id) else {
                continue;
            };
            let items: Vec<String> = raw.map(|v| v.to_string_lossy().into_owned()).collect();
            let from_cli = match m.value_source(id) {
                Some(ClapSource::CommandLine) => true,
                Some(ClapSource::DefaultValue) => false,
                // Values from clap's own env fallback count as given.
                Some(_) => true,
                None => continue,
            };
            let raw = match items.len() {
                0 => continue,
                1 => Raw::Str(items.into_iter().next().unwrap_or_default()),
                _ => Raw::List(items),
            };
            values.insert(id.to_owned(), (raw, from_cli));
        }
        CommandLineSource { values }
    }

    fn ids(key: &Key<'_>) -> Vec<String> {
        let adapter_suffix = |k: AdapterKey| -> Option<&'static str> {
            Some(match k {
                AdapterKey::ServiceType => "service_type",
                AdapterKey::ServiceName => "service_name",
                AdapterKey::Interfaces => "interface",
                AdapterKey::RegionName => "region_name",
                AdapterKey::EndpointOverride => "endpoint_override",
                AdapterKey::Version => "api_version",
                _ => return None,
            })
        };
        match key {
            Key::AuthType => vec!["os_auth_type".into()],
            Key::IdentityApiVersion => vec!["os_identity_api_version".into()],
            Key::Auth(opt) => vec![format!("os_{}", opt.dest())],
            Key::Session(k) => vec![match k {
                SessionKey::Insecure => "insecure".into(),
                SessionKey::CaFile => "os_cacert".into(),
                SessionKey::CertFile => "os_cert".into(),
                SessionKey::KeyFile => "os_key".into(),
                SessionKey::Timeout => "timeout".into(),
                SessionKey::CollectTiming => "collect_timing".into(),
                SessionKey::TokenStore => "token_store".into(),
                SessionKey::TokenStoreKeyFile => "token_store_key_file".into(),
                SessionKey::SplitLoggers => return Vec::new(),
            }],
            Key::Adapter(k, service) => match (adapter_suffix(*k), service) {
                (None, _) => Vec::new(),
                (Some("region_name"), Some(_)) => Vec::new(),
                (Some(s), Some(st)) => vec![format!("os_{}_{s}", st.replace('-', "_"))],
                (Some(s), None) => vec![format!("os_{s}")],
            },
        }
    }

    fn found(&self, key: &Key<'_>, from_cli: bool) -> Option<Found> {
        Self::ids(key).into_iter().find_map(|id| {
            let (raw, cli) = self.values.get(&id)?;
            if *cli != from_cli {
                return None;
            }
            // A flag left unset (false) is not a value given.
            if from_cli
                && matches!(key, Key::Session(SessionKey::Insecure | SessionKey::CollectTiming))
                && raw.text() != "true"
            {
                return None;
            }
            let source = if from_cli {
                ValueSource::CommandLine {
                    flag: format!("--{}", id.replace('_', "-")),
                }
            } else {
                ValueSource::Default
            };
            Some(Found::new(raw.clone(), source))
        })
    }
}

impl Source for CommandLineSource {
    fn rank(&self) -> Rank {
        Rank::CommandLine
    }

    fn lookup(&self, key: &Key<'_>) -> Result<Option<Found>> {
        Ok(self.found(key, true))
    }

    fn default_for(&self, key: &Key<'_>) -> Option<Found> {
        // Unset flags default to false: not a default worth reporting.
        if matches!(key, Key::Session(SessionKey::Insecure | SessionKey::CollectTiming)) {
            return None;
        }
        self.found(key, false)
    }

    fn hint(&self, key: &Key<'_>) -> Option<String> {
        Self::ids(key)
            .into_iter()
            .find(|id| self.values.contains_key(id) || matches!(key, Key::Auth(_)))
            .map(|id| format!("--{}", id.replace('_', "-")))
    }
}

impl Loader {
    /// Adds the values parsed from the command line (arguments registered
    /// with this module's functions; clap defaults are used only when no
    /// source has a value).
    pub fn command_line(self, matches: &ArgMatches) -> Self {
        self.add_source(Arc::new(CommandLineSource::new(matches)))
    }
}

/// The plugin from the parsed arguments with the environment as fallback
/// (keystoneauth1's `load_auth_from_argparse_arguments`); `None` when no
/// plugin is chosen.
pub fn load_auth_from_matches(matches: &ArgMatches, env: &Env) -> Result<Option<Arc<dyn crate::AuthPlugin>>> {
    Loader::new().command_line(matches).env(env.clone()).load_auth()
}

/// A [`SessionBuilder`](crate::SessionBuilder) from the parsed session
/// arguments with the environment as fallback.
pub fn load_session_from_matches(matches: &ArgMatches, env: &Env) -> Result<crate::SessionBuilder> {
    Loader::new().command_line(matches).env(env.clone()).load_session()
}

/// An [`AdapterBuilder`](crate::AdapterBuilder) over `session` from the
/// parsed adapter arguments (per-service ones for `service_type` first) with
/// the environment as fallback.
pub fn load_adapter_from_matches(
    matches: &ArgMatches,
    env: &Env,
    session: crate::Session,
    service_type: Option<&str>,
) -> Result<crate::AdapterBuilder> {
    let mut loader = Loader::new().command_line(matches).env(env.clone());
    if let Some(st) = service_type {
        loader = loader.service_type(st);
    }
    loader.load_adapter(session)
}

/// The cloud named by `--os-cloud` on the command line, if any (`OS_CLOUD`
/// is [`CloudsConfig`]'s default).
pub fn cloud_name_from_matches(matches: &ArgMatches) -> Option<String> {
    CommandLineSource::new(matches)
        .values
        .get("os_cloud")
        .filter(|(_, from_cli)| *from_cli)
        .map(|(raw, _)| raw.text())
}

/// The clouds.yaml cloud named by `--os-cloud` (else as
/// [`CloudsConfig::cloud`] chooses: `OS_CLOUD`, the environment's cloud,
/// the only cloud), in the region of `--os-region-name` or `OS_REGION_NAME`
/// (if registered/set).
pub fn cloud_from_matches(matches: &ArgMatches, env: &Env, clouds: &CloudsConfig) -> Result<Option<CloudConfig>> {
    let cli = CommandLineSource::new(matches);
    let get = |id: &str| -> Option<String> {
        cli.values
            .get(id)
            .filter(|(_, from_cli)| *from_cli)
            .map(|(raw, _)| raw.text())
    };
    let name = get("os_cloud");
    let region = get("os_region_name").or_else(|| env.get("OS_REGION_NAME").map(str::to_owned));
    clouds.cloud(name.as_deref(), region.as_deref())
}
