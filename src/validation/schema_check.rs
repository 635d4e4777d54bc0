//! The schema check: the raw document against the embedded JSON schema, every error turned
//! into a [`Problem`] with a message and hint of ours (never the instance value, which may be a
//! secret), and the offending value removed so later steps do not report it again.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use super::suggest::closest;
use super::{Findings, dotted};
use crate::error::{Problem, ProblemKind};
use crate::model::config::ClusterUid;
use crate::schema;

/// What a parameter path holds, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Password,
    Pem,
    Port,
    NodePort,
    Size,
    ServiceType,
    ClusterUid,
    NodePortRange,
    Other,
}

impl Field {
    pub(crate) fn of(path: &[String]) -> Self {
        let last = path.last().map(String::as_str).unwrap_or_default();
        let parent = path
            .len()
            .checked_sub(2)
            .and_then(|i| path.get(i))
            .map(String::as_str)
            .unwrap_or_default();
        match (parent, last) {
            ("auth", "password") => Self::Password,
            ("certs", _) => Self::Pem,
            ("https" | "http", "port") => Self::Port,
            ("https" | "http", "nodePort") => Self::NodePort,
            ("storage", "storageClass") => Self::Other,
            ("storage", _) => Self::Size,
            ("service", "serviceType") => Self::ServiceType,
            ("cluster", "uid") => Self::ClusterUid,
            ("cluster", "nodePortRange") => Self::NodePortRange,
            _ => Self::Other,
        }
    }

    /// Secret values are never quoted in messages.
    fn is_secret(self) -> bool {
        matches!(self, Self::Password | Self::Pem)
    }
}

pub(crate) fn check(document: &mut Value, findings: &mut Findings<'_>) {
    let validator = schema::validator();
    let mut found: Vec<(Vec<String>, Problem, bool)> = Vec::new();
    for error in validator.iter_errors(document) {
        let path: Vec<String> = error
            .instance_path()
            .segments()
            .map(|segment| segment.to_string())
            .collect();
        let quotable = !findings.is_from_macro(&path);
        describe(error.kind(), &path, document, quotable, &mut found);
    }
    for (path, problem, at_key) in found {
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

fn problem(kind: ProblemKind, message: String, hint: Option<String>) -> Problem {
    Problem {
        kind,
        path: String::new(),
        position: None,
        message,
        hint,
    }
}

/// `quotable` is false for a value that came from a macro: its text is never shown.
fn describe(
    kind: &ValidationErrorKind,
    path: &[String],
    document: &Value,
    quotable: bool,
    out: &mut Vec<(Vec<String>, Problem, bool)>,
) {
    let field = Field::of(path);
    let value = document.pointer(&pointer(path));
    match kind {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let valid = schema::property_names(path);
            for key in unexpected {
                let mut key_path = path.to_vec();
                key_path.push(key.clone());
                let hint = match closest(key, &valid) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None if valid.is_empty() => "remove it".to_owned(),
                    None => format!(
                        "valid keys here: {}",
                        valid
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let where_ = if path.is_empty() {
                    "at the top of the document".to_owned()
                } else {
                    format!("under `{}`", dotted(path))
                };
                out.push((
                    key_path,
                    problem(
                        ProblemKind::UnknownKey,
                        format!("unknown key `{key}` {where_}"),
                        Some(hint),
                    ),
                    true,
                ));
            }
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(kind) => kind.to_string(),
                TypeKind::Multiple(kinds) => format!("{kinds:?}"),
            };
            out.push((
                path.to_vec(),
                typed_problem(
                    field,
                    value,
                    quotable,
                    &format!("expected {}", article(&expected)),
                ),
                false,
            ));
        }
        _ => out.push((
            path.to_vec(),
            typed_problem(field, value, quotable, ""),
            false,
        )),
    }
}

/// A problem about the value itself, worded for the field it sits in.
fn typed_problem(field: Field, value: Option<&Value>, quotable: bool, detail: &str) -> Problem {
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
    let type_error = !detail.is_empty();
    let (kind, message, hint) = match field {
        _ if type_error => (
            ProblemKind::WrongType,
            format!("{detail}, found {}", describe_kind(value)),
            Some(type_hint(field)),
        ),
        Field::Port => (
            ProblemKind::OutOfRange,
            format!("port {shown} is outside 1..65535"),
            Some("use a TCP port number from 1 to 65535".to_owned()),
        ),
        Field::NodePort => (
            ProblemKind::OutOfRange,
            format!("node port {shown} is outside 1..65535"),
            Some(
                "use a port inside the cluster's node-port range (default 30000-32767)".to_owned(),
            ),
        ),
        Field::Size => (
            ProblemKind::InvalidSize,
            format!("size {shown} is not a whole number of GB >= 1"),
            Some("write an integer such as 120, or a quantity such as \"120Gi\"".to_owned()),
        ),
        Field::Password => {
            let length = value
                .and_then(Value::as_str)
                .map_or(0, |s| s.chars().count());
            (
                ProblemKind::PasswordPolicy,
                format!("the admin password has {length} characters; Harbor needs 8 to 128"),
                Some(
                    "use 8 to 128 characters with an upper-case letter, a lower-case letter and \
                     a digit, or leave it out to have one generated"
                        .to_owned(),
                ),
            )
        }
        Field::ClusterUid => {
            let reason = value
                .filter(|_| quotable)
                .and_then(Value::as_str)
                .map(|uid| ClusterUid::new(uid).err().unwrap_or_default())
                .unwrap_or_default();
            (
                ProblemKind::InvalidClusterUid,
                format!("cluster uid {shown} {reason}"),
                Some(
                    "`cluster-<uid>` must be a namespace: lower-case letters, digits and `-`, \
                     starting and ending with a letter or digit, at most 55 characters"
                        .to_owned(),
                ),
            )
        }
        Field::NodePortRange => (
            ProblemKind::InvalidNodePortRange,
            format!("node-port range {shown} is not `<low>-<high>`"),
            Some(
                "write it as the API server's --service-node-port-range, e.g. 30000-32767"
                    .to_owned(),
            ),
        ),
        Field::Pem => (
            ProblemKind::OutOfRange,
            "is empty".to_owned(),
            Some("give the PEM text, or leave the key out".to_owned()),
        ),
        Field::ServiceType => {
            const TYPES: [&str; 3] = ["NodePort", "ClusterIP", "LoadBalancer"];
            let hint = value
                .and_then(Value::as_str)
                .and_then(|given| closest(given, &TYPES))
                .map_or_else(
                    || format!("use one of {}", TYPES.join(", ")),
                    |suggestion| format!("did you mean `{suggestion}`?"),
                );
            (
                ProblemKind::OutOfRange,
                format!("service type {shown} is not one of {}", TYPES.join(", ")),
                Some(hint),
            )
        }
        Field::Other => (
            ProblemKind::OutOfRange,
            format!("value {shown} is not allowed here"),
            None,
        ),
    };
    problem(kind, message, hint)
}

fn type_hint(field: Field) -> String {
    match field {
        Field::Size => "write an integer such as 120, or a quantity such as \"120Gi\"".into(),
        Field::Port | Field::NodePort => "write the port as a number, without quotes".into(),
        _ => "check the parameter table in the README".into(),
    }
}

fn describe_kind(value: Option<&Value>) -> &'static str {
    match value {
        Some(Value::String(_)) => "a string",
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
