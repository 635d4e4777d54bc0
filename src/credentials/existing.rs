//! Secrets rendered or deployed before, read back so their credentials are reused (SPEC 4).

use std::collections::BTreeMap;

use base64::Engine as _;
use zeroize::Zeroizing;

use crate::diagnostic::Position;
use crate::error::{CredentialErrorKind, Error, Result};
use crate::path::Path;
use crate::secret::SecretString;
use crate::yaml::{Node, ReadLimits, Reader, stream_parts};

/// Largest accepted text, bytes: `kubectl get secrets -A -o yaml` of a busy cluster fits.
const MAX_BYTES: usize = 16 * 1024 * 1024;

/// The name of a source read with [`ExistingSecrets::from_yaml_str`].
const STREAM_NAME: &str = "existing secrets";

/// The first key of every path into existing secrets: `secrets["harbor/harbor-tls"]` is a
/// Secret, `secrets["harbor/harbor-tls"].data["tls.crt"]` one of its values (from `data` or
/// `stringData`).
pub(crate) const SECRETS: &str = "secrets";

/// Deepest nesting read: a `List` of Secrets needs 4 levels.
const MAX_DEPTH: usize = 64;

/// How many documents a source remembers for the warning that names what it held.
const REMEMBERED: usize = 12;

/// Kubernetes Secrets read from a YAML stream, as `kubectl get secret -o yaml` prints them
/// (one Secret, or a `kind: List` with `items`) or as harbor-edge writes them. Documents of
/// other kinds (namespaces, the `HelmChart`) are skipped, so a whole bundle can be fed back:
/// each is read only as far as its `kind` and `metadata`, the rest is not parsed.
///
/// Values come from `data` (base64) and `stringData` (plain text; it wins, as in the API
/// server). Every value is held as a [`SecretString`]; `Debug` shows names only.
///
/// Several sources can be read into one set ([`ExistingSecrets::add_yaml_str`],
/// [`ExistingSecrets::extend`]): an earlier render in an output folder (see
/// [`crate::output::read_existing_secrets`]), then the Secrets of the cluster; a later Secret of
/// the same name and namespace wins. A source that
/// holds none of the Secrets harbor-edge reads earns a warning naming what it held
/// ([`crate::DiagnosticKind::ExistingUnused`]).
///
/// ```
/// use harbor_edge::ExistingSecrets;
///
/// let secrets = ExistingSecrets::from_yaml_str(
///     "apiVersion: v1\nkind: Secret\nmetadata: {name: harbor-admin-password, namespace: harbor}\n\
///      data: {HARBOR_ADMIN_PASSWORD: SGFyYm9yMTIzNDU=}\n",
/// )?;
/// assert_eq!(secrets.len(), 1);
/// # Ok::<(), harbor_edge::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExistingSecrets {
    secrets: Vec<ExistingSecret>,
    sources: Vec<Source>,
}

/// One text read: its name and what it held, for the warning when it yields nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    pub(crate) name: String,
    /// `Secret harbor/harbor-tls`, `ConfigMap default/x`, `a document without a kind`: the
    /// first [`REMEMBERED`].
    pub(crate) documents: Vec<String>,
    /// How many documents it held in all.
    pub(crate) count: usize,
}

/// One Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExistingSecret {
    /// Index into [`ExistingSecrets::sources`].
    pub(crate) source: usize,
    pub(crate) namespace: Option<String>,
    pub(crate) name: String,
    pub(crate) values: BTreeMap<String, SecretString>,
    /// `metadata.annotations` with string values (never secret).
    pub(crate) annotations: BTreeMap<String, String>,
}

impl ExistingSecret {
    /// The value of `key`, if present.
    pub(crate) fn value(&self, key: &str) -> Option<&SecretString> {
        self.values.get(key)
    }

    /// The annotation `key`, if present.
    pub(crate) fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key).map(String::as_str)
    }

    /// How error paths name one key of this Secret:
    /// `secrets["harbor/harbor-tls"].data["tls.crt"]`.
    pub(crate) fn path(&self, key: &str) -> String {
        secret_path(self.namespace.as_deref(), &self.name, key)
    }
}

/// `secrets["<namespace>/<name>"]`, or `secrets["<name>"]` without a namespace.
pub(crate) fn secret_place(namespace: Option<&str>, name: &str) -> Path {
    let object = match namespace {
        Some(namespace) => format!("{namespace}/{name}"),
        None => name.to_owned(),
    };
    Path::root().key(SECRETS).key(object)
}

/// The path of the value `key` of a Secret: `secrets["harbor/harbor-tls"].data["tls.crt"]`.
fn secret_path(namespace: Option<&str>, name: &str, key: &str) -> String {
    secret_place(namespace, name)
        .key("data")
        .key(key)
        .to_string()
}

/// The path of a Secret's field (`data`, `stringData`).
fn field_path(namespace: Option<&str>, name: &str, field: &str) -> String {
    secret_place(namespace, name).key(field).to_string()
}

impl ExistingSecrets {
    /// No secrets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a YAML stream of Secrets. Errors name the document, Secret and key, never a value.
    pub fn from_yaml_str(text: &str) -> Result<Self> {
        let mut secrets = Self::new();
        secrets.add_yaml_str(text, STREAM_NAME)?;
        Ok(secrets)
    }

    /// Reads one more YAML stream, named `source` in errors and warnings (e.g.
    /// `--existing cluster.yaml`). Its Secrets come after those read before, so they win.
    pub fn add_yaml_str(&mut self, text: &str, source: &str) -> Result<()> {
        let at = |message: String| invalid(SECRETS, format!("{source}: {message}"));
        if text.len() > MAX_BYTES {
            return Err(Error::Limit {
                message: format!(
                    "{source} has {} bytes; the limit is {MAX_BYTES}",
                    text.len()
                ),
                position: None,
            });
        }
        self.sources.push(Source {
            name: source.to_owned(),
            documents: Vec::new(),
            count: 0,
        });
        // Each document is read on its own, and one that is plainly no Secret only as far as
        // its kind and metadata: the rest of a large ConfigMap or HelmChart is not parsed.
        let mut index = 0;
        for (lines_before, part) in stream_parts(text) {
            let at_line = |position: Position| Position {
                line: position.line + lines_before,
                ..position
            };
            // A part holds one document unless `...` ends one without a `---` after it.
            let single = !part.lines().any(|line| line.starts_with("..."));
            let mut reader = Reader::new(part, ReadLimits::for_text(part, MAX_DEPTH));
            loop {
                let next = if single {
                    reader.next_document_until(names_another_kind)
                } else {
                    reader.next_document()
                };
                // The reader's message never quotes the text.
                let document = next.map_err(|error| {
                    at(format!(
                        "document {} is not valid YAML at line {} ({})",
                        index + 1,
                        at_line(error.position()),
                        error.message()
                    ))
                })?;
                let Some(mut document) = document else {
                    break;
                };
                index += 1;
                if let Some(duplicate) = document.duplicate_keys.first() {
                    // Which of two values the API server would keep is not for harbor-edge to
                    // guess; key names are not secret.
                    document.root.wipe();
                    return Err(at(format!(
                        "document {index} writes `{}` twice (at line {}, first at line {})",
                        duplicate.path.join("."),
                        at_line(duplicate.position),
                        at_line(duplicate.first)
                    )));
                }
                let added = self.add_document(&document.root, index);
                document.root.wipe();
                added?;
            }
        }
        Ok(())
    }

    /// Adds every Secret and source of `other` after those of `self`.
    pub fn extend(&mut self, other: ExistingSecrets) {
        let offset = self.sources.len();
        self.sources.extend(other.sources);
        self.secrets
            .extend(other.secrets.into_iter().map(|secret| ExistingSecret {
                source: secret.source + offset,
                ..secret
            }));
    }

    /// The sources read, in order.
    pub(crate) fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The Secrets of source `index`.
    pub(crate) fn of_source(&self, index: usize) -> impl Iterator<Item = &ExistingSecret> {
        self.secrets
            .iter()
            .filter(move |secret| secret.source == index)
    }

    fn remember(&mut self, what: String) {
        if let Some(source) = self.sources.last_mut() {
            source.count += 1;
            if source.documents.len() < REMEMBERED {
                source.documents.push(what);
            }
        }
    }

    /// Number of Secrets read.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `(namespace, name)` of every Secret, in input order.
    pub fn names(&self) -> impl Iterator<Item = (Option<&str>, &str)> {
        self.secrets
            .iter()
            .map(|secret| (secret.namespace.as_deref(), secret.name.as_str()))
    }

    /// The Secret `name` in `namespace`; a Secret without a namespace matches any.
    pub(crate) fn get(&self, namespace: &str, name: &str) -> Option<&ExistingSecret> {
        // Later documents win, as they would with `kubectl apply`.
        self.secrets.iter().rev().find(|secret| {
            secret.name == name && secret.namespace.as_deref().is_none_or(|ns| ns == namespace)
        })
    }

    /// Every Secret named `name`, whatever its namespace, later ones first.
    pub(crate) fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a ExistingSecret> {
        self.secrets
            .iter()
            .rev()
            .filter(move |secret| secret.name == name)
    }

    fn add_document(&mut self, value: &Node, document: usize) -> Result<()> {
        if value.is_null() {
            return Ok(());
        }
        let Some(kind) = value.get("kind").and_then(Node::as_str) else {
            // Documents without a kind are not Secrets (a values file, say).
            self.remember("a document without a kind (not a Kubernetes object)".to_owned());
            return Ok(());
        };
        match kind {
            "Secret" => self.add_secret(value, document),
            "List" | "SecretList" => {
                let items = value.get("items").and_then(Node::as_sequence);
                for item in items.into_iter().flatten() {
                    match item.get("kind").and_then(Node::as_str) {
                        Some("Secret") => self.add_secret(item, document)?,
                        other => self.remember(describe(item, other.unwrap_or("object"))),
                    }
                }
                Ok(())
            }
            other => {
                self.remember(describe(value, other));
                Ok(())
            }
        }
    }

    fn add_secret(&mut self, value: &Node, document: usize) -> Result<()> {
        let metadata = value.get("metadata");
        let name = metadata
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            .ok_or_else(|| {
                invalid(
                    SECRETS,
                    format!("document {document} holds a Secret without metadata.name"),
                )
            })?;
        let namespace = metadata
            .and_then(|m| m.get("namespace"))
            .and_then(Node::as_str);
        let annotations = metadata
            .and_then(|m| m.get("annotations"))
            .and_then(Node::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(key, value)| Some((key.as_str()?.to_owned(), value.as_str()?.to_owned())))
            .collect();
        let mut values = BTreeMap::new();
        for (key, encoded) in entries(value.get("data"), namespace, name, "data")? {
            let path = secret_path(namespace, name, &key);
            let text = encoded.ok_or_else(|| invalid(&path, "is not a string in `data`"))?;
            values.insert(key, decode_base64(text, &path)?);
        }
        for (key, text) in entries(value.get("stringData"), namespace, name, "stringData")? {
            let path = secret_path(namespace, name, &key);
            let text = text.ok_or_else(|| invalid(&path, "is not a string in `stringData`"))?;
            values.insert(key, SecretString::new(text));
        }
        self.remember(describe(value, "Secret"));
        self.secrets.push(ExistingSecret {
            source: self.sources.len().saturating_sub(1),
            namespace: namespace.map(str::to_owned),
            name: name.to_owned(),
            values,
            annotations,
        });
        Ok(())
    }
}

/// Whether the top-level entries read so far show an object that holds no Secret (a `kind`
/// other than `Secret` or a list) and describe it (`metadata`): the rest need not be read.
fn names_another_kind(entries: &[(Node, Node)]) -> bool {
    let field = |name| {
        entries
            .iter()
            .rev()
            .find(|(key, _)| key.as_str() == Some(name))
            .map(|(_, value)| value)
    };
    let other_kind = field("kind")
        .and_then(Node::as_str)
        .is_some_and(|kind| !matches!(kind, "Secret" | "List" | "SecretList"));
    other_kind && field("metadata").is_some()
}

/// `Kind namespace/name` of an object, for the warning that names what a source held. Names
/// are never secret.
fn describe(value: &Node, kind: &str) -> String {
    let metadata = value.get("metadata");
    let field = |name| {
        metadata
            .and_then(|m| m.get(name))
            .and_then(Node::as_str)
            .map(|text| text.chars().take(63).collect::<String>())
    };
    let kind: String = kind.chars().take(40).collect();
    match (field("namespace"), field("name")) {
        (Some(namespace), Some(name)) => format!("{kind} {namespace}/{name}"),
        (None, Some(name)) => format!("{kind} {name}"),
        _ => kind,
    }
}

/// The `(key, string value)` pairs of a `data` or `stringData` mapping; a null value reads as
/// empty, any other non-string as `None`.
fn entries<'a>(
    field: Option<&'a Node>,
    namespace: Option<&str>,
    name: &str,
    field_name: &str,
) -> Result<Vec<(String, Option<&'a str>)>> {
    let Some(field) = field.filter(|field| !field.is_null()) else {
        return Ok(Vec::new());
    };
    let mapping = field.as_mapping().ok_or_else(|| {
        invalid(
            field_path(namespace, name, field_name),
            format!("`{field_name}` is not a mapping"),
        )
    })?;
    mapping
        .iter()
        .map(|(key, value)| {
            let key = key.as_str().ok_or_else(|| {
                invalid(
                    field_path(namespace, name, field_name),
                    format!("`{field_name}` has a key that is not a string"),
                )
            })?;
            let value = if value.is_null() {
                Some("")
            } else {
                value.as_str()
            };
            Ok((key.to_owned(), value))
        })
        .collect()
}

/// Decodes base64 (line breaks and spaces allowed, as some tools wrap long values) into text.
fn decode_base64(text: &str, path: &str) -> Result<SecretString> {
    // Most values come in one piece: only wrapped ones are copied without their whitespace.
    let compact: Zeroizing<String>;
    let input = if text.bytes().any(|b| b.is_ascii_whitespace()) {
        compact = Zeroizing::new(text.chars().filter(|c| !c.is_ascii_whitespace()).collect());
        compact.as_str()
    } else {
        text
    };
    let bytes = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(input.as_bytes())
            .map_err(|_| invalid(path, "is not valid base64 in `data`"))?,
    );
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| invalid(path, "is not UTF-8 text after base64 decoding"))?;
    Ok(SecretString::new(text))
}

fn invalid(path: impl Into<String>, message: impl Into<String>) -> Error {
    Error::credentials(CredentialErrorKind::InvalidExistingSecret, path, message)
}
