//! The bootstrap Job as rendered into both cluster targets: its ConfigMap, its Secret, what it
//! mounts and reads, its security context, and how its name follows what it configures. The
//! script itself runs against a stand-in for Harbor in `tests/test_bootstrap_contract.rs`.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use harbor_edge::credentials::{ROBOT_SECRET_KEY, ROBOT_SECRET_SECRET};
use harbor_edge::node::{MirrorLayout, NodeOptions};
use harbor_edge::render::{
    BootstrapImage, CacheRetention, DEFAULT_BOOTSTRAP_IMAGE, RenderOptions, Renderer, Target,
};
use harbor_edge::{Bundle, Config, Credentials, ExistingSecrets, Generator, ObjectKind};
use serde_json::{Value, json};

const PRIVATE: MirrorLayout = MirrorLayout::SpectroImages { public: false };
const PUBLIC: MirrorLayout = MirrorLayout::SpectroImages { public: true };

fn options(layout: MirrorLayout) -> RenderOptions {
    RenderOptions::default().with_node(NodeOptions::default().with_layout(layout))
}

fn render_with(
    config: &Config,
    credentials: &Credentials,
    target: Target,
    options: &RenderOptions,
) -> Bundle {
    Renderer::embedded()
        .render_with(config, credentials, target, options)
        .unwrap_or_else(|error| panic!("renders: {error}"))
}

/// The one object of `kind` in the bundle, as JSON.
fn only(bundle: &Bundle, kind: ObjectKind) -> Value {
    let found: Vec<_> = bundle
        .objects()
        .iter()
        .filter(|object| object.kind() == kind)
        .collect();
    assert_eq!(found.len(), 1, "one {kind}");
    found[0].json()
}

fn job_and_config_map(bundle: &Bundle) -> (Value, Value) {
    (
        only(bundle, ObjectKind::Job),
        only(bundle, ObjectKind::ConfigMap),
    )
}

fn config_json(config_map: &Value) -> Value {
    serde_json::from_str(
        config_map["data"]["config.json"]
            .as_str()
            .expect("config.json"),
    )
    .expect("config.json is JSON")
}

#[test]
fn both_cluster_targets_carry_the_same_configmap_and_job() {
    let config = common::minimal_config();
    let credentials = common::seeded();
    for layout in [MirrorLayout::ProxyCache, PRIVATE, PUBLIC] {
        let k3s = render_with(&config, credentials, Target::K3s, &options(layout));
        let helm = render_with(&config, credentials, Target::Helm, &options(layout));
        assert_eq!(
            job_and_config_map(&k3s),
            job_and_config_map(&helm),
            "{layout}"
        );
        // Both are Kubernetes objects: in the stream kubectl applies.
        for bundle in [&k3s, &helm] {
            let stream = bundle.to_yaml();
            assert!(stream.contains("\nkind: Job\n") && stream.contains("\nkind: ConfigMap\n"));
        }
    }
}

#[test]
fn the_configmap_holds_the_script_byte_for_byte_and_is_immutable() {
    let bundle = common::render(&common::minimal_config(), common::seeded(), Target::K3s);
    let (job, config_map) = job_and_config_map(&bundle);
    let script = include_str!("../templates/harbor-bootstrap.py");
    assert_eq!(config_map["data"]["harbor-bootstrap.py"], script);
    assert_eq!(config_map["immutable"], true);
    assert_eq!(config_map["metadata"]["namespace"], "harbor");
    // Job and ConfigMap share one name: `harbor-bootstrap-` and ten hex digits.
    let name = job["metadata"]["name"].as_str().unwrap();
    assert_eq!(config_map["metadata"]["name"], name);
    let hash = name.strip_prefix("harbor-bootstrap-").expect("prefix");
    assert_eq!(hash.len(), 10);
    assert!(hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    // The command runs the script on the config, both from the mounted ConfigMap.
    let pod = &job["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    let mount = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|mount| mount["name"] == "bootstrap")
        .expect("the ConfigMap is mounted");
    let dir = mount["mountPath"].as_str().unwrap();
    assert_eq!(
        container["command"],
        json!([
            "python3",
            "-I",
            "-B",
            format!("{dir}/harbor-bootstrap.py"),
            format!("{dir}/config.json")
        ])
    );
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|volume| volume["name"] == "bootstrap")
        .unwrap();
    assert_eq!(volume["configMap"]["name"], name);
}

#[test]
fn the_job_runs_restricted_without_a_token_and_mounts_only_the_ca_certificate() {
    let config = common::minimal_config();
    let bundle = render_with(&config, common::seeded(), Target::K3s, &options(PRIVATE));
    let (job, config_map) = job_and_config_map(&bundle);
    assert_eq!(job["metadata"]["namespace"], "harbor");
    let spec = &job["spec"];
    assert_eq!(spec["backoffLimit"], 6);
    assert_eq!(spec["ttlSecondsAfterFinished"], 604_800);
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    assert_eq!(pod["automountServiceAccountToken"], false);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_ne!(pod["securityContext"]["runAsUser"], 0);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    let containers = pod["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    let container = &containers[0];
    let security = &container["securityContext"];
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["capabilities"], json!({"drop": ["ALL"]}));
    assert!(container["resources"]["limits"]["memory"].is_string());
    assert!(container["resources"]["requests"]["cpu"].is_string());
    assert_eq!(container["image"], DEFAULT_BOOTSTRAP_IMAGE);
    assert!(DEFAULT_BOOTSTRAP_IMAGE.contains("@sha256:"));

    // Secrets only by reference, from the Secrets that hold them.
    assert_eq!(
        container["env"],
        json!([
            {"name": "HARBOR_ADMIN_PASSWORD", "valueFrom": {"secretKeyRef":
                {"name": "harbor-admin-password", "key": "HARBOR_ADMIN_PASSWORD"}}},
            {"name": "HARBOR_ROBOT_SECRET", "valueFrom": {"secretKeyRef":
                {"name": ROBOT_SECRET_SECRET, "key": ROBOT_SECRET_KEY}}},
        ])
    );
    // Of harbor-tls, only ca.crt, at the path the configuration names.
    let ca = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|volume| volume["secret"].is_object())
        .expect("a Secret volume");
    assert_eq!(ca["secret"]["secretName"], "harbor-tls");
    assert_eq!(
        ca["secret"]["items"],
        json!([{"key": "ca.crt", "path": "ca.crt"}])
    );
    assert_eq!(pod["volumes"].as_array().unwrap().len(), 2);
    let ca_mount = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|mount| mount["name"] == ca["name"])
        .unwrap();
    assert_eq!(ca_mount["readOnly"], true);
    assert_eq!(
        config_json(&config_map)["ca_file"],
        format!("{}/ca.crt", ca_mount["mountPath"].as_str().unwrap())
    );

    // No secret value in either object.
    let credentials = common::seeded();
    for object in bundle.objects() {
        if matches!(object.kind(), ObjectKind::Job | ObjectKind::ConfigMap) {
            for secret in [
                credentials.admin_password.expose(),
                credentials.robot_secret.expose(),
            ] {
                assert!(!object.text().contains(secret), "{}", object.file_name());
            }
        }
    }
}

#[test]
fn the_job_reaches_harbor_through_the_chart_service_and_checks_the_registry_name() {
    for (yaml, url) in [
        (
            "harbor-config: {}\ncluster: {uid: edge-01, vip: 10.10.1.5}\n",
            "https://harbor.harbor.svc",
        ),
        (
            "harbor-config:\n  service:\n    serviceType: ClusterIP\n    harbor:\n      https: {port: 8443}\ncluster: {uid: edge-01, vip: 10.10.1.5}\n",
            "https://harbor.harbor.svc:8443",
        ),
    ] {
        let bundle = common::render(&common::config(yaml), common::seeded(), Target::Helm);
        let config = config_json(&only(&bundle, ObjectKind::ConfigMap));
        assert_eq!(config["harbor_url"], url);
        assert_eq!(config["tls_server_name"], "spectro.registry.local");
    }
}

#[test]
fn the_configuration_follows_the_layout_and_the_mirrors() {
    let config = common::minimal_config();
    let credentials = common::seeded();
    let mirrors = NodeOptions::new(
        &["docker.io".into(), "my.registry.example:5000".into()],
        None,
    )
    .unwrap();
    let bundle = render_with(
        &config,
        credentials,
        Target::K3s,
        &RenderOptions::default().with_node(mirrors),
    );
    let proxy = config_json(&only(&bundle, ObjectKind::ConfigMap));
    assert_eq!(proxy["layout"], "proxy-cache");
    assert_eq!(
        proxy["upstreams"],
        json!([
            {"endpoint": "docker.io", "type": "docker-hub", "url": "https://hub.docker.com",
             "project": "docker.io"},
            {"endpoint": "my.registry.example-5000", "type": "docker-registry",
             "url": "https://my.registry.example:5000", "project": "my.registry.example-5000"},
        ])
    );
    assert!(proxy.get("palette").is_none());
    assert_eq!(proxy["cache_retention_days"], "keep", "the default");
    let month = CacheRetention::days_since_last_pull(30).unwrap();
    let bundle = render_with(
        &config,
        credentials,
        Target::K3s,
        &RenderOptions::default().with_cache_retention(month),
    );
    let proxy = config_json(&only(&bundle, ObjectKind::ConfigMap));
    assert_eq!(proxy["cache_retention_days"], 30);

    for (layout, robot) in [(PRIVATE, json!("edge-nodes")), (PUBLIC, json!(null))] {
        let bundle = render_with(&config, credentials, Target::K3s, &options(layout));
        let palette = config_json(&only(&bundle, ObjectKind::ConfigMap));
        assert_eq!(palette["layout"], "spectro-images");
        assert_eq!(
            palette["palette"],
            json!({"project": "spectro-images", "public": layout == PUBLIC, "robot": robot})
        );
        assert!(palette.get("upstreams").is_none());
        assert!(palette.get("cache_retention_days").is_none(), "not a cache");
    }
}

fn job_name(bundle: &Bundle) -> String {
    only(bundle, ObjectKind::Job)["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn the_name_changes_with_what_the_job_configures_and_only_then() {
    let config = common::minimal_config();
    let credentials = common::seeded();
    let name = |credentials: &Credentials, options: &RenderOptions| {
        job_name(&render_with(&config, credentials, Target::K3s, options))
    };
    let base = name(credentials, &RenderOptions::default());
    assert_eq!(base, name(credentials, &RenderOptions::default()), "stable");

    let fewer = NodeOptions::new(&["docker.io".into()], None).unwrap();
    let image = BootstrapImage::new("registry.example.com/python:3.13-alpine").unwrap();
    let others = [
        name(credentials, &RenderOptions::default().with_node(fewer)),
        name(credentials, &options(PRIVATE)),
        name(credentials, &options(PUBLIC)),
        name(
            credentials,
            &RenderOptions::default().with_bootstrap_image(image),
        ),
        name(
            credentials,
            &RenderOptions::default()
                .with_cache_retention(CacheRetention::days_since_last_pull(30).unwrap()),
        ),
    ];
    for other in &others {
        assert_ne!(other, &base);
    }

    // A new robot secret must reach Harbor: a new Job. The admin password is not the Job's to
    // set (Harbor keeps the one it started with), so it changes nothing.
    let mut rotated = credentials.clone();
    rotated.robot_secret = "An0therRobotSecret".into();
    assert_ne!(
        name(&rotated, &options(PRIVATE)),
        name(credentials, &options(PRIVATE))
    );
    assert_eq!(
        name(&rotated, &RenderOptions::default()),
        base,
        "no robot in the proxy-cache layout"
    );
    let mut password = credentials.clone();
    password.admin_password = "An0therAdminPassword".into();
    assert_eq!(name(&password, &RenderOptions::default()), base);
}

#[test]
fn the_robot_secret_is_rendered_only_for_a_private_spectro_images_project() {
    let config = common::minimal_config();
    let credentials = common::seeded();
    for (layout, expected) in [
        (MirrorLayout::ProxyCache, false),
        (PRIVATE, true),
        (PUBLIC, false),
    ] {
        for target in Target::CLUSTER {
            let bundle = render_with(&config, credentials, target, &options(layout));
            let robot: Vec<_> = bundle
                .objects()
                .iter()
                .filter(|object| object.name() == ROBOT_SECRET_SECRET)
                .collect();
            assert_eq!(robot.len(), usize::from(expected), "{layout} {target}");
            if let Some(object) = robot.first() {
                assert_eq!(object.file_name(), "17-secret-harbor-pull-robot.yaml");
                let secret = object.json();
                assert_eq!(secret["metadata"]["namespace"], "harbor");
                let encoded = secret["data"][ROBOT_SECRET_KEY].as_str().unwrap();
                assert_eq!(
                    STANDARD.decode(encoded).unwrap(),
                    credentials.robot_secret.expose().as_bytes()
                );
                assert_eq!(secret["data"].as_object().unwrap().len(), 1);
            }
        }
    }
}

#[test]
fn the_robot_secret_is_generated_to_harbors_rule_and_reused_from_an_earlier_render() {
    let config = common::minimal_config();
    let first = Credentials::resolve(
        &config,
        Some(common::internal_existing()),
        &mut Generator::reproducible(31, None),
    )
    .unwrap();
    let secret = first.robot_secret.expose();
    assert_eq!(secret.len(), 32);
    assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert!(secret.bytes().any(|b| b.is_ascii_uppercase()));
    assert!(secret.bytes().any(|b| b.is_ascii_lowercase()));
    assert!(secret.bytes().any(|b| b.is_ascii_digit()));
    assert_eq!(
        first.provenance.robot_secret,
        harbor_edge::Origin::Generated
    );

    // The earlier k3s stream fed back: the same secret, reused, whatever the new seed.
    let stream = render_with(&config, &first, Target::K3s, &options(PRIVATE)).to_yaml();
    let existing = ExistingSecrets::from_yaml_str(&stream).unwrap();
    let again = Credentials::resolve(
        &config,
        Some(&existing),
        &mut Generator::reproducible(32, None),
    )
    .unwrap();
    assert_eq!(again.robot_secret, first.robot_secret);
    assert_eq!(again.provenance.robot_secret, harbor_edge::Origin::Reused);
}

#[test]
fn an_existing_robot_secret_harbor_would_refuse_is_an_error_naming_secret_and_key() {
    let config = common::minimal_config();
    let text = format!(
        "{}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: harbor-pull-robot, namespace: harbor}}\nstringData:\n  HARBOR_ROBOT_SECRET: alllowercase\n",
        common::internal_secrets_yaml()
    );
    let existing = ExistingSecrets::from_yaml_str(&text).unwrap();
    let error = Credentials::resolve(&config, Some(&existing), &mut Generator::system())
        .expect_err("Harbor's rule");
    let message = error.to_string();
    assert!(
        message.contains(r#"secrets["harbor/harbor-pull-robot"].data.HARBOR_ROBOT_SECRET"#),
        "{message}"
    );
    assert!(message.contains("upper-case"), "{message}");
}

#[test]
fn a_bad_image_reference_is_refused_with_its_path() {
    let error = BootstrapImage::new("Python 3.13").unwrap_err();
    let problem = error
        .problems()
        .and_then(|problems| problems.iter().next())
        .expect("a problem");
    assert_eq!(problem.path(), "bootstrap.image");
}

#[test]
fn the_cli_takes_layout_and_image_for_every_target() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("k3s");
    let output = common::harbor_edge(&[
        "render",
        "examples/minimal.yaml",
        "--target",
        "k3s",
        "--seed",
        "1",
        "--mirror-layout",
        "spectro-images",
        "--bootstrap-image",
        "registry.example.com/python:3.13-alpine",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.contains(&"17-secret-harbor-pull-robot.yaml".to_owned()),
        "{files:?}"
    );
    let job = files
        .iter()
        .find(|file| file.starts_with("22-job-harbor-bootstrap-"))
        .expect("the Job's file");
    let text = std::fs::read_to_string(out.join(job)).unwrap();
    assert!(text.contains("image: \"registry.example.com/python:3.13-alpine\""));

    // Cluster and nodes in one run: the layout reaches both.
    let site = dir.path().join("site");
    let output = common::harbor_edge(&[
        "render",
        "examples/minimal.yaml",
        "--target",
        "k3s,node",
        "--seed",
        "1",
        "--mirror-layout",
        "spectro-images",
        "--spectro-images-public",
        "--out",
        site.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let registries = std::fs::read_to_string(site.join("node/registries.yaml")).unwrap();
    assert!(registries.contains("spectro-images/docker.io/$1"));
    assert!(!registries.contains("auth:"), "public: no credentials");
    assert!(
        !site.join("k3s/17-secret-harbor-pull-robot.yaml").exists(),
        "public: no robot"
    );

    // The cache retention reaches the Job's configuration.
    let retention = dir.path().join("retention");
    let output = common::harbor_edge(&[
        "render",
        "examples/minimal.yaml",
        "--seed",
        "1",
        "--cache-retention-days",
        "45",
        "--out",
        retention.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let config_map = std::fs::read_dir(&retention)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| {
            path.to_string_lossy()
                .contains("-configmap-harbor-bootstrap-")
        })
        .expect("the ConfigMap's file");
    let config_map: Value =
        serde_yaml::from_str(&std::fs::read_to_string(config_map).unwrap()).unwrap();
    assert_eq!(config_json(&config_map)["cache_retention_days"], 45);

    // Usage errors: an unknown layout, a public flag without the Palette layout, a retention
    // out of range or for the Palette layout.
    for args in [
        &["--mirror-layout", "flat"][..],
        &["--spectro-images-public"][..],
        &["--cache-retention-days", "0"][..],
        &["--cache-retention-days", "forever"][..],
        &[
            "--mirror-layout",
            "spectro-images",
            "--cache-retention-days",
            "keep",
        ][..],
    ] {
        let mut all = vec!["render", "examples/minimal.yaml", "--seed", "1"];
        all.extend_from_slice(args);
        let output = common::harbor_edge(&all);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty());
    }
    // The credentials report names the robot secret, its Secret and origin, not its value.
    let output = common::harbor_edge(&["credentials", "examples/minimal.yaml", "--seed", "1"]);
    assert_eq!(output.status.code(), Some(0));
    let report: serde_yaml::Value = serde_yaml::from_slice(&output.stdout).unwrap();
    assert_eq!(report["robot"]["secret"], "harbor/harbor-pull-robot");
    assert_eq!(report["robot"]["key"], ROBOT_SECRET_KEY);
    assert_eq!(report["robot"]["origin"], "generated");
    assert!(report["robot"].get("value").is_none());

    // An invalid image is invalid input.
    let output = common::harbor_edge(&[
        "render",
        "examples/minimal.yaml",
        "--bootstrap-image",
        "Not An Image",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("bootstrap.image"));
}
