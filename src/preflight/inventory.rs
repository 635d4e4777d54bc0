//! The inventory preflight reads: facts about the target cluster, as a YAML document.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::quantity::{Cpus, Memory};
use crate::diagnostic::Position;
use crate::error::{Error, Result};
use crate::input::InputLimits;
use crate::path::Path;
use crate::yaml::{self, ReadLimits};

/// Facts about the cluster Harbor is meant for: its nodes, storage classes and kube-apiserver
/// arguments.
///
/// # Format
///
/// ```yaml
/// nodes:                          # one entry per node (required, may not be omitted)
///   - name: edge-1
///     cpus: 8                     # integer, decimal, or a quantity string: "4", "3500m"
///     memory: 16Gi                # a quantity ("16Gi", "16384Mi", "16331636Ki", "8G") or bytes
///     architecture: amd64         # as `kubectl` reports it; `x86_64` (uname) is accepted too
/// storageClasses:                 # optional; absent means "none"
///   - name: local-path
///     provisioner: rancher.io/local-path
///     default: true               # optional, default false
/// apiServerArgs:                  # optional: kube-apiserver arguments, as a list ...
///   - --enable-admission-plugins=NodeRestriction
/// # ... or as a map, with or without the leading dashes:
/// # apiServerArgs:
/// #   enable-admission-plugins: NodeRestriction
/// ```
///
/// The node fields are those of `kubectl get nodes -o json`: `.metadata.name`,
/// `.status.capacity.cpu`, `.status.capacity.memory` and `.status.nodeInfo.architecture`;
/// storage classes are `kubectl get storageclass -o json` items, `default` being the
/// `storageclass.kubernetes.io/is-default-class` annotation. For example:
///
/// ```text
/// kubectl get nodes -o json | jq '{nodes: [.items[] | {name: .metadata.name,
///   cpus: .status.capacity.cpu, memory: .status.capacity.memory,
///   architecture: .status.nodeInfo.architecture}]}'
/// ```
///
/// In code, start from [`Inventory::default`] and fill the public fields; findings then carry
/// no source position.
///
/// Unknown fields are errors that name their path (`nodes[1]: unknown field `cpu``), so a
/// misspelt key never silently skips a check.
///
/// ```
/// use harbor_edge::preflight::Inventory;
///
/// let inventory = Inventory::from_yaml_str("
/// nodes:
///   - {name: edge-1, cpus: 4, memory: 16Gi, architecture: amd64}
/// storageClasses:
///   - {name: local-path, provisioner: rancher.io/local-path, default: true}
/// ")?;
/// assert_eq!(inventory.nodes[0].memory.bytes(), 16 << 30);
/// # Ok::<(), harbor_edge::Error>(())
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Inventory {
    /// The cluster's nodes.
    pub nodes: Vec<Node>,
    /// The cluster's storage classes.
    #[serde(default)]
    pub storage_classes: Vec<StorageClass>,
    /// The kube-apiserver's command-line arguments.
    #[serde(default)]
    pub api_server_args: ApiServerArgs,
    /// Positions of the values in the source, for findings; empty when built in code.
    #[serde(skip)]
    source: Option<yaml::Node>,
}

/// One node of the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Node {
    /// The node name.
    pub name: String,
    /// CPU capacity.
    pub cpus: Cpus,
    /// Memory capacity.
    pub memory: Memory,
    /// CPU architecture, e.g. `amd64`.
    pub architecture: String,
}

/// One storage class of the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StorageClass {
    /// The storage class name.
    pub name: String,
    /// Its provisioner (CSI driver), e.g. `driver.longhorn.io`.
    pub provisioner: String,
    /// Whether it is the cluster's default storage class.
    #[serde(default)]
    pub default: bool,
}

/// kube-apiserver arguments, in either of the two forms tools write them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiServerArgs {
    /// `--flag=value` strings (the manifest's `command`, RKE2's `kube-apiserver-arg`); a flag
    /// followed by its value as the next item is read too.
    List(Vec<String>),
    /// `flag: value` pairs in document order (kubeadm's `extraArgs`), with or without `--`.
    Map(Vec<(String, String)>),
}

impl Default for ApiServerArgs {
    fn default() -> Self {
        Self::List(Vec::new())
    }
}

/// One flag value found in [`ApiServerArgs`], with the path that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlagValue<'a> {
    /// `apiServerArgs[2]` for a list item, `apiServerArgs.enable-admission-plugins` for a map
    /// key.
    pub(crate) path: Path,
    /// The key, for the source map: the index or the map key as written.
    pub(crate) key: String,
    pub(crate) value: &'a str,
}

impl ApiServerArgs {
    /// Every value given to `flag` (without dashes), in order. kube-apiserver's list flags
    /// accumulate over repeats, so every occurrence counts.
    pub(crate) fn values_of(&self, flag: &str) -> Vec<FlagValue<'_>> {
        match self {
            Self::List(items) => {
                let mut found = Vec::new();
                for (index, item) in items.iter().enumerate() {
                    let name = item.trim().trim_start_matches('-');
                    let value = match name.split_once('=') {
                        Some((name, value)) if name == flag => Some((index, value)),
                        Some(_) => None,
                        // `--flag value` split across two items: the value is the next one.
                        None if name == flag => items
                            .get(index + 1)
                            .map(|value| (index + 1, value.as_str())),
                        None => None,
                    };
                    if let Some((index, value)) = value {
                        found.push(FlagValue {
                            path: Path::root().key("apiServerArgs").index(index),
                            key: index.to_string(),
                            value,
                        });
                    }
                }
                found
            }
            Self::Map(entries) => entries
                .iter()
                .filter(|(name, _)| name.trim().trim_start_matches('-') == flag)
                .map(|(name, value)| FlagValue {
                    path: Path::root().key("apiServerArgs").key(name.clone()),
                    key: name.clone(),
                    value,
                })
                .collect(),
        }
    }
}

impl<'de> Deserialize<'de> for ApiServerArgs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ArgsVisitor)
    }
}

struct ArgsVisitor;

impl<'de> Visitor<'de> for ArgsVisitor {
    type Value = ApiServerArgs;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of `--flag=value` strings or a map of flag to value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<String>()? {
            items.push(item);
        }
        Ok(ApiServerArgs::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((name, value)) = map.next_entry::<String, FlagText>()? {
            entries.push((name, value.0));
        }
        Ok(ApiServerArgs::Map(entries))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(ApiServerArgs::default())
    }
}

/// A flag value: YAML may type `true` or `6443` as non-strings, the apiserver reads text.
struct FlagText(String);

impl<'de> Deserialize<'de> for FlagText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FlagTextVisitor)
    }
}

struct FlagTextVisitor;

impl Visitor<'_> for FlagTextVisitor {
    type Value = FlagText;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a flag value: a string, a number or a boolean")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<FlagText, E> {
        Ok(FlagText(text.to_owned()))
    }

    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<FlagText, E> {
        Ok(FlagText(flag.to_string()))
    }

    fn visit_i64<E: de::Error>(self, number: i64) -> Result<FlagText, E> {
        Ok(FlagText(number.to_string()))
    }

    fn visit_u64<E: de::Error>(self, number: u64) -> Result<FlagText, E> {
        Ok(FlagText(number.to_string()))
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<FlagText, E> {
        Ok(FlagText(number.to_string()))
    }
}

impl Inventory {
    /// Reads an inventory document (format above). Documents larger than
    /// [`InputLimits::default`]'s `max_bytes` are refused.
    pub fn from_yaml_str(text: &str) -> Result<Self> {
        let limit = InputLimits::default().max_bytes;
        if text.len() > limit {
            return Err(Error::Inventory {
                message: format!(
                    "the document has {} bytes; the limit is {limit}",
                    text.len()
                ),
                position: None,
            });
        }
        let depth = InputLimits::default().max_depth;
        let document =
            yaml::read_one(text, ReadLimits::for_text(text, depth)).map_err(|error| {
                Error::Inventory {
                    message: error.message(),
                    position: Some(error.position()),
                }
            })?;
        if let Some(duplicate) = document.duplicate_keys.first() {
            return Err(Error::Inventory {
                message: format!(
                    "`{}` is written twice (first at line {})",
                    duplicate.path.join("."),
                    duplicate.first
                ),
                position: Some(duplicate.position),
            });
        }
        // An inventory holds no secret: serde's message, which may quote a value, is shown.
        let mut inventory: Self =
            yaml::from_node(&document.root).map_err(|error| Error::Inventory {
                message: error.to_string(),
                position: error.position(),
            })?;
        inventory.source = Some(document.root);
        Ok(inventory)
    }

    /// Position of the value at `path` (keys and sequence indexes), when read from text.
    pub(crate) fn position(&self, path: &[&str]) -> Option<Position> {
        self.source.as_ref()?.lookup(path).2.position()
    }
}
