//! What a render returns: a [`Bundle`] of [`RenderedObject`]s for one [`Target`], each of an
//! [`ObjectKind`] with its text in a [`Format`]. The output forms (one stream, JSON, a folder)
//! are in [`crate::output`].

use std::fmt;

use super::Target;

/// The subfolder of an output folder (and the prefix of [`RenderedObject::file_name`]) for the
/// files of the `helm` and `k3s` targets that are not Kubernetes objects: the Helm values.
pub const VALUES_FOLDER: &str = "values";

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
    /// A `v1` ConfigMap (the bootstrap Job's script and configuration).
    ConfigMap,
    /// A `batch/v1` Job (the bootstrap Job that sets Harbor up as the nodes' mirror).
    Job,
    /// The Helm values file: not a Kubernetes object.
    HelmValues,
    /// The Helm values that hold a secret (the `helm` target's second values file): not a
    /// Kubernetes object.
    HelmSecretValues,
    /// The k3s/RKE2 `registries.yaml` (node target; holds the robot's credentials in the
    /// Palette layout with a private project).
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
            ObjectKind::ConfigMap => "ConfigMap",
            ObjectKind::Job => "Job",
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
            ObjectKind::Namespace | ObjectKind::Secret | ObjectKind::ConfigMap => Some("v1"),
            ObjectKind::HelmChart => Some("helm.cattle.io/v1"),
            ObjectKind::Job => Some("batch/v1"),
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

    /// The stable file name in an output folder, e.g. `10-secret-harbor-tls.yaml`; a relative
    /// path with `/` for files in subfolders: the Helm values (`values/values.yaml`, see
    /// [`VALUES_FOLDER`]) and the `node` target's `certs.d/<registry>/hosts.toml`.
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
            Format::Yaml => super::readback::yaml_to_json(&self.text),
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
    /// The bundle, with every file of a `helm` or `k3s` bundle that is not a Kubernetes object
    /// placed in [`VALUES_FOLDER`], so the top of its folder is what `kubectl apply` takes.
    pub(crate) fn new(target: Target, mut objects: Vec<RenderedObject>) -> Self {
        if matches!(target, Target::Helm | Target::K3s) {
            for object in &mut objects {
                if !object.kind.is_kubernetes_object() && !object.file_name.contains('/') {
                    object.file_name = format!("{VALUES_FOLDER}/{}", object.file_name);
                }
            }
        }
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

    /// The objects `kubectl apply` takes, in order.
    pub(crate) fn kubernetes_objects(&self) -> impl Iterator<Item = &RenderedObject> {
        self.objects
            .iter()
            .filter(|object| object.kind.is_kubernetes_object())
    }
}
