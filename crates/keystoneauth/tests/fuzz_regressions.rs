//! Inputs that fuzzing (`scripts/fuzz`, targets in `fuzz/fuzz_targets/`)
//! or the review of its harnesses found to break a parser, each fed to the
//! parser as a plain test: it must return an error (or a usable value), not
//! panic, hang or allocate without bound. See docs/reliability.md, "Fuzzing".
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

mod common;

use common::hostile::alias_bomb;
use keystoneauth::discovery::Discovered;
use keystoneauth::identity::v3::{EcpResponse, PaosRequest, SoapFault, WsTrustResponse};
use keystoneauth::loading::{CloudsConfig, Env, IniFile, IniSource, Loader};
use keystoneauth::secrecy::{ExposeSecret, SecretString};
use keystoneauth::{AccessInfo, ServiceCatalog, TokenCache};

/// fuzz/artifacts/token_v3/crash-73666b2d9fdbdd2a1e167bbd76e2d6e7697a9fa9
/// (token_v3 target, 5 s run): bytes 0xAB 0xA2 (not UTF-8) inside a string
/// of an unknown field, which the v3 parser skips without checking.
const V3_NOT_UTF8: &[u8] = b"{\"token\": {\"methods\": [\"password\"], \"user\": {\"domain\": {\"id\": \"default\", \"name\": \"Default\"}, \"id\": \"87980aa172f04c238fc460edcb549b98\", \"name\": \"demo\", \"password_expires_at\": null}, \"audit_ids\": [\"GEGtb8TaQgCa4FB_d6UacA\"], \"expiudit_ids\": [\"GEGtb8TaQgCa4FB_d6\xab\xa2cA\"], \"expires_at\": \"2026-11-23T19:36:28.000000Z\"}}";

/// fuzz/artifacts/token_v2/crash-b935cbf2ff8d2d8fa59261542c60a1d0e2dfdc57
/// (token_v2 target, 5 s run): byte 0xE1 inside a key of `metadata`, which
/// the v2.0 parser skips.
const V2_NOT_UTF8: &[u8] = b"{\"access\": {\"token\": {\"issued_at\": \"2026-11-23T19:36:28.000000Z\", \"expires\": \"2026-11-23T20:36:28Z\", \"id\": \"gAAAAABunscoped\", \"audit_ids\": [\"x\"]}, \"serviceCatalog\": [], \"user\": {\"username\": \"demo\", \"roles_links\": [], \"id\": \"43990a\", \"roles\": [], \"name\": \"demo\"}, \"metadata\": {\"is_adm\xe1n\": 5, \"roles\": []}}}";

/// A parsed token must survive `to_state` / `from_state` (the token cache
/// and `AuthPlugin::auth_state` depend on it); refusing the body is fine too.
fn assert_parsed_token_round_trips(parsed: keystoneauth::Result<AccessInfo>) {
    let Ok(access) = parsed else {
        return; // Refused: fine (JSON must be UTF-8, RFC 8259 section 8.1).
    };
    let state = access
        .to_state()
        .expect("a token the parser accepted cannot be saved: its kept body is not JSON");
    let back = AccessInfo::from_state(state.expose_secret()).unwrap();
    assert_eq!(back.user_id(), access.user_id());
    assert_eq!(back.expires_at(), access.expires_at());
}

#[test]
fn token_body_not_utf8_v3_is_refused_or_round_trips() {
    assert_parsed_token_round_trips(AccessInfo::from_v3(
        SecretString::from("gAAAAABfuzz".to_owned()),
        V3_NOT_UTF8,
    ));
}

#[test]
fn token_body_not_utf8_v2_is_refused_or_round_trips() {
    assert_parsed_token_round_trips(AccessInfo::from_v2(V2_NOT_UTF8));
}

/// A number of seconds that is finite but too large for a `Duration`.
const HUGE_SECONDS: &str = "1e20";

fn ini_loader(text: &str) -> Loader {
    let ini = IniFile::parse(text, "/etc/app/app.conf").unwrap();
    Loader::new().env(Env::empty()).ini(IniSource::new(ini, "keystone"))
}

#[test]
fn huge_timeout_is_an_error_not_a_panic() {
    let ini = ini_loader(&format!("[keystone]\ntimeout = {HUGE_SECONDS}\n"));
    assert!(ini.session_options().is_err());

    let yaml = format!("clouds:\n  c:\n    auth:\n      auth_url: http://k:5000/v3\n    api_timeout: {HUGE_SECONDS}\n");
    let cloud = CloudsConfig::from_yaml_str(&yaml, "clouds.yaml")
        .unwrap()
        .cloud(Some("c"), None)
        .unwrap()
        .unwrap();
    assert!(Loader::new().env(Env::empty()).cloud(cloud).session_options().is_err());
}

#[test]
fn huge_retry_delays_are_errors_not_panics() {
    for key in ["connect_retry_delay", "status_code_retry_delay"] {
        let loader = ini_loader(&format!("[keystone]\n{key} = {HUGE_SECONDS}\n"));
        assert!(loader.adapter_options().is_err(), "{key}");
    }
}

#[test]
fn tiny_rate_limit_is_an_error_not_a_panic() {
    let session = keystoneauth::Session::builder().build().unwrap();
    assert!(keystoneauth::Adapter::builder(session)
        .rate_limit(1e-20)
        .build()
        .is_err());
}

#[test]
fn clouds_yaml_alias_expansion_is_bounded() {
    let doc = alias_bomb(5);
    assert!(doc.len() < 512);
    assert!(CloudsConfig::from_yaml_str(&doc, "clouds.yaml").is_err());
}

#[test]
fn clouds_yaml_placeholder_expansion_is_bounded() {
    let names: Vec<char> = ('a'..='l').collect();
    let mut doc = String::from("clouds:\n  c:\n    auth: {auth_url: 'http://k/v3'}\n");
    for pair in names.windows(2) {
        doc += &format!("    {}: '{}'\n", pair[0], format!("{{{}}}", pair[1]).repeat(4));
    }
    doc += "    l: x\n";
    let cloud = CloudsConfig::from_yaml_str(&doc, "clouds.yaml")
        .unwrap()
        .cloud(Some("c"), None)
        .unwrap()
        .unwrap();
    let a = cloud.get("a").unwrap_or_default();
    assert!(
        a.len() <= 64 * 1024,
        "`a` grew to {} bytes from a {}-byte file",
        a.len(),
        doc.len()
    );
}

/// The committed seed corpora are what the fuzzers start from: each must
/// stay a document the parser accepts (or the coverage they buy is lost
/// silently), except the few that are there to be refused.
#[test]
fn fuzz_seeds_are_accepted() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
    let files = |target: &str| -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(seeds.join(target))
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                (p.display().to_string(), std::fs::read(&p).unwrap())
            })
            .collect();
        out.sort();
        assert!(!out.is_empty(), "no seeds for {target}");
        out
    };
    for (name, body) in files("token_v3") {
        AccessInfo::from_v3(SecretString::from("t".to_owned()), body).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, body) in files("token_v2") {
        AccessInfo::from_v2(body).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, body) in files("auth_state") {
        AccessInfo::from_state(std::str::from_utf8(&body).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, body) in files("catalog_v3") {
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        ServiceCatalog::from_v3(&v).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, body) in files("catalog_v2") {
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        ServiceCatalog::from_v2(&v).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, text) in files("version_document") {
        // "<URL>\n<headers>\n\n<body>", as the version_document target reads it.
        let text = String::from_utf8(text).unwrap();
        let (head, body) = text.split_once("\n\n").unwrap();
        let mut lines = head.lines();
        let url = lines.next().unwrap();
        let mut headers = http::HeaderMap::new();
        for line in lines {
            let (k, v) = line.split_once(": ").unwrap();
            headers.insert(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        let parsed = Discovered::parse(url, body.as_bytes(), &headers);
        if name.ends_with("swift_list.txt") {
            assert!(parsed.is_err(), "{name}");
        } else {
            assert!(!parsed.unwrap().all_versions().is_empty(), "{name}");
        }
    }
    for (name, text) in files("ini") {
        IniFile::parse(std::str::from_utf8(&text).unwrap(), &name).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, text) in files("clouds_yaml") {
        let path = if name.ends_with(".json") {
            "clouds.json"
        } else {
            "clouds.yaml"
        };
        let clouds = CloudsConfig::from_yaml_str(std::str::from_utf8(&text).unwrap(), path)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!clouds.cloud_names().is_empty(), "{name}");
    }
    for (name, body) in files("saml2_messages") {
        let parsed = if name.ends_with("paos_request.xml") || name.ends_with("paos_request_no_relay_state.xml") {
            PaosRequest::parse(&body, &name).map(|_| ())
        } else if name.ends_with("ecp_response.xml") {
            EcpResponse::parse(&body, &name).map(|_| ())
        } else if name.ends_with("adfs_response.xml") {
            WsTrustResponse::parse(&body, &name).map(|_| ())
        } else {
            assert!(SoapFault::parse(&body).is_some(), "{name}");
            Ok(())
        };
        parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // The token_cache target's cache id.
    let id = "5a3bbad5b05a3e8b7d6fd4a4d9f5a0f3c6e1b2d9a8c7f6e5d4c3b2a1f0e9d8c7";
    for (name, text) in files("token_cache") {
        let entry = TokenCache::parse_entry(std::str::from_utf8(&text).unwrap(), id);
        if name.ends_with("other_format.json") {
            assert!(entry.is_none(), "{name}");
        } else {
            AccessInfo::from_state(entry.unwrap().expose_secret()).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

/// Hostile SAML2 messages (saml2_messages target): each is refused with
/// an invalid-response error naming what it lacks, never a panic, a deep
/// recursion or an unbounded allocation.
#[test]
fn hostile_saml2_messages_are_refused() {
    let soap = "http://schemas.xmlsoap.org/soap/envelope/";
    let entity_bomb = "<?xml version=\"1.0\"?><!DOCTYPE S [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]><S>&c;</S>";
    let deep = format!(
        "<S:Envelope xmlns:S=\"{soap}\">{}{}</S:Envelope>",
        "<a>".repeat(90_000),
        "</a>".repeat(90_000)
    );
    let wide = format!("<S:Envelope xmlns:S=\"{soap}\">{}</S:Envelope>", "<a/>".repeat(150_000));
    let two_headers = format!("<S:Envelope xmlns:S=\"{soap}\"><S:Header/><S:Header/><S:Body/></S:Envelope>");
    let no_consumer = format!(
        "<S:Envelope xmlns:S=\"{soap}\"><S:Header><paos:Request xmlns:paos=\"urn:liberty:paos:2003-08\"/></S:Header><S:Body/></S:Envelope>"
    );
    let soap12 = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body/></s:Envelope>";
    let not_utf8: &[u8] = b"<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\">\xff\xfe</S:Envelope>";
    let cases: Vec<(&str, &[u8], &str)> = vec![
        ("entity bomb", entity_bomb.as_bytes(), "not well-formed XML"),
        ("deep nesting", deep.as_bytes(), "no S:Header"),
        ("many nodes", wide.as_bytes(), "not well-formed XML"),
        ("two headers", two_headers.as_bytes(), "more than one S:Header"),
        ("no consumer URL", no_consumer.as_bytes(), "responseConsumerURL"),
        ("SOAP 1.2", soap12.as_bytes(), "SOAP 1.1 Envelope"),
        ("not UTF-8", not_utf8, "not UTF-8"),
        ("empty", b"", "not well-formed XML"),
    ];
    for (label, body, expected) in cases {
        let err = PaosRequest::parse(body, "http://sp/v3").unwrap_err();
        assert!(
            matches!(err, keystoneauth::Error::InvalidResponse { .. }),
            "{label}: {err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains(expected) && text.contains("http://sp/v3"),
            "{label}: {text}"
        );
        assert!(EcpResponse::parse(body, "http://idp/").is_err(), "{label}");
        assert!(WsTrustResponse::parse(body, "http://adfs/").is_err(), "{label}");
        let _ = SoapFault::parse(body);
    }
    let err = WsTrustResponse::parse(soap12.as_bytes(), "http://adfs/")
        .unwrap_err()
        .to_string();
    assert!(err.contains("trust:RequestSecurityTokenResponseCollection"), "{err}");
}
