//! The service's ports (SPEC 2.2): service ports 1 to 65535; node ports, for NodePort services
//! only, inside the cluster's node-port range and distinct from each other.

use super::reader::Reader;
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::model::parameters::{
    self, HTTP_NODE_PORT, HTTP_PORT, HTTPS_NODE_PORT, HTTPS_PORT, NODE_PORT_RANGE, Parameter,
    SERVICE_TYPE, Values,
};
use crate::model::{Metrics, NodePortRange, Port, PortPair, Service, ServiceType};
use crate::path::Path;

pub(super) fn service(reader: &mut Reader<'_, '_, '_>, range: NodePortRange) -> Option<Service> {
    // The schema check let only the declared names through.
    let service_type = reader
        .given(&SERVICE_TYPE)
        .and_then(|value| value.as_str())
        .or(SERVICE_TYPE.default_text())
        .and_then(parameters::service_type)?;
    let https_port = reader.port(&HTTPS_PORT).flatten();
    let http_port = reader.port(&HTTP_PORT).flatten();
    let https_node = NodePortParam::read(reader, "https", &HTTPS_NODE_PORT);
    let http_node = NodePortParam::read(reader, "http", &HTTP_NODE_PORT);
    let (https_node_port, http_node_port) = if service_type == ServiceType::NodePort {
        node_ports(&https_node, &http_node, range, reader)
    } else {
        // Node ports exist only for NodePort services: the values are kept (the schema checked
        // 1..65535) but neither checked against the range nor rendered.
        for node in [&https_node, &http_node] {
            if node.given.is_some() && !reader.is_reported(node.parameter) {
                reader.findings.warning(
                    Diagnostic::new(
                        DiagnosticKind::IgnoredParameter,
                        Path::root(),
                        format!(
                            "the {} node port is ignored: node ports are used only when \
                             serviceType is NodePort",
                            node.name
                        ),
                    ),
                    &node.parameter.segments(),
                );
            }
        }
        (https_node.port(), http_node.port())
    };
    let metrics = Metrics::read(reader);
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
        metrics: metrics?,
    })
}

/// A node port parameter: as written, or its default.
struct NodePortParam {
    name: &'static str,
    parameter: &'static Parameter,
    given: Option<u32>,
}

impl NodePortParam {
    fn read(
        reader: &Reader<'_, '_, '_>,
        name: &'static str,
        parameter: &'static Parameter,
    ) -> Self {
        let given = reader
            .given(parameter)
            .and_then(|value| value.as_u64())
            .and_then(|value| u32::try_from(value).ok());
        Self {
            name,
            parameter,
            given,
        }
    }

    fn default(&self) -> u32 {
        self.parameter.default_integer()
    }

    fn value(&self) -> u32 {
        self.given.unwrap_or(self.default())
    }

    fn port(&self) -> Option<Port> {
        u16::try_from(self.value()).ok().and_then(Port::new)
    }
}

/// The https and http node ports of a NodePort service: inside `range` and distinct. Diagnostics
/// name only keys the user wrote: a default outside the range is reported at
/// `cluster.nodePortRange`, a written port that meets the other's default at the written one.
fn node_ports(
    https: &NodePortParam,
    http: &NodePortParam,
    range: NodePortRange,
    reader: &mut Reader<'_, '_, '_>,
) -> (Option<Port>, Option<Port>) {
    let mut ok = [true, true];
    let mut defaults_outside = Vec::new();
    for (index, node) in [https, http].into_iter().enumerate() {
        if reader.is_reported(node.parameter) {
            ok[index] = false;
            continue;
        }
        let value = node.value();
        // The http port that repeats a written https port is reported as such, below.
        let repeats = index == 1 && https.given.is_some() && value == https.value();
        if !range.contains(value) && !repeats {
            ok[index] = false;
            if node.given.is_some() {
                reader.fail(
                    node.parameter,
                    DiagnosticKind::NodePortOutsideRange,
                    format!("node port {value} is outside the cluster's node-port range {range}"),
                    &format!(
                        "pick a port from {} to {}, or set {} to the API server's \
                         --service-node-port-range",
                        range.low(),
                        range.high(),
                        NODE_PORT_RANGE.path()
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
            .map(|node| format!("the {} node port's default {}", node.name, node.default()))
            .collect();
        let keys: Vec<String> = defaults_outside
            .iter()
            .map(|node| format!("`{}`", node.parameter.path()))
            .collect();
        reader.fail(
            &NODE_PORT_RANGE,
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
    if https.value() == http.value() && !reader.is_reported([https, http][written].parameter) {
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
                    other.parameter.path(),
                    written.name
                ),
            )
        };
        reader.fail(
            written.parameter,
            DiagnosticKind::DuplicateNodePort,
            message,
            &hint,
        );
        return (None, None);
    }
    let port = |index: usize, node: &NodePortParam| node.port().filter(|_| ok[index]);
    (port(0, https), port(1, http))
}
