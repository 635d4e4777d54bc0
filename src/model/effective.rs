//! The fully defaulted parameters, in the input's own shape, for display (`harbor-edge defaults`).

use serde::Serialize;
use serde_yaml::Value;

use super::config::{Config, Gigabytes, PortPair};
use super::params::{
    AuthParams, ClusterParams, DocumentParams, HarborConfigParams, HarborPortsParams,
    MetricsParams, PortParams, ServiceParams, SizeParam, StorageParams,
};
use crate::certificate::CertificateSummary;
use crate::secret::SecretString;

/// The effective parameters of a [`Config`]: every default filled in, secrets redacted, and
/// credentials that will be generated left out. Serializes to the same document shape the input
/// uses, except that provided certificates are shown as summaries (subject, issuer, names,
/// validity, key, SHA-256 fingerprint; see [`CertificateSummary`]), never as PEM: a listing
/// must not carry a private key pasted where a certificate belongs.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct EffectiveParameters(Value);

/// `harbor-config.auth.certs` as the listing shows it.
#[derive(Serialize)]
struct CertsShown {
    cert: CertificatesShown,
    key: SecretString,
    #[serde(skip_serializing_if = "Option::is_none")]
    ca: Option<CertificatesShown>,
}

/// The certificates of one PEM text, or why it cannot be read.
#[derive(Serialize)]
#[serde(untagged)]
enum CertificatesShown {
    Read(Vec<CertificateSummary>),
    Unreadable { unreadable: String },
}

impl CertificatesShown {
    fn of(text: &str) -> Self {
        match CertificateSummary::from_pem(text) {
            Ok(summaries) => Self::Read(summaries),
            // The message never quotes the text; only the reason is kept.
            Err(crate::Error::Credentials { message, .. }) => Self::Unreadable {
                unreadable: message,
            },
            Err(_) => Self::Unreadable {
                unreadable: "is not a certificate".to_owned(),
            },
        }
    }
}

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
            // Filled in below, as summaries.
            certs: None,
        };
        let certs = config.auth.certs.as_ref().map(|certs| CertsShown {
            cert: CertificatesShown::of(&certs.cert),
            key: certs.key.clone(),
            ca: certs.ca.as_deref().map(CertificatesShown::of),
        });
        let storage = &config.storage;
        let cluster = &config.cluster;
        let document = DocumentParams {
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
        };
        // Plain data with string keys: the conversions cannot fail.
        let mut value = serde_yaml::to_value(&document).unwrap_or(Value::Null);
        if let (Some(certs), Some(auth)) = (
            certs,
            value
                .get_mut("harbor-config")
                .and_then(|config| config.get_mut("auth"))
                .and_then(Value::as_mapping_mut),
        ) {
            auth.insert(
                Value::from("certs"),
                serde_yaml::to_value(certs).unwrap_or(Value::Null),
            );
        }
        Self(value)
    }
}

impl EffectiveParameters {
    /// As a YAML document.
    pub fn to_yaml(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_yaml::to_string(self).unwrap_or_default()
    }
}
