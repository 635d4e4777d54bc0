//! Reading rendered YAML back with the project's YAML parser (yaml-rust2), from its events: one
//! pass, no tree of values built. [`Want`] says what a document must hold; [`check_yaml`] walks
//! the events against it; [`yaml_to_json`] gives a document's JSON form.
//!
//! Plain scalars resolve as YAML 1.2's core schema does (`null`, `true`, `12`, `1.5`, the rest
//! strings); a document may not use anchors, aliases or tags (harbor-edge's templates write
//! none, and each would let a document mean something its text does not show).

mod json;
mod walk;

use serde_json::Value as Json;
use yaml_rust2::scanner::ScanError;

pub(crate) use json::{check_json, yaml_to_json};
pub(crate) use walk::check_yaml;

/// What a node of a rendered document must be. Templates may add (labels, extra keys in a
/// [`Want::Map`]); they may not drop or change what harbor-edge put in.
pub(crate) enum Want {
    /// A scalar that resolves to this JSON scalar.
    Scalar(Json),
    /// A string holding these bytes, base64-encoded (Secret `data`).
    Base64(String),
    /// A mapping with at least these keys, each holding what its [`Want`] says.
    Map(Vec<(String, Want)>),
    /// A mapping with exactly these keys.
    ExactMap(Vec<(String, Want)>),
    /// A sequence of exactly these items.
    Seq(Vec<Want>),
    /// As a mapping entry: the key must not be there.
    Absent,
    /// As a mapping entry: the key is absent or `false`.
    AbsentOrFalse,
    /// Nothing meets it (a value that had no JSON form).
    Unmeetable,
    /// The inner want, with this message for any failure inside it. The message is shown to
    /// users: it never holds a secret.
    Explained(String, Box<Want>),
}

impl Want {
    /// A mapping that holds at least `expected`, scalars and sequences equal (items of
    /// sequences compared whole).
    pub(crate) fn contains(expected: &Json) -> Want {
        match expected {
            Json::Object(entries) => Want::Map(
                entries
                    .iter()
                    .map(|(key, value)| (key.clone(), Want::contains(value)))
                    .collect(),
            ),
            _ => Want::equal(expected),
        }
    }

    /// Exactly `expected`.
    pub(crate) fn equal(expected: &Json) -> Want {
        match expected {
            Json::Object(entries) => Want::ExactMap(
                entries
                    .iter()
                    .map(|(key, value)| (key.clone(), Want::equal(value)))
                    .collect(),
            ),
            Json::Array(items) => Want::Seq(items.iter().map(Want::equal).collect()),
            scalar => Want::Scalar(scalar.clone()),
        }
    }

    /// A string equal to `value`.
    pub(crate) fn text(value: impl Into<String>) -> Want {
        Want::Scalar(Json::String(value.into()))
    }

    /// This want, with `message` for any failure inside it.
    pub(crate) fn explained(self, message: impl Into<String>) -> Want {
        Want::Explained(message.into(), Box::new(self))
    }

    /// The want of `key` in a mapping want.
    fn entry(&self, key: &str) -> Option<&Want> {
        match self {
            Want::Map(entries) | Want::ExactMap(entries) => entries
                .iter()
                .find(|(wanted, _)| wanted == key)
                .map(|(_, want)| want),
            _ => None,
        }
    }
}

pub(super) fn syntax_error(error: &ScanError) -> String {
    // The parser's own text may quote the document, which can hold secrets: position only.
    let at = error.marker();
    format!(
        "not valid YAML near line {} column {}",
        at.line(),
        at.col() + 1
    )
}

pub(super) fn changed(path: String) -> String {
    if path.is_empty() {
        "the document drops or changes values harbor-edge computed".to_owned()
    } else {
        format!("the document drops or changes values harbor-edge computed (at `{path}`)")
    }
}

pub(super) fn no_json_form() -> String {
    "the document has no JSON form (a key that is not a string)".to_owned()
}

pub(super) fn unsupported() -> String {
    "the document uses an anchor, alias or tag, which harbor-edge's templates never write".into()
}
