//! The input shape: what a user may write, as serde + schemars types.
//!
//! Every field is optional here; [`crate::validation`] turns these into the validated
//! [`crate::Config`], filling defaults. The JSON schema in `schema/` is generated from these
//! types, so they are the single description of the accepted document.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::secret::SecretString;

/// An input document in either accepted form (SPEC 2.1). Its schema picks the form as the
/// reader does: a document with `harbor-config` at the top is bare, any other is pack values.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum InputDocument {
    /// `harbor-config` at the top.
    Bare(DocumentParams),
    /// Pack values as a cluster profile holds them.
    Pack(PackDocumentParams),
}

impl JsonSchema for InputDocument {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "InputDocument".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let bare = generator.subschema_for::<DocumentParams>();
        let pack = generator.subschema_for::<PackDocumentParams>();
        schemars::json_schema!({
            "title": "harbor-edge input",
            "description": "The parameters of the Harbor Edge Native Config pack: a bare document with `harbor-config` at the top, or pack values as a cluster profile holds them (`pack` and `charts.harbor-edge-native-config.harbor-config`); either with an optional `cluster` context.",
            "if": {"required": ["harbor-config"]},
            "then": bare,
            "else": pack,
        })
    }
}

/// A bare document: `harbor-config` plus the optional cluster context. Pack values are
/// unwrapped into this shape before the schema check.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DocumentParams {
    /// The pack parameters.
    #[serde(
        rename = "harbor-config",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub harbor_config: Option<HarborConfigParams>,
    /// The cluster context (not a pack parameter; the provisioning tool knows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterParams>,
}

/// Pack values as a Palette cluster profile holds them: the pack's settings, the chart's values
/// (which hold the parameters), and the optional cluster context.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PackDocumentParams {
    /// The pack's own settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<PackParams>,
    /// The chart values; the pack has one chart.
    pub charts: ChartsParams,
    /// The cluster context (not a pack parameter; the provisioning tool knows it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterParams>,
}

/// `pack`: the pack's own settings.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PackParams {
    /// The namespace of the pack's objects: always `harbor`, the namespace the pack
    /// documentation fixes (the chart, its Secrets and the HelmChart's target all live there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<PackNamespace>,
}

/// The one namespace the pack's objects live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
pub enum PackNamespace {
    /// `harbor`.
    #[default]
    #[serde(rename = "harbor")]
    Harbor,
}

/// `charts`: the chart values of the pack.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ChartsParams {
    /// The pack's chart.
    #[serde(rename = "harbor-edge-native-config")]
    pub harbor_edge_native_config: ChartParams,
}

/// `charts.harbor-edge-native-config`: the chart's values.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ChartParams {
    /// The pack parameters.
    #[serde(
        rename = "harbor-config",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub harbor_config: Option<HarborConfigParams>,
}

/// `harbor-config`: the parameters of the Harbor Edge Native Config pack.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HarborConfigParams {
    /// Admin credentials and TLS material.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthParams>,
    /// How Harbor is exposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceParams>,
    /// Volume sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<StorageParams>,
}

/// `harbor-config.auth`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct AuthParams {
    /// Admin password (user `admin`); generated when absent. 8 to 128 characters with an
    /// upper-case letter, a lower-case letter and a digit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 8, max = 128))]
    pub password: Option<SecretString>,
    /// TLS material; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certs: Option<CertsParams>,
}

/// `harbor-config.auth.certs`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct CertsParams {
    /// Server certificate (PEM), leaf first, optional chain after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub cert: Option<String>,
    /// Its private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub key: Option<SecretString>,
    /// The CA that signed `cert` (PEM), published as `ca.crt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub ca: Option<String>,
}

/// How the Harbor service is exposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, Serialize, JsonSchema)]
pub enum ServiceType {
    /// A NodePort service (the default): reachable on every node.
    #[default]
    NodePort,
    /// Only inside the cluster.
    ClusterIP,
    /// A cloud or MetalLB load balancer.
    LoadBalancer,
}

/// `harbor-config.service`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ServiceParams {
    /// `NodePort` (default), `ClusterIP` or `LoadBalancer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_type: Option<ServiceType>,
    /// Ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harbor: Option<HarborPortsParams>,
    /// Prometheus metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<MetricsParams>,
}

/// `harbor-config.service.harbor`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct HarborPortsParams {
    /// HTTPS ports (defaults 443 and node port 30003).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https: Option<PortParams>,
    /// HTTP ports (defaults 80 and node port 30002).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<PortParams>,
}

/// A service port and its node port.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct PortParams {
    /// Service port, 1 to 65535.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<u32>,
    /// Node port, inside the cluster's node-port range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub node_port: Option<u32>,
}

/// `harbor-config.service.metrics`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct MetricsParams {
    /// Expose Harbor's Prometheus metrics (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Also create a `ServiceMonitor` (needs the Prometheus Operator CRDs; default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_monitor: Option<bool>,
}

/// A volume size: whole GB as an integer, or a quantity string such as `"120Gi"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum SizeParam {
    /// Whole GB.
    Gigabytes(#[schemars(range(min = 1))] u64),
    /// A quantity string `<n>Gi`.
    Quantity(#[schemars(regex(pattern = r"^[1-9][0-9]*Gi$"))] String),
}

/// `harbor-config.storage`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct StorageParams {
    /// Registry (image layers) volume, default 120.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<SizeParam>,
    /// Job service log volume, default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_service: Option<SizeParam>,
    /// Database volume, default 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<SizeParam>,
    /// Redis volume, default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis: Option<SizeParam>,
    /// Trivy cache volume, default 20.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trivy: Option<SizeParam>,
    /// Storage class of every volume; the cluster default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub storage_class: Option<String>,
}

/// `cluster`: the cluster context.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ClusterParams {
    /// Cluster uid: lower-case letters, digits and `-`; `cluster-<uid>` is a namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(min = 1, max = 55),
        regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    )]
    pub uid: Option<String>,
    /// The cluster's virtual IP (IPv4 or IPv6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vip: Option<String>,
    /// Node IPs, added to the generated certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_ips: Option<Vec<String>>,
    /// Node-port range `<low>-<high>`, default `30000-32767`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+-[0-9]+$"))]
    pub node_port_range: Option<String>,
}
