//! The validated, defaulted configuration. Every value here has passed validation: the types
//! make the invalid states unrepresentable (a node port inside the cluster's range, a size of at
//! least 1 GB, a password that meets the policy), so later steps never check again.

use std::net::IpAddr;

use serde::Serialize;

use super::parameters::Metrics;
use super::values::{AdminPassword, ClusterUid, Gigabytes, NodePortRange, Port, ServiceType};
use crate::secret::SecretString;

/// The host name Harbor is reached at from the edge nodes.
pub const REGISTRY_HOST: &str = "spectro.registry.local";
/// The namespace Harbor runs in.
pub const HARBOR_NAMESPACE: &str = "harbor";
/// The admin user name; Harbor fixes it.
pub const ADMIN_USER: &str = "admin";
/// The TLS secret in [`HARBOR_NAMESPACE`] (`tls.crt`, `tls.key`, `ca.crt`).
pub const TLS_SECRET: &str = "harbor-tls";
/// Secret in `cluster-<uid>` holding the CA certificate and its key (SPEC 4.2): no pod mounts
/// it, and harbor-edge reads it back to reissue the server certificate from the same CA.
pub const CA_SECRET: &str = "harbor-ca";
/// Secret in `harbor` holding only `ca.crt`: what the chart's `caSecretName` mounts into core
/// for the portal's CA download (core must not receive nginx's serving key).
pub const CA_DOWNLOAD_SECRET: &str = "harbor-ca-download";
/// Key of the CA certificate in [`TLS_SECRET`], [`CA_SECRET`] and [`CA_DOWNLOAD_SECRET`].
pub const CA_CERT_KEY: &str = "ca.crt";
/// Key of the CA's private key in [`CA_SECRET`].
pub const CA_KEY_KEY: &str = "ca.key";
/// The secret in [`HARBOR_NAMESPACE`] the chart reads the admin password from
/// (`existingSecretAdminPassword`).
pub const ADMIN_PASSWORD_SECRET: &str = "harbor-admin-password";
/// The key of the admin password in [`ADMIN_PASSWORD_SECRET`].
pub const ADMIN_PASSWORD_KEY: &str = "HARBOR_ADMIN_PASSWORD";
/// The secret in `cluster-<uid>` that tells the cluster how to reach its registry.
pub const REGISTRY_INFO_SECRET: &str = "registry-info";
/// The key of the admin password in [`REGISTRY_INFO_SECRET`].
pub const REGISTRY_INFO_PASSWORD_KEY: &str = "SPECTRO_USER_PASSWORD";
/// The total storage the pack asks for, in GB.
pub const RECOMMENDED_STORAGE_GB: u32 = 160;

/// The validated configuration: pack parameters plus cluster context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Admin password and TLS material as given (absent ones are generated later).
    pub(crate) auth: Auth,
    /// Service exposure.
    pub(crate) service: Service,
    /// Volume sizes.
    pub(crate) storage: Storage,
    /// The cluster context.
    pub(crate) cluster: Cluster,
}

impl Config {
    /// Admin password and TLS material as given (absent ones are generated later).
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// Service exposure.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// Volume sizes.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The cluster context.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }
}

/// `harbor-config.auth`, validated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Auth {
    /// The admin password, when given.
    pub(crate) password: Option<AdminPassword>,
    /// Certificate and key, when given (always both).
    pub(crate) certs: Option<ProvidedCerts>,
}

impl Auth {
    /// The admin password, when given.
    pub fn password(&self) -> Option<&AdminPassword> {
        self.password.as_ref()
    }

    /// Certificate and key, when given (always both).
    pub fn certs(&self) -> Option<&ProvidedCerts> {
        self.certs.as_ref()
    }
}

/// A provided certificate and key, both present (PEM text, not yet checked; the credentials
/// step checks them against the cluster).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvidedCerts {
    /// Server certificate, leaf first, optional chain after it.
    pub(crate) cert: String,
    /// Its private key.
    pub(crate) key: SecretString,
    /// The CA that signed it, when given.
    pub(crate) ca: Option<String>,
}

impl ProvidedCerts {
    /// A certificate (leaf first, chain after it), its private key and, optionally, the CA
    /// that signed it, all PEM.
    pub fn new(cert: impl Into<String>, key: SecretString, ca: Option<String>) -> Self {
        Self {
            cert: cert.into(),
            key,
            ca,
        }
    }

    /// Server certificate, leaf first, optional chain after it.
    pub fn cert(&self) -> &str {
        &self.cert
    }

    /// Its private key.
    pub fn key(&self) -> &SecretString {
        &self.key
    }

    /// The CA that signed it, when given.
    pub fn ca(&self) -> Option<&str> {
        self.ca.as_deref()
    }
}

/// `harbor-config.service`, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Service {
    /// How the service is exposed.
    pub(crate) service_type: ServiceType,
    /// HTTPS ports.
    pub(crate) https: PortPair,
    /// HTTP ports.
    pub(crate) http: PortPair,
    /// Metrics.
    pub(crate) metrics: Metrics,
}

impl Service {
    /// How the service is exposed.
    pub fn service_type(&self) -> ServiceType {
        self.service_type
    }

    /// HTTPS ports.
    pub fn https(&self) -> PortPair {
        self.https
    }

    /// HTTP ports.
    pub fn http(&self) -> PortPair {
        self.http
    }

    /// Metrics.
    pub fn metrics(&self) -> Metrics {
        self.metrics
    }
}

/// A service port and a node port (the node port inside the cluster's range).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortPair {
    /// Service port.
    pub(crate) port: Port,
    /// Node port.
    pub(crate) node_port: Port,
}

impl PortPair {
    /// Service port.
    pub fn port(&self) -> Port {
        self.port
    }

    /// Node port.
    pub fn node_port(&self) -> Port {
        self.node_port
    }
}

/// `harbor-config.storage`, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Storage {
    /// Registry volume.
    pub(crate) registry: Gigabytes,
    /// Job service log volume.
    pub(crate) job_service: Gigabytes,
    /// Database volume.
    pub(crate) database: Gigabytes,
    /// Redis volume.
    pub(crate) redis: Gigabytes,
    /// Trivy volume.
    pub(crate) trivy: Gigabytes,
    /// Storage class, or the cluster default when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) storage_class: Option<String>,
}

impl Storage {
    /// Registry volume.
    pub fn registry(&self) -> Gigabytes {
        self.registry
    }

    /// Job service log volume.
    pub fn job_service(&self) -> Gigabytes {
        self.job_service
    }

    /// Database volume.
    pub fn database(&self) -> Gigabytes {
        self.database
    }

    /// Redis volume.
    pub fn redis(&self) -> Gigabytes {
        self.redis
    }

    /// Trivy volume.
    pub fn trivy(&self) -> Gigabytes {
        self.trivy
    }

    /// Storage class, or the cluster default when `None`.
    pub fn storage_class(&self) -> Option<&str> {
        self.storage_class.as_deref()
    }
}

impl Storage {
    /// The sum of the five volumes, GB.
    pub fn total_gb(&self) -> u64 {
        [
            self.registry,
            self.job_service,
            self.database,
            self.redis,
            self.trivy,
        ]
        .iter()
        .map(|size| u64::from(size.get()))
        .sum()
    }
}

/// The cluster context, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// Cluster uid.
    pub(crate) uid: ClusterUid,
    /// Virtual IP.
    pub(crate) vip: IpAddr,
    /// Node IPs (for the certificate), in input order without duplicates.
    pub(crate) node_ips: Vec<IpAddr>,
    /// Node-port range.
    pub(crate) node_port_range: NodePortRange,
}

impl Cluster {
    /// Cluster uid.
    pub fn uid(&self) -> &ClusterUid {
        &self.uid
    }

    /// Virtual IP.
    pub fn vip(&self) -> IpAddr {
        self.vip
    }

    /// Node IPs (for the certificate), in input order without duplicates.
    pub fn node_ips(&self) -> &[IpAddr] {
        &self.node_ips
    }

    /// Node-port range.
    pub fn node_port_range(&self) -> NodePortRange {
        self.node_port_range
    }
}

impl Config {
    /// This configuration with the admin password set (a checked [`AdminPassword`]), as if the
    /// document had given it.
    #[must_use]
    pub fn with_admin_password(mut self, password: AdminPassword) -> Self {
        self.auth.password = Some(password);
        self
    }

    /// This configuration with a certificate and key given, as if the document had given them
    /// (the credentials step checks them against the cluster).
    #[must_use]
    pub fn with_provided_certs(mut self, certs: ProvidedCerts) -> Self {
        self.auth.certs = Some(certs);
        self
    }

    /// The namespace holding `registry-info`: `cluster-<uid>`.
    pub fn cluster_namespace(&self) -> String {
        self.cluster.uid.namespace()
    }
}
