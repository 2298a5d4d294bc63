//! The tree a clouds file becomes: every leaf keeps where it came from.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::super::opt::ValueSource;

/// Where a value in a cloud's configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Origin {
    File {
        path: Arc<PathBuf>,
        cloud: Arc<str>,
        /// The key the value was written under, when the fix-ups moved it
        /// (`tenant_name` read as `auth.project_name`).
        written_as: Option<Arc<str>>,
    },
    Env(Arc<str>),
}

/// A cloud configuration tree; every leaf knows its origin.
#[derive(Clone)]
pub(super) enum Node {
    Null,
    Scalar(String, Origin),
    List(Vec<Node>, Origin),
    Map(BTreeMap<String, Node>),
}

impl std::fmt::Debug for Node {
    /// Values under secret-looking keys are masked, URL passwords too.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Null => f.write_str("null"),
            Node::Scalar(s, _) => write!(f, "{:?}", crate::redact::url_str(s)),
            Node::List(items, _) => f.debug_list().entries(items).finish(),
            Node::Map(map) => {
                let mut d = f.debug_map();
                for (k, v) in map {
                    if crate::redact::is_secret_key(k) && !matches!(v, Node::Map(_)) {
                        d.entry(k, &crate::redact::MASK);
                    } else {
                        d.entry(k, v);
                    }
                }
                d.finish()
            }
        }
    }
}

impl Node {
    /// Re-labels every leaf (a cloud's values get the cloud's name).
    pub(super) fn relabel(self, origin: &dyn Fn(&Origin) -> Origin) -> Node {
        match self {
            Node::Null => Node::Null,
            Node::Scalar(s, o) => Node::Scalar(s, origin(&o)),
            Node::List(l, o) => Node::List(l.into_iter().map(|n| n.relabel(origin)).collect(), origin(&o)),
            Node::Map(m) => Node::Map(m.into_iter().map(|(k, v)| (k, v.relabel(origin))).collect()),
        }
    }

    /// The same tree, its values labelled as the cloud `name`'s (and with
    /// dashes in keys read as underscores).
    pub(super) fn into_cloud(self, name: &str) -> Node {
        let label: Arc<str> = Arc::from(name);
        self.normalized().relabel(&|o| match o {
            Origin::File { path, written_as, .. } => Origin::File {
                path: path.clone(),
                cloud: label.clone(),
                written_as: written_as.clone(),
            },
            other => other.clone(),
        })
    }

    /// The same value, noted as written under `key` (see [`Origin::File`]).
    pub(super) fn written_as(self, key: &str) -> Node {
        let key: Arc<str> = Arc::from(key);
        self.relabel(&|o| match o {
            Origin::File {
                path,
                cloud,
                written_as,
            } => Origin::File {
                path: path.clone(),
                cloud: cloud.clone(),
                written_as: Some(written_as.clone().unwrap_or_else(|| key.clone())),
            },
            other => other.clone(),
        })
    }

    /// Keys with dashes become underscores, recursively (openstacksdk's `normalize_keys`).
    pub(super) fn normalized(self) -> Node {
        match self {
            Node::Map(m) => Node::Map(
                m.into_iter()
                    .map(|(k, v)| (k.replace('-', "_"), v.normalized()))
                    .collect(),
            ),
            Node::List(l, o) => Node::List(l.into_iter().map(Node::normalized).collect(), o),
            other => other,
        }
    }

    pub(super) fn map(&self) -> Option<&BTreeMap<String, Node>> {
        match self {
            Node::Map(m) => Some(m),
            _ => None,
        }
    }

    pub(super) fn map_mut(&mut self) -> Option<&mut BTreeMap<String, Node>> {
        match self {
            Node::Map(m) => Some(m),
            _ => None,
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<&Node> {
        self.map()?.get(key).filter(|n| !matches!(n, Node::Null))
    }

    pub(super) fn scalar(&self) -> Option<(&str, &Origin)> {
        match self {
            Node::Scalar(s, o) if !s.is_empty() => Some((s, o)),
            _ => None,
        }
    }

    /// Deep merge: `over`'s values win; maps merge (openstacksdk's `merge_clouds`).
    pub(super) fn merge(self, over: Node) -> Node {
        match (self, over) {
            (Node::Map(mut a), Node::Map(b)) => {
                for (k, v) in b {
                    let merged = match a.remove(&k) {
                        Some(old) => old.merge(v),
                        None => v,
                    };
                    a.insert(k, merged);
                }
                Node::Map(a)
            }
            (old, Node::Null) => old,
            (_, new) => new,
        }
    }

    /// openstacksdk's `_auth_update`: like a dict update, except that the
    /// `auth` maps are merged.
    pub(super) fn auth_update(self, over: Node) -> Node {
        match (self, over) {
            (Node::Map(mut a), Node::Map(b)) => {
                for (k, v) in b {
                    if k == "auth" {
                        let merged = match a.remove(&k) {
                            Some(Node::Map(mut old)) => {
                                if let Node::Map(new) = v {
                                    old.extend(new);
                                }
                                Node::Map(old)
                            }
                            _ => v,
                        };
                        a.insert(k, merged);
                    } else {
                        a.insert(k, v);
                    }
                }
                Node::Map(a)
            }
            (_, new) => new,
        }
    }
}

pub(super) fn origin_source(origin: &Origin, key: &str) -> ValueSource {
    match origin {
        Origin::File {
            path,
            cloud,
            written_as,
        } => ValueSource::CloudsYaml {
            path: (**path).clone(),
            cloud: cloud.to_string(),
            key: written_as.as_deref().unwrap_or(key).to_owned(),
        },
        Origin::Env(var) => ValueSource::Environment { var: var.to_string() },
    }
}
