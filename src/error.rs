//! The library's one error type.

use std::path::PathBuf;

use crate::diagnostic::{Diagnostics, Position};

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
    Invalid(Diagnostics),
    /// The preflight inventory cannot be read: not YAML, an unknown field (the message names its
    /// path, e.g. `nodes[1]: unknown field `cpu``), or a value of the wrong form.
    #[error("invalid inventory{}: {message}", position_suffix(.position))]
    Inventory {
        /// What is wrong, with the path into the inventory when known.
        message: String,
        /// Where, when known.
        position: Option<Position>,
    },
    /// A provided certificate or key, or an existing secret, is unusable.
    #[error("{path}: {message}")]
    Credentials {
        /// What is wrong.
        kind: CredentialErrorKind,
        /// Where: the parameter path (`harbor-config.auth.certs.cert`) or the existing secret
        /// and key (`secrets["harbor/harbor-tls"].data["tls.crt"]`).
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

/// What kind of failure an [`Error`] is, by what happened. The CLI derives its exit code
/// from it: 1 for the kinds that say the input is invalid ([`ErrorKind::is_invalid_input`]),
/// 2 for the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An input is not UTF-8 text, or not well-formed YAML ([`Error::Syntax`]).
    Syntax,
    /// An input breaks a size, depth or alias limit ([`Error::Limit`]).
    Limit,
    /// An input was read but what it says is invalid: not an accepted document form,
    /// validation problems, an unusable certificate or existing secret.
    Invalid,
    /// A template does not compile or fails (a `--templates` folder), or rendered something the
    /// self-check rejects: not the parameters' fault.
    Template,
    /// The call itself cannot be carried out as asked ([`Error::Usage`]).
    Usage,
    /// The operating system failed to read or write a file, or to give randomness.
    Io,
}

impl ErrorKind {
    /// True for the kinds that mean "the input is invalid" ([`ErrorKind::Syntax`],
    /// [`ErrorKind::Limit`], [`ErrorKind::Invalid`]: exit code 1 in the CLI); false for
    /// template, usage and I/O errors (exit code 2).
    pub fn is_invalid_input(self) -> bool {
        matches!(self, Self::Syntax | Self::Limit | Self::Invalid)
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
            Error::Document { .. } | Error::Invalid(_) | Error::Inventory { .. } => {
                ErrorKind::Invalid
            }
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
    pub fn problems(&self) -> Option<&Diagnostics> {
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
