//! Multi-factor authentication on a terminal.
//!
//! When Keystone accepts some of a user's auth methods but needs more, it
//! answers with an auth receipt. If the method still missing is a TOTP
//! passcode or a password and standard input is a terminal, `ksa` asks for
//! it without echo, naming the method and the user, and finishes the
//! authentication with the receipt (the `v3multifactor` plugin's way). The
//! token it gets becomes the configured plugin's, so it is cached as usual
//! and the next runs need no prompt while it is valid.
//!
//! Without a terminal nothing is asked: the error says which method is
//! missing and how to give it.

use std::io::IsTerminal;
use std::process::ExitCode;

use keystoneauth::identity::v3::{IdentityMethod, MissingAuthMethods, MultiFactor, User};
use keystoneauth::loading::LoadedOptions;
use keystoneauth::AuthPlugin;
use secrecy::{ExposeSecret, SecretString};

use crate::Ctx;

type Outcome = Result<ExitCode, Box<dyn std::error::Error>>;

/// The methods `ksa` can ask for on a terminal.
const PROMPTABLE: &[&str] = &["totp", "password"];

/// Runs the command; when it fails for want of a TOTP passcode or a
/// password and stdin is a terminal, asks for it, completes the
/// authentication and runs the command again.
pub async fn dispatch(ctx: &Ctx) -> Outcome {
    let error = match crate::commands::dispatch(ctx).await {
        Err(e) => e,
        ok => return ok,
    };
    let Some(missing) = error
        .downcast_ref::<keystoneauth::Error>()
        .and_then(keystoneauth::Error::missing_auth_methods)
    else {
        return Err(error);
    };
    let Some(methods) = promptable(missing) else {
        return Err(error);
    };
    // With a service provider the configured plugin holds the SP's token:
    // the local multi-factor token is not its to take (the error's hint,
    // `--os-auth-type v3multifactor`, works there too).
    if !std::io::stdin().is_terminal() || ctx.service_provider().is_some() {
        return Err(error);
    }
    complete(ctx, missing, &methods).await?;
    crate::commands::dispatch(ctx).await
}

/// The end of the error's hint: a TOTP passcode or a password is asked
/// for when ksa runs on a terminal.
pub fn hint(missing: &MissingAuthMethods) -> &'static str {
    match promptable(missing) {
        Some(_) if !std::io::stdin().is_terminal() => ", or run ksa on a terminal to be asked for it",
        _ => "",
    }
}

/// The first missing method set that `ksa` can ask for, if any (and if the
/// receipt is still good).
fn promptable(missing: &MissingAuthMethods) -> Option<Vec<String>> {
    if missing.is_expired() {
        return None;
    }
    missing
        .missing_methods()
        .into_iter()
        .find(|set| set.iter().all(|m| PROMPTABLE.contains(&m.as_str())))
}

/// `user alice (domain Default)`, from what the receipt says.
fn describe_user(missing: &MissingAuthMethods) -> String {
    let Some(user) = missing.user() else {
        return "the user".to_owned();
    };
    let mut text = format!("user {}", user.name().unwrap_or(user.id()));
    let domain = user.domain_name().or(user.domain_id());
    if let Some(d) = domain {
        text.push_str(&format!(" (domain {d})"));
    }
    text
}

/// Asks for one method's secret on the terminal, without echo.
fn ask(method: &str, who: &str) -> Result<SecretString, Box<dyn std::error::Error>> {
    let what = if method == "totp" { "TOTP passcode" } else { "Password" };
    let answer = rpassword::prompt_password(format!("{what} for {who}: "))
        .map_err(|e| format!("cannot read the {what} from the terminal: {e}"))?;
    let answer = SecretString::from(answer.trim().to_owned());
    if answer.expose_secret().is_empty() {
        return Err(format!("no {what} given; Keystone needs it to finish the multi-factor authentication").into());
    }
    Ok(answer)
}

/// The identity v3 URL the receipt came from (`…/v3/auth/tokens`), else
/// the configured auth URL.
fn auth_url(missing: &MissingAuthMethods, options: Option<&LoadedOptions>) -> Option<String> {
    if let Some(base) = missing.url().strip_suffix("/auth/tokens") {
        if !base.contains("***") {
            return Some(base.to_owned());
        }
    }
    options?.string("auth-url").ok().flatten().map(str::to_owned)
}

/// Authenticates with the receipt and the asked-for methods, and gives the
/// token to the configured plugin.
async fn complete(
    ctx: &Ctx,
    missing: &MissingAuthMethods,
    methods: &[String],
) -> Result<(), Box<dyn std::error::Error>> {
    let plugin = ctx.auth()?;
    let user = missing
        .user()
        .map(|u| u.id().to_owned())
        .ok_or("Keystone's auth receipt does not say which user it is for")?;
    let options = ctx.loader.auth_options()?;
    let url = auth_url(missing, options.as_ref()).ok_or("no auth URL to finish the multi-factor authentication at")?;
    let who = describe_user(missing);
    let mut builder = MultiFactor::builder(url).receipt(missing.receipt().clone());
    for method in methods {
        let secret = ask(method, &who)?;
        builder = builder.method(match method.as_str() {
            "totp" => IdentityMethod::totp(User::id(&user), secret),
            _ => IdentityMethod::password(User::id(&user), secret),
        });
    }
    if let Some(o) = &options {
        builder = scoped(builder, o)?;
    }
    let finished = builder.build()?;
    finished.access_info(ctx.session.transport()).await?;
    let state = finished
        .auth_state()
        .ok_or("the multi-factor authentication gave no token")?;
    if !plugin.set_auth_state(state.expose_secret())? {
        return Err(format!("the {plugin:?} auth plugin cannot take the multi-factor token").into());
    }
    if let Some(cache) = &ctx.cache {
        if let Err(e) = cache.store(plugin.as_ref()).await {
            eprintln!("ksa: warning: the token could not be cached: {e}");
        }
    }
    Ok(())
}

/// The scope of the configured plugin's options, on the builder.
fn scoped(
    mut b: keystoneauth::identity::v3::MultiFactorBuilder,
    o: &LoadedOptions,
) -> keystoneauth::Result<keystoneauth::identity::v3::MultiFactorBuilder> {
    let get = |name: &str| o.string_owned(name);
    // The generic plugins' default domain applies to the project too.
    let default_domain_id = get("default-domain-id")?;
    let default_domain_name = get("default-domain-name")?;
    if let Some(v) = get("project-id")? {
        b = b.project_id(v);
    }
    if let Some(v) = get("project-name")? {
        b = b.project_name(v);
        match (get("project-domain-id")?, get("project-domain-name")?) {
            (Some(id), _) => b = b.project_domain_id(id),
            (None, Some(name)) => b = b.project_domain_name(name),
            (None, None) => {
                if let Some(id) = default_domain_id {
                    b = b.project_domain_id(id);
                } else if let Some(name) = default_domain_name {
                    b = b.project_domain_name(name);
                }
            }
        }
    }
    if let Some(v) = get("domain-id")? {
        b = b.domain_id(v);
    }
    if let Some(v) = get("domain-name")? {
        b = b.domain_name(v);
    }
    if let Some(v) = get("system-scope")? {
        b = b.system_scope(v);
    }
    if let Some(v) = get("trust-id")? {
        b = b.trust_id(v);
    }
    Ok(b)
}
