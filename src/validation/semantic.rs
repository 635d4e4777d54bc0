//! Semantic rules on the typed parameters, and defaults: from [`DocumentParams`] to [`Config`].

use std::net::IpAddr;

use super::{Findings, ports, segments};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::model::config::{
    AdminPassword, Auth, Cluster, ClusterUid, Config, Gigabytes, NodePortRange, ProvidedCerts,
    RECOMMENDED_STORAGE_GB, Storage, defaults,
};
use crate::model::params::{AuthParams, ClusterParams, DocumentParams, SizeParam, StorageParams};
use crate::path::Path;

/// Builds the configuration, or `None` when a problem was found (all of them recorded).
pub(crate) fn build_config(params: DocumentParams, findings: &mut Findings<'_>) -> Option<Config> {
    let config = params.harbor_config.unwrap_or_default();
    let cluster = cluster(config_cluster(params.cluster), findings);
    let node_port_range = cluster
        .as_ref()
        .map(|c| c.node_port_range)
        .unwrap_or_default();
    let service = ports::service(
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

pub(super) fn fail(
    findings: &mut Findings<'_>,
    path: &str,
    kind: DiagnosticKind,
    message: impl Into<String>,
    hint: &str,
) {
    findings.problem(
        Diagnostic::new(kind, Path::root(), message).with_hint(hint),
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
                        DiagnosticKind::InvalidClusterUid,
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
                    DiagnosticKind::Missing,
                    "the cluster uid is required",
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
                    DiagnosticKind::Missing,
                    "the cluster's virtual IP is required",
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
                    DiagnosticKind::InvalidNodePortRange,
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
                DiagnosticKind::InvalidIpAddress,
                format!("{shown} is not an IPv4 or IPv6 address"),
                "write an address such as 10.10.1.5 or fd00::5, without a prefix length or port",
            );
            None
        }
    }
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
                DiagnosticKind::InvalidSize,
                "size is not a whole number of GB from 1 to 4294967295",
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
            Diagnostic::new(DiagnosticKind::StorageBelowRecommended, Path::root(), format!(
                    "the volumes add up to {total} GB; the pack asks for at least {RECOMMENDED_STORAGE_GB} GB"
                )),
            &segments("harbor-config.storage"),
        );
    }
    if let Some(class) = &storage.storage_class {
        if !is_dns_subdomain(class) {
            findings.warning(
                Diagnostic::new(
                    DiagnosticKind::StorageClassName,
                    Path::root(),
                    "the storage class name is not a valid Kubernetes object name \
                              (lower-case DNS subdomain); no StorageClass can have it, so the \
                              volumes would stay Pending",
                ),
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
                    DiagnosticKind::PasswordPolicy,
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
                    DiagnosticKind::IncompleteCertificate,
                    "a CA is given without a certificate and key",
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
                    DiagnosticKind::IncompleteCertificate,
                    "a certificate is given without its private key",
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
                    DiagnosticKind::IncompleteCertificate,
                    "a private key is given without its certificate",
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
