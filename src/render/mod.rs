//! Rendering (SPEC 5 and 6): the validated [`Config`] and [`Credentials`] become Kubernetes
//! objects and Helm values through minijinja templates.
//!
//! ```
//! use harbor_edge::credentials::{Credentials, Generator};
//! use harbor_edge::output::ObjectKind;
//! use harbor_edge::render::{Renderer, Target};
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
//! expected.push(ObjectKind::HelmChart);
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
//! and `helmchart.yaml.j2`; for the node target `registries.yaml.j2`, `hosts.toml.j2` and
//! `ca.crt.j2`. [`Renderer::from_dir`] replaces any of them by a file of the same name.
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
//! the values file and its `valuesSecrets` naming the secret values Secret. A failure is [`Error::SelfCheck`] naming the template. An override may add
//! to an object (labels, keys), not drop or change what harbor-edge puts in.

mod check;
mod emit;
mod environment;
mod filters;
mod node;
mod objects;
mod values;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use minijinja::Environment;

pub use objects::{REGISTRY_INFO_ENDPOINT_KEY, REGISTRY_INFO_USER_KEY};

use crate::Config;
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::node::NodeOptions;
use crate::output::{Bundle, RenderedObject};
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
    /// The node target without a cluster target refuses credentials made in this run that the
    /// node files carry (the CA, the admin password): the cluster does not have them, and the
    /// nodes would then fail TLS (or log in) against Harbor. Resolve the credentials from the
    /// cluster's Secrets (the stream or folder the cluster target wrote) instead.
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
        node_options: &NodeOptions,
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
            check_node_credentials(credentials)?;
        }
        targets
            .iter()
            .map(|&target| match target {
                Target::Node => self.render_node(config, credentials, node_options),
                cluster => self.render_cluster(config, credentials, cluster),
            })
            .collect()
    }

    /// Renders and self-checks every object of `target`, in apply order: namespaces, secrets,
    /// then the values file (`helm`) or the `HelmChart` (`k3s`); for `node`, the files of
    /// [`Renderer::render_node`] with the default [`NodeOptions`].
    pub fn render(
        &self,
        config: &Config,
        credentials: &Credentials,
        target: Target,
    ) -> Result<Bundle> {
        match target {
            Target::Node => self.render_node(config, credentials, &NodeOptions::default()),
            Target::Helm | Target::K3s => self.render_cluster(config, credentials, target),
        }
    }

    /// `helm` and `k3s`: namespaces, secrets, then the values files (`helm`), or the secret
    /// values Secret and the `HelmChart` (`k3s`).
    fn render_cluster(
        &self,
        config: &Config,
        credentials: &Credentials,
        target: Target,
    ) -> Result<Bundle> {
        let values = HelmValues::from_config(config);
        let planned_values = objects::helm_values(&values).map_err(|error| Error::SelfCheck {
            template: environment::HELM_VALUES.to_owned(),
            object: "HelmValues values".to_owned(),
            message: format!("the computed values have no YAML form: {error}"),
        })?;
        let values_object = self.render_one(planned_values)?;
        let secret_values = self.render_one(objects::helm_secret_values(values::secret_values(
            credentials,
        )))?;

        let mut rendered = Vec::with_capacity(15);
        for planned in objects::namespaces(config)
            .into_iter()
            .chain(objects::secrets(config, credentials))
            .chain(objects::internal_secrets(credentials))
        {
            rendered.push(self.render_one(planned)?);
        }
        if target == Target::K3s {
            rendered.push(self.render_one(objects::secret_values_secret(secret_values.text()))?);
            rendered.push(self.render_one(objects::helmchart(values_object.text()))?);
        } else {
            rendered.push(values_object);
            rendered.push(secret_values);
        }
        Ok(Bundle::new(target, rendered))
    }

    /// Renders the `node` target: `registries.yaml`, `certs.d/<registry>/hosts.toml` for every
    /// mirrored registry, and `ca.crt`, each self-checked. The files carry the CA and the
    /// password of `credentials`: give it the cluster's (resolved from its Secrets, or the set
    /// the cluster target renders from); [`Renderer::render_targets`] refuses the node target
    /// alone with credentials made up in the same resolve.
    pub fn render_node(
        &self,
        config: &Config,
        credentials: &Credentials,
        options: &NodeOptions,
    ) -> Result<Bundle> {
        let mut rendered = Vec::with_capacity(options.mirrors.len() + 2);
        rendered.push(self.render_one(node::registries(config, credentials, options))?);
        for planned in node::containerd_hosts(config, options) {
            rendered.push(self.render_one(planned)?);
        }
        rendered.push(self.render_one(node::ca_certificate(credentials))?);
        Ok(Bundle::new(Target::Node, rendered))
    }

    fn render_one(&self, planned: Planned) -> Result<RenderedObject> {
        let template = planned.template;
        let text = self
            .env
            .get_template(template)
            .and_then(|compiled| compiled.render(&planned.context))
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
/// got it.
fn check_node_credentials(credentials: &Credentials) -> Result<()> {
    let provenance = &credentials.provenance;
    let made: Vec<&str> = [
        (provenance.ca, "the CA (ca.crt)"),
        (provenance.password, "the admin password (registries.yaml)"),
    ]
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
             cluster target wrote: --existing cluster.yaml (its stream), --out DIR (a folder \
             holding its render), or the cluster's Secrets (kubectl get secret -A -o yaml)",
            made.join(" and ")
        ),
    })
}
