//! The Helm values for goharbor/harbor 1.19.x, computed as data (SPEC 5). The template only
//! prints them (`{{ values | to_yaml }}`), so every key here is spelled once, typed, and checked
//! against the chart's values in the tests.

use serde::Serialize;

use crate::model::{ADMIN_PASSWORD_KEY, ADMIN_PASSWORD_SECRET, REGISTRY_HOST, TLS_SECRET};
use crate::{Config, Gigabytes, ServiceType};

/// The chart's values, as far as harbor-edge sets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HelmValues {
    expose: Expose,
    #[serde(rename = "externalURL")]
    external_url: String,
    ca_secret_name: &'static str,
    existing_secret_admin_password: &'static str,
    existing_secret_admin_password_key: &'static str,
    persistence: Persistence,
    metrics: MetricsValues,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Expose {
    #[serde(rename = "type")]
    service_type: &'static str,
    tls: ExposeTls,
    #[serde(rename = "nodePort", skip_serializing_if = "Option::is_none")]
    node_port: Option<NodePortExpose>,
    #[serde(rename = "clusterIP", skip_serializing_if = "Option::is_none")]
    cluster_ip: Option<ServicePorts>,
    #[serde(rename = "loadBalancer", skip_serializing_if = "Option::is_none")]
    load_balancer: Option<ServicePorts>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExposeTls {
    enabled: bool,
    cert_source: &'static str,
    secret: TlsSecretRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct TlsSecretRef {
    secret_name: &'static str,
}

/// `expose.nodePort`: `ports.{http,https}.{port,nodePort}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct NodePortExpose {
    ports: NodePorts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct NodePorts {
    http: NodePortPair,
    https: NodePortPair,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct NodePortPair {
    port: u16,
    node_port: u16,
}

/// `expose.clusterIP` and `expose.loadBalancer`: `ports.{httpPort,httpsPort}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct ServicePorts {
    ports: HttpHttpsPorts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct HttpHttpsPorts {
    http_port: u16,
    https_port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Persistence {
    enabled: bool,
    persistent_volume_claim: VolumeClaims,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct VolumeClaims {
    registry: VolumeClaim,
    jobservice: JobServiceClaims,
    database: VolumeClaim,
    redis: VolumeClaim,
    trivy: VolumeClaim,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct JobServiceClaims {
    job_log: VolumeClaim,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct VolumeClaim {
    size: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    storage_class: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct MetricsValues {
    enabled: bool,
    service_monitor: ServiceMonitor,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct ServiceMonitor {
    enabled: bool,
}

impl HelmValues {
    /// The values for a validated configuration.
    pub(crate) fn from_config(config: &Config) -> Self {
        let service = &config.service;
        let (http, https) = (service.http, service.https);
        let service_ports = || ServicePorts {
            ports: HttpHttpsPorts {
                http_port: http.port.get(),
                https_port: https.port.get(),
            },
        };
        let mut expose = Expose {
            service_type: expose_type(service.service_type),
            tls: ExposeTls {
                enabled: true,
                cert_source: "secret",
                secret: TlsSecretRef {
                    secret_name: TLS_SECRET,
                },
            },
            node_port: None,
            cluster_ip: None,
            load_balancer: None,
        };
        match service.service_type {
            ServiceType::NodePort => {
                expose.node_port = Some(NodePortExpose {
                    ports: NodePorts {
                        http: NodePortPair {
                            port: http.port.get(),
                            node_port: http.node_port.get(),
                        },
                        https: NodePortPair {
                            port: https.port.get(),
                            node_port: https.node_port.get(),
                        },
                    },
                });
            }
            ServiceType::ClusterIP => expose.cluster_ip = Some(service_ports()),
            ServiceType::LoadBalancer => expose.load_balancer = Some(service_ports()),
        }

        let storage = &config.storage;
        let claim = |size: Gigabytes| VolumeClaim {
            size: size.quantity(),
            storage_class: storage.storage_class.clone(),
        };
        Self {
            expose,
            external_url: external_url(config),
            ca_secret_name: TLS_SECRET,
            existing_secret_admin_password: ADMIN_PASSWORD_SECRET,
            existing_secret_admin_password_key: ADMIN_PASSWORD_KEY,
            persistence: Persistence {
                enabled: true,
                persistent_volume_claim: VolumeClaims {
                    registry: claim(storage.registry),
                    jobservice: JobServiceClaims {
                        job_log: claim(storage.job_service),
                    },
                    database: claim(storage.database),
                    redis: claim(storage.redis),
                    trivy: claim(storage.trivy),
                },
            },
            metrics: MetricsValues {
                enabled: service.metrics.enabled,
                service_monitor: ServiceMonitor {
                    enabled: service.metrics.service_monitor,
                },
            },
        }
    }
}

/// The chart's `expose.type` for a service type.
fn expose_type(service_type: ServiceType) -> &'static str {
    match service_type {
        ServiceType::NodePort => "nodePort",
        ServiceType::ClusterIP => "clusterIP",
        ServiceType::LoadBalancer => "loadBalancer",
    }
}

/// `host[:port]` clients use to reach Harbor: the https node port for NodePort, the service's
/// https port otherwise; `:443` left out.
pub(crate) fn registry_endpoint(config: &Config) -> String {
    let https = config.service.https;
    let port = match config.service.service_type {
        ServiceType::NodePort => https.node_port.get(),
        ServiceType::ClusterIP | ServiceType::LoadBalancer => https.port.get(),
    };
    if port == 443 {
        REGISTRY_HOST.to_owned()
    } else {
        format!("{REGISTRY_HOST}:{port}")
    }
}

/// `externalURL`: Docker and containerd fetch tokens from the realm this names.
pub(crate) fn external_url(config: &Config) -> String {
    format!("https://{}", registry_endpoint(config))
}
