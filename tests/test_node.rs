//! The `node` target in both mirror layouts: k3s/RKE2 `registries.yaml` and containerd
//! `hosts.toml`, read back with the fields those tools document and nothing else; no admin
//! password on a node; repository paths Harbor and containerd accept.

mod common;

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use harbor_edge::node::{MirrorLayout, NodeOptions};
use harbor_edge::render::{Renderer, Target};
use harbor_edge::{Bundle, Credentials, ObjectKind};
use serde::Deserialize;

/// k3s's `registries.yaml`, with only the documented fields we write.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Registries {
    mirrors: BTreeMap<String, Mirror>,
    configs: BTreeMap<String, RegistryConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Mirror {
    endpoint: Vec<String>,
    rewrite: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryConfig {
    auth: Option<Auth>,
    tls: Tls,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Auth {
    username: String,
    password: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Tls {
    ca_file: String,
}

/// containerd's `hosts.toml`, with only the documented fields we write.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Hosts {
    server: String,
    host: BTreeMap<String, Host>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Host {
    capabilities: Vec<String>,
    ca: String,
    override_path: bool,
}

const PRIVATE: MirrorLayout = MirrorLayout::SpectroImages { public: false };
const PUBLIC: MirrorLayout = MirrorLayout::SpectroImages { public: true };
const LAYOUTS: [MirrorLayout; 3] = [MirrorLayout::ProxyCache, PRIVATE, PUBLIC];

fn node_bundle(yaml: &str, options: &NodeOptions) -> Bundle {
    let config = common::config(yaml);
    Renderer::embedded()
        .render_node(&config, &common::credentials(), options)
        .expect("renders")
}

fn registries(bundle: &Bundle) -> Registries {
    let object = bundle
        .objects()
        .iter()
        .find(|object| object.kind() == ObjectKind::RegistriesConfig)
        .expect("registries.yaml");
    assert_eq!(object.file_name(), "registries.yaml");
    serde_yaml::from_str(object.text()).expect("only k3s's documented fields")
}

fn hosts(bundle: &Bundle) -> BTreeMap<String, Hosts> {
    bundle
        .objects()
        .iter()
        .filter(|object| object.kind() == ObjectKind::ContainerdHosts)
        .map(|object| {
            let hosts: Hosts = toml::from_str(object.text()).expect("only containerd's fields");
            (object.file_name().to_owned(), hosts)
        })
        .collect()
}

const DEFAULTS: &str = "harbor-config: {}\ncluster: {uid: edge-01, vip: 10.10.1.5}\n";

fn with_port(layout: MirrorLayout) -> NodeOptions {
    NodeOptions::new(
        &[
            "docker.io".into(),
            "registry.k8s.io".into(),
            "registry.example.com:5000".into(),
        ],
        None,
    )
    .unwrap()
    .with_layout(layout)
}

#[test]
fn proxy_cache_mirrors_every_registry_to_its_own_project_without_credentials() {
    let registries = registries(&node_bundle(DEFAULTS, &NodeOptions::default()));
    let names: Vec<&str> = registries.mirrors.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "docker.io",
            "gcr.io",
            "ghcr.io",
            "quay.io",
            "registry.k8s.io"
        ]
    );
    for (registry, mirror) in &registries.mirrors {
        assert_eq!(mirror.endpoint, ["https://spectro.registry.local:30003"]);
        assert_eq!(mirror.rewrite["^(.*)$"], format!("{registry}/$1"));
    }
    // The configs key is the endpoint's host:port, not the mirrored registry; only the CA.
    assert_eq!(registries.configs.len(), 1);
    let config = &registries.configs["spectro.registry.local:30003"];
    assert!(config.auth.is_none(), "public proxy caches need no login");
    assert_eq!(
        config.tls.ca_file,
        "/etc/harbor-edge/spectro-registry-ca.crt"
    );
}

#[test]
fn proxy_cache_hosts_toml_points_at_the_project_with_the_ca_and_override_path() {
    let hosts = hosts(&node_bundle(DEFAULTS, &NodeOptions::default()));
    assert_eq!(hosts.len(), 5);
    let docker = &hosts["certs.d/docker.io/hosts.toml"];
    assert_eq!(docker.server, "https://registry-1.docker.io");
    let host = &docker.host["https://spectro.registry.local:30003/v2/docker.io"];
    assert_eq!(host.capabilities, ["pull", "resolve"]);
    assert_eq!(host.ca, "/etc/harbor-edge/spectro-registry-ca.crt");
    assert!(host.override_path);
    assert_eq!(
        hosts["certs.d/quay.io/hosts.toml"].server,
        "https://quay.io"
    );
}

#[test]
fn palette_layout_keeps_the_spectro_images_paths() {
    for layout in [PRIVATE, PUBLIC] {
        let bundle = node_bundle(DEFAULTS, &NodeOptions::default().with_layout(layout));
        let registries = registries(&bundle);
        assert_eq!(
            registries.mirrors["gcr.io"].rewrite["^(.*)$"],
            "spectro-images/gcr.io/$1"
        );
        let hosts = hosts(&bundle);
        let docker = &hosts["certs.d/docker.io/hosts.toml"];
        assert!(
            docker
                .host
                .contains_key("https://spectro.registry.local:30003/v2/spectro-images/docker.io"),
            "{docker:?}"
        );
    }
}

#[test]
fn a_private_spectro_images_project_gives_the_nodes_the_pull_only_robot() {
    let credentials = common::credentials();
    let bundle = node_bundle(DEFAULTS, &NodeOptions::default().with_layout(PRIVATE));
    let registries = registries(&bundle);
    let auth = registries.configs["spectro.registry.local:30003"]
        .auth
        .as_ref()
        .expect("the robot logs in");
    assert_eq!(auth.username, "robot$spectro-images+edge-nodes");
    assert_eq!(auth.password, credentials.robot_secret.expose());
    // hosts.toml has no credential field at all (deny_unknown_fields), nor the secret as text.
    for object in bundle.objects() {
        if object.kind() == ObjectKind::ContainerdHosts {
            assert!(!object.text().contains(credentials.robot_secret.expose()));
        }
    }

    let public = registries_of(PUBLIC);
    assert!(
        public.configs["spectro.registry.local:30003"]
            .auth
            .is_none()
    );
}

fn registries_of(layout: MirrorLayout) -> Registries {
    registries(&node_bundle(
        DEFAULTS,
        &NodeOptions::default().with_layout(layout),
    ))
}

/// The admin password (generated, as a real render has it) is in no node file of any layout,
/// neither as text nor base64-encoded.
#[test]
fn no_node_file_holds_the_admin_password() {
    let config = common::config(DEFAULTS);
    let credentials = Credentials::resolve(
        &config,
        Some(common::internal_existing()),
        &mut harbor_edge::Generator::reproducible(8, None),
    )
    .unwrap();
    let password = credentials.admin_password.expose();
    let encoded = STANDARD.encode(password);
    for layout in LAYOUTS {
        let bundle = Renderer::embedded()
            .render_node(&config, &credentials, &with_port(layout))
            .unwrap();
        for object in bundle.objects() {
            assert!(
                !object.text().contains(password) && !object.text().contains(&encoded),
                "{layout}: {} holds the admin password",
                object.file_name()
            );
            assert!(!object.text().contains("\"admin\""), "{layout}");
        }
    }
}

/// Each component of the repository paths the nodes ask Harbor for:
/// `[a-z0-9]+(?:[._-][a-z0-9]+)*`, written out here apart from the library's check.
fn is_path_component(component: &str) -> bool {
    !component.is_empty()
        && component.split(['.', '_', '-']).all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[test]
fn repository_paths_are_valid_in_every_layout_also_for_a_registry_with_a_port() {
    for layout in LAYOUTS {
        let bundle = node_bundle(DEFAULTS, &with_port(layout));
        let registries = registries(&bundle);
        let rewrite = &registries.mirrors["registry.example.com:5000"].rewrite["^(.*)$"];
        let expected = match layout {
            MirrorLayout::ProxyCache => "registry.example.com-5000/$1",
            _ => "spectro-images/registry.example.com-5000/$1",
        };
        assert_eq!(rewrite, expected, "{layout}");
        for mirror in registries.mirrors.values() {
            let prefix = mirror.rewrite["^(.*)$"]
                .strip_suffix("/$1")
                .expect("a prefix");
            for component in prefix.split('/') {
                assert!(is_path_component(component), "{layout}: {component}");
            }
        }
        for (file, hosts) in hosts(&bundle) {
            for url in hosts.host.keys() {
                let path = url
                    .strip_prefix("https://spectro.registry.local:30003/v2/")
                    .unwrap_or_else(|| panic!("{file}: {url}"));
                for component in path.split('/') {
                    assert!(is_path_component(component), "{layout} {file}: {url}");
                }
            }
        }
        // containerd looks the folder up by the registry's host:port.
        assert!(
            hosts(&bundle).contains_key("certs.d/registry.example.com:5000/hosts.toml"),
            "{layout}"
        );
    }
}

#[test]
fn a_custom_https_node_port_flows_into_both_files() {
    let yaml = "harbor-config:\n  service:\n    harbor:\n      https: {nodePort: 31443}\ncluster: {uid: edge-01, vip: 10.10.1.5}\n";
    let bundle = node_bundle(yaml, &NodeOptions::default());
    let registries = registries(&bundle);
    assert_eq!(
        registries.mirrors["docker.io"].endpoint,
        ["https://spectro.registry.local:31443"]
    );
    assert!(
        registries
            .configs
            .contains_key("spectro.registry.local:31443")
    );
    for (file, hosts) in hosts(&bundle) {
        let url = hosts.host.keys().next().unwrap();
        assert!(
            url.starts_with("https://spectro.registry.local:31443/v2/"),
            "{file}: {url}"
        );
    }
}

#[test]
fn mirrors_and_ca_path_are_configurable() {
    let options = NodeOptions::new(
        &["docker.io".into(), "registry.example.com:5000".into()],
        Some("/etc/rancher/k3s/harbor-ca.crt"),
    )
    .unwrap();
    let bundle = node_bundle(DEFAULTS, &options);
    let registries = registries(&bundle);
    assert_eq!(registries.mirrors.len(), 2);
    assert_eq!(
        registries.configs["spectro.registry.local:30003"]
            .tls
            .ca_file,
        "/etc/rancher/k3s/harbor-ca.crt"
    );
    let hosts = hosts(&bundle);
    let example = &hosts["certs.d/registry.example.com:5000/hosts.toml"];
    assert_eq!(example.server, "https://registry.example.com:5000");
    assert_eq!(
        example.host.values().next().unwrap().ca,
        "/etc/rancher/k3s/harbor-ca.crt"
    );
}

#[test]
fn a_host_harbor_cannot_name_is_refused_with_its_path() {
    let error = NodeOptions::new(&["xn--bcher-kva.example".into()], None).unwrap_err();
    let problem = error
        .problems()
        .and_then(|problems| problems.iter().next())
        .expect("a validation problem");
    assert_eq!(problem.path(), "node.mirrors[0]");
    assert!(problem.message().contains("Harbor name"), "{error}");
}

#[test]
fn the_ca_file_holds_the_ca_certificate_only() {
    let config = common::config(DEFAULTS);
    let credentials = common::seeded();
    let bundle = Renderer::embedded()
        .render(&config, credentials, Target::Node)
        .unwrap();
    let ca = bundle
        .objects()
        .iter()
        .find(|object| object.kind() == ObjectKind::CaCertificate)
        .unwrap();
    assert_eq!(ca.file_name(), "ca.crt");
    assert_eq!(ca.text(), credentials.tls.ca_certificate());
    assert!(!ca.text().contains("PRIVATE KEY"));
}

#[test]
fn hostile_robot_secrets_round_trip_through_registries_yaml() {
    for secret in [
        "Aa1\"\n---\nkind: X",
        "Aa1: #&*!%{{ }}",
        "Aa1\u{2028}\u{85}ü🦀",
    ] {
        let config = common::config(DEFAULTS);
        let mut credentials = common::credentials();
        credentials.robot_secret = secret.into();
        let bundle = Renderer::embedded()
            .render_node(
                &config,
                &credentials,
                &NodeOptions::default().with_layout(PRIVATE),
            )
            .unwrap();
        let registries = registries(&bundle);
        let auth = registries.configs.values().next().unwrap().auth.as_ref();
        assert_eq!(auth.map(|auth| auth.password.as_str()), Some(secret));
    }
}

#[test]
fn the_node_target_writes_files_in_subdirectories() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = node_bundle(DEFAULTS, &NodeOptions::default().with_layout(PRIVATE));
    let written = bundle.write_dir(dir.path()).unwrap();
    assert_eq!(written.len(), 7);
    assert!(dir.path().join("certs.d/ghcr.io/hosts.toml").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("registries.yaml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "registries.yaml holds the robot's secret"
        );
    }
}

/// The node target alone refuses what its files would carry and the cluster has not got: the
/// CA always, the robot secret where the nodes log in with it; the admin password, which no
/// node file holds, never. With a cluster target in the same run nothing is refused.
#[test]
fn the_node_target_alone_refuses_only_credentials_its_files_carry() {
    use harbor_edge::Origin;
    use harbor_edge::render::RenderOptions;

    let config = common::minimal_config();
    let with = |ca: Origin, password: Origin, robot: Origin| {
        let mut credentials = common::credentials();
        credentials.provenance.ca = ca;
        credentials.provenance.server_certificate = ca;
        credentials.provenance.password = password;
        credentials.provenance.robot_secret = robot;
        credentials
    };
    let layouts = [
        MirrorLayout::ProxyCache,
        MirrorLayout::SpectroImages { public: true },
        MirrorLayout::SpectroImages { public: false },
    ];
    let renderer = Renderer::embedded();
    for layout in layouts {
        let options =
            RenderOptions::default().with_node(NodeOptions::default().with_layout(layout));
        let robot_carried = layout == MirrorLayout::SpectroImages { public: false };
        let render = |credentials: &Credentials, targets: &[Target]| {
            renderer.render_targets(&config, credentials, targets, &options)
        };
        for (ca, password, robot) in [
            (Origin::Reused, Origin::Generated, Origin::Reused),
            (Origin::Reused, Origin::Rotated, Origin::Reused),
            (Origin::Generated, Origin::Reused, Origin::Reused),
            (Origin::Rotated, Origin::Reused, Origin::Reused),
            (Origin::Reused, Origin::Reused, Origin::Generated),
            (Origin::Provided, Origin::Provided, Origin::Rotated),
        ] {
            let credentials = with(ca, password, robot);
            let case = format!("{layout}: ca {ca}, password {password}, robot {robot}");
            let refused = ca.is_new() || (robot_carried && robot.is_new());
            match render(&credentials, &[Target::Node]) {
                Ok(bundles) => {
                    assert!(!refused, "{case}: rendered");
                    assert_eq!(bundles.len(), 1);
                }
                Err(error) => {
                    assert!(refused, "{case}: {error}");
                    let message = error.to_string();
                    assert!(message.contains("--target k3s,node"), "{message}");
                    assert_eq!(message.contains("the CA"), ca.is_new(), "{message}");
                    assert_eq!(
                        message.contains("the robot secret"),
                        robot.is_new(),
                        "{message}"
                    );
                    assert!(!message.contains("admin password"), "{message}");
                }
            }
            // With its cluster in the same run, every combination renders, each target with
            // the same layout.
            let bundles = render(&credentials, &[Target::K3s, Target::Node]).expect(&case);
            assert_eq!(bundles[0].target(), Target::K3s);
            assert_eq!(bundles[1].target(), Target::Node);
            let robot_secret = bundles[0]
                .objects()
                .iter()
                .any(|object| object.name() == "harbor-pull-robot");
            assert_eq!(robot_secret, robot_carried, "{case}");
        }
    }
}
