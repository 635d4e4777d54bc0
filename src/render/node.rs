//! What the `node` target renders: `registries.yaml`, one `hosts.toml` per mirrored registry,
//! and the CA certificate (see [`crate::node`]).

use minijinja::context;

use super::ObjectKind;
use super::environment as t;
use super::objects::{Expect, Planned};
use super::values::registry_endpoint;
use crate::Config;
use crate::credentials::Credentials;
use crate::node::{MirroredRegistry, NodeOptions};

/// The rewrite k3s applies to every repository path of a mirrored registry.
const REWRITE_PATTERN: &str = "^(.*)$";

/// `<repository prefix>/$1`: where Harbor keeps the registry's images in the layout.
fn rewrite(options: &NodeOptions, registry: &MirroredRegistry) -> String {
    format!("{}/$1", options.layout.repository_prefix(registry))
}

/// The expectation that a document holds at least `expected`. Plain JSON data always has a
/// YAML form, so the conversion cannot fail; `Null` would fail the check rather than pass it.
pub(super) fn contains(expected: &serde_json::Value) -> Expect {
    Expect::Contains {
        values: serde_yaml::to_value(expected).unwrap_or(serde_yaml::Value::Null),
    }
}

/// `registries.yaml`: the robot's credentials only where the layout has a robot (a private
/// `spectro-images` project), never the admin's.
pub(crate) fn registries(
    config: &Config,
    credentials: &Credentials,
    options: &NodeOptions,
) -> Planned {
    let endpoint = registry_endpoint(config);
    let endpoint_url = format!("https://{endpoint}");
    let auth = options
        .layout
        .node_user()
        .map(|username| (username, credentials.robot_secret.expose()));
    let mirrors: Vec<_> = options
        .mirrors
        .iter()
        .map(|registry| {
            context! { registry => registry.as_str(), rewrite => rewrite(options, registry) }
        })
        .collect();
    let mirror_entries: serde_json::Map<String, serde_json::Value> = options
        .mirrors
        .iter()
        .map(|registry| {
            let mirror = serde_json::json!({
                "endpoint": [&endpoint_url],
                "rewrite": { REWRITE_PATTERN: rewrite(options, registry) },
            });
            (registry.as_str().to_owned(), mirror)
        })
        .collect();
    let mut endpoint_config = serde_json::json!({ "tls": { "ca_file": &options.ca_file } });
    if let Some((username, password)) = &auth {
        endpoint_config["auth"] = serde_json::json!({ "username": username, "password": password });
    }
    let mut configs = serde_json::Map::new();
    configs.insert(endpoint.clone(), endpoint_config);
    let expected = serde_json::json!({ "mirrors": mirror_entries, "configs": configs });
    Planned {
        template: t::REGISTRIES,
        kind: ObjectKind::RegistriesConfig,
        name: "registries".to_owned(),
        namespace: None,
        file_name: "registries.yaml".to_owned(),
        context: context! {
            mirrors => mirrors,
            endpoint => &endpoint,
            endpoint_url => &endpoint_url,
            rewrite_pattern => REWRITE_PATTERN,
            auth => auth.as_ref().map(|(username, password)| context! { username, password => *password }),
            ca_file => &options.ca_file,
        },
        expect: contains(&expected),
    }
}

/// One `certs.d/<registry>/hosts.toml` per mirrored registry.
pub(crate) fn containerd_hosts(config: &Config, options: &NodeOptions) -> Vec<Planned> {
    let endpoint = registry_endpoint(config);
    options
        .mirrors
        .iter()
        .map(|registry| {
            // With `override_path`, containerd uses the host URL as the API root: it must hold
            // `/v2` and the project path the images live under.
            let host_url = format!(
                "https://{endpoint}/v2/{}",
                options.layout.repository_prefix(registry)
            );
            let server = registry.upstream_url();
            let mut hosts = serde_json::Map::new();
            hosts.insert(
                host_url.clone(),
                serde_json::json!({
                    "capabilities": ["pull", "resolve"],
                    "ca": &options.ca_file,
                    "override_path": true,
                }),
            );
            let expected = serde_json::json!({ "server": &server, "host": hosts });
            Planned {
                template: t::CONTAINERD_HOSTS,
                kind: ObjectKind::ContainerdHosts,
                name: registry.as_str().to_owned(),
                namespace: None,
                file_name: format!("certs.d/{registry}/hosts.toml"),
                context: context! {
                    registry => registry.as_str(),
                    server => server,
                    host_url => host_url,
                    ca_file => &options.ca_file,
                },
                expect: contains(&expected),
            }
        })
        .collect()
}

/// `ca.crt`: the CA certificate the nodes trust for the registry.
pub(crate) fn ca_certificate(credentials: &Credentials) -> Planned {
    Planned {
        template: t::CA_CERTIFICATE,
        kind: ObjectKind::CaCertificate,
        name: "ca".to_owned(),
        namespace: None,
        file_name: "ca.crt".to_owned(),
        context: context! { ca_certificate => &credentials.tls.ca_certificate },
        expect: Expect::Pem {
            text: credentials.tls.ca_certificate.clone(),
        },
    }
}
