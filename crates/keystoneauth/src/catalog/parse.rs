//! Normalising the v3 `catalog` and the v2.0 `serviceCatalog` into
//! [`CatalogService`]s.
//!
//! Unknown fields are ignored. A missing or ill-typed field the catalog
//! cannot do without is an [`Error::InvalidResponse`] whose message names
//! the field by its path (`catalog[3].endpoints[1].url`). An endpoint with
//! an interface this library does not know is dropped; one with a `null`
//! or empty URL is kept but never returned by lookups.

use serde_json::{Map, Value};

use super::entry::{CatalogEndpoint, CatalogService};
use super::filter::Interface;
use crate::error::{Error, Result};

/// What the `url` of a parse error says: the catalog always comes from a
/// token response (the same wording as the token parser's errors).
const SOURCE: &str = "token response";

fn invalid(message: String) -> Error {
    Error::invalid_response(SOURCE, message)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Where in the catalog a value sits, for error messages. Built only when
/// an error is reported.
#[derive(Clone, Copy)]
struct Path<'a> {
    root: &'static str,
    service: usize,
    endpoint: Option<usize>,
    field: &'a str,
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[{}]", self.root, self.service)?;
        if let Some(e) = self.endpoint {
            write!(f, ".endpoints[{e}]")?;
        }
        if !self.field.is_empty() {
            write!(f, ".{}", self.field)?;
        }
        Ok(())
    }
}

fn wrong_type(path: Path<'_>, expected: &str, found: &Value) -> Error {
    invalid(format!("{path} must be {expected}, not {}", kind(found)))
}

/// A required string field.
fn required_str<'v>(obj: &'v Map<String, Value>, path: Path<'_>) -> Result<&'v str> {
    match obj.get(path.field) {
        Some(Value::String(s)) => Ok(s),
        None => Err(invalid(format!("{path} is missing"))),
        Some(other) => Err(wrong_type(path, "a string", other)),
    }
}

/// An optional string field: absent or `null` is `None`.
fn optional_str<'v>(obj: &'v Map<String, Value>, path: Path<'_>) -> Result<Option<&'v str>> {
    match obj.get(path.field) {
        Some(Value::String(s)) => Ok(Some(s)),
        None | Some(Value::Null) => Ok(None),
        Some(other) => Err(wrong_type(path, "a string or null", other)),
    }
}

fn as_array<'v>(value: &'v Value, root: &'static str) -> Result<&'v [Value]> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(invalid(format!("{root} must be an array, not {}", kind(other)))),
    }
}

fn as_object<'v>(value: &'v Value, path: Path<'_>) -> Result<&'v Map<String, Value>> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(wrong_type(path, "an object", other)),
    }
}

/// The service's `endpoints` array: absent or `null` is empty.
fn endpoints_of<'v>(obj: &'v Map<String, Value>, path: Path<'_>) -> Result<&'v [Value]> {
    match obj.get(path.field) {
        Some(Value::Array(items)) => Ok(items),
        None | Some(Value::Null) => Ok(&[]),
        Some(other) => Err(wrong_type(path, "an array", other)),
    }
}

/// The interface named in a catalog, without allocating for the usual names.
fn parse_interface(s: &str) -> Option<Interface> {
    match s {
        "public" => Some(Interface::Public),
        "internal" => Some(Interface::Internal),
        "admin" => Some(Interface::Admin),
        other => other.parse().ok(),
    }
}

/// Walks a catalog array of services, each with `type`, `name`, `id` and
/// an `endpoints` array; `endpoint` turns one endpoint object (with a
/// function naming its fields for errors) into zero or more endpoints.
fn services<F>(catalog: &Value, root: &'static str, per_entry: usize, mut endpoint: F) -> Result<Vec<CatalogService>>
where
    F: FnMut(
        &str,
        &Map<String, Value>,
        &dyn Fn(&'static str) -> Path<'static>,
        &mut Vec<CatalogEndpoint>,
    ) -> Result<()>,
{
    let items = as_array(catalog, root)?;
    let mut services = Vec::with_capacity(items.len());
    for (si, item) in items.iter().enumerate() {
        let at = |field| Path {
            root,
            service: si,
            endpoint: None,
            field,
        };
        let obj = as_object(item, at(""))?;
        let service_type = required_str(obj, at("type"))?;
        let name = optional_str(obj, at("name"))?;
        let id = optional_str(obj, at("id"))?;
        let raw_endpoints = endpoints_of(obj, at("endpoints"))?;
        let mut endpoints = Vec::with_capacity(raw_endpoints.len() * per_entry);
        for (ei, raw) in raw_endpoints.iter().enumerate() {
            let at = |field: &'static str| Path {
                root,
                service: si,
                endpoint: Some(ei),
                field,
            };
            let ep = as_object(raw, at(""))?;
            endpoint(service_type, ep, &at, &mut endpoints)?;
        }
        services.push(CatalogService {
            service_type: service_type.to_owned(),
            name: name.map(str::to_owned),
            id: id.map(str::to_owned),
            endpoints,
        });
    }
    Ok(services)
}

/// Parses a v3 token's `catalog` array.
pub(super) fn v3(catalog: &Value) -> Result<Vec<CatalogService>> {
    services(catalog, "catalog", 1, |service_type, ep, at, endpoints| {
        let interface = required_str(ep, at("interface"))?;
        let url = match ep.get("url") {
            Some(Value::String(s)) => s.as_str(),
            Some(Value::Null) => "",
            None => return Err(invalid(format!("{} is missing", at("url")))),
            Some(other) => return Err(wrong_type(at("url"), "a string or null", other)),
        };
        let endpoint_id = optional_str(ep, at("id"))?;
        let region_id = optional_str(ep, at("region_id"))?;
        let region = optional_str(ep, at("region"))?;
        let Some(interface) = parse_interface(interface) else {
            tracing::debug!(
                target: "keystoneauth::catalog",
                service_type,
                interface,
                "ignoring a catalog endpoint with an unknown interface"
            );
            return Ok(());
        };
        endpoints.push(CatalogEndpoint {
            id: endpoint_id.map(str::to_owned),
            interface,
            region: region_id.or(region).map(str::to_owned),
            url: url.to_owned(),
        });
        Ok(())
    })
}

/// Parses a v2.0 token's `access.serviceCatalog` array: every endpoint
/// entry becomes one endpoint per `publicURL`, `internalURL` and `adminURL`
/// key present, in that order.
pub(super) fn v2(service_catalog: &Value) -> Result<Vec<CatalogService>> {
    services(service_catalog, "serviceCatalog", 3, |_, ep, at, endpoints| {
        let endpoint_id = optional_str(ep, at("id"))?;
        let region = optional_str(ep, at("region"))?;
        for interface in Interface::ALL {
            let key = interface.v2_key();
            let url = match ep.get(key) {
                None => continue,
                Some(Value::String(s)) => s.as_str(),
                Some(Value::Null) => "",
                Some(other) => return Err(wrong_type(at(key), "a string or null", other)),
            };
            endpoints.push(CatalogEndpoint {
                id: endpoint_id.map(str::to_owned),
                interface,
                region: region.map(str::to_owned),
                url: url.to_owned(),
            });
        }
        Ok(())
    })
}
