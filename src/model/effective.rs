//! The fully defaulted parameters, in the input's own shape, for display (`harbor-edge defaults`).

use serde::Serialize;

use super::config::{Config, Gigabytes, PortPair};
use super::params::{
    AuthParams, CertsParams, ClusterParams, DocumentParams, HarborConfigParams, HarborPortsParams,
    MetricsParams, PortParams, ServiceParams, SizeParam, StorageParams,
};

/// The effective parameters of a [`Config`]: every default filled in, secrets redacted, and
/// credentials that will be generated left out. Serializes to the same document shape the input
/// uses.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct EffectiveParameters(DocumentParams);

impl From<&Config> for EffectiveParameters {
    fn from(config: &Config) -> Self {
        let ports = |pair: PortPair| PortParams {
            port: Some(u32::from(pair.port.get())),
            node_port: Some(u32::from(pair.node_port.get())),
        };
        let size = |gb: Gigabytes| Some(SizeParam::Gigabytes(u64::from(gb.get())));
        let auth = AuthParams {
            password: config
                .auth
                .password
                .as_ref()
                .map(|password| password.secret().clone()),
            certs: config.auth.certs.as_ref().map(|certs| CertsParams {
                cert: Some(certs.cert.clone()),
                key: Some(certs.key.clone()),
                ca: certs.ca.clone(),
            }),
        };
        let storage = &config.storage;
        let cluster = &config.cluster;
        Self(DocumentParams {
            harbor_config: Some(HarborConfigParams {
                auth: Some(auth),
                service: Some(ServiceParams {
                    service_type: Some(config.service.service_type),
                    harbor: Some(HarborPortsParams {
                        https: Some(ports(config.service.https)),
                        http: Some(ports(config.service.http)),
                    }),
                    metrics: Some(MetricsParams {
                        enabled: Some(config.service.metrics.enabled),
                        service_monitor: Some(config.service.metrics.service_monitor),
                    }),
                }),
                storage: Some(StorageParams {
                    registry: size(storage.registry),
                    job_service: size(storage.job_service),
                    database: size(storage.database),
                    redis: size(storage.redis),
                    trivy: size(storage.trivy),
                    storage_class: storage.storage_class.clone(),
                }),
            }),
            cluster: Some(ClusterParams {
                uid: Some(cluster.uid.to_string()),
                vip: Some(cluster.vip.to_string()),
                node_ips: Some(cluster.node_ips.iter().map(ToString::to_string).collect()),
                node_port_range: Some(cluster.node_port_range.to_string()),
            }),
        })
    }
}

impl EffectiveParameters {
    /// As a YAML document.
    pub fn to_yaml(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_yaml::to_string(self).unwrap_or_default()
    }
}
