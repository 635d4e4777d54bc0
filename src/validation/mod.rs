//! Validation (SPEC 3): macros, schema check, typed model, semantic rules, defaults.
//!
//! Every problem is collected, not just the first. Each step reports its problems and removes
//! the offending values, so later steps see only what passed and never report a path twice.

mod document;
mod ports;
mod reader;
mod schema_check;
mod semantic;

use std::collections::BTreeSet;

use crate::collector::ProblemCollector;
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::input::PackInput;
use crate::macros::Macros;
use crate::model::Config;
use crate::path::Path;

/// A valid configuration and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Validated {
    /// The typed, validated, defaulted configuration.
    pub config: Config,
    /// Things worth knowing that do not make the input invalid.
    pub warnings: Vec<Diagnostic>,
}

/// Diagnostics found so far, with the paths they cover.
pub(crate) struct Findings<'a> {
    input: &'a PackInput,
    problems: ProblemCollector,
    warnings: Vec<Diagnostic>,
    /// Dotted paths already reported; later steps skip them and everything below them.
    reported: BTreeSet<String>,
    /// Dotted paths whose value came from a macro: never quoted in a message (SPEC 2.4).
    from_macros: BTreeSet<String>,
}

impl<'a> Findings<'a> {
    fn new(input: &'a PackInput) -> Self {
        Self {
            input,
            problems: ProblemCollector::new(input.max_problems()),
            warnings: Vec::new(),
            reported: BTreeSet::new(),
            from_macros: BTreeSet::new(),
        }
    }

    /// Notes that the value at `path` was written with a macro.
    pub(crate) fn mark_from_macro(&mut self, path: &[String]) {
        self.from_macros.insert(dotted(path));
    }

    /// True when the value at `path`, or a value above it, came from a macro: a message may
    /// then describe it but must not quote it.
    pub(crate) fn is_from_macro(&self, path: &[String]) -> bool {
        (1..=path.len()).any(|len| self.from_macros.contains(&dotted(&path[..len])))
    }

    /// Records a problem at `path` (segments), positioned at the key or the value.
    pub(crate) fn problem(&mut self, problem: Diagnostic, path: &[String], at_key: bool) {
        let position = problem
            .position()
            .or_else(|| self.input.position(path, at_key));
        self.reported.insert(dotted(path));
        self.problems
            .push(problem.with_path(Path::of_keys(path)).at(position));
    }

    /// Records a warning at `path`.
    pub(crate) fn warning(&mut self, warning: Diagnostic, path: &[String]) {
        let position = self.input.position(path, false);
        self.warnings
            .push(warning.with_path(Path::of_keys(path)).at(position));
    }

    /// True when `path` or an ancestor of it already has a problem.
    pub(crate) fn is_reported(&self, path: &[String]) -> bool {
        (1..=path.len()).any(|len| self.reported.contains(&dotted(&path[..len])))
    }
}

/// Joins path segments with dots.
pub(crate) fn dotted(path: &[String]) -> String {
    path.join(".")
}

impl PackInput {
    /// Resolves macros, checks the schema, validates and fills defaults: the whole of SPEC 3
    /// up to the credentials. Every problem is reported at once in [`Error::Invalid`].
    ///
    /// (Defined by the validation step, which reads the input; the input step knows nothing
    /// of what comes after it.)
    pub fn resolve(&self, macros: &Macros) -> Result<Validated> {
        validate(self, macros)
    }
}

pub(crate) fn validate(input: &PackInput, macros: &Macros) -> Result<Validated> {
    let mut findings = Findings::new(input);
    if let Some(wrapper) = input.wrapper() {
        let mut wrapper = document::to_json(wrapper, macros, &mut findings);
        schema_check::check_pack_wrapper(&mut wrapper, &mut findings);
    }
    let mut document = document::to_json(input.document(), macros, &mut findings);
    schema_check::check(&mut document, &mut findings);
    let config = semantic::build_config(&document, &mut findings);
    let Findings {
        problems, warnings, ..
    } = findings;
    match config {
        Some(config) if problems.is_empty() => Ok(Validated { config, warnings }),
        _ => Err(Error::Invalid(problems.finish())),
    }
}
