//! Semantic rules on the typed parameters, and defaults: from [`DocumentParams`] to [`Config`].

use std::net::IpAddr;

use super::{Findings, segments};
use crate::error::{Problem, ProblemKind, Warning, WarningKind};
use crate::model::config::{
    AdminPassword, Auth, Cluster, ClusterUid, Config, Gigabytes, Metrics, NodePortRange, Port,
    PortPair, ProvidedCerts, RECOMMENDED_STORAGE_GB, Service, ServiceType, Storage, defaults,
};
use crate::model::params::{
    AuthParams, ClusterParams, DocumentParams, ServiceParams, SizeParam, StorageParams,
};

/// Builds the configuration, or `None` when a problem was found (all of them recorded).
pub(crate) fn build_config(params: DocumentParams, findings: &mut Findings<'_>) -> Option<Config> {
    let config = params.harbor_config.unwrap_or_default();
    let cluster = cluster(config_cluster(params.cluster), findings);
    let node_port_range = cluster
        .as_ref()
        .map(|c| c.node_port_range)
        .unwrap_or_default();
    let service = service(
        config.service.unwrap_or_default(),
        node_port_range,
        findings,
    );
    let storage = storage(config.storage.unwrap_or_default(), findings);
    let auth = auth(config.auth.unwrap_or_default(), findings);
    Some(Config {
        auth: auth?,
        service: service?,
        storage: storage?,
        cluster: cluster?,
    })
}

fn config_cluster(cluster: Option<ClusterParams>) -> ClusterParams {
    cluster.unwrap_or_default()
}

fn fail(findings: &mut Findings<'_>, path: &str, kind: ProblemKind, message: String, hint: &str) {
    findings.problem(
        Problem {
            kind,
            path: String::new(),
            position: None,
            message,
            hint: Some(hint.to_owned()),
        },
        &segments(path),
        false,
    );
}

fn cluster(params: ClusterParams, findings: &mut Findings<'_>) -> Option<Cluster> {
    let mut ok = true;
    let uid = match params.uid {
        Some(uid) => match ClusterUid::new(&uid) {
            Ok(uid) => Some(uid),
            Err(reason) => {
                if !findings.is_reported(&segments("cluster.uid")) {
                    let message = if findings.is_from_macro(&segments("cluster.uid")) {
                        "the cluster uid the macro gives is not a valid namespace part".to_owned()
                    } else {
                        format!("cluster uid {uid:?} {reason}")
                    };
                    fail(
                        findings,
                        "cluster.uid",
                        ProblemKind::InvalidClusterUid,
                        message,
                        "`cluster-<uid>` must be a namespace: lower-case letters, digits and `-`",
                    );
                }
                None
            }
        },
        None => {
            if !findings.is_reported(&segments("cluster.uid")) {
                fail(
                    findings,
                    "cluster.uid",
                    ProblemKind::Missing,
                    "the cluster uid is required".into(),
                    "add `cluster: {uid: ...}` to the document, or pass --cluster-uid",
                );
            }
            None
        }
    };
    let vip = match params.vip {
        Some(vip) => parse_ip(&vip, "cluster.vip", findings),
        None => {
            if !findings.is_reported(&segments("cluster.vip")) {
                fail(
                    findings,
                    "cluster.vip",
                    ProblemKind::Missing,
                    "the cluster's virtual IP is required".into(),
                    "add `cluster: {vip: ...}` to the document, or pass --vip",
                );
            }
            None
        }
    };
    let mut node_ips = Vec::new();
    for (index, text) in params.node_ips.unwrap_or_default().iter().enumerate() {
        match parse_ip(text, &format!("cluster.nodeIps.{index}"), findings) {
            Some(ip) if !node_ips.contains(&ip) => node_ips.push(ip),
            Some(_) => {}
            None => ok = false,
        }
    }
    let node_port_range = match params.node_port_range {
        Some(text) => match NodePortRange::parse(&text) {
            Some(range) => range,
            None => {
                let shown = if findings.is_from_macro(&segments("cluster.nodePortRange")) {
                    "the macro's value".to_owned()
                } else {
                    format!("{text:?}")
                };
                fail(
                    findings,
                    "cluster.nodePortRange",
                    ProblemKind::InvalidNodePortRange,
                    format!(
                        "node-port range {shown} is not `<low>-<high>` with 1 <= low <= high <= 65535"
                    ),
                    "write it as the API server's --service-node-port-range, e.g. 30000-32767",
                );
                ok = false;
                NodePortRange::default()
            }
        },
        None => NodePortRange::default(),
    };
    Some(Cluster {
        uid: uid?,
        vip: vip?,
        node_ips,
        node_port_range,
    })
    .filter(|_| ok)
}

fn parse_ip(text: &str, path: &str, findings: &mut Findings<'_>) -> Option<IpAddr> {
    match text.trim().parse::<IpAddr>() {
        Ok(ip) => Some(ip),
        Err(_) => {
            let shown = if findings.is_from_macro(&segments(path)) {
                "the macro's value".to_owned()
            } else {
                format!("{:?}", text.chars().take(64).collect::<String>())
            };
            fail(
                findings,
                path,
                ProblemKind::InvalidIpAddress,
                format!("{shown} is not an IPv4 or IPv6 address"),
                "write an address such as 10.10.1.5 or fd00::5, without a prefix length or port",
            );
            None
        }
    }
}

fn service(
    params: ServiceParams,
    range: NodePortRange,
    findings: &mut Findings<'_>,
) -> Option<Service> {
    let service_type = params.service_type.unwrap_or_default();
    let ports = params.harbor.unwrap_or_default();
    let https_params = ports.https.unwrap_or_default();
    let http_params = ports.http.unwrap_or_default();
    let https_port = service_port(
        https_params.port,
        defaults::HTTPS_PORT,
        &format!("{PORTS}.https.port"),
        findings,
    );
    let http_port = service_port(
        http_params.port,
        defaults::HTTP_PORT,
        &format!("{PORTS}.http.port"),
        findings,
    );
    let https_node = NodePortParam {
        name: "https",
        given: https_params.node_port,
        default: defaults::HTTPS_NODE_PORT,
    };
    let http_node = NodePortParam {
        name: "http",
        given: http_params.node_port,
        default: defaults::HTTP_NODE_PORT,
    };
    let (https_node_port, http_node_port) = if service_type == ServiceType::NodePort {
        node_ports(&https_node, &http_node, range, findings)
    } else {
        // Node ports exist only for NodePort services: the values are kept (the schema checked
        // 1..65535) but neither checked against the range nor rendered.
        for node in [&https_node, &http_node] {
            let path = segments(&node.path());
            if node.given.is_some() && !findings.is_reported(&path) {
                findings.warning(
                    Warning {
                        kind: WarningKind::IgnoredParameter,
                        path: String::new(),
                        position: None,
                        message: format!(
                            "the {} node port is ignored: node ports are used only when \
                             serviceType is NodePort",
                            node.name
                        ),
                    },
                    &path,
                );
            }
        }
        (https_node.port(), http_node.port())
    };
    let metrics = params.metrics.unwrap_or_default();
    Some(Service {
        service_type,
        https: PortPair {
            port: https_port?,
            node_port: https_node_port?,
        },
        http: PortPair {
            port: http_port?,
            node_port: http_node_port?,
        },
        metrics: Metrics {
            enabled: metrics.enabled.unwrap_or(false),
            service_monitor: metrics.service_monitor.unwrap_or(false),
        },
    })
}

/// Where the port parameters sit.
const PORTS: &str = "harbor-config.service.harbor";

/// A node port parameter: as written, or its default.
struct NodePortParam {
    name: &'static str,
    given: Option<u32>,
    default: u16,
}

impl NodePortParam {
    fn path(&self) -> String {
        format!("{PORTS}.{}.nodePort", self.name)
    }

    fn value(&self) -> u32 {
        self.given.unwrap_or(u32::from(self.default))
    }

    fn port(&self) -> Option<Port> {
        u16::try_from(self.value()).ok().and_then(Port::new)
    }
}

fn service_port(
    value: Option<u32>,
    default: u16,
    path: &str,
    findings: &mut Findings<'_>,
) -> Option<Port> {
    let value = value.unwrap_or(u32::from(default));
    let port = u16::try_from(value).ok().and_then(Port::new);
    if port.is_none() && !findings.is_reported(&segments(path)) {
        fail(
            findings,
            path,
            ProblemKind::OutOfRange,
            format!("port {value} is outside 1..65535"),
            "use a TCP port number from 1 to 65535",
        );
    }
    port
}

/// The https and http node ports of a NodePort service: inside `range` and distinct. Problems
/// name only keys the user wrote: a default outside the range is reported at
/// `cluster.nodePortRange`, a written port that meets the other's default at the written one.
fn node_ports(
    https: &NodePortParam,
    http: &NodePortParam,
    range: NodePortRange,
    findings: &mut Findings<'_>,
) -> (Option<Port>, Option<Port>) {
    let mut ok = [true, true];
    let mut defaults_outside = Vec::new();
    for (index, node) in [https, http].into_iter().enumerate() {
        let path = node.path();
        if findings.is_reported(&segments(&path)) {
            ok[index] = false;
            continue;
        }
        let value = node.value();
        // The http port that repeats a written https port is reported as such, below.
        let repeats = index == 1 && https.given.is_some() && value == https.value();
        if !range.contains(value) && !repeats {
            ok[index] = false;
            if node.given.is_some() {
                fail(
                    findings,
                    &path,
                    ProblemKind::NodePortOutsideRange,
                    format!("node port {value} is outside the cluster's node-port range {range}"),
                    &format!(
                        "pick a port from {} to {}, or set cluster.nodePortRange to the API \
                         server's --service-node-port-range",
                        range.low(),
                        range.high()
                    ),
                );
            } else {
                defaults_outside.push(node);
            }
        }
    }
    if !defaults_outside.is_empty() {
        let ports: Vec<String> = defaults_outside
            .iter()
            .map(|node| format!("the {} node port's default {}", node.name, node.default))
            .collect();
        let keys: Vec<String> = defaults_outside
            .iter()
            .map(|node| format!("`{}`", node.path()))
            .collect();
        fail(
            findings,
            "cluster.nodePortRange",
            ProblemKind::NodePortOutsideRange,
            format!(
                "{} {} outside the node-port range {range}",
                ports.join(" and "),
                if ports.len() == 1 { "lies" } else { "lie" }
            ),
            &format!(
                "set {} to a port from {} to {}",
                keys.join(" and "),
                range.low(),
                range.high()
            ),
        );
    }
    let written = usize::from(http.given.is_some());
    let reported_before = |node: &NodePortParam| findings.is_reported(&segments(&node.path()));
    if https.value() == http.value() && !reported_before([https, http][written]) {
        let (written, other) = if written == 1 {
            (http, https)
        } else {
            (https, http)
        };
        let (message, hint) = if other.given.is_some() {
            (
                format!(
                    "the http node port {} is the same as the https node port",
                    written.value()
                ),
                "both are opened on every node: give them different ports".to_owned(),
            )
        } else {
            (
                format!(
                    "the {} node port {} is the same as the {} node port's default",
                    written.name,
                    written.value(),
                    other.name
                ),
                format!(
                    "both are opened on every node: set `{}` explicitly to another port, or \
                     pick another {} node port",
                    other.path(),
                    written.name
                ),
            )
        };
        fail(
            findings,
            &written.path(),
            ProblemKind::DuplicateNodePort,
            message,
            &hint,
        );
        return (None, None);
    }
    let port = |index: usize, node: &NodePortParam| node.port().filter(|_| ok[index]);
    (port(0, https), port(1, http))
}

fn storage(params: StorageParams, findings: &mut Findings<'_>) -> Option<Storage> {
    let mut size = |value: Option<SizeParam>, default: u32, key: &str| -> Option<Gigabytes> {
        let path = format!("harbor-config.storage.{key}");
        let gigabytes = match value {
            None => return Gigabytes::new(default),
            Some(SizeParam::Gigabytes(n)) => u32::try_from(n).ok(),
            Some(SizeParam::Quantity(text)) => {
                text.strip_suffix("Gi").and_then(|n| n.parse::<u32>().ok())
            }
        }
        .and_then(Gigabytes::new);
        if gigabytes.is_none() && !findings.is_reported(&segments(&path)) {
            fail(
                findings,
                &path,
                ProblemKind::InvalidSize,
                "size is not a whole number of GB from 1 to 4294967295".into(),
                "write an integer such as 120, or a quantity such as \"120Gi\"",
            );
        }
        gigabytes
    };
    let registry = size(params.registry, defaults::REGISTRY_GB, "registry");
    let job_service = size(params.job_service, defaults::JOB_SERVICE_GB, "jobService");
    let database = size(params.database, defaults::DATABASE_GB, "database");
    let redis = size(params.redis, defaults::REDIS_GB, "redis");
    let trivy = size(params.trivy, defaults::TRIVY_GB, "trivy");
    let storage = Storage {
        registry: registry?,
        job_service: job_service?,
        database: database?,
        redis: redis?,
        trivy: trivy?,
        storage_class: params.storage_class,
    };
    let total = storage.total_gb();
    if total < u64::from(RECOMMENDED_STORAGE_GB) {
        findings.warning(
            Warning {
                kind: WarningKind::StorageBelowRecommended,
                path: String::new(),
                position: None,
                message: format!(
                    "the volumes add up to {total} GB; the pack asks for at least {RECOMMENDED_STORAGE_GB} GB"
                ),
            },
            &segments("harbor-config.storage"),
        );
    }
    if let Some(class) = &storage.storage_class {
        if !is_dns_subdomain(class) {
            findings.warning(
                Warning {
                    kind: WarningKind::StorageClassName,
                    path: String::new(),
                    position: None,
                    message: "the storage class name is not a valid Kubernetes object name \
                              (lower-case DNS subdomain); no StorageClass can have it, so the \
                              volumes would stay Pending"
                        .into(),
                },
                &segments("harbor-config.storage.storageClass"),
            );
        }
    }
    Some(storage)
}

/// A DNS-1123 subdomain: what Kubernetes allows as a StorageClass name.
pub(crate) fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn auth(params: AuthParams, findings: &mut Findings<'_>) -> Option<Auth> {
    let password_path = "harbor-config.auth.password";
    let password = match params.password {
        None => Some(None),
        Some(_) if findings.is_reported(&segments(password_path)) => None,
        Some(secret) => match AdminPassword::new(secret) {
            Ok(password) => Some(Some(password)),
            Err(reason) => {
                fail(
                    findings,
                    password_path,
                    ProblemKind::PasswordPolicy,
                    format!("the admin password {reason}"),
                    AdminPassword::POLICY_HINT,
                );
                None
            }
        },
    };
    let certs = params.certs.unwrap_or_default();
    let certs_path = "harbor-config.auth.certs";
    let provided = match (certs.cert, certs.key) {
        (Some(cert), Some(key)) => Some(Some(ProvidedCerts {
            cert,
            key,
            ca: certs.ca,
        })),
        (None, None) => {
            if certs.ca.is_some() {
                fail(
                    findings,
                    &format!("{certs_path}.ca"),
                    ProblemKind::IncompleteCertificate,
                    "a CA is given without a certificate and key".into(),
                    "give `cert` and `key` too, or leave `ca` out: a generated certificate comes with its own CA",
                );
                None
            } else {
                Some(None)
            }
        }
        (Some(_), None) => {
            if !findings.is_reported(&segments(&format!("{certs_path}.key"))) {
                fail(
                    findings,
                    &format!("{certs_path}.key"),
                    ProblemKind::IncompleteCertificate,
                    "a certificate is given without its private key".into(),
                    "give both `cert` and `key`, or neither to have them generated",
                );
            }
            None
        }
        (None, Some(_)) => {
            if !findings.is_reported(&segments(&format!("{certs_path}.cert"))) {
                fail(
                    findings,
                    &format!("{certs_path}.cert"),
                    ProblemKind::IncompleteCertificate,
                    "a private key is given without its certificate".into(),
                    "give both `cert` and `key`, or neither to have them generated",
                );
            }
            None
        }
    };
    Some(Auth {
        password: password?,
        certs: provided?,
    })
}
