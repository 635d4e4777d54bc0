//! Output (SPEC 5): a rendered [`Bundle`] as one YAML stream, as JSON, or as a folder with
//! one file per object.
//!
//! Order is the apply order: namespaces, secrets, then the rest (the `HelmChart` for `k3s`, the
//! bootstrap ConfigMap and Job; for `helm`, then the two values files in [`VALUES_FOLDER`]). Keys keep the order the templates write
//! them in (the Helm values: the order `render/values.rs` declares). The same input gives
//! byte-identical output.
//!
//! What `kubectl apply` sees is Kubernetes objects only: the stream ([`Bundle::to_yaml`]), the
//! JSON array ([`Bundle::to_json`]) and every `.yaml`, `.yml` or `.json` file directly in an
//! output folder of the `helm` and `k3s` targets. The files that are not Kubernetes objects
//! (the Helm values) sit in the subfolder [`VALUES_FOLDER`], which `kubectl apply -f DIR` does
//! not descend into.
//!
//! File names ([`RenderedObject::file_name`]):
//!
//! | object | file |
//! |---|---|
//! | Namespace `harbor` | `00-namespace-harbor.yaml` |
//! | Namespace `cluster-<uid>` | `01-namespace-cluster-<uid>.yaml` |
//! | Secret `harbor-ca-download` (`ca.crt` for core's CA download) | `10-secret-harbor-ca-download.yaml` |
//! | Secret `harbor-tls` | `10-secret-harbor-tls.yaml` |
//! | Secret `harbor-admin-password` | `11-secret-harbor-admin-password.yaml` |
//! | Secret `cluster-<uid>/harbor-ca` (the CA key; only when known) | `12-secret-harbor-ca.yaml` |
//! | Secret `registry-info` | `12-secret-registry-info.yaml` |
//! | Secrets `harbor-core-keys`, `harbor-core-secret`, `harbor-core-token` | `13-secret-<name>.yaml` |
//! | Secret `harbor-jobservice-secret` | `14-secret-harbor-jobservice-secret.yaml` |
//! | Secrets `harbor-registry-credentials`, `harbor-registry-secret` | `15-secret-<name>.yaml` |
//! | Secret `harbor-database-password` | `16-secret-harbor-database-password.yaml` |
//! | Secret `harbor-pull-robot` (Palette layout, private project) | `17-secret-harbor-pull-robot.yaml` |
//! | Secret `kube-system/harbor-secret-values` (`k3s`) | `19-secret-harbor-secret-values.yaml` |
//! | HelmChart `harbor` (`k3s`) | `20-helmchart-harbor.yaml` |
//! | ConfigMap `harbor-bootstrap-<hash>` | `21-configmap-harbor-bootstrap-<hash>.yaml` |
//! | Job `harbor-bootstrap-<hash>` | `22-job-harbor-bootstrap-<hash>.yaml` |
//! | Helm values (`helm`) | `values/values.yaml` |
//! | Helm values holding a secret (`helm`, mode 0600) | `values/secret-values.yaml` |
//! | k3s/RKE2 registry mirrors (`node`) | `registries.yaml` |
//! | containerd mirror of `<registry>` (`node`) | `certs.d/<registry>/hosts.toml` |
//! | the registry's CA certificate (`node`) | `ca.crt` |
//! | the files harbor-edge owns in the folder (every target) | `.harbor-edge-files` |
//!
//! # Output folders
//!
//! [`Bundle::write_dir`] writes the files as a set (SPEC 5):
//!
//! - **Atomic as a set.** After any interruption (kill -9, a full disk, a concurrent write) the
//!   folder holds the complete earlier set or the complete new one, never a mix. On Linux the
//!   new set is built beside the folder and exchanged with it in one step
//!   (`renameat2(RENAME_EXCHANGE)`), so this holds at every instant. Where that is not possible
//!   (other platforms; file systems without the exchange or hard links; a folder that is a
//!   mount point or the current directory; a parent folder that cannot be written; an owner
//!   that cannot be kept) a journal
//!   inside the folder is used instead: a reader during the write, or after a kill in its last
//!   step, can see a mix, and the next write into the folder completes the interrupted one
//!   before anything else.
//! - **One writer at a time.** A write holds an exclusive lock (`flock`) on the folder; a second
//!   write into the same folder waits for the first to finish.
//! - **Owned files.** `.harbor-edge-files` lists the files the last write put there. The next
//!   write removes those it no longer writes (another target, another cluster uid) and leaves
//!   every other entry alone.
//! - **No temporary file outlives a run.** With the exchange, no temporary file is ever inside
//!   the folder; a staging folder left beside it by a killed run (`.<folder>.harbor-edge-<run>`,
//!   mode 0700) is removed by the next write into the folder, which also removes the journal's
//!   folders and any temporary file an earlier version left.
//! - **Links are not followed.** A symbolic link inside the folder at a path harbor-edge writes
//!   (for example `certs.d` pointing elsewhere) is an error, and nothing is written; elsewhere in
//!   the folder, links are left alone like any file harbor-edge does not own.
//! - **Inputs are kept.** [`WriteOptions::protect`] names files (a run's inputs) that the write
//!   must neither replace nor remove; it fails before changing anything instead.
//! - Secret files are readable by the owner only (on Unix).
//! - **Read back.** [`read_owned_files`] returns what the last write left (its YAML files), so
//!   the next render reuses the credentials there (SPEC 4.1).
//!
//! Several targets of one render go into one folder as one set, each in a subfolder named for
//! it ([`write_targets`]): `DIR/k3s/...` and `DIR/node/...` come from one set of credentials
//! and change together.

mod dir;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::render::Target;

/// The subfolder of an output folder (and the prefix of [`RenderedObject::file_name`]) for the
/// files of the `helm` and `k3s` targets that are not Kubernetes objects: the Helm values.
pub const VALUES_FOLDER: &str = "values";

/// The file in an output folder that lists the files harbor-edge owns there (not `.yaml`,
/// `.yml` or `.json`, so `kubectl apply -f` ignores it).
pub const OWNED_FILES_LIST: &str = dir::OWNED_FILES_LIST;

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

    /// The Kubernetes objects as one multi-document YAML stream, each document opened by
    /// `---`: what `kubectl apply -f -` takes. For `k3s` that is the whole install; for `helm`
    /// the Helm values are not in it ([`Bundle::values_yaml`], or the [`VALUES_FOLDER`] of
    /// [`Bundle::write_dir`]); for `node` it is empty (write that target with
    /// [`Bundle::write_dir`]).
    pub fn to_yaml(&self) -> String {
        let mut text = String::new();
        for object in self.kubernetes_objects() {
            text.push_str("---\n");
            text.push_str(&object.text);
        }
        text
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

    /// A pretty-printed JSON array of the documents of [`Bundle::to_yaml`] (Kubernetes objects
    /// only), in the same order, ending in a line break (`jq '.[]'` gives one object per line).
    /// Keys inside each object are sorted.
    pub fn to_json(&self) -> String {
        let documents = serde_json::Value::Array(
            self.kubernetes_objects()
                .map(RenderedObject::json)
                .collect(),
        );
        format!("{documents:#}\n")
    }

    /// Writes one file per object into the folder `dir` (created when missing), named by
    /// [`RenderedObject::file_name`], and returns their paths in order.
    ///
    /// The write is atomic as a set, one at a time per folder, removes the files of the
    /// previous write that this one does not write, leaves other files alone, leaves no
    /// temporary file and never writes through a symbolic link: the guarantees and their limits
    /// are in the [module docs](self#output-folders). Secret files are readable by the owner
    /// only (on Unix).
    ///
    /// # Errors
    ///
    /// [`Error::Usage`](crate::Error::Usage) naming the path when something is in the way
    /// (nothing is written): `dir` is a file; a path the write needs is a symbolic link, a
    /// folder where a file goes, or a file where a folder goes; a protected input would be
    /// replaced. [`Error::Io`](crate::Error::Io) when reading or writing failed (the folder is
    /// left as it was).
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        self.write_dir_with(dir, &WriteOptions::new())
    }

    /// [`Bundle::write_dir`] with options: inputs the write must never replace or remove.
    pub fn write_dir_with(
        &self,
        dir: impl AsRef<Path>,
        options: &WriteOptions,
    ) -> Result<Vec<PathBuf>> {
        let files: Vec<dir::SetFile<'_>> = self
            .objects
            .iter()
            .map(|object| dir::SetFile {
                path: &object.file_name,
                text: &object.text,
                secret: object.kind.holds_secrets(),
            })
            .collect();
        dir::write_set(dir.as_ref(), &files, &options.protected())
    }

    /// Writes only the files of [`VALUES_FOLDER`] (the Helm values), at the top of the folder
    /// `dir`, with the guarantees of [`Bundle::write_dir`]: for a caller that prints the
    /// Kubernetes objects ([`Bundle::to_yaml`]) and keeps the values apart. Returns their paths
    /// in order; a bundle without such files writes (and returns) nothing.
    pub fn write_values_dir(
        &self,
        dir: impl AsRef<Path>,
        options: &WriteOptions,
    ) -> Result<Vec<PathBuf>> {
        let prefix = format!("{VALUES_FOLDER}/");
        let files: Vec<dir::SetFile<'_>> = self
            .objects
            .iter()
            .filter_map(|object| {
                let path = object.file_name.strip_prefix(&prefix)?;
                Some(dir::SetFile {
                    path,
                    text: &object.text,
                    secret: object.kind.holds_secrets(),
                })
            })
            .collect();
        if files.is_empty() {
            return Ok(Vec::new());
        }
        dir::write_set(dir.as_ref(), &files, &options.protected())
    }

    fn kubernetes_objects(&self) -> impl Iterator<Item = &RenderedObject> {
        self.objects
            .iter()
            .filter(|object| object.kind.is_kubernetes_object())
    }
}

/// One file an earlier write left in an output folder ([`read_owned_files`]).
pub struct OwnedFile {
    path: PathBuf,
    text: zeroize::Zeroizing<String>,
}

impl OwnedFile {
    /// Its path relative to the folder, e.g. `10-secret-harbor-tls.yaml` or
    /// `k3s/10-secret-harbor-tls.yaml`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its text. It may hold secrets: it is overwritten when the file is dropped.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for OwnedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The YAML files (`.yaml`, `.yml`) that the last write into `dir` owns, in the order of their
/// paths, for reading back what an earlier render wrote (its Secrets: pass every text to
/// [`ExistingSecrets::add_yaml_str`](crate::ExistingSecrets::add_yaml_str)). Empty when `dir`
/// does not exist or was never written by harbor-edge. An interrupted write is finished or
/// undone first, under the folder's lock.
///
/// ```
/// use harbor_edge::ExistingSecrets;
/// use harbor_edge::output::read_owned_files;
///
/// let dir = std::env::temp_dir().join("harbor-edge-doc-read-owned-files-none");
/// let mut existing = ExistingSecrets::new();
/// for file in read_owned_files(&dir)? {
///     existing.add_yaml_str(file.text(), &file.path().display().to_string())?;
/// }
/// assert!(existing.is_empty());
/// # Ok::<(), harbor_edge::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Io`](crate::Error::Io) when the folder or a file cannot be read.
pub fn read_owned_files(dir: impl AsRef<Path>) -> Result<Vec<OwnedFile>> {
    Ok(dir::read_owned(dir.as_ref())?
        .into_iter()
        .map(|(path, text)| OwnedFile { path, text })
        .collect())
}

/// The Secrets the last write into `dir` left (its YAML files read as one stream, named
/// `earlier render in DIR` in messages), to pass to
/// [`Credentials::resolve`](crate::Credentials::resolve) so a render into the same folder keeps
/// its credentials (SPEC 4.1). Empty when `dir` holds no earlier render.
///
/// ```
/// use harbor_edge::output::read_existing_secrets;
///
/// let dir = std::env::temp_dir().join("harbor-edge-doc-read-existing-none");
/// assert!(read_existing_secrets(&dir)?.is_empty());
/// # Ok::<(), harbor_edge::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Io`](crate::Error::Io) as [`read_owned_files`];
/// [`Error::Credentials`](crate::Error::Credentials) when a file is not YAML or a Secret in it
/// cannot be read.
pub fn read_existing_secrets(dir: impl AsRef<Path>) -> Result<crate::ExistingSecrets> {
    let dir = dir.as_ref();
    let files = read_owned_files(dir)?;
    let mut existing = crate::ExistingSecrets::new();
    if files.is_empty() {
        return Ok(existing);
    }
    let mut stream = zeroize::Zeroizing::new(String::new());
    for file in &files {
        stream.push_str("---\n");
        stream.push_str(file.text());
        stream.push('\n');
    }
    existing.add_yaml_str(&stream, &format!("earlier render in {}", dir.display()))?;
    Ok(existing)
}

/// Writes several bundles into `dir` as one set (atomic, as [`Bundle::write_dir`]), each in
/// the subfolder named for its target (`k3s/`, `helm/`, `node/`). Returns the paths written,
/// in order.
///
/// # Errors
///
/// As [`Bundle::write_dir`]; [`Error::Usage`](crate::Error::Usage) when two bundles have the
/// same target.
pub fn write_targets(
    dir: impl AsRef<Path>,
    bundles: &[Bundle],
    options: &WriteOptions,
) -> Result<Vec<PathBuf>> {
    let mut seen = Vec::new();
    for bundle in bundles {
        if seen.contains(&bundle.target) {
            return Err(crate::Error::Usage {
                message: format!("the {} target is given twice", bundle.target),
            });
        }
        seen.push(bundle.target);
    }
    let paths: Vec<(String, &RenderedObject)> = bundles
        .iter()
        .flat_map(|bundle| {
            bundle
                .objects
                .iter()
                .map(move |object| (format!("{}/{}", bundle.target, object.file_name), object))
        })
        .collect();
    let files: Vec<dir::SetFile<'_>> = paths
        .iter()
        .map(|(path, object)| dir::SetFile {
            path,
            text: &object.text,
            secret: object.kind.holds_secrets(),
        })
        .collect();
    dir::write_set(dir.as_ref(), &files, &options.protected())
}

/// Options for [`Bundle::write_dir_with`] and [`Bundle::write_values_dir`].
///
/// ```
/// use harbor_edge::output::WriteOptions;
///
/// // The parameters file must survive whatever folder the bundle is written to.
/// let options = WriteOptions::new().protect("params.yaml", "the parameters file");
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    protected: Vec<(PathBuf, String)>,
}

impl WriteOptions {
    /// No options: what [`Bundle::write_dir`] uses.
    pub fn new() -> Self {
        Self::default()
    }

    /// A file the write must never replace or remove: when the folder holds it (the same file,
    /// under whatever name) at a path the write would replace, or that the previous write owned
    /// and this one would remove, the write fails before anything changes. `role` names it in
    /// the message, e.g. `the --existing file`. A path that does not exist is ignored.
    pub fn protect(mut self, path: impl Into<PathBuf>, role: impl Into<String>) -> Self {
        self.protected.push((path.into(), role.into()));
        self
    }

    fn protected(&self) -> Vec<dir::Protected<'_>> {
        self.protected
            .iter()
            .map(|(path, role)| dir::Protected { path, role })
            .collect()
    }
}
