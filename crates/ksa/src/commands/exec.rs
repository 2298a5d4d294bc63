//! `ksa exec` and `ksa env`: the credential-helper pattern of `aws-vault
//! exec`. The command gets a token (`OS_TOKEN`, `OS_AUTH_TYPE=token`,
//! `OS_AUTH_URL` and the token's scope) instead of the password; `ksa env`
//! prints the same as shell commands.
//!
//! What is removed from the command's environment ([`is_removed`]): every
//! variable of every auth plugin's options (secrets such as `OS_PASSWORD`,
//! `OS_TOKEN`, `OS_APPLICATION_CREDENTIAL_SECRET`, `OS_CLIENT_SECRET`,
//! `OS_PASSCODE`, and the settings of the old authentication, which would
//! be mixed with the token's), their aliases (`OS_TENANT_*`,
//! `OS_AUTH_TOKEN`), the Keystone-to-Keystone options
//! (`OS_SERVICE_PROVIDER`, `OS_REMOTE_PROJECT_*`: the token is already the
//! service provider's), `OS_AUTH_TYPE`/`OS_AUTH_PLUGIN`, `OS_CLOUD` (the cloud
//! would bring its password back), `OS_ENDPOINT`/`OS_URL`, and, to be safe,
//! any `OS_*` variable whose name says PASSWORD, SECRET, TOKEN or PASSCODE.

use std::collections::BTreeSet;
use std::ffi::OsString;

use keystoneauth::loading::registry;
use secrecy::SecretString;

use super::*;

/// A variable the command gets.
enum Var {
    Plain(String),
    Secret(SecretString),
}

impl Var {
    fn expose(&self) -> &str {
        match self {
            Var::Plain(s) => s,
            Var::Secret(s) => s.expose_secret(),
        }
    }
}

/// The shells `ksa env` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shell {
    Sh,
    Fish,
    Pwsh,
}

fn service_arg() -> Arg {
    Arg::new("service")
        .long("service")
        .value_name("TYPE")
        .help("Also set OS_ENDPOINT to this service's endpoint (aliases accepted)")
}

/// The `exec` subcommand.
pub(super) fn exec_command() -> Command {
    Command::new("exec")
        .about("Run a command with a token in OS_TOKEN and no password in its environment")
        .long_about(
            "Run CMD with OS_TOKEN (a token valid for at least two more minutes), OS_AUTH_TYPE=token, \
             OS_AUTH_URL and the token's scope (OS_PROJECT_ID, OS_DOMAIN_ID or OS_SYSTEM_SCOPE), plus \
             OS_REGION_NAME, OS_INTERFACE and the TLS settings when set, and with --service the \
             service's endpoint in OS_ENDPOINT. The password, every other secret and every other \
             auth setting (OS_CLOUD included) are removed from its environment. The exit code is \
             CMD's.",
        )
        .arg(service_arg())
        .arg(
            Arg::new("command")
                .required(true)
                .num_args(1..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true)
                .value_parser(clap::value_parser!(OsString))
                .value_name("CMD")
                .help("The command and its arguments, after --"),
        )
}

/// The `env` subcommand.
pub(super) fn env_command() -> Command {
    Command::new("env")
        .about("Print ksa exec's variables as shell commands: eval \"$(ksa env)\"")
        .long_about(
            "Print the variables ksa exec gives its command, as commands for the shell: export lines \
             for the token and its settings, and unset lines for the password and the other variables \
             ksa exec removes (those present now). sh: eval \"$(ksa env)\"; fish: ksa env --shell fish \
             | source; Pwsh: ksa env --shell powershell | Invoke-Expression.",
        )
        .arg(service_arg())
        .arg(
            Arg::new("shell")
                .long("shell")
                .value_parser(["sh", "fish", "powershell"])
                .default_value("sh")
                .help("Shell syntax (sh also suits bash, zsh, ksh)"),
        )
}

/// The variables to set, in order.
async fn exported(ctx: &Ctx, m: &ArgMatches) -> Result<Vec<(&'static str, Var)>, Box<dyn std::error::Error>> {
    let a = access(ctx).await?;
    let mut vars = vec![
        ("OS_AUTH_TYPE", Var::Plain("token".into())),
        ("OS_TOKEN", Var::Secret(a.token().clone())),
    ];
    // With a service provider the token is the SP Keystone's: its auth URL
    // is the identity endpoint of that token's catalog, not the configured one.
    let configured = match ctx.loader.auth_options()? {
        Some(o) if ctx.service_provider().is_none() => o.string_owned("auth-url")?,
        _ => None,
    };
    let auth_url = match configured {
        Some(u) => u,
        None => ctx.session.endpoint(&identity_filter(ctx)?, None).await?,
    };
    vars.push(("OS_AUTH_URL", Var::Plain(auth_url)));
    if let Some(p) = a.project_id() {
        vars.push(("OS_PROJECT_ID", Var::Plain(p.to_owned())));
    } else if let Some(d) = a.domain_id() {
        vars.push(("OS_DOMAIN_ID", Var::Plain(d.to_owned())));
    } else if let Some(s) = a.system_scope() {
        vars.push(("OS_SYSTEM_SCOPE", Var::Plain(s.to_owned())));
    }
    let adapter = ctx.loader.adapter_options()?;
    if let Some(r) = adapter.region_name {
        vars.push(("OS_REGION_NAME", Var::Plain(r.value)));
    }
    if let Some(i) = adapter.interfaces.as_ref().and_then(|i| i.value.first()) {
        vars.push(("OS_INTERFACE", Var::Plain(i.as_str().to_owned())));
    }
    let session = ctx.loader.session_options()?;
    let path = |p: &std::path::Path| Var::Plain(p.display().to_string());
    if let Some(v) = session.ca_file {
        vars.push(("OS_CACERT", path(&v.value)));
    }
    if let Some(v) = session.cert_file {
        vars.push(("OS_CERT", path(&v.value)));
    }
    if let Some(v) = session.key_file {
        vars.push(("OS_KEY", path(&v.value)));
    }
    if session.insecure.is_some_and(|v| v.value) {
        vars.push(("OS_INSECURE", Var::Plain("true".into())));
    }
    if let Some(service_type) = m.get_one::<String>("service") {
        let filter = filter_for(ctx, service_type, m)?;
        let endpoint = service_endpoint(ctx, service_type, &filter).await?;
        vars.push(("OS_ENDPOINT", Var::Plain(endpoint)));
    }
    Ok(vars)
}

/// The variable names of every registered auth plugin's options (and their
/// aliases), plus the other auth settings: see the module's description.
fn auth_variables() -> BTreeSet<String> {
    let mut names: BTreeSet<String> = [
        "OS_AUTH_TYPE",
        "OS_AUTH_PLUGIN",
        "OS_CLOUD",
        "OS_ENDPOINT",
        "OS_URL",
        "OS_TENANT_ID",
        "OS_TENANT_NAME",
        "OS_PROJECT_ID",
        "OS_PROJECT_NAME",
        "OS_AUTH_TOKEN",
        "OS_TOKEN",
        "OS_PASSWORD",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let reg = registry();
    for plugin in reg.names() {
        let Ok(loader) = reg.get(&plugin) else { continue };
        for opt in loader.options() {
            for name in opt.all_names() {
                names.insert(format!("OS_{}", name.replace('-', "_").to_ascii_uppercase()));
            }
        }
    }
    // The Keystone-to-Keystone options: the exported token is already the
    // service provider's.
    if let Ok(k2k) = keystoneauth::loading::Loader::new().k2k_options() {
        for opt in k2k.options() {
            names.insert(opt.env_var());
        }
    }
    names
}

/// True for a variable `ksa exec` removes.
fn is_removed(name: &str, auth: &BTreeSet<String>) -> bool {
    let upper = name.to_ascii_uppercase();
    auth.contains(&upper)
        || (upper.starts_with("OS_")
            && ["PASSWORD", "SECRET", "TOKEN", "PASSCODE"]
                .iter()
                .any(|w| upper.contains(w)))
}

/// The names of the variables of this process that `ksa exec` removes.
fn removed_now() -> Vec<String> {
    let auth = auth_variables();
    let mut names: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| is_removed(k, &auth))
        .collect();
    names.sort_unstable();
    names
}

/// Runs the command with the token's environment.
pub(super) async fn exec(ctx: &Ctx, m: &ArgMatches) -> CmdResult {
    let mut argv = m.get_many::<OsString>("command").into_iter().flatten();
    let program = argv.next().ok_or("give the command to run after --")?;
    let vars = exported(ctx, m).await?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(argv);
    for name in removed_now() {
        cmd.env_remove(name);
    }
    for (name, value) in &vars {
        cmd.env(name, value.expose());
    }
    run(ctx, cmd, program)
}

/// The exit code for a command that could not be started, as shells give.
fn not_started(program: &OsString, e: &std::io::Error) -> ExitCode {
    eprintln!("ksa: error: cannot run {}: {e}", program.to_string_lossy());
    ExitCode::from(if e.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    })
}

/// Unix: the token cache is written, then ksa becomes the command (signals
/// and the exit code are the command's own).
#[cfg(unix)]
fn run(ctx: &Ctx, mut cmd: std::process::Command, program: &OsString) -> CmdResult {
    use std::os::unix::process::CommandExt;
    if let (Some(cache), Some(plugin)) = (&ctx.cache, &ctx.auth) {
        if let Err(e) = cache.save(plugin.as_ref()) {
            eprintln!("ksa: warning: the token could not be cached: {}", crate::error_line(&e));
        }
    }
    let e = cmd.exec();
    Ok(not_started(program, &e))
}

/// Elsewhere: the command runs as a child; its exit code is ksa's.
#[cfg(not(unix))]
fn run(_ctx: &Ctx, mut cmd: std::process::Command, program: &OsString) -> CmdResult {
    match cmd.status() {
        Ok(status) => Ok(ExitCode::from(u8::try_from(status.code().unwrap_or(1)).unwrap_or(1))),
        Err(e) => Ok(not_started(program, &e)),
    }
}

/// Prints the shell commands.
pub(super) async fn env(ctx: &Ctx, m: &ArgMatches) -> CmdResult {
    let shell = match m.get_one::<String>("shell").map(String::as_str) {
        Some("fish") => Shell::Fish,
        Some("powershell") => Shell::Pwsh,
        _ => Shell::Sh,
    };
    let vars = exported(ctx, m).await?;
    let mut out = String::new();
    let set: BTreeSet<&str> = vars.iter().map(|(n, _)| *n).collect();
    for name in removed_now() {
        if !set.contains(name.as_str()) {
            out.push_str(&unset_line(shell, &name));
        }
    }
    for (name, value) in &vars {
        out.push_str(&set_line(shell, name, value.expose()));
    }
    print(&out)
}

/// `NAME=value` for the shell, the value quoted so the shell reads it back
/// exactly.
fn set_line(shell: Shell, name: &str, value: &str) -> String {
    match shell {
        Shell::Sh => format!("export {name}='{}'\n", value.replace('\'', r"'\''")),
        Shell::Fish => format!("set -gx {name} '{}'\n", value.replace('\\', r"\\").replace('\'', r"\'")),
        // Pwsh also ends a single-quoted string at the typographic
        // single quotes; each is doubled like '.
        Shell::Pwsh => {
            let mut quoted = String::with_capacity(value.len());
            for c in value.chars() {
                if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
                    quoted.push(c);
                }
                quoted.push(c);
            }
            format!("$Env:{name} = '{quoted}'\n")
        }
    }
}

fn unset_line(shell: Shell, name: &str) -> String {
    match shell {
        Shell::Sh => format!("unset {name}\n"),
        Shell::Fish => format!("set -e {name}\n"),
        Shell::Pwsh => format!("Remove-Item -ErrorAction SilentlyContinue Env:{name}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values a token, URL or path will never be, but a quoting bug would trip on.
    const HOSTILE: &[&str] = &[
        "plain",
        "it's",
        "''",
        r#"a "b" $HOME `id` $(id) \ \\ \' ; & | > < * ? ~ # !"#,
        "line one\nline two\n",
        "tab\there",
        "‘smart’ ‚quotes‛ ü ✓",
        "trailing backslash \\",
        "",
    ];

    /// Runs `shell` with `args`, the script last; its standard output.
    fn run_shell(shell: &str, args: &[&str], script: &str) -> Option<String> {
        let out = std::process::Command::new(shell)
            .args(args)
            .arg(script)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .output()
            .ok()?;
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(String::from_utf8(out.stdout).unwrap())
    }

    fn round_trip(shell: Shell, program: &str, args: &[&str], print_var: &str) {
        for (i, value) in HOSTILE.iter().enumerate() {
            let name = format!("OS_T{i}");
            let script = format!("{}{}", set_line(shell, &name, value), print_var.replace("NAME", &name));
            match run_shell(program, args, &script) {
                Some(out) => assert_eq!(out, *value, "{program} read back another value from:\n{script}"),
                None => {
                    // Past the harness's capture, so a skip is always visible.
                    use std::io::Write;
                    let _ = writeln!(
                        std::io::stderr(),
                        "SKIPPED {program} quoting: {program} is not installed"
                    );
                    return;
                }
            }
        }
    }

    #[test]
    fn sh_quoting_round_trips() {
        for sh in ["sh", "bash", "dash", "zsh"] {
            round_trip(Shell::Sh, sh, &["-c"], "printf '%s' \"$NAME\"");
        }
    }

    #[test]
    fn fish_quoting_round_trips() {
        round_trip(Shell::Fish, "fish", &["-c"], "printf '%s' \"$NAME\"");
    }

    #[test]
    fn powershell_quoting_round_trips() {
        round_trip(
            Shell::Pwsh,
            "pwsh",
            &["-NoProfile", "-NonInteractive", "-Command"],
            "[Console]::Out.Write($Env:NAME)",
        );
    }

    #[test]
    fn lines_have_the_expected_form() {
        assert_eq!(set_line(Shell::Sh, "OS_X", "it's"), "export OS_X='it'\\''s'\n");
        assert_eq!(set_line(Shell::Fish, "OS_X", r"it's \"), "set -gx OS_X 'it\\'s \\\\'\n");
        assert_eq!(set_line(Shell::Pwsh, "OS_X", "it’s"), "$Env:OS_X = 'it’’s'\n");
        assert_eq!(unset_line(Shell::Sh, "OS_PASSWORD"), "unset OS_PASSWORD\n");
        assert_eq!(unset_line(Shell::Fish, "OS_PASSWORD"), "set -e OS_PASSWORD\n");
    }

    #[test]
    fn secrets_and_auth_settings_are_removed() {
        let auth = auth_variables();
        for name in [
            "OS_PASSWORD",
            "OS_TOKEN",
            "OS_AUTH_TOKEN",
            "OS_APPLICATION_CREDENTIAL_SECRET",
            "OS_APPLICATION_CREDENTIAL_ID",
            "OS_CLIENT_SECRET",
            "OS_PASSCODE",
            "OS_USERNAME",
            "OS_USER_DOMAIN_NAME",
            "OS_PROJECT_NAME",
            "OS_TENANT_NAME",
            "OS_CLOUD",
            "OS_AUTH_TYPE",
            "OS_AUTH_URL",
            "OS_MY_PLUGIN_SECRET_THING",
            "os_password",
        ] {
            assert!(is_removed(name, &auth), "{name} is kept");
        }
        for name in [
            "OS_REGION_NAME",
            "OS_INTERFACE",
            "OS_CACERT",
            "OS_COMPUTE_API_VERSION",
            "OS_IDENTITY_API_VERSION",
            "PATH",
            "HOME",
        ] {
            assert!(!is_removed(name, &auth), "{name} is removed");
        }
    }
}
