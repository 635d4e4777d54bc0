//! The service's ports (SPEC 2.2): service ports 1 to 65535; node ports, for NodePort services
//! only, inside the cluster's node-port range and distinct from each other.

use super::semantic::fail;
use super::{Findings, segments};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::model::config::{
    Metrics, NodePortRange, Port, PortPair, Service, ServiceType, defaults,
};
use crate::model::params::ServiceParams;
use crate::path::Path;

pub(super) fn service(
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
                    Diagnostic::new(
                        DiagnosticKind::IgnoredParameter,
                        Path::root(),
                        format!(
                            "the {} node port is ignored: node ports are used only when \
                             serviceType is NodePort",
                            node.name
                        ),
                    ),
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
            DiagnosticKind::OutOfRange,
            format!("port {value} is outside 1..65535"),
            "use a TCP port number from 1 to 65535",
        );
    }
    port
}

/// The https and http node ports of a NodePort service: inside `range` and distinct. Diagnostics
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
                    DiagnosticKind::NodePortOutsideRange,
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
            DiagnosticKind::NodePortOutsideRange,
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
            DiagnosticKind::DuplicateNodePort,
            message,
            &hint,
        );
        return (None, None);
    }
    let port = |index: usize, node: &NodePortParam| node.port().filter(|_| ok[index]);
    (port(0, https), port(1, http))
}
