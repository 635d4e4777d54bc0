//! The bootstrap Job (SPEC 7) of both cluster targets: it waits for Harbor's API, then makes
//! Harbor the nodes' mirror in the chosen [`MirrorLayout`] through Harbor's REST API, with the
//! script `templates/harbor-bootstrap.py` (Python 3, standard library only).
//!
//! | object | holds |
//! |---|---|
//! | ConfigMap `harbor/harbor-bootstrap-<hash>` (immutable) | `harbor-bootstrap.py`, and `config.json`: what to make in Harbor and how to reach it |
//! | Job `harbor/harbor-bootstrap-<hash>` | one container, `python3 -I -B` on the script, restricted security context, no service account token |
//! | Secret `harbor/harbor-pull-robot` (Palette layout, private project) | `HARBOR_ROBOT_SECRET`, the secret the Job sets on the nodes' robot |
//!
//! The Job reads the admin password from `harbor-admin-password` and the robot secret from
//! `harbor-pull-robot` as environment variables (`secretKeyRef`), and mounts only `ca.crt` of
//! `harbor-tls`. `<hash>` is a digest of the configuration, the script, the image and the robot
//! secret: changing any of them makes a new Job (a Job's pod template cannot be changed), and
//! the same render makes the same name.

use std::fmt;

use minijinja::context;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use super::environment as t;
use super::objects::{Expect, Planned, file_name};
use crate::Config;
use crate::credentials::{Credentials, ROBOT_SECRET_KEY, ROBOT_SECRET_SECRET};
use crate::error::{Error, Problem, ProblemKind, Problems, Result};
use crate::model::{
    ADMIN_PASSWORD_KEY, ADMIN_PASSWORD_SECRET, HARBOR_NAMESPACE, REGISTRY_HOST, TLS_SECRET,
};
use crate::node::{MirrorLayout, NodeOptions, PALETTE_PROJECT, PALETTE_ROBOT};
use crate::output::ObjectKind;

/// The Job's name before its hash, its ConfigMap's too, and its `app.kubernetes.io/name`.
pub const BOOTSTRAP_NAME: &str = "harbor-bootstrap";

/// The image the Job runs unless told otherwise: the official Python 3.13 on Alpine, pinned by
/// the digest of its multi-arch index (Python 3.13.15, Alpine 3.24).
pub const DEFAULT_BOOTSTRAP_IMAGE: &str = "docker.io/library/python:3.13-alpine@sha256:79e7a9b9ff1cbceff819f856fb374477792a5967759d94df266de7b7b4120e6f";

/// The script, as the ConfigMap carries it.
pub(crate) const SCRIPT: &str = include_str!("../../templates/harbor-bootstrap.py");
/// Its key in the ConfigMap.
pub(crate) const SCRIPT_KEY: &str = "harbor-bootstrap.py";
/// The configuration's key in the ConfigMap.
pub(crate) const CONFIG_KEY: &str = "config.json";
/// Where the ConfigMap is mounted.
const SCRIPT_DIR: &str = "/opt/harbor-bootstrap";
/// Where `ca.crt` of `harbor-tls` is mounted.
const CA_DIR: &str = "/etc/harbor-bootstrap/tls";
const CA_KEY: &str = "ca.crt";

/// The chart's Service in front of nginx: `expose.{clusterIP,nodePort,loadBalancer}.name`,
/// `harbor` for every service type unless changed (harbor-edge does not change it).
const CHART_SERVICE: &str = "harbor";

/// How long one pod waits for Harbor's API: 60 tries 10 s apart, 10 minutes.
const WAIT_ATTEMPTS: u32 = 60;
const WAIT_INTERVAL_SECONDS: u32 = 10;
/// The longest one request may take.
const REQUEST_TIMEOUT_SECONDS: u32 = 30;
/// Pods after the first one fails; Kubernetes waits 10 s, 20 s, ... 320 s between them, so a
/// Harbor that is not up yet gets about 80 minutes in all.
const BACKOFF_LIMIT: u32 = 6;
/// How long a finished Job (and its pod's log) stays: a week.
const TTL_SECONDS: u32 = 7 * 24 * 60 * 60;
/// `nobody`: the image's root user is not used.
const RUN_AS: u32 = 65534;

/// The image of the bootstrap Job: a container image reference, by default
/// [`DEFAULT_BOOTSTRAP_IMAGE`]. An override (for an air-gapped install: the same image in a
/// registry the cluster reaches) needs Python 3.9 or later with its `ssl` module as `python3` on
/// `PATH`; pin it by digest as the default is.
///
/// ```
/// use harbor_edge::render::BootstrapImage;
///
/// let image = BootstrapImage::new("registry.example.com:5000/python:3.13-alpine")?;
/// assert_eq!(image.as_str(), "registry.example.com:5000/python:3.13-alpine");
/// assert!(BootstrapImage::new("Python 3").is_err());
/// # Ok::<(), harbor_edge::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BootstrapImage(String);

impl BootstrapImage {
    /// Checks `reference`: `[host[:port]/]path[:tag][@sha256:<64 hex>]` with lower-case path
    /// components. A problem is [`Error::Invalid`] at `bootstrap.image`.
    pub fn new(reference: &str) -> Result<Self> {
        if is_image_reference(reference) {
            return Ok(Self(reference.to_owned()));
        }
        Err(Error::Invalid(Problems(vec![Problem {
            kind: ProblemKind::OutOfRange,
            path: "bootstrap.image".into(),
            position: None,
            message: format!(
                "{:?} is not a container image reference",
                reference.chars().take(80).collect::<String>()
            ),
            hint: Some(format!("for example {DEFAULT_BOOTSTRAP_IMAGE}")),
        }])))
    }

    /// The reference as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for BootstrapImage {
    fn default() -> Self {
        Self(DEFAULT_BOOTSTRAP_IMAGE.to_owned())
    }
}

impl fmt::Display for BootstrapImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `[host[:port]/]path[:tag][@sha256:hex64]`, as the distribution reference grammar has it
/// (path components `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`, tags `\w[\w.-]{0,127}`).
fn is_image_reference(reference: &str) -> bool {
    let (name_and_tag, digest) = match reference.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (reference, None),
    };
    if let Some(digest) = digest {
        let hex = digest.strip_prefix("sha256:").unwrap_or("");
        if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return false;
        }
    }
    // A tag follows the last `:` that comes after the last `/` (a host's port comes before).
    let last_slash = name_and_tag.rfind('/').map_or(0, |at| at + 1);
    let (name, tag) = match name_and_tag[last_slash..].rfind(':') {
        Some(at) => (
            &name_and_tag[..last_slash + at],
            Some(&name_and_tag[last_slash + at + 1..]),
        ),
        None => (name_and_tag, None),
    };
    if let Some(tag) = tag {
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let ok = tag.len() <= 128
            && tag.bytes().next().is_some_and(word)
            && tag.bytes().all(|b| word(b) || b == b'.' || b == b'-');
        if !ok {
            return false;
        }
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    let first = parts[0];
    // The first component names a registry when it looks like a host.
    if parts.len() > 1 && (first.contains(['.', ':']) || first == "localhost") {
        if !is_host(first) {
            return false;
        }
        parts.remove(0);
    }
    name.len() <= 255 && parts.into_iter().all(is_path_component)
}

fn is_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    port.is_none_or(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
        && name.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn is_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(&bytes[0]) || !alnum(&bytes[bytes.len() - 1]) {
        return false;
    }
    // Separators: `.`, `_`, `__` or any run of `-`, always between alphanumerics.
    component
        .split(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        .filter(|separator| !separator.is_empty())
        .all(|separator| {
            matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-')
        })
}

/// The Job's objects, planned: the robot Secret when the layout has a robot, the ConfigMap and
/// the Job.
pub(crate) struct BootstrapPlan {
    pub(crate) robot_secret: Option<Planned>,
    pub(crate) config_map: Planned,
    pub(crate) job: Planned,
}

/// Plans the bootstrap objects for `config` with `node` (mirrors and layout) and `image`.
pub(crate) fn plan(
    config: &Config,
    credentials: &Credentials,
    node: &NodeOptions,
    image: &BootstrapImage,
) -> BootstrapPlan {
    let has_robot = node.layout.node_user().is_some();
    let config_json = format!("{:#}\n", script_config(config, node));
    let name = format!(
        "{BOOTSTRAP_NAME}-{}",
        name_hash(
            &config_json,
            image,
            has_robot.then(|| credentials.robot_secret.expose())
        )
    );
    let robot_secret = has_robot.then(|| robot_secret(credentials));
    let mut env = vec![(
        "HARBOR_ADMIN_PASSWORD",
        ADMIN_PASSWORD_SECRET,
        ADMIN_PASSWORD_KEY,
    )];
    if has_robot {
        env.push(("HARBOR_ROBOT_SECRET", ROBOT_SECRET_SECRET, ROBOT_SECRET_KEY));
    }
    BootstrapPlan {
        robot_secret,
        config_map: config_map(&name, config_json),
        job: job(&name, image, &env),
    }
}

/// What the script reads (see its header): how to reach and trust Harbor, how long to wait,
/// and what to make.
fn script_config(config: &Config, node: &NodeOptions) -> Json {
    let port = config.service.https.port.get();
    let service = format!("{CHART_SERVICE}.{HARBOR_NAMESPACE}.svc");
    let harbor_url = if port == 443 {
        format!("https://{service}")
    } else {
        format!("https://{service}:{port}")
    };
    let mut document = json!({
        "harbor_url": harbor_url,
        // Every server certificate harbor-edge makes or accepts names the registry host; the
        // in-cluster Service name is only on the ones it makes.
        "tls_server_name": REGISTRY_HOST,
        "ca_file": format!("{CA_DIR}/{CA_KEY}"),
        "wait": {"attempts": WAIT_ATTEMPTS, "interval_seconds": WAIT_INTERVAL_SECONDS},
        "request_timeout_seconds": REQUEST_TIMEOUT_SECONDS,
        "layout": node.layout.as_str(),
    });
    match node.layout {
        MirrorLayout::ProxyCache => {
            let upstreams: Vec<Json> = node
                .mirrors
                .iter()
                .map(|registry| {
                    let upstream = registry.upstream_endpoint();
                    let name = registry.harbor_name();
                    json!({
                        "endpoint": name,
                        "type": upstream.provider,
                        "url": upstream.url,
                        "project": name,
                    })
                })
                .collect();
            document["upstreams"] = Json::Array(upstreams);
        }
        MirrorLayout::SpectroImages { public } => {
            let robot = (!public).then_some(PALETTE_ROBOT);
            document["palette"] =
                json!({"project": PALETTE_PROJECT, "public": public, "robot": robot});
        }
    }
    document
}

/// Ten hex digits of a SHA-256 over everything the Job is made of. The robot secret enters as
/// one input among several random ones; forty bits of a digest reveal nothing of it.
fn name_hash(config_json: &str, image: &BootstrapImage, robot_secret: Option<&str>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"harbor-edge bootstrap v1\0");
    for part in [
        config_json,
        SCRIPT,
        image.as_str(),
        robot_secret.unwrap_or(""),
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize()[..5]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The Secret holding the robot secret.
fn robot_secret(credentials: &Credentials) -> Planned {
    let secret = credentials.robot_secret.expose();
    Planned {
        template: t::SECRET_PULL_ROBOT,
        kind: ObjectKind::Secret,
        name: ROBOT_SECRET_SECRET.to_owned(),
        namespace: Some(HARBOR_NAMESPACE.to_owned()),
        file_name: file_name(17, ObjectKind::Secret, ROBOT_SECRET_SECRET),
        context: context! {
            name => ROBOT_SECRET_SECRET,
            namespace => HARBOR_NAMESPACE,
            key => ROBOT_SECRET_KEY,
            secret => secret,
        },
        expect: Expect::Secret {
            secret_type: "Opaque",
            data: vec![(ROBOT_SECRET_KEY, secret.to_owned())],
            annotations: Vec::new(),
        },
    }
}

fn config_map(name: &str, config_json: String) -> Planned {
    let expected = json!({
        "immutable": true,
        "data": {CONFIG_KEY: &config_json, SCRIPT_KEY: SCRIPT},
    });
    Planned {
        template: t::CONFIGMAP_BOOTSTRAP,
        kind: ObjectKind::ConfigMap,
        name: name.to_owned(),
        namespace: Some(HARBOR_NAMESPACE.to_owned()),
        file_name: file_name(21, ObjectKind::ConfigMap, name),
        context: context! {
            name,
            namespace => HARBOR_NAMESPACE,
            app => BOOTSTRAP_NAME,
            config_key => CONFIG_KEY,
            config_json => config_json,
            script_key => SCRIPT_KEY,
            script => SCRIPT,
        },
        expect: super::node::contains(&expected),
    }
}

/// The Job. `env`: (variable, Secret, key) for each secret the script reads.
fn job(name: &str, image: &BootstrapImage, env: &[(&str, &str, &str)]) -> Planned {
    let command = [
        "python3".to_owned(),
        "-I".to_owned(),
        "-B".to_owned(),
        format!("{SCRIPT_DIR}/{SCRIPT_KEY}"),
        format!("{SCRIPT_DIR}/{CONFIG_KEY}"),
    ];
    let resources = json!({
        "requests": {"cpu": "10m", "memory": "32Mi"},
        "limits": {"cpu": "200m", "memory": "128Mi"},
    });
    let expected_env: Vec<Json> = env
        .iter()
        .map(|(variable, secret, key)| {
            json!({"name": variable, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}})
        })
        .collect();
    // What the self-check holds the template to: everything that makes the Job safe and
    // working. The lists (containers, volumes) must be exactly these.
    let expected = json!({
        "spec": {
            "backoffLimit": BACKOFF_LIMIT,
            "ttlSecondsAfterFinished": TTL_SECONDS,
            "template": {"spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": false,
                "securityContext": {
                    "runAsNonRoot": true,
                    "runAsUser": RUN_AS,
                    "runAsGroup": RUN_AS,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": [{
                    "name": "bootstrap",
                    "image": image.as_str(),
                    "imagePullPolicy": "IfNotPresent",
                    "command": &command,
                    "env": expected_env,
                    "resources": &resources,
                    "securityContext": {
                        "allowPrivilegeEscalation": false,
                        "readOnlyRootFilesystem": true,
                        "capabilities": {"drop": ["ALL"]},
                    },
                    "volumeMounts": [
                        {"name": "bootstrap", "mountPath": SCRIPT_DIR, "readOnly": true},
                        {"name": "ca", "mountPath": CA_DIR, "readOnly": true},
                    ],
                }],
                "volumes": [
                    {"name": "bootstrap", "configMap": {"name": name}},
                    {"name": "ca", "secret": {
                        "secretName": TLS_SECRET,
                        "items": [{"key": CA_KEY, "path": CA_KEY}],
                    }},
                ],
            }},
        },
    });
    let env: Vec<_> = env
        .iter()
        .map(|&(variable, secret, key)| context! { name => variable, secret, key })
        .collect();
    Planned {
        template: t::JOB_BOOTSTRAP,
        kind: ObjectKind::Job,
        name: name.to_owned(),
        namespace: Some(HARBOR_NAMESPACE.to_owned()),
        file_name: file_name(22, ObjectKind::Job, name),
        context: context! {
            name,
            namespace => HARBOR_NAMESPACE,
            app => BOOTSTRAP_NAME,
            backoff_limit => BACKOFF_LIMIT,
            ttl_seconds => TTL_SECONDS,
            user_id => RUN_AS,
            image => image.as_str(),
            command => &command,
            env => env,
            resources => minijinja::value::Serde(&resources),
            script_dir => SCRIPT_DIR,
            ca_dir => CA_DIR,
            config_map => name,
            ca_secret => TLS_SECRET,
            ca_key => CA_KEY,
        },
        expect: super::node::contains(&expected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        for good in [
            DEFAULT_BOOTSTRAP_IMAGE,
            "python",
            "python:3.13-alpine",
            "library/python@sha256:79e7a9b9ff1cbceff819f856fb374477792a5967759d94df266de7b7b4120e6f",
            "registry.example.com:5000/mirror/python:3.13",
            "localhost/python",
            "a__b/c---d.e_f:T_1.x-y",
        ] {
            assert!(is_image_reference(good), "{good}");
        }
        for bad in [
            "",
            "Python",
            "python:",
            "python:-x",
            "python@sha256:abc",
            "python@md5:79e7a9b9ff1cbceff819f856fb374477792a5967759d94df266de7b7b4120e6f",
            "python 3",
            "a//b",
            "a___b",
            "/python",
            "python/",
            "bad_host.example.com/x",
            "python\n",
        ] {
            assert!(!is_image_reference(bad), "{bad:?}");
        }
    }
}
