//! Parsing a clouds file (YAML or JSON) into a [`Node`] tree, within
//! bounds: YAML aliases and merge keys (`<<: *defaults`) are expanded as
//! PyYAML does, but the expanded tree may hold at most
//! [`MAX_CONFIG_NODES`] nodes, [`MAX_CONFIG_SCALAR_BYTES`] bytes of
//! scalars and [`MAX_CONFIG_DEPTH`] levels, whatever the file's size (an
//! alias "bomb" of a few hundred bytes otherwise expands to billions of
//! nodes).
//!
//! The tree is built here from yaml_rust2's event parser rather than by
//! `YamlLoader`, which copies every alias without bound and ignores merge
//! keys; JSON goes through a budgeted serde visitor for the same reason
//! (`serde_json::Value` costs ~50 bytes a value: 4 MiB of `[0,0,…]` would be
//! 100 MiB).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;
use yaml_rust2::Yaml;

use super::node::{Node, Origin};
use crate::error::Result;
use crate::loading::limits::{file_error, MAX_CONFIG_DEPTH, MAX_CONFIG_NODES, MAX_CONFIG_SCALAR_BYTES};

/// What the tree built so far has cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Cost {
    nodes: usize,
    bytes: usize,
}

struct Budget<'a> {
    path: &'a Path,
    what: &'static str,
    used: Cost,
}

impl Budget<'_> {
    fn spend(&mut self, cost: Cost) -> Result<()> {
        self.used.nodes = self.used.nodes.saturating_add(cost.nodes);
        self.used.bytes = self.used.bytes.saturating_add(cost.bytes);
        if self.used.nodes > MAX_CONFIG_NODES {
            return Err(file_error(
                self.what,
                self.path,
                format!(
                    "the file expands to more than {MAX_CONFIG_NODES} nodes (YAML aliases and merge keys included); \
                     refused as a likely alias bomb"
                ),
            ));
        }
        if self.used.bytes > MAX_CONFIG_SCALAR_BYTES {
            return Err(file_error(
                self.what,
                self.path,
                format!(
                    "the file expands to more than {} MiB of values (YAML aliases and merge keys included); \
                     refused as a likely alias bomb",
                    MAX_CONFIG_SCALAR_BYTES / (1024 * 1024)
                ),
            ));
        }
        Ok(())
    }

    fn depth(&self, depth: usize) -> Result<()> {
        if depth > MAX_CONFIG_DEPTH {
            return Err(file_error(
                self.what,
                self.path,
                format!("lists and mappings are nested more than {MAX_CONFIG_DEPTH} deep"),
            ));
        }
        Ok(())
    }
}

/// A mapping key being read.
enum PendingKey {
    /// The next node is a key.
    Awaiting,
    /// The next node is the value of this key.
    Key(String),
    /// The next node is the value of a merge key (`<<`).
    Merge,
    /// The next node is the value of a key that is not a scalar: dropped.
    Skip,
}

enum Frame {
    List {
        items: Vec<Node>,
        anchor: usize,
        start: Cost,
    },
    Map {
        entries: BTreeMap<String, Node>,
        merges: Vec<Node>,
        key: PendingKey,
        anchor: usize,
        start: Cost,
    },
}

/// The text of a YAML scalar as the old loader gave it (`YamlLoader`, then
/// integers and booleans printed back): `None` for null.
fn scalar_text(value: String, style: TScalarStyle, tag: Option<&Tag>) -> Option<String> {
    if style != TScalarStyle::Plain {
        return Some(value);
    }
    let core = tag
        .filter(|t| t.handle == "tag:yaml.org,2002:")
        .map(|t| t.suffix.as_str());
    if tag.is_some() && core.is_none() {
        return Some(value);
    }
    let parsed = match core {
        None => Yaml::from_str(&value),
        Some("bool") => match value.as_str() {
            "true" | "True" | "TRUE" => Yaml::Boolean(true),
            "false" | "False" | "FALSE" => Yaml::Boolean(false),
            _ => Yaml::BadValue,
        },
        Some("int") => value.parse::<i64>().map(Yaml::Integer).unwrap_or(Yaml::BadValue),
        Some("float") => match Yaml::from_str(&value) {
            Yaml::Real(_) | Yaml::Integer(_) => Yaml::Real(value),
            _ => Yaml::BadValue,
        },
        Some("null") => match value.as_str() {
            "~" | "null" => Yaml::Null,
            _ => Yaml::BadValue,
        },
        Some(_) => Yaml::String(value),
    };
    match parsed {
        Yaml::String(s) | Yaml::Real(s) => Some(s),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The events of one YAML document turned into a tree.
struct Builder<'a> {
    budget: Budget<'a>,
    origin: Origin,
    stack: Vec<Frame>,
    /// Anchored nodes, with what each cost to build (what an alias costs again).
    anchors: BTreeMap<usize, (Node, Cost)>,
    root: Option<Node>,
}

impl Builder<'_> {
    fn cost_since(&self, start: Cost) -> Cost {
        Cost {
            nodes: self.budget.used.nodes - start.nodes,
            bytes: self.budget.used.bytes - start.bytes,
        }
    }

    /// Adds a finished node to its parent.
    fn push(&mut self, node: Node, anchor: usize, cost: Cost) -> Result<()> {
        if anchor > 0 {
            // The kept copy counts too: nested anchors would otherwise keep
            // one copy of the same subtree per level.
            self.budget.spend(cost)?;
            self.anchors.insert(anchor, (node.clone(), cost));
        }
        let path = self.budget.path;
        let what = self.budget.what;
        match self.stack.last_mut() {
            None => {
                self.root.get_or_insert(node);
            }
            Some(Frame::List { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries, merges, key, ..
            }) => match std::mem::replace(key, PendingKey::Awaiting) {
                PendingKey::Awaiting => {
                    *key = match node {
                        Node::Scalar(k, _) if k == "<<" => PendingKey::Merge,
                        Node::Scalar(k, _) => PendingKey::Key(k),
                        _ => PendingKey::Skip,
                    }
                }
                PendingKey::Key(k) => {
                    if entries.contains_key(&k) {
                        return Err(file_error(
                            what,
                            path,
                            format!("the key {k:?} is repeated in a mapping"),
                        ));
                    }
                    entries.insert(k, node);
                }
                PendingKey::Merge => merges.push(node),
                PendingKey::Skip => {}
            },
        }
        Ok(())
    }

    fn event(&mut self, event: Event) -> Result<()> {
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let cost = Cost {
                    nodes: 1,
                    bytes: value.len(),
                };
                self.budget.spend(cost)?;
                // A plain `<<` key stays a scalar so that `push` sees the merge key.
                let node = match scalar_text(value, style, tag.as_ref()) {
                    Some(s) => Node::Scalar(s, self.origin.clone()),
                    None => Node::Null,
                };
                self.push(node, anchor, cost)
            }
            Event::Alias(id) => {
                let (node, cost) = self.anchors.get(&id).cloned().unwrap_or((Node::Null, Cost::default()));
                // Spent before the copy is kept: the budget bounds what exists.
                self.budget.spend(cost)?;
                self.push(node, 0, cost)
            }
            Event::SequenceStart(anchor, _) => {
                self.budget.depth(self.stack.len() + 1)?;
                let start = self.budget.used;
                self.budget.spend(Cost { nodes: 1, bytes: 0 })?;
                self.stack.push(Frame::List {
                    items: Vec::new(),
                    anchor,
                    start,
                });
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.budget.depth(self.stack.len() + 1)?;
                let start = self.budget.used;
                self.budget.spend(Cost { nodes: 1, bytes: 0 })?;
                self.stack.push(Frame::Map {
                    entries: BTreeMap::new(),
                    merges: Vec::new(),
                    key: PendingKey::Awaiting,
                    anchor,
                    start,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor, start) = match self.stack.pop() {
                    Some(Frame::List { items, anchor, start }) => {
                        (Node::List(items, self.origin.clone()), anchor, start)
                    }
                    Some(Frame::Map {
                        entries,
                        merges,
                        anchor,
                        start,
                        ..
                    }) => (merged(entries, merges), anchor, start),
                    None => return Ok(()),
                };
                let cost = self.cost_since(start);
                self.push(node, anchor, cost)
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {
                Ok(())
            }
        }
    }
}

/// A mapping with its merge keys applied as PyYAML does: the mapping's own
/// keys win, then the merged mappings in order (`<<: [*a, *b]`: `a` wins
/// over `b`). The merge is shallow.
fn merged(mut own: BTreeMap<String, Node>, merges: Vec<Node>) -> Node {
    for m in merges {
        let maps = match m {
            Node::List(items, _) => items,
            other => vec![other],
        };
        for map in maps {
            if let Node::Map(entries) = map {
                for (k, v) in entries {
                    own.entry(k).or_insert(v);
                }
            }
        }
    }
    Node::Map(own)
}

fn parse_yaml(text: &str, path: &Path, what: &'static str) -> Result<Node> {
    let origin = Origin::File {
        path: Arc::new(path.to_owned()),
        cloud: Arc::from(""),
        written_as: None,
    };
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder {
        budget: Budget {
            path,
            what,
            used: Cost::default(),
        },
        origin,
        stack: Vec::new(),
        anchors: BTreeMap::new(),
        root: None,
    };
    loop {
        let (event, _) = parser
            .next_token()
            .map_err(|e| file_error("YAML file (invalid syntax)", path, e.to_string()))?;
        let end = matches!(event, Event::StreamEnd | Event::DocumentEnd);
        builder.event(event)?;
        // Only the first document counts (as before); the rest is not parsed.
        if end {
            break;
        }
    }
    Ok(builder.root.unwrap_or(Node::Null))
}

/// A serde visitor building a [`Node`] within the budget.
struct JsonSeed<'b, 'a> {
    budget: &'b mut Budget<'a>,
    origin: &'b Origin,
    depth: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for JsonSeed<'_, '_> {
    type Value = Node;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<Node, D::Error> {
        d.deserialize_any(self)
    }
}

/// A budget error as a serde error (its cause is the message).
fn serde_error<E: serde::de::Error>(e: crate::Error) -> E {
    E::custom(
        std::error::Error::source(&e)
            .map(ToString::to_string)
            .unwrap_or_else(|| e.to_string()),
    )
}

impl JsonSeed<'_, '_> {
    fn scalar<E: serde::de::Error>(self, text: String) -> std::result::Result<Node, E> {
        self.budget
            .spend(Cost {
                nodes: 1,
                bytes: text.len(),
            })
            .map_err(serde_error)?;
        Ok(Node::Scalar(text, self.origin.clone()))
    }

    fn open<E: serde::de::Error>(&mut self) -> std::result::Result<(), E> {
        self.budget.depth(self.depth + 1).map_err(serde_error)?;
        self.budget.spend(Cost { nodes: 1, bytes: 0 }).map_err(serde_error)
    }
}

impl<'de> serde::de::Visitor<'de> for JsonSeed<'_, '_> {
    type Value = Node;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<Node, E> {
        self.scalar(v.to_string())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Node, E> {
        self.scalar(v.to_string())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Node, E> {
        self.scalar(v.to_string())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Node, E> {
        self.scalar(serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Node, E> {
        self.scalar(v.to_owned())
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> std::result::Result<Node, E> {
        self.scalar(v)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut seq: A) -> std::result::Result<Node, A::Error> {
        self.open()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(JsonSeed {
            budget: self.budget,
            origin: self.origin,
            depth: self.depth + 1,
        })? {
            items.push(item);
        }
        Ok(Node::List(items, self.origin.clone()))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> std::result::Result<Node, A::Error> {
        self.open()?;
        let mut entries = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            self.budget
                .spend(Cost {
                    nodes: 0,
                    bytes: key.len(),
                })
                .map_err(serde_error)?;
            let value = map.next_value_seed(JsonSeed {
                budget: self.budget,
                origin: self.origin,
                depth: self.depth + 1,
            })?;
            // As serde_json::Value: the last of repeated keys wins.
            entries.insert(key, value);
        }
        Ok(Node::Map(entries))
    }
}

/// Parses JSON text (`path` names it in errors).
pub(super) fn parse_json(text: &str, path: &Path, what: &'static str) -> Result<Node> {
    let origin = Origin::File {
        path: Arc::new(path.to_owned()),
        cloud: Arc::from(""),
        written_as: None,
    };
    let mut budget = Budget {
        path,
        what,
        used: Cost::default(),
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let node = serde::de::DeserializeSeed::deserialize(
        JsonSeed {
            budget: &mut budget,
            origin: &origin,
            depth: 0,
        },
        &mut de,
    )
    .and_then(|node| de.end().map(|()| node))
    .map_err(|e| file_error("JSON file (invalid syntax or too large)", path, e.to_string()))?;
    Ok(node)
}

/// Parses a file's text: JSON when `path` ends in `.json`, else YAML.
/// `what` names the file in errors ("clouds file").
pub(super) fn parse_doc(text: &str, path: &Path, what: &'static str) -> Result<Node> {
    if path.extension().is_some_and(|e| e == "json") {
        parse_json(text, path, what)
    } else {
        parse_yaml(text, path, what)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn yaml(text: &str) -> Result<Node> {
        parse_doc(text, Path::new("clouds.yaml"), "clouds file")
    }

    #[test]
    fn merge_keys_are_applied_and_own_keys_win() {
        let node = yaml("d: &d {a: 1, b: 2}\ne: &e {b: 3, c: 4}\nx:\n  <<: [*d, *e]\n  a: own\n").unwrap();
        let x = node.get("x").unwrap();
        let get = |k: &str| x.get(k).and_then(Node::scalar).map(|(s, _)| s.to_owned());
        assert_eq!(get("a").as_deref(), Some("own"));
        assert_eq!(get("b").as_deref(), Some("2"));
        assert_eq!(get("c").as_deref(), Some("4"));
        assert!(x.get("<<").is_none());
    }

    #[test]
    fn repeated_keys_are_an_error() {
        let e = yaml("clouds:\n  a: {x: 1}\n  a: {x: 2}\n").unwrap_err();
        let cause = std::error::Error::source(&e).unwrap().to_string();
        assert!(cause.contains("\"a\" is repeated"), "{cause}");
    }

    #[test]
    fn scalars_read_as_before() {
        let node = yaml("a: 0x2A\nb: True\nc: '010'\nd: 1.50\ne: ~\nf: !!str 12\n").unwrap();
        let get = |k: &str| node.get(k).and_then(Node::scalar).map(|(s, _)| s.to_owned());
        assert_eq!(get("a").as_deref(), Some("42"));
        assert_eq!(get("b").as_deref(), Some("true"));
        assert_eq!(get("c").as_deref(), Some("010"));
        assert_eq!(get("d").as_deref(), Some("1.50"));
        assert_eq!(get("e"), None);
        assert_eq!(get("f").as_deref(), Some("12"));
    }

    #[test]
    fn budgets_refuse_bombs_naming_the_file() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..=5 {
            let p = i - 1;
            doc += &format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n");
        }
        let e = yaml(&doc).unwrap_err().to_string();
        assert!(e.contains("clouds.yaml"), "{e}");
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(yaml(&deep).is_err());
        let json = format!("[{}0]", "0,".repeat(MAX_CONFIG_NODES));
        let e = parse_doc(&json, Path::new("clouds.json"), "clouds file").unwrap_err();
        assert!(format!("{e}: {:?}", std::error::Error::source(&e)).contains("100000 nodes"));
    }
}
