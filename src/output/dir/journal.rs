//! The journal, where the switch is not possible: the new set is written in full into
//! `.harbor-edge-staging` inside the output folder (mode 0700), which is renamed to
//! `.harbor-edge-commit` once complete: the commit point. Then every file is renamed into place,
//! the files the previous write owned and this one does not are removed, and the new list of
//! owned files is moved in last.
//!
//! A kill before the commit leaves the folder as it was (the next write removes the staging
//! folder); a kill after it leaves a mix that the next write finishes first ([`finish`] is
//! idempotent), so the folder is one complete set again.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::manifest::{self, Manifest};
use super::tree;
use super::{Failure, Plan, SetFile};
use crate::error::{Error, Result};

/// Where a write is built inside the output folder.
const STAGING: &str = ".harbor-edge-staging";
/// The staging folder once complete.
const COMMIT: &str = ".harbor-edge-commit";

/// Writes the set through the journal.
pub(super) fn write(folder: &Path, files: &[SetFile<'_>], plan: &Plan) -> Result<(), Failure> {
    remove_legacy_temps(folder, plan);
    let staging = folder.join(STAGING);
    tree::create_private_dir(&staging).map_err(|error| Failure::new(&staging, error))?;
    if let Err(failure) = fill(&staging, files) {
        let _ = fs::remove_dir_all(&staging);
        return Err(failure);
    }
    let commit = folder.join(COMMIT);
    if let Err(error) = fs::rename(&staging, &commit) {
        let _ = fs::remove_dir_all(&staging);
        return Err(Failure::new(&commit, error));
    }
    tree::sync_dir(folder);
    finish(folder)
}

fn fill(staging: &Path, files: &[SetFile<'_>]) -> Result<(), Failure> {
    Manifest::create(staging, files.iter().map(|file| file.path))
        .map_err(|error| Failure::new(&staging.join(manifest::FILE_NAME), error))?;
    for file in files {
        tree::write_file(staging, file).map_err(|(path, error)| Failure::new(&path, error))?;
    }
    tree::sync_tree(staging);
    Ok(())
}

/// Finishes or discards what an interrupted journal write left in `folder` (canonical).
pub(super) fn recover(folder: &Path) -> Result<()> {
    let staging = folder.join(STAGING);
    match fs::symlink_metadata(&staging) {
        Ok(metadata) if metadata.is_dir() => fs::remove_dir_all(&staging),
        Ok(_) => fs::remove_file(&staging),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
    .map_err(|source| Error::Io {
        path: staging.clone(),
        source,
    })?;
    if fs::symlink_metadata(folder.join(COMMIT)).is_ok_and(|metadata| metadata.is_dir()) {
        finish(folder).map_err(|failure| failure.at(folder, folder))?;
    }
    Ok(())
}

/// Moves a committed write into place. Each step can be repeated, so a run killed anywhere in
/// here is finished by the next one.
fn finish(folder: &Path) -> Result<(), Failure> {
    let commit = folder.join(COMMIT);
    let list = commit.join(manifest::FILE_NAME);
    let listed = Manifest::read(&list).map_err(|error| Failure::new(&list, error))?;
    let Some(new) = listed.filter(|manifest| manifest.complete) else {
        // The list has moved already (only empty folders are left), or the staging folder was
        // renamed before its list was complete, which a write never does.
        return fs::remove_dir_all(&commit).map_err(|error| Failure::new(&commit, error));
    };
    let old = Manifest::read(&folder.join(manifest::FILE_NAME))
        .map_err(|error| Failure::new(&folder.join(manifest::FILE_NAME), error))?
        .map(|manifest| manifest.files)
        .unwrap_or_default();
    let mut touched = BTreeSet::new();
    for rel in &new.files {
        let from = commit.join(rel);
        if fs::symlink_metadata(&from).is_err() {
            continue; // moved before the interruption
        }
        let to = folder.join(rel);
        real_folders(folder, rel)?;
        fs::rename(&from, &to).map_err(|error| Failure::new(&to, error))?;
        touched.insert(to.parent().map(Path::to_path_buf).unwrap_or_default());
    }
    for rel in old.difference(&new.files) {
        remove_owned(folder, rel);
        touched.insert(
            folder
                .join(rel)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        );
    }
    for parent in &touched {
        tree::sync_dir(parent);
    }
    fs::rename(&list, folder.join(manifest::FILE_NAME))
        .map_err(|error| Failure::new(&folder.join(manifest::FILE_NAME), error))?;
    tree::sync_dir(folder);
    fs::remove_dir_all(&commit).map_err(|error| Failure::new(&commit, error))
}

/// Creates the folders above `rel` in `folder` where missing; a link or a file on the way is an
/// error, never followed.
fn real_folders(folder: &Path, rel: &Path) -> Result<(), Failure> {
    let mut at = PathBuf::from(folder);
    let Some(parent) = rel.parent() else {
        return Ok(());
    };
    for component in parent.components() {
        at.push(component);
        match fs::symlink_metadata(&at) {
            Ok(metadata) if metadata.is_dir() => {}
            Ok(_) => {
                return Err(Failure::new(
                    &at,
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "is not a folder (a link or a file) where harbor-edge needs one: move it \
                         away, and run again to finish the interrupted write",
                    ),
                ));
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&at).map_err(|error| Failure::new(&at, error))?;
            }
            Err(error) => return Err(Failure::new(&at, error)),
        }
    }
    Ok(())
}

/// Removes a file the previous write owned, if it is still a regular file, and the folders
/// above it that are left empty.
fn remove_owned(folder: &Path, rel: &Path) {
    let path = folder.join(rel);
    if !fs::symlink_metadata(&path).is_ok_and(|metadata| metadata.is_file()) {
        return;
    }
    if fs::remove_file(&path).is_err() {
        return;
    }
    for ancestor in rel.ancestors().skip(1) {
        if ancestor.as_os_str().is_empty() || fs::remove_dir(folder.join(ancestor)).is_err() {
            break;
        }
    }
}

/// Removes the temporary files an earlier version left beside harbor-edge's files.
fn remove_legacy_temps(folder: &Path, plan: &Plan) {
    let mut folders: Vec<PathBuf> = vec![PathBuf::new()];
    folders.extend(
        plan.new
            .iter()
            .chain(&plan.owned)
            .filter_map(|rel| rel.parent().map(Path::to_path_buf)),
    );
    folders.sort();
    folders.dedup();
    for rel in folders {
        let Ok(entries) = fs::read_dir(folder.join(&rel)) else {
            continue;
        };
        for entry in entries.flatten() {
            let entry_rel = rel.join(entry.file_name());
            if tree::is_legacy_temp(&entry_rel)
                && entry.file_type().is_ok_and(|kind| kind.is_file())
            {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files<'a>(names: &[&'a str]) -> Vec<SetFile<'a>> {
        names
            .iter()
            .map(|name| SetFile {
                path: name,
                text: name,
                secret: false,
            })
            .collect()
    }

    fn listing(folder: &Path) -> Vec<String> {
        let mut names = Vec::new();
        collect(folder, Path::new(""), &mut names);
        names.sort();
        names
    }

    fn collect(root: &Path, rel: &Path, names: &mut Vec<String>) {
        for entry in fs::read_dir(root.join(rel)).unwrap() {
            let entry = entry.unwrap();
            let entry_rel = rel.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                collect(root, &entry_rel, names);
            } else {
                names.push(entry_rel.display().to_string());
            }
        }
    }

    fn plan(folder: &Path, names: &[&str]) -> Plan {
        let owned = Manifest::read(&folder.join(manifest::FILE_NAME))
            .unwrap()
            .map(|manifest| manifest.files)
            .unwrap_or_default();
        Plan::new(&files(names), owned)
    }

    #[test]
    fn the_journal_writes_the_set_and_removes_what_the_last_one_owned() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path();
        fs::write(folder.join("notes.txt"), "not ours").unwrap();
        let first = ["a.yaml", "sub/b.yaml"];
        write(folder, &files(&first), &plan(folder, &first)).unwrap_or_else(|_| panic!());
        assert_eq!(
            listing(folder),
            [".harbor-edge-files", "a.yaml", "notes.txt", "sub/b.yaml"]
        );
        let second = ["a.yaml", "c.yaml"];
        write(folder, &files(&second), &plan(folder, &second)).unwrap_or_else(|_| panic!());
        assert_eq!(
            listing(folder),
            [".harbor-edge-files", "a.yaml", "c.yaml", "notes.txt"]
        );
        assert!(
            !folder.join("sub").exists(),
            "an emptied folder of ours goes"
        );
    }

    #[test]
    fn a_journal_write_killed_after_its_commit_is_finished_by_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path();
        let first = ["a.yaml", "old.yaml"];
        write(folder, &files(&first), &plan(folder, &first)).unwrap_or_else(|_| panic!());
        // The second write, killed after its commit and its first rename.
        let second = ["a.yaml", "new.yaml"];
        let staging = folder.join(STAGING);
        tree::create_private_dir(&staging).unwrap();
        fill(&staging, &files(&second)).unwrap_or_else(|_| panic!());
        fs::rename(&staging, folder.join(COMMIT)).unwrap();
        fs::rename(folder.join(COMMIT).join("a.yaml"), folder.join("a.yaml")).unwrap();

        recover(folder).unwrap();
        assert_eq!(
            listing(folder),
            [".harbor-edge-files", "a.yaml", "new.yaml"]
        );
        let listed = Manifest::read(&folder.join(manifest::FILE_NAME))
            .unwrap()
            .unwrap();
        assert!(listed.files.contains(Path::new("new.yaml")));
    }

    #[test]
    fn a_journal_write_killed_before_its_commit_leaves_the_folder_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path();
        let first = ["a.yaml"];
        write(folder, &files(&first), &plan(folder, &first)).unwrap_or_else(|_| panic!());
        let before = listing(folder);
        let staging = folder.join(STAGING);
        tree::create_private_dir(&staging).unwrap();
        fill(&staging, &files(&["b.yaml"])).unwrap_or_else(|_| panic!());

        recover(folder).unwrap();
        assert_eq!(listing(folder), before);
    }
}
