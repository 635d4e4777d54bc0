//! The self-check (SPEC 6): every rendered document is parsed back and must be exactly one
//! document that is the object harbor-edge meant, holding the values it put in. A template
//! fault becomes an error naming the template, never a broken file.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize as _;
use serde_yaml::{Mapping, Value};

use super::Format;
use super::objects::{Expect, Planned};
use super::{CHART_NAME, CHART_REPO, CHART_VERSION};
use crate::error::{Error, Result};
use crate::model::HARBOR_NAMESPACE;

/// Characters that a YAML 1.1 parser takes as a line break and a YAML 1.2 parser as text
/// (and the byte order mark): output must hold them escaped, never raw.
const AMBIGUOUS: [char; 4] = ['\u{85}', '\u{2028}', '\u{2029}', '\u{FEFF}'];

/// Parses `text` and checks it against `planned`.
pub(crate) fn check(planned: &Planned, text: &str) -> Result<()> {
    let fail = |message: String| Error::SelfCheck {
        template: planned.template.to_owned(),
        object: planned.label(),
        message,
    };
    match planned.kind.format() {
        Format::Yaml => check_yaml(planned, text).map_err(fail),
        Format::Toml => check_toml(planned, text).map_err(fail),
        Format::Pem => check_pem(planned, text).map_err(fail),
    }
}

fn check_yaml(planned: &Planned, text: &str) -> std::result::Result<(), String> {
    // All four are outside ASCII: most documents (base64 Secrets) are ASCII and skip the scan.
    if let Some(c) = (!text.is_ascii())
        .then(|| text.chars().find(|c| AMBIGUOUS.contains(c)))
        .flatten()
    {
        return Err(format!(
            "the text holds a raw U+{:04X}, which YAML 1.1 and 1.2 parsers read differently",
            u32::from(c)
        ));
    }
    let document = single_document(text)?;
    if let Some(api_version) = planned.kind.api_version() {
        check_identity(planned, api_version, &document)?;
    }
    if !has_string_keys(&document) {
        return Err("the document has no JSON form (a key that is not a string)".to_owned());
    }
    match &planned.expect {
        Expect::Identity => {}
        Expect::Secret {
            secret_type,
            data,
            annotations,
        } => check_secret(&document, secret_type, data, annotations)?,
        Expect::HelmChart {
            values_yaml,
            values_secret,
        } => check_helmchart(&document, values_yaml, *values_secret)?,
        Expect::Contains { values } => {
            if !contains(&document, values) {
                return Err("the document drops or changes values harbor-edge computed".into());
            }
        }
        Expect::Pem { .. } => {
            return Err("a YAML object planned with a PEM expectation".into());
        }
    }
    Ok(())
}

/// Whether every mapping key is a string, so the document has a JSON form
/// ([`super::RenderedObject::json`]).
fn has_string_keys(value: &Value) -> bool {
    match value {
        Value::Mapping(mapping) => mapping
            .iter()
            .all(|(key, value)| key.is_string() && has_string_keys(value)),
        Value::Sequence(items) => items.iter().all(has_string_keys),
        Value::Tagged(tagged) => has_string_keys(&tagged.value),
        _ => true,
    }
}

fn check_toml(planned: &Planned, text: &str) -> std::result::Result<(), String> {
    // toml's message may quote the line; report the position only.
    let table: toml::Table = toml::from_str(text).map_err(|error| match error.span() {
        Some(span) => format!("not valid TOML at byte {}", span.start),
        None => "not valid TOML".to_owned(),
    })?;
    let document = serde_yaml::to_value(&table)
        .map_err(|_| "the TOML document has no YAML form".to_owned())?;
    match &planned.expect {
        Expect::Contains { values } if contains(&document, values) => Ok(()),
        Expect::Contains { .. } => {
            Err("the document drops or changes values harbor-edge computed".into())
        }
        _ => Err("a TOML object planned without a TOML expectation".into()),
    }
}

fn check_pem(planned: &Planned, text: &str) -> std::result::Result<(), String> {
    let Expect::Pem { text: expected } = &planned.expect else {
        return Err("a PEM object planned without a PEM expectation".into());
    };
    let blocks = |text: &str| {
        pem::parse_many(text).map(|blocks| {
            blocks
                .into_iter()
                .map(|block| (block.tag().to_owned(), block.into_contents()))
                .collect::<Vec<_>>()
        })
    };
    let rendered = blocks(text).map_err(|_| "not valid PEM".to_owned())?;
    let wanted = blocks(expected).map_err(|_| "the CA certificate is not valid PEM".to_owned())?;
    if rendered.is_empty() || rendered != wanted {
        return Err("the PEM text does not hold exactly the CA certificate".into());
    }
    Ok(())
}

/// The one document in `text`. The message names the position only: the parser's own text
/// may quote the document, which can hold secrets.
fn single_document(text: &str) -> std::result::Result<Value, String> {
    let mut documents = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        let parsed = Value::deserialize(document).map_err(|error| match error.location() {
            Some(at) => format!(
                "not valid YAML near line {} column {}",
                at.line(),
                at.column()
            ),
            None => "not valid YAML".to_owned(),
        })?;
        documents.push(parsed);
    }
    match documents.len() {
        1 => Ok(documents.pop().unwrap_or(Value::Null)),
        count => Err(format!(
            "{count} YAML documents where a template must render exactly one"
        )),
    }
}

fn check_identity(
    planned: &Planned,
    api_version: &str,
    document: &Value,
) -> std::result::Result<(), String> {
    let field = |path: &[&str]| string_at(document, path);
    expect_eq("apiVersion", field(&["apiVersion"]), Some(api_version))?;
    expect_eq("kind", field(&["kind"]), Some(planned.kind.as_str()))?;
    expect_eq(
        "metadata.name",
        field(&["metadata", "name"]),
        Some(&planned.name),
    )?;
    expect_eq(
        "metadata.namespace",
        field(&["metadata", "namespace"]),
        planned.namespace.as_deref(),
    )
}

fn check_secret(
    document: &Value,
    secret_type: &str,
    data: &[(&str, String)],
    annotations: &[(&str, String)],
) -> std::result::Result<(), String> {
    for (key, value) in annotations {
        let found = document
            .get("metadata")
            .and_then(|metadata| metadata.get("annotations"))
            .and_then(|annotations| annotations.get(*key))
            .and_then(Value::as_str);
        if found != Some(value.as_str()) {
            return Err(format!(
                "annotation `{key}` is missing or not what harbor-edge put there"
            ));
        }
    }
    expect_eq("type", string_at(document, &["type"]), Some(secret_type))?;
    if document.get("stringData").is_some() {
        return Err("`stringData` would override `data`; harbor-edge writes `data` only".into());
    }
    for (key, value) in data {
        let Some(encoded) = string_at(document, &["data", key]) else {
            return Err(format!("`data.{key}` is missing or not a string"));
        };
        let decoded = STANDARD
            .decode(encoded)
            .map_err(|_| format!("`data.{key}` is not base64"))?;
        if decoded != value.as_bytes() {
            return Err(format!(
                "`data.{key}` does not hold the value harbor-edge rendered into it"
            ));
        }
    }
    Ok(())
}

fn check_helmchart(
    document: &Value,
    values_yaml: &str,
    (secret_name, secret_key): (&str, &str),
) -> std::result::Result<(), String> {
    let spec = |key: &str| string_at(document, &["spec", key]);
    expect_eq("spec.repo", spec("repo"), Some(CHART_REPO))?;
    expect_eq("spec.chart", spec("chart"), Some(CHART_NAME))?;
    expect_eq("spec.version", spec("version"), Some(CHART_VERSION))?;
    expect_eq(
        "spec.targetNamespace",
        spec("targetNamespace"),
        Some(HARBOR_NAMESPACE),
    )?;
    if spec("valuesContent") != Some(values_yaml) {
        return Err("`spec.valuesContent` is not exactly the rendered values".into());
    }
    // The secret values must reach the chart: exactly one entry naming the Secret and its key
    // (the Helm controller ignores an entry without keys).
    let entries = document
        .get("spec")
        .and_then(|spec| spec.get("valuesSecrets"))
        .and_then(Value::as_sequence);
    let names_the_secret = |entry: &Value| {
        let keys = entry.get("keys").and_then(Value::as_sequence);
        string_at(entry, &["name"]) == Some(secret_name)
            && keys.is_some_and(|keys| {
                keys.len() == 1 && keys.first().and_then(Value::as_str) == Some(secret_key)
            })
            && entry
                .get("ignoreUpdates")
                .is_none_or(|value| value.as_bool() == Some(false))
    };
    match entries.map(Vec::as_slice) {
        Some([entry]) if names_the_secret(entry) => Ok(()),
        _ => Err(format!(
            "`spec.valuesSecrets` must be one entry naming Secret `{secret_name}` with keys              [`{secret_key}`]"
        )),
    }
}

/// Compares a field with what it must be. Identity fields hold no secrets, so the message may
/// name the expected value; it does not repeat the found one (a template may have put anything
/// there).
fn expect_eq(
    path: &str,
    found: Option<&str>,
    expected: Option<&str>,
) -> std::result::Result<(), String> {
    if found == expected {
        return Ok(());
    }
    Err(match expected {
        Some(expected) => format!("`{path}` must be the string `{expected}`"),
        None => format!("`{path}` must be absent"),
    })
}

fn string_at<'a>(document: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(document, |value, key| value.get(*key))?
        .as_str()
}

/// Whether `actual` holds everything in `expected`: equal scalars and sequences, and for
/// mappings every expected key with a value that contains the expected one.
fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Mapping(actual), Value::Mapping(expected)) => mapping_contains(actual, expected),
        _ => actual == expected,
    }
}

fn mapping_contains(actual: &Mapping, expected: &Mapping) -> bool {
    expected.iter().all(|(key, expected)| {
        actual
            .get(key)
            .is_some_and(|actual| contains(actual, expected))
    })
}
