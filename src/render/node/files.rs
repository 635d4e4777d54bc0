//! What the `node` target renders: `registries.yaml`, one `hosts.toml` per mirrored registry,
//! and the CA certificate (see [`crate::node`]).

use minijinja::{Value, context};
use serde_json::{Value as Json, json};

use super::{MirroredRegistry, NodeOptions};
use crate::Config;
use crate::credentials::Credentials;
use crate::render::ObjectKind;
use crate::render::environment as t;
use crate::render::objects::Planned;
use crate::render::readback::Want;
use crate::render::values::registry_endpoint;

/// The rewrite k3s applies to every repository path of a mirrored registry.
const REWRITE_PATTERN: &str = "^(.*)$";

/// `<repository prefix>/$1`: where Harbor keeps the registry's images in the layout.
fn rewrite(options: &NodeOptions, registry: &MirroredRegistry) -> String {
    format!("{}/$1", options.layout.repository_prefix(registry))
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
    let name = "registries";
    let mut planned = Planned::new(
        t::REGISTRIES,
        ObjectKind::RegistriesConfig,
        name,
        None,
        format!("{name}.yaml"),
    );
    // Each mirror once: the template's loop item and the entry the file must hold.
    let mut mirrors = Vec::with_capacity(options.mirrors.len());
    for registry in &options.mirrors {
        let rewrite = rewrite(options, registry);
        planned = planned.expect(
            &["mirrors", registry.as_str()],
            Want::contains(&json!({
                "endpoint": [&endpoint_url],
                "rewrite": { REWRITE_PATTERN: &rewrite },
            })),
        );
        mirrors.push(context! { registry => registry.as_str(), rewrite });
    }
    let auth = options.layout.node_user().map(
        |username| json!({ "username": username, "password": credentials.robot_secret.expose() }),
    );
    planned = planned
        .var("mirrors", mirrors)
        .var("endpoint", endpoint.as_str())
        .var("endpoint_url", endpoint_url.as_str())
        .var("rewrite_pattern", REWRITE_PATTERN)
        .value(
            "ca_file",
            &["configs", &endpoint, "tls", "ca_file"],
            &options.ca_file,
        );
    match &auth {
        Some(auth) => planned.value("auth", &["configs", &endpoint, "auth"], auth),
        None => planned.var("auth", Value::from(())),
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
            let host = |key: &'static str| ["host", host_url.as_str(), key];
            Planned::new(
                t::CONTAINERD_HOSTS,
                ObjectKind::ContainerdHosts,
                registry.as_str(),
                None,
                format!("certs.d/{registry}/hosts.toml"),
            )
            .var("registry", registry.as_str())
            .var("host_url", host_url.as_str())
            .value("server", &["server"], &registry.upstream_url())
            .value("ca_file", &host("ca"), &options.ca_file)
            .expect(
                &host("capabilities"),
                Want::equal(&json!(["pull", "resolve"])),
            )
            .expect(&host("override_path"), Want::Scalar(Json::Bool(true)))
        })
        .collect()
}

/// `ca.crt`: the CA certificate the nodes trust for the registry.
pub(crate) fn ca_certificate(credentials: &Credentials) -> Planned {
    Planned::new(
        t::CA_CERTIFICATE,
        ObjectKind::CaCertificate,
        "ca",
        None,
        "ca.crt".to_owned(),
    )
    .pem("ca_certificate", &credentials.tls.ca_certificate)
}
