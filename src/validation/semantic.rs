//! The typed model from the checked document: each parameter read through its declaration
//! (default included), then the rules no schema can say (cross-parameter rules, IP addresses,
//! the password's character classes, sizes that must fit a `u32`).

use std::net::IpAddr;

use serde_json::Value as Json;

use super::reader::Reader;
use super::{Findings, ports};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::model::parameters::{
    ADMIN_PASSWORD, CA, CERT, CLUSTER_UID, CLUSTER_VIP, DATABASE_SIZE, JOB_SERVICE_SIZE, KEY,
    NODE_IPS, NODE_PORT_RANGE, Parameter, REDIS_SIZE, REGISTRY_SIZE, STORAGE_CLASS, TRIVY_SIZE,
};
use crate::model::{
    AdminPassword, Auth, Cluster, ClusterUid, Config, Gigabytes, NodePortRange, ProvidedCerts,
    RECOMMENDED_STORAGE_GB, Storage,
};
use crate::path::Path;
use crate::secret::SecretString;

/// Builds the configuration, or `None` when a problem was found (all of them recorded).
pub(crate) fn build_config(document: &Json, findings: &mut Findings<'_>) -> Option<Config> {
    let mut reader = Reader { document, findings };
    let cluster = cluster(&mut reader);
    let node_port_range = cluster
        .as_ref()
        .map(|c| c.node_port_range)
        .unwrap_or_default();
    let service = ports::service(&mut reader, node_port_range);
    let storage = storage(&mut reader);
    let auth = auth(&mut reader);
    Some(Config {
        auth: auth?,
        service: service?,
        storage: storage?,
        cluster: cluster?,
    })
}

fn cluster(reader: &mut Reader<'_, '_, '_>) -> Option<Cluster> {
    let mut ok = true;
    let uid = match reader.text(&CLUSTER_UID) {
        Some(text) => match ClusterUid::new(text) {
            Ok(uid) => Some(uid),
            Err(_) => {
                let given = reader.given(&CLUSTER_UID);
                reader.refuse(&CLUSTER_UID, &CLUSTER_UID.segments(), given);
                None
            }
        },
        None => {
            reader.fail(
                &CLUSTER_UID,
                DiagnosticKind::Missing,
                "the cluster uid is required",
                "add `cluster: {uid: ...}` to the document, or pass --cluster-uid",
            );
            None
        }
    };
    let vip = match reader.given(&CLUSTER_VIP) {
        Some(value) => ip_address(reader, &CLUSTER_VIP, CLUSTER_VIP.segments(), value),
        None => {
            reader.fail(
                &CLUSTER_VIP,
                DiagnosticKind::Missing,
                "the cluster's virtual IP is required",
                "add `cluster: {vip: ...}` to the document, or pass --vip",
            );
            None
        }
    };
    let mut node_ips = Vec::new();
    let items = reader
        .given(&NODE_IPS)
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (index, item) in items.iter().enumerate() {
        let mut segments = NODE_IPS.segments();
        segments.push(index.to_string());
        match ip_address(reader, &NODE_IPS, segments, item) {
            Some(ip) if !node_ips.contains(&ip) => node_ips.push(ip),
            Some(_) => {}
            None => ok = false,
        }
    }
    let node_port_range = match reader.given(&NODE_PORT_RANGE) {
        Some(value) => match value.as_str().and_then(NodePortRange::parse) {
            Some(range) => range,
            None => {
                reader.refuse(&NODE_PORT_RANGE, &NODE_PORT_RANGE.segments(), Some(value));
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

fn ip_address(
    reader: &mut Reader<'_, '_, '_>,
    parameter: &Parameter,
    segments: Vec<String>,
    value: &Json,
) -> Option<IpAddr> {
    let ip = value
        .as_str()
        .and_then(|text| text.trim().parse::<IpAddr>().ok());
    if ip.is_none() {
        reader.refuse(parameter, &segments, Some(value));
    }
    ip
}

fn storage(reader: &mut Reader<'_, '_, '_>) -> Option<Storage> {
    let mut size = |parameter: &Parameter| -> Option<Gigabytes> {
        let gigabytes = match reader.given(parameter) {
            None => Some(parameter.default_integer()),
            Some(Json::String(text)) => text.strip_suffix("Gi").and_then(|n| n.parse::<u32>().ok()),
            Some(value) => value.as_u64().and_then(|n| u32::try_from(n).ok()),
        }
        .and_then(Gigabytes::new);
        if gigabytes.is_none() {
            let given = reader.given(parameter);
            reader.refuse(parameter, &parameter.segments(), given);
        }
        gigabytes
    };
    let registry = size(&REGISTRY_SIZE);
    let job_service = size(&JOB_SERVICE_SIZE);
    let database = size(&DATABASE_SIZE);
    let redis = size(&REDIS_SIZE);
    let trivy = size(&TRIVY_SIZE);
    let storage = Storage {
        registry: registry?,
        job_service: job_service?,
        database: database?,
        redis: redis?,
        trivy: trivy?,
        storage_class: reader.text(&STORAGE_CLASS).map(str::to_owned),
    };
    let total = storage.total_gb();
    if total < u64::from(RECOMMENDED_STORAGE_GB) {
        reader.findings.warning(
            Diagnostic::new(
                DiagnosticKind::StorageBelowRecommended,
                Path::root(),
                format!(
                    "the volumes add up to {total} GB; the pack asks for at least \
                     {RECOMMENDED_STORAGE_GB} GB"
                ),
            ),
            &STORAGE_CLASS.section(),
        );
    }
    if let Some(class) = &storage.storage_class {
        if !is_dns_subdomain(class) {
            reader.findings.warning(
                Diagnostic::new(
                    DiagnosticKind::StorageClassName,
                    Path::root(),
                    "the storage class name is not a valid Kubernetes object name \
                     (lower-case DNS subdomain); no StorageClass can have it, so the \
                     volumes would stay Pending",
                ),
                &STORAGE_CLASS.segments(),
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

/// What to do about half of a certificate and key.
const PAIR_HINT: &str = "give both `cert` and `key`, or neither to have them generated";

fn auth(reader: &mut Reader<'_, '_, '_>) -> Option<Auth> {
    let password = match reader.text(&ADMIN_PASSWORD) {
        None => Some(None),
        Some(text) => match AdminPassword::new(SecretString::from(text)) {
            Ok(password) => Some(Some(password)),
            Err(_) => {
                let given = reader.given(&ADMIN_PASSWORD);
                reader.refuse(&ADMIN_PASSWORD, &ADMIN_PASSWORD.segments(), given);
                None
            }
        },
    };
    let cert = reader.text(&CERT).map(str::to_owned);
    let key = reader.text(&KEY).map(SecretString::from);
    let ca = reader.text(&CA).map(str::to_owned);
    let provided = match (cert, key) {
        (Some(cert), Some(key)) => Some(Some(ProvidedCerts { cert, key, ca })),
        (None, None) if ca.is_some() => {
            reader.fail(
                &CA,
                DiagnosticKind::IncompleteCertificate,
                "a CA is given without a certificate and key",
                "give `cert` and `key` too, or leave `ca` out: a generated certificate comes \
                 with its own CA",
            );
            None
        }
        (None, None) => Some(None),
        (Some(_), None) => {
            reader.fail(
                &KEY,
                DiagnosticKind::IncompleteCertificate,
                "a certificate is given without its private key",
                PAIR_HINT,
            );
            None
        }
        (None, Some(_)) => {
            reader.fail(
                &CERT,
                DiagnosticKind::IncompleteCertificate,
                "a private key is given without its certificate",
                PAIR_HINT,
            );
            None
        }
    };
    Some(Auth {
        password: password?,
        certs: provided?,
    })
}
