//! Loading one plugin from every source a program reads: `OS_*`
//! variables, `--os-*` flags, a clouds.yaml `auth:` section and an INI
//! section, all built from one list of keystoneauth1 option names.

use std::sync::Arc;

use keystoneauth::loading::{cli, CloudsConfig, Env, IniFile, IniSource, Loader};
use keystoneauth::AuthPlugin;

/// The plugin `auth_type` loaded with `options` (keystoneauth1's names,
/// with dashes: `auth-url`, `identity-provider`...) from each source,
/// with the source's name.
pub fn from_every_source(auth_type: &str, options: &[(&str, &str)]) -> Vec<(&'static str, Arc<dyn AuthPlugin>)> {
    let env_name = |o: &str| format!("OS_{}", o.to_ascii_uppercase().replace('-', "_"));
    let key = |o: &str| o.replace('-', "_");
    let mut loaded: Vec<(&'static str, Arc<dyn AuthPlugin>)> = Vec::new();

    let mut pairs = vec![("OS_AUTH_TYPE".to_owned(), auth_type.to_owned())];
    pairs.extend(options.iter().map(|(o, v)| (env_name(o), (*v).to_owned())));
    let env = Env::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    loaded.push(("OS_* variables", Loader::new().env(env).load_auth().unwrap().unwrap()));

    let mut argv = vec!["prog".to_owned(), "--os-auth-type".to_owned(), auth_type.to_owned()];
    for (o, v) in options {
        argv.push(format!("--os-{o}"));
        argv.push((*v).to_owned());
    }
    let empty = Env::empty();
    let cmd = cli::register_auth_args(clap::Command::new("prog"), argv.iter(), &empty, None).unwrap();
    let matches = cmd.try_get_matches_from(&argv).unwrap();
    loaded.push((
        "--os-* flags",
        cli::load_auth_from_matches(&matches, &empty).unwrap().unwrap(),
    ));

    let mut yaml = format!("clouds:\n  c:\n    auth_type: {auth_type}\n    auth:\n");
    for (o, v) in options {
        yaml.push_str(&format!("      {}: {}\n", key(o), serde_json::to_string(v).unwrap()));
    }
    let clouds = CloudsConfig::from_yaml_str(&yaml, "/etc/openstack/clouds.yaml").unwrap();
    let cloud = clouds.cloud(Some("c"), None).unwrap().unwrap();
    loaded.push(("clouds.yaml", Loader::new().cloud(cloud).load_auth().unwrap().unwrap()));

    let mut ini = format!("[keystone_authtoken]\nauth_type = {auth_type}\n");
    for (o, v) in options {
        ini.push_str(&format!("{} = {v}\n", key(o)));
    }
    let ini = IniFile::parse(&ini, "/etc/svc.conf").unwrap();
    loaded.push((
        "an INI section",
        Loader::new()
            .ini(IniSource::new(ini, "keystone_authtoken"))
            .load_auth()
            .unwrap()
            .unwrap(),
    ));
    loaded
}
