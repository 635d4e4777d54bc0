//! The fully defaulted parameters, in the input's own shape, for display (`harbor-edge defaults`).

use serde::Serialize;
use serde_yaml::{Mapping, Value};

use super::config::Config;
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
        // Plain data with string keys: the conversions cannot fail.
        let value = |data: &dyn erased::Data| data.to_yaml();
        let mut auth = Mapping::new();
        if let Some(password) = &config.auth.password {
            auth.insert("password".into(), value(password.secret()));
        }
        if let Some(certs) = &config.auth.certs {
            let shown = CertsShown {
                cert: CertificatesShown::of(&certs.cert),
                key: certs.key.clone(),
                ca: certs.ca.as_deref().map(CertificatesShown::of),
            };
            auth.insert("certs".into(), value(&shown));
        }
        let service = &config.service;
        let mut ports = Mapping::new();
        ports.insert("https".into(), value(&service.https));
        ports.insert("http".into(), value(&service.http));
        let mut service_shown = Mapping::new();
        service_shown.insert("serviceType".into(), value(&service.service_type));
        service_shown.insert("harbor".into(), ports.into());
        service_shown.insert("metrics".into(), value(&service.metrics));
        let mut harbor_config = Mapping::new();
        harbor_config.insert("auth".into(), auth.into());
        harbor_config.insert("service".into(), service_shown.into());
        harbor_config.insert("storage".into(), value(&config.storage));
        let cluster = &config.cluster;
        let mut cluster_shown = Mapping::new();
        cluster_shown.insert("uid".into(), cluster.uid.to_string().into());
        cluster_shown.insert("vip".into(), cluster.vip.to_string().into());
        let node_ips: Vec<Value> = cluster
            .node_ips
            .iter()
            .map(|ip| ip.to_string().into())
            .collect();
        cluster_shown.insert("nodeIps".into(), node_ips.into());
        cluster_shown.insert(
            "nodePortRange".into(),
            cluster.node_port_range.to_string().into(),
        );
        let mut document = Mapping::new();
        document.insert("harbor-config".into(), harbor_config.into());
        document.insert("cluster".into(), cluster_shown.into());
        Self(document.into())
    }
}

/// Serialization to a YAML value through a trait object, so one closure serves every section.
mod erased {
    pub(super) trait Data {
        fn to_yaml(&self) -> serde_yaml::Value;
    }

    impl<T: serde::Serialize> Data for T {
        fn to_yaml(&self) -> serde_yaml::Value {
            // Plain data with string keys: the conversion cannot fail.
            serde_yaml::to_value(self).unwrap_or(serde_yaml::Value::Null)
        }
    }
}

impl EffectiveParameters {
    /// As a YAML document.
    pub fn to_yaml(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_yaml::to_string(self).unwrap_or_default()
    }
}
