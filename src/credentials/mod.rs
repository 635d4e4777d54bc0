//! Credentials (SPEC 4): the admin password and the TLS material the manifests carry.

use crate::error::Warning;
use crate::secret::SecretString;

/// Everything the render step needs besides the [`crate::Config`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The admin password (user `admin`).
    pub admin_password: SecretString,
    /// Certificate, key and CA for `harbor-tls`.
    pub tls: TlsMaterial,
    /// Things worth knowing (certificate reissued, expiring soon, password differs, ...).
    pub warnings: Vec<Warning>,
}

/// The content of the `harbor-tls` secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsMaterial {
    /// `tls.crt`: the server certificate, then its chain, PEM.
    pub certificate_chain: String,
    /// `tls.key`: the server certificate's private key, PEM.
    pub private_key: SecretString,
    /// `ca.crt`: the CA certificate that signed the server certificate, PEM.
    pub ca_certificate: String,
    /// `ca.key`: the CA's private key, PEM, when harbor-edge generated the CA. Kept in the
    /// secret so a later run can reissue the server certificate from the same CA (the nodes
    /// trust that CA) instead of rotating it.
    pub ca_private_key: Option<SecretString>,
}
