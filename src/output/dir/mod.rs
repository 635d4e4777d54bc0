//! Writing a set of files into an output folder, atomically as a set (SPEC 5).
//!
//! Every write holds an exclusive lock on the folder ([`lock`]), so two writers never
//! interleave: the second waits. Under the lock, it first finishes or discards what an
//! interrupted run left, then reads the list of files harbor-edge owns in the folder
//! ([`manifest`]), checks that no path it writes is a symbolic link, a folder or one of the run's
//! inputs, and writes the new set in one of two ways:
//!
//! - **Switch** ([`swap`], Linux): the new set is written in full into a staging folder beside
//!   the output folder; every entry of the output folder that is not harbor-edge's is
//!   hard-linked into it (folders recreated with their owner and mode); then one
//!   `renameat2(RENAME_EXCHANGE)` exchanges the two folders. A reader sees the complete old set
//!   or the complete new one at every instant, whatever interrupts the run.
//! - **Journal** ([`journal`]), where the switch is not possible (another platform, a file
//!   system without the exchange or without hard links, an output folder that is a mount point
//!   or the current directory, a parent folder that cannot be written, an owner that cannot be
//!   kept): the new set is written into a staging folder inside the output folder, renamed to a
//!   commit folder once complete, then moved into place file by file. A reader during those
//!   renames, or after a kill among them, can see a mix; the next run into the folder finishes
//!   the committed write first, so the folder is one complete set again.
//!
//! Files that the previous write owned and this one does not write (another target, another
//! cluster uid) are gone with the new set; entries harbor-edge does not own stay. No temporary
//! file is ever inside the output folder with the switch; what an interrupted run left (its
//! staging folder beside the output folder, mode 0700) is removed by the next run into it.

mod journal;
mod lock;
mod manifest;
#[cfg(any(target_os = "linux", target_os = "android"))]
mod swap;
mod tree;

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub(crate) use manifest::FILE_NAME as OWNED_FILES_LIST;

/// One file of a set: where it goes in the folder (relative, `/`-separated), its text, and
/// whether it holds secrets (then it is written readable by the owner only, on Unix).
pub(super) struct SetFile<'a> {
    pub(super) path: &'a str,
    pub(super) text: &'a str,
    pub(super) secret: bool,
}

/// A file the write must never replace or remove (an input of the run), and what it is, for
/// the message.
pub(super) struct Protected<'a> {
    pub(super) path: &'a Path,
    pub(super) role: &'a str,
}

/// Writes `files` into `dir` as a set; see the module docs. Returns their paths under `dir`
/// (as given), in order.
pub(super) fn write_set(
    dir: &Path,
    files: &[SetFile<'_>],
    protected: &[Protected<'_>],
) -> Result<Vec<PathBuf>> {
    let folder = prepare(dir)?;
    let _lock = lock::acquire(&folder)?;
    journal::recover(&folder)?;
    let owned = manifest::Manifest::read(&folder.join(manifest::FILE_NAME))
        .map_err(|source| io_error(&dir.join(manifest::FILE_NAME), source))?
        .map(|manifest| manifest.files)
        .unwrap_or_default();
    let plan = Plan::new(files, owned);
    #[cfg(any(target_os = "linux", target_os = "android"))]
    swap::recover(&folder, &plan);
    check_paths(dir, &folder, &plan, protected)?;

    #[cfg(any(target_os = "linux", target_os = "android"))]
    let switched = swap::write(&folder, files, &plan, &run_id())
        .map_err(|failure| failure.at(dir, &folder))?;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let switched = false;
    if !switched {
        journal::write(&folder, files, &plan).map_err(|failure| failure.at(dir, &folder))?;
    }
    Ok(files
        .iter()
        .map(|file| dir.join(tree::relative(file.path)))
        .collect())
}

/// The largest owned file read back: far above any rendered object.
const READ_LIMIT: u64 = 16 * 1024 * 1024;

/// The `.yaml` and `.yml` files the last write into `dir` owns, each with its path relative
/// to `dir` and its text (which may hold secrets: overwritten when dropped). Nothing when
/// `dir` does not exist or holds no list of owned files. An interrupted write is finished (or
/// undone) first, under the folder's lock, so the files are one complete set.
pub(super) fn read_owned(dir: &Path) -> Result<Vec<(PathBuf, zeroize::Zeroizing<String>)>> {
    match fs::metadata(dir) {
        Ok(metadata) if metadata.is_dir() => {}
        Ok(_) => return Ok(Vec::new()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(io_error(dir, source)),
    }
    let folder = dir.canonicalize().map_err(|source| io_error(dir, source))?;
    let _lock = lock::acquire(&folder)?;
    journal::recover(&folder)?;
    let Some(list) = manifest::Manifest::read(&folder.join(manifest::FILE_NAME))
        .map_err(|source| io_error(&dir.join(manifest::FILE_NAME), source))?
    else {
        return Ok(Vec::new());
    };
    let mut texts = Vec::new();
    for rel in list.files {
        let yaml = rel
            .extension()
            .is_some_and(|extension| extension == "yaml" || extension == "yml");
        if !yaml || !is_plain_file(&folder, &rel) {
            continue;
        }
        let path = folder.join(&rel);
        let mut text = zeroize::Zeroizing::new(String::new());
        let read = fs::File::open(&path).and_then(|file| {
            use std::io::Read as _;
            file.take(READ_LIMIT).read_to_string(&mut text)
        });
        match read {
            Ok(_) => texts.push((rel, text)),
            // Removed by hand since: nothing to reuse from it.
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(io_error(&dir.join(&rel), source)),
        }
    }
    Ok(texts)
}

/// Whether `rel` under `folder` is a regular file reached without a symbolic link.
fn is_plain_file(folder: &Path, rel: &Path) -> bool {
    let mut at = folder.to_path_buf();
    let parts: Vec<_> = rel.components().collect();
    for (index, part) in parts.iter().enumerate() {
        at.push(part);
        match fs::symlink_metadata(&at) {
            Ok(metadata) if index + 1 == parts.len() => return metadata.is_file(),
            Ok(metadata) if metadata.is_dir() => {}
            _ => return false,
        }
    }
    false
}

/// What a write knows about the folder's files: those it writes and those the previous write
/// owned, as relative paths.
pub(super) struct Plan {
    new: BTreeSet<PathBuf>,
    owned: BTreeSet<PathBuf>,
    /// Every folder above an owned or new file (`certs.d`, `certs.d/docker.io`, `values`).
    folders: BTreeSet<PathBuf>,
}

impl Plan {
    fn new(files: &[SetFile<'_>], owned: BTreeSet<PathBuf>) -> Self {
        let new: BTreeSet<PathBuf> = files.iter().map(|file| tree::relative(file.path)).collect();
        let folders = new
            .iter()
            .chain(&owned)
            .flat_map(|path| path.ancestors().skip(1))
            .filter(|folder| !folder.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .collect();
        Self {
            new,
            owned,
            folders,
        }
    }

    /// Whether the regular file at `rel` is harbor-edge's: the list of owned files, a file
    /// this write replaces, one the previous write owned, or a temporary file an earlier
    /// version left.
    #[cfg_attr(not(any(target_os = "linux", target_os = "android")), allow(dead_code))]
    pub(super) fn is_ours(&self, rel: &Path, metadata: &fs::Metadata) -> bool {
        metadata.is_file()
            && (rel == Path::new(manifest::FILE_NAME)
                || self.new.contains(rel)
                || self.owned.contains(rel)
                || tree::is_legacy_temp(rel))
    }

    /// Whether `rel` is a folder that exists only for harbor-edge's files (removed with them
    /// when it holds nothing else).
    #[cfg_attr(not(any(target_os = "linux", target_os = "android")), allow(dead_code))]
    pub(super) fn is_our_folder(&self, rel: &Path) -> bool {
        self.folders.contains(rel)
    }
}

/// Why a write strategy stopped: a failure to report, with the path where it happened.
pub(super) struct Failure {
    /// The path, inside the canonical folder or beside it.
    path: PathBuf,
    source: io::Error,
}

impl Failure {
    pub(super) fn new(path: &Path, source: io::Error) -> Self {
        Self {
            path: path.to_path_buf(),
            source,
        }
    }

    /// The library error, with a path under the folder as the caller named it.
    fn at(self, dir: &Path, folder: &Path) -> Error {
        let path = match self.path.strip_prefix(folder) {
            Ok(rel) => dir.join(rel),
            Err(_) => self.path,
        };
        io_error(&path, self.source)
    }
}

/// The output folder: created when missing, refused when it is a file. Returns its canonical
/// path (a symbolic link naming the folder itself is followed; links inside it never are).
fn prepare(dir: &Path) -> Result<PathBuf> {
    match fs::metadata(dir) {
        Ok(metadata) if metadata.is_dir() => {}
        Ok(_) => {
            return Err(usage_error(
                dir,
                "is a file, not a folder: the output is one file per object in a folder \
                 (created when missing); choose a folder",
            ));
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(|source| io_error(dir, source))?;
        }
        Err(source) => return Err(io_error(dir, source)),
    }
    dir.canonicalize().map_err(|source| io_error(dir, source))
}

/// Refuses, before anything changes, a write that would go through a symbolic link, replace a
/// folder or a special file, or replace or remove one of the run's inputs.
fn check_paths(dir: &Path, folder: &Path, plan: &Plan, protected: &[Protected<'_>]) -> Result<()> {
    for rel in &plan.new {
        let depth = rel.components().count();
        let mut at = PathBuf::new();
        for (index, component) in rel.components().enumerate() {
            at.push(component);
            let shown = || dir.join(&at);
            let metadata = match fs::symlink_metadata(folder.join(&at)) {
                Ok(metadata) => metadata,
                Err(error) if error.kind() == io::ErrorKind::NotFound => break,
                Err(source) => return Err(io_error(&shown(), source)),
            };
            let is_file = index + 1 == depth;
            let problem = if metadata.file_type().is_symlink() {
                Some(
                    "is a symbolic link where harbor-edge writes; links inside an output folder \
                     are neither followed nor replaced: remove the link, or write to another \
                     folder",
                )
            } else if is_file && metadata.is_dir() {
                Some(
                    "is a folder where harbor-edge writes a file: move it away, or write to \
                     another folder",
                )
            } else if is_file && !metadata.is_file() {
                Some(
                    "is not a regular file, and harbor-edge writes a file here: move it away, or \
                     write to another folder",
                )
            } else if !is_file && !metadata.is_dir() {
                Some(
                    "is a file where harbor-edge needs a folder: move it away, or write to \
                     another folder",
                )
            } else {
                None
            };
            if let Some(message) = problem {
                return Err(usage_error(&shown(), message));
            }
        }
    }
    for input in protected {
        let Ok(input_metadata) = fs::metadata(input.path) else {
            continue;
        };
        for rel in plan.new.iter().chain(&plan.owned) {
            let candidate = folder.join(rel);
            let Ok(metadata) = fs::symlink_metadata(&candidate) else {
                continue;
            };
            if metadata.is_file()
                && tree::same_file(input.path, &input_metadata, &candidate, &metadata)
            {
                let action = if plan.new.contains(rel) {
                    "replace"
                } else {
                    "remove"
                };
                return Err(usage_error(
                    input.path,
                    &format!(
                        "is {}, an input of this run, and writing the folder {} would {action} \
                         it (as {}); nothing was written: write to another folder, or move the \
                         input out of it first",
                        input.role,
                        dir.display(),
                        rel.display(),
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A name for this write's staging folder, unique among the writes into one folder: process,
/// time and a counter.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn run_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:x}-{nanos:x}-{count:x}", std::process::id())
}

/// Something in the way of the write that the caller must move (exit 2), not a failed write.
fn usage_error(path: &Path, message: &str) -> Error {
    Error::Usage {
        message: format!("{}: {message}", path.display()),
    }
}

fn io_error(path: &Path, source: io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}
