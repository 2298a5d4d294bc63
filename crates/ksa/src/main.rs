//! `ksa`: the keystoneauth command-line client.
//!
//! This is a placeholder until the CLI issue lands: it prints the library
//! version so the binary, the workspace and CI are wired up from the start.

fn main() {
    println!(
        "ksa {} (keystoneauth {})",
        env!("CARGO_PKG_VERSION"),
        keystoneauth::VERSION
    );
}
