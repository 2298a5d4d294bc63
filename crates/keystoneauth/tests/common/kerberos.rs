//! Tickets for the Kerberos tests: GSSAPI reads the credential cache from
//! the process's `KRB5CCNAME` (and the realm from `KRB5_CONFIG`), so a test
//! holds the lock of [`Ticket`] while it runs with one cache, and the tests
//! of a binary take turns.

use std::sync::{Mutex, MutexGuard};

use testkit::Kerberos;

static ENV_LOCK: Mutex<()> = Mutex::new(());

/// The process's Kerberos environment, held by one test at a time.
pub struct Ticket {
    _dir: TempDir,
    _lock: MutexGuard<'static, ()>,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn take(krb: &Kerberos) -> (MutexGuard<'static, ()>, std::path::PathBuf) {
    let lock = ENV_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    std::env::set_var("KRB5_CONFIG", &krb.krb5_config);
    (lock, testkit::temp_dir("ksa-krb5"))
}

/// A fresh credential cache with a ticket-granting ticket for `principal`,
/// as the process's `KRB5CCNAME` until dropped.
pub fn login(krb: &Kerberos, principal: &str) -> Ticket {
    let (lock, dir) = take(krb);
    let ccache = krb.kinit(principal, &dir);
    std::env::set_var("KRB5CCNAME", ccache);
    Ticket {
        _dir: TempDir(dir),
        _lock: lock,
    }
}

/// A credential cache that does not exist (no `kinit`), as the process's
/// `KRB5CCNAME` until dropped.
pub fn no_ticket(krb: &Kerberos) -> Ticket {
    let (lock, dir) = take(krb);
    std::env::set_var("KRB5CCNAME", format!("FILE:{}", dir.join("ccache").display()));
    Ticket {
        _dir: TempDir(dir),
        _lock: lock,
    }
}
