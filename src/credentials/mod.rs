//! Credentials (SPEC 4 and 5.1): the admin password, the TLS material the manifests carry,
//! Harbor's internal credentials ([`InternalCredentials`]), and the secret of the nodes' robot
//! in the Palette layout ([`ROBOT_SECRET_SECRET`]).
//!
//! [`Credentials::resolve`] decides, item by item, where each credential comes from:
//!
//! - the parameters (`harbor-config.auth.password`, `harbor-config.auth.certs`), checked but
//!   never replaced;
//! - else the [`ExistingSecrets`] rendered or deployed before, checked and reused unchanged,
//!   except a server certificate that no longer fits the cluster, which is reissued from the
//!   same CA;
//! - else a [`Generator`]: OS randomness and the current time, or a seed for byte-identical
//!   output from run to run.
//!
//! Credentials are state (SPEC 4.1): nothing that exists is replaced unless a [`Rotation`]
//! names it ([`Credentials::resolve_with`]). To keep them from one render to the next, pass
//! what the earlier render wrote back in: its output folder
//! ([`crate::output::read_existing_secrets`]) or stream, or the cluster's Secrets
//! ([`ExistingSecrets::from_yaml_str`]).
//!
//! Trust (SPEC 4.3): provided and reused certificates pass the same checks, those a Go client
//! (containerd, Docker) applies: the chain verified by signature up to the root in `ca.crt`,
//! host names in subject alternative names only, RSA of 2048 bits or more or ECDSA P-256/P-384,
//! no SHA-1 or MD5, a CA key that belongs to the CA. [`Credentials::check`] runs every check
//! without generating anything.
//!
//! Custody (SPEC 4.2): the CA key is rendered into Secret `harbor-ca` of `cluster-<uid>`, which
//! no pod mounts, never into `harbor-tls`.
//!
//! Harbor's internal credentials (its `secretKey`, the secrets its components share, the
//! registry's credentials, the database password, the token key and certificate) and the
//! robot secret follow the same rule without a parameter: reused from the existing secrets when
//! there, checked, else generated; see [`InternalCredential`] for where each one lives.
//!
//! ```
//! use harbor_edge::{Credentials, Generator, InternalCredential, Macros, Origin, PackInput};
//!
//! let text = "harbor-config: {}\ncluster: {uid: edge-01, vip: 10.10.1.5}\n";
//! let config = PackInput::from_yaml_str(text)?.resolve(&Macros::new())?.config;
//! let mut generator = Generator::reproducible(42, None);
//! let credentials = Credentials::resolve(&config, None, &mut generator)?;
//! assert_eq!(credentials.admin_password.char_count(), 24);
//! assert_eq!(credentials.provenance.server_certificate, Origin::Generated);
//! assert!(credentials.tls.ca_private_key().is_some());
//! let secret_key = credentials.internal.get(InternalCredential::SecretKey);
//! assert_eq!(secret_key.expose().len(), 16);
//! assert_eq!(
//!     credentials.provenance.internal.get(InternalCredential::TokenKey),
//!     Origin::Generated
//! );
//!
//! // The same seed gives the same bytes.
//! let again = Credentials::resolve(&config, None, &mut Generator::reproducible(42, None))?;
//! assert_eq!(again, credentials);
//! # Ok::<(), harbor_edge::Error>(())
//! ```

mod catalog;
mod existing;
mod generate;
mod generator;
mod htpasswd;
mod internal;
mod password;
mod resolve;
mod robot;
mod rotation;
mod signing;
mod tls;
mod token;
mod trust;

use time::Duration;

use crate::diagnostic::Diagnostic;
use crate::secret::SecretString;

pub use catalog::{
    CORE_KEYS_SECRET, CORE_SECRET_SECRET, CORE_TOKEN_SECRET, DATABASE_PASSWORD_SECRET,
    InternalCredential, JOBSERVICE_SECRET_SECRET, REGISTRY_CREDENTIALS_SECRET,
    REGISTRY_SECRET_SECRET, REGISTRY_USER, SECRET_VALUES_KEY, SECRET_VALUES_SECRET,
};
pub(crate) use catalog::{KUBE_SYSTEM, TOKEN_CERT_KEY, TOKEN_KEY_KEY};
pub use existing::ExistingSecrets;
pub use generator::{Generator, Timestamp, TimestampError};
pub use htpasswd::DIGEST_ANNOTATION as HTPASSWD_DIGEST_ANNOTATION;
pub(crate) use htpasswd::pair_digest as htpasswd_pair_digest;
pub use internal::{InternalCredentials, InternalOrigins};
pub use resolve::CredentialCheck;
pub use robot::{ROBOT_SECRET_KEY, ROBOT_SECRET_SECRET};
pub use rotation::{Rotatable, Rotation, UnknownRotation};

/// A certificate that ends within this time earns a warning, and is reissued when reused.
pub(crate) const EXPIRY_MARGIN: Duration = Duration::days(30);

/// Everything the render step needs besides the [`crate::Config`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The admin password (user `admin`).
    pub admin_password: SecretString,
    /// Certificate, key and CA for `harbor-tls`.
    pub tls: TlsMaterial,
    /// Harbor's internal credentials (SPEC 5.1).
    pub internal: InternalCredentials,
    /// Where each item came from (provided, reused, reissued, generated).
    pub provenance: Provenance,
    /// Things worth knowing (certificate reissued, expiring soon, password differs, ...).
    pub warnings: Vec<Diagnostic>,
    /// The secret of the robot the nodes pull with in the Palette layout with a private
    /// project (Secret [`ROBOT_SECRET_SECRET`]); resolved whatever the layout, rendered only
    /// where that layout is chosen.
    pub robot_secret: SecretString,
}

/// The TLS material: the content of `harbor-tls` (`tls.crt`, `tls.key`, `ca.crt`) and of
/// `harbor-ca` (`ca.crt`, `ca.key`). The parts always fit together: the key is the server
/// certificate's, the chain leads to a CA of `ca.crt`, and `ca.key` (when present) belongs to
/// that CA. [`Credentials::resolve`] makes one (and checks it against the cluster too);
/// [`TlsMaterial::new`] checks parts given by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsMaterial {
    pub(crate) certificate_chain: String,
    pub(crate) private_key: SecretString,
    pub(crate) ca_certificate: String,
    pub(crate) ca_private_key: Option<SecretString>,
}

impl TlsMaterial {
    /// Checks and takes the parts: each PEM reads, keys are strong enough (RSA >= 2048 bits,
    /// ECDSA P-256 or P-384), `private_key` belongs to the first certificate of
    /// `certificate_chain`, the chain is signed up to a CA of `ca_certificate`, and
    /// `ca_private_key` (a P-256 key, as harbor-edge signs with) belongs to that CA. Whether the
    /// certificate names this cluster's host and VIP, and its validity, are the cluster's
    /// questions: [`Credentials::resolve`] and `validate` ask them. A problem is
    /// [`Error::Credentials`](crate::Error::Credentials) naming the part.
    pub fn new(
        certificate_chain: &str,
        private_key: SecretString,
        ca_certificate: &str,
        ca_private_key: Option<SecretString>,
    ) -> crate::Result<Self> {
        let places = trust::Places {
            cert: "tls.crt",
            key: "tls.key",
            ca: "ca.crt",
        };
        let tls = trust::read_server_tls(
            certificate_chain,
            private_key.expose(),
            Some(ca_certificate),
            places,
        )?;
        if *tls.key.public_key() != tls.chain.leaf.public_key {
            return Err(trust::key_mismatch(places));
        }
        if let Some(ca_key) = &ca_private_key {
            trust::read_ca_key(ca_key.expose(), "ca.key", &tls.ca)?;
        }
        Ok(Self {
            certificate_chain: certificate_chain.to_owned(),
            private_key,
            ca_certificate: ca_certificate.to_owned(),
            ca_private_key,
        })
    }

    /// `tls.crt`: the server certificate, then its chain, PEM.
    pub fn certificate_chain(&self) -> &str {
        &self.certificate_chain
    }

    /// `tls.key`: the server certificate's private key, PEM.
    pub fn private_key(&self) -> &SecretString {
        &self.private_key
    }

    /// `ca.crt`: the CA certificate that signed the server certificate, PEM.
    pub fn ca_certificate(&self) -> &str {
        &self.ca_certificate
    }

    /// `ca.key`: the CA's private key, PEM, when known (harbor-edge made the CA). Rendered
    /// into Secret `harbor-ca` of `cluster-<uid>`, which no pod mounts (SPEC 4.2), so a later
    /// run can reissue the server certificate from the same CA (the nodes trust that CA)
    /// instead of rotating it. Never in `harbor-tls`.
    pub fn ca_private_key(&self) -> Option<&SecretString> {
        self.ca_private_key.as_ref()
    }

    /// The same material without the CA's private key: a render then writes no `harbor-ca`
    /// Secret, and a later run cannot reissue the server certificate from this CA.
    #[must_use]
    pub fn without_ca_private_key(mut self) -> Self {
        self.ca_private_key = None;
        self
    }
}

/// Where one credential came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Origin {
    /// Given in the parameters (`harbor-config.auth.*`).
    Provided,
    /// Taken unchanged from the existing secrets.
    Reused,
    /// Issued anew from the existing CA because the existing one no longer fit; see
    /// [`Provenance::reissue_reasons`].
    Reissued,
    /// Generated in this run: there was none.
    Generated,
    /// Made anew in this run because a [`Rotation`] named it: the existing one is replaced.
    Rotated,
}

impl Origin {
    /// Lower-case name, for reports: `provided`, `reused`, `reissued`, `generated`,
    /// `rotated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Provided => "provided",
            Origin::Reused => "reused",
            Origin::Reissued => "reissued",
            Origin::Generated => "generated",
            Origin::Rotated => "rotated",
        }
    }

    /// Whether the credential was made in this run (generated or rotated): it exists
    /// nowhere else yet, and is lost unless this run's output is kept.
    pub fn is_new(self) -> bool {
        matches!(self, Origin::Generated | Origin::Rotated)
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to each credential in [`Credentials::resolve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The admin password.
    pub password: Origin,
    /// The CA certificate (`ca.crt`) and, when known, its key.
    pub ca: Origin,
    /// The server certificate and its key (`tls.crt`, `tls.key`).
    pub server_certificate: Origin,
    /// Why the existing server certificate was reissued or replaced; empty otherwise.
    pub reissue_reasons: Vec<ReissueReason>,
    /// Each of Harbor's internal credentials.
    pub internal: InternalOrigins,
    /// The nodes' robot secret.
    pub robot_secret: Origin,
}

/// Why an existing server certificate no longer fits the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReissueReason {
    /// It does not name `spectro.registry.local`.
    MissingHostName,
    /// It lacks the cluster's virtual IP (the VIP changed).
    MissingVip(std::net::IpAddr),
    /// It lacks one of the node IPs.
    MissingNodeIp(std::net::IpAddr),
    /// It has expired or expires within 30 days.
    ExpiresSoon,
    /// Its validity has not begun.
    NotYetValid,
    /// `tls.key` does not belong to `tls.crt`.
    KeyMismatch,
    /// A [`Rotation`] asked for it.
    Rotated,
    /// There was no server certificate, only the CA it is issued from (`harbor-ca`).
    NoServerCertificate,
}

impl std::fmt::Display for ReissueReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReissueReason::MissingHostName => {
                write!(f, "it does not name {}", crate::model::REGISTRY_HOST)
            }
            ReissueReason::MissingVip(ip) => write!(f, "it lacks the virtual IP {ip}"),
            ReissueReason::MissingNodeIp(ip) => write!(f, "it lacks the node IP {ip}"),
            ReissueReason::ExpiresSoon => f.write_str("it expires within 30 days"),
            ReissueReason::NotYetValid => f.write_str("it is not valid yet"),
            ReissueReason::KeyMismatch => f.write_str("tls.key does not belong to it"),
            ReissueReason::Rotated => f.write_str("--rotate asked for it"),
            ReissueReason::NoServerCertificate => {
                f.write_str("there was none, only the CA it is issued from")
            }
        }
    }
}
