//! Combining sources by precedence into a plugin, session and adapter.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::env::{Env, EnvSource};
use super::loaded::LoadedOptions;
use super::opt::{self, Opt, OptKind, OptValue, Sourced, ValueSource};
use super::options::{AdapterOptions, SessionOptions};
use super::plugin_loader::PluginLoader;
use super::prompt::{Prompter, TerminalPrompter};
use super::registry::Registry;
use super::source::{AdapterKey, Found, Key, SessionKey, Source};
use crate::adapter::AdapterBuilder;
use crate::auth::AuthPlugin;
use crate::catalog::Interface;
use crate::error::{Error, Result};
use crate::session::{Session, SessionBuilder};

#[derive(Clone)]
enum RegistryRef {
    Global,
    Owned(Arc<Registry>),
}

impl RegistryRef {
    fn get(&self) -> &Registry {
        match self {
            RegistryRef::Global => Registry::global(),
            RegistryRef::Owned(r) => r,
        }
    }
}

/// Loads a plugin, session settings and adapter settings from several
/// sources at once, by a fixed precedence: command line > environment >
/// clouds.yaml / INI files > defaults (whatever order the sources are added in;
/// clouds.yaml and INI sources rank equal, in the order added).
///
/// ```no_run
/// use keystoneauth::loading::{CloudsConfig, Env, IniFile, IniSource, Loader};
/// # fn demo() -> keystoneauth::Result<()> {
/// let env = Env::os();
/// let ini = IniFile::load("/etc/myservice/myservice.conf")?;
/// let loader = Loader::new()
///     .env(env.clone())
///     .ini(IniSource::new(ini, "keystone_authtoken"))
///     .prompt(true);
/// let auth = loader.load_auth()?;
/// let session = loader.load_session()?.auth_opt(auth).build()?;
/// # let _ = session; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Loader {
    sources: Vec<Arc<dyn Source>>,
    registry: RegistryRef,
    default_auth_type: Option<String>,
    prompter: Option<Arc<dyn Prompter>>,
    service_type: Option<String>,
}

impl std::fmt::Debug for Loader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loader")
            .field("sources", &self.sources.len())
            .field("default_auth_type", &self.default_auth_type)
            .field("service_type", &self.service_type)
            .field("prompt", &self.prompter.is_some())
            .finish()
    }
}

impl Default for Loader {
    fn default() -> Self {
        Loader::new()
    }
}

impl Loader {
    /// A loader with no sources, using the global registry.
    pub fn new() -> Self {
        Loader {
            sources: Vec::new(),
            registry: RegistryRef::Global,
            default_auth_type: None,
            prompter: None,
            service_type: None,
        }
    }

    pub(crate) fn add_source(mut self, source: Arc<dyn Source>) -> Self {
        // Stable: equal ranks keep the order they were added in.
        let pos = self
            .sources
            .iter()
            .position(|s| s.rank() > source.rank())
            .unwrap_or(self.sources.len());
        self.sources.insert(pos, source);
        self
    }

    /// Adds the environment (`OS_*` variables).
    pub fn env(self, env: Env) -> Self {
        self.add_source(Arc::new(EnvSource(env)))
    }

    /// Uses `registry` instead of the global one.
    pub fn registry(mut self, registry: Arc<Registry>) -> Self {
        self.registry = RegistryRef::Owned(registry);
        self
    }

    /// The plugin used when no source names one (keystoneauth1's `default`).
    pub fn default_auth_type(mut self, name: impl Into<String>) -> Self {
        self.default_auth_type = Some(name.into());
        self
    }

    /// Asks on the terminal (without echo) for missing options that have
    /// prompt text, when standard input is a terminal. Off by default.
    pub fn prompt(mut self, prompt: bool) -> Self {
        self.prompter = if prompt { Some(Arc::new(TerminalPrompter)) } else { None };
        self
    }

    /// Asks for missing options that have prompt text with `prompter`.
    pub fn prompter(mut self, prompter: Arc<dyn Prompter>) -> Self {
        self.prompter = Some(prompter);
        self
    }

    /// The service the adapter is for: per-service settings
    /// (`--os-compute-api-version`, `OS_COMPUTE_API_VERSION`,
    /// `compute_api_version`) are looked up for it, and it is the default
    /// service type.
    pub fn service_type(mut self, service_type: impl Into<String>) -> Self {
        self.service_type = Some(service_type.into());
        self
    }

    fn first(&self, key: &Key<'_>) -> Result<Option<Found>> {
        for s in &self.sources {
            if let Some(f) = s.lookup(key)? {
                return Ok(Some(f));
            }
        }
        Ok(None)
    }

    fn first_default(&self, key: &Key<'_>) -> Option<Found> {
        self.sources.iter().find_map(|s| s.default_for(key))
    }

    fn hints(&self, key: &Key<'_>) -> String {
        let hints: Vec<String> = self.sources.iter().filter_map(|s| s.hint(key)).collect();
        if hints.is_empty() {
            "no source was given to load it from".to_owned()
        } else {
            format!("set one of: {}", hints.join(", "))
        }
    }

    /// The plugin name and where it came from: a source's `auth_type`
    /// (`--os-auth-type`, `OS_AUTH_TYPE`/`OS_AUTH_PLUGIN`, `auth_type`/
    /// `auth_plugin`); else derived from `identity_api_version` as
    /// osc-lib does (`3` → `v3password`/`v3token`, `2…` →
    /// `v2password`/`v2token`, other → `password`/`token`, token plugins
    /// when a token and no username is given); else the default; else
    /// `password` when a clouds.yaml cloud is used (openstacksdk's default);
    /// else none.
    pub fn auth_type(&self) -> Result<Option<Sourced<String>>> {
        if let Some(f) = self.first(&Key::AuthType)? {
            let name = f.raw.text();
            let name = if name == "None" { "none".to_owned() } else { name };
            return Ok(Some(Sourced::new(name, f.source)));
        }
        let has = |opt: Opt| -> Result<bool> { Ok(self.first(&Key::Auth(&opt))?.is_some()) };
        if let Some(f) = self.first(&Key::IdentityApiVersion)? {
            let version = f.raw.text();
            let token = !has(Opt::new("username").deprecated_name("user-name"))? && has(Opt::new("token"))?;
            let name = derive_auth_type(&version, token);
            return Ok(Some(Sourced::new(name.to_owned(), f.source)));
        }
        if let Some(d) = &self.default_auth_type {
            return Ok(Some(Sourced::new(d.clone(), ValueSource::Default)));
        }
        if let Some(f) = self.first_default(&Key::AuthType) {
            return Ok(Some(Sourced::new(f.raw.text(), f.source)));
        }
        if self.sources.iter().any(|s| s.is_cloud()) {
            let token = !has(Opt::new("username").deprecated_name("user-name"))? && has(Opt::new("token"))?;
            return Ok(Some(Sourced::new(
                if token { "token" } else { "password" }.to_owned(),
                ValueSource::Default,
            )));
        }
        Ok(None)
    }

    fn plugin_loader(&self, name: &Sourced<String>) -> Result<Arc<dyn PluginLoader>> {
        self.registry.get().get(&name.value).map_err(|e| match e {
            Error::InvalidOption { option, message, .. } => {
                Error::invalid_option_in(option, name.source.to_string(), message)
            }
            other => other,
        })
    }

    /// The chosen plugin's options with their values and sources, without
    /// building the plugin (for showing the configuration); `None` when no
    /// plugin is chosen.
    pub fn auth_options(&self) -> Result<Option<LoadedOptions>> {
        let Some(name) = self.auth_type()? else {
            return Ok(None);
        };
        let loader = self.plugin_loader(&name)?;
        self.options_for(loader.options(), name).map(Some)
    }

    /// The Keystone-to-Keystone options (`service-provider`,
    /// `remote-project-*`, as osc-lib names them) with their values and
    /// sources; [`Loader::load_auth`] wraps the plugin in a
    /// [`Keystone2Keystone`](crate::identity::v3::Keystone2Keystone) one
    /// when `service-provider` is given.
    pub fn k2k_options(&self) -> Result<LoadedOptions> {
        self.options_for(
            super::k2k::options(),
            Sourced::new(super::k2k::NAME.to_owned(), ValueSource::Default),
        )
    }

    fn options_for(&self, opts: Vec<Opt>, name: Sourced<String>) -> Result<LoadedOptions> {
        let mut loaded = LoadedOptions::new(name.value.clone(), name.source, opts.clone());
        for opt in &opts {
            let key = Key::Auth(opt);
            loaded.set_hint(opt, self.hints(&key));
            let found = match self.first(&key)? {
                Some(f) => Some(f),
                None => opt
                    .default()
                    .map(|d| Found::str(d, ValueSource::Default))
                    .or_else(|| self.first_default(&key)),
            };
            let found = match (found, &self.prompter, opt.prompt_text()) {
                (Some(f), _, _) => Some(f),
                (None, Some(p), Some(text)) => p
                    .prompt(opt, text)?
                    .map(|s| Found::str(opt::expose(&s), ValueSource::Prompt)),
                _ => None,
            };
            match found {
                Some(f) => {
                    let value = opt::typed(opt.name(), opt.opt_kind(), opt.is_secret(), f.raw, &f.source)?;
                    loaded.insert(opt, value, f.source);
                }
                None if opt.is_required() => return Err(loaded.missing(opt.name())),
                None => {}
            }
        }
        Ok(loaded)
    }

    /// Builds the chosen plugin; `None` when no plugin is chosen (as
    /// keystoneauth1 returns `None` without an `auth_type`). When a
    /// `service-provider` is given, the plugin is the local cloud's side of
    /// a [`Keystone2Keystone`](crate::identity::v3::Keystone2Keystone) one,
    /// which is returned (osc-lib's `--os-service-provider`).
    pub fn load_auth(&self) -> Result<Option<Arc<dyn AuthPlugin>>> {
        let Some(name) = self.auth_type()? else {
            return Ok(None);
        };
        let loader = self.plugin_loader(&name)?;
        let options = self.options_for(loader.options(), name)?;
        let plugin = loader.load(&options).map_err(|e| options.locate_error(e))?;
        super::k2k::wrap(plugin, &options, &self.k2k_options()?).map(Some)
    }

    fn typed_value(&self, name: &str, kind: OptKind, key: &Key<'_>) -> Result<Option<(OptValue, ValueSource)>> {
        let found = match self.first(key)? {
            Some(f) => Some(f),
            None => self.first_default(key),
        };
        match found {
            None => Ok(None),
            Some(f) => Ok(Some((opt::typed(name, kind, false, f.raw, &f.source)?, f.source))),
        }
    }

    /// The session settings from all sources.
    pub fn session_options(&self) -> Result<SessionOptions> {
        let mut o = SessionOptions::default();
        for key in SessionKey::ALL {
            let Some((value, source)) = self.typed_value(key.ini_name(), key.kind(), &Key::Session(key))? else {
                continue;
            };
            match (key, value) {
                (SessionKey::Insecure, OptValue::Boolean(b)) => o.insecure = Some(Sourced::new(b, source)),
                (SessionKey::CollectTiming, OptValue::Boolean(b)) => o.collect_timing = Some(Sourced::new(b, source)),
                (SessionKey::SplitLoggers, OptValue::Boolean(b)) => o.split_loggers = Some(Sourced::new(b, source)),
                (SessionKey::CaFile, OptValue::String(s)) => o.ca_file = Some(Sourced::new(PathBuf::from(s), source)),
                (SessionKey::CertFile, OptValue::String(s)) => {
                    o.cert_file = Some(Sourced::new(PathBuf::from(s), source))
                }
                (SessionKey::KeyFile, OptValue::String(s)) => o.key_file = Some(Sourced::new(PathBuf::from(s), source)),
                (SessionKey::TokenStore, OptValue::String(s)) => o.token_store = Some(Sourced::new(s, source)),
                (SessionKey::TokenStoreKeyFile, OptValue::String(s)) => {
                    o.token_store_key_file = Some(Sourced::new(PathBuf::from(s), source))
                }
                (SessionKey::Timeout, OptValue::Float(x)) => {
                    if x <= 0.0 {
                        return Err(Error::invalid_option_in(
                            "timeout",
                            source.to_string(),
                            format!("{x} must be greater than 0"),
                        ));
                    }
                    let d = Duration::try_from_secs_f64(x).map_err(|_| {
                        Error::invalid_option_in("timeout", source.to_string(), format!("{x} seconds is too long"))
                    })?;
                    o.timeout = Some(Sourced::new(d, source));
                }
                _ => {}
            }
        }
        Ok(o)
    }

    /// A [`SessionBuilder`] with the session settings from all sources (add
    /// the plugin with [`SessionBuilder::auth_opt`]).
    pub fn load_session(&self) -> Result<SessionBuilder> {
        self.session_options()?.builder()
    }

    fn adapter_found(&self, key: AdapterKey, service: Option<&str>) -> Result<Option<Found>> {
        for s in &self.sources {
            if let Some(st) = service {
                if let Some(f) = s.lookup(&Key::Adapter(key, Some(st)))? {
                    return Ok(Some(f));
                }
            }
            if let Some(f) = s.lookup(&Key::Adapter(key, None))? {
                return Ok(Some(f));
            }
        }
        // The application's service type beats a registered flag's default.
        if key == AdapterKey::ServiceType {
            if let Some(st) = &self.service_type {
                return Ok(Some(Found::str(st.clone(), ValueSource::Default)));
            }
        }
        if let Some(st) = service {
            if let Some(f) = self.first_default(&Key::Adapter(key, Some(st))) {
                return Ok(Some(f));
            }
        }
        Ok(self.first_default(&Key::Adapter(key, None)))
    }

    /// The adapter settings from all sources.
    pub fn adapter_options(&self) -> Result<AdapterOptions> {
        let mut o = AdapterOptions::default();
        // The service whose per-service settings apply: the application's,
        // else the one configured for all services.
        let general_type = self.adapter_found(AdapterKey::ServiceType, None)?.map(|f| f.raw.text());
        let service = self.service_type.clone().or(general_type);
        let service = service.as_deref();
        for key in AdapterKey::ALL {
            let Some(f) = self.adapter_found(key, service)? else {
                continue;
            };
            let name = key.ini_name();
            let string = |f: Found| Sourced::new(f.raw.text(), f.source);
            let int = |f: Found| -> Result<Sourced<u32>> {
                let t = f.raw.text();
                let v = t.trim().parse::<u32>().map_err(|_| {
                    Error::invalid_option_in(
                        name,
                        f.source.to_string(),
                        format!("{t:?} is not a whole number of retries"),
                    )
                })?;
                Ok(Sourced::new(v, f.source))
            };
            let delay = |f: Found| -> Result<Sourced<Duration>> {
                match opt::typed(name, OptKind::Float, false, f.raw, &f.source)? {
                    OptValue::Float(x) if x >= 0.0 && Duration::try_from_secs_f64(x).is_ok() => Ok(Sourced::new(
                        Duration::try_from_secs_f64(x).unwrap_or_default(),
                        f.source,
                    )),
                    _ => Err(Error::invalid_option_in(
                        name,
                        f.source.to_string(),
                        "must be a number of seconds, 0 or more (and not absurdly large)",
                    )),
                }
            };
            match key {
                AdapterKey::ServiceType => o.service_type = Some(string(f)),
                AdapterKey::ServiceName => o.service_name = Some(string(f)),
                AdapterKey::RegionName => o.region_name = Some(string(f)),
                AdapterKey::EndpointOverride => o.endpoint_override = Some(string(f)),
                AdapterKey::Version => o.version = Some(string(f)),
                AdapterKey::MinVersion => o.min_version = Some(string(f)),
                AdapterKey::MaxVersion => o.max_version = Some(string(f)),
                AdapterKey::ConnectRetries => o.connect_retries = Some(int(f)?),
                AdapterKey::StatusCodeRetries => o.status_code_retries = Some(int(f)?),
                AdapterKey::ConnectRetryDelay => o.connect_retry_delay = Some(delay(f)?),
                AdapterKey::StatusCodeRetryDelay => o.status_code_retry_delay = Some(delay(f)?),
                AdapterKey::Interfaces => {
                    let items = f.raw.items();
                    let mut interfaces = Vec::new();
                    for i in items {
                        let parsed: Interface = i.parse().map_err(|_| {
                            Error::invalid_option_in(
                                "valid_interfaces",
                                f.source.to_string(),
                                format!("{i:?} is not a valid interface; valid values are public, internal or admin"),
                            )
                        })?;
                        interfaces.push(parsed);
                    }
                    o.interfaces = Some(Sourced::new(interfaces, f.source));
                }
                AdapterKey::RetriableStatusCodes => {
                    let items = f.raw.items();
                    let mut codes = Vec::new();
                    for c in items {
                        let code = c
                            .parse::<u16>()
                            .ok()
                            .filter(|c| (100..=599).contains(c))
                            .ok_or_else(|| {
                                Error::invalid_option_in(
                                    name,
                                    f.source.to_string(),
                                    format!("{c:?} is not an HTTP status code"),
                                )
                            })?;
                        codes.push(code);
                    }
                    o.retriable_status_codes = Some(Sourced::new(codes, f.source));
                }
            }
        }
        if let Some(v) = &o.version {
            if o.min_version.is_some() || o.max_version.is_some() {
                return Err(Error::invalid_option_in(
                    "version",
                    v.source.to_string(),
                    "version is mutually exclusive with min_version and max_version",
                ));
            }
        }
        Ok(o)
    }

    /// An [`AdapterBuilder`] over `session` with the adapter settings from
    /// all sources (see [`Loader::adapter_options`] for `min_version` and
    /// `max_version`).
    pub fn load_adapter(&self, session: Session) -> Result<AdapterBuilder> {
        Ok(self.adapter_options()?.builder(session))
    }
}

/// osc-lib's choice of plugin from `identity_api_version`.
pub(crate) fn derive_auth_type(identity_api_version: &str, token_only: bool) -> &'static str {
    let v = identity_api_version.trim();
    match (v, token_only) {
        ("3", false) => "v3password",
        ("3", true) => "v3token",
        (v, false) if v.starts_with('2') => "v2password",
        (v, true) if v.starts_with('2') => "v2token",
        (_, false) => "password",
        (_, true) => "token",
    }
}
