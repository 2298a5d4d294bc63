//! Hostile configuration files and environments (issue 11, item 5): alias
//! bombs, placeholder bombs, huge files and values that are not UTF-8 must
//! be refused with an error naming the file or variable, within a bounded
//! peak memory, measured from `VmHWM` of a child process (this test binary,
//! re-run on one file).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use testkit::temp_dir;

mod common;

use common::hostile::alias_bomb;
use keystoneauth::loading::{CloudsConfig, Env, IniFile, Loader, MAX_CONFIG_FILE_BYTES};

/// The variable that makes `child_loads_one_file` load a file.
const CHILD_VAR: &str = "KSA_HOSTILE_CONFIG_CHILD";
/// The peak memory allowed for loading any one file.
const MAX_PEAK_KIB: u64 = 50 * 1024;

/// Loads `path` as ksa does (clouds files from the directory, then every
/// cloud), or as an INI file.
fn load(path: &Path) -> keystoneauth::Result<()> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    if name.ends_with(".conf") {
        return IniFile::load(path).map(drop);
    }
    let builder = CloudsConfig::builder().search_dirs([path.parent().unwrap()]);
    let builder = match name.as_str() {
        n if n.starts_with("secure") => builder.secure_files([path]),
        n if n.starts_with("clouds-public") => {
            // clouds-public.yaml is read only for a cloud that names a profile.
            let user = path.with_file_name("uses-a-profile.yaml");
            std::fs::write(&user, "clouds:\n  user:\n    profile: vendor\n").unwrap();
            builder.config_files([user]).vendor_files([path])
        }
        _ => builder.config_files([path]),
    };
    let clouds = builder.load(&Env::empty())?;
    for name in clouds.cloud_names() {
        if let Some(cloud) = clouds.cloud(Some(&name), None)? {
            let _ = Loader::new().cloud(cloud).auth_options()?;
        }
    }
    Ok(())
}

/// Run in a child: loads the file named by `KSA_HOSTILE_CONFIG_CHILD`,
/// prints the outcome and the peak resident size.
#[test]
fn child_loads_one_file() {
    let Some(path) = std::env::var_os(CHILD_VAR) else {
        return;
    };
    let outcome = match load(Path::new(&path)) {
        Ok(()) => "ok".to_owned(),
        Err(e) => format!(
            "error: {e}: {:?}",
            std::error::Error::source(&e).map(ToString::to_string)
        ),
    };
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let hwm = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    println!("OUTCOME {}", outcome.replace('\n', " "));
    println!("PEAK {}", hwm.split_whitespace().nth(1).unwrap());
}

/// Loads `path` in a child process; returns its outcome and peak KiB.
fn load_in_child(path: &Path) -> (String, u64) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_loads_one_file", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = |tag: &str| {
        stdout
            .lines()
            .find_map(|l| l.find(tag).map(|i| &l[i + tag.len()..]))
            .unwrap_or_else(|| {
                panic!(
                    "no {tag} from the child: {stdout}\n{}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })
            .to_owned()
    };
    (line("OUTCOME "), line("PEAK ").trim().parse().unwrap())
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn alias_bombs_are_refused_naming_the_file() {
    let dir = temp_dir("alias");
    for levels in [7, 10] {
        let doc = alias_bomb(levels);
        assert!(doc.len() < 1024, "{}", doc.len());
        let path = write(&dir, "clouds.yaml", &doc);
        let e = load(&path).unwrap_err();
        let text = format!("{e}: {}", std::error::Error::source(&e).unwrap());
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("100000 nodes"), "{text}");
    }
}

#[test]
fn merge_keys_are_bounded_like_aliases() {
    let mut doc = String::from("d0: &d0 {k0: x}\n");
    for i in 1..=20 {
        let p = i - 1;
        doc += &format!("d{i}: &d{i} {{<<: *d{p}, k{i}: [*d{p}, *d{p}, *d{p}]}}\n");
    }
    doc += "clouds:\n  c:\n    <<: *d20\n";
    let e = CloudsConfig::from_yaml_str(&doc, "clouds.yaml").unwrap_err();
    assert!(std::error::Error::source(&e).unwrap().to_string().contains("nodes"));
}

#[test]
fn oversized_files_are_refused_before_parsing() {
    let dir = temp_dir("size");
    for name in [
        "clouds.yaml",
        "secure.yaml",
        "clouds-public.yaml",
        "clouds.json",
        "app.conf",
    ] {
        let path = dir.join(name);
        // 50 MB, sparse: refused from its size, never read.
        let f = std::fs::File::create(&path).unwrap();
        f.set_len(50_000_000).unwrap();
        let e = load(&path).unwrap_err();
        let text = format!("{e}: {}", std::error::Error::source(&e).unwrap());
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("larger than the 4 MiB limit"), "{text}");
        std::fs::remove_file(&path).unwrap();
    }
    // A file that reports no size (/dev/zero) is read up to the limit only.
    let env = Env::from_pairs([("OS_CLIENT_CONFIG_FILE", "/dev/zero")]);
    let e = CloudsConfig::builder().search_dirs([&dir]).load(&env).unwrap_err();
    assert!(
        std::error::Error::source(&e).unwrap().to_string().contains("4 MiB"),
        "{e}"
    );
    // Just under the limit is read.
    let mut doc = String::from("clouds:\n  c:\n    auth: {auth_url: 'http://k/v3'}\n    note: '");
    doc += &"x".repeat(MAX_CONFIG_FILE_BYTES as usize - doc.len() - 2);
    doc += "'\n";
    assert_eq!(doc.len() as u64, MAX_CONFIG_FILE_BYTES);
    load(&write(&dir, "clouds.yaml", &doc)).unwrap();
}

#[test]
fn placeholder_growth_is_an_error_naming_the_option() {
    let big = "x".repeat(1000);
    let doc = format!(
        "clouds:\n  c:\n    auth: {{auth_url: 'http://k/v3'}}\n    a: '{}'\n    b: '{big}'\n",
        "{b}".repeat(1000)
    );
    let e = CloudsConfig::from_yaml_str(&doc, "clouds.yaml")
        .unwrap()
        .cloud(Some("c"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("option a (cloud c)") && e.contains("65536 bytes"), "{e}");
}

/// Every hostile file, loaded in a child: each is refused (or loaded) with
/// a peak resident size under 50 MiB.
#[test]
fn peak_memory_is_bounded_for_hostile_files() {
    if !Path::new("/proc/self/status").exists() {
        println!("SKIPPED peak_memory_is_bounded_for_hostile_files: no /proc/self/status (not Linux)");
        return;
    }
    let dir = temp_dir("peak");
    let limit = MAX_CONFIG_FILE_BYTES as usize;
    let mut cases: Vec<(&str, String, String)> = Vec::new();
    cases.push(("alias bomb, 7 levels", "clouds.yaml".into(), alias_bomb(7)));
    cases.push(("alias bomb, 10 levels", "secure.yaml".into(), alias_bomb(10)));
    let mut doc = String::from("clouds:\n  c:\n    auth: {auth_url: 'http://k/v3'}\n");
    let names: Vec<char> = ('a'..='z').collect();
    for pair in names.windows(2) {
        doc += &format!("    {}: '{}'\n", pair[0], format!("{{{}}}", pair[1]).repeat(8));
    }
    cases.push(("placeholder bomb", "clouds.yaml".into(), doc));
    // Near the size limit: many small nodes (over the node budget).
    let items = (limit - 100) / 2;
    cases.push((
        "4 MiB of small list items",
        "clouds.yaml".into(),
        format!("clouds:\n  c:\n    x: [{}0]\n", "0,".repeat(items - 1)),
    ));
    cases.push((
        "4 MiB JSON array",
        "clouds.json".into(),
        format!("{{\"clouds\": {{\"c\": {{\"x\": [{}0]}}}}}}", "0,".repeat(items - 1)),
    ));
    // Anchors nested 60 deep around one big list: each level keeps a copy.
    let mut nested = String::from("clouds:\n  c:\n    x: ");
    for i in 0..60 {
        nested += &format!("&n{i} [");
    }
    nested += &"x,".repeat(30_000);
    nested += &"]".repeat(60);
    nested += "\n    y: [*n0, *n1, *n2]\n";
    cases.push(("nested anchors", "clouds.yaml".into(), nested));
    // One big scalar, aliased many times (over the byte budget).
    let mut big = format!("big: &big '{}'\nclouds:\n  c:\n    x: [", "y".repeat(1024 * 1024));
    big += &"*big, ".repeat(100);
    big += "]\n";
    cases.push(("aliased 1 MiB scalar", "clouds-public.yaml".into(), big));
    // A legitimate file near the budgets: loads.
    let mut many = String::from("clouds:\n");
    for i in 0..4000 {
        many += &format!(
            "  c{i}:\n    auth: {{auth_url: 'http://k{i}/v3', username: u, password: p, project_name: p}}\n    \
             region_name: [R1, R2, R3]\n    compute_api_version: '2.1'\n"
        );
    }
    cases.push(("4,000 clouds", "clouds.yaml".into(), many));
    // Just under the node budget, all in the cloud that is loaded.
    cases.push((
        "95,000 nodes in one cloud",
        "clouds.yaml".into(),
        format!(
            "clouds:\n  c:\n    auth: {{auth_url: 'http://k/v3'}}\n    x: [{}0]\n",
            "0,".repeat(95_000)
        ),
    ));
    let mut ini = String::new();
    for i in 0..((limit - 20) / 12) {
        ini += &format!("k{i:07}=v\n");
    }
    cases.push(("4 MiB INI", "app.conf".into(), ini));

    let mut report = Vec::new();
    for (what, name, text) in &cases {
        assert!(text.len() <= limit, "{what}: {} bytes", text.len());
        let sub = dir.join(what.replace([' ', ','], "_"));
        std::fs::create_dir_all(&sub).unwrap();
        let path = write(&sub, name, text);
        let (outcome, peak) = load_in_child(&path);
        report.push(format!("{what} ({} bytes): peak {} KiB, {outcome}", text.len(), peak));
        assert!(peak < MAX_PEAK_KIB, "{what}: peak {peak} KiB: {outcome}");
        if what.starts_with("4,000") || what.starts_with("95,000") {
            assert_eq!(outcome, "ok");
        } else if !what.starts_with("placeholder") {
            assert!(
                outcome.starts_with("error") && outcome.contains(&path.display().to_string()),
                "{what}: {outcome}"
            );
        }
    }
    println!("{}", report.join("\n"));
}

#[cfg(unix)]
mod not_utf8 {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    use keystoneauth::loading::{CloudsConfig, Env, Loader};

    const CANARY: &[u8] = b"canary-\xff-secret";

    fn env(bad: &str) -> Env {
        let mut pairs: Vec<(OsString, OsString)> = [
            ("OS_AUTH_TYPE", "password"),
            ("OS_AUTH_URL", "http://127.0.0.1:5000/v3"),
            ("OS_USERNAME", "demo"),
            ("OS_PASSWORD", "ok"),
            ("OS_PROJECT_NAME", "demo"),
        ]
        .into_iter()
        .filter(|(k, _)| *k != bad)
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
        pairs.push((bad.into(), OsString::from_vec(CANARY.to_vec())));
        Env::from_os_pairs(pairs)
    }

    fn assert_names(e: keystoneauth::Error, var: &str) {
        let text = format!("{e} {e:?}");
        assert!(
            matches!(&e, keystoneauth::Error::EnvNotUtf8 { var: v, .. } if v == var),
            "{text}"
        );
        assert!(text.contains(&format!("{var} is not valid UTF-8")), "{text}");
        assert!(!text.contains("canary"), "{text}");
    }

    #[test]
    fn os_variables_that_are_not_utf8_are_errors_naming_them() {
        for var in ["OS_PASSWORD", "OS_AUTH_URL"] {
            // Through the Loader's environment source.
            let e = Loader::new().env(env(var)).load_auth().unwrap_err();
            assert_names(e, var);
            // Through the cloud made of OS_* variables (what ksa reads).
            let e = CloudsConfig::builder()
                .search_dirs(Vec::<String>::new())
                .load(&env(var))
                .unwrap_err();
            assert_names(e, var);
        }
        // Any OS_* variable the envvars cloud takes, and the selectors.
        for var in ["OS_INTERFACE", "OS_CLOUD", "OS_CLIENT_CONFIG_FILE"] {
            let e = CloudsConfig::builder()
                .search_dirs(Vec::<String>::new())
                .without_envvars()
                .load(&env(var));
            if var == "OS_INTERFACE" {
                assert!(e.is_ok(), "without envvars, OS_INTERFACE is not read");
                let e = CloudsConfig::builder()
                    .search_dirs(Vec::<String>::new())
                    .load(&env(var))
                    .unwrap_err();
                assert_names(e, var);
            } else {
                assert_names(e.unwrap_err(), var);
            }
        }
        // Variables nothing reads stay harmless.
        let mut pairs = vec![(OsString::from("UNRELATED"), OsString::from_vec(CANARY.to_vec()))];
        pairs.push(("OS_AUTH_TYPE".into(), "none".into()));
        assert!(Loader::new()
            .env(Env::from_os_pairs(pairs))
            .load_auth()
            .unwrap()
            .is_some());
    }
}
