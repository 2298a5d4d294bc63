//! The test data copied from the peer projects (`tests/data/peers/`), read
//! at compile time: the tests never read `/work/peers` or the network.

use serde_json::Value;

/// A keystoneauth1 fixture file of `tests/data/peers/keystoneauth1/`.
fn keystoneauth1_file(name: &str) -> &'static str {
    match name {
        "v3_service_catalog" => include_str!("../data/peers/keystoneauth1/v3_service_catalog.json"),
        "v2_service_catalog" => include_str!("../data/peers/keystoneauth1/v2_service_catalog.json"),
        "v3_access" => include_str!("../data/peers/keystoneauth1/v3_access.json"),
        "v2_access" => include_str!("../data/peers/keystoneauth1/v2_access.json"),
        "discovery" => include_str!("../data/peers/keystoneauth1/discovery.json"),
        other => panic!("no keystoneauth1 fixture file {other}"),
    }
}

/// One entry of a keystoneauth1 fixture file, by the peer test (or
/// constant) it comes from: `keystoneauth1("v3_access", "test_binding")`.
pub fn keystoneauth1(file: &str, entry: &str) -> Value {
    let all: Value = serde_json::from_str(keystoneauth1_file(file)).unwrap();
    all.get(entry)
        .unwrap_or_else(|| panic!("{file}.json has no entry {entry}"))
        .clone()
}

/// A JSON value as the bytes of a response body.
pub fn body(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}
