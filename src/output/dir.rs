//! Directory output with atomic replacement: every file is written in full beside its final
//! name, then renamed over it, so a reader never sees half a file. When any step fails, the
//! directory is put back as it was: temporary files removed, replaced files restored from hard
//! links taken before the first rename, new files removed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use super::RenderedObject;
use crate::error::{Error, Result};

/// A file written in full under a temporary name.
struct Staged {
    temp: PathBuf,
    target: PathBuf,
}

/// Writes every object into `dir`; see [`super::Bundle::write_dir`].
pub(super) fn write_all(dir: &Path, objects: &[RenderedObject]) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;

    let mut staged = Vec::with_capacity(objects.len());
    for object in objects {
        match stage(dir, object) {
            Ok(file) => staged.push(file),
            Err(error) => {
                remove_temps(&staged);
                return Err(error);
            }
        }
    }

    // Keep a hard link to every file about to be replaced, so a failure part-way through the
    // renames can put the old content back instead of leaving a mix of old and new files.
    let mut backups = Vec::with_capacity(staged.len());
    for file in &staged {
        match back_up(&file.target) {
            Ok(backup) => backups.push(backup),
            Err(error) => {
                remove_temps(&staged);
                remove_backups(&backups);
                return Err(error);
            }
        }
    }

    for (index, file) in staged.iter().enumerate() {
        if let Err(source) = fs::rename(&file.temp, &file.target) {
            remove_temps(&staged[index..]);
            restore(&staged[..index], &backups[..index]);
            return Err(Error::Io {
                path: file.target.clone(),
                source,
            });
        }
    }
    remove_backups(&backups);
    sync_dir(dir);
    Ok(staged.into_iter().map(|file| file.target).collect())
}

/// A hard link to `target` under a hidden temporary name when `target` is a file (or a
/// symbolic link) that exists; `None` when there is nothing to keep.
fn back_up(target: &Path) -> Result<Option<PathBuf>> {
    match fs::symlink_metadata(target) {
        Ok(metadata) if metadata.is_file() || metadata.is_symlink() => {}
        // Nothing there, or a directory, which the rename will refuse to replace anyway.
        _ => return Ok(None),
    }
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pid = std::process::id();
    for attempt in 0..100 {
        let backup = target.with_file_name(format!(".{name}.{pid}.{attempt}.bak"));
        match fs::hard_link(target, &backup) {
            Ok(()) => return Ok(Some(backup)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
            // A file system without hard links: a copy keeps the content (not the inode).
            Err(_) => match fs::copy(target, &backup) {
                Ok(_) => return Ok(Some(backup)),
                Err(source) => {
                    let _ = fs::remove_file(&backup);
                    return Err(Error::Io {
                        path: backup,
                        source,
                    });
                }
            },
        }
    }
    Err(Error::Io {
        path: target.to_path_buf(),
        source: io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free backup file name after 100 tries",
        ),
    })
}

/// Undoes the renames already done: old files come back from their backups, new ones go.
fn restore(renamed: &[Staged], backups: &[Option<PathBuf>]) {
    for (file, backup) in renamed.iter().zip(backups) {
        let _ = match backup {
            Some(backup) => fs::rename(backup, &file.target),
            None => fs::remove_file(&file.target),
        };
    }
}

fn remove_backups(backups: &[Option<PathBuf>]) {
    for backup in backups.iter().flatten() {
        let _ = fs::remove_file(backup);
    }
}

/// Writes one object to a new temporary file beside its final name (in a subdirectory of `dir`
/// for names such as `certs.d/docker.io/hosts.toml`, created when missing) and flushes it.
fn stage(dir: &Path, object: &RenderedObject) -> Result<Staged> {
    let target = dir.join(object.file_name());
    let parent = target.parent().unwrap_or(dir).to_path_buf();
    fs::create_dir_all(&parent).map_err(|source| Error::Io {
        path: parent.clone(),
        source,
    })?;
    let (temp, mut file) = create_temp(&parent, &target, object)?;
    let written = file
        .write_all(object.text().as_bytes())
        .and_then(|()| file.sync_all());
    drop(file);
    if let Err(source) = written {
        let _ = fs::remove_file(&temp);
        return Err(Error::Io { path: temp, source });
    }
    Ok(Staged { temp, target })
}

/// A new file `.<name>.<pid>.<n>.tmp` in `parent` (hidden, so globs over `*.yaml` skip it);
/// owner-only for objects that hold secrets.
fn create_temp(parent: &Path, target: &Path, object: &RenderedObject) -> Result<(PathBuf, File)> {
    let pid = std::process::id();
    let base = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    for attempt in 0..100 {
        let temp = parent.join(format!(".{base}.{pid}.{attempt}.tmp"));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(if object.kind().holds_secrets() {
                0o600
            } else {
                0o644
            });
        }
        match options.open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(Error::Io { path: temp, source }),
        }
    }
    Err(Error::Io {
        path: parent.to_path_buf(),
        source: io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free temporary file name after 100 tries",
        ),
    })
}

fn remove_temps(staged: &[Staged]) {
    for file in staged {
        let _ = fs::remove_file(&file.temp);
    }
}

/// Makes the renames durable where the platform allows syncing a directory; best effort, the
/// files themselves are already synced.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}
