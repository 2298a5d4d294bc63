//! openstackclient's per-service flags: `--os-<service>-api-version`,
//! `--os-<service>-endpoint-override`, `--os-<service>-interface`,
//! `--os-<service>-service-type` and `--os-<service>-service-name`, read by
//! the loader as the `OS_<SERVICE>_*` variables and clouds.yaml keys are.
//!
//! Registering five flags for each of the ~90 known service types and
//! aliases would slow every start-up (clap builds each argument: the 30
//! flags of [`LISTED`] alone added 1.7 ms to `ksa --version` in a debug
//! build), so `ksa` registers only the flags named on the command line, for
//! any known service type (a cheap scan of argv, before `--`), and those of
//! [`LISTED`] when help or completions are asked for.

use std::ffi::OsString;

use clap::Command;
use keystoneauth::loading::cli;
use keystoneauth::service_types;

/// Services whose flags `--help` and the completions list (openstackclient's usual
/// `--os-<service>-api-version` flags).
pub const LISTED: &[&str] = &["compute", "identity", "image", "network", "object-store", "volume"];

/// The option part of a per-service flag.
const SUFFIXES: &[&str] = &[
    "-api-version",
    "-endpoint-override",
    "-interface",
    "-service-type",
    "-service-name",
];

/// Adds the per-service flags of every known service type named in `argv`
/// (`--os-load-balancer-api-version 2`), and of [`LISTED`] when `argv`
/// asks for help or completions.
pub fn register(cmd: Command, argv: &[OsString]) -> Command {
    let mut cmd = cmd;
    if wants_help(argv) {
        for service in LISTED {
            cmd = cli::register_service_adapter_args(cmd, service);
        }
    }
    for service in named_services(argv) {
        cmd = cli::register_service_adapter_args(cmd, &service);
    }
    cmd
}

/// True when `argv` (up to `--`) asks for help or completions.
fn wants_help(argv: &[OsString]) -> bool {
    argv.iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .take_while(|a| *a != "--")
        .any(|a| matches!(a, "-h" | "--help" | "help" | "completion"))
}

/// The known service types (official or alias) of the per-service flags
/// in `argv`, up to `--`.
fn named_services(argv: &[OsString]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for arg in argv.iter().skip(1).filter_map(|a| a.to_str()) {
        if arg == "--" {
            break;
        }
        let Some(flag) = arg.strip_prefix("--os-") else {
            continue;
        };
        let flag = flag.split_once('=').map_or(flag, |(name, _)| name);
        let service = SUFFIXES.iter().find_map(|s| flag.strip_suffix(s));
        if let Some(service) = service {
            let known = service_types::is_known(service);
            if known && !found.iter().any(|f| f == service) {
                found.push(service.to_owned());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<OsString> {
        std::iter::once("ksa")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn named_services_are_found_before_the_double_dash() {
        let found = named_services(&argv(&[
            "--os-load-balancer-api-version",
            "2",
            "--os-block-storage-endpoint-override=http://x",
            "--os-load-balancer-interface",
            "internal",
            "--os-compute-api-version",
            "2.1",
            "--os-nosuch-api-version",
            "1",
            "--os-service-type",
            "x",
            "exec",
            "--",
            "--os-dns-api-version",
        ]));
        assert_eq!(found, ["load-balancer", "block-storage", "compute"]);
    }

    #[test]
    fn listed_and_named_flags_parse() {
        let args = argv(&[
            "--os-load-balancer-api-version",
            "2",
            "--os-compute-api-version",
            "2.79",
        ]);
        let m = register(Command::new("t"), &args).try_get_matches_from(&args).unwrap();
        assert_eq!(m.get_one::<String>("os_load_balancer_api_version").unwrap(), "2");
        assert_eq!(m.get_one::<String>("os_compute_api_version").unwrap(), "2.79");
        assert!(m.try_get_one::<String>("os_object_store_endpoint_override").is_err());
        let help = argv(&["--help"]);
        let cmd = register(Command::new("t"), &help);
        assert!(cmd
            .get_arguments()
            .any(|a| a.get_long() == Some("os-object-store-endpoint-override")));
        assert!(!wants_help(&argv(&["exec", "--", "sh", "--help"])));
    }
}
