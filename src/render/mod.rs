//! Rendering (SPEC 5 and 6): the validated [`Config`] and [`Credentials`] become Kubernetes
//! objects and Helm values through minijinja templates, returned as a [`Bundle`] that
//! [`crate::output`] turns into a stream, JSON or a folder (render never uses output). The node
//! options and the node target's files live in [`node`].
//!
//! Each object is declared once (`objects.rs`, `bootstrap.rs`, `node/files.rs`): its identity,
//! its template's variables, and what its document must hold, which the self-check reads back
//! from yaml-rust2's parser events (`readback/`).
//!
//! ```
//! use harbor_edge::credentials::{Credentials, Generator};
//! use harbor_edge::render::{ObjectKind, Renderer, Target};
//! use harbor_edge::{Macros, PackInput};
//!
//! let config = PackInput::from_yaml_str("harbor-config: {}\ncluster: {uid: edge-01, vip: 10.0.0.5}\n")?
//!     .resolve(&Macros::new())?
//!     .config;
//! let credentials = Credentials::resolve(&config, None, &mut Generator::reproducible(1, None))?;
//! let bundle = Renderer::embedded().render(&config, &credentials, Target::K3s)?;
//! let kinds: Vec<_> = bundle.objects().iter().map(|object| object.kind()).collect();
//! let mut expected = vec![ObjectKind::Namespace; 2];
//! expected.extend([ObjectKind::Secret; 13]);
//! expected.extend([ObjectKind::HelmChart, ObjectKind::ConfigMap, ObjectKind::Job]);
//! assert_eq!(kinds, expected);
//! assert!(bundle.to_yaml().contains("nodePort: 30003"));
//! # Ok::<(), harbor_edge::Error>(())
//! ```
//!
//! # Templates and filters
//!
//! One template per object family, in `templates/`, embedded at build time:
//! `namespace.yaml.j2`, `secret-tls.yaml.j2`, `secret-ca.yaml.j2` (the CA key, in
//! `cluster-<uid>`), `secret-ca-download.yaml.j2` (`ca.crt` alone, for core),
//! `secret-admin-password.yaml.j2`,
//! `secret-registry-info.yaml.j2`; for Harbor's internal credentials `secret-core-keys.yaml.j2`,
//! `secret-core-secret.yaml.j2`, `secret-core-token.yaml.j2`, `secret-jobservice-secret.yaml.j2`,
//! `secret-registry-secret.yaml.j2`, `secret-registry-credentials.yaml.j2`,
//! `secret-database-password.yaml.j2`; `helm-values.yaml.j2`, `helm-secret-values.yaml.j2`
//! (the values holding a secret), `secret-helm-values.yaml.j2` (the same for k3s, as a Secret)
//! and `helmchart.yaml.j2`; for the bootstrap Job (below) `secret-pull-robot.yaml.j2`,
//! `configmap-bootstrap.yaml.j2` and `job-bootstrap.yaml.j2`; for the node target `registries.yaml.j2`, `hosts.toml.j2` and
//! `ca.crt.j2`. [`Renderer::from_dir`] replaces any of them by a file of the same name (the
//! bootstrap script itself, `harbor-bootstrap.py`, is not a template and is not replaced).
//!
//! The environment is strict: an undefined variable is an error, nothing is HTML-escaped, and
//! the formatter prints only integers, booleans and the output of the quoting filters (the
//! builtin `safe` filter is removed), so no template can interpolate a value raw:
//! - `yaml`: a scalar. Strings always come out double-quoted with JSON-compatible escapes
//!   (`\"`, `\\`, `\n`, `\uXXXX`, ...), multi-line strings included: one line, valid YAML and
//!   JSON, and it parses back to exactly the input whatever it holds.
//! - `b64`: Secret `data`, standard base64, quoted.
//! - `yaml_block(indent)`: a literal block (`|`) for the values inside the HelmChart, so they
//!   read like the values file; text a block cannot carry exactly falls back to `yaml`.
//! - `to_yaml`: a whole value as a document (the Helm values, computed in Rust).
//!
//! # Self-check
//!
//! Each rendered document is parsed back before the [`Bundle`] is returned: exactly one
//! document, `apiVersion`, `kind`, `metadata.name` and `metadata.namespace` as planned, every
//! Secret `data` value decoding to exactly the input, the HelmChart's `valuesContent` equal to
//! the values file and its `valuesSecrets` naming the secret values Secret, the bootstrap
//! ConfigMap holding exactly the script and configuration, the Job its security context,
//! secret references, volumes and container exactly. A failure is [`Error::SelfCheck`] naming
//! the template. An override may add to an object (labels, keys), not drop or change what
//! harbor-edge puts in.
//!
//! # The bootstrap Job
//!
//! Both cluster targets carry a Job that makes Harbor the nodes' mirror (SPEC 7) in the
//! [`RenderOptions`]' layout ([`crate::node::MirrorLayout`]): it waits for Harbor's API, then
//! creates, through Harbor's REST API v2.0, what is missing and changes nothing that exists but
//! the proxy-cache projects' retention policies, which it sets to the [`CacheRetention`].
//!
//! | object | holds |
//! |---|---|
//! | ConfigMap `harbor/harbor-bootstrap-<hash>` (immutable) | `harbor-bootstrap.py` (Python 3, standard library only) and `config.json`: the Harbor URL `https://harbor.harbor.svc[:<https port>]` (the chart's Service), the name the certificate is checked for (`spectro.registry.local`), the CA file, the wait bound, and the registry endpoints, proxy-cache projects and their cache retention (`proxy-cache`) or the project and robot (`spectro-images`) |
//! | Job `harbor/harbor-bootstrap-<hash>` | `python3 -I -B` on the script as user 65534, read-only root file system, no capability, `RuntimeDefault` seccomp, no service account token; admin password and robot secret from `secretKeyRef`; only `ca.crt` of `harbor-tls` mounted; `backoffLimit` 6, `ttlSecondsAfterFinished` a week |
//! | Secret `harbor/harbor-pull-robot` (private `spectro-images` project only) | `HARBOR_ROBOT_SECRET`, which the Job sets on `robot$spectro-images+edge-nodes` |
//!
//! `<hash>` is ten hex digits of a SHA-256 of the configuration, the script, the image and the
//! robot secret: a change in any makes a new Job (a Job's pod template is immutable) and a new
//! ConfigMap, and the same inputs give the same name. Each pod waits up to 10 minutes (60
//! tries, 10 s apart) for the API; with the retries Kubernetes spaces out, a Harbor that is
//! still installing gets about 80 minutes.

mod bootstrap;
mod bundle;
mod check;
mod emit;
mod environment;
mod filters;
mod image;
pub mod node;
mod objects;
mod quote;
mod readback;
mod retention;
mod values;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use minijinja::Environment;

pub use bootstrap::BOOTSTRAP_NAME;
pub use bundle::{Bundle, Format, ObjectKind, RenderedObject, VALUES_FOLDER};
pub use image::{BootstrapImage, DEFAULT_BOOTSTRAP_IMAGE};
pub use objects::{REGISTRY_INFO_ENDPOINT_KEY, REGISTRY_INFO_USER_KEY};
pub use retention::{CacheRetention, InvalidCacheRetention, MAX_CACHE_RETENTION_DAYS};

use crate::Config;
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use node::NodeOptions;
use objects::Planned;
use values::HelmValues;

/// The goharbor/harbor chart version the HelmChart installs and the values are written for.
///
/// The 1.19.x line's database StatefulSet runs a `data-permissions-ensurer` init container that
/// fixes the data directory's ownership and mode: the chart's answer to the database start-up
/// failure the pack lists as a known issue. Keep the pin on a release that has it.
pub const CHART_VERSION: &str = "1.19.1";
/// The chart repository.
pub const CHART_REPO: &str = "https://helm.goharbor.io";
/// The chart's name in [`CHART_REPO`].
pub const CHART_NAME: &str = "harbor";
/// The name of the `HelmChart` object (and so of the Helm release).
pub const HELMCHART_NAME: &str = "harbor";
/// Where the `HelmChart` object lives: the k3s/RKE2 Helm controller watches `kube-system`.
pub const HELMCHART_NAMESPACE: &str = "kube-system";

/// What to render for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Target {
    /// `helm install -f values.yaml` and `kubectl apply`: namespaces, secrets and the values
    /// file.
    Helm,
    /// k3s and RKE2: namespaces, secrets and a `HelmChart` carrying the values, one stream for
    /// the server's auto-deploy manifests folder.
    K3s,
    /// The nodes: registry mirror configuration for k3s/RKE2 and containerd, and the CA
    /// certificate (see [`crate::node`]). Options: [`Renderer::render_node`].
    Node,
}

impl Target {
    /// Every target, in a stable order.
    pub const ALL: [Target; 3] = [Target::Helm, Target::K3s, Target::Node];
    /// The targets that install Harbor into the cluster (Kubernetes objects).
    pub const CLUSTER: [Target; 2] = [Target::Helm, Target::K3s];

    /// The name the CLI uses: `helm`, `k3s`, `node`.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Helm => "helm",
            Target::K3s => "k3s",
            Target::Node => "node",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a target; the message lists the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown target `{0}`; expected one of: helm, k3s, node")]
pub struct UnknownTarget(pub String);

impl FromStr for Target {
    type Err = UnknownTarget;

    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        Target::ALL
            .into_iter()
            .find(|target| target.as_str() == text)
            .ok_or_else(|| UnknownTarget(text.to_owned()))
    }
}

/// What a render needs besides the configuration and credentials: the mirrors and their layout
/// (the bootstrap Job sets Harbor up for them; the `node` target writes the nodes' files for
/// them) and the bootstrap Job's image. Render every target of a cluster with the same options.
///
/// ```
/// use harbor_edge::node::{MirrorLayout, NodeOptions};
/// use harbor_edge::render::{BootstrapImage, RenderOptions};
///
/// let options = RenderOptions::default()
///     .with_node(NodeOptions::default().with_layout(MirrorLayout::SpectroImages { public: false }))
///     .with_bootstrap_image(BootstrapImage::new("registry.example.com/python:3.13-alpine")?);
/// assert_eq!(options.node().layout().as_str(), "spectro-images");
/// # Ok::<(), harbor_edge::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderOptions {
    node: NodeOptions,
    bootstrap_image: BootstrapImage,
    cache_retention: CacheRetention,
}

impl RenderOptions {
    /// Mirrored registries, layout and the CA path on the nodes (default: the five usual
    /// registries, [`crate::node::MirrorLayout::ProxyCache`]).
    pub fn node(&self) -> &NodeOptions {
        &self.node
    }

    /// The bootstrap Job's image (default [`DEFAULT_BOOTSTRAP_IMAGE`]).
    pub fn bootstrap_image(&self) -> &BootstrapImage {
        &self.bootstrap_image
    }

    /// What the proxy-cache projects keep (default [`CacheRetention::KEEP`]); the bootstrap Job
    /// sets their retention policy to it.
    pub fn cache_retention(&self) -> CacheRetention {
        self.cache_retention
    }

    /// The same options with these node options.
    #[must_use]
    pub fn with_node(mut self, node: NodeOptions) -> Self {
        self.node = node;
        self
    }

    /// The same options with another bootstrap image.
    #[must_use]
    pub fn with_bootstrap_image(mut self, image: BootstrapImage) -> Self {
        self.bootstrap_image = image;
        self
    }

    /// The same options with another cache retention.
    #[must_use]
    pub fn with_cache_retention(mut self, retention: CacheRetention) -> Self {
        self.cache_retention = retention;
        self
    }
}

/// Renders bundles from the templates. Cheap to reuse for many renders.
#[derive(Clone)]
pub struct Renderer {
    env: Environment<'static>,
    overridden: Vec<String>,
}

impl fmt::Debug for Renderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Renderer")
            .field("overridden", &self.overridden)
            .finish_non_exhaustive()
    }
}

impl Renderer {
    /// The templates built into the library.
    pub fn embedded() -> Self {
        Self {
            env: environment::embedded(),
            overridden: Vec::new(),
        }
    }

    /// The embedded templates, each replaced by the file of the same name in `dir`. A template
    /// that does not compile, or a `*.j2` file that is not one of the templates, is
    /// [`Error::Template`] naming the file; other files are ignored.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self> {
        let (env, overridden) = environment::with_overrides(dir.as_ref())?;
        Ok(Self { env, overridden })
    }

    /// The names of the templates that a directory replaced, sorted.
    pub fn overridden(&self) -> &[String] {
        &self.overridden
    }

    /// Renders several targets from one set of credentials (SPEC 4.1): the node files and the
    /// cluster objects then agree, whatever was generated. Write them with
    /// [`crate::output::write_targets`], one subfolder per target.
    ///
    /// Every target gets the same `options`: the bootstrap Job sets Harbor up for the mirrors
    /// and layout the node files name.
    ///
    /// The node target without a cluster target refuses credentials made in this run that the
    /// node files carry (the CA always; the robot secret in the `spectro-images` layout with a
    /// private project): the cluster does not have them, and the nodes would then fail TLS (or
    /// their robot login) against Harbor. Resolve the credentials from the cluster's Secrets
    /// (the stream or folder the cluster target wrote) instead.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] for that refusal or an empty or repeated target list; the errors of
    /// [`Renderer::render`] otherwise.
    pub fn render_targets(
        &self,
        config: &Config,
        credentials: &Credentials,
        targets: &[Target],
        options: &RenderOptions,
    ) -> Result<Vec<Bundle>> {
        if targets.is_empty() {
            return Err(Error::Usage {
                message: "no target to render".to_owned(),
            });
        }
        for (index, target) in targets.iter().enumerate() {
            if targets[..index].contains(target) {
                return Err(Error::Usage {
                    message: format!("the {target} target is given twice"),
                });
            }
        }
        let with_cluster = targets
            .iter()
            .any(|target| Target::CLUSTER.contains(target));
        if targets.contains(&Target::Node) && !with_cluster {
            check_node_credentials(credentials, &options.node)?;
        }
        targets
            .iter()
            .map(|&target| self.render_with(config, credentials, target, options))
            .collect()
    }

    /// Renders and self-checks every object of `target` with the default [`RenderOptions`]: see
    /// [`Renderer::render_with`].
    pub fn render(
        &self,
        config: &Config,
        credentials: &Credentials,
        target: Target,
    ) -> Result<Bundle> {
        self.render_with(config, credentials, target, &RenderOptions::default())
    }

    /// Renders and self-checks every object of `target`, in apply order: namespaces, secrets,
    /// the `HelmChart` (`k3s`), the bootstrap ConfigMap and Job, then the values files
    /// (`helm`); for `node`, the files of [`Renderer::render_node`].
    pub fn render_with(
        &self,
        config: &Config,
        credentials: &Credentials,
        target: Target,
        options: &RenderOptions,
    ) -> Result<Bundle> {
        match target {
            Target::Node => self.render_node(config, credentials, &options.node),
            Target::Helm | Target::K3s => self.render_cluster(config, credentials, target, options),
        }
    }

    /// `helm` and `k3s`: namespaces, secrets, the secret values Secret and the `HelmChart`
    /// (`k3s`), the bootstrap objects, then the values files (`helm`).
    fn render_cluster(
        &self,
        config: &Config,
        credentials: &Credentials,
        target: Target,
        options: &RenderOptions,
    ) -> Result<Bundle> {
        let values = HelmValues::from_config(config);
        let values_object = self.render_one(objects::helm_values(&values))?;
        let secret_values = self.render_one(objects::helm_secret_values(
            &values::secret_values(credentials),
        ))?;

        let bootstrap = bootstrap::plan(config, credentials, options);

        let mut rendered = Vec::with_capacity(18);
        for planned in objects::namespaces(config)
            .into_iter()
            .chain(objects::secrets(config, credentials))
            .chain(objects::internal_secrets(credentials))
            .chain(bootstrap.robot_secret)
        {
            rendered.push(self.render_one(planned)?);
        }
        if target == Target::K3s {
            rendered.push(self.render_one(objects::secret_values_secret(secret_values.text()))?);
            rendered.push(self.render_one(objects::helmchart(values_object.text()))?);
        }
        rendered.push(self.render_one(bootstrap.config_map)?);
        rendered.push(self.render_one(bootstrap.job)?);
        if target == Target::Helm {
            rendered.push(values_object);
            rendered.push(secret_values);
        }
        Ok(Bundle::new(target, rendered))
    }

    /// Renders the `node` target: `registries.yaml`, `certs.d/<registry>/hosts.toml` for every
    /// mirrored registry, and `ca.crt`, each self-checked. The files carry the CA of
    /// `credentials`, and its robot secret in the `spectro-images` layout with a private
    /// project (never the admin password): give it the cluster's (resolved from its Secrets, or
    /// the set the cluster target renders from); [`Renderer::render_targets`] refuses the node
    /// target alone with credentials made up in the same resolve.
    pub fn render_node(
        &self,
        config: &Config,
        credentials: &Credentials,
        options: &NodeOptions,
    ) -> Result<Bundle> {
        let mut rendered = Vec::with_capacity(options.mirrors().len() + 2);
        rendered.push(self.render_one(node::files::registries(config, credentials, options))?);
        for planned in node::files::containerd_hosts(config, options) {
            rendered.push(self.render_one(planned)?);
        }
        rendered.push(self.render_one(node::files::ca_certificate(credentials))?);
        Ok(Bundle::new(Target::Node, rendered))
    }

    fn render_one(&self, mut planned: Planned) -> Result<RenderedObject> {
        let template = planned.template;
        let text = self
            .env
            .get_template(template)
            .and_then(|compiled| compiled.render(planned.take_context()))
            .map_err(|error| environment::template_error(template, &error))?;
        // One final line break, whatever the template's whitespace control left.
        let mut yaml = text.trim_end_matches('\n').to_owned();
        yaml.push('\n');
        check::check(&planned, &yaml)?;
        Ok(RenderedObject::new(
            planned.kind,
            planned.name,
            planned.namespace,
            planned.file_name,
            template,
            yaml,
        ))
    }
}

/// The node files alone must not carry a credential made in this run: the cluster has not
/// got it. They carry the CA always, and the robot secret where the layout logs the nodes in
/// with the robot; the admin password stays in the cluster.
fn check_node_credentials(credentials: &Credentials, node: &NodeOptions) -> Result<()> {
    let provenance = &credentials.provenance;
    let mut carried = vec![(provenance.ca, "the CA (ca.crt)")];
    if node.layout().node_user().is_some() {
        carried.push((
            provenance.robot_secret,
            "the robot secret (registries.yaml)",
        ));
    }
    let made: Vec<&str> = carried
        .into_iter()
        .filter(|(origin, _)| origin.is_new())
        .map(|(_, what)| what)
        .collect();
    if made.is_empty() {
        return Ok(());
    }
    Err(Error::Usage {
        message: format!(
            "the node target needs the cluster's credentials, and {} would be made up here: \
             the nodes would then not trust (or log in to) the cluster's Harbor. Render the \
             cluster and the nodes in one run (--target k3s,node --out DIR), or pass what the \
             cluster target wrote with --existing: its stream (cluster.yaml), the folder it \
             wrote with --out, or the cluster's Secrets (kubectl get secret -A -o yaml)",
            made.join(" and ")
        ),
    })
}
