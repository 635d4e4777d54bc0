//! Reading input documents (SPEC 2.1): bare `harbor-config` documents and pack values, with the
//! optional `cluster` context, source positions and input limits.

mod problems;
mod text;

pub(crate) use problems::oversized_integer;
pub use text::decode_text;

use crate::diagnostic::Position;
use crate::error::{Error, Result};
use crate::yaml::{self, Node, ReadError, ReadLimits, Value};
use problems::{misspelt_form_keys, read_problems};

/// The chart key of the pack inside a cluster profile's values.
pub const PACK_CHART_KEY: &str = "harbor-edge-native-config";
/// The key holding the parameters.
pub const HARBOR_CONFIG_KEY: &str = "harbor-config";
/// The key holding the cluster context.
pub const CLUSTER_KEY: &str = "cluster";
/// The key of the pack's own settings in pack values.
pub const PACK_KEY: &str = "pack";
/// The key of the charts in pack values.
pub const CHARTS_KEY: &str = "charts";

/// Limits that keep hostile input from costing unbounded time or memory. Size and depth are
/// checked before the YAML parser runs, and an input over either is an [`Error::Limit`] naming
/// the limit. YAML aliases ("billion laughs") are bounded by the reader, which refuses a
/// document whose aliases add more values than the text has bytes (also an [`Error::Limit`]).
/// The CLI sets `max_bytes` with `--max-input-bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputLimits {
    /// Largest accepted document, bytes. Default 1 MiB.
    pub max_bytes: usize,
    /// Deepest accepted nesting of mappings and sequences. Default 64.
    pub max_depth: usize,
    /// Most problems collected from one input (at least 1). Default 50. An input with more
    /// keeps the first by source position and records how many it left out in a last
    /// [`DiagnosticKind::Omitted`](crate::DiagnosticKind::Omitted) entry, so 200,000 bad values cost the memory of 50 problems.
    pub max_problems: usize,
}

impl Default for InputLimits {
    fn default() -> Self {
        Self {
            max_bytes: 1024 * 1024,
            max_depth: 64,
            max_problems: 50,
        }
    }
}

/// Which of the two accepted document forms the input had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentForm {
    /// `harbor-config:` at the top.
    Bare,
    /// `charts: harbor-edge-native-config: harbor-config:` as a cluster profile holds it.
    Pack,
}

/// A parsed input document, not yet validated. Its `Debug` output shows the form and the
/// top-level keys only: values may be secrets.
///
/// ```
/// use harbor_edge::{Macros, PackInput};
///
/// let input = PackInput::from_yaml_str("harbor-config: {}\ncluster: {uid: edge1, vip: 10.0.0.5}\n")?;
/// let validated = input.resolve(&Macros::new())?;
/// assert_eq!(validated.config.service().https().node_port().get(), 30003);
/// # Ok::<(), harbor_edge::Error>(())
/// ```
#[derive(Clone)]
pub struct PackInput {
    form: DocumentForm,
    /// `{harbor-config: …, cluster: …}`, whatever the form; its nodes keep the positions
    /// they had in the text.
    document: Node,
    /// Pack values without the parameters and the cluster context (`pack`, `charts` with an
    /// empty `harbor-config`, and any other key), checked against the pack form's schema.
    wrapper: Option<Node>,
    max_problems: usize,
    /// Cluster fields set by the caller (CLI flags) rather than the document.
    overridden: Vec<&'static str>,
}

impl std::fmt::Debug for PackInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self
            .document
            .as_mapping()
            .unwrap_or_default()
            .iter()
            .filter_map(|(key, _)| key.as_str())
            .collect();
        f.debug_struct("PackInput")
            .field("form", &self.form)
            .field("keys", &keys)
            .field("overridden", &self.overridden)
            .finish_non_exhaustive()
    }
}

/// The document may hold the admin password and private keys: its strings are overwritten
/// when it is dropped.
impl Drop for PackInput {
    fn drop(&mut self) {
        self.document.wipe();
        if let Some(wrapper) = &mut self.wrapper {
            wrapper.wipe();
        }
    }
}

impl PackInput {
    /// Parses a document with the default [`InputLimits`].
    pub fn from_yaml_str(text: &str) -> Result<Self> {
        Self::from_yaml_str_with_limits(text, InputLimits::default())
    }

    /// Parses a document with explicit limits.
    ///
    /// Besides [`Error::Syntax`], [`Error::Limit`] and [`Error::Document`], this returns
    /// [`Error::Invalid`] for what a person can fix at a known place though the document
    /// cannot be read as intended: a key written twice in one mapping, an integer too large
    /// for 64 bits, or a misspelt top-level key (`harbor_config`) that leaves neither
    /// document form.
    pub fn from_yaml_str_with_limits(text: &str, limits: InputLimits) -> Result<Self> {
        if text.len() > limits.max_bytes {
            return Err(Error::Limit {
                message: format!(
                    "the document has {} bytes; the limit is {} (raise it with InputLimits::max_bytes)",
                    text.len(),
                    limits.max_bytes
                ),
                position: None,
            });
        }
        check_nesting(text, limits.max_depth)?;
        let read = yaml::read_one(text, ReadLimits::for_text(text, limits.max_depth))
            .map_err(read_error)?;
        let mut root = read.root;
        if let Some(problems) = read_problems(
            &read.duplicate_keys,
            &read.oversized_integers,
            &root,
            limits.max_problems,
        ) {
            root.wipe();
            return Err(problems);
        }
        if root.as_mapping().is_none() {
            root.wipe();
            return Err(Error::Document {
                message: "the document is not a mapping; expected `harbor-config:` at the top, \
                          or pack values with `charts: harbor-edge-native-config:`"
                    .into(),
            });
        }
        let form = if root.get(HARBOR_CONFIG_KEY).is_some() {
            DocumentForm::Bare
        } else if root.get(CHARTS_KEY).is_some() || root.get(PACK_KEY).is_some() {
            DocumentForm::Pack
        } else {
            let problems = misspelt_form_keys(&root, limits.max_problems);
            root.wipe();
            return Err(match problems {
                Some(problems) => problems,
                None => Error::Document {
                    message: "no `harbor-config` found: expected `harbor-config:` at the top, \
                              or pack values with `charts: harbor-edge-native-config: \
                              harbor-config:`"
                        .into(),
                },
            });
        };
        let (document, wrapper) = match form {
            // Other top-level keys are kept so the schema check reports them as unknown.
            DocumentForm::Bare => (root, None),
            DocumentForm::Pack => {
                let mut entries = Vec::new();
                let chart = root
                    .get_mut(CHARTS_KEY)
                    .and_then(|charts| charts.get_mut(PACK_CHART_KEY));
                let harbor_config = chart.and_then(|chart| {
                    let key = chart.entry(HARBOR_CONFIG_KEY)?.0.clone();
                    let config = chart.get_mut(HARBOR_CONFIG_KEY)?;
                    let empty = Node::new(Value::Mapping(Vec::new()));
                    Some((key, std::mem::replace(config, empty)))
                });
                entries.push(harbor_config.unwrap_or_else(|| {
                    (
                        Node::new(Value::String(HARBOR_CONFIG_KEY.to_owned())),
                        Node::new(Value::Null),
                    )
                }));
                entries.extend(root.remove(CLUSTER_KEY));
                let document = match root.position() {
                    Some(position) => Node::at(Value::Mapping(entries), position),
                    None => Node::new(Value::Mapping(entries)),
                };
                (document, Some(root))
            }
        };
        Ok(Self {
            form,
            document,
            wrapper,
            overridden: Vec::new(),
            max_problems: limits.max_problems,
        })
    }

    /// The form the document had.
    pub fn form(&self) -> DocumentForm {
        self.form
    }

    /// Sets `cluster.uid`, overriding the document (the CLI's `--cluster-uid`).
    pub fn set_cluster_uid(&mut self, uid: &str) {
        self.set_cluster_field("uid", uid);
    }

    /// Sets `cluster.vip`, overriding the document (the CLI's `--vip`).
    pub fn set_cluster_vip(&mut self, vip: &str) {
        self.set_cluster_field("vip", vip);
    }

    fn set_cluster_field(&mut self, field: &'static str, value: &str) {
        let value = Node::new(Value::String(value.to_owned()));
        let text = |key: &str| Node::new(Value::String(key.to_owned()));
        let Value::Mapping(document) = &mut self.document.value else {
            return;
        };
        let index = match document
            .iter()
            .rposition(|(key, _)| key.as_str() == Some(CLUSTER_KEY))
        {
            Some(index) => index,
            None => {
                document.push((text(CLUSTER_KEY), Node::new(Value::Mapping(Vec::new()))));
                document.len() - 1
            }
        };
        let cluster = &mut document[index].1;
        if cluster.as_mapping().is_none() {
            cluster.wipe();
            *cluster = Node::new(Value::Mapping(Vec::new()));
        }
        match cluster.get_mut(field) {
            Some(old) => {
                old.wipe();
                *old = value;
            }
            None => {
                if let Value::Mapping(fields) = &mut cluster.value {
                    fields.push((text(field), value));
                }
            }
        }
        self.overridden.push(field);
    }

    /// The normalized document `{harbor-config, cluster}`: a mapping.
    pub(crate) fn document(&self) -> &Node {
        &self.document
    }

    /// In pack form, the pack values around the parameters (see the field).
    pub(crate) fn wrapper(&self) -> Option<&Node> {
        self.wrapper.as_ref()
    }

    /// Most problems to collect ([`InputLimits::max_problems`]).
    pub(crate) fn max_problems(&self) -> usize {
        self.max_problems
    }

    /// The source position of a logical path (`["harbor-config", "service", …]`): the key's
    /// position when `at_key`, else the value's, else the nearest ancestor's.
    pub(crate) fn position(&self, logical: &[String], at_key: bool) -> Option<Position> {
        if logical.first().map(String::as_str) == Some(CLUSTER_KEY)
            && logical
                .get(1)
                .is_some_and(|field| self.overridden.contains(&field.as_str()))
        {
            return None;
        }
        let in_document = matches!(
            logical.first().map(String::as_str),
            None | Some(HARBOR_CONFIG_KEY | CLUSTER_KEY)
        );
        let tree = match &self.wrapper {
            Some(wrapper) if !in_document => wrapper,
            _ => &self.document,
        };
        let (found, entry, node) = tree.lookup(logical);
        if found == logical.len() && at_key {
            if let Some(position) = entry.and_then(|(key, _)| key.position()) {
                return Some(position);
            }
        }
        node.position()
    }
}

/// The error for a text the reader refuses.
fn read_error(error: ReadError) -> Error {
    let position = Some(error.position());
    match error {
        ReadError::AliasBomb { .. } => Error::Limit {
            message: "aliases expand beyond the limit (a YAML alias bomb is rejected); write \
                      the parameters out without anchors"
                .to_owned(),
            position,
        },
        ReadError::TooDeep { max_depth, .. } => Error::Limit {
            message: format!(
                "the document nests deeper than {max_depth} levels; parameters need fewer than 10"
            ),
            position,
        },
        ReadError::Syntax { .. } | ReadError::ManyDocuments { .. } => Error::Syntax {
            message: error.message(),
            position,
        },
    }
}

/// Rejects nesting deeper than `max_depth` before the parser runs: yaml-rust2's scanner reads
/// ahead of the events the reader counts, and past 255 flow levels it fails with a syntax error
/// of its own, so only this check reports the limit as a limit. Counts flow and block nesting
/// from indentation and brackets; cheap and linear in the input.
fn check_nesting(text: &str, max_depth: usize) -> Result<()> {
    let too_deep = |index: usize| Error::Limit {
        message: format!(
            "the document nests deeper than {max_depth} levels; parameters need fewer than 10"
        ),
        position: Some(Position {
            line: index + 1,
            column: 1,
        }),
    };
    let mut flow_depth = 0usize;
    for (index, line) in text.lines().enumerate() {
        let content = line.trim_start_matches([' ', '-']);
        // Block nesting: two columns of indentation (or a `- ` marker) per level, at least.
        let block_depth = (line.len() - content.len()) / 2;
        if block_depth > max_depth {
            return Err(too_deep(index));
        }
        let mut in_quote: Option<char> = None;
        for c in content.chars() {
            match (in_quote, c) {
                (Some(q), c) if c == q => in_quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => in_quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => flow_depth += 1,
                (None, ']' | '}') => flow_depth = flow_depth.saturating_sub(1),
                _ => {}
            }
            if flow_depth + block_depth > max_depth {
                return Err(too_deep(index));
            }
        }
    }
    Ok(())
}
