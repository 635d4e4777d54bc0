//! What preflight found: findings with a kind, a severity, a path, a message and a hint.

use std::fmt;

use crate::error::{Error, Position, Result};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Harbor will not install or run as the pack expects; fix before deploying.
    Error,
    /// Worth knowing; the deployment can go ahead.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
        })
    }
}

/// Which rule a finding comes from; callers match on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FindingKind {
    /// The inventory lists no node, so nothing about them can be checked (error).
    NoNodes,
    /// A node has fewer than 4 CPUs (error).
    TooFewCpus,
    /// A node has less than 8 GB (8 × 10^9 bytes) of memory (error).
    TooLittleMemory,
    /// A node's architecture is not amd64 / x86_64, the only one the pack's images exist for
    /// (error).
    UnsupportedArchitecture,
    /// The cluster has no storage class, so Harbor's volumes cannot be provisioned (error).
    NoStorageClass,
    /// `harbor-config.storage.storageClass` names a class the cluster does not have (error).
    StorageClassNotFound,
    /// The parameters use the cluster's default storage class and none is marked default
    /// (warning: the volumes stay pending unless the cluster assigns one another way).
    NoDefaultStorageClass,
    /// A Longhorn storage class exists; the pack lists a known provisioning hang with it
    /// (warning).
    LonghornStorageClass,
    /// The volumes add up to less than the 160 GB the pack asks for (warning).
    StorageBelowRecommended,
    /// `AlwaysPullImages` is among kube-apiserver's admission plugins; it defeats the local
    /// registry and the guide says to remove it (error).
    AlwaysPullImages,
}

impl FindingKind {
    /// The severity every finding of this kind has.
    pub fn severity(self) -> Severity {
        match self {
            Self::NoDefaultStorageClass
            | Self::LonghornStorageClass
            | Self::StorageBelowRecommended => Severity::Warning,
            Self::NoNodes
            | Self::TooFewCpus
            | Self::TooLittleMemory
            | Self::UnsupportedArchitecture
            | Self::NoStorageClass
            | Self::StorageClassNotFound
            | Self::AlwaysPullImages => Severity::Error,
        }
    }
}

/// One thing preflight found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule that found it.
    pub kind: FindingKind,
    /// Error or warning (always `kind.severity()`).
    pub severity: Severity,
    /// Where: a path into the inventory such as `nodes[1].memory` or `apiServerArgs[3]`, or a
    /// parameter path starting with `harbor-config.` when the finding is about the parameters.
    pub path: String,
    /// Line and column in the inventory, when the finding points into one read from text.
    pub position: Option<Position>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl Finding {
    /// A finding with the severity of its kind.
    pub fn new(
        kind: FindingKind,
        path: impl Into<String>,
        position: Option<Position>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            severity: kind.severity(),
            path: path.into(),
            position,
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity, self.path)?;
        if let Some(position) = self.position {
            write!(f, " (line {position})")?;
        }
        write!(f, ": {}\n  hint: {}", self.message, self.hint)
    }
}

/// Everything preflight found, errors and warnings, in rule order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PreflightReport {
    /// The findings.
    pub findings: Vec<Finding>,
}

impl PreflightReport {
    /// True when any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    /// The error findings.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.with_severity(Severity::Error)
    }

    /// The warning findings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.with_severity(Severity::Warning)
    }

    fn with_severity(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |finding| finding.severity == severity)
    }

    /// The report itself when it holds no error, else [`Error::Preflight`] carrying it.
    pub fn into_result(self) -> Result<Self> {
        if self.has_errors() {
            Err(Error::Preflight(self))
        } else {
            Ok(self)
        }
    }
}

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
