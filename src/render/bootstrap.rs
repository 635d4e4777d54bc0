//! The bootstrap Job (SPEC 7) of both cluster targets: it waits for Harbor's API, then makes
//! Harbor the nodes' mirror in the chosen [`MirrorLayout`] through Harbor's REST API, with the
//! script `templates/harbor-bootstrap.py` (Python 3, standard library only), and sets the
//! proxy-cache projects' retention policies to the [`CacheRetention`].
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

use minijinja::value::Serde;
use minijinja::{Value, context};
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use super::ObjectKind;
use super::RenderOptions;
use super::environment as t;
use super::image::BootstrapImage;
use super::node::{MirrorLayout, NodeOptions, PALETTE_PROJECT, PALETTE_ROBOT};
use super::objects::{Planned, file_name};
use super::readback::Want;
use super::retention::CacheRetention;
use crate::Config;
use crate::credentials::{Credentials, ROBOT_SECRET_KEY, ROBOT_SECRET_SECRET};
use crate::model::{
    ADMIN_PASSWORD_KEY, ADMIN_PASSWORD_SECRET, HARBOR_NAMESPACE, REGISTRY_HOST, TLS_SECRET,
};

/// The Job's name before its hash, its ConfigMap's too, and its `app.kubernetes.io/name`.
pub const BOOTSTRAP_NAME: &str = "harbor-bootstrap";

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

/// The Job's objects, planned: the robot Secret when the layout has a robot, the ConfigMap and
/// the Job.
pub(crate) struct BootstrapPlan {
    pub(crate) robot_secret: Option<Planned>,
    pub(crate) config_map: Planned,
    pub(crate) job: Planned,
}

/// Plans the bootstrap objects for `config` with `options` (mirrors and layout, image, cache
/// retention).
pub(crate) fn plan(
    config: &Config,
    credentials: &Credentials,
    options: &RenderOptions,
) -> BootstrapPlan {
    let (node, image) = (options.node(), options.bootstrap_image());
    let has_robot = node.layout().node_user().is_some();
    let config_json = format!(
        "{:#}\n",
        script_config(config, node, options.cache_retention())
    );
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
fn script_config(config: &Config, node: &NodeOptions, retention: CacheRetention) -> Json {
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
        "layout": node.layout().as_str(),
    });
    match node.layout() {
        MirrorLayout::ProxyCache => {
            let upstreams: Vec<Json> = node
                .mirrors()
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
            document["cache_retention_days"] = match retention.days() {
                None => json!("keep"),
                Some(days) => json!(days),
            };
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
    let file_name = file_name(17, ObjectKind::Secret, ROBOT_SECRET_SECRET);
    Planned::new(
        t::SECRET_PULL_ROBOT,
        ObjectKind::Secret,
        ROBOT_SECRET_SECRET,
        Some(HARBOR_NAMESPACE),
        file_name,
    )
    .secret_type("Opaque")
    .var("key", ROBOT_SECRET_KEY)
    .secret_data(
        "secret",
        ROBOT_SECRET_KEY,
        credentials.robot_secret.expose(),
    )
}

fn config_map(name: &str, config_json: String) -> Planned {
    let file_name = file_name(21, ObjectKind::ConfigMap, name);
    Planned::new(
        t::CONFIGMAP_BOOTSTRAP,
        ObjectKind::ConfigMap,
        name,
        Some(HARBOR_NAMESPACE),
        file_name,
    )
    .var("app", BOOTSTRAP_NAME)
    .var("config_key", CONFIG_KEY)
    .var("script_key", SCRIPT_KEY)
    .expect(&["immutable"], Want::Scalar(Json::Bool(true)))
    .value("config_json", &["data", CONFIG_KEY], &config_json)
    .value("script", &["data", SCRIPT_KEY], &SCRIPT)
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
    let file_name = file_name(22, ObjectKind::Job, name);
    Planned::new(
        t::JOB_BOOTSTRAP,
        ObjectKind::Job,
        name,
        Some(HARBOR_NAMESPACE),
        file_name,
    )
    .var("app", BOOTSTRAP_NAME)
    .var("backoff_limit", BACKOFF_LIMIT)
    .var("ttl_seconds", TTL_SECONDS)
    .var("user_id", RUN_AS)
    .var("image", image.as_str())
    .var("command", Value::from(Serde(command)))
    .var("env", env)
    .var("resources", Value::from(Serde(&resources)))
    .var("script_dir", SCRIPT_DIR)
    .var("ca_dir", CA_DIR)
    .var("config_map", name)
    .var("ca_secret", TLS_SECRET)
    .var("ca_key", CA_KEY)
    .expect(&[], Want::contains(&expected))
}
