//! Output (SPEC 5): a rendered [`Bundle`] as one YAML stream, as JSON, or as a folder with
//! one file per object. The last step of the pipeline: it adds these forms to what
//! [`crate::render`] returns, and reads an earlier output folder back for
//! [`crate::credentials`]; neither of them uses it.
//!
//! Order is the apply order: namespaces, secrets, then the rest (the `HelmChart` for `k3s`, the
//! bootstrap ConfigMap and Job; for `helm`, then the two values files in [`VALUES_FOLDER`]).
//! Keys keep the order the templates write them in (the Helm values: the order
//! `render/values.rs` declares). The same input gives byte-identical output.
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
use crate::render::{Bundle, RenderedObject, VALUES_FOLDER};

/// The file in an output folder that lists the files harbor-edge owns there (not `.yaml`,
/// `.yml` or `.json`, so `kubectl apply -f` ignores it).
pub const OWNED_FILES_LIST: &str = dir::OWNED_FILES_LIST;

/// The output forms of a bundle: one stream, JSON, a folder.
impl Bundle {
    /// The Kubernetes objects as one multi-document YAML stream, each document opened by
    /// `---`: what `kubectl apply -f -` takes. For `k3s` that is the whole install; for `helm`
    /// the Helm values are not in it ([`Bundle::values_yaml`], or the [`VALUES_FOLDER`] of
    /// [`Bundle::write_dir`]); for `node` it is empty (write that target with
    /// [`Bundle::write_dir`]).
    pub fn to_yaml(&self) -> String {
        let mut text = String::new();
        for object in self.kubernetes_objects() {
            text.push_str("---\n");
            text.push_str(object.text());
        }
        text
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
            .objects()
            .iter()
            .map(|object| dir::SetFile {
                path: object.file_name(),
                text: object.text(),
                secret: object.kind().holds_secrets(),
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
            .objects()
            .iter()
            .filter_map(|object| {
                let path = object.file_name().strip_prefix(&prefix)?;
                Some(dir::SetFile {
                    path,
                    text: object.text(),
                    secret: object.kind().holds_secrets(),
                })
            })
            .collect();
        if files.is_empty() {
            return Ok(Vec::new());
        }
        dir::write_set(dir.as_ref(), &files, &options.protected())
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
        if seen.contains(&bundle.target()) {
            return Err(crate::Error::Usage {
                message: format!("the {} target is given twice", bundle.target()),
            });
        }
        seen.push(bundle.target());
    }
    let paths: Vec<(String, &RenderedObject)> = bundles
        .iter()
        .flat_map(|bundle| {
            bundle.objects().iter().map(move |object| {
                (
                    format!("{}/{}", bundle.target(), object.file_name()),
                    object,
                )
            })
        })
        .collect();
    let files: Vec<dir::SetFile<'_>> = paths
        .iter()
        .map(|(path, object)| dir::SetFile {
            path,
            text: object.text(),
            secret: object.kind().holds_secrets(),
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
