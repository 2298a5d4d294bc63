//! The Kerberos loaders, `v3kerberos` and `v3fedkerb` (keystoneauth1's
//! `keystoneauth1.extras.kerberos._loading`), registered with the cargo
//! feature `kerberos`. Without it, naming them is an error that says so
//! (keystoneauth1 fails the same way without `requests-kerberos`).

use crate::error::Error;

/// keystoneauth1's names of the Kerberos plugins.
const NAMES: [&str; 2] = ["v3kerberos", "v3fedkerb"];

/// The error for naming a Kerberos plugin that this build cannot load (the
/// feature is off and no loader of that name was registered), if `name` is
/// one.
pub(crate) fn unavailable(name: &str) -> Option<Error> {
    if cfg!(feature = "kerberos") || !NAMES.contains(&name) {
        return None;
    }
    Some(Error::invalid_option(
        "auth-type",
        format!(
            "the auth plugin {name:?} is not in this build: keystoneauth was built without its `kerberos` \
             cargo feature (ksa: build it with --features kerberos)"
        ),
    ))
}

#[cfg(feature = "kerberos")]
pub(crate) use with_feature::loaders;

#[cfg(feature = "kerberos")]
mod with_feature {
    use std::sync::Arc;

    use crate::auth::AuthPlugin;
    use crate::error::Result;
    use crate::identity::v3;
    use crate::loading::base_opts::{v3_scope, v3_scope_opts};
    use crate::loading::loaded::LoadedOptions;
    use crate::loading::opt::Opt;
    use crate::loading::plugin_loader::PluginLoader;

    pub(crate) fn loaders() -> Vec<Arc<dyn PluginLoader>> {
        vec![Arc::new(V3Kerberos), Arc::new(V3FedKerb)]
    }

    fn mutual_auth_opt() -> Opt {
        Opt::new("mutual-auth")
            .default_value("optional")
            .help("Configures Kerberos Mutual Authentication (required, optional or disabled)")
    }

    /// The `mutual-auth` option's value, checked.
    fn mutual_auth(o: &LoadedOptions) -> Result<v3::MutualAuth> {
        Ok(match o.string("mutual-auth")? {
            Some(v) => v.parse()?,
            None => v3::MutualAuth::default(),
        })
    }

    /// `v3kerberos`.
    #[derive(Debug)]
    struct V3Kerberos;

    impl PluginLoader for V3Kerberos {
        fn name(&self) -> &str {
            "v3kerberos"
        }

        fn description(&self) -> &str {
            "Authenticate with a Kerberos ticket (Keystone's kerberos method behind a SPNEGO web server)"
        }

        fn options(&self) -> Vec<Opt> {
            let mut o = v3_scope_opts();
            o.push(mutual_auth_opt());
            o
        }

        fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
            let b = v3::Kerberos::builder(o.require_string("auth-url")?).mutual_auth(mutual_auth(o)?);
            Ok(Arc::new(v3_scope!(b, o).build()?))
        }
    }

    /// `v3fedkerb`.
    #[derive(Debug)]
    struct V3FedKerb;

    impl PluginLoader for V3FedKerb {
        fn name(&self) -> &str {
            "v3fedkerb"
        }

        fn description(&self) -> &str {
            "Authenticate with a Kerberos ticket through Keystone's federation (an identity provider behind SPNEGO)"
        }

        fn options(&self) -> Vec<Opt> {
            let mut o = crate::loading::federation::federation_opts();
            o.push(mutual_auth_opt());
            o
        }

        fn load(&self, o: &LoadedOptions) -> Result<Arc<dyn AuthPlugin>> {
            let b = v3::MappedKerberos::builder(
                o.require_string("auth-url")?,
                o.require_string("identity-provider")?,
                o.require_string("protocol")?,
            )
            .mutual_auth(mutual_auth(o)?);
            Ok(Arc::new(v3_scope!(b, o).build()?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_kerberos_names_without_the_feature() {
        assert!(unavailable("v3password").is_none());
        let err = unavailable("v3kerberos");
        if cfg!(feature = "kerberos") {
            assert!(err.is_none());
        } else {
            let err = err.unwrap().to_string();
            assert!(err.contains("`kerberos` cargo feature"), "{err}");
        }
    }

    /// keystoneauth1's `test_kerberos_loading` and `test_fedkerb_loading`.
    #[cfg(feature = "kerberos")]
    #[test]
    fn options_are_keystoneauth1s() {
        let names = |plugin: &str| {
            let loader = with_feature::loaders()
                .into_iter()
                .find(|l| l.name() == plugin)
                .unwrap();
            let mut names: Vec<String> = loader.options().iter().map(|o| o.name().to_owned()).collect();
            names.sort();
            names
        };
        let mut v3 = vec![
            "auth-url",
            "system-scope",
            "domain-id",
            "domain-name",
            "project-id",
            "project-name",
            "project-domain-id",
            "project-domain-name",
            "trust-id",
            "mutual-auth",
        ];
        v3.sort_unstable();
        assert_eq!(names("v3kerberos"), v3);
        v3.extend(["identity-provider", "protocol"]);
        v3.sort_unstable();
        assert_eq!(names("v3fedkerb"), v3);
    }
}
