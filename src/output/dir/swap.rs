//! The switch (Linux): the new set is built beside the output folder and exchanged with it by
//! one `renameat2(RENAME_EXCHANGE)`.
//!
//! The staging folder is `.<folder name>.harbor-edge-<run>` in the output folder's parent, mode
//! 0700 while it is built. It receives, in this order: the list of owned files (complete, with
//! its end line), the new files, and a hard link to every entry of the output folder that is
//! not harbor-edge's (folders are recreated with their owner and mode, and their entries
//! linked). Then it gets the output folder's owner and mode, and the exchange makes it the
//! output folder. The former folder, now under the staging name, is removed: harbor-edge's
//! files, and every entry the new folder holds too (the same inode); an entry that someone
//! created in the old folder while this write carried the rest moves into the new folder.
//!
//! Whatever step fails for a reason that says the switch is not possible here, the staging
//! folder is removed and the caller falls back to the journal. A staging folder left by a
//! killed run is retired like a former folder by the next write ([`recover`]): its foreign
//! entries are links to the folder's own.

use std::fs;
use std::io;
use std::path::Path;

use rustix::fs::{CWD, RenameFlags};
use rustix::io::Errno;

use super::lock;
use super::manifest::{self, Manifest};
use super::tree;
use super::{Failure, Plan, SetFile};

/// The staging folder's name for `folder` and `run`.
fn stage_name(folder_name: &str, run: &str) -> String {
    format!("{}{run}", stage_prefix(folder_name))
}

fn stage_prefix(folder_name: &str) -> String {
    format!(".{folder_name}.harbor-edge-")
}

/// Writes the set by the switch. `Ok(false)`: not possible here (nothing changed; use the
/// journal).
pub(super) fn write(
    folder: &Path,
    files: &[SetFile<'_>],
    plan: &Plan,
    run: &str,
) -> Result<bool, Failure> {
    let (Some(parent), Some(name)) = (
        folder.parent(),
        folder.file_name().and_then(|name| name.to_str()),
    ) else {
        return Ok(false);
    };
    // Run from inside the folder, most likely from a shell sitting there, which the switch
    // would leave in a removed folder.
    if std::env::current_dir()
        .and_then(|dir| dir.canonicalize())
        .is_ok_and(|dir| dir.starts_with(folder))
    {
        return Ok(false);
    }
    let stage = parent.join(stage_name(name, run));
    match tree::create_private_dir(&stage) {
        Ok(()) => {}
        Err(error) if switch_impossible(&error) => return Ok(false),
        Err(error) => return Err(Failure::new(&stage, error)),
    }
    let built = lock::acquire_new(&stage)
        .map_err(|error| Failure::new(&stage, error))
        .and_then(|stage_lock| {
            build(folder, &stage, files, plan).map(|possible| (stage_lock, possible))
        });
    let stage_lock = match built {
        Ok((stage_lock, true)) => stage_lock,
        Ok((_, false)) => {
            discard(&stage);
            return Ok(false);
        }
        Err(failure) => {
            discard(&stage);
            return Err(failure);
        }
    };
    let exchanged = rustix::fs::renameat_with(CWD, &stage, CWD, folder, RenameFlags::EXCHANGE)
        .map_err(io::Error::from);
    if let Err(error) = exchanged {
        discard(&stage);
        return if switch_impossible(&error) {
            Ok(false)
        } else {
            Err(Failure::new(folder, error))
        };
    }
    tree::sync_dir(parent);
    // The former folder now sits under the staging name.
    retire(&stage, folder, &|rel, metadata| plan.is_ours(rel, metadata));
    drop(stage_lock);
    Ok(true)
}

/// Fills the staging folder; `Ok(false)` when the switch is not possible here.
fn build(folder: &Path, stage: &Path, files: &[SetFile<'_>], plan: &Plan) -> Result<bool, Failure> {
    Manifest::create(stage, files.iter().map(|file| file.path))
        .map_err(|error| Failure::new(&stage.join(manifest::FILE_NAME), error))?;
    for file in files {
        tree::write_file(stage, file).map_err(|(path, error)| Failure::new(&path, error))?;
    }
    if !carry(folder, stage, Path::new(""), plan)? {
        return Ok(false);
    }
    let metadata = fs::metadata(folder).map_err(|error| Failure::new(folder, error))?;
    if !copy_attributes(&metadata, stage)? {
        return Ok(false);
    }
    tree::sync_tree(stage);
    Ok(true)
}

/// Hard-links every entry of `folder/rel` that is not harbor-edge's into `stage/rel`, folders
/// recreated. `Ok(false)` when an entry cannot be linked or a folder's owner kept.
fn carry(folder: &Path, stage: &Path, rel: &Path, plan: &Plan) -> Result<bool, Failure> {
    let source = folder.join(rel);
    let entries = fs::read_dir(&source).map_err(|error| Failure::new(&source, error))?;
    for entry in entries {
        let entry = entry.map_err(|error| Failure::new(&source, error))?;
        let entry_rel = rel.join(entry.file_name());
        let metadata = match entry.metadata() {
            Ok(metadata) => metadata,
            // Gone since the listing: nothing to carry.
            Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
            Err(error) => return Err(Failure::new(&entry.path(), error)),
        };
        if plan.is_ours(&entry_rel, &metadata) {
            continue;
        }
        let target = stage.join(&entry_rel);
        if metadata.is_dir() {
            match fs::create_dir(&target) {
                Ok(()) => {}
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
                Err(error) => return Err(Failure::new(&target, error)),
            }
            if !copy_attributes(&metadata, &target)? || !carry(folder, stage, &entry_rel, plan)? {
                return Ok(false);
            }
            // A folder that held only harbor-edge's files it no longer writes goes with them.
            if plan.is_our_folder(&entry_rel) && is_empty(&target) {
                fs::remove_dir(&target).map_err(|error| Failure::new(&target, error))?;
            }
            continue;
        }
        match fs::hard_link(entry.path(), &target) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) if switch_impossible(&error) => return Ok(false),
            Err(error) => return Err(Failure::new(&target, error)),
        }
    }
    Ok(true)
}

/// Removes a staging folder that was never switched in, its list of owned files last: should
/// this be interrupted too, what is left is still known to be harbor-edge's.
fn discard(stage: &Path) {
    if let Ok(entries) = fs::read_dir(stage) {
        for entry in entries.flatten() {
            if entry.file_name() == manifest::FILE_NAME {
                continue;
            }
            let _ = if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                fs::remove_dir_all(entry.path())
            } else {
                fs::remove_file(entry.path())
            };
        }
    }
    let _ = fs::remove_file(stage.join(manifest::FILE_NAME));
    let _ = fs::remove_dir(stage);
}

fn is_empty(path: &Path) -> bool {
    fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none())
}

/// Gives `target` the owner and mode of `source`; `Ok(false)` when the owner cannot be given.
fn copy_attributes(source: &fs::Metadata, target: &Path) -> Result<bool, Failure> {
    use std::os::unix::fs::MetadataExt as _;
    let current = fs::symlink_metadata(target).map_err(|error| Failure::new(target, error))?;
    if (current.uid(), current.gid()) != (source.uid(), source.gid())
        && std::os::unix::fs::chown(target, Some(source.uid()), Some(source.gid())).is_err()
    {
        return Ok(false);
    }
    fs::set_permissions(target, source.permissions())
        .map_err(|error| Failure::new(target, error))?;
    Ok(true)
}

/// Errors that say the switch cannot be done here, rather than that something is wrong: no
/// exchange on this file system or kernel, a mount point, another file system, no hard links,
/// no permission to write beside the folder or to give an owner, a name too long.
fn switch_impossible(error: &io::Error) -> bool {
    Errno::from_io_error(error).is_some_and(|errno| {
        [
            Errno::INVAL,
            Errno::NOSYS,
            Errno::XDEV,
            Errno::BUSY,
            Errno::NOTSUP,
            Errno::OPNOTSUPP,
            Errno::PERM,
            Errno::ACCESS,
            Errno::ROFS,
            Errno::NAMETOOLONG,
            Errno::MLINK,
        ]
        .contains(&errno)
    })
}

/// Removes `tree`, a folder that is no longer the output folder (the former one after the
/// switch, or a leftover of a killed run): harbor-edge's files go, and so does every entry that
/// `folder` holds under the same name (the same inode, carried by a hard link); folders go once
/// empty. Anything else moves into `folder` when its name is free there, or stays, and the
/// tree with it (the next write tries again). The tree's list of owned files goes last, so a
/// retire cut short by a kill leaves nothing of harbor-edge's that the next one would take for
/// someone else's. Returns whether the tree is gone.
fn retire(tree: &Path, folder: &Path, is_ours: &dyn Fn(&Path, &fs::Metadata) -> bool) -> bool {
    retire_entries(tree, folder, Path::new(""), is_ours)
        && fs::remove_file(tree.join(manifest::FILE_NAME))
            .or_else(|error| match error.kind() {
                io::ErrorKind::NotFound => Ok(()),
                _ => Err(error),
            })
            .is_ok()
        && fs::remove_dir(tree).is_ok()
}

fn retire_entries(
    tree: &Path,
    folder: &Path,
    rel: &Path,
    is_ours: &dyn Fn(&Path, &fs::Metadata) -> bool,
) -> bool {
    let Ok(entries) = fs::read_dir(tree.join(rel)) else {
        return false;
    };
    let mut gone = true;
    for entry in entries.flatten() {
        let entry_rel = rel.join(entry.file_name());
        if entry_rel == Path::new(manifest::FILE_NAME) {
            continue; // last, in `retire`
        }
        let path = tree.join(&entry_rel);
        let Ok(metadata) = entry.metadata() else {
            gone = false;
            continue;
        };
        gone &= if metadata.is_dir() {
            retire_entries(tree, folder, &entry_rel, is_ours) && fs::remove_dir(&path).is_ok()
        } else if is_ours(&entry_rel, &metadata) || has_twin(folder, &entry_rel, &metadata) {
            fs::remove_file(&path).is_ok()
        } else {
            move_into(&path, &folder.join(&entry_rel))
        };
    }
    gone
}

/// Whether `folder/rel` is the same file as the entry with `metadata`.
fn has_twin(folder: &Path, rel: &Path, metadata: &fs::Metadata) -> bool {
    let twin = folder.join(rel);
    fs::symlink_metadata(&twin)
        .is_ok_and(|twin_metadata| tree::same_file(&twin, &twin_metadata, &twin, metadata))
}

/// Moves an entry into the output folder, never over an existing name.
fn move_into(from: &Path, to: &Path) -> bool {
    if let Some(parent) = to.parent() {
        let _ = fs::create_dir_all(parent);
    }
    rustix::fs::renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE).is_ok()
}

/// Cleans what killed runs left beside `folder`: a staging folder (killed before its switch:
/// its list, new files, and links to the folder's entries) or a former folder (killed after the
/// switch). Both are retired against the folder; the files either list names are
/// harbor-edge's.
pub(super) fn recover(folder: &Path, plan: &Plan) {
    let (Some(parent), Some(name)) = (
        folder.parent(),
        folder.file_name().and_then(|name| name.to_str()),
    ) else {
        return;
    };
    let prefix = stage_prefix(name);
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let is_leftover = entry
            .file_name()
            .to_str()
            .is_some_and(|entry_name| entry_name.starts_with(&prefix));
        if !is_leftover || !entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            continue;
        }
        let leftover = entry.path();
        let listed = Manifest::read(&leftover.join(manifest::FILE_NAME))
            .ok()
            .flatten()
            .unwrap_or_default();
        retire(&leftover, folder, &|rel, metadata| {
            plan.is_ours(rel, metadata) || (metadata.is_file() && listed.files.contains(rel))
        });
    }
}
