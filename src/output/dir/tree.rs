//! Small file-system steps shared by both ways of writing a set.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use super::SetFile;

/// A set file's `/`-separated path as a relative path.
pub(super) fn relative(path: &str) -> PathBuf {
    path.split('/').collect()
}

/// A new folder readable by the owner only (it is about to hold secrets).
pub(super) fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Writes one file of the set under `root` as a new file (its folders created when missing),
/// owner-only when it holds secrets, and flushes it to disk.
pub(super) fn write_file(root: &Path, file: &SetFile<'_>) -> Result<(), (PathBuf, io::Error)> {
    let path = root.join(relative(file.path));
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|error| (parent.to_path_buf(), error))?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, if file.secret { 0o600 } else { 0o644 });
    let written = options.open(&path).and_then(|mut handle| {
        handle.write_all(file.text.as_bytes())?;
        handle.sync_all()
    });
    written.map_err(|error| (path, error))
}

/// Makes a folder's entries durable where the platform can sync a folder; best effort, the
/// files themselves are synced when written.
pub(super) fn sync_dir(path: &Path) {
    if let Ok(handle) = File::open(path) {
        let _ = handle.sync_all();
    }
}

/// [`sync_dir`] on `path` and every folder below it (links are not followed).
pub(super) fn sync_tree(path: &Path) {
    if let Ok(entries) = fs::read_dir(path) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                sync_tree(&entry.path());
            }
        }
    }
    sync_dir(path);
}

/// Whether `rel` names a temporary or backup file that an earlier version of harbor-edge left
/// beside one of its files after a kill: `.<name>.<pid>.<n>.tmp` or `.bak`, where `<name>` is
/// one of the file names harbor-edge writes. They may hold secrets; the next write removes
/// them.
pub(super) fn is_legacy_temp(rel: &Path) -> bool {
    let Some(name) = rel.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    let Some(stem) = name.strip_prefix('.').and_then(|rest| {
        rest.strip_suffix(".tmp")
            .or_else(|| rest.strip_suffix(".bak"))
    }) else {
        return false;
    };
    let mut parts = stem.rsplitn(3, '.');
    let (Some(attempt), Some(pid), Some(base)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let number = |text: &str| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
    number(attempt)
        && number(pid)
        && [".yaml", ".toml", ".crt"]
            .iter()
            .any(|extension| base.len() > extension.len() && base.ends_with(extension))
}

/// Whether two paths, with their metadata, are the same file.
#[cfg(unix)]
pub(super) fn same_file(_: &Path, a: &fs::Metadata, _: &Path, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

/// Whether two paths, with their metadata, are the same file.
#[cfg(not(unix))]
pub(super) fn same_file(a: &Path, _: &fs::Metadata, b: &Path, _: &fs::Metadata) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_temporary_files_are_recognised_by_name() {
        for name in [
            ".10-secret-harbor-tls.yaml.4242.0.tmp",
            ".values.yaml.17.3.bak",
            "certs.d/docker.io/.hosts.toml.9.0.tmp",
            ".ca.crt.1.0.bak",
        ] {
            assert!(is_legacy_temp(Path::new(name)), "{name}");
        }
        for name in [
            "10-secret-harbor-tls.yaml",
            ".notes.txt.1.0.tmp",
            ".values.yaml.x.0.tmp",
            ".values.yaml.1.tmp",
            ".yaml.1.0.tmp",
            "values.yaml.1.0.tmp",
        ] {
            assert!(!is_legacy_temp(Path::new(name)), "{name}");
        }
    }
}
