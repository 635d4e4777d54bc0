//! What the reader reports as problems rather than a bare syntax error: what `serde_yaml`
//! refuses without saying where (duplicate keys, integers past 64 bits), and top-level keys
//! that misspell a document form.

use serde_yaml::{Mapping, Value};

use super::{CHARTS_KEY, HARBOR_CONFIG_KEY, PACK_CHART_KEY, PACK_KEY, SourceMap};
use crate::collector::ProblemCollector;
use crate::diagnostic::{Diagnostic, DiagnosticKind, Position};
use crate::error::Error;
use crate::path::Path;
use crate::suggest::closest;

/// The error for a text `serde_yaml` refuses: a limit, the problems a person can fix at a
/// known place (duplicate keys, oversized integers), or else the parser's message without any
/// quoted input (which could hold a secret).
pub(super) fn parse_error(error: &serde_yaml::Error, text: &str, max_problems: usize) -> Error {
    let position = error.location().map(|location| Position {
        line: location.line(),
        column: location.column(),
    });
    let full = error.to_string();
    // serde_yaml appends " at line L column C"; the position is reported separately.
    let full = full.split(" at line ").next().unwrap_or(full.as_str());
    if full.contains("repetition limit exceeded") {
        return Error::Limit {
            message: "aliases expand beyond the limit (a YAML alias bomb is rejected); write \
                      the parameters out without anchors"
                .to_owned(),
            position,
        };
    }
    if full.contains("recursion limit exceeded") {
        return Error::Limit {
            message: "the document nests too deeply; parameters need fewer than 10 levels"
                .to_owned(),
            position,
        };
    }
    let source = SourceMap::index(text);
    let duplicates = source.duplicate_keys();
    let oversized = source.oversized_integers();
    if !duplicates.is_empty() || !oversized.is_empty() {
        let logical = logical_paths(&source);
        let mut problems = ProblemCollector::new(max_problems);
        for duplicate in duplicates {
            let path = logical(&duplicate.path);
            let key = duplicate
                .path
                .last()
                .map(String::as_str)
                .unwrap_or_default();
            let parent = &path[..path.len().saturating_sub(1)];
            let within = if parent.is_empty() {
                "at the top of the document".to_owned()
            } else {
                format!("in `{}`", parent.join("."))
            };
            problems.push(
                Diagnostic::new(
                    DiagnosticKind::DuplicateKey,
                    Path::of_keys(&path),
                    format!("duplicate key `{key}` {within}"),
                )
                .with_hint(format!(
                    "`{key}` is already written at line {}; a key may appear once per mapping: \
                     keep one of them",
                    duplicate.first
                ))
                .at(Some(duplicate.position)),
            );
        }
        for (path, position) in oversized {
            problems.push(oversized_integer(
                Path::of_keys(&logical(path)),
                Some(*position),
            ));
        }
        return Error::Invalid(problems.finish());
    }
    let category = if full.contains('`') || full.contains('"') {
        // Messages such as "invalid type: string \"…\"" quote input; keep the category only.
        full.split(':').next().unwrap_or("invalid YAML")
    } else {
        full
    };
    Error::Syntax {
        message: category.to_owned(),
        position,
    }
}

/// The problem for a whole number that fits no 64-bit integer (the value is not quoted).
pub(crate) fn oversized_integer(path: Path, position: Option<Position>) -> Diagnostic {
    Diagnostic::new(
        DiagnosticKind::OutOfRange,
        path,
        "the number is out of range: it does not fit a 64-bit integer",
    )
    .with_hint("ports are 1 to 65535 and sizes are whole GB such as 120: look for extra digits")
    .at(position)
}

/// Maps a source path to the path problems name: in pack values, the parameters'
/// `charts.harbor-edge-native-config.harbor-config.…` becomes `harbor-config.…`, as everywhere
/// else.
fn logical_paths(source: &SourceMap) -> impl Fn(&[String]) -> Vec<String> + '_ {
    let bare = source.key(&[HARBOR_CONFIG_KEY.to_owned()]).is_some();
    move |path: &[String]| {
        let wrapped = [CHARTS_KEY, PACK_CHART_KEY, HARBOR_CONFIG_KEY];
        let in_parameters = path.len() >= 3 && path.iter().zip(wrapped).all(|(a, b)| a == b);
        if !bare && in_parameters {
            path[2..].to_vec()
        } else {
            path.to_vec()
        }
    }
}

/// When the document has neither form, the top-level keys that look like a misspelling of one
/// (`harbor_config`, `chart`), as problems with a suggestion; `None` when none does.
pub(super) fn misspelt_form_keys(
    root: &Mapping,
    source: &SourceMap,
    max_problems: usize,
) -> Option<Error> {
    const FORM_KEYS: [&str; 3] = [HARBOR_CONFIG_KEY, CHARTS_KEY, PACK_KEY];
    let mut problems = ProblemCollector::new(max_problems);
    for key in root.keys().filter_map(Value::as_str) {
        if let Some(suggestion) = closest(key, &FORM_KEYS) {
            problems.push(
                Diagnostic::new(
                    DiagnosticKind::UnknownKey,
                    Path::root().key(key),
                    format!("unknown key `{key}` at the top of the document"),
                )
                .with_hint(format!(
                    "did you mean `{suggestion}`? The document needs `harbor-config:` at the \
                     top, or pack values with `charts: harbor-edge-native-config:`"
                ))
                .at(source.key(&[key.to_owned()])),
            );
        }
    }
    (!problems.is_empty()).then(|| Error::Invalid(problems.finish()))
}
