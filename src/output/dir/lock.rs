//! One writer at a time per output folder: an exclusive `flock` on the folder itself, held
//! until the write ends (or the process dies: the kernel releases it).
//!
//! The switch exchanges the folder for a new one, so a lock taken on the folder's inode can end
//! up on a folder that is no longer the output folder. A writer therefore checks, once it holds
//! the lock, that the path still names the folder it locked, and starts over when not; and a
//! writer locks its staging folder before the switch, so whoever opens the output folder after
//! the switch waits for it to finish.
//!
//! On a file system where `flock` on a folder fails (some network file systems), and on
//! platforms other than Unix, writes proceed without the lock.

use std::fs::File;
use std::path::Path;

use crate::error::{Error, Result};

/// Held while a write runs; dropping it releases the lock.
pub(super) struct FolderLock {
    _handle: Option<File>,
}

/// Waits for the exclusive lock on `folder` (a canonical path).
#[cfg(unix)]
pub(super) fn acquire(folder: &Path) -> Result<FolderLock> {
    loop {
        let handle = File::open(folder).map_err(|source| io_error(folder, source))?;
        match flock(&handle, true) {
            Ok(()) => {}
            Err(error) if unsupported(&error) => return Ok(FolderLock { _handle: None }),
            Err(source) => return Err(io_error(folder, source)),
        }
        let held = handle
            .metadata()
            .map_err(|source| io_error(folder, source))?;
        let current =
            std::fs::symlink_metadata(folder).map_err(|source| io_error(folder, source))?;
        if current.is_dir() && super::tree::same_file(folder, &held, folder, &current) {
            return Ok(FolderLock {
                _handle: Some(handle),
            });
        }
        // Another writer switched the folder while this one waited: lock the one there now.
    }
}

/// Locks a folder that no other writer knows yet (this write's staging folder).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn acquire_new(folder: &Path) -> std::io::Result<FolderLock> {
    let handle = File::open(folder)?;
    match flock(&handle, false) {
        Ok(()) => Ok(FolderLock {
            _handle: Some(handle),
        }),
        Err(error) if unsupported(&error) => Ok(FolderLock { _handle: None }),
        Err(error) => Err(error),
    }
}

/// `flock(LOCK_EX)`, waiting or not, retried when a signal interrupts it.
#[cfg(unix)]
fn flock(handle: &File, wait: bool) -> std::io::Result<()> {
    use rustix::fs::FlockOperation;
    let operation = if wait {
        FlockOperation::LockExclusive
    } else {
        FlockOperation::NonBlockingLockExclusive
    };
    loop {
        match rustix::fs::flock(handle, operation) {
            Err(rustix::io::Errno::INTR) => continue,
            result => return result.map_err(std::io::Error::from),
        }
    }
}

/// Errors that say the file system does not lock folders (NFS: `EBADF` on a folder opened
/// read-only; others: not supported, no locks).
#[cfg(unix)]
fn unsupported(error: &std::io::Error) -> bool {
    use rustix::io::Errno;
    Errno::from_io_error(error).is_some_and(|errno| {
        [
            Errno::BADF,
            Errno::NOLCK,
            Errno::NOTSUP,
            Errno::OPNOTSUPP,
            Errno::INVAL,
        ]
        .contains(&errno)
    })
}

/// No lock off Unix (see the module docs).
#[cfg(not(unix))]
pub(super) fn acquire(_: &Path) -> Result<FolderLock> {
    Ok(FolderLock { _handle: None })
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}
