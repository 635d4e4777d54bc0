//! Atomic directory output: a failure part-way through leaves the directory as it was, and the
//! `--existing` input of `render` is never modified.
//!
//! The tests run as root in CI, where permission bits do not stop a write, so the failures
//! here come from the file system's structure instead: a directory sitting at the name a file
//! must be renamed to, and an output path whose parent is a regular file.

mod common;

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use harbor_edge::Error;
use harbor_edge::render::Target;

/// Every entry of `dir` (recursively), sorted, with file contents.
fn snapshot(dir: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    let mut entries = Vec::new();
    collect(dir, dir, &mut entries);
    entries.sort();
    entries
}

fn collect(root: &Path, dir: &Path, entries: &mut Vec<(String, Option<Vec<u8>>)>) {
    for entry in fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        let name = path
            .strip_prefix(root)
            .expect("inside")
            .display()
            .to_string();
        if path.is_dir() {
            entries.push((name, None));
            collect(root, &path, entries);
        } else {
            entries.push((name, Some(fs::read(&path).expect("read"))));
        }
    }
}

fn mtime(path: &Path) -> SystemTime {
    fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .expect("mtime")
}

/// Sets a file's modification time to an hour ago, so a rewrite would show.
fn age(path: &Path) {
    let file = fs::File::options().write(true).open(path).expect("open");
    file.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .expect("set mtime");
}

#[test]
fn a_rename_failing_part_way_restores_the_directory() {
    let bundle = common::render(
        &common::minimal_config(),
        &common::credentials(),
        Target::K3s,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    // Files from an earlier run, one of which the bundle replaces first.
    let replaced = dir.path().join("00-namespace-harbor.yaml");
    fs::write(&replaced, "old namespace\n").expect("write");
    age(&replaced);
    fs::write(dir.path().join("notes.txt"), "not ours\n").expect("write");
    // A directory where the fifth file must go: its rename fails after four have succeeded.
    let blocker = dir.path().join("12-secret-registry-info.yaml");
    fs::create_dir(&blocker).expect("mkdir");
    fs::write(blocker.join("keep"), "inside\n").expect("write");
    let before = snapshot(dir.path());
    let replaced_mtime = mtime(&replaced);

    let error = bundle
        .write_dir(dir.path())
        .expect_err("the rename must fail");

    match &error {
        Error::Usage { message } => assert!(message.starts_with(&blocker.display().to_string())),
        other => panic!("expected a usage error naming the folder in the way, got {other:?}"),
    }
    assert_eq!(snapshot(dir.path()), before, "the directory is as it was");
    assert_eq!(
        mtime(&replaced),
        replaced_mtime,
        "the old file is the old inode"
    );
}

#[test]
fn an_output_path_under_a_regular_file_fails_without_writing() {
    let bundle = common::render(
        &common::minimal_config(),
        &common::credentials(),
        Target::K3s,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a-file");
    fs::write(&file, "x").expect("write");
    let before = snapshot(dir.path());

    assert!(matches!(
        bundle.write_dir(file.join("out")),
        Err(Error::Io { .. })
    ));
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn rewriting_a_directory_replaces_every_file_and_leaves_no_backup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = common::render(
        &common::minimal_config(),
        &common::credentials(),
        Target::K3s,
    );
    first.write_dir(dir.path()).expect("first write");
    let second = common::render(
        &common::minimal_config(),
        &common::credentials_with_password("Another-Passw0rd"),
        Target::K3s,
    );
    second.write_dir(dir.path()).expect("second write");
    let listing: Vec<String> = snapshot(dir.path())
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let expected: Vec<String> = second
        .objects()
        .iter()
        .map(|object| object.file_name().to_owned())
        .collect();
    let mut expected_sorted = expected.clone();
    expected_sorted.push(harbor_edge::output::OWNED_FILES_LIST.to_owned());
    expected_sorted.sort();
    assert_eq!(listing, expected_sorted);
    for object in second.objects() {
        let written = fs::read_to_string(dir.path().join(object.file_name())).expect("read");
        assert_eq!(written, object.text());
    }
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn the_existing_input_is_never_modified() {
    let dir = tempfile::tempdir().expect("tempdir");
    let minimal = example("minimal.yaml");
    let first = common::harbor_edge_in(dir.path(), &["render", &minimal, "--seed", "1"]);
    assert_eq!(first.status.code(), Some(0));
    let existing = dir.path().join("existing.yaml");
    fs::write(&existing, &first.stdout).expect("write");
    age(&existing);
    let (bytes, modified) = (fs::read(&existing).expect("read"), mtime(&existing));

    for args in [
        vec!["render", &minimal, "--existing", "existing.yaml"],
        vec![
            "render",
            &minimal,
            "--existing",
            "existing.yaml",
            "--out",
            "out",
        ],
        vec![
            "render",
            &minimal,
            "--existing",
            "existing.yaml",
            "--target",
            "helm",
            "-o",
            "json",
            "--values-out",
            "values",
        ],
        vec!["credentials", &minimal, "--existing", "existing.yaml"],
    ] {
        let output = common::harbor_edge_in(dir.path(), &args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert_eq!(fs::read(&existing).expect("read"), bytes, "{args:?}");
        assert_eq!(mtime(&existing), modified, "{args:?}");
    }
}

#[test]
fn render_refuses_to_overwrite_its_existing_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let minimal = example("minimal.yaml");
    let first = common::harbor_edge_in(
        dir.path(),
        &["render", &minimal, "--seed", "1", "--out", "out"],
    );
    assert_eq!(first.status.code(), Some(0));
    let existing = dir.path().join("out/10-secret-harbor-tls.yaml");
    age(&existing);
    let before = snapshot(&dir.path().join("out"));
    let modified = mtime(&existing);

    let output = common::harbor_edge_in(
        dir.path(),
        &[
            "render",
            &minimal,
            "--existing",
            "out/10-secret-harbor-tls.yaml",
            "--out",
            "out",
        ],
    );

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--existing"), "{stderr}");
    assert_eq!(snapshot(&dir.path().join("out")), before);
    assert_eq!(mtime(&existing), modified);
}
