//! What harbor-edge tells a person about their input, their credentials or their cluster: one
//! [`Diagnostic`] type with a [`Severity`], a matchable [`DiagnosticKind`], a [`Path`], a
//! source [`Position`] where known, a message and a hint.
//!
//! Errors are collected (every one at once, in [`Diagnostics`]) and carried by
//! [`Error::Invalid`](crate::Error::Invalid); warnings are returned beside a result; preflight
//! reports both.

use std::fmt;

use crate::path::Path;

/// A place in a source text: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Line, counting from 1.
    pub line: usize,
    /// Column, counting from 1.
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// How much a diagnostic matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The input cannot be used as it is (validation), or Harbor will not run as the pack
    /// expects (preflight).
    Error,
    /// Worth knowing; the result is still produced.
    Warning,
    /// Information about the report itself.
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Note => "note",
        })
    }
}

/// What a diagnostic is about; callers match on this. Each kind has one [`Severity`]
/// ([`DiagnosticKind::severity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagnosticKind {
    // Input and validation: errors.
    /// A key that the parameters do not define (the hint names the closest valid key).
    UnknownKey,
    /// A required value is missing.
    Missing,
    /// A value of the wrong type (a string where an integer belongs, ...).
    WrongType,
    /// A value outside its allowed set or range (port 0, empty string, unknown enum value).
    OutOfRange,
    /// A node port outside the cluster's node-port range.
    NodePortOutsideRange,
    /// The http and https node ports are the same.
    DuplicateNodePort,
    /// A storage size that is not a whole number of GB >= 1.
    InvalidSize,
    /// An admin password that does not meet Harbor's policy.
    PasswordPolicy,
    /// A cluster uid that does not give a valid `cluster-<uid>` namespace.
    InvalidClusterUid,
    /// A value that should be an IP address and is not.
    InvalidIpAddress,
    /// A node-port range that is not `<low>-<high>` with low <= high.
    InvalidNodePortRange,
    /// `certs.cert` given without `certs.key`, or the reverse.
    IncompleteCertificate,
    /// A macro that no scope defines.
    UndefinedMacro,
    /// A macro reference that is not well formed.
    MalformedMacro,
    /// A key written twice in one mapping (the position is the second one's).
    DuplicateKey,
    /// A `pack.namespace` other than `harbor`: the pack's objects live in the fixed namespace
    /// `harbor`.
    PackNamespace,
    /// A note, not a problem of its own: `count` more problems were found and not collected,
    /// because the input already had
    /// [`InputLimits::max_problems`](crate::InputLimits::max_problems). Always the last entry
    /// of [`Diagnostics`], its path the part all the omitted paths share.
    Omitted {
        /// How many problems were left out.
        count: usize,
    },

    // Parameters and credentials: warnings.
    /// The storage sizes add up to less than the 160 GB the pack asks for.
    StorageBelowRecommended,
    /// The storage class name is not a valid Kubernetes object name.
    StorageClassName,
    /// A parameter was given but has no effect with the other parameters (a node port when
    /// the service type is not `NodePort`).
    IgnoredParameter,
    /// A provided or reused certificate expires soon.
    CertificateExpiresSoon,
    /// The server certificate was reissued from the existing CA.
    CertificateReissued,
    /// Existing credentials hold another admin password than the parameters.
    PasswordDiffers,
    /// Existing state records other volume sizes than the parameters.
    VolumeSizeChanged,
    /// Harbor's token certificate expired within 30 days and was reissued from the same key.
    TokenCertificateReissued,
    /// The existing secrets come from an earlier render but hold none of Harbor's internal
    /// credentials: new ones were generated, which a Harbor already running does not know.
    InternalCredentialsGenerated,
    /// A source of existing secrets (an `--existing` file) holds none of the Secrets
    /// harbor-edge reads: nothing in it was reused. The message names what it held.
    ExistingUnused,
    /// The CA key was found in `harbor-tls` (where earlier versions kept it) and moves to
    /// `harbor-ca` in the cluster's namespace.
    CaKeyMoved,
    /// The reused admin password does not meet Harbor's policy (kept: Harbor runs with it).
    ReusedPasswordPolicy,
    /// A rotated credential needs a step on Harbor's side too (the admin password, `secretKey`,
    /// the database password).
    RotationEffect,
    /// A rotation was asked for a credential given as a parameter: it has no effect.
    RotationIgnored,

    // Preflight (the cluster against the pack's prerequisites).
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
    /// `AlwaysPullImages` is among kube-apiserver's admission plugins; it defeats the local
    /// registry and the guide says to remove it (error).
    AlwaysPullImages,
}

impl DiagnosticKind {
    /// The severity every diagnostic of this kind has.
    pub fn severity(self) -> Severity {
        match self {
            Self::Omitted { .. } => Severity::Note,
            Self::StorageBelowRecommended
            | Self::StorageClassName
            | Self::IgnoredParameter
            | Self::CertificateExpiresSoon
            | Self::CertificateReissued
            | Self::PasswordDiffers
            | Self::VolumeSizeChanged
            | Self::TokenCertificateReissued
            | Self::InternalCredentialsGenerated
            | Self::ExistingUnused
            | Self::CaKeyMoved
            | Self::ReusedPasswordPolicy
            | Self::RotationEffect
            | Self::RotationIgnored
            | Self::NoDefaultStorageClass
            | Self::LonghornStorageClass => Severity::Warning,
            Self::UnknownKey
            | Self::Missing
            | Self::WrongType
            | Self::OutOfRange
            | Self::NodePortOutsideRange
            | Self::DuplicateNodePort
            | Self::InvalidSize
            | Self::PasswordPolicy
            | Self::InvalidClusterUid
            | Self::InvalidIpAddress
            | Self::InvalidNodePortRange
            | Self::IncompleteCertificate
            | Self::UndefinedMacro
            | Self::MalformedMacro
            | Self::DuplicateKey
            | Self::PackNamespace
            | Self::NoNodes
            | Self::TooFewCpus
            | Self::TooLittleMemory
            | Self::UnsupportedArchitecture
            | Self::NoStorageClass
            | Self::StorageClassNotFound
            | Self::AlwaysPullImages => Severity::Error,
        }
    }
}

/// One thing worth telling: what kind it is, where (path and source position), what, and what
/// to do about it. The message and hint never hold a secret value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    kind: DiagnosticKind,
    path: Path,
    position: Option<Position>,
    message: String,
    hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic of `kind` at `path`, without position or hint.
    pub(crate) fn new(kind: DiagnosticKind, path: Path, message: impl Into<String>) -> Self {
        Self {
            kind,
            path,
            position: None,
            message: message.into(),
            hint: None,
        }
    }

    /// With a hint.
    #[must_use]
    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// With a hint when there is one.
    #[must_use]
    pub(crate) fn with_hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// The same diagnostic at another path.
    #[must_use]
    pub(crate) fn with_path(mut self, path: Path) -> Self {
        self.path = path;
        self
    }

    /// At a source position (none when `position` is `None`).
    #[must_use]
    pub(crate) fn at(mut self, position: Option<Position>) -> Self {
        self.position = position;
        self
    }

    /// What it is about.
    pub fn kind(&self) -> DiagnosticKind {
        self.kind
    }

    /// How much it matters (that of its kind).
    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }

    /// Where: a parameter path (`harbor-config.service.harbor.https.nodePort`), a path into
    /// the preflight inventory (`nodes[1].memory`), or a name for a whole source (`existing
    /// secrets`) where no path applies.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Line and column in the source, when known.
    pub fn position(&self) -> Option<Position> {
        self.position
    }

    /// What is wrong or worth knowing.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// `path (line L:C): message`, then the hint on its own line.
    fn fmt_body(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(position) = self.position {
            write!(f, " (line {position})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// `severity: path (line L:C): message`, then `  hint: ...` on a second line when there is a
/// hint.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.severity())?;
        self.fmt_body(f)
    }
}

/// The problems found in one input, in source order. At most
/// [`InputLimits::max_problems`](crate::InputLimits::max_problems) are kept (the first by
/// position); when more were found, a last [`DiagnosticKind::Omitted`] note records how many
/// were left out, and [`Diagnostics::total`] counts them all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// How many problems [`Diagnostics`]'s `Display` lists before it sums up the rest.
    pub const LISTED: usize = 50;

    /// Wraps a list (in the order it is to be shown).
    pub(crate) fn from_vec(list: Vec<Diagnostic>) -> Self {
        Self { list }
    }

    /// One diagnostic.
    pub(crate) fn one(diagnostic: Diagnostic) -> Self {
        Self {
            list: vec![diagnostic],
        }
    }

    /// The diagnostics as a slice.
    pub fn as_slice(&self) -> &[Diagnostic] {
        &self.list
    }

    /// Iterates over the diagnostics.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.list.iter()
    }

    /// Number of entries, the [`DiagnosticKind::Omitted`] one included (see
    /// [`Diagnostics::total`]).
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The first entry at `path`, if any.
    pub fn at_path(&self, path: &str) -> Option<&Diagnostic> {
        self.list.iter().find(|diagnostic| diagnostic.path == path)
    }

    /// How many problems were found: the entries, without the [`DiagnosticKind::Omitted`]
    /// one, plus the count it records.
    pub fn total(&self) -> usize {
        self.list
            .iter()
            .map(|diagnostic| match diagnostic.kind {
                DiagnosticKind::Omitted { count } => count,
                _ => 1,
            })
            .sum()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter()
    }
}

/// Lists the first [`Diagnostics::LISTED`] problems, then how many more there are.
impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.total();
        write!(
            f,
            "{total} problem{} in the input",
            if total == 1 { "" } else { "s" }
        )?;
        let listed: Vec<&Diagnostic> = self
            .list
            .iter()
            .filter(|diagnostic| !matches!(diagnostic.kind, DiagnosticKind::Omitted { .. }))
            .take(Self::LISTED)
            .collect();
        for diagnostic in &listed {
            f.write_str("\n- ")?;
            diagnostic.fmt_body(f)?;
        }
        let more = total - listed.len();
        if more > 0 {
            write!(
                f,
                "\n- and {more} more problem{} (the first {} by position are listed)",
                if more == 1 { "" } else { "s" },
                listed.len()
            )?;
        }
        Ok(())
    }
}
