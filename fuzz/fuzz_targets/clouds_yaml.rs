//! A clouds.yaml file (`CloudsConfig::from_yaml_str`; JSON when the input
//! starts with `{`, as for clouds.json), then every cloud in it with its
//! regions, and the options a `Loader` takes from it.
#![no_main]

use keystoneauth::loading::{CloudsConfig, Env, Loader};
use libfuzzer_sys::fuzz_target;

const KEYS: [&str; 8] = [
    "auth_type",
    "auth.auth_url",
    "auth.password",
    "auth.project_name",
    "region_name",
    "interface",
    "api_timeout",
    "compute_api_version",
];

/// Two known issues, reported and kept as ignored regression tests in
/// tests/fuzz_regressions.rs; while they are open, inputs that could reach
/// them are skipped so that this target keeps looking for other bugs
/// (remove the guards once the library bounds both):
///
/// - `clouds_yaml_alias_expansion_is_bounded`: the YAML loader expands
///   aliases by copying, so nested anchors grow exponentially (453 bytes
///   give 10^7 nodes, 4 GB, 5 s). 32 aliases expand to at most ~3^11 nodes.
/// - `clouds_yaml_placeholder_expansion_is_bounded`: `{name}` placeholders
///   are substituted one variable after another, each pass re-scanning the
///   text the previous ones inserted, so values that name each other grow
///   exponentially (300 bytes give a 4 MiB value, 370 bytes 4 GiB). 24
///   braces allow at most ~3^8 copies (backslashes count too: an escape
///   in a quoted scalar can make a brace).
const MAX_ALIASES: usize = 32;
const MAX_BRACES: usize = 24;

fuzz_target!(|data: &[u8]| {
    let count = |c: u8| data.iter().filter(|&&b| b == c).count();
    if count(b'*') > MAX_ALIASES || count(b'{') + count(b'\\') > MAX_BRACES {
        return;
    }
    let text = String::from_utf8_lossy(data);
    let path = if text.trim_start().starts_with('{') {
        "/etc/openstack/clouds.json"
    } else {
        "/etc/openstack/clouds.yaml"
    };
    let clouds = match CloudsConfig::from_yaml_str(&text, path) {
        Ok(c) => c,
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
            return;
        }
    };
    let _ = (clouds.files_read(), clouds.default_cloud(), format!("{clouds:?}"));
    for name in clouds.cloud_names().iter().take(4) {
        // The default region, one that is not there, then the cloud's own.
        let mut regions: Vec<Option<String>> = vec![None, Some("RegionOne".into())];
        let mut i = 0;
        while let Some(region) = regions.get(i).cloned() {
            i += 1;
            match clouds.cloud(Some(name), region.as_deref()) {
                Ok(Some(cloud)) => {
                    let _ = (cloud.name(), cloud.auth_type(), format!("{cloud:?}"));
                    if let Some(r) = cloud.region_name() {
                        if regions.len() < 4 && !regions.iter().any(|x| x.as_deref() == Some(r)) {
                            regions.push(Some(r.to_owned()));
                        }
                    }
                    for key in KEYS {
                        let _ = (cloud.get(key), cloud.source(key).map(|s| s.to_string()));
                    }
                    keystoneauth_fuzz::exercise_loader(&Loader::new().env(Env::empty()).cloud(cloud));
                }
                Ok(None) => {}
                Err(e) => {
                    let _ = (e.to_string(), format!("{e:?}"));
                }
            }
        }
    }
});
