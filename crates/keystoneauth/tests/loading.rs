//! Loading plugins, sessions and adapters from INI files, the command line,
//! the environment and clouds.yaml, without a server. Every test passes its
//! own `Env`, so none reads or changes the process environment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use testkit::temp_dir;

use std::sync::Arc;
use std::time::Duration;

use clap::Command;
use keystoneauth::loading::{
    cli, registry, CloudConfig, CloudsConfig, Env, IniFile, IniSource, LoadedOptions, Loader, Opt, OptKind, Prompter,
    Registry, ValueSource,
};
use keystoneauth::secrecy::SecretString;
use keystoneauth::{Error, Interface, Session};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/loading")
}

fn service_conf() -> IniFile {
    IniFile::load(fixtures().join("service.conf")).unwrap()
}

/// The Horizon-style files, read from their directory only.
fn horizon(env: &Env) -> CloudsConfig {
    CloudsConfig::builder()
        .search_dirs([fixtures().join("horizon")])
        .load(env)
        .unwrap()
}

fn horizon_cloud(name: &str, region: Option<&str>) -> CloudConfig {
    horizon(&Env::empty()).cloud(Some(name), region).unwrap().unwrap()
}

fn ini_source(path: &Path, group: &str, key: &str, line: usize) -> ValueSource {
    ValueSource::Ini {
        path: path.to_owned(),
        group: group.into(),
        key: key.into(),
        line,
    }
}

fn env_source(var: &str) -> ValueSource {
    ValueSource::Environment { var: var.into() }
}

fn cli_source(flag: &str) -> ValueSource {
    ValueSource::CommandLine { flag: flag.into() }
}

fn text(options: &LoadedOptions, name: &str) -> String {
    options.string(name).unwrap().unwrap_or_default().to_owned()
}

fn secret(options: &LoadedOptions, name: &str) -> String {
    use keystoneauth::secrecy::ExposeSecret;
    options
        .secret(name)
        .unwrap()
        .map(|s| s.expose_secret().to_owned())
        .unwrap_or_default()
}

fn names(opts: &[Opt]) -> Vec<&str> {
    opts.iter().map(Opt::name).collect()
}

// ---------------------------------------------------------------- options

#[test]
fn builtin_plugins_have_keystoneauth1_names_and_options() {
    let r = Registry::global();
    for name in [
        "admin_token",
        "http_basic",
        "none",
        "password",
        "token",
        "token_endpoint",
        "v2password",
        "v2token",
        "v3password",
        "v3token",
    ] {
        assert!(r.find(name).is_some(), "{name}");
    }
    let v3 = r.get("v3password").unwrap().options();
    assert_eq!(
        names(&v3),
        [
            "auth-url",
            "system-scope",
            "domain-id",
            "domain-name",
            "project-id",
            "project-name",
            "project-domain-id",
            "project-domain-name",
            "trust-id",
            "user-id",
            "username",
            "user-domain-id",
            "user-domain-name",
            "password"
        ]
    );
    let username = v3.iter().find(|o| o.name() == "username").unwrap();
    assert_eq!(username.deprecated_names(), ["user-name"]);
    let password = v3.iter().find(|o| o.name() == "password").unwrap();
    assert!(password.is_secret() && password.prompt_text() == Some("Password: "));
    assert!(v3[0].is_required() && v3[0].cli_flag() == "--os-auth-url" && v3[0].env_var() == "OS_AUTH_URL");

    let v2 = r.get("v2password").unwrap().options();
    assert_eq!(
        names(&v2),
        [
            "auth-url",
            "tenant-id",
            "tenant-name",
            "trust-id",
            "username",
            "user-id",
            "password"
        ]
    );
    let generic = r.get("password").unwrap().options();
    for n in ["default-domain-id", "default-domain-name", "user-domain-name"] {
        assert!(names(&generic).contains(&n), "{n}");
    }
    let project_id = generic.iter().find(|o| o.name() == "project-id").unwrap();
    assert_eq!(project_id.deprecated_names(), ["tenant-id"]);
    assert_eq!(names(&r.get("admin_token").unwrap().options()), ["endpoint", "token"]);
    assert_eq!(names(&r.get("none").unwrap().options()), ["endpoint"]);
    assert_eq!(
        names(&r.get("http_basic").unwrap().options()),
        ["username", "password", "endpoint"]
    );
}

#[test]
fn unknown_plugin_lists_available_names_sorted_and_names_source() {
    let err = Registry::global().get("kerberos-please").unwrap_err().to_string();
    assert!(err.contains("no auth plugin named \"kerberos-please\""), "{err}");
    let available = err.split("available plugins: ").nth(1).unwrap();
    let listed: Vec<&str> = available.split(", ").collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted);
    assert!(listed.contains(&"v3password") && listed.contains(&"none"));

    // From an INI file: the file, group and key are named.
    let path = fixtures().join("service.conf");
    let err = Loader::new()
        .ini(IniSource::new(service_conf(), "nowhere"))
        .load_auth()
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::InvalidOption { ref option, .. } if option == "auth-type"));
    assert!(
        msg.contains(&format!("{} [nowhere] auth_type", path.display())),
        "{msg}"
    );

    // From the environment.
    let env = Env::from_pairs([("OS_AUTH_TYPE", "nope")]);
    let msg = Loader::new().env(env).load_auth().unwrap_err().to_string();
    assert!(
        msg.contains("environment variable OS_AUTH_TYPE") && msg.contains("\"nope\""),
        "{msg}"
    );
}

// ---------------------------------------------------------------- INI

#[test]
fn ini_group_gives_plugin_session_and_adapter() {
    let path = fixtures().join("service.conf");
    let loader = Loader::new().ini(IniSource::new(service_conf(), "keystone_authtoken"));
    let o = loader.auth_options().unwrap().unwrap();
    assert_eq!(o.plugin(), "v3password");
    assert_eq!(
        o.plugin_source(),
        &ini_source(&path, "keystone_authtoken", "auth_type", 7)
    );
    assert_eq!(text(&o, "auth-url"), "http://keystone.example.com:5000/v3");
    assert_eq!(text(&o, "user_domain_name"), "Default");
    assert_eq!(secret(&o, "password"), "nova-secret");
    assert_eq!(
        o.source("password"),
        Some(&ini_source(&path, "keystone_authtoken", "password", 11))
    );
    let plugin = loader.load_auth().unwrap().unwrap();
    let debug = format!("{plugin:?}");
    assert!(
        debug.contains("v3password") && !debug.contains("nova-secret"),
        "{debug}"
    );

    let s = loader.session_options().unwrap();
    assert_eq!(
        s.ca_file.as_ref().unwrap().value,
        PathBuf::from("/etc/ssl/certs/ca.pem")
    );
    assert!(!s.insecure.as_ref().unwrap().value);
    assert_eq!(s.timeout.as_ref().unwrap().value, Duration::from_secs_f64(30.5));
    assert!(s.collect_timing.as_ref().unwrap().value);
    assert!(s.split_loggers.as_ref().unwrap().value);
    assert_eq!(
        s.timeout.as_ref().unwrap().source,
        ini_source(&path, "keystone_authtoken", "timeout", 16)
    );
    // The session builder gets them (the CA file is read at build time).
    let err = loader.load_session().unwrap().build().unwrap_err().to_string();
    assert!(err.contains("/etc/ssl/certs/ca.pem"), "{err}");
}

#[tokio::test]
async fn loaded_split_loggers_reach_the_session() {
    use common::logs::{capture_logs, events_of};
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    for (value, request_target) in [
        ("true", keystoneauth::transport::REQUEST_LOG_TARGET),
        ("false", keystoneauth::transport::LOG_TARGET),
    ] {
        let ini = IniFile::parse(&format!("[s]\nsplit_loggers = {value}\n"), "/etc/s.conf").unwrap();
        let session = Loader::new()
            .ini(IniSource::new(ini, "s"))
            .load_session()
            .unwrap()
            .build()
            .unwrap();
        let (capture, guards) = capture_logs();
        session
            .get(server.uri())
            .authenticated(Some(false))
            .send()
            .await
            .unwrap();
        drop(guards);
        let log = capture.text();
        let requests = events_of(&log, request_target);
        assert!(
            requests.iter().any(|e| e.contains("curl -g -i -X GET")),
            "{value}: {log}"
        );
    }
}

#[test]
fn ini_auth_section_and_adapter_options() {
    let loader = Loader::new().ini(IniSource::new(service_conf(), "nova"));
    // auth_type and the plugin's options come from [keystone_authtoken].
    let o = loader.auth_options().unwrap().unwrap();
    assert_eq!(o.plugin(), "v3password");
    assert_eq!(text(&o, "username"), "nova");
    assert!(matches!(o.source("username"), Some(ValueSource::Ini { group, .. }) if group == "keystone_authtoken"));
    // Session options are read from [nova] itself: none there.
    let s = loader.session_options().unwrap();
    assert!(s.ca_file.is_none() && s.timeout.is_none());

    let a = loader.adapter_options().unwrap();
    assert_eq!(a.service_type.as_ref().unwrap().value, "compute");
    assert_eq!(
        a.interfaces.as_ref().unwrap().value,
        [Interface::Internal, Interface::Public]
    );
    assert_eq!(a.region_name.as_ref().unwrap().value, "RegionTwo");
    assert_eq!(
        a.endpoint_override.as_ref().unwrap().value,
        "http://nova.example.com:8774/v2.1"
    );
    assert_eq!(a.min_version.as_ref().unwrap().value, "2.1");
    assert_eq!(a.max_version.as_ref().unwrap().value, "2.latest");
    assert!(a.version.is_none());
    assert_eq!(a.connect_retries.as_ref().unwrap().value, 3);
    assert_eq!(
        a.connect_retry_delay.as_ref().unwrap().value,
        Duration::from_millis(500)
    );
    assert_eq!(a.status_code_retries.as_ref().unwrap().value, 2);
    assert_eq!(
        a.status_code_retry_delay.as_ref().unwrap().value,
        Duration::from_secs(1)
    );
    assert_eq!(a.retriable_status_codes.as_ref().unwrap().value, [503, 502]);
    let session = Session::new().unwrap();
    let adapter = loader.load_adapter(session).unwrap().build().unwrap();
    assert_eq!(adapter.endpoint_filter().service_type.as_deref(), Some("compute"));
    assert_eq!(adapter.endpoint_filter().region_name.as_deref(), Some("RegionTwo"));
}

#[test]
fn ini_deprecated_and_application_renamed_options() {
    let path = fixtures().join("service.conf");
    let source = IniSource::new(service_conf(), "legacy")
        .rename("admin_password", "password")
        .rename("ca_file", "cafile");
    let loader = Loader::new().ini(source);
    let o = loader.auth_options().unwrap().unwrap();
    // auth_plugin is auth_type's old name.
    assert_eq!(o.plugin(), "password");
    assert!(matches!(o.plugin_source(), ValueSource::Ini { key, .. } if key == "auth_plugin"));
    // user-name is username's deprecated name; tenant_name project_name's.
    assert_eq!(text(&o, "username"), "legacy");
    assert_eq!(
        o.source("username"),
        Some(&ini_source(&path, "legacy", "user-name", 39))
    );
    assert_eq!(text(&o, "project-name"), "legacy-project");
    assert!(matches!(o.source("project_name"), Some(ValueSource::Ini { key, .. }) if key == "tenant_name"));
    assert_eq!(text(&o, "default-domain-id"), "default");
    // The application's own old names.
    assert_eq!(secret(&o, "password"), "legacy-secret");
    assert!(matches!(o.source("password"), Some(ValueSource::Ini { key, .. }) if key == "admin_password"));
    let s = loader.session_options().unwrap();
    assert_eq!(s.ca_file.unwrap().value, PathBuf::from("/etc/ssl/legacy.pem"));
    // Without the renames the old names mean nothing.
    let plain = Loader::new().ini(IniSource::new(service_conf(), "legacy"));
    assert!(plain.session_options().unwrap().ca_file.is_none());
    assert!(plain.auth_options().unwrap().unwrap().get("password").is_none());
    // interface is the deprecated single-interface option.
    let a = loader.adapter_options().unwrap();
    assert_eq!(a.interfaces.unwrap().value, [Interface::Admin]);
    // The generic plugin builds (its version is chosen on first use).
    assert!(loader.load_auth().unwrap().is_some());
}

#[test]
fn ini_default_group_is_a_fallback_only_when_asked() {
    let plain = Loader::new().ini(IniSource::new(service_conf(), "nova"));
    assert!(plain.session_options().unwrap().timeout.is_none());
    let fallback = Loader::new().ini(IniSource::new(service_conf(), "nova").default_fallback(true));
    let t = fallback.session_options().unwrap().timeout.unwrap();
    assert_eq!(t.value, Duration::from_secs(99));
    assert!(matches!(t.source, ValueSource::Ini { group, .. } if group == "DEFAULT"));
}

#[test]
fn ini_errors_name_file_group_and_option() {
    let path = fixtures().join("service.conf");
    let broken = Loader::new().ini(IniSource::new(service_conf(), "broken"));
    // Wrong type.
    let err = broken.session_options().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "invalid value for option timeout ({} [broken] timeout (line 53)): \"soon\" is not a number",
            path.display()
        )
    );
    // valid_interfaces and interface together.
    let err = broken.adapter_options().unwrap_err().to_string();
    assert!(
        err.contains("valid_interfaces") && err.contains("mutually exclusive") && err.contains("[broken]"),
        "{err}"
    );
    // A project name without a project domain (the builder's check), with
    // where project-name came from and where the domain could be given.
    let err = broken.load_auth().unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, Error::MissingOption { ref option, .. } if option == "project-domain-id or project-domain-name")
    );
    assert!(
        msg.contains("project-name from") && msg.contains("[broken] project_name"),
        "{msg}"
    );
    assert!(msg.contains("project_domain_id in [broken]"), "{msg}");

    // A missing required option.
    let ini = IniFile::parse("[svc]\nauth_type = v3password\nusername = x\n", "/etc/svc.conf").unwrap();
    let err = Loader::new().ini(IniSource::new(ini, "svc")).load_auth().unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing required option auth-url (v3password; set one of: auth_url in [svc] of /etc/svc.conf)"
    );
    // No auth_type: no plugin, as keystoneauth1.
    let ini = IniFile::parse("[svc]\nusername = x\n", "/etc/svc.conf").unwrap();
    assert!(keystoneauth::loading::load_auth_from_ini(&ini, "svc")
        .unwrap()
        .is_none());

    // Unreadable and invalid files.
    let err = IniFile::load("/nonexistent/svc.conf").unwrap_err();
    assert_eq!(err.to_string(), "unable to read INI file /nonexistent/svc.conf");
    let err = IniFile::load(fixtures().join("bad.ini")).unwrap_err();
    let chain = format!("{err}: {}", std::error::Error::source(&err).unwrap());
    assert!(
        chain.contains("bad.ini") && chain.contains("line 2: no ':' or '='"),
        "{chain}"
    );
    let err = Loader::new()
        .ini(IniSource::new(
            IniFile::parse("[s]\nconnect_retries = many\n", "/etc/s.conf").unwrap(),
            "s",
        ))
        .adapter_options()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("connect_retries") && err.contains("/etc/s.conf [s] connect_retries"),
        "{err}"
    );
}

#[test]
fn ini_convenience_functions() {
    let ini = service_conf();
    assert!(keystoneauth::loading::load_auth_from_ini(&ini, "nova")
        .unwrap()
        .is_some());
    let b = keystoneauth::loading::load_session_from_ini(&ini, "legacy").unwrap();
    assert!(b.build().is_ok());
    let a = keystoneauth::loading::load_adapter_from_ini(&ini, "nova", Session::new().unwrap())
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(a.endpoint_filter().interfaces, [Interface::Internal, Interface::Public]);
}

// ---------------------------------------------------------------- environment

#[test]
fn environment_alone() {
    let env = Env::from_pairs([
        ("OS_AUTH_TYPE", "v3password"),
        ("OS_AUTH_URL", "http://k:5000/v3"),
        ("OS_USER_NAME", "deprecated-name"),
        ("OS_USER_DOMAIN_ID", "default"),
        ("OS_PASSWORD", "env-secret"),
        ("OS_PROJECT_ID", "p1"),
        ("OS_CACERT", "/ca.pem"),
        ("OS_INSECURE", "true"),
        ("OS_API_TIMEOUT", "12"),
        ("OS_REGION_NAME", "RegionTwo"),
        ("OS_INTERFACE", "internal"),
        ("OS_COMPUTE_API_VERSION", "2.79"),
        ("OS_API_VERSION", "1"),
        ("OS_USERNAME", ""),
    ]);
    let loader = Loader::new().env(env).service_type("compute");
    let o = loader.auth_options().unwrap().unwrap();
    assert_eq!(o.plugin_source(), &env_source("OS_AUTH_TYPE"));
    // An empty variable counts as unset, so the deprecated name is used.
    assert_eq!(text(&o, "username"), "deprecated-name");
    assert_eq!(o.source("username"), Some(&env_source("OS_USER_NAME")));
    assert_eq!(secret(&o, "password"), "env-secret");
    assert!(loader.load_auth().unwrap().is_some());
    let s = loader.session_options().unwrap();
    assert!(s.insecure.unwrap().value);
    assert_eq!(s.ca_file.unwrap().source, env_source("OS_CACERT"));
    assert_eq!(s.timeout.unwrap().value, Duration::from_secs(12));
    let a = loader.adapter_options().unwrap();
    assert_eq!(a.region_name.unwrap().value, "RegionTwo");
    assert_eq!(a.interfaces.unwrap().value, [Interface::Internal]);
    // The per-service variable wins for the adapter's service.
    let v = a.version.unwrap();
    assert_eq!(
        (v.value.as_str(), v.source),
        ("2.79", env_source("OS_COMPUTE_API_VERSION"))
    );
    assert_eq!(a.service_type.unwrap().value, "compute");
}

#[test]
fn environment_plugin_from_identity_api_version() {
    // Horizon's openrc: no OS_AUTH_TYPE, OS_IDENTITY_API_VERSION=3 (osc-lib's rule).
    let openrc = Env::from_pairs([
        ("OS_AUTH_URL", "https://keystone.example.com:5000/v3"),
        ("OS_PROJECT_ID", "677d4afe"),
        ("OS_PROJECT_NAME", "demo"),
        ("OS_USER_DOMAIN_NAME", "Default"),
        ("OS_USERNAME", "demo"),
        ("OS_PASSWORD", "pw"),
        ("OS_REGION_NAME", "RegionOne"),
        ("OS_INTERFACE", "public"),
        ("OS_IDENTITY_API_VERSION", "3"),
    ]);
    let loader = Loader::new().env(openrc.clone());
    let t = loader.auth_type().unwrap().unwrap();
    assert_eq!(
        (t.value.as_str(), t.source),
        ("v3password", env_source("OS_IDENTITY_API_VERSION"))
    );
    assert!(loader.load_auth().unwrap().is_some());
    let v2 = openrc.clone().with("OS_IDENTITY_API_VERSION", "2.0");
    let o = Loader::new().env(v2).auth_options().unwrap().unwrap();
    assert_eq!(o.plugin(), "v2password");
    // v2 plugins take OS_PROJECT_* for tenant-*.
    assert_eq!(text(&o, "tenant-id"), "677d4afe");
    let token = Env::from_pairs([("OS_IDENTITY_API_VERSION", "3"), ("OS_TOKEN", "t")]);
    assert_eq!(Loader::new().env(token).auth_type().unwrap().unwrap().value, "v3token");
    // Nothing named and no default: no plugin (keystoneauth1 returns None).
    let bare = Env::from_pairs([("OS_USERNAME", "u")]);
    assert!(Loader::new().env(bare.clone()).load_auth().unwrap().is_none());
    let d = Loader::new()
        .env(bare)
        .default_auth_type("password")
        .auth_type()
        .unwrap()
        .unwrap();
    assert_eq!((d.value.as_str(), d.source), ("password", ValueSource::Default));
}

// ---------------------------------------------------------------- command line

fn app(argv: &[&str], env: &Env, default: Option<&str>) -> Command {
    let cmd = Command::new("prog").no_binary_name(false);
    let cmd = cli::register_session_args(cmd);
    let cmd = cli::register_adapter_args(cmd, Some("compute"));
    let cmd = cli::register_service_adapter_args(cmd, "block-storage");
    let cmd = cli::register_cloud_args(cmd);
    cli::register_auth_args(cmd, argv.iter().copied(), env, default).unwrap()
}

fn help(argv: &[&str], env: &Env) -> String {
    app(argv, env, None).render_long_help().to_string()
}

#[test]
fn help_lists_only_the_chosen_plugins_options() {
    let env = Env::empty();
    let h = help(&["prog", "--os-auth-type", "v3password"], &env);
    for flag in [
        "--os-auth-url",
        "--os-user-domain-name",
        "--os-project-domain-id",
        "--os-system-scope",
        "--os-password",
        "--os-auth-type",
        "--insecure",
        "--os-cacert",
        "--timeout",
        "--os-region-name",
        "--os-block-storage-api-version",
        "OS_AUTH_URL",
    ] {
        assert!(h.contains(flag), "{flag} missing from help:\n{h}");
    }
    for flag in [
        "--os-token",
        "--os-default-domain-id",
        "--os-tenant-name",
        "--os-endpoint ",
    ] {
        assert!(!h.contains(flag), "{flag} in help:\n{h}");
    }
    // The plugin named with `=`, with the alias, by the environment, by default.
    let h = help(&["prog", "--os-auth-plugin=v3token"], &env);
    assert!(h.contains("--os-token") && !h.contains("--os-password"), "{h}");
    let h = help(&["prog"], &Env::from_pairs([("OS_AUTH_PLUGIN", "admin_token")]));
    assert!(h.contains("--os-endpoint") && !h.contains("--os-auth-url"), "{h}");
    let h = app(&["prog"], &env, Some("http_basic")).render_long_help().to_string();
    assert!(h.contains("--os-username") && !h.contains("--os-auth-url"), "{h}");
    // No plugin: only --os-auth-type.
    let h = help(&["prog"], &env);
    assert!(h.contains("--os-auth-type") && !h.contains("--os-auth-url"), "{h}");
    // An unknown plugin is an error naming where it came from.
    let err = cli::register_auth_args(Command::new("p"), ["p", "--os-auth-type", "nope"], &env, None).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("command line --os-auth-type") && msg.contains("available plugins"),
        "{msg}"
    );
}

#[test]
fn command_line_with_environment_fallback() {
    let env = Env::from_pairs([
        ("OS_AUTH_URL", "http://env:5000/v3"),
        ("OS_PASSWORD", "env-secret"),
        ("OS_USER_DOMAIN_NAME", "Default"),
        ("OS_CACERT", "/env/ca.pem"),
        ("OS_BLOCK_STORAGE_API_VERSION", "3.59"),
    ]);
    let argv = [
        "prog",
        "--os-auth-type",
        "v3password",
        "--os-auth-url",
        "http://cli:5000/v3",
        "--os-user-name",
        "alice",
        "--os-project-id",
        "p1",
        "--insecure",
        "--timeout",
        "7",
        "--os-interface",
        "admin",
        "--os-block-storage-interface",
        "internal",
    ];
    let m = app(&argv, &env, None).try_get_matches_from(argv).unwrap();
    let loader = Loader::new().command_line(&m).env(env.clone());
    let o = loader.auth_options().unwrap().unwrap();
    assert_eq!(o.plugin_source(), &cli_source("--os-auth-type"));
    // The flag beats the variable; the variable fills what the flags leave.
    assert_eq!(text(&o, "auth-url"), "http://cli:5000/v3");
    assert_eq!(o.source("auth-url"), Some(&cli_source("--os-auth-url")));
    assert_eq!(text(&o, "username"), "alice");
    assert_eq!(o.source("password"), Some(&env_source("OS_PASSWORD")));
    assert!(cli::load_auth_from_matches(&m, &env).unwrap().is_some());

    let s = loader.session_options().unwrap();
    assert_eq!(s.insecure.as_ref().unwrap().source, cli_source("--insecure"));
    assert_eq!(s.timeout.as_ref().unwrap().value, Duration::from_secs(7));
    assert_eq!(s.ca_file.as_ref().unwrap().source, env_source("OS_CACERT"));
    assert!(cli::load_session_from_matches(&m, &env).unwrap().build().is_ok());

    // Per-service flags and variables win for their service.
    let a = loader.clone().service_type("block-storage").adapter_options().unwrap();
    assert_eq!(a.interfaces.as_ref().unwrap().value, [Interface::Internal]);
    assert_eq!(
        a.version.as_ref().unwrap().source,
        env_source("OS_BLOCK_STORAGE_API_VERSION")
    );
    assert_eq!(a.service_type.as_ref().unwrap().value, "block-storage");
    let compute = cli::load_adapter_from_matches(&m, &env, Session::new().unwrap(), None)
        .unwrap()
        .build()
        .unwrap();
    // --os-service-type defaults to the registered service type.
    assert_eq!(compute.endpoint_filter().service_type.as_deref(), Some("compute"));
    assert_eq!(compute.endpoint_filter().interfaces, [Interface::Admin]);
}

#[test]
fn command_line_defaults_rank_below_every_source() {
    let argv = ["prog", "--os-auth-type", "none"];
    let env = Env::empty();
    let m = app(&argv, &env, None).try_get_matches_from(argv).unwrap();
    let s = Loader::new().command_line(&m).session_options().unwrap();
    // keystoneauth1's --timeout default of 600 s.
    assert_eq!(s.timeout.as_ref().unwrap().value, Duration::from_secs(600));
    assert_eq!(s.timeout.unwrap().source, ValueSource::Default);
    assert!(s.insecure.is_none());
    let ini = IniFile::parse("[s]\ntimeout = 5\nvalid_interfaces = internal\n", "/etc/s.conf").unwrap();
    let l = Loader::new().command_line(&m).ini(IniSource::new(ini, "s"));
    assert_eq!(
        l.session_options().unwrap().timeout.unwrap().value,
        Duration::from_secs(5)
    );
    assert_eq!(
        l.adapter_options().unwrap().interfaces.unwrap().value,
        [Interface::Internal]
    );
    // Unparsable flag values name the flag.
    let argv = ["prog", "--timeout=-3"];
    let m = app(&argv, &env, None).try_get_matches_from(argv).unwrap();
    let err = cli::load_session_from_matches(&m, &env).unwrap_err().to_string();
    assert!(
        err.contains("command line --timeout") && err.contains("greater than 0"),
        "{err}"
    );
}

#[test]
fn command_line_default_plugin_and_missing_options() {
    let env = Env::empty();
    let argv = ["prog", "--os-username", "u"];
    let m = app(&argv, &env, Some("v3password")).try_get_matches_from(argv).unwrap();
    let err = cli::load_auth_from_matches(&m, &env).unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing required option auth-url (v3password; set one of: --os-auth-url, OS_AUTH_URL)"
    );
    // Without a default, no plugin.
    let m = app(&["prog"], &env, None).try_get_matches_from(["prog"]).unwrap();
    assert!(cli::load_auth_from_matches(&m, &env).unwrap().is_none());
}

// ---------------------------------------------------------------- clouds.yaml

#[test]
fn horizon_clouds_yaml_with_secure_yaml() {
    let dir = fixtures().join("horizon");
    let clouds = horizon(&Env::empty());
    assert_eq!(
        clouds.files_read(),
        [
            dir.join("clouds.yaml"),
            dir.join("secure.yaml"),
            dir.join("clouds-public.yaml")
        ]
    );
    assert_eq!(clouds.cloud_names(), ["acme", "legacy", "old", "openstack"]);
    let cloud = clouds.cloud(Some("openstack"), None).unwrap().unwrap();
    // The first region is the default.
    assert_eq!(cloud.region_name(), Some("RegionOne"));
    let loader = Loader::new().cloud(cloud);
    let o = loader.auth_options().unwrap().unwrap();
    // identity_api_version 3 without auth_type: v3password (osc-lib's rule).
    assert_eq!(o.plugin(), "v3password");
    assert_eq!(text(&o, "username"), "demo");
    assert_eq!(secret(&o, "password"), "horizon-secret");
    assert_eq!(
        o.source("password"),
        Some(&ValueSource::CloudsYaml {
            path: dir.join("secure.yaml"),
            cloud: "openstack".into(),
            key: "auth.password".into()
        })
    );
    assert_eq!(
        o.source("auth-url"),
        Some(&ValueSource::CloudsYaml {
            path: dir.join("clouds.yaml"),
            cloud: "openstack".into(),
            key: "auth.auth_url".into()
        })
    );
    // project_id and project_name without a domain: the id scopes.
    assert!(loader.load_auth().unwrap().is_some());
    let a = loader.adapter_options().unwrap();
    assert_eq!(a.region_name.unwrap().value, "RegionOne");
    assert_eq!(a.interfaces.unwrap().value, [Interface::Public]);

    let two = horizon_cloud("openstack", Some("RegionTwo"));
    assert_eq!(two.region_name(), Some("RegionTwo"));
    let err = horizon(&Env::empty())
        .cloud(Some("openstack"), Some("regionone"))
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("RegionOne, RegionTwo") && msg.contains("case sensitive"),
        "{msg}"
    );
}

#[test]
fn public_cloud_profile_and_regions() {
    let dir = fixtures().join("horizon");
    let cloud = horizon_cloud("acme", None);
    assert_eq!(cloud.region_name(), Some("us-east"));
    // {region_name} in the profile's auth URL is filled in.
    assert_eq!(
        cloud.get("auth.auth_url"),
        Some("https://identity.us-east.acme.example/v3")
    );
    assert_eq!(
        cloud.source("auth.auth_url"),
        Some(ValueSource::CloudsYaml {
            path: dir.join("clouds-public.yaml"),
            cloud: "acme".into(),
            key: "auth.auth_url".into()
        })
    );
    let loader = Loader::new().cloud(cloud.clone()).service_type("compute");
    assert_eq!(loader.auth_type().unwrap().unwrap().value, "v3password");
    // The region's values.
    let a = loader.adapter_options().unwrap();
    assert_eq!(
        a.endpoint_override.unwrap().value,
        "https://compute.us-east.acme.example/v2.1"
    );
    // block_storage_api_version, also found for the volumev3 alias.
    let a = Loader::new()
        .cloud(cloud.clone())
        .service_type("volumev3")
        .adapter_options()
        .unwrap();
    assert_eq!(a.version.unwrap().value, "3");
    assert!(Loader::new().cloud(cloud).load_auth().unwrap().is_some());

    let west = horizon_cloud("acme", Some("eu-west"));
    assert_eq!(
        west.get("auth.auth_url"),
        Some("https://identity.eu-west.acme.example/v3")
    );
    let a = Loader::new()
        .cloud(west)
        .service_type("compute")
        .adapter_options()
        .unwrap();
    assert!(a.endpoint_override.is_none());
}

#[test]
fn legacy_cloud_keys() {
    let cloud = horizon_cloud("legacy", None);
    // The cloud's own region_name wins over the profile's regions.
    assert_eq!(cloud.region_name(), Some("eu-west"));
    let loader = Loader::new().cloud(cloud);
    let o = loader.auth_options().unwrap().unwrap();
    assert_eq!(o.plugin(), "v3password");
    assert!(matches!(o.plugin_source(), ValueSource::CloudsYaml { key, .. } if key == "auth_type"));
    assert_eq!(text(&o, "user-domain-id"), "default");
    assert_eq!(text(&o, "project-name"), "bob-project");
    assert!(matches!(o.source("project-name"), Some(ValueSource::CloudsYaml { key, .. }) if key == "auth.tenant_name"));
    assert!(loader.load_auth().unwrap().is_some());
    let s = loader.session_options().unwrap();
    // verify: false → insecure.
    assert!(s.insecure.as_ref().unwrap().value);
    assert!(matches!(&s.insecure.unwrap().source, ValueSource::CloudsYaml { key, .. } if key == "verify"));
    assert_eq!(s.timeout.unwrap().value, Duration::from_secs(42));
    // endpoint_type is interface's old name.
    assert_eq!(
        loader.adapter_options().unwrap().interfaces.unwrap().value,
        [Interface::Internal]
    );
}

#[test]
fn identity_v2_cloud_maps_projects_to_tenants() {
    let loader = Loader::new().cloud(horizon_cloud("old", None));
    let o = loader.auth_options().unwrap().unwrap();
    assert_eq!(o.plugin(), "v2password");
    assert_eq!(text(&o, "tenant-name"), "carol-tenant");
    assert!(loader.load_auth().unwrap().is_some());
}

#[test]
fn cloud_selection_and_the_environment() {
    // OS_CLOUD picks a cloud; the other OS_* variables make the `envvars`
    // cloud, which openstacksdk does not merge into a named cloud.
    let env = Env::from_pairs([("OS_CLOUD", "acme"), ("OS_PASSWORD", "env-secret")]);
    let clouds = horizon(&env);
    assert_eq!(clouds.default_cloud(), Some("acme"));
    assert!(clouds.cloud_names().contains(&"envvars".to_owned()));
    let cloud = clouds.cloud(None, None).unwrap().unwrap();
    assert_eq!(cloud.name(), "acme");
    let alone = Loader::new().cloud(cloud.clone()).auth_options().unwrap().unwrap();
    assert_eq!(secret(&alone, "password"), "acme-secret");
    // With the environment as its own source it wins (CLI > env > file).
    let layered = Loader::new().cloud(cloud).env(env).auth_options().unwrap().unwrap();
    assert_eq!(secret(&layered, "password"), "env-secret");
    assert_eq!(layered.source("password"), Some(&env_source("OS_PASSWORD")));

    // Without OS_CLOUD the variables' cloud is the default.
    let env = Env::from_pairs([
        ("OS_AUTH_URL", "http://k:5000/v3"),
        ("OS_USERNAME", "u"),
        ("OS_PASSWORD", "p"),
        ("OS_USER_DOMAIN_ID", "default"),
        ("OS_AUTH_TYPE", "v3password"),
    ]);
    let clouds = horizon(&env);
    let cloud = clouds.cloud(None, None).unwrap().unwrap();
    assert_eq!(cloud.name(), "envvars");
    let o = Loader::new().cloud(cloud).auth_options().unwrap().unwrap();
    assert_eq!(o.source("auth-url"), Some(&env_source("OS_AUTH_URL")));
    assert_eq!(o.plugin_source(), &env_source("OS_AUTH_TYPE"));

    // Several clouds and nothing chosen: no cloud.
    assert!(horizon(&Env::empty()).cloud(None, None).unwrap().is_none());
    // A single cloud is the default.
    let dir = temp_dir("single");
    std::fs::write(dir.join("clouds.yml"), "clouds:\n  only:\n    auth_type: none\n").unwrap();
    let clouds = CloudsConfig::builder().search_dirs([&dir]).load(&Env::empty()).unwrap();
    let only = clouds.cloud(None, None).unwrap().unwrap();
    assert_eq!((only.name(), only.auth_type()), ("only", Some("none")));
}

#[test]
fn cloud_not_found_lists_clouds_and_files() {
    let dir = fixtures().join("horizon");
    let env = Env::from_pairs([("OS_CLOUD", "nope")]);
    let err = horizon(&env).cloud(None, None).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("environment variable OS_CLOUD"), "{msg}");
    assert!(msg.contains("clouds found: acme, legacy, old, openstack"), "{msg}");
    assert!(msg.contains(&dir.join("clouds.yaml").display().to_string()), "{msg}");
    assert!(msg.contains(&dir.join("secure.yaml").display().to_string()), "{msg}");
    let err = horizon(&Env::empty())
        .cloud(Some("nope"), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"nope\" was not found"), "{err}");
}

#[test]
fn clouds_file_locations_and_bad_files() {
    // OS_CLIENT_CONFIG_FILE is tried first.
    let dir = temp_dir("locations");
    let named = dir.join("named.yaml");
    std::fs::write(
        &named,
        "clouds:\n  named:\n    auth_type: none\n    auth: {endpoint: 'http://x:1'}\n",
    )
    .unwrap();
    let home = dir.join("home");
    std::fs::create_dir_all(home.join(".config/openstack")).unwrap();
    std::fs::write(
        home.join(".config/openstack/clouds.yaml"),
        "clouds:\n  home:\n    auth_type: none\n",
    )
    .unwrap();
    let cwd = dir.join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    let env = Env::from_pairs([("HOME", home.to_str().unwrap())]);
    let c = CloudsConfig::builder().current_dir(&cwd).load(&env).unwrap();
    assert_eq!(c.cloud_names(), ["home"]);
    let env2 = env.clone().with("OS_CLIENT_CONFIG_FILE", named.to_str().unwrap());
    let c = CloudsConfig::builder().current_dir(&cwd).load(&env2).unwrap();
    assert_eq!(c.cloud_names(), ["named"]);
    // $XDG_CONFIG_HOME/openstack comes before ~/.config/openstack, the
    // current directory before both.
    let xdg = dir.join("xdg");
    std::fs::create_dir_all(xdg.join("openstack")).unwrap();
    std::fs::write(xdg.join("openstack/clouds.yaml"), "clouds:\n  xdg: {}\n").unwrap();
    let env3 = env.clone().with("XDG_CONFIG_HOME", xdg.to_str().unwrap());
    let c = CloudsConfig::builder().current_dir(&cwd).load(&env3).unwrap();
    assert_eq!(c.cloud_names(), ["xdg"]);
    std::fs::write(
        cwd.join("clouds.json"),
        r#"{"clouds": {"json": {"auth_type": "none"}}}"#,
    )
    .unwrap();
    let c = CloudsConfig::builder().current_dir(&cwd).load(&env3).unwrap();
    assert_eq!(c.cloud_names(), ["json"]);

    // A named file that does not exist.
    let env4 = env.clone().with("OS_CLIENT_CONFIG_FILE", "/nonexistent/clouds.yaml");
    let err = CloudsConfig::builder().current_dir(&cwd).load(&env4).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unable to read the clouds file named by OS_CLIENT_CONFIG_FILE /nonexistent/clouds.yaml"
    );
    // Invalid YAML: the file, and the line in the source.
    let err = CloudsConfig::builder()
        .config_files([fixtures().join("bad.yaml")])
        .secure_files(Vec::<PathBuf>::new())
        .vendor_files(Vec::<PathBuf>::new())
        .load(&Env::empty())
        .unwrap_err();
    let chain = format!("{err}: {}", std::error::Error::source(&err).unwrap());
    assert!(
        chain.contains("bad.yaml") && chain.contains("invalid syntax") && chain.contains("line"),
        "{chain}"
    );
    // A document that is not a mapping, clouds that are not mappings.
    let bad = dir.join("list.yaml");
    std::fs::write(&bad, "- a\n- b\n").unwrap();
    let err = CloudsConfig::builder()
        .config_files([&bad])
        .load(&Env::empty())
        .unwrap_err();
    assert!(
        err.to_string().contains("list.yaml") && err.to_string().contains("not a mapping"),
        "{err}"
    );
    std::fs::write(&bad, "clouds:\n  x: 3\n").unwrap();
    let err = CloudsConfig::builder()
        .config_files([&bad])
        .load(&Env::empty())
        .unwrap_err();
    assert!(err.to_string().contains("clouds.x"), "{err}");
    // A profile that is not found.
    std::fs::write(&bad, "clouds:\n  x:\n    profile: nowhere\n").unwrap();
    let c = CloudsConfig::builder()
        .config_files([&bad])
        .vendor_files(Vec::<PathBuf>::new())
        .load(&Env::empty())
        .unwrap();
    let err = c.cloud(Some("x"), None).unwrap_err().to_string();
    assert!(err.contains("\"nowhere\"") && err.contains("key profile"), "{err}");
    // Certificate paths expand `~` with HOME from the Env.
    std::fs::write(&bad, "clouds:\n  x:\n    auth_type: none\n    cacert: ~/ca.pem\n").unwrap();
    let c = CloudsConfig::builder()
        .config_files([&bad])
        .load(&Env::from_pairs([("HOME", "/home/u")]))
        .unwrap();
    let s = Loader::new()
        .cloud(c.cloud(Some("x"), None).unwrap().unwrap())
        .session_options()
        .unwrap();
    assert_eq!(s.ca_file.unwrap().value, PathBuf::from("/home/u/ca.pem"));
    // Wrong types in a cloud name the file, cloud and key.
    std::fs::write(&bad, "clouds:\n  x:\n    auth_type: none\n    api_timeout: later\n").unwrap();
    let c = CloudsConfig::builder()
        .config_files([&bad])
        .load(&Env::empty())
        .unwrap();
    let err = Loader::new()
        .cloud(c.cloud(Some("x"), None).unwrap().unwrap())
        .session_options()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("list.yaml, cloud x, key api_timeout") && err.contains("\"later\""),
        "{err}"
    );
}

// ---------------------------------------------------------------- precedence

#[test]
fn precedence_command_line_environment_file_default() {
    let ini = IniFile::parse(
        "[s]\nauth_type = test-apikey\nendpoint = http://ini\napi_key = ini-key\nretries = 1\ntimeout = 1\n",
        "/etc/s.conf",
    )
    .unwrap();
    test_plugin::register();
    let env = Env::from_pairs([
        ("OS_ENDPOINT", "http://env"),
        ("OS_RETRIES", "2"),
        ("OS_API_TIMEOUT", "2"),
    ]);
    let argv = ["prog", "--os-auth-type", "test-apikey", "--os-endpoint", "http://cli"];
    let m = app(&argv, &env, None).try_get_matches_from(argv).unwrap();
    // Sources added in any order rank the same.
    let loader = Loader::new().ini(IniSource::new(ini, "s")).env(env).command_line(&m);
    let o = loader.auth_options().unwrap().unwrap();
    assert_eq!(text(&o, "endpoint"), "http://cli");
    assert_eq!(o.source("endpoint"), Some(&cli_source("--os-endpoint")));
    assert_eq!(o.integer("retries").unwrap(), Some(2));
    assert_eq!(o.source("retries"), Some(&env_source("OS_RETRIES")));
    assert_eq!(secret(&o, "api-key"), "ini-key");
    assert!(matches!(o.source("api-key"), Some(ValueSource::Ini { .. })));
    assert_eq!(text(&o, "header"), "X-Api-Key");
    assert_eq!(o.source("header"), Some(&ValueSource::Default));
    // Session: the env's OS_API_TIMEOUT beats the file; the CLI default is last.
    assert_eq!(
        loader.session_options().unwrap().timeout.unwrap().value,
        Duration::from_secs(2)
    );
}

// ---------------------------------------------------------------- third-party plugin

async fn apikey_header(plugin: Arc<dyn keystoneauth::AuthPlugin>) -> String {
    let session = Session::new().unwrap();
    let headers = plugin.headers(session.transport()).await.unwrap();
    headers.get("x-api-key").unwrap().to_str().unwrap().to_owned()
}

#[tokio::test]
async fn third_party_plugin_from_ini_cli_and_clouds_yaml() {
    test_plugin::register();
    assert!(registry().names().contains(&test_plugin::NAME.to_owned()));

    // INI, with the plugin's deprecated option name.
    let ini = IniFile::parse(
        "[svc]\nauth_type = test-apikey\nendpoint = http://svc:1234\napikey = ini-key\n",
        "/etc/svc.conf",
    )
    .unwrap();
    let plugin = keystoneauth::loading::load_auth_from_ini(&ini, "svc").unwrap().unwrap();
    assert_eq!(apikey_header(plugin).await, "ini-key");

    // Command line: its options are registered and listed in --help.
    let env = Env::from_pairs([("OS_API_KEY", "env-key")]);
    let argv = [
        "prog",
        "--os-auth-type",
        "test-apikey",
        "--os-endpoint",
        "http://svc:1234",
    ];
    let cmd = app(&argv, &env, None);
    let h = cmd.clone().render_long_help().to_string();
    assert!(
        h.contains("--os-api-key") && h.contains("--os-retries") && !h.contains("--os-auth-url"),
        "{h}"
    );
    let m = cmd.try_get_matches_from(argv).unwrap();
    let plugin = cli::load_auth_from_matches(&m, &env).unwrap().unwrap();
    assert_eq!(apikey_header(plugin).await, "env-key");

    // clouds.yaml.
    let dir = temp_dir("third-party");
    std::fs::write(
        dir.join("clouds.yaml"),
        "clouds:\n  gw:\n    auth_type: test-apikey\n    auth:\n      endpoint: http://gw:1\n      api_key: yaml-key\n      retries: 5\n",
    )
    .unwrap();
    let clouds = CloudsConfig::builder().search_dirs([&dir]).load(&Env::empty()).unwrap();
    let loader = Loader::new().cloud(clouds.cloud(Some("gw"), None).unwrap().unwrap());
    assert_eq!(
        loader.auth_options().unwrap().unwrap().integer("retries").unwrap(),
        Some(5)
    );
    let plugin = loader.load_auth().unwrap().unwrap();
    assert_eq!(apikey_header(plugin).await, "yaml-key");

    // A wrong type names the option and its source; a missing secret is named.
    std::fs::write(
        dir.join("clouds.yaml"),
        "clouds:\n  gw:\n    auth_type: test-apikey\n    auth:\n      endpoint: http://gw:1\n      api_key: k\n      retries: lots\n",
    )
    .unwrap();
    let clouds = CloudsConfig::builder().search_dirs([&dir]).load(&Env::empty()).unwrap();
    let loader = Loader::new().cloud(clouds.cloud(Some("gw"), None).unwrap().unwrap());
    let err = loader.load_auth().unwrap_err().to_string();
    assert!(
        err.contains("option retries") && err.contains("cloud gw, key auth.retries") && err.contains("not an integer"),
        "{err}"
    );
    let err = Loader::new()
        .env(Env::from_pairs([
            ("OS_AUTH_TYPE", "test-apikey"),
            ("OS_ENDPOINT", "http://x:1"),
        ]))
        .load_auth()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("missing required option api-key") && err.contains("OS_API_KEY"),
        "{err}"
    );
}

// ---------------------------------------------------------------- prompting

#[derive(Debug, Default)]
struct Answer(std::sync::Mutex<Vec<String>>);

impl Prompter for Answer {
    fn prompt(&self, opt: &Opt, text: &str) -> keystoneauth::Result<Option<SecretString>> {
        self.0.lock().unwrap().push(format!("{}={text}", opt.name()));
        Ok(Some(SecretString::from("typed-secret")))
    }
}

#[test]
fn prompting_only_when_asked_and_only_for_missing_values() {
    let env = Env::from_pairs([
        ("OS_AUTH_TYPE", "v3password"),
        ("OS_AUTH_URL", "http://k:5000/v3"),
        ("OS_USER_ID", "u"),
    ]);
    // Not asked: the missing password is an error from the plugin, naming
    // where it could be given.
    let err = Loader::new().env(env.clone()).load_auth().unwrap_err().to_string();
    assert!(
        err.contains("missing required option password") && err.contains("OS_PASSWORD"),
        "{err}"
    );
    let answer = Arc::new(Answer::default());
    let loader = Loader::new().env(env.clone()).prompter(answer.clone());
    let o = loader.auth_options().unwrap().unwrap();
    assert_eq!(secret(&o, "password"), "typed-secret");
    assert_eq!(o.source("password"), Some(&ValueSource::Prompt));
    assert_eq!(*answer.0.lock().unwrap(), ["password=Password: "]);
    assert!(loader.load_auth().unwrap().is_some());
    // A value from a source is not asked for.
    let answer = Arc::new(Answer::default());
    Loader::new()
        .env(env.with("OS_PASSWORD", "given"))
        .prompter(answer.clone())
        .load_auth()
        .unwrap();
    assert!(answer.0.lock().unwrap().is_empty());
}

// ---------------------------------------------------------------- secrets

#[test]
fn secrets_never_in_debug_or_errors() {
    let env = Env::from_pairs([
        ("OS_AUTH_TYPE", "v3password"),
        ("OS_AUTH_URL", "http://k:5000/v3"),
        ("OS_USERNAME", "u"),
        ("OS_PASSWORD", "hunter2-secret"),
        ("OS_PROJECT_NAME", "p"),
    ]);
    assert!(!format!("{env:?}").contains("hunter2"));
    let loader = Loader::new().env(env);
    let o = loader.auth_options().unwrap().unwrap();
    assert!(!format!("{o:?}").contains("hunter2"));
    let shown: Vec<String> = o.iter().map(|v| format!("{}={}", v.name, v.value)).collect();
    assert!(shown.contains(&"password=***".to_owned()), "{shown:?}");
    let err = loader.load_auth().unwrap_err();
    assert!(!format!("{err} {err:?}").contains("hunter2"));
    // A secret with a wrong type is not shown either.
    let mut o = LoadedOptions::new(
        "x",
        ValueSource::Default,
        vec![Opt::new("pin").secret().kind(OptKind::Integer)],
    );
    let err = o.set("pin", "hunter2", ValueSource::Prompt).unwrap_err().to_string();
    assert!(!err.contains("hunter2") && err.contains("pin"), "{err}");
}

/// Issue 22: clouds-public.yaml is read only when a cloud names a vendor
/// profile, so the common case (no profile) neither searches for it nor
/// parses it.
#[test]
fn clouds_public_is_read_only_for_a_cloud_that_names_a_profile() {
    let dir = temp_dir("public-lazy");
    std::fs::write(
        dir.join("clouds.yaml"),
        "clouds:\n  plain:\n    auth:\n      auth_url: http://k:5000/v3\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("clouds-public.yaml"),
        "public-clouds:\n  vendor:\n    auth:\n      auth_url: http://vendor:5000/v3\n",
    )
    .unwrap();
    let load = || CloudsConfig::builder().search_dirs([&dir]).load(&Env::empty()).unwrap();
    let read = load();
    assert_eq!(
        read.files_read(),
        [dir.join("clouds.yaml")],
        "no profile named: not read"
    );

    std::fs::write(
        dir.join("clouds.yaml"),
        "clouds:\n  plain:\n    auth:\n      auth_url: http://k:5000/v3\n  branded:\n    profile: vendor\n",
    )
    .unwrap();
    let read = load();
    assert_eq!(
        read.files_read(),
        [dir.join("clouds.yaml"), dir.join("clouds-public.yaml")]
    );
    let branded = read.cloud(Some("branded"), None).unwrap().unwrap();
    assert_eq!(branded.get("auth.auth_url"), Some("http://vendor:5000/v3"));
}

#[test]
fn token_store_settings_from_environment_clouds_yaml_and_command_line() {
    // The environment: OS_TOKEN_STORE and OS_TOKEN_STORE_KEY_FILE.
    let env = Env::from_pairs([
        ("OS_TOKEN_STORE", "redis://:canary-pw@127.0.0.1:1/0"),
        ("OS_TOKEN_STORE_KEY_FILE", "/etc/ks/token-store.key"),
    ]);
    let s = Loader::new().env(env).session_options().unwrap();
    assert_eq!(s.token_store.as_ref().unwrap().source, env_source("OS_TOKEN_STORE"));
    assert_eq!(
        s.token_store_key_file.as_ref().unwrap().value,
        PathBuf::from("/etc/ks/token-store.key")
    );
    match s.token_cache() {
        // With the feature: a Redis cache, its password masked.
        Ok(Some(cache)) => {
            assert!(cache.dir().is_none());
            assert_eq!(cache.location(), "redis://:***@127.0.0.1:1/0");
        }
        // Without it: a clear error naming the setting and the feature.
        Err(e) => {
            let text = e.to_string();
            assert!(text.contains("token_store") && text.contains("redis"), "{text}");
            assert!(!text.contains("canary-pw"), "{text}");
        }
        Ok(None) => panic!("token_store was set"),
    }
    // clouds.yaml: token_store and token_store_key_file.
    let clouds = CloudsConfig::from_yaml_str(
        "clouds:\n  fleet:\n    auth_type: none\n    token_store: memcached://x\n    token_store_key_file: /k\n",
        "clouds.yaml",
    )
    .unwrap();
    let cloud = clouds.cloud(Some("fleet"), None).unwrap().unwrap();
    let s = Loader::new().cloud(cloud).session_options().unwrap();
    assert!(
        matches!(&s.token_store.as_ref().unwrap().source, ValueSource::CloudsYaml { key, .. } if key == "token_store")
    );
    // Only Redis URLs are stores.
    let err = s.token_cache().unwrap_err().to_string();
    assert!(err.contains("redis://"), "{err}");
    // The command line: --token-store.
    let m = app(
        &["prog", "--token-store", "redis://127.0.0.1:1/3"],
        &Env::default(),
        None,
    )
    .try_get_matches_from(["prog", "--token-store", "redis://127.0.0.1:1/3"])
    .unwrap();
    let s = Loader::new().command_line(&m).session_options().unwrap();
    assert_eq!(s.token_store.unwrap().source, cli_source("--token-store"));
}

/// keystoneauth1 5.18's 26 `keystoneauth1.plugin` entry points, each a
/// loader here under that name (the Kerberos two with the `kerberos`
/// feature; without it, naming them says the build lacks the feature).
#[test]
fn every_keystoneauth1_plugin_name_has_a_loader() {
    const KEYSTONEAUTH1_NAMES: [&str; 26] = [
        "admin_token",
        "http_basic",
        "none",
        "password",
        "token",
        "v2password",
        "v2token",
        "v3adfspassword",
        "v3applicationcredential",
        "v3fedkerb",
        "v3kerberos",
        "v3multifactor",
        "v3oauth1",
        "v3oauth2clientcredential",
        "v3oauth2mtlsclientcredential",
        "v3oidcaccesstoken",
        "v3oidcauthcode",
        "v3oidcclientcredentials",
        "v3oidcdeviceauthz",
        "v3oidcpassword",
        "v3password",
        "v3samlpassword",
        "v3token",
        "v3tokenlessauth",
        "v3totp",
        "v3websso",
    ];
    let names = registry().names();
    for name in KEYSTONEAUTH1_NAMES {
        let kerberos = matches!(name, "v3kerberos" | "v3fedkerb");
        if kerberos && !cfg!(feature = "kerberos") {
            let Err(err) = registry().get(name) else {
                panic!("{name}: a loader without the kerberos feature");
            };
            let err = err.to_string();
            assert!(err.contains("kerberos"), "{name}: {err}");
            continue;
        }
        assert!(names.iter().any(|n| n == name), "{name} is not registered: {names:?}");
        assert!(registry().get(name).is_ok(), "{name}");
    }
}
