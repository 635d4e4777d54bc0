//! The library's one error type, and the validation problems and warnings it carries.

use std::fmt;
use std::path::PathBuf;

/// A place in the input document: 1-based line and column.
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

/// What is wrong with one input value; callers match on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
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
    /// Not a problem of its own: `count` more problems were found and not collected, because
    /// the input already had [`InputLimits::max_problems`](crate::InputLimits::max_problems).
    /// Always the last entry of [`Problems`], its path the part all the omitted paths share.
    Omitted {
        /// How many problems were left out.
        count: usize,
    },
}

/// One validation problem: where it is, what is wrong, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What kind of problem this is.
    pub kind: ProblemKind,
    /// Dotted parameter path, e.g. `harbor-config.service.harbor.https.nodePort`.
    pub path: String,
    /// Where the value (or key) sits in the source, when known.
    pub position: Option<Position>,
    /// What is wrong. Never contains a secret value.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
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

/// The problems found in one input, in source order. At most
/// [`InputLimits::max_problems`](crate::InputLimits::max_problems) are kept (the first by
/// position); when more were found, a last [`ProblemKind::Omitted`] entry records how many
/// were left out, and [`Problems::total`] counts them all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// The problems as a slice.
    pub fn as_slice(&self) -> &[Problem] {
        &self.0
    }

    /// Iterates over the problems.
    pub fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.0.iter()
    }

    /// Number of entries, the [`ProblemKind::Omitted`] one included (see [`Problems::total`]).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a Problems {
    type Item = &'a Problem;
    type IntoIter = std::slice::Iter<'a, Problem>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Problems {
    /// How many problems [`Problems`]'s `Display` lists before it sums up the rest.
    pub const LISTED: usize = 50;

    /// How many problems were found: the entries, without the [`ProblemKind::Omitted`] one,
    /// plus the count it records.
    pub fn total(&self) -> usize {
        self.0
            .iter()
            .map(|problem| match problem.kind {
                ProblemKind::Omitted { count } => count,
                _ => 1,
            })
            .sum()
    }
}

/// Lists the first [`Problems::LISTED`] problems, then how many more there are.
impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.total();
        write!(
            f,
            "{total} problem{} in the input",
            if total == 1 { "" } else { "s" }
        )?;
        let listed: Vec<&Problem> = self
            .0
            .iter()
            .filter(|problem| !matches!(problem.kind, ProblemKind::Omitted { .. }))
            .take(Self::LISTED)
            .collect();
        for problem in &listed {
            write!(f, "\n- {problem}")?;
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

/// What a warning is about; callers match on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// The storage sizes add up to less than the 160 GB the pack asks for.
    StorageBelowRecommended,
    /// The storage class name is not a valid Kubernetes object name.
    StorageClassName,
    /// A provided or reused certificate expires soon.
    CertificateExpiresSoon,
    /// The server certificate was reissued from the existing CA.
    CertificateReissued,
    /// Existing credentials hold another admin password than the parameters.
    PasswordDiffers,
    /// Existing state records other volume sizes than the parameters.
    VolumeSizeChanged,
    /// A preflight check found something worth knowing.
    Preflight,
    /// A parameter was given but has no effect with the other parameters (a node port when
    /// the service type is not `NodePort`).
    IgnoredParameter,
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
    PasswordPolicy,
    /// A rotated credential needs a step on Harbor's side too (the admin password, `secretKey`,
    /// the database password).
    RotationEffect,
    /// A rotation was asked for a credential given as a parameter: it has no effect.
    RotationIgnored,
}

/// Something worth knowing that does not stop the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What the warning is about.
    pub kind: WarningKind,
    /// Dotted parameter path the warning refers to.
    pub path: String,
    /// Where in the source, when known.
    pub position: Option<Position>,
    /// Text for a person. Never contains a secret value.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "warning: {}", self.path)?;
        if let Some(position) = self.position {
            write!(f, " (line {position})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What is wrong with a certificate, key or existing secret; callers match on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialErrorKind {
    /// The text holds no PEM block of the expected kind, or is not PEM at all.
    InvalidPem,
    /// A PEM `CERTIFICATE` block that is not a valid X.509 certificate.
    InvalidCertificate,
    /// A private key that cannot be read as PKCS#8, SEC1 or PKCS#1 (or is encrypted).
    InvalidKey,
    /// A key type harbor-edge cannot compare with a certificate (e.g. Ed25519 without its
    /// public part, an EC curve other than P-256 without the public point).
    UnsupportedKey,
    /// The private key does not belong to the certificate.
    KeyMismatch,
    /// The certificate's validity period has ended.
    Expired,
    /// The certificate's validity period has not begun.
    NotYetValid,
    /// No DNS subject alternative name holds `spectro.registry.local` (the common name does not
    /// count: Go clients ignore it).
    MissingHostName,
    /// No IP subject alternative name holds the cluster's virtual IP.
    MissingVip,
    /// The CA given did not sign the certificate (checked by signature along the chain), or a
    /// CA on the way may not issue it (not a CA, no keyCertSign, path length).
    CaMismatch,
    /// A key below the floors Go clients apply (SPEC 4.3): RSA under 2048 bits, an EC curve
    /// other than P-256 or P-384, another algorithm (Ed25519, DSA).
    WeakKey,
    /// A signature Go clients refuse (SHA-1, MD5) or harbor-edge does not verify.
    WeakSignature,
    /// No CA to trust: `ca.crt` missing (and no root at the end of the chain), or `ca.crt`
    /// is the server certificate itself.
    MissingCa,
    /// The reproducible validity start (`--not-before`) gives certificates already expired,
    /// not yet valid, or valid for less than a year.
    ValidityStart,
    /// The existing server certificate must be replaced (it no longer fits) and nothing can
    /// issue its replacement (no CA key, the CA ends too soon): only a rotation can.
    CannotReissue,
    /// Existing secrets that cannot be read: not YAML, bad base64, a Secret without a name.
    InvalidExistingSecret,
    /// Making a key or certificate failed (randomness unavailable, encoder error).
    Generation,
}

/// The error type of every fallible function in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not UTF-8 text, or not well-formed YAML.
    #[error("cannot read the input as YAML{}: {message}", position_suffix(.position))]
    Syntax {
        /// What the parser said.
        message: String,
        /// Where, when known.
        position: Option<Position>,
    },
    /// The input breaks a limit that guards against hostile or mistaken input: its size, its
    /// nesting depth, or the expansion of its YAML aliases.
    #[error("input limit{}: {message}", position_suffix(.position))]
    Limit {
        /// Which limit, and how to raise it where it can be raised.
        message: String,
        /// Where, when known.
        position: Option<Position>,
    },
    /// The document is YAML but neither a bare `harbor-config` document nor pack values.
    #[error("{message}")]
    Document {
        /// What is missing or in the way.
        message: String,
    },
    /// The parameters were read but are invalid; every problem found is listed, up to
    /// [`InputLimits::max_problems`](crate::InputLimits::max_problems) of them.
    #[error("{0}")]
    Invalid(Problems),
    /// The preflight inventory cannot be read: not YAML, an unknown field (the message names its
    /// path, e.g. `nodes[1]: unknown field `cpu``), or a value of the wrong form.
    #[error("invalid inventory{}: {message}", position_suffix(.position))]
    Inventory {
        /// What is wrong, with the path into the inventory when known.
        message: String,
        /// Where, when known.
        position: Option<Position>,
    },
    /// Preflight found at least one error (from
    /// [`PreflightReport::into_result`](crate::preflight::PreflightReport::into_result));
    /// the report lists every finding, warnings included.
    #[error("{0}")]
    Preflight(crate::preflight::PreflightReport),
    /// A provided certificate or key, or an existing secret, is unusable.
    #[error("{path}: {message}")]
    Credentials {
        /// What is wrong.
        kind: CredentialErrorKind,
        /// Where: the parameter path (`harbor-config.auth.certs.cert`) or the existing secret
        /// and key (`secret harbor/harbor-tls, key tls.crt`).
        path: String,
        /// What is wrong, for a person. Never contains key or password bytes.
        message: String,
    },
    /// The call cannot be carried out as asked, whatever the input holds: e.g. an output
    /// directory where the bundle would replace one of the call's own input files.
    #[error("{message}")]
    Usage {
        /// What is in the way and what to do instead.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A template does not compile, uses an undefined value, or prints a value without a
    /// quoting filter. `name` is the template's file name, e.g. `secret-tls.yaml.j2`.
    #[error("template `{name}`: {message}")]
    Template {
        /// The template's file name.
        name: String,
        /// What went wrong, with the line where known. Never contains a rendered value.
        message: String,
    },
    /// A rendered document failed the self-check (SPEC 6): it does not parse back, is not
    /// exactly one document, or lacks or changes what harbor-edge put into it.
    #[error("template `{template}` rendered a broken {object}: {message}")]
    SelfCheck {
        /// The template that rendered it.
        template: String,
        /// The object, e.g. `Secret harbor/harbor-tls`.
        object: String,
        /// What is wrong. Never contains a secret value.
        message: String,
    },
}

/// What kind of failure an [`Error`] is, by what happened; the CLI derives its exit code from
/// it (1 for the input kinds, 2 for [`ErrorKind::Usage`] and [`ErrorKind::Io`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An input is not UTF-8 text, or not well-formed YAML ([`Error::Syntax`]).
    Syntax,
    /// An input breaks a size, depth or alias limit ([`Error::Limit`]).
    Limit,
    /// An input was read but what it says is invalid: not an accepted document form,
    /// validation problems, an unusable certificate or existing secret, an unreadable
    /// inventory, a preflight error.
    Invalid,
    /// A template failed, or rendered something the self-check rejects.
    Template,
    /// The call itself cannot be carried out as asked ([`Error::Usage`]).
    Usage,
    /// The operating system failed to read or write a file, or to give randomness.
    Io,
}

impl ErrorKind {
    /// True for the kinds that mean "the input is invalid" (exit code 1 in the CLI), false for
    /// usage and I/O errors (exit code 2).
    pub fn is_invalid_input(self) -> bool {
        !matches!(self, Self::Usage | Self::Io)
    }
}

fn position_suffix(position: &Option<Position>) -> String {
    position.map_or_else(String::new, |p| format!(" at line {p}"))
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Syntax { .. } => ErrorKind::Syntax,
            Error::Limit { .. } => ErrorKind::Limit,
            Error::Document { .. }
            | Error::Invalid(_)
            | Error::Inventory { .. }
            | Error::Preflight(_) => ErrorKind::Invalid,
            Error::Credentials {
                kind: CredentialErrorKind::Generation,
                ..
            } => ErrorKind::Io,
            Error::Credentials { .. } => ErrorKind::Invalid,
            Error::Template { .. } | Error::SelfCheck { .. } => ErrorKind::Template,
            Error::Usage { .. } => ErrorKind::Usage,
            Error::Io { .. } => ErrorKind::Io,
        }
    }

    /// The validation problems, when this error is [`Error::Invalid`].
    pub fn problems(&self) -> Option<&Problems> {
        match self {
            Error::Invalid(problems) => Some(problems),
            _ => None,
        }
    }
}

impl Error {
    /// The kind of credential problem, when this error is [`Error::Credentials`].
    pub fn credential_kind(&self) -> Option<CredentialErrorKind> {
        match self {
            Error::Credentials { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// A credential error; the message must not hold secret bytes.
    pub(crate) fn credentials(
        kind: CredentialErrorKind,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Credentials {
            kind,
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Short for `std::result::Result<T, harbor_edge::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
