//! The schema check: the raw document against the embedded JSON schema, every error turned
//! into a [`Diagnostic`] with a message and hint of ours (never the instance value, which may be a
//! secret), and the offending value removed so later steps do not report it again.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use super::{Findings, dotted};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::input::DocumentForm;
use crate::model::parameters::{Kind, Parameter, SERVICE_TYPES};
use crate::model::{AdminPassword, ClusterUid};
use crate::path::Path;
use crate::schema;
use crate::suggest::closest;

/// What a path holds, for messages: a declared parameter's kind, or a key of the pack wrapper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Declared(Kind),
    PackNamespace,
    Other,
}

impl Field {
    pub(crate) fn of(path: &[String]) -> Self {
        match Parameter::at(path) {
            Some(parameter) => Self::Declared(parameter.kind),
            None if path == ["pack", "namespace"] => Self::PackNamespace,
            None => Self::Other,
        }
    }

    /// Secret values are never quoted in messages.
    fn is_secret(self) -> bool {
        matches!(self, Self::Declared(kind) if kind.is_secret())
    }
}

/// One problem the schema check found, before it is recorded.
struct Found {
    path: Vec<String>,
    problem: Diagnostic,
    /// Positioned at the key (unknown keys) rather than the value.
    at_key: bool,
    /// For an unknown key: the path of the key it is probably a misspelling of.
    suggests: Option<Vec<String>>,
}

/// Checks the parameters and cluster context, in the bare shape whatever the input's form.
pub(crate) fn check(document: &mut Value, findings: &mut Findings<'_>) {
    check_form(DocumentForm::Bare, document, findings);
}

/// Checks what surrounds the parameters in pack values (`pack`, `charts` and any other key):
/// the parameters inside are an empty mapping here, so only the wrapper's own problems show.
pub(crate) fn check_pack_wrapper(wrapper: &mut Value, findings: &mut Findings<'_>) {
    check_form(DocumentForm::Pack, wrapper, findings);
}

fn check_form(form: DocumentForm, document: &mut Value, findings: &mut Findings<'_>) {
    let validator = schema::validator(form);
    let mut found: Vec<Found> = Vec::new();
    for error in validator.iter_errors(document) {
        let path: Vec<String> = error
            .instance_path()
            .segments()
            .map(|segment| segment.to_string())
            .collect();
        let quotable = !findings.is_from_macro(&path);
        describe(form, error.kind(), &path, document, quotable, &mut found);
    }
    // A missing key that an unknown key beside it probably misspells is said once, by the
    // unknown key's "did you mean".
    let suggested: Vec<Vec<String>> = found.iter().filter_map(|f| f.suggests.clone()).collect();
    found.retain(|f| f.problem.kind() != DiagnosticKind::Missing || !suggested.contains(&f.path));
    for Found {
        path,
        problem,
        at_key,
        ..
    } in found
    {
        // The value goes even when its path was reported before (a malformed macro in it):
        // left in place, it would reach the typed model in a shape the schema rejects.
        remove(document, &path);
        // One problem per path: `anyOf` can yield several errors for one value.
        if findings.is_reported(&path) {
            continue;
        }
        findings.problem(problem, &path, at_key);
    }
}

fn problem(kind: DiagnosticKind, message: String, hint: Option<String>) -> Diagnostic {
    Diagnostic::new(kind, Path::root(), message).with_hint_opt(hint)
}

/// `quotable` is false for a value that came from a macro: its text is never shown.
fn describe(
    form: DocumentForm,
    kind: &ValidationErrorKind,
    path: &[String],
    document: &Value,
    quotable: bool,
    out: &mut Vec<Found>,
) {
    let field = Field::of(path);
    let value = document.pointer(&pointer(path));
    let found = |path: Vec<String>, problem: Diagnostic| Found {
        path,
        problem,
        at_key: false,
        suggests: None,
    };
    match kind {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let valid = schema::property_names(form, path);
            for key in unexpected {
                let mut key_path = path.to_vec();
                key_path.push(key.clone());
                let suggestion = closest(key, &valid);
                let hint = match suggestion {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None if valid.is_empty() => "remove it".to_owned(),
                    None => format!("valid keys here: {}", quoted_list(&valid)),
                };
                let where_ = if path.is_empty() {
                    "at the top of the document".to_owned()
                } else {
                    format!("under `{}`", dotted(path))
                };
                out.push(Found {
                    path: key_path,
                    problem: problem(
                        DiagnosticKind::UnknownKey,
                        format!("unknown key `{key}` {where_}"),
                        Some(hint),
                    ),
                    at_key: true,
                    suggests: suggestion.map(|suggestion| {
                        let mut suggested = path.to_vec();
                        suggested.push(suggestion.to_owned());
                        suggested
                    }),
                });
            }
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default().to_owned();
            let mut missing = path.to_vec();
            missing.push(name.clone());
            let where_ = if path.is_empty() {
                "at the top of the document".to_owned()
            } else {
                format!("under `{}`", dotted(path))
            };
            out.push(found(
                missing,
                problem(
                    DiagnosticKind::Missing,
                    format!("`{name}` is missing {where_}"),
                    Some(
                        "pack values hold the parameters in `charts: harbor-edge-native-config: \
                         harbor-config:`"
                            .to_owned(),
                    ),
                ),
            ));
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(kind) => kind.to_string(),
                TypeKind::Multiple(kinds) => format!("{kinds:?}"),
            };
            // Said in YAML's words: a mapping, a list, a whole number.
            let wanted = match expected.as_str() {
                "object" => "a mapping".to_owned(),
                "array" => "a list".to_owned(),
                "integer" => "a whole number".to_owned(),
                other => article(other),
            };
            out.push(found(
                path.to_vec(),
                problem(
                    DiagnosticKind::WrongType,
                    format!("expected {wanted}, found {}", describe_kind(value)),
                    Some(type_hint(form, field, &expected, path, value, quotable)),
                ),
            ));
        }
        _ => out.push(found(path.to_vec(), refused(field, value, quotable))),
    }
}

fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A problem about the value itself, worded for the field it sits in: the one wording of a
/// refused value, whichever step refuses it (the schema check, or the typed model for what a
/// schema cannot say).
pub(super) fn refused(field: Field, value: Option<&Value>, quotable: bool) -> Diagnostic {
    let quotable = quotable && !field.is_secret();
    let shown = match value {
        Some(_) if !quotable && !field.is_secret() => "the macro's value".to_owned(),
        Some(Value::Number(n)) if quotable => format!("{n}"),
        Some(Value::String(s)) if quotable && s.chars().count() <= 80 => {
            format!("{s:?}")
        }
        Some(Value::String(_)) => "a string".to_owned(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Array(_)) => "a list".to_owned(),
        Some(Value::Object(_)) => "a mapping".to_owned(),
        _ => "this value".to_owned(),
    };
    let kind = match field {
        Field::Declared(kind) => kind,
        Field::PackNamespace => {
            return problem(
                DiagnosticKind::PackNamespace,
                format!("the pack namespace {shown} is not `harbor`"),
                Some(
                    "the pack's objects (the chart, its Secrets, the HelmChart's target) live in \
                     the fixed namespace `harbor` that the pack documentation names, so no other \
                     namespace is honoured: write `namespace: harbor` or leave it out"
                        .to_owned(),
                ),
            );
        }
        Field::Other => {
            return problem(
                DiagnosticKind::OutOfRange,
                format!("value {shown} is not allowed here"),
                None,
            );
        }
    };
    let hint = Some(kind.hint().to_owned());
    let (diagnostic, message, hint) = match kind {
        Kind::Port => (
            DiagnosticKind::OutOfRange,
            format!("port {shown} is outside 1..65535"),
            hint,
        ),
        Kind::NodePort => (
            DiagnosticKind::OutOfRange,
            format!("node port {shown} is outside 1..65535"),
            hint,
        ),
        Kind::Size => (
            DiagnosticKind::InvalidSize,
            format!(
                "size {shown} is not a whole number of GB from 1 to {}",
                u32::MAX
            ),
            hint,
        ),
        Kind::Password => {
            // Every rule the password breaks, not only the length the schema checks.
            let broken = value
                .and_then(Value::as_str)
                .and_then(|text| AdminPassword::check(text).err());
            let message = match broken {
                Some(broken) => format!("the admin password {broken}"),
                None => "the admin password does not meet Harbor's policy".to_owned(),
            };
            (DiagnosticKind::PasswordPolicy, message, hint)
        }
        Kind::ClusterUid => {
            let reason = value
                .filter(|_| quotable)
                .and_then(Value::as_str)
                .map(|uid| ClusterUid::new(uid).err().unwrap_or_default())
                .unwrap_or_default();
            let message = if quotable {
                format!("cluster uid {shown} {reason}")
            } else {
                "the cluster uid the macro gives is not a valid namespace part".to_owned()
            };
            (DiagnosticKind::InvalidClusterUid, message, hint)
        }
        Kind::NodePortRange => (
            DiagnosticKind::InvalidNodePortRange,
            format!("node-port range {shown} is not `<low>-<high>` with 1 <= low <= high <= 65535"),
            hint,
        ),
        Kind::IpAddress | Kind::IpList => (
            DiagnosticKind::InvalidIpAddress,
            format!("{shown} is not an IPv4 or IPv6 address"),
            hint,
        ),
        Kind::Pem => (DiagnosticKind::OutOfRange, "is empty".to_owned(), hint),
        Kind::ServiceType => {
            let suggestion = value
                .and_then(Value::as_str)
                .and_then(|given| closest(given, &SERVICE_TYPES))
                .map(|suggestion| format!("did you mean `{suggestion}`?"));
            (
                DiagnosticKind::OutOfRange,
                format!(
                    "service type {shown} is not one of {}",
                    SERVICE_TYPES.join(", ")
                ),
                suggestion.or(hint),
            )
        }
        Kind::StorageClass => (
            DiagnosticKind::OutOfRange,
            "the storage class is empty".to_owned(),
            hint,
        ),
        Kind::Flag => (
            DiagnosticKind::WrongType,
            format!("{shown} is not `true` or `false`"),
            hint,
        ),
    };
    problem(diagnostic, message, hint)
}

/// What to write instead of a value of the wrong type, for the type the schema expects.
fn type_hint(
    form: DocumentForm,
    field: Field,
    expected: &str,
    path: &[String],
    value: Option<&Value>,
    quotable: bool,
) -> String {
    let key = path.last().map(String::as_str).unwrap_or("the key");
    match expected {
        "boolean" => match value.and_then(Value::as_str) {
            Some(text) if quotable && is_yaml11_boolean(text) => {
                format!("`{text}` is a string in YAML 1.2, not a boolean: write `true` or `false`")
            }
            _ => "write `true` or `false`, without quotes".to_owned(),
        },
        "integer" => {
            let example = match field {
                Field::Declared(kind) => kind.example_integer(),
                _ => Kind::Size.example_integer(),
            };
            match value {
                Some(Value::Number(_)) => format!("write a whole number such as {example}"),
                _ => format!("write a whole number without quotes, such as {example}"),
            }
        }
        "string" => match field {
            Field::Declared(Kind::Password) => {
                "put the password in quotes so YAML reads it as text: `password: \"...\"`"
                    .to_owned()
            }
            _ => format!("put the value in quotes so YAML reads it as text: `{key}: \"...\"`"),
        },
        "object" => {
            let keys = schema::property_names(form, path);
            if keys.is_empty() {
                format!("write `{key}` as a mapping")
            } else {
                format!(
                    "write `{key}` as a mapping, its keys indented below it: {}",
                    quoted_list(&keys)
                )
            }
        }
        "array" => format!("write a list, e.g. `{key}: [10.10.1.6, 10.10.1.7]`"),
        _ => format!("write {} here", article(expected)),
    }
}

/// The words YAML 1.1 read as booleans and YAML 1.2 (and so this reader) reads as strings.
/// (A quoted `"true"` gets the plain "without quotes" hint.)
fn is_yaml11_boolean(text: &str) -> bool {
    matches!(
        text.to_ascii_lowercase().as_str(),
        "yes" | "no" | "on" | "off" | "y" | "n"
    )
}

fn describe_kind(value: Option<&Value>) -> &'static str {
    match value {
        Some(Value::String(_)) => "a string",
        Some(Value::Number(n)) if n.is_f64() => "a number with a fraction",
        Some(Value::Number(_)) => "a number",
        Some(Value::Bool(_)) => "a boolean",
        Some(Value::Array(_)) => "a list",
        Some(Value::Object(_)) => "a mapping",
        Some(Value::Null) | None => "nothing",
    }
}

fn article(kind: &str) -> String {
    match kind.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {kind}"),
        _ => format!("a {kind}"),
    }
}

fn pointer(path: &[String]) -> String {
    path.iter()
        .map(|segment| format!("/{}", segment.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// Removes the value at `path` from the document.
fn remove(document: &mut Value, path: &[String]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    match document.pointer_mut(&pointer(parent)) {
        Some(Value::Object(object)) => {
            object.remove(last);
        }
        Some(Value::Array(_)) => {
            // Typed lists do not take holes: drop the whole list (its item was reported).
            remove(document, parent);
        }
        _ => {}
    }
}
