//! What preflight found: [`Diagnostic`]s of the preflight kinds, errors and warnings, in rule
//! order.

use std::fmt;

use crate::diagnostic::{Diagnostic, Severity};

/// Everything preflight found, errors and warnings, in rule order. Each finding is a
/// [`Diagnostic`] of a preflight kind ([`DiagnosticKind::NoNodes`](crate::DiagnosticKind::NoNodes)
/// to [`DiagnosticKind::AlwaysPullImages`](crate::DiagnosticKind::AlwaysPullImages), and
/// [`DiagnosticKind::StorageBelowRecommended`](crate::DiagnosticKind::StorageBelowRecommended)),
/// whose path points into the inventory (`nodes[1].memory`) or at a parameter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PreflightReport {
    findings: Vec<Diagnostic>,
}

impl PreflightReport {
    pub(crate) fn new(findings: Vec<Diagnostic>) -> Self {
        Self { findings }
    }

    /// Every finding, in rule order.
    pub fn findings(&self) -> &[Diagnostic] {
        &self.findings
    }

    /// True when any finding is an error: Harbor will not install or run as the pack expects.
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    /// The error findings.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.with_severity(Severity::Error)
    }

    /// The warning findings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.with_severity(Severity::Warning)
    }

    fn with_severity(&self, severity: Severity) -> impl Iterator<Item = &Diagnostic> {
        self.findings
            .iter()
            .filter(move |finding| finding.severity() == severity)
    }
}

/// A summary line (`preflight: 2 errors, 1 warning`), then every finding.
impl fmt::Display for PreflightReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.errors().count();
        let warnings = self.warnings().count();
        write!(
            f,
            "preflight: {errors} error{}, {warnings} warning{}",
            plural(errors),
            plural(warnings)
        )?;
        for finding in &self.findings {
            write!(f, "\n{finding}")?;
        }
        Ok(())
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
