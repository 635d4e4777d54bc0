//! Node registry mirror configuration (SPEC 7): what containerd on every node needs so images
//! are pulled through the local Harbor, in one of two [`MirrorLayout`]s.
//!
//! With the default layout, [`MirrorLayout::ProxyCache`], each mirrored registry has a public
//! proxy-cache project in Harbor named after its host: `docker.io/library/nginx` is served as
//! `spectro.registry.local:30003/docker.io/library/nginx`, fetched from Docker Hub on the first
//! pull and from Harbor's storage afterwards, also when Docker Hub cannot be reached. With
//! [`MirrorLayout::SpectroImages`] (the Palette layout) the images sit under
//! `spectro-images/<registry>/`, where Palette puts them. The bootstrap Job of the cluster
//! targets creates either in Harbor; the `node` target ([`crate::render::Target::Node`])
//! writes:
//!
//! | file | for | content |
//! |---|---|---|
//! | `registries.yaml` | k3s and RKE2 (`/etc/rancher/k3s/registries.yaml`, `/etc/rancher/rke2/registries.yaml`) | a mirror per registry whose endpoint is the local Harbor and whose rewrite maps `^(.*)$` to `<repository prefix>/$1` ([`MirrorLayout::repository_prefix`]); a `configs` entry for the Harbor endpoint with the CA file and, for a private `spectro-images` project only, the pull-only robot's name and secret |
//! | `certs.d/<registry>/hosts.toml` | containerd's `config_path` (`/etc/containerd/certs.d`) | the upstream `server`, and the local Harbor as a `host` at `/v2/<repository prefix>` with capabilities `pull` and `resolve`, the CA file and `override_path = true` |
//! | `ca.crt` | the path given as [`NodeOptions::ca_file`] on every node | the CA certificate of `harbor-tls` |
//!
//! No node file holds the admin password. `hosts.toml` has no credential fields: plain
//! containerd (without k3s/RKE2) pulls anonymously, which the proxy-cache projects and a public
//! `spectro-images` project allow.

pub(super) mod files;
mod layout;

pub use layout::{MirrorLayout, UnknownLayout};
pub(crate) use layout::{PALETTE_PROJECT, PALETTE_ROBOT};

use std::fmt;

use crate::diagnostic::{Diagnostic, DiagnosticKind, Diagnostics};
use crate::error::{Error, Result};
use crate::path::Path;

/// The registries mirrored when none are given.
pub const DEFAULT_MIRRORS: [&str; 5] = [
    "docker.io",
    "gcr.io",
    "ghcr.io",
    "quay.io",
    "registry.k8s.io",
];
/// Where the nodes keep the registry's CA certificate unless told otherwise.
pub const DEFAULT_CA_FILE: &str = "/etc/harbor-edge/spectro-registry-ca.crt";
/// An upstream registry host to mirror, e.g. `docker.io` or `registry.example.com:5000`:
/// lower-case DNS labels and an optional port, so it is always a safe file and table name, and
/// its [`MirroredRegistry::harbor_name`] is a valid Harbor name of at most 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MirroredRegistry(String);

impl MirroredRegistry {
    /// Checks the host name (and optional port), and that Harbor can name it.
    pub fn new(host: &str) -> std::result::Result<Self, String> {
        let (name, port) = match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        };
        if let Some(port) = port {
            if !matches!(port.parse::<u16>(), Ok(p) if p > 0) {
                return Err(format!("{host:?} has a port that is not 1 to 65535"));
            }
        }
        let labels_ok = !name.is_empty()
            && name.len() <= 253
            && name.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            });
        let harbor_name = host.replace(':', "-");
        if labels_ok && !layout::is_harbor_name(&harbor_name) {
            Err(format!(
                "{host:?} becomes the Harbor name {harbor_name:?}, which is not one \
                 ([a-z0-9]+(?:[._-][a-z0-9]+)*: no two of `.`, `_`, `-` in a row)"
            ))
        } else if labels_ok && harbor_name.len() > layout::MAX_HARBOR_NAME {
            Err(format!(
                "{:?}... is longer than {} characters, Harbor's limit on the name of the \
                 registry endpoint and project that mirror it",
                host.chars().take(40).collect::<String>(),
                layout::MAX_HARBOR_NAME
            ))
        } else if labels_ok {
            Ok(Self(host.to_owned()))
        } else {
            Err(format!(
                "{:?} is not a registry host name (lower-case letters, digits, `-` and `.`, with an optional :port)",
                host.chars().take(80).collect::<String>()
            ))
        }
    }

    /// The host as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The upstream URL containerd falls back to: Docker Hub's API lives on
    /// `registry-1.docker.io`, every other registry on its own host.
    pub(crate) fn upstream_url(&self) -> String {
        match self.0.as_str() {
            "docker.io" => "https://registry-1.docker.io".to_owned(),
            host => format!("https://{host}"),
        }
    }
}

impl fmt::Display for MirroredRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The registries the nodes mirror through Harbor and how (both cluster targets, whose bootstrap
/// Job sets Harbor up for them, and the `node` target, which writes the nodes' files: render
/// all with the same options).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeOptions {
    mirrors: Vec<MirroredRegistry>,
    ca_file: String,
    layout: MirrorLayout,
}

impl Default for NodeOptions {
    fn default() -> Self {
        Self {
            mirrors: DEFAULT_MIRRORS
                .iter()
                .map(|host| MirroredRegistry((*host).to_owned()))
                .collect(),
            ca_file: DEFAULT_CA_FILE.to_owned(),
            layout: MirrorLayout::default(),
        }
    }
}

impl NodeOptions {
    /// Options from text (the CLI's `--mirror` and `--ca-file`) with the default layout; an
    /// empty `mirrors` keeps the defaults. Every problem is reported at once, with the paths `node.mirrors[N]` and
    /// `node.caFile`.
    pub fn new(mirrors: &[String], ca_file: Option<&str>) -> Result<Self> {
        let mut problems = Vec::new();
        let mut options = Self::default();
        if !mirrors.is_empty() {
            options.mirrors.clear();
            for (index, host) in mirrors.iter().enumerate() {
                match MirroredRegistry::new(host) {
                    Ok(registry) if !options.mirrors.contains(&registry) => {
                        options.mirrors.push(registry)
                    }
                    Ok(_) => {}
                    Err(message) => problems.push(
                        Diagnostic::new(
                            DiagnosticKind::OutOfRange,
                            Path::root().key("node").key("mirrors").index(index),
                            message,
                        )
                        .with_hint("write a registry host such as docker.io or quay.io"),
                    ),
                }
            }
        }
        if let Some(path) = ca_file {
            if path.starts_with('/') && !path.chars().any(char::is_control) {
                options.ca_file = path.to_owned();
            } else {
                problems.push(
                    Diagnostic::new(
                        DiagnosticKind::OutOfRange,
                        Path::root().key("node").key("caFile"),
                        "the CA file path is not an absolute path on one line",
                    )
                    .with_hint(format!("for example {DEFAULT_CA_FILE}")),
                );
            }
        }
        if problems.is_empty() {
            Ok(options)
        } else {
            Err(Error::Invalid(Diagnostics::from_vec(problems)))
        }
    }

    /// The registries to mirror, without duplicates, in the given order.
    pub fn mirrors(&self) -> &[MirroredRegistry] {
        &self.mirrors
    }

    /// The absolute path of the CA certificate on the nodes.
    pub fn ca_file(&self) -> &str {
        &self.ca_file
    }

    /// Where Harbor keeps the mirrored images (default [`MirrorLayout::ProxyCache`]).
    pub fn layout(&self) -> MirrorLayout {
        self.layout
    }

    /// The same options with another layout.
    #[must_use]
    pub fn with_layout(mut self, layout: MirrorLayout) -> Self {
        self.layout = layout;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_hosts_are_checked() {
        assert!(MirroredRegistry::new("docker.io").is_ok());
        assert!(MirroredRegistry::new("registry.example.com:5000").is_ok());
        for bad in [
            "",
            "Docker.io",
            "a..b",
            "-x.io",
            "x.io:0",
            "x.io:99999",
            "x io",
            "x/y",
            "xn--bcher-kva.example",
            format!("{}.io", "a".repeat(62)).as_str(),
        ] {
            assert!(MirroredRegistry::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn options_report_every_problem() {
        let error =
            NodeOptions::new(&["ok.io".into(), "BAD".into()], Some("relative")).unwrap_err();
        let paths: Vec<_> = error
            .problems()
            .unwrap()
            .iter()
            .map(|p| p.path().clone())
            .collect();
        assert_eq!(paths, ["node.mirrors[1]", "node.caFile"]);
    }
}
