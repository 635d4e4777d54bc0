//! Palette macros (SPEC 2.4): `{{.spectro.macro.NAME}}` from the project, tenant and system
//! scopes (in that precedence), and system variables such as `{{.spectro.system.cluster.uid}}`.
//!
//! Macros are replaced inside string values after YAML parsing, never in the raw text, so a
//! value holding quotes, newlines or `---` stays one string and cannot change the document's
//! structure. Text in braces that is not a `.spectro.` reference is left as it is.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diagnostic::{Diagnostic, DiagnosticKind, Position};
use crate::path::Path;
use crate::secret::SecretString;
use crate::yaml::{self, ReadLimits};

/// Deepest nesting read from a macros file (it needs 2 levels).
const MAX_DEPTH: usize = 64;

/// Macro values from every scope. Values are secrets: they never appear in errors or `Debug`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Macros {
    /// Project-scope macros (highest precedence).
    #[serde(default)]
    pub project: BTreeMap<String, SecretString>,
    /// Tenant-scope macros.
    #[serde(default)]
    pub tenant: BTreeMap<String, SecretString>,
    /// System-scope macros (lowest precedence).
    #[serde(default)]
    pub system: BTreeMap<String, SecretString>,
    /// System variables, `{{.spectro.system.NAME}}`, e.g. `cluster.uid`, `cluster.kubevip`.
    #[serde(default)]
    pub variables: BTreeMap<String, SecretString>,
}

/// Where a user macro was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacroScope {
    /// Project scope.
    Project,
    /// Tenant scope.
    Tenant,
    /// System scope.
    System,
}

impl Macros {
    /// No macros at all.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a macros file: a YAML mapping with optional `project`, `tenant`, `system` and
    /// `variables` mappings of name to value.
    pub fn from_yaml_str(text: &str) -> crate::Result<Self> {
        let syntax = |message: String, position| crate::Error::Syntax {
            message: format!("macros file: {message}"),
            position: Some(position),
        };
        let limits = ReadLimits::for_text(text, MAX_DEPTH);
        let mut document = yaml::read_one(text, limits)
            .map_err(|error| syntax(error.message(), error.position()))?;
        let macros = match document.duplicate_keys.first() {
            // Names are not secret; values are never quoted.
            Some(duplicate) => Err(syntax(
                format!(
                    "`{}` is written twice (first at line {})",
                    duplicate.path.join("."),
                    duplicate.first
                ),
                duplicate.position,
            )),
            // serde's message may quote a value: keep only the position.
            None => yaml::from_node(&document.root).map_err(|error| {
                syntax(
                    "expected mappings `project`, `tenant`, `system`, `variables` of name to \
                     string"
                        .to_owned(),
                    error.position().unwrap_or(Position { line: 1, column: 1 }),
                )
            }),
        };
        document.root.wipe();
        macros
    }

    /// Adds a macro to a scope.
    pub fn insert(
        &mut self,
        scope: MacroScope,
        name: impl Into<String>,
        value: impl Into<SecretString>,
    ) {
        let map = match scope {
            MacroScope::Project => &mut self.project,
            MacroScope::Tenant => &mut self.tenant,
            MacroScope::System => &mut self.system,
        };
        map.insert(name.into(), value.into());
    }

    /// Adds a system variable, e.g. `cluster.uid`.
    pub fn insert_variable(&mut self, name: impl Into<String>, value: impl Into<SecretString>) {
        self.variables.insert(name.into(), value.into());
    }

    /// The value of `{{.spectro.macro.NAME}}`: project, then tenant, then system.
    pub fn lookup_macro(&self, name: &str) -> Option<&SecretString> {
        self.project
            .get(name)
            .or_else(|| self.tenant.get(name))
            .or_else(|| self.system.get(name))
    }

    /// The value of `{{.spectro.system.NAME}}`.
    pub fn lookup_variable(&self, name: &str) -> Option<&SecretString> {
        self.variables.get(name)
    }
}

/// A macro reference found in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reference<'a> {
    Macro(&'a str),
    Variable(&'a str),
}

/// One piece of a string: literal text or a macro reference.
enum Piece<'a> {
    Text(&'a str),
    Reference(Reference<'a>),
    /// `{{ .spectro.… }}` that is not a well-formed reference.
    Malformed(&'a str),
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Splits `text` into literal pieces and macro references.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(close_rel) = rest[open + 2..].find("}}") else {
            break;
        };
        let close = open + 2 + close_rel;
        let inner = rest[open + 2..close].trim();
        let reference = if let Some(name) = inner.strip_prefix(".spectro.macro.") {
            Some(Reference::Macro(name))
        } else {
            inner
                .strip_prefix(".spectro.system.")
                .map(Reference::Variable)
        };
        match reference {
            Some(Reference::Macro(name) | Reference::Variable(name))
                if !name.is_empty() && name.chars().all(is_name_char) =>
            {
                if open > 0 {
                    out.push(Piece::Text(&rest[..open]));
                }
                out.push(Piece::Reference(reference.expect("matched Some")));
            }
            _ if inner.starts_with(".spectro.") => {
                if open > 0 {
                    out.push(Piece::Text(&rest[..open]));
                }
                out.push(Piece::Malformed(&rest[open..close + 2]));
            }
            _ => {
                // Not a macro: keep the braces as literal text.
                out.push(Piece::Text(&rest[..close + 2]));
            }
        }
        rest = &rest[close + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// The result of resolving one string.
pub(crate) enum Resolution {
    /// No macro inside.
    Unchanged,
    /// Replaced; `whole` is true when the string was one macro and nothing else.
    Replaced { value: String, whole: bool },
}

/// Resolves the macros in one string value found at `path`; problems go to `problems`.
pub(crate) fn resolve_string(
    text: &str,
    path: &str,
    macros: &Macros,
    problems: &mut Vec<Diagnostic>,
) -> Resolution {
    if !text.contains("{{") {
        return Resolution::Unchanged;
    }
    let pieces = pieces(text);
    if pieces.iter().all(|piece| matches!(piece, Piece::Text(_))) {
        return Resolution::Unchanged;
    }
    let whole = pieces.len() == 1;
    let mut value = String::with_capacity(text.len());
    for piece in pieces {
        match piece {
            Piece::Text(text) => value.push_str(text),
            Piece::Reference(reference) => {
                let (found, written, scopes) = match reference {
                    Reference::Macro(name) => (
                        macros.lookup_macro(name),
                        format!("{{{{.spectro.macro.{name}}}}}"),
                        "the project, tenant or system scope",
                    ),
                    Reference::Variable(name) => (
                        macros.lookup_variable(name),
                        format!("{{{{.spectro.system.{name}}}}}"),
                        "the system variables",
                    ),
                };
                match found {
                    Some(secret) => value.push_str(secret.expose()),
                    None => problems.push(
                        Diagnostic::new(
                            DiagnosticKind::UndefinedMacro,
                            Path::notation(path),
                            format!("macro `{written}` is not defined in {scopes}"),
                        )
                        .with_hint(
                            "define it in Palette, or pass it to harbor-edge with --macros FILE",
                        ),
                    ),
                }
            }
            Piece::Malformed(text) => problems.push(
                Diagnostic::new(
                    DiagnosticKind::MalformedMacro,
                    Path::notation(path),
                    format!("`{text}` is not a well-formed macro reference"),
                )
                .with_hint(
                    "write `{{.spectro.macro.NAME}}` or `{{.spectro.system.NAME}}`; names hold \
                     letters, digits, `_`, `-` and `.`",
                ),
            ),
        }
    }
    Resolution::Replaced { value, whole }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn macros() -> Macros {
        let mut macros = Macros::new();
        macros.insert(MacroScope::System, "pw", "system");
        macros.insert(MacroScope::Tenant, "pw", "tenant");
        macros.insert_variable("cluster.uid", "abc");
        macros
    }

    fn resolve(text: &str) -> (Option<(String, bool)>, Vec<Diagnostic>) {
        let mut problems = Vec::new();
        let result = match resolve_string(text, "p", &macros(), &mut problems) {
            Resolution::Unchanged => None,
            Resolution::Replaced { value, whole } => Some((value, whole)),
        };
        (result, problems)
    }

    #[test]
    fn replaces_macros_and_variables_with_spaces_allowed() {
        assert_eq!(
            resolve("{{ .spectro.macro.pw }}").0,
            Some(("tenant".into(), true))
        );
        assert_eq!(
            resolve("x-{{.spectro.system.cluster.uid}}-y").0,
            Some(("x-abc-y".into(), false))
        );
    }

    #[test]
    fn leaves_other_braces_alone() {
        assert!(resolve("{{ }} and {{ .Values.x }}").0.is_none());
        assert!(resolve("{{ unclosed").0.is_none());
    }

    #[test]
    fn reports_malformed_references() {
        let (_, problems) = resolve("{{ .spectro.macro.a b }}");
        assert_eq!(problems[0].kind(), DiagnosticKind::MalformedMacro);
    }
}
