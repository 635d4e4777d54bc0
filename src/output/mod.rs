//! Output (SPEC 5): a rendered [`Bundle`] as one YAML stream, as JSON, or as a directory with
//! one file per object.
//!
//! Order is the apply order: namespaces, secrets, then the rest (the `HelmChart` for `k3s`, the
//! two values files for `helm`). Keys keep the order the templates write them in (the Helm values:
//! the order `render/values.rs` declares). The same input gives byte-identical output.
//!
//! File names ([`RenderedObject::file_name`]):
//!
//! | object | file |
//! |---|---|
//! | Namespace `harbor` | `00-namespace-harbor.yaml` |
//! | Namespace `cluster-<uid>` | `01-namespace-cluster-<uid>.yaml` |
//! | Secret `harbor-tls` | `10-secret-harbor-tls.yaml` |
//! | Secret `harbor-admin-password` | `11-secret-harbor-admin-password.yaml` |
//! | Secret `registry-info` | `12-secret-registry-info.yaml` |
//! | Secrets `harbor-core-keys`, `harbor-core-secret`, `harbor-core-token` | `13-secret-<name>.yaml` |
//! | Secret `harbor-jobservice-secret` | `14-secret-harbor-jobservice-secret.yaml` |
//! | Secrets `harbor-registry-credentials`, `harbor-registry-secret` | `15-secret-<name>.yaml` |
//! | Secret `harbor-database-password` | `16-secret-harbor-database-password.yaml` |
//! | Secret `kube-system/harbor-secret-values` (`k3s`) | `19-secret-harbor-secret-values.yaml` |
//! | HelmChart `harbor` (`k3s`) | `20-helmchart-harbor.yaml` |
//! | Helm values (`helm`) | `values.yaml` |
//! | Helm values holding a secret (`helm`, mode 0600) | `secret-values.yaml` |
//! | k3s/RKE2 registry mirrors (`node`) | `registries.yaml` |
//! | containerd mirror of `<registry>` (`node`) | `certs.d/<registry>/hosts.toml` |
//! | the registry's CA certificate (`node`) | `ca.crt` |

mod dir;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::render::Target;

/// What a rendered object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A `v1` Namespace.
    Namespace,
    /// A `v1` Secret.
    Secret,
    /// A `helm.cattle.io/v1` HelmChart (k3s/RKE2).
    HelmChart,
    /// The Helm values file: not a Kubernetes object.
    HelmValues,
    /// The Helm values that hold a secret (the `helm` target's second values file): not a
    /// Kubernetes object.
    HelmSecretValues,
    /// The k3s/RKE2 `registries.yaml` (node target; holds the admin credentials).
    RegistriesConfig,
    /// A containerd `hosts.toml` (node target; TOML).
    ContainerdHosts,
    /// The registry's CA certificate, PEM (node target).
    CaCertificate,
}

/// The text format of a rendered object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// One YAML document.
    Yaml,
    /// A TOML document.
    Toml,
    /// PEM blocks.
    Pem,
}

impl ObjectKind {
    /// The Kubernetes `kind` (`HelmValues` for the values file).
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Namespace => "Namespace",
            ObjectKind::Secret => "Secret",
            ObjectKind::HelmChart => "HelmChart",
            ObjectKind::HelmValues => "HelmValues",
            ObjectKind::HelmSecretValues => "HelmSecretValues",
            ObjectKind::RegistriesConfig => "RegistriesConfig",
            ObjectKind::ContainerdHosts => "ContainerdHosts",
            ObjectKind::CaCertificate => "CaCertificate",
        }
    }

    /// The text format its file has.
    pub fn format(self) -> Format {
        match self {
            ObjectKind::ContainerdHosts => Format::Toml,
            ObjectKind::CaCertificate => Format::Pem,
            _ => Format::Yaml,
        }
    }

    /// The `apiVersion`, or `None` for what is not a Kubernetes object.
    pub fn api_version(self) -> Option<&'static str> {
        match self {
            ObjectKind::Namespace | ObjectKind::Secret => Some("v1"),
            ObjectKind::HelmChart => Some("helm.cattle.io/v1"),
            ObjectKind::HelmValues
            | ObjectKind::HelmSecretValues
            | ObjectKind::RegistriesConfig
            | ObjectKind::ContainerdHosts
            | ObjectKind::CaCertificate => None,
        }
    }

    /// Whether this is a Kubernetes object (something `kubectl apply` takes).
    pub fn is_kubernetes_object(self) -> bool {
        self.api_version().is_some()
    }

    /// Whether the object holds secret data (written with owner-only permissions).
    pub fn holds_secrets(self) -> bool {
        matches!(
            self,
            ObjectKind::Secret | ObjectKind::HelmSecretValues | ObjectKind::RegistriesConfig
        )
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rendered, self-checked object. `Debug` shows its identity only: the text may hold
/// secrets.
#[derive(Clone)]
pub struct RenderedObject {
    kind: ObjectKind,
    name: String,
    namespace: Option<String>,
    file_name: String,
    template: &'static str,
    text: String,
}

/// The text of an object holding secrets (a Secret, registries.yaml) is overwritten when the
/// object is dropped.
impl Drop for RenderedObject {
    fn drop(&mut self) {
        if self.kind.holds_secrets() {
            zeroize::Zeroize::zeroize(&mut self.text);
        }
    }
}

impl RenderedObject {
    pub(crate) fn new(
        kind: ObjectKind,
        name: String,
        namespace: Option<String>,
        file_name: String,
        template: &'static str,
        text: String,
    ) -> Self {
        Self {
            kind,
            name,
            namespace,
            file_name,
            template,
            text,
        }
    }

    /// What it is.
    pub fn kind(&self) -> ObjectKind {
        self.kind
    }

    /// `metadata.name` (`values` for the values file).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `metadata.namespace`, for namespaced objects.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The stable file name in a directory output, e.g. `10-secret-harbor-tls.yaml`; a
    /// relative path with `/` for the `node` target's `certs.d/<registry>/hosts.toml`.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The template that rendered it.
    pub fn template(&self) -> &str {
        self.template
    }

    /// The rendered text in its [`Format`] (for YAML: one document without a `---` marker),
    /// ending in one line break.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The same content as JSON data (a PEM file as a JSON string). Computed from the text on
    /// each call, so rendering pays nothing for it; the self-check made sure the text parses
    /// and has a JSON form.
    pub fn json(&self) -> serde_json::Value {
        let parsed = match self.kind.format() {
            Format::Yaml => serde_yaml::from_str::<serde_json::Value>(&self.text).ok(),
            Format::Toml => toml::from_str::<toml::Table>(&self.text)
                .ok()
                .and_then(|table| serde_json::to_value(table).ok()),
            Format::Pem => Some(serde_json::Value::String(self.text.clone())),
        };
        parsed.unwrap_or(serde_json::Value::Null)
    }
}

impl fmt::Debug for RenderedObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenderedObject")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("namespace", &self.namespace)
            .field("file_name", &self.file_name)
            .finish_non_exhaustive()
    }
}

/// Everything rendered for one target, in apply order.
#[derive(Debug, Clone)]
pub struct Bundle {
    target: Target,
    objects: Vec<RenderedObject>,
}

impl Bundle {
    pub(crate) fn new(target: Target, objects: Vec<RenderedObject>) -> Self {
        Self { target, objects }
    }

    /// The target it was rendered for.
    pub fn target(&self) -> Target {
        self.target
    }

    /// The objects, in apply order.
    pub fn objects(&self) -> &[RenderedObject] {
        &self.objects
    }

    /// Every YAML object as one multi-document YAML stream, each document opened by `---`. For
    /// `k3s` that is the whole install; for `helm` the values document comes last, so prefer
    /// [`Bundle::manifests_yaml`] and [`Bundle::values_yaml`] there. For `node` it is only
    /// `registries.yaml`: the `hosts.toml` files and the CA are TOML and PEM, so write that
    /// target with [`Bundle::write_dir`].
    pub fn to_yaml(&self) -> String {
        stream(
            self.objects
                .iter()
                .filter(|object| object.kind.format() == Format::Yaml),
        )
    }

    /// The Kubernetes objects only (no values file), as one YAML stream for `kubectl apply`.
    pub fn manifests_yaml(&self) -> String {
        stream(
            self.objects
                .iter()
                .filter(|object| object.kind.is_kubernetes_object()),
        )
    }

    /// The Helm values file, for the `helm` target.
    pub fn values_yaml(&self) -> Option<&str> {
        self.text_of(ObjectKind::HelmValues)
    }

    /// The Helm values that hold a secret, for the `helm` target: `helm install` takes them as
    /// a second `-f` after [`Bundle::values_yaml`].
    pub fn secret_values_yaml(&self) -> Option<&str> {
        self.text_of(ObjectKind::HelmSecretValues)
    }

    fn text_of(&self, kind: ObjectKind) -> Option<&str> {
        self.objects
            .iter()
            .find(|object| object.kind == kind)
            .map(RenderedObject::text)
    }

    /// A pretty-printed JSON array of the documents of [`Bundle::to_yaml`], in the same order,
    /// ending in a line break (`jq '.[]'` gives one object per line; for `k3s` every element is
    /// a Kubernetes object). Keys inside each object are sorted.
    pub fn to_json(&self) -> String {
        let documents =
            serde_json::Value::Array(self.objects.iter().map(RenderedObject::json).collect());
        format!("{documents:#}\n")
    }

    /// Writes one file per object into `dir` (created when missing), named by
    /// [`RenderedObject::file_name`], and returns their paths in order.
    ///
    /// Every file is first written in full to a temporary file in `dir`, then all are renamed
    /// into place. When a write fails, the temporary files are removed and no file of the
    /// bundle appears; when a rename fails, the files already renamed are undone: a file that
    /// existed before gets its old content back (from a hard link taken before the first
    /// rename), a new one is removed. No temporary file remains either way. Secret
    /// files are readable by the owner only (on Unix). Other files in `dir` are left alone.
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        dir::write_all(dir.as_ref(), &self.objects)
    }
}

fn stream<'a>(objects: impl Iterator<Item = &'a RenderedObject>) -> String {
    let mut text = String::new();
    for object in objects {
        text.push_str("---\n");
        text.push_str(&object.text);
    }
    text
}
