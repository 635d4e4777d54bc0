//! What Harbor's internal credentials are called and where each one lives: the chart value it
//! replaces, its Secret and key (the table in [`super::internal`]'s documentation), and how a
//! random one is drawn.

use std::fmt;

use super::generator::Purpose;

/// Secret holding `secretKey` and `CSRF_KEY` (core only).
pub const CORE_KEYS_SECRET: &str = "harbor-core-keys";
/// Secret holding `secret` (`core.existingSecret`).
pub const CORE_SECRET_SECRET: &str = "harbor-core-secret";
/// Secret holding the token key and certificate (`core.secretName`), type `kubernetes.io/tls`.
pub const CORE_TOKEN_SECRET: &str = "harbor-core-token";
/// Secret holding `JOBSERVICE_SECRET` (`jobservice.existingSecret`).
pub const JOBSERVICE_SECRET_SECRET: &str = "harbor-jobservice-secret";
/// Secret holding `REGISTRY_HTTP_SECRET` (`registry.existingSecret`).
pub const REGISTRY_SECRET_SECRET: &str = "harbor-registry-secret";
/// Secret holding `REGISTRY_PASSWD` and `REGISTRY_HTPASSWD` (`registry.credentials.existingSecret`).
pub const REGISTRY_CREDENTIALS_SECRET: &str = "harbor-registry-credentials";
/// Secret holding the internal database's `password` (`database.external.existingSecret`, which
/// core and the exporter read whatever the database type).
pub const DATABASE_PASSWORD_SECRET: &str = "harbor-database-password";
/// The k3s values Secret in `kube-system` that the `HelmChart` names in `spec.valuesSecrets`.
pub const SECRET_VALUES_SECRET: &str = "harbor-secret-values";
/// Its one key: a values file holding `database.internal.password`.
pub const SECRET_VALUES_KEY: &str = "values.yaml";
/// The user core and jobservice log in to the registry with (`registry.credentials.username`).
pub const REGISTRY_USER: &str = "harbor_registry_user";
/// Key of the token certificate in [`CORE_TOKEN_SECRET`].
pub(crate) const TOKEN_CERT_KEY: &str = "tls.crt";
/// Key of the token key in [`CORE_TOKEN_SECRET`].
pub(crate) const TOKEN_KEY_KEY: &str = "tls.key";

/// Where Helm's `kube-system` values Secret lives: beside the `HelmChart`.
pub(crate) const KUBE_SYSTEM: &str = "kube-system";

/// Number of [`InternalCredential`]s.
pub(super) const COUNT: usize = 10;

/// One of Harbor's internal credentials. Named after the chart value it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum InternalCredential {
    /// `secretKey`: the key core encrypts stored credentials (registry endpoints, robot
    /// secrets) with. Exactly 16 characters. Never rotate it: what it encrypted is lost.
    SecretKey,
    /// `core.xsrfKey`: core's CSRF key, exactly 32 characters.
    XsrfKey,
    /// `core.secret`: how core, jobservice and the registry controller authenticate to each
    /// other, 16 characters.
    CoreSecret,
    /// The private key core signs registry tokens with (RSA, PKCS#1 PEM).
    TokenKey,
    /// The self-signed certificate of [`InternalCredential::TokenKey`], valid 10 years.
    TokenCertificate,
    /// `jobservice.secret`, 16 characters.
    JobserviceSecret,
    /// `registry.secret`: the registry's HTTP secret, 16 characters.
    RegistryHttpSecret,
    /// The password of `harbor_registry_user`, which core and jobservice use with the registry.
    RegistryPassword,
    /// The registry's htpasswd line for that user (bcrypt).
    RegistryHtpasswd,
    /// `database.internal.password`: the internal PostgreSQL's password.
    DatabasePassword,
}

impl InternalCredential {
    /// Every internal credential, in the order reports list them.
    pub const ALL: [InternalCredential; COUNT] = [
        InternalCredential::SecretKey,
        InternalCredential::XsrfKey,
        InternalCredential::CoreSecret,
        InternalCredential::TokenKey,
        InternalCredential::TokenCertificate,
        InternalCredential::JobserviceSecret,
        InternalCredential::RegistryHttpSecret,
        InternalCredential::RegistryPassword,
        InternalCredential::RegistryHtpasswd,
        InternalCredential::DatabasePassword,
    ];

    /// The chart value it stands for, e.g. `core.xsrfKey`.
    pub fn as_str(self) -> &'static str {
        match self {
            InternalCredential::SecretKey => "secretKey",
            InternalCredential::XsrfKey => "core.xsrfKey",
            InternalCredential::CoreSecret => "core.secret",
            InternalCredential::TokenKey => "core.tokenKey",
            InternalCredential::TokenCertificate => "core.tokenCert",
            InternalCredential::JobserviceSecret => "jobservice.secret",
            InternalCredential::RegistryHttpSecret => "registry.secret",
            InternalCredential::RegistryPassword => "registry.credentials.password",
            InternalCredential::RegistryHtpasswd => "registry.credentials.htpasswd",
            InternalCredential::DatabasePassword => "database.internal.password",
        }
    }

    /// The Secret in namespace `harbor` that holds it.
    pub fn secret_name(self) -> &'static str {
        match self {
            InternalCredential::SecretKey | InternalCredential::XsrfKey => CORE_KEYS_SECRET,
            InternalCredential::CoreSecret => CORE_SECRET_SECRET,
            InternalCredential::TokenKey | InternalCredential::TokenCertificate => {
                CORE_TOKEN_SECRET
            }
            InternalCredential::JobserviceSecret => JOBSERVICE_SECRET_SECRET,
            InternalCredential::RegistryHttpSecret => REGISTRY_SECRET_SECRET,
            InternalCredential::RegistryPassword | InternalCredential::RegistryHtpasswd => {
                REGISTRY_CREDENTIALS_SECRET
            }
            InternalCredential::DatabasePassword => DATABASE_PASSWORD_SECRET,
        }
    }

    /// The key inside [`InternalCredential::secret_name`], as the chart expects it.
    pub fn key(self) -> &'static str {
        match self {
            InternalCredential::SecretKey => "secretKey",
            InternalCredential::XsrfKey => "CSRF_KEY",
            InternalCredential::CoreSecret => "secret",
            InternalCredential::TokenKey => TOKEN_KEY_KEY,
            InternalCredential::TokenCertificate => TOKEN_CERT_KEY,
            InternalCredential::JobserviceSecret => "JOBSERVICE_SECRET",
            InternalCredential::RegistryHttpSecret => "REGISTRY_HTTP_SECRET",
            InternalCredential::RegistryPassword => "REGISTRY_PASSWD",
            InternalCredential::RegistryHtpasswd => "REGISTRY_HTPASSWD",
            InternalCredential::DatabasePassword => "password",
        }
    }

    /// Whether the value is secret (everything but the token certificate).
    pub fn is_secret(self) -> bool {
        self != InternalCredential::TokenCertificate
    }

    pub(super) fn index(self) -> usize {
        // `ALL` lists every variant once, in declaration order.
        self as usize
    }

    /// The random secrets: their stream, generated length, and the length a reused value
    /// must have (`None`: any non-empty value).
    pub(super) fn random_rule(self) -> Option<(Purpose, usize, Option<usize>)> {
        Some(match self {
            InternalCredential::SecretKey => (Purpose::SecretKey, 16, Some(16)),
            InternalCredential::XsrfKey => (Purpose::XsrfKey, 32, Some(32)),
            InternalCredential::CoreSecret => (Purpose::CoreSecret, 16, Some(16)),
            InternalCredential::JobserviceSecret => (Purpose::JobserviceSecret, 16, Some(16)),
            InternalCredential::RegistryHttpSecret => (Purpose::RegistryHttpSecret, 16, Some(16)),
            InternalCredential::RegistryPassword => (Purpose::RegistryPassword, 32, None),
            InternalCredential::DatabasePassword => (Purpose::DatabasePassword, 32, None),
            InternalCredential::TokenKey
            | InternalCredential::TokenCertificate
            | InternalCredential::RegistryHtpasswd => return None,
        })
    }
}

impl fmt::Display for InternalCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
