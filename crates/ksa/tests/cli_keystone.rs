//! ksa's commands against the real Keystone (`scripts/keystone start`):
//! authentication from flags, `OS_*` variables and clouds.yaml; every
//! command's output checked field by field against what Keystone itself
//! answers; request bodies from a file and from standard input; `--debug`
//! redaction; error messages and exit codes. Skipped, with a printed reason,
//! when KSA_TEST_AUTH_URL is not set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::KeystoneExt;
use testkit::require_keystone;

use std::collections::BTreeSet;

use common::{http, osc_expires, pairs, Keystone, Sandbox};
use serde_json::{json, Value};

/// `YYYY-MM-DDTHH:MM:SS+0000`, as openstackclient prints `expires`.
fn assert_osc_time(s: &str) {
    let ok = s.len() == 24
        && s.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            10 => c == 'T',
            13 | 16 => c == ':',
            19 => c == '+',
            _ => c.is_ascii_digit(),
        })
        && s.ends_with("+0000");
    assert!(ok, "{s:?} is not YYYY-MM-DDTHH:MM:SS+0000");
}

/// Checks `ksa token issue -f json` output field by field against Keystone's
/// validation of the token; returns the token.
fn check_token(k: &Keystone, v: &Value, user_id: &str, project_id: &str) -> String {
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["expires", "id", "project_id", "user_id"], "{v}");
    let id = v["id"].as_str().unwrap();
    let (status, body) = k.validate(id);
    assert_eq!(status, 200, "Keystone rejects the token ksa printed: {body}");
    let t = &body["token"];
    let expires = v["expires"].as_str().unwrap();
    assert_osc_time(expires);
    assert_eq!(expires, osc_expires(t["expires_at"].as_str().unwrap()));
    assert_eq!(v["user_id"], t["user"]["id"]);
    assert_eq!(v["user_id"], user_id);
    assert_eq!(v["project_id"], t["project"]["id"]);
    assert_eq!(v["project_id"], project_id);
    id.to_owned()
}

#[test]
fn auth_from_flags_only() {
    let k = require_keystone!();
    let s = Sandbox::new("flags");
    let v = s.json(
        &[],
        &[
            "--os-auth-url",
            &k.auth_url,
            "--os-username",
            &k.admin_username,
            "--os-password",
            &k.admin_password,
            "--os-project-name",
            &k.admin_project,
            "--os-user-domain-name",
            "Default",
            "--os-project-domain-name",
            "Default",
            "token",
            "issue",
            "-f",
            "json",
        ],
    );
    check_token(&k, &v, &k.admin_user_id, &k.admin_project_id);
    // `--flag=value` works as well, and ids instead of names.
    let auth_url = format!("--os-auth-url={}", k.auth_url);
    let user_id = format!("--os-user-id={}", k.demo_user_id);
    let password = format!("--os-password={}", k.demo_password);
    let project_id = format!("--os-project-id={}", k.demo_project_id);
    let v = s.json(
        &[],
        &[
            &auth_url,
            &user_id,
            &password,
            &project_id,
            "token",
            "issue",
            "-f",
            "json",
        ],
    );
    check_token(&k, &v, &k.demo_user_id, &k.demo_project_id);
}

#[test]
fn auth_from_environment_only_and_token_issue_formats() {
    let k = require_keystone!();
    let s = Sandbox::new("env");
    let env = k.admin_env(&k.auth_url);
    let v = s.json(&env, &["token", "issue", "-f", "json"]);
    let token = check_token(&k, &v, &k.admin_user_id, &k.admin_project_id);

    // The same (cached) token in the other formats.
    let out = s.ok(&env, &["token", "issue", "-f", "value", "-c", "id"]);
    assert_eq!(out.stdout, format!("{token}\n"));
    let out = s.ok(
        &env,
        &["token", "issue", "-f", "value", "-c", "project_id", "-c", "user_id"],
    );
    assert_eq!(out.stdout, format!("{}\n{}\n", k.admin_project_id, k.admin_user_id));
    let out = s.ok(&env, &["token", "issue", "-f", "yaml"]);
    assert_eq!(
        out.stdout,
        format!(
            "expires: {}\nid: {token}\nproject_id: {}\nuser_id: {}\n",
            v["expires"].as_str().unwrap(),
            k.admin_project_id,
            k.admin_user_id
        )
    );
    let out = s.ok(&env, &["token", "issue"]);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{}", out.stdout);
    assert!(lines[1].starts_with("| Field ") && lines[1].contains("| Value "));
    assert!(lines[3].starts_with("| expires    | "), "{}", out.stdout);
    assert!(
        lines[4].starts_with(&format!("| id         | {token} |")),
        "{}",
        out.stdout
    );
    // An unknown column is an error (as in openstackclient).
    let out = s.run_args(&env, &["token", "issue", "-c", "nope"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("nope") && out.stderr.contains("project_id"),
        "{}",
        out.stderr
    );
}

#[test]
fn token_issue_domain_and_system_scopes() {
    let k = require_keystone!();
    let s = Sandbox::new("scopes");
    let base = pairs(&[
        ("OS_AUTH_URL", &k.auth_url),
        ("OS_USERNAME", &k.admin_username),
        ("OS_PASSWORD", &k.admin_password),
        ("OS_USER_DOMAIN_NAME", "Default"),
    ]);
    let v = s.json(&base, &["--os-domain-name", "Default", "token", "issue", "-f", "json"]);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["domain_id", "expires", "id", "user_id"], "{v}");
    let (status, body) = k.validate(v["id"].as_str().unwrap());
    assert_eq!(status, 200);
    assert_eq!(v["domain_id"], body["token"]["domain"]["id"]);
    assert_eq!(v["domain_id"], "default");

    let v = s.json(&base, &["--os-system-scope", "all", "token", "issue", "-f", "json"]);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["expires", "id", "system", "user_id"], "{v}");
    let (status, body) = k.validate(v["id"].as_str().unwrap());
    assert_eq!(status, 200);
    assert_eq!(body["token"]["system"]["all"], true);
    assert_eq!(v["system"], "all");
    // Three scopes, three cache entries: they never share one.
    s.ok(
        &base,
        &[
            "--os-project-name",
            "admin",
            "--os-project-domain-name",
            "Default",
            "token",
            "issue",
        ],
    );
    assert_eq!(s.cache_files().len(), 3);
}

fn clouds_yaml(k: &Keystone, cloud: &str, user: &str, password: &str, project: &str) -> String {
    format!(
        "clouds:\n  {cloud}:\n    auth:\n      auth_url: {}\n      username: {user}\n      password: {password}\n      \
         project_name: {project}\n      user_domain_name: Default\n      project_domain_name: Default\n    \
         region_name: RegionOne\n    interface: public\n    identity_api_version: 3\n",
        k.auth_url
    )
}

#[test]
fn auth_from_clouds_yaml() {
    let k = require_keystone!();
    let s = Sandbox::new("clouds");
    // ~/.config/openstack/clouds.yaml, chosen with --os-cloud.
    s.write(
        "home/.config/openstack/clouds.yaml",
        &clouds_yaml(&k, "ksa-demo", &k.demo_username, &k.demo_password, &k.demo_project),
    );
    let v = s.json(&[], &["--os-cloud", "ksa-demo", "token", "issue", "-f", "json"]);
    check_token(&k, &v, &k.demo_user_id, &k.demo_project_id);

    // A file named by OS_CLIENT_CONFIG_FILE, the cloud by OS_CLOUD.
    let other = s.write(
        "elsewhere/my-clouds.yaml",
        &clouds_yaml(&k, "ksa-admin", &k.admin_username, &k.admin_password, &k.admin_project),
    );
    let env = pairs(&[
        ("OS_CLIENT_CONFIG_FILE", &other.display().to_string()),
        ("OS_CLOUD", "ksa-admin"),
    ]);
    let v = s.json(&env, &["--no-cache", "token", "issue", "-f", "json"]);
    check_token(&k, &v, &k.admin_user_id, &k.admin_project_id);

    // Flags win over the cloud's values (python-openstackclient's precedence).
    let v = s.json(
        &[],
        &[
            "--os-cloud",
            "ksa-demo",
            "--os-username",
            &k.admin_username,
            "--os-password",
            &k.admin_password,
            "--os-project-name",
            &k.admin_project,
            "token",
            "issue",
            "-f",
            "json",
        ],
    );
    check_token(&k, &v, &k.admin_user_id, &k.admin_project_id);
    // So do OS_* variables.
    let env = pairs(&[
        ("OS_USERNAME", &k.admin_username),
        ("OS_PASSWORD", &k.admin_password),
        ("OS_PROJECT_NAME", &k.admin_project),
    ]);
    let v = s.json(&env, &["--os-cloud", "ksa-demo", "token", "issue", "-f", "json"]);
    check_token(&k, &v, &k.admin_user_id, &k.admin_project_id);
}

/// Keystone's catalog for a token.
fn keystone_catalog(k: &Keystone, token: &str) -> Vec<Value> {
    let (status, body) = k.validate(token);
    assert_eq!(status, 200);
    body["token"]["catalog"].as_array().unwrap().clone()
}

fn by_id(v: &Value) -> Vec<Value> {
    let mut items = v.as_array().unwrap().clone();
    items.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    items
}

#[test]
fn catalog_list_and_show_match_keystone() {
    let k = require_keystone!();
    let s = Sandbox::new("catalog");
    let env = k.admin_env(&k.auth_url);
    let token = s.ok(&env, &["token", "issue", "-f", "value", "-c", "id"]).stdout;
    let catalog = keystone_catalog(&k, token.trim());

    let list = s.json(&env, &["catalog", "list", "-f", "json"]);
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), catalog.len(), "{list}");
    for service in &catalog {
        let row = rows
            .iter()
            .find(|r| r["Type"] == service["type"])
            .unwrap_or_else(|| panic!("{} missing from {list}", service["type"]));
        let keys: Vec<&str> = row.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["Endpoints", "Name", "Type"]);
        assert_eq!(row["Name"], service["name"]);
        for e in row["Endpoints"].as_array().unwrap() {
            let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, ["id", "interface", "region", "region_id", "url"], "{e}");
        }
        assert_eq!(
            by_id(&row["Endpoints"]),
            by_id(&service["endpoints"]),
            "{}",
            service["type"]
        );
    }
    // The seeded compute endpoints, in both regions.
    let compute = rows.iter().find(|r| r["Type"] == "compute").unwrap();
    let got: BTreeSet<(String, String, String)> = compute["Endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["region_id"].as_str().unwrap().to_owned(),
                e["interface"].as_str().unwrap().to_owned(),
                e["url"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (region, port) in [("RegionOne", 8774), ("RegionTwo", 18774)] {
        for (interface, host) in [("public", 1), ("internal", 2), ("admin", 3)] {
            let want = (
                region.to_owned(),
                interface.to_owned(),
                format!("http://127.0.0.{host}:{port}/v2.1"),
            );
            assert!(got.contains(&want), "{want:?} not in {got:?}");
        }
    }
    // The table groups endpoints under their region, as openstackclient does.
    let table = s.ok(&env, &["catalog", "list"]).stdout;
    assert!(table.contains("| Name "), "{table}");
    assert!(table.contains("| nova     | compute  | RegionOne"), "{table}");
    assert!(table.contains("|   internal: http://127.0.0.2:18774/v2.1"), "{table}");
    let names = s.ok(&env, &["catalog", "list", "-f", "value", "-c", "Name"]).stdout;
    let names: BTreeSet<&str> = names.lines().collect();
    let want: BTreeSet<&str> = catalog.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, want);

    // catalog show, by type and by name.
    for (wanted, ty) in [("identity", "identity"), ("nova", "compute"), ("keystone", "identity")] {
        let v = s.json(&env, &["catalog", "show", wanted, "-f", "json"]);
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["endpoints", "id", "name", "type"]);
        let service = catalog.iter().find(|c| c["type"] == ty).unwrap();
        assert_eq!(v["id"], service["id"]);
        assert_eq!(v["name"], service["name"]);
        assert_eq!(v["type"], service["type"]);
        assert_eq!(by_id(&v["endpoints"]), by_id(&service["endpoints"]));
    }
    let out = s.ok(&env, &["catalog", "show", "identity"]);
    assert!(
        out.stdout
            .contains(&format!("|   public: http://127.0.0.1:{}/v3", k.port())),
        "{}",
        out.stdout
    );
    let out = s.run_args(&env, &["catalog", "show", "nosuch"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("nosuch"), "{}", out.stderr);
}

#[test]
fn endpoint_get() {
    let k = require_keystone!();
    let s = Sandbox::new("endpoint");
    let env = k.admin_env(&k.auth_url);
    let get = |env: &[(String, String)], args: &[&str]| -> String {
        let mut a = vec!["endpoint", "get"];
        a.extend_from_slice(args);
        s.ok(env, &a).stdout
    };
    assert_eq!(
        get(&env, &["compute", "--interface", "internal", "--region", "RegionTwo"]),
        "http://127.0.0.2:18774/v2.1\n"
    );
    assert_eq!(get(&env, &["compute"]), "http://127.0.0.1:8774/v2.1\n");
    assert_eq!(
        get(
            &env,
            &["compute", "--interface", "admin,internal", "--region", "RegionTwo"]
        ),
        "http://127.0.0.3:18774/v2.1\n"
    );
    // The global options and their variables do the same.
    let out = s.ok(
        &env,
        &[
            "--os-interface",
            "internal",
            "--os-region-name",
            "RegionTwo",
            "endpoint",
            "get",
            "compute",
        ],
    );
    assert_eq!(out.stdout, "http://127.0.0.2:18774/v2.1\n");
    let mut env2 = env.clone();
    env2.extend(pairs(&[("OS_INTERFACE", "internal"), ("OS_REGION_NAME", "RegionTwo")]));
    assert_eq!(get(&env2, &["compute"]), "http://127.0.0.2:18774/v2.1\n");
    // Service type aliases, and the project id filled into the URL.
    let want = format!("http://127.0.0.1:18776/v3/{}\n", k.admin_project_id);
    assert_eq!(get(&env, &["block-storage", "--region", "RegionTwo"]), want);
    assert_eq!(get(&env, &["volumev3", "--region", "RegionTwo"]), want);

    // With a version: discovery, and the endpoint data as JSON.
    let v: Value = serde_json::from_str(&get(&env, &["identity", "--api-version", "3", "-f", "json"])).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "api_version",
            "catalog_url",
            "interface",
            "max_microversion",
            "min_microversion",
            "region",
            "service_name",
            "service_type",
            "status",
            "url"
        ]
    );
    let discovered = http("GET", &k.auth_url, &[], None).json().unwrap();
    let keystone_version = discovered["version"]["id"].as_str().unwrap().trim_start_matches('v');
    assert_eq!(v["api_version"], keystone_version);
    assert!(v["api_version"].as_str().unwrap().starts_with("3."), "{v}");
    assert_eq!(v["url"], discovered["version"]["links"][0]["href"]);
    assert!(v["url"].as_str().unwrap().ends_with("/v3/"), "{v}");
    assert_eq!(v["catalog_url"], k.auth_url);
    assert_eq!(v["interface"], "public");
    assert_eq!(v["region"], "RegionOne");
    assert_eq!(v["service_type"], "identity");
    assert_eq!(v["service_name"], "keystone");
    assert_eq!(v["status"], "CURRENT");
    assert_eq!(v["min_microversion"], Value::Null);
    assert_eq!(v["max_microversion"], Value::Null);
    // -c picks fields in the value form.
    let out = get(
        &env,
        &["identity", "--api-version", "3", "-f", "value", "-c", "api_version"],
    );
    assert_eq!(out, format!("{keystone_version}\n"));
    let out = get(
        &env,
        &[
            "identity",
            "--min-version",
            "3",
            "--max-version",
            "3.latest",
            "-f",
            "yaml",
        ],
    );
    assert!(out.contains(&format!("api_version: '{keystone_version}'\n")), "{out}");

    // An unknown service type: exit 1, the filter named.
    let out = s.run_args(&env, &["endpoint", "get", "nosuchservice"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("ksa: error: "), "{}", out.stderr);
    assert!(out.stderr.contains("service_type=nosuchservice"), "{}", out.stderr);
    let out = s.run_args(&env, &["endpoint", "get", "compute", "--region", "RegionNine"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("RegionNine"), "{}", out.stderr);
}

#[test]
fn versions_show() {
    let k = require_keystone!();
    let s = Sandbox::new("versions");
    let env = k.admin_env(&k.auth_url);
    let discovered = http("GET", &k.auth_url, &[], None).json().unwrap();
    let version = discovered["version"]["id"]
        .as_str()
        .unwrap()
        .trim_start_matches('v')
        .to_owned();
    let v = s.json(
        &env,
        &["versions", "show", "identity", "--all-interfaces", "-f", "json"],
    );
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 3, "{v}");
    let mut endpoints = BTreeSet::new();
    for r in rows {
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "Endpoint",
                "Max Microversion",
                "Min Microversion",
                "Region Name",
                "Service Type",
                "Status",
                "Version"
            ]
        );
        assert_eq!(r["Region Name"], "RegionOne");
        assert_eq!(r["Service Type"], "identity");
        assert_eq!(r["Version"], version.as_str());
        assert_eq!(r["Status"], "CURRENT");
        assert_eq!(r["Min Microversion"], Value::Null);
        assert_eq!(r["Max Microversion"], Value::Null);
        endpoints.insert(r["Endpoint"].as_str().unwrap().to_owned());
    }
    // Each interface's own discovery document (.1 public, .2 internal, .3 admin).
    let want: BTreeSet<String> = (1..=3)
        .map(|h| {
            let d = http("GET", &format!("http://127.0.0.{h}:{}/v3", k.port()), &[], None)
                .json()
                .unwrap();
            d["version"]["links"][0]["href"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(endpoints, want);
    // Only the chosen interface without --all-interfaces.
    let v = s.json(&env, &["versions", "show", "identity", "-f", "json"]);
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["Endpoint"], format!("http://127.0.0.1:{}/v3/", k.port()));
    let out = s.ok(&env, &["versions", "show", "identity"]);
    assert!(
        out.stdout.contains("| Region Name | Service Type | Version"),
        "{}",
        out.stdout
    );
    let out = s.ok(&env, &["versions", "show", "identity", "-f", "value", "-c", "Status"]);
    assert_eq!(out.stdout, "CURRENT\n");
}

#[test]
fn request_get_goes_through_the_catalog() {
    let k = require_keystone!();
    let s = Sandbox::new("request");
    let env = k.admin_env(&k.auth_url);
    let truth = k.get("/projects");
    for path in ["/v3/projects", "projects", "/projects"] {
        let v = s.json(&env, &["request", "GET", "identity", path, "-f", "json"]);
        assert_eq!(v["links"]["self"], truth["links"]["self"], "{path}");
        let ids: BTreeSet<&str> = v["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert!(ids.contains(k.admin_project_id.as_str()) && ids.contains(k.demo_project_id.as_str()));
        // The seeded projects exactly as Keystone gives them (others may be
        // created and changed by concurrent tests meanwhile).
        for id in [&k.admin_project_id, &k.demo_project_id] {
            let find = |list: &Value| {
                list["projects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["id"] == id.as_str())
                    .cloned()
            };
            assert_eq!(find(&v), find(&truth), "{path}");
        }
    }
    // -i: status line and headers first.
    let out = s.ok(&env, &["request", "get", "identity", "/v3/projects", "-i"]);
    let (head, body) = out.stdout.split_once("\n\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK\n"), "{head}");
    assert!(head.contains("x-openstack-request-id: req-"), "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");
    let _: Value = serde_json::from_str(body).unwrap();
    // A 404: Keystone's error body, exit 1.
    let out = s.run_args(&env, &["request", "GET", "identity", "/v3/projects/no-such-project"]);
    assert_eq!(out.code, 1);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], 404);
    // An absolute URL is used as given: with `--os-auth-type none --no-auth`,
    // no credentials and no catalog are needed.
    let out = s.ok(
        &[],
        &[
            "--os-auth-type",
            "none",
            "request",
            "GET",
            "identity",
            &k.auth_url,
            "--no-auth",
        ],
    );
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v, http("GET", &k.auth_url, &[], None).json().unwrap());
    // An unknown service type.
    let out = s.run_args(&env, &["request", "GET", "nosuchservice", "/x"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("service_type=nosuchservice"), "{}", out.stderr);
    assert_eq!(out.stderr.trim_end().lines().count(), 1);
}

/// Deletes a project (straight through Keystone) when the test ends.
struct ProjectGuard<'a> {
    k: &'a Keystone,
    id: Option<String>,
}

impl Drop for ProjectGuard<'_> {
    fn drop(&mut self) {
        if let Some(id) = &self.id {
            self.k.delete(&format!("/projects/{id}"));
        }
    }
}

#[test]
fn request_bodies_from_file_stdin_and_argument() {
    let k = require_keystone!();
    let s = Sandbox::new("bodies");
    let env = k.admin_env(&k.auth_url);
    let name = format!(
        "ksa-cli-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let mut guard = ProjectGuard { k: &k, id: None };

    // Create from a file.
    let file = s.write(
        "body.json",
        &json!({"project": {"name": name, "description": "from a file", "domain_id": "default"}}).to_string(),
    );
    let at_file = format!("@{}", file.display());
    let created = s.json(&env, &["request", "POST", "identity", "/v3/projects", "-d", &at_file]);
    let id = created["project"]["id"].as_str().unwrap().to_owned();
    guard.id = Some(id.clone());
    assert_eq!(created["project"]["name"], name.as_str());
    let truth = k.get(&format!("/projects/{id}"));
    assert_eq!(truth["project"], created["project"]);
    assert_eq!(truth["project"]["description"], "from a file");

    // Update from standard input.
    let path = format!("/v3/projects/{id}");
    let out = s.run(
        s.ksa(&env)
            .args(["request", "PATCH", "identity", &path, "-d", "@-"])
            .write_stdin(r#"{"project": {"description": "from stdin"}}"#),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["project"]["description"], "from stdin");
    assert_eq!(
        k.get(&format!("/projects/{id}"))["project"]["description"],
        "from stdin"
    );

    // Update from the argument, with an explicit header.
    s.ok(
        &env,
        &[
            "request",
            "PATCH",
            "identity",
            &path,
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"project": {"enabled": false}}"#,
        ],
    );
    assert_eq!(k.get(&format!("/projects/{id}"))["project"]["enabled"], false);

    // Delete: 204, nothing printed.
    let out = s.ok(&env, &["request", "DELETE", "identity", &path]);
    assert_eq!(out.stdout, "");
    let gone = http(
        "GET",
        &format!("{}/projects/{id}", k.auth_url),
        &[("X-Auth-Token", &k.admin_token())],
        None,
    );
    assert_eq!(gone.status, 404);
    guard.id = None;

    // A missing body file: exit 1, the file named.
    let out = s.run_args(
        &env,
        &[
            "request",
            "POST",
            "identity",
            "/v3/projects",
            "-d",
            "@/no/such/file.json",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("/no/such/file.json"), "{}", out.stderr);

    // A password body from stdin, unauthenticated: Keystone issues a token.
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": k.demo_username, "domain": {"id": "default"}, "password": k.demo_password}}},
        "scope": {"project": {"name": k.demo_project, "domain": {"id": "default"}}}}});
    let out = s.run(
        s.ksa(&env)
            .args([
                "request",
                "POST",
                "identity",
                "/v3/auth/tokens",
                "--no-auth",
                "-i",
                "-d",
                "@-",
            ])
            .write_stdin(body.to_string()),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("HTTP/1.1 201 Created\n"), "{}", out.stdout);
    let subject = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("x-subject-token: "))
        .unwrap();
    let (status, v) = k.validate(subject);
    assert_eq!(status, 200);
    assert_eq!(v["token"]["user"]["id"], k.demo_user_id.as_str());
}

/// A user with a distinctive password, removed when the test ends.
struct CanaryUser<'a> {
    k: &'a Keystone,
    id: String,
    name: String,
    password: String,
}

impl<'a> CanaryUser<'a> {
    fn create(k: &'a Keystone) -> Self {
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("ksa-cli-canary-{}-{nonce}", std::process::id());
        let password = format!("CANARY-pw-{nonce}-x7q");
        let admin = k.admin_token();
        let auth = [("X-Auth-Token", admin.as_str()), ("Content-Type", "application/json")];
        let body = json!({"user": {"name": name, "password": password, "domain_id": "default"}}).to_string();
        let r = http("POST", &format!("{}/users", k.auth_url), &auth, Some(body.as_bytes()));
        assert_eq!(r.status, 201, "{}", r.text());
        let id = r.json().unwrap()["user"]["id"].as_str().unwrap().to_owned();
        let user = CanaryUser { k, id, name, password };
        let roles = k.get("/roles?name=member");
        let role = roles["roles"][0]["id"].as_str().unwrap();
        let r = http(
            "PUT",
            &format!(
                "{}/projects/{}/users/{}/roles/{role}",
                k.auth_url, k.demo_project_id, user.id
            ),
            &auth,
            None,
        );
        assert_eq!(r.status, 204, "{}", r.text());
        user
    }

    fn env(&self) -> Vec<(String, String)> {
        pairs(&[
            ("OS_AUTH_URL", &self.k.auth_url),
            ("OS_USERNAME", &self.name),
            ("OS_PASSWORD", &self.password),
            ("OS_PROJECT_ID", &self.k.demo_project_id),
            ("OS_USER_DOMAIN_ID", "default"),
        ])
    }
}

impl Drop for CanaryUser<'_> {
    fn drop(&mut self) {
        self.k.delete(&format!("/users/{}", self.id));
    }
}

#[test]
fn debug_shows_token_hashes_never_secrets() {
    let k = require_keystone!();
    let user = CanaryUser::create(&k);
    let mut s = Sandbox::new("debug");
    s.secrets.push(user.password.clone());
    let env = user.env();

    // token issue prints the token on stdout (its job); the log only its hash.
    let out = s.ok(&env, &["--debug", "token", "issue", "-f", "value", "-c", "id"]);
    let token = out.stdout.trim().to_owned();
    assert!(token.len() > 20);
    assert!(out.stderr.contains("POST"), "no request log:\n{}", out.stderr);
    assert!(out.stderr.contains("/v3/auth/tokens"));
    assert!(
        out.stderr
            .contains(&keystoneauth::redact::hash_secret(token.as_bytes())),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(&token), "the token is in the log:\n{}", out.stderr);

    // A request with the (cached) token: X-Auth-Token logged as {SHA256}.
    let out = s.ok(&env, &["--debug", "request", "GET", "identity", "/v3/auth/projects"]);
    let hash = keystoneauth::redact::hash_secret(token.as_bytes());
    assert!(out.stderr.contains(&format!("x-auth-token: {hash}")), "{}", out.stderr);
    assert!(!out.stderr.contains(&token) && !out.stdout.contains(&token));
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["projects"][0]["id"], k.demo_project_id.as_str());

    // A subject token given as a header is hashed too.
    let subject = format!("X-Subject-Token: {token}");
    let out = s.ok(
        &env,
        &[
            "--debug",
            "request",
            "GET",
            "identity",
            "/v3/auth/tokens",
            "-H",
            &subject,
        ],
    );
    assert!(!out.stderr.contains(&token), "{}", out.stderr);
    assert!(out.stderr.contains(&hash));

    // A body with the password in it: never logged.
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": user.id, "password": user.password}}}}});
    let file = s.write("auth.json", &body.to_string());
    let at_file = format!("@{}", file.display());
    let out = s.ok(
        &env,
        &[
            "--debug",
            "--no-cache",
            "request",
            "POST",
            "identity",
            "/v3/auth/tokens",
            "-d",
            &at_file,
        ],
    );
    assert!(out.stderr.contains("POST"), "{}", out.stderr);

    // A failed login, with --debug: no password either.
    let mut wrong = env.clone();
    wrong.retain(|(k, _)| k != "OS_PASSWORD");
    wrong.push(("OS_PASSWORD".into(), format!("{}-wrong", user.password)));
    let out = s.run_args(&wrong, &["--debug", "--no-cache", "token", "issue"]);
    assert_eq!(out.code, 1);
    // And the cache file holds the token, not the password.
    for f in s.cache_files() {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(!text.contains(&user.password));
    }
}

#[test]
fn wrong_password_is_one_line_with_status_message_and_request_id() {
    let k = require_keystone!();
    let mut s = Sandbox::new("wrongpw");
    let wrong = "ksa-wrong-password-canary-51d2";
    s.secrets.push(wrong.to_owned());
    let mut env = k.demo_env(&k.auth_url);
    env.retain(|(k, _)| k != "OS_PASSWORD");
    env.push(("OS_PASSWORD".into(), wrong.into()));
    // What Keystone says to a wrong password.
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": k.demo_username, "domain": {"id": "default"}, "password": wrong}}}}});
    let r = http(
        "POST",
        &format!("{}/auth/tokens", k.auth_url),
        &[("Content-Type", "application/json")],
        Some(body.to_string().as_bytes()),
    );
    assert_eq!(r.status, 401);
    let message = r.json().unwrap()["error"]["message"].as_str().unwrap().to_owned();

    let out = s.run_args(&env, &["token", "issue"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert_eq!(out.stderr.trim_end().lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("ksa: error: "), "{}", out.stderr);
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    assert!(out.stderr.contains(&message), "{}", out.stderr);
    let rid = out.stderr.find("req-").expect("a request id");
    let uuid = &out.stderr[rid + 4..];
    assert!(
        uuid.len() >= 36 && uuid[..36].chars().all(|c| c.is_ascii_hexdigit() || c == '-'),
        "{}",
        out.stderr
    );
    assert!(s.cache_files().is_empty(), "nothing cached after a failure");
}

#[test]
fn token_revoke() {
    let k = require_keystone!();
    let s = Sandbox::new("revoke");
    let env = k.admin_env(&k.auth_url);
    // Revoking the current (cached) token: Keystone rejects it, the cache entry is gone.
    let first = s
        .ok(&env, &["token", "issue", "-f", "value", "-c", "id"])
        .stdout
        .trim()
        .to_owned();
    assert_eq!(s.cache_files().len(), 1);
    let out = s.ok(&env, &["token", "revoke"]);
    assert_eq!(out.stdout, "");
    assert_eq!(k.validate(&first).0, 404);
    assert!(s.cache_files().is_empty(), "{:?}", s.cache_files());
    // The next run authenticates anew.
    let second = s
        .ok(&env, &["token", "issue", "-f", "value", "-c", "id"])
        .stdout
        .trim()
        .to_owned();
    assert_ne!(first, second);
    assert_eq!(k.validate(&second).0, 200);

    // Revoking another token leaves the current one (and its cache entry) alone.
    let other = s
        .ok(&env, &["--no-cache", "token", "issue", "-f", "value", "-c", "id"])
        .stdout
        .trim()
        .to_owned();
    assert_ne!(other, second);
    s.ok(&env, &["token", "revoke", &other]);
    assert_eq!(k.validate(&other).0, 404);
    assert_eq!(k.validate(&second).0, 200);
    assert_eq!(s.cache_files().len(), 1);
    let again = s
        .ok(&env, &["token", "issue", "-f", "value", "-c", "id"])
        .stdout
        .trim()
        .to_owned();
    assert_eq!(again, second);
    // Revoking a token that is already revoked: exit 1, Keystone's 404.
    let out = s.run_args(&env, &["token", "revoke", &other]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("404"), "{}", out.stderr);
}
