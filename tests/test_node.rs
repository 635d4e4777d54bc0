//! The `node` target: k3s/RKE2 `registries.yaml` and containerd `hosts.toml`, read back with
//! the fields those tools document and nothing else.

mod common;

use std::collections::BTreeMap;

use harbor_edge::node::NodeOptions;
use harbor_edge::render::{Renderer, Target};
use harbor_edge::{Bundle, ObjectKind};
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
    auth: Auth,
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

#[test]
fn registries_yaml_mirrors_every_registry_through_harbor_with_a_rewrite() {
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
    let gcr = &registries.mirrors["gcr.io"];
    assert_eq!(gcr.endpoint, ["https://spectro.registry.local:30003"]);
    assert_eq!(gcr.rewrite["^(.*)$"], "spectro-images/gcr.io/$1");
    // The configs key is the endpoint's host:port, not the mirrored registry.
    let config = &registries.configs["spectro.registry.local:30003"];
    assert_eq!(registries.configs.len(), 1);
    assert_eq!(config.auth.username, "admin");
    assert_eq!(config.auth.password, common::PASSWORD);
    assert_eq!(
        config.tls.ca_file,
        "/etc/harbor-edge/spectro-registry-ca.crt"
    );
}

#[test]
fn every_hosts_toml_pulls_through_harbor_with_the_ca_and_override_path() {
    let hosts = hosts(&node_bundle(DEFAULTS, &NodeOptions::default()));
    assert_eq!(hosts.len(), 5);
    let docker = &hosts["certs.d/docker.io/hosts.toml"];
    assert_eq!(docker.server, "https://registry-1.docker.io");
    let host = &docker.host["https://spectro.registry.local:30003/v2/spectro-images/docker.io"];
    assert_eq!(host.capabilities, ["pull", "resolve"]);
    assert_eq!(host.ca, "/etc/harbor-edge/spectro-registry-ca.crt");
    assert!(host.override_path);
    assert_eq!(
        hosts["certs.d/quay.io/hosts.toml"].server,
        "https://quay.io"
    );
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
            url.starts_with("https://spectro.registry.local:31443/v2/spectro-images/"),
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
        registries.mirrors["registry.example.com:5000"].rewrite["^(.*)$"],
        "spectro-images/registry.example.com:5000/$1"
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
fn the_ca_file_holds_the_ca_certificate_only() {
    let config = common::config(DEFAULTS);
    let mut generator = harbor_edge::Generator::reproducible(5, None);
    let credentials = harbor_edge::Credentials::resolve(&config, None, &mut generator).unwrap();
    let bundle = Renderer::embedded()
        .render(&config, &credentials, Target::Node)
        .unwrap();
    let ca = bundle
        .objects()
        .iter()
        .find(|object| object.kind() == ObjectKind::CaCertificate)
        .unwrap();
    assert_eq!(ca.file_name(), "ca.crt");
    assert_eq!(ca.text(), credentials.tls.ca_certificate);
    assert!(!ca.text().contains("PRIVATE KEY"));
}

#[test]
fn hostile_passwords_round_trip_through_registries_yaml() {
    for password in [
        "Aa1\"\n---\nkind: X",
        "Aa1: #&*!%{{ }}",
        "Aa1\u{2028}\u{85}ü🦀",
    ] {
        let config = common::config(DEFAULTS);
        let credentials = common::credentials_with_password(password);
        let bundle = Renderer::embedded()
            .render_node(&config, &credentials, &NodeOptions::default())
            .unwrap();
        let registries = registries(&bundle);
        assert_eq!(
            registries.configs.values().next().unwrap().auth.password,
            password
        );
    }
}

#[test]
fn the_node_target_writes_files_in_subdirectories() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = node_bundle(DEFAULTS, &NodeOptions::default());
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
            "registries.yaml holds the admin password"
        );
    }
}
