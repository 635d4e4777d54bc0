//! Where Harbor keeps the images of each mirrored registry (SPEC 7): the two layouts, the Harbor
//! names derived from a registry host, and the upstream each proxy cache reads from.

use std::fmt;
use std::str::FromStr;

use super::MirroredRegistry;

/// The Harbor project of the Palette layout.
pub(crate) const PALETTE_PROJECT: &str = "spectro-images";
/// The robot account the nodes pull from [`PALETTE_PROJECT`] with (private project only).
pub(crate) const PALETTE_ROBOT: &str = "edge-nodes";
/// Harbor's default prefix of robot account names (`robot_name_prefix`).
const ROBOT_PREFIX: &str = "robot$";

/// Longest Harbor registry endpoint name (Harbor's limit); a mirrored host must fit, since its
/// endpoint, project and path component all carry the host's Harbor name.
pub(crate) const MAX_HARBOR_NAME: usize = 64;

/// How Harbor holds the mirrored images, and so where the nodes ask for them.
///
/// | layout | images of `<registry>` under | filled by | node credentials |
/// |---|---|---|---|
/// | [`MirrorLayout::ProxyCache`] (default) | the project `<registry name>`, a proxy cache | Harbor itself, on the first pull of each image | none (public projects), only the CA |
/// | [`MirrorLayout::SpectroImages`] | `spectro-images/<registry name>/` | Palette (or whoever pushes there) | the robot `robot$spectro-images+edge-nodes` (pull only), or none when public |
///
/// The registry name is the host with a port's `:` as `-` ([`MirroredRegistry::harbor_name`]):
/// `registry.example.com:5000` is the project `registry.example.com-5000`, or the path
/// `spectro-images/registry.example.com-5000/`.
///
/// ```
/// use harbor_edge::node::{MirrorLayout, MirroredRegistry};
///
/// let registry = MirroredRegistry::new("registry.example.com:5000").unwrap();
/// assert_eq!(MirrorLayout::ProxyCache.repository_prefix(&registry), "registry.example.com-5000");
/// let palette: MirrorLayout = "spectro-images".parse().unwrap();
/// assert_eq!(palette, MirrorLayout::SpectroImages { public: false });
/// assert_eq!(palette.repository_prefix(&registry), "spectro-images/registry.example.com-5000");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MirrorLayout {
    /// One public proxy-cache project per mirrored registry: Harbor fetches what a node asks
    /// for, stores it, and serves it from storage when the upstream cannot be reached.
    #[default]
    ProxyCache,
    /// The Palette layout: one project, `spectro-images`, with the images under their registry
    /// host. `public: false` (the default) keeps it private: nodes pull with a pull-only robot.
    SpectroImages {
        /// Whether anyone may pull from the project without logging in.
        public: bool,
    },
}

impl MirrorLayout {
    /// Every layout name, as the CLI takes them.
    pub const NAMES: [&'static str; 2] = ["proxy-cache", "spectro-images"];

    /// `proxy-cache` or `spectro-images`.
    pub fn as_str(self) -> &'static str {
        match self {
            MirrorLayout::ProxyCache => "proxy-cache",
            MirrorLayout::SpectroImages { .. } => "spectro-images",
        }
    }

    /// The repository path in Harbor that holds what `registry` holds at its root: the nodes'
    /// rewrite target and the path after `/v2/` in `hosts.toml`.
    pub fn repository_prefix(self, registry: &MirroredRegistry) -> String {
        match self {
            MirrorLayout::ProxyCache => registry.harbor_name(),
            MirrorLayout::SpectroImages { .. } => {
                format!("{PALETTE_PROJECT}/{}", registry.harbor_name())
            }
        }
    }

    /// The user name the nodes log in with: the robot of a private `spectro-images` project,
    /// `None` when nodes pull without credentials.
    pub fn node_user(self) -> Option<String> {
        match self {
            MirrorLayout::SpectroImages { public: false } => Some(robot_user_name()),
            MirrorLayout::ProxyCache | MirrorLayout::SpectroImages { public: true } => None,
        }
    }
}

impl fmt::Display for MirrorLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a layout; the message lists the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown mirror layout `{0}`; expected one of: proxy-cache, spectro-images")]
pub struct UnknownLayout(pub String);

impl FromStr for MirrorLayout {
    type Err = UnknownLayout;

    /// `proxy-cache`, or `spectro-images` (private).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "proxy-cache" => Ok(MirrorLayout::ProxyCache),
            "spectro-images" => Ok(MirrorLayout::SpectroImages { public: false }),
            _ => Err(UnknownLayout(text.to_owned())),
        }
    }
}

/// `robot$spectro-images+edge-nodes`: how Harbor names the nodes' robot.
pub(crate) fn robot_user_name() -> String {
    format!("{ROBOT_PREFIX}{PALETTE_PROJECT}+{PALETTE_ROBOT}")
}

/// The Harbor registry adapter a proxy-cache project of a registry reads through, and the URL
/// that adapter expects (Harbor 2.15, chart 1.19.1's permitted proxy-cache types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UpstreamEndpoint {
    /// The adapter: `docker-hub`, `google-gcr`, `github-ghcr` or `docker-registry`.
    pub(crate) provider: &'static str,
    /// The URL Harbor's adapter talks to.
    pub(crate) url: String,
}

impl MirroredRegistry {
    /// The registry's name in Harbor: the host, with a port's `:` as `-`. It is the proxy-cache
    /// project and registry endpoint name, and the path component under `spectro-images/`; a
    /// valid Harbor name (`[a-z0-9]+(?:[._-][a-z0-9]+)*`), which [`MirroredRegistry::new`]
    /// checks.
    pub fn harbor_name(&self) -> String {
        self.as_str().replace(':', "-")
    }

    /// The registry endpoint Harbor's proxy cache of this registry reads from. Docker Hub's
    /// adapter talks to `hub.docker.com`; GCR and GHCR have adapters of their own; Quay
    /// (chart 1.19.1 permits no `quay` proxy cache), registry.k8s.io and every other registry
    /// are a plain `docker-registry` at `https://<host>`.
    pub(crate) fn upstream_endpoint(&self) -> UpstreamEndpoint {
        let (provider, url) = match self.as_str() {
            "docker.io" => ("docker-hub", "https://hub.docker.com".to_owned()),
            "gcr.io" => ("google-gcr", "https://gcr.io".to_owned()),
            "ghcr.io" => ("github-ghcr", "https://ghcr.io".to_owned()),
            host => ("docker-registry", format!("https://{host}")),
        };
        UpstreamEndpoint { provider, url }
    }
}

/// Whether `name` is a Harbor project name and a repository path component:
/// `[a-z0-9]+(?:[._-][a-z0-9]+)*`.
pub(crate) fn is_harbor_name(name: &str) -> bool {
    let mut after_separator = true; // no separator first
    for c in name.chars() {
        match c {
            'a'..='z' | '0'..='9' => after_separator = false,
            '.' | '_' | '-' if !after_separator => after_separator = true,
            _ => return false,
        }
    }
    !after_separator // not empty, no separator last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harbor_names_follow_the_repository_component_rule() {
        for good in [
            "a",
            "docker.io",
            "registry.example.com-5000",
            "a_b",
            "10.0.0.1-5000",
        ] {
            assert!(is_harbor_name(good), "{good}");
        }
        for bad in ["", ".a", "a.", "a..b", "xn--x", "A", "a:1", "a/b", "a-_b"] {
            assert!(!is_harbor_name(bad), "{bad}");
        }
    }
}
