//! What the reader reports as problems rather than a bare syntax error: keys written twice,
//! integers past 64 bits, and top-level keys that misspell a document form.

use super::{CHARTS_KEY, HARBOR_CONFIG_KEY, PACK_CHART_KEY, PACK_KEY};
use crate::collector::ProblemCollector;
use crate::diagnostic::{Diagnostic, DiagnosticKind, Position};
use crate::error::Error;
use crate::path::Path;
use crate::suggest::closest;
use crate::yaml::{DuplicateKey, Node};

/// The problems a person can fix at a known place that keep the document from being read as
/// meant (duplicate keys, oversized integers); `None` when there are none.
pub(super) fn read_problems(
    duplicates: &[DuplicateKey],
    oversized: &[(Vec<String>, Position)],
    root: &Node,
    max_problems: usize,
) -> Option<Error> {
    if duplicates.is_empty() && oversized.is_empty() {
        return None;
    }
    let logical = logical_paths(root);
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
    Some(Error::Invalid(problems.finish()))
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
fn logical_paths(root: &Node) -> impl Fn(&[String]) -> Vec<String> {
    let bare = root.get(HARBOR_CONFIG_KEY).is_some();
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
pub(super) fn misspelt_form_keys(root: &Node, max_problems: usize) -> Option<Error> {
    const FORM_KEYS: [&str; 3] = [HARBOR_CONFIG_KEY, CHARTS_KEY, PACK_KEY];
    let mut problems = ProblemCollector::new(max_problems);
    for (key_node, _) in root.as_mapping().unwrap_or_default() {
        let Some(key) = key_node.as_str() else {
            continue;
        };
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
                .at(key_node.position()),
            );
        }
    }
    (!problems.is_empty()).then(|| Error::Invalid(problems.finish()))
}
