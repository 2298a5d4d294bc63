//! Loading plugins, sessions and adapters from configuration: INI files,
//! the command line, the environment and clouds.yaml (keystoneauth1's
//! `keystoneauth1.loading` and openstacksdk's config loader).
//!
//! Programs should not hand-build plugins: they let operators choose the
//! plugin and its options. The pieces:
//!
//! - [`Opt`]: an option of a plugin (name, type, help, secret, default,
//!   required, deprecated names, prompt), with its derived flag
//!   `--os-<name>`, variable `OS_<NAME>` and key `<name_with_underscores>`.
//! - [`PluginLoader`] and the [`Registry`]: every built-in plugin under
//!   keystoneauth1's name (`password`, `token`, `v2password`, `v2token`,
//!   `v3password`, `v3token`, `admin_token`, `token_endpoint`, `none`,
//!   `http_basic`); other crates [`Registry::register`] their own at run time.
//! - Sources: [`IniSource`] (oslo.config files), [`cli`] (clap), [`Env`]
//!   (`OS_*` variables), [`CloudConfig`] (clouds.yaml).
//! - [`Loader`]: combines sources by precedence (command line, then
//!   environment, then clouds.yaml / INI, then defaults) into a plugin
//!   ([`Loader::load_auth`]), session settings ([`Loader::load_session`])
//!   and adapter settings ([`Loader::load_adapter`]); every value keeps its
//!   [`ValueSource`]. With a `service-provider` option the plugin is wrapped
//!   in a Keystone-to-Keystone one, as openstackclient does
//!   ([`Loader::k2k_options`]).
//!
//! See `docs/loading.md` for every option of every plugin and source.
//!
//! ```
//! use keystoneauth::loading::{Env, IniFile, IniSource, Loader, ValueSource};
//! # fn main() -> keystoneauth::Result<()> {
//! let ini = IniFile::parse(
//!     "[keystoneclient]\nauth_type = v3password\nauth_url = http://keystone:5000/v3\n\
//!      username = demo\nuser_domain_name = Default\npassword = secret\n\
//!      project_name = demo\nproject_domain_name = Default\ncafile = /etc/ssl/ca.pem\n",
//!     "/etc/app.conf",
//! )?;
//! // OS_PASSWORD in the environment wins over the file.
//! let env = Env::from_pairs([("OS_PASSWORD", "from-env")]);
//! let loader = Loader::new().ini(IniSource::new(ini, "keystoneclient")).env(env);
//! let options = loader.auth_options()?.expect("a plugin is named");
//! assert_eq!(options.plugin(), "v3password");
//! assert_eq!(options.source("password"), Some(&ValueSource::Environment { var: "OS_PASSWORD".into() }));
//! let auth = loader.load_auth()?;
//! let session_settings = loader.session_options()?;
//! assert_eq!(session_settings.ca_file.unwrap().value, std::path::PathBuf::from("/etc/ssl/ca.pem"));
//! # let _ = auth; Ok(()) }
//! ```

mod auth_methods;
mod base_opts;
mod builtin;
#[cfg(feature = "cli")]
#[cfg_attr(docsrs, doc(cfg(feature = "cli")))]
pub mod cli;
mod clouds;
mod env;
mod federation;
mod ini;
mod k2k;
mod kerberos;
mod limits;
mod loaded;
mod loader;
mod oauth1;
mod opt;
mod options;
mod plugin_loader;
mod prompt;
mod registry;
mod saml2;
mod source;

pub use clouds::{load_cloud, CloudConfig, CloudsConfig, CloudsConfigBuilder, REMOTE_PROFILE_TIMEOUT};
pub use env::Env;
pub use ini::{load_adapter_from_ini, load_auth_from_ini, load_session_from_ini, IniFile, IniSource};
pub use limits::{
    MAX_CONFIG_DEPTH, MAX_CONFIG_FILE_BYTES, MAX_CONFIG_NODES, MAX_CONFIG_SCALAR_BYTES, MAX_FORMATTED_VALUE_BYTES,
    MAX_INI_ASSIGNMENTS,
};
pub use loaded::{LoadedOptions, LoadedValue};
pub use loader::Loader;
pub use opt::{Opt, OptKind, OptValue, Sourced, ValueSource};
pub use options::{AdapterOptions, SessionOptions};
pub use plugin_loader::PluginLoader;
pub use prompt::{Prompter, TerminalPrompter};
pub use registry::{registry, Registry};
