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

fuzz_target!(|data: &[u8]| {
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
