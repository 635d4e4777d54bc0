//! The validated, defaulted configuration. Every value here has passed validation: the types
//! make the invalid states unrepresentable (a node port inside the cluster's range, a size of at
//! least 1 GB, a password that meets the policy), so later steps never check again.

use std::fmt;
use std::net::IpAddr;
use std::num::{NonZeroU16, NonZeroU32};

use serde::Serialize;

use super::parameters::{self, Metrics};
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

/// How the Harbor service is exposed (`harbor-config.service.serviceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ServiceType {
    /// A NodePort service (the default): reachable on every node.
    NodePort,
    /// Only inside the cluster.
    ClusterIP,
    /// A cloud or MetalLB load balancer.
    LoadBalancer,
}

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

/// A password that meets Harbor's policy: 8 to 128 characters, with an upper-case letter, a
/// lower-case letter and a digit.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminPassword(SecretString);

/// One rule of Harbor's password policy that a string breaks. Never holds the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordPolicyError {
    /// Fewer than 8 or more than 128 characters.
    Length(usize),
    /// No upper-case letter.
    NoUpperCase,
    /// No lower-case letter.
    NoLowerCase,
    /// No digit.
    NoDigit,
}

impl fmt::Display for PasswordPolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(n) => write!(f, "has {n} characters (Harbor needs 8 to 128)"),
            Self::NoUpperCase => f.write_str("has no upper-case letter"),
            Self::NoLowerCase => f.write_str("has no lower-case letter"),
            Self::NoDigit => f.write_str("has no digit"),
        }
    }
}

/// Every rule of Harbor's password policy that a string breaks, in the policy's order (length,
/// upper case, lower case, digit); never empty. Never holds the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicyErrors(Vec<PasswordPolicyError>);

impl PasswordPolicyErrors {
    /// The rules broken.
    pub fn rules(&self) -> &[PasswordPolicyError] {
        &self.0
    }
}

/// "has 5 characters (Harbor needs 8 to 128), has no upper-case letter and has no digit".
impl fmt::Display for PasswordPolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = self.0.len().saturating_sub(1);
        for (index, rule) in self.0.iter().enumerate() {
            match index {
                0 => {}
                _ if index == last => f.write_str(" and ")?,
                _ => f.write_str(", ")?,
            }
            write!(f, "{rule}")?;
        }
        Ok(())
    }
}

impl AdminPassword {
    /// What to do about a password that breaks the policy.
    pub const POLICY_HINT: &'static str = "use 8 to 128 characters with an upper-case letter, a \
        lower-case letter and a digit, or leave it out to have one generated";

    /// Checks the policy; the error lists every rule broken.
    pub fn new(value: SecretString) -> Result<Self, PasswordPolicyErrors> {
        Self::check(value.expose())?;
        Ok(Self(value))
    }

    /// Every rule of the policy `text` breaks, without keeping the text.
    pub fn check(text: &str) -> Result<(), PasswordPolicyErrors> {
        let length = text.chars().count();
        let broken: Vec<PasswordPolicyError> = [
            (!(8..=128).contains(&length)).then_some(PasswordPolicyError::Length(length)),
            (!text.chars().any(char::is_uppercase)).then_some(PasswordPolicyError::NoUpperCase),
            (!text.chars().any(char::is_lowercase)).then_some(PasswordPolicyError::NoLowerCase),
            (!text.chars().any(|c| c.is_ascii_digit())).then_some(PasswordPolicyError::NoDigit),
        ]
        .into_iter()
        .flatten()
        .collect();
        if broken.is_empty() {
            Ok(())
        } else {
            Err(PasswordPolicyErrors(broken))
        }
    }

    /// The secret.
    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

impl fmt::Debug for AdminPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AdminPassword").field(&self.0).finish()
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

/// A TCP port, 1 to 65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port(NonZeroU16);

impl Port {
    /// `None` for 0.
    pub const fn new(value: u16) -> Option<Self> {
        match NonZeroU16::new(value) {
            Some(port) => Some(Self(port)),
            None => None,
        }
    }

    /// The number.
    pub const fn get(self) -> u16 {
        self.0.get()
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Port {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(self.get())
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

/// A volume size in whole GB, at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gigabytes(NonZeroU32);

impl Gigabytes {
    /// `None` for 0.
    pub const fn new(value: u32) -> Option<Self> {
        match NonZeroU32::new(value) {
            Some(size) => Some(Self(size)),
            None => None,
        }
    }

    /// The number of GB.
    pub const fn get(self) -> u32 {
        self.0.get()
    }

    /// As a Kubernetes quantity, e.g. `120Gi`.
    pub fn quantity(self) -> String {
        format!("{}Gi", self.get())
    }
}

impl Serialize for Gigabytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.get())
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

/// A cluster uid such that `cluster-<uid>` is a valid namespace (DNS-1123 label, <= 63 chars).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClusterUid(String);

impl ClusterUid {
    /// Longest uid: `cluster-` takes 8 of the 63 characters of a namespace.
    pub const MAX_LEN: usize = 63 - "cluster-".len();

    /// Checks the rule; the error says what is wrong.
    pub fn new(value: &str) -> Result<Self, String> {
        if value.is_empty() {
            return Err("is empty".into());
        }
        if value.len() > Self::MAX_LEN {
            return Err(format!(
                "has {} characters; `cluster-<uid>` must fit a 63-character namespace, so at most {}",
                value.len(),
                Self::MAX_LEN
            ));
        }
        if let Some(bad) = value
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(format!(
                "holds {bad:?}; only lower-case letters, digits and `-` make a namespace"
            ));
        }
        // The schema's pattern starts and ends the uid with a letter or digit; so does the type,
        // for callers that build it directly.
        if value.starts_with('-') {
            return Err("starts with `-`".into());
        }
        if value.ends_with('-') {
            return Err("ends with `-`".into());
        }
        Ok(Self(value.to_owned()))
    }

    /// The uid.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The namespace `cluster-<uid>`.
    pub fn namespace(&self) -> String {
        format!("cluster-{}", self.0)
    }
}

impl fmt::Display for ClusterUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An inclusive node-port range, low <= high, both >= 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodePortRange {
    low: Port,
    high: Port,
}

impl NodePortRange {
    /// `None` when `low > high`.
    pub fn new(low: Port, high: Port) -> Option<Self> {
        (low <= high).then_some(Self { low, high })
    }

    /// Parses `<low>-<high>`.
    pub fn parse(text: &str) -> Option<Self> {
        let (low, high) = text.split_once('-')?;
        let low = Port::new(low.trim().parse().ok()?)?;
        let high = Port::new(high.trim().parse().ok()?)?;
        Self::new(low, high)
    }

    /// Lowest port.
    pub fn low(self) -> Port {
        self.low
    }

    /// Highest port.
    pub fn high(self) -> Port {
        self.high
    }

    /// Whether `port` lies inside.
    pub fn contains(self, port: u32) -> bool {
        (u32::from(self.low.get())..=u32::from(self.high.get())).contains(&port)
    }
}

impl Default for NodePortRange {
    /// The declared default of `cluster.nodePortRange`, `30000-32767`.
    fn default() -> Self {
        parameters::NODE_PORT_RANGE
            .default_text()
            .and_then(Self::parse)
            .expect("the declared default range parses (tested)")
    }
}

impl fmt::Display for NodePortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.low, self.high)
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
