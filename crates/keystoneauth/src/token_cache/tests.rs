//! The token cache: round trips, and every attack of issue 11 item 4.
use super::*;
use crate::identity::v3;
use std::fs;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ksa-cache-test-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    d
}

fn plugin() -> v3::Password {
    v3::Password::builder("http://127.0.0.1:1/v3")
        .user_id("u")
        .password("CANARY-PASSWORD")
        .project_id("p")
        .build()
        .unwrap()
}

fn state(expires: &str) -> String {
    json!({"auth_token": "CANARY-TOKEN", "body": {"token": {
        "expires_at": expires, "issued_at": "2026-01-01T00:00:00Z", "user": {"id": "u"}, "methods": ["password"],
        "project": {"id": "p", "name": "p"}}}})
    .to_string()
}

#[test]
fn round_trip_with_modes() {
    let dir = temp_dir("round");
    let cache = TokenCache::new(&dir);
    let p = plugin();
    assert!(!cache.load(&p).unwrap(), "nothing cached yet");
    assert!(!cache.save(&p).unwrap(), "no token yet");
    p.set_auth_state(&state("2099-01-01T00:00:00Z")).unwrap();
    assert!(cache.save(&p).unwrap());
    let file = cache.path_for(&p.cache_id().unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let fresh = plugin();
    assert!(cache.load(&fresh).unwrap());
    assert!(fresh.auth_state().unwrap().expose_secret().contains("CANARY-TOKEN"));
    assert!(!fs::read_to_string(&file).unwrap().contains("CANARY-PASSWORD"));
    assert!(cache.remove(&p.cache_id().unwrap()).unwrap());
    assert!(!cache.load(&plugin()).unwrap());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn expiring_corrupt_and_foreign_entries_are_ignored() {
    let dir = temp_dir("bad");
    let cache = TokenCache::new(&dir);
    let p = plugin();
    let id = p.cache_id().unwrap();
    p.set_auth_state(&state("2000-01-01T00:00:00Z")).unwrap();
    cache.save(&p).unwrap();
    assert!(!cache.load(&plugin()).unwrap(), "expired");
    fs::write(cache.path_for(&id).unwrap(), "{not json").unwrap();
    assert!(!cache.load(&plugin()).unwrap(), "corrupt");
    fs::write(
        cache.path_for(&id).unwrap(),
        json!({"format": 99, "cache_id": id, "state": {}}).to_string(),
    )
    .unwrap();
    assert!(!cache.load(&plugin()).unwrap(), "other format");
    fs::write(
        cache.path_for(&id).unwrap(),
        json!({"format": 1, "cache_id": "someone-else", "state": {}}).to_string(),
    )
    .unwrap();
    assert!(!cache.load(&plugin()).unwrap(), "foreign");
    // And a save replaces it.
    p.set_auth_state(&state("2099-01-01T00:00:00Z")).unwrap();
    cache.save(&p).unwrap();
    assert!(cache.load(&plugin()).unwrap());
    let _ = fs::remove_dir_all(&dir);
}

/// The attacks of issue 11 (item 4), each with a hostile file made by a
/// second user (`nobody`, uid 65534) so the ownership checks are real.
/// The tests need root to `chown`; otherwise they print `SKIPPED`.
#[cfg(unix)]
mod hostile {
    use super::*;
    use std::os::unix::fs::{chown, symlink, MetadataExt, PermissionsExt};

    const NOBODY: u32 = 65534;

    fn as_root(name: &str) -> bool {
        let root = rustix::process::geteuid().is_root();
        if !root {
            println!("SKIPPED {name}: needs root to make files owned by another user (uid {NOBODY})");
        }
        root
    }

    fn give_to_nobody(path: &Path) {
        chown(path, Some(NOBODY), Some(NOBODY)).unwrap();
    }

    /// A file of the second user's, mode 0644, outside the cache.
    fn nobodys_file(path: &Path, text: &str) -> PathBuf {
        fs::write(path, text).unwrap();
        set_mode(path, 0o644);
        give_to_nobody(path);
        path.to_path_buf()
    }

    fn set_mode(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    /// An entry as another user would plant it: their token, and a catalog
    /// sending every request to their server.
    fn attacker_state() -> String {
        json!({"auth_token": "ATTACKER-TOKEN", "body": {"token": {
            "expires_at": "2099-01-01T00:00:00Z", "issued_at": "2026-01-01T00:00:00Z",
            "user": {"id": "u"}, "methods": ["password"], "project": {"id": "p", "name": "p"},
            "catalog": [{"type": "identity", "id": "i", "endpoints": [
                {"id": "e", "interface": "public", "region": "r", "url": "http://attacker.invalid:5000/v3"}]}]}}})
        .to_string()
    }

    /// A cache in a fresh 0700 directory holding a valid entry (made by
    /// `save`) with `state`.
    fn cache_with_entry(name: &str, state_text: &str) -> (PathBuf, TokenCache, PathBuf) {
        let dir = temp_dir(name);
        let cache = TokenCache::new(&dir);
        let p = plugin();
        p.set_auth_state(state_text).unwrap();
        assert!(cache.save(&p).unwrap());
        let entry = cache.path_for(&p.cache_id().unwrap()).unwrap();
        (dir, cache, entry)
    }

    fn assert_untrusted(err: Error, path: &Path, reason: &str) {
        match &err {
            Error::UntrustedFile { path: p, reason: r, .. } => {
                assert_eq!(p, path, "{err}");
                assert!(r.contains(reason), "{err}");
            }
            other => panic!("not UntrustedFile: {other:?}"),
        }
        assert!(!err.to_string().contains("ATTACKER-TOKEN"), "{err}");
    }

    #[test]
    fn a_directory_owned_by_another_user_is_refused() {
        if !as_root("a_directory_owned_by_another_user_is_refused") {
            return;
        }
        let (dir, cache, entry) = cache_with_entry("foreign-dir", &attacker_state());
        give_to_nobody(&entry);
        give_to_nobody(&dir);
        let before = fs::read(&entry).unwrap();

        // Today's attack: root's next run used nobody's token and catalog.
        let fresh = plugin();
        assert_untrusted(cache.load(&fresh).unwrap_err(), &dir, "owned by uid 65534");
        assert!(fresh.auth_state().is_none(), "the foreign token was loaded");
        assert!(cache.read(&fresh.cache_id().unwrap()).is_none());
        assert_untrusted(cache.check_dir().unwrap_err(), &dir, "not by the current user");
        // Nothing is written into it, nothing removed from it.
        fresh.set_auth_state(&state("2099-01-01T00:00:00Z")).unwrap();
        assert_untrusted(cache.save(&fresh).unwrap_err(), &dir, "owned by uid 65534");
        assert_untrusted(cache.remove(&fresh.cache_id().unwrap()).unwrap_err(), &dir, "owned by");
        assert_eq!(fs::read(&entry).unwrap(), before);
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 2, "the entry and .lock only");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_directory_writable_by_group_or_others_is_refused() {
        for loose in [0o770, 0o720, 0o707, 0o777, 0o1777] {
            let (dir, cache, entry) = cache_with_entry(&format!("loose-dir-{loose:o}"), &state("2099-01-01T00:00:00Z"));
            set_mode(&dir, loose);
            let fresh = plugin();
            assert_untrusted(cache.load(&fresh).unwrap_err(), &dir, "writable by group or others");
            assert!(fresh.auth_state().is_none(), "mode {loose:o}: the entry was used");
            assert!(cache.check_dir().is_err());
            let p = plugin();
            p.set_auth_state(&state("2098-01-01T00:00:00Z")).unwrap();
            let before = fs::read(&entry).unwrap();
            assert!(cache.save(&p).is_err());
            assert_eq!(fs::read(&entry).unwrap(), before, "mode {loose:o}: saved into it");
            // Refused, not silently "repaired": its owner decides.
            assert_eq!(mode(&dir), loose);
            let _ = fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn a_directory_that_is_a_symlink_is_refused() {
        let (real, _, _) = cache_with_entry("link-target", &state("2099-01-01T00:00:00Z"));
        let link = temp_dir("link-dir");
        symlink(&real, &link).unwrap();
        let cache = TokenCache::new(&link);
        assert_untrusted(cache.load(&plugin()).unwrap_err(), &link, "symbolic link");
        assert_untrusted(cache.check_dir().unwrap_err(), &link, "symbolic link");
        let _ = fs::remove_file(&link);
        let _ = fs::remove_dir_all(&real);
    }

    #[test]
    fn entries_with_a_loose_mode_or_another_owner_are_not_read() {
        let (dir, cache, entry) = cache_with_entry("loose-entry", &attacker_state());
        for loose in [0o644, 0o640, 0o604, 0o666] {
            set_mode(&entry, loose);
            let fresh = plugin();
            assert_untrusted(cache.load(&fresh).unwrap_err(), &entry, "not 0600");
            assert!(fresh.auth_state().is_none(), "mode {loose:o}: the entry was used");
            assert!(cache.read(&fresh.cache_id().unwrap()).is_none());
        }
        // The next save replaces it with a private entry of the user's.
        let p = plugin();
        p.set_auth_state(&state("2099-01-01T00:00:00Z")).unwrap();
        assert!(cache.save(&p).unwrap());
        assert_eq!(mode(&entry), 0o600);
        assert!(cache.load(&plugin()).unwrap());

        if as_root("entries_with_a_loose_mode_or_another_owner_are_not_read (other owner)") {
            give_to_nobody(&entry);
            let fresh = plugin();
            assert_untrusted(cache.load(&fresh).unwrap_err(), &entry, "owned by uid 65534");
            assert!(fresh.auth_state().is_none());
        }

        // A link to a private entry elsewhere, and a FIFO (which must not hang).
        let elsewhere = dir.with_extension("elsewhere.json");
        fs::write(&elsewhere, fs::read(&entry).unwrap()).unwrap();
        set_mode(&elsewhere, 0o600);
        fs::remove_file(&entry).unwrap();
        symlink(&elsewhere, &entry).unwrap();
        assert_untrusted(cache.load(&plugin()).unwrap_err(), &entry, "symbolic link");
        fs::remove_file(&entry).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &entry,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        assert_untrusted(cache.load(&plugin()).unwrap_err(), &entry, "not a regular file");
        let _ = fs::remove_file(&elsewhere);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_symlink_planted_at_the_temporary_name_is_not_followed() {
        if !as_root("a_symlink_planted_at_the_temporary_name_is_not_followed") {
            return;
        }
        let dir = temp_dir("tmp-link");
        let cache = TokenCache::new(&dir);
        cache.save(&plugin()).unwrap(); // no token: nothing written, no directory yet
        let p = plugin();
        p.set_auth_state(&state("2099-01-01T00:00:00Z")).unwrap();
        // Make the directory (and lock), then plant the link.
        assert!(cache.save(&p).unwrap());
        let id = p.cache_id().unwrap();
        let entry = cache.path_for(&id).unwrap();
        fs::remove_file(&entry).unwrap();
        let victim = nobodys_file(&dir.with_extension("attacker-file"), "attacker's file");
        let tmp = dir.join(format!(".{id}.{}.tmp", std::process::id()));
        symlink(&victim, &tmp).unwrap();

        assert!(cache.save(&p).unwrap());
        // The token went into a new private file, not into the link's target.
        assert_eq!(fs::read_to_string(&victim).unwrap(), "attacker's file");
        assert_eq!(mode(&victim), 0o644);
        assert_eq!(fs::metadata(&victim).unwrap().uid(), NOBODY);
        let meta = fs::symlink_metadata(&entry).unwrap();
        assert!(meta.file_type().is_file(), "the entry is {:?}", meta.file_type());
        assert_eq!(meta.mode() & 0o777, 0o600);
        assert!(fs::read_to_string(&entry).unwrap().contains("CANARY-TOKEN"));
        assert!(fs::symlink_metadata(&tmp).is_err(), "the temporary name is left");
        assert!(cache.load(&plugin()).unwrap());
        let _ = fs::remove_file(&victim);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_lock_symlink_neither_changes_its_target_nor_creates_one() {
        if !as_root("a_lock_symlink_neither_changes_its_target_nor_creates_one") {
            return;
        }
        let dir = temp_dir("lock-link");
        fs::create_dir(&dir).unwrap();
        set_mode(&dir, 0o700);
        let cache = TokenCache::new(&dir);
        let p = plugin();
        p.set_auth_state(&state("2099-01-01T00:00:00Z")).unwrap();
        let lock = dir.join(".lock");

        // A link to another user's file: its mode stayed 0644 only if nobody chmods by path.
        let victim = nobodys_file(&dir.with_extension("victim"), "someone's file");
        symlink(&victim, &lock).unwrap();
        let saved = cache.save(&p);
        assert_eq!(mode(&victim), 0o644, "the lock link's target was chmodded");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "someone's file");
        assert!(!cache.path_for(&p.cache_id().unwrap()).unwrap().exists());
        assert_untrusted(saved.unwrap_err(), &lock, "symbolic link");
        assert_untrusted(
            cache.remove(&p.cache_id().unwrap()).unwrap_err(),
            &lock,
            "symbolic link",
        );

        // A dangling link: its target must not be created.
        fs::remove_file(&lock).unwrap();
        let dangling = dir.with_extension("created-by-the-cache");
        let _ = fs::remove_file(&dangling);
        symlink(&dangling, &lock).unwrap();
        let saved = cache.save(&p);
        assert!(
            fs::symlink_metadata(&dangling).is_err(),
            "the link's target was created"
        );
        assert_untrusted(saved.unwrap_err(), &lock, "symbolic link");

        // A lock file of another user's is not taken either.
        fs::remove_file(&lock).unwrap();
        fs::write(&lock, "").unwrap();
        give_to_nobody(&lock);
        assert_untrusted(cache.save(&p).unwrap_err(), &lock, "owned by uid 65534");
        let _ = fs::remove_file(&victim);
        let _ = fs::remove_dir_all(&dir);
    }
}
