//! An oslo.config-style INI file (`IniFile::parse`), then lookups in it and
//! the options a `Loader` takes from its groups (auth, session, adapter).
#![no_main]

use keystoneauth::loading::{Env, IniFile, IniSource, Loader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match IniFile::parse(&text, "/etc/app/app.conf") {
        Ok(ini) => {
            let _ = format!("{ini:?}");
            let _ = ini.get("DEFAULT", "auth_type");
            let groups: Vec<String> = ini.groups().map(str::to_owned).collect();
            let ini = std::sync::Arc::new(ini);
            for g in groups.iter().take(8) {
                for key in [
                    "auth_type",
                    "auth-url",
                    "auth_section",
                    "password",
                    "region_name",
                    "timeout",
                ] {
                    let _ = ini.get(g, key);
                }
                let source = IniSource::new(ini.clone(), g.as_str());
                let _ = (source.group(), source.auth_group());
                let loader = Loader::new().env(Env::empty()).ini(source);
                keystoneauth_fuzz::exercise_loader(&loader);
            }
        }
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
});
