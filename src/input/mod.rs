//! Reading input documents (SPEC 2.1): bare `harbor-config` documents and pack values, with the
//! optional `cluster` context, source positions and input limits.

mod macros;
mod positions;

pub use macros::{MacroScope, Macros};
pub(crate) use macros::{Resolution, resolve_string};
pub use positions::SourceMap;

use serde_yaml::{Mapping, Value};

use crate::error::{Error, Position, Result};
use crate::validation::{self, Validated};

/// The chart key of the pack inside a cluster profile's values.
pub const PACK_CHART_KEY: &str = "harbor-edge-native-config";
/// The key holding the parameters.
pub const HARBOR_CONFIG_KEY: &str = "harbor-config";
/// The key holding the cluster context.
pub const CLUSTER_KEY: &str = "cluster";

/// Limits that keep hostile input from costing unbounded time or memory. Both are checked
/// before the YAML parser runs, and an input over either is an [`Error::Syntax`] naming the
/// limit. YAML aliases ("billion laughs") are bounded by the parser itself, which refuses a
/// document whose alias expansion grows far beyond its size. The CLI sets `max_bytes` with
/// `--max-input-bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputLimits {
    /// Largest accepted document, bytes. Default 1 MiB.
    pub max_bytes: usize,
    /// Deepest accepted nesting of mappings and sequences. Default 64.
    pub max_depth: usize,
}

impl Default for InputLimits {
    fn default() -> Self {
        Self {
            max_bytes: 1024 * 1024,
            max_depth: 64,
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
/// assert_eq!(validated.config.service.https.node_port.get(), 30003);
/// # Ok::<(), harbor_edge::Error>(())
/// ```
#[derive(Clone)]
pub struct PackInput {
    form: DocumentForm,
    /// `{harbor-config: …, cluster: …}`, whatever the form.
    document: Mapping,
    source: SourceMap,
    /// Cluster fields set by the caller (CLI flags) rather than the document.
    overridden: Vec<&'static str>,
}

impl std::fmt::Debug for PackInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self.document.keys().filter_map(Value::as_str).collect();
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
        self.document
            .iter_mut()
            .for_each(|(_, value)| crate::secret::wipe_yaml(value));
    }
}

impl PackInput {
    /// Parses a document with the default [`InputLimits`].
    pub fn from_yaml_str(text: &str) -> Result<Self> {
        Self::from_yaml_str_with_limits(text, InputLimits::default())
    }

    /// Parses a document with explicit limits.
    pub fn from_yaml_str_with_limits(text: &str, limits: InputLimits) -> Result<Self> {
        if text.len() > limits.max_bytes {
            return Err(Error::Syntax {
                message: format!(
                    "the document has {} bytes; the limit is {} (raise it with InputLimits::max_bytes)",
                    text.len(),
                    limits.max_bytes
                ),
                position: None,
            });
        }
        check_nesting(text, limits.max_depth)?;
        let root: Value = serde_yaml::from_str(text).map_err(|error| Error::Syntax {
            message: syntax_message(&error),
            position: error.location().map(|location| Position {
                line: location.line(),
                column: location.column(),
            }),
        })?;
        let Value::Mapping(root) = root else {
            return Err(Error::Document {
                message: "the document is not a mapping; expected `harbor-config:` at the top, \
                          or pack values with `charts: harbor-edge-native-config:`"
                    .into(),
            });
        };
        let (form, harbor_config) = if let Some(config) = root.get(HARBOR_CONFIG_KEY) {
            (DocumentForm::Bare, config.clone())
        } else if let Some(chart) = root
            .get("charts")
            .and_then(|charts| charts.get(PACK_CHART_KEY))
        {
            let config = chart.get(HARBOR_CONFIG_KEY).cloned().unwrap_or(Value::Null);
            (DocumentForm::Pack, config)
        } else {
            return Err(Error::Document {
                message: "no `harbor-config` found: expected `harbor-config:` at the top, or \
                          pack values with `charts: harbor-edge-native-config: harbor-config:`"
                    .into(),
            });
        };
        let mut document = Mapping::new();
        document.insert(HARBOR_CONFIG_KEY.into(), harbor_config);
        if let Some(cluster) = root.get(CLUSTER_KEY) {
            document.insert(CLUSTER_KEY.into(), cluster.clone());
        }
        if form == DocumentForm::Bare {
            // Other top-level keys are kept so the schema check reports them as unknown.
            for (key, value) in &root {
                if !document.contains_key(key) {
                    document.insert(key.clone(), value.clone());
                }
            }
        }
        // `document` holds copies; the parsed tree may hold the password.
        crate::secret::wipe_yaml(&mut Value::Mapping(root));
        Ok(Self {
            form,
            document,
            source: SourceMap::index(text),
            overridden: Vec::new(),
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
        let cluster = self
            .document
            .entry(CLUSTER_KEY.into())
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if !cluster.is_mapping() {
            *cluster = Value::Mapping(Mapping::new());
        }
        if let Value::Mapping(cluster) = cluster {
            cluster.insert(field.into(), value.into());
        }
        self.overridden.push(field);
    }

    /// Resolves macros, checks the schema, validates and fills defaults: the whole of SPEC 3
    /// up to the credentials. Every problem is reported at once in [`Error::Invalid`].
    pub fn resolve(&self, macros: &Macros) -> Result<Validated> {
        validation::validate(self, macros)
    }

    /// The normalized document `{harbor-config, cluster}`.
    pub(crate) fn document(&self) -> &Mapping {
        &self.document
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
        let source_path: Vec<String> = match (self.form, logical.first().map(String::as_str)) {
            (DocumentForm::Pack, Some(HARBOR_CONFIG_KEY)) => ["charts", PACK_CHART_KEY]
                .iter()
                .map(|s| (*s).to_owned())
                .chain(logical.iter().cloned())
                .collect(),
            _ => logical.to_vec(),
        };
        let exact = if at_key {
            self.source.key(&source_path)
        } else {
            self.source.value(&source_path)
        };
        exact.or_else(|| self.source.nearest(&source_path))
    }
}

/// serde_yaml's message without any quoted input (which could hold a secret).
fn syntax_message(error: &serde_yaml::Error) -> String {
    let text = error.to_string();
    // serde_yaml appends " at line L column C"; the position is reported separately.
    let text = text
        .split(" at line ")
        .next()
        .unwrap_or(text.as_str())
        .to_owned();
    if text.starts_with("repetition limit exceeded") {
        return "aliases expand beyond the limit (a YAML alias bomb is rejected); write the \
                parameters out without anchors"
            .to_owned();
    }
    if text.starts_with("recursion limit exceeded") {
        return "the document nests too deeply; parameters need fewer than 10 levels".to_owned();
    }
    if text.contains('`') || text.contains('"') {
        // Messages such as "invalid type: string \"…\"" quote input; keep the category only.
        text.split(':').next().unwrap_or("invalid YAML").to_owned()
    } else {
        text
    }
}

/// Rejects nesting deeper than `max_depth` before any parser recurses into it. Counts flow and
/// block nesting from indentation and brackets; cheap and linear in the input.
fn check_nesting(text: &str, max_depth: usize) -> Result<()> {
    let too_deep = |index: usize| Error::Syntax {
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
