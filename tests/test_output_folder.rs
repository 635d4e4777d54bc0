//! Output folders as users meet them: only Kubernetes objects where `kubectl apply -f` looks,
//! stale files of another target or cluster uid removed, other files left alone, links never
//! written through, the run's inputs never overwritten, and `--out` naming a file refused.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use harbor_edge::output::OWNED_FILES_LIST;
use harbor_edge::render::Target;
use harbor_edge::{Error, ObjectKind};
use serde::Deserialize as _;

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .display()
        .to_string()
}

/// Runs `harbor-edge` in `dir`; panics with its stderr unless it exits with `code`.
fn run(dir: &Path, args: &[&str], code: i32) -> std::process::Output {
    let output = common::harbor_edge_in(dir, args);
    assert_eq!(
        output.status.code(),
        Some(code),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Every file under `dir`, as relative paths, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    collect(dir, dir, &mut names);
    names.sort();
    names
}

fn collect(root: &Path, dir: &Path, names: &mut Vec<String>) {
    for entry in fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        let kind = fs::symlink_metadata(&path).expect("lstat").file_type();
        if kind.is_dir() {
            collect(root, &path, names);
        } else {
            let name = path.strip_prefix(root).expect("inside").display();
            names.push(name.to_string());
        }
    }
}

/// The files a render of `target` for cluster `uid` writes, with the list of owned files.
fn expected_files(target: Target, uid: &str) -> Vec<String> {
    let config = common::config(&format!(
        "harbor-config: {{}}\ncluster: {{uid: {uid}, vip: 10.10.1.5}}\n"
    ));
    let bundle = common::render(&config, &common::credentials(), target);
    let mut names: Vec<String> = bundle
        .objects()
        .iter()
        .map(|object| object.file_name().to_owned())
        .collect();
    names.push(OWNED_FILES_LIST.to_owned());
    names.sort();
    names
}

fn with(mut names: Vec<String>, extra: &[&str]) -> Vec<String> {
    names.extend(extra.iter().map(|name| (*name).to_owned()));
    names.sort();
    names
}

/// Every document of a YAML text.
fn yaml_documents(text: &str) -> Vec<serde_yaml::Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|document| serde_yaml::Value::deserialize(document).expect("YAML parses"))
        .collect()
}

fn assert_kubernetes_object(document: &serde_yaml::Value, origin: &str) {
    for field in ["apiVersion", "kind"] {
        assert!(
            document[field]
                .as_str()
                .is_some_and(|text| !text.is_empty()),
            "{origin}: a document without {field}: {document:?}"
        );
    }
}

#[test]
fn kubectl_apply_sees_only_kubernetes_objects_in_folders_and_streams() {
    let dir = tempfile::tempdir().expect("tempdir");
    let minimal = example("minimal.yaml");
    for target in ["helm", "k3s"] {
        run(
            dir.path(),
            &["render", &minimal, "--target", target, "--out", target],
            0,
        );
        // What `kubectl apply -f <folder>` reads: the folder's own .yaml/.yml/.json files.
        let mut seen = 0;
        for entry in fs::read_dir(dir.path().join(target)).expect("folder") {
            let path = entry.expect("entry").path();
            let extension = path.extension().and_then(|ext| ext.to_str());
            if !matches!(extension, Some("yaml" | "yml" | "json")) || path.is_dir() {
                continue;
            }
            let text = fs::read_to_string(&path).expect("read");
            let documents = if extension == Some("json") {
                vec![serde_json::from_str(&text).expect("JSON parses")]
            } else {
                yaml_documents(&text)
            };
            assert!(!documents.is_empty(), "{}", path.display());
            for document in &documents {
                assert_kubernetes_object(document, &path.display().to_string());
            }
            seen += 1;
        }
        assert!(seen >= 5, "{target}: {seen} manifests");
    }
    // The values live below, where the README's `helm install -f` finds them.
    assert!(dir.path().join("helm/values/values.yaml").is_file());

    // Every document of every stdout stream.
    let k3s_yaml = run(dir.path(), &["render", &minimal], 0);
    let helm_yaml = run(
        dir.path(),
        &["render", &minimal, "--target", "helm", "--values-out", "v1"],
        0,
    );
    let stderr = String::from_utf8_lossy(&helm_yaml.stderr);
    assert!(stderr.contains("v1/values.yaml"), "says where: {stderr}");
    assert_eq!(
        tree(&dir.path().join("v1")),
        [OWNED_FILES_LIST, "secret-values.yaml", "values.yaml"]
    );
    for (name, output) in [("k3s", &k3s_yaml), ("helm", &helm_yaml)] {
        let documents = yaml_documents(&String::from_utf8_lossy(&output.stdout));
        assert!(documents.len() >= 5, "{name}");
        for document in &documents {
            assert_kubernetes_object(document, name);
        }
    }
    for args in [
        vec!["render", &minimal, "-o", "json"],
        vec![
            "render",
            &minimal,
            "-o",
            "json",
            "--target",
            "helm",
            "--values-out",
            "v2",
        ],
    ] {
        let output = run(dir.path(), &args, 0);
        let array: Vec<serde_yaml::Value> =
            serde_json::from_slice(&output.stdout).expect("a JSON array");
        assert!(array.len() >= 5, "{args:?}");
        for document in &array {
            assert_kubernetes_object(document, "json");
        }
    }
}

#[test]
fn the_helm_target_on_stdout_needs_a_place_for_its_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let minimal = example("minimal.yaml");
    let output = run(dir.path(), &["render", &minimal, "--target", "helm"], 2);
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--values-out"), "{stderr}");
    assert!(stderr.contains("--out"), "{stderr}");
    // And the other way round: k3s has no values file.
    let output = run(dir.path(), &["render", &minimal, "--values-out", "v"], 2);
    assert!(output.stdout.is_empty());
    assert!(!dir.path().join("v").exists());
}

#[test]
fn another_target_or_cluster_uid_leaves_no_stale_file_and_foreign_files_stay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let minimal = example("minimal.yaml");
    let render = |target: &str, uid: &str| {
        run(
            dir.path(),
            &[
                "render",
                &minimal,
                "--target",
                target,
                "--cluster-uid",
                uid,
                "--out",
                "out",
            ],
            0,
        );
    };
    render("k3s", "alpha");
    // Files harbor-edge did not write: a note, a folder of one's own, a file inside values/.
    fs::write(out.join("notes.txt"), "mine\n").expect("write");
    fs::create_dir(out.join("kustomize")).expect("mkdir");
    fs::write(out.join("kustomize/kustomization.yaml"), "resources: []\n").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink("/nonexistent/target", out.join("a-link")).expect("symlink");
    let foreign = [
        "a-link",
        "kustomize/kustomization.yaml",
        "notes.txt",
        "values/mine.yaml",
    ];
    let foreign = if cfg!(unix) {
        &foreign[..]
    } else {
        &foreign[1..]
    };

    render("helm", "alpha");
    fs::write(out.join("values/mine.yaml"), "x: 1\n").expect("write");
    assert_eq!(
        tree(&out),
        with(expected_files(Target::Helm, "alpha"), foreign)
    );
    assert!(
        !out.join("20-helmchart-harbor.yaml").exists(),
        "stale HelmChart"
    );

    render("helm", "beta");
    assert_eq!(
        tree(&out),
        with(expected_files(Target::Helm, "beta"), foreign)
    );
    assert!(!out.join("01-namespace-cluster-alpha.yaml").exists());

    render("k3s", "beta");
    // values/ stays for the file in it that is not harbor-edge's; values.yaml is gone.
    assert_eq!(
        tree(&out),
        with(expected_files(Target::K3s, "beta"), foreign)
    );
    fs::remove_file(out.join("values/mine.yaml")).expect("rm");
    render("helm", "beta");
    render("k3s", "beta");
    assert!(
        !out.join("values").exists(),
        "a values/ emptied of ours goes"
    );

    assert_eq!(
        fs::read_to_string(out.join("notes.txt")).expect("read"),
        "mine\n"
    );
    #[cfg(unix)]
    assert_eq!(
        fs::read_link(out.join("a-link")).expect("still a link"),
        PathBuf::from("/nonexistent/target")
    );
}

#[test]
fn temporary_files_an_earlier_version_left_are_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    fs::create_dir(&out).expect("mkdir");
    for name in [
        ".10-secret-harbor-tls.yaml.4242.0.tmp",
        ".11-secret-harbor-admin-password.yaml.4242.0.bak",
        ".values.yaml.17.1.tmp",
    ] {
        fs::write(out.join(name), "old secret\n").expect("write");
    }
    fs::write(out.join(".notes.txt.1.0.tmp"), "mine\n").expect("write");
    run(
        dir.path(),
        &["render", &example("minimal.yaml"), "--out", "out"],
        0,
    );
    assert_eq!(
        tree(&out),
        with(
            expected_files(Target::K3s, "edge-demo-01"),
            &[".notes.txt.1.0.tmp"]
        )
    );
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_inside_the_folder_is_never_written_through() {
    let dir = tempfile::tempdir().expect("tempdir");
    let elsewhere = dir.path().join("elsewhere");
    fs::create_dir(&elsewhere).expect("mkdir");
    let node = dir.path().join("node");
    fs::create_dir(&node).expect("mkdir");
    std::os::unix::fs::symlink(&elsewhere, node.join("certs.d")).expect("symlink");
    // The node target takes the cluster's credentials from its stream.
    let cluster = run(dir.path(), &["render", &example("minimal.yaml")], 0);
    fs::write(dir.path().join("cluster.yaml"), &cluster.stdout).expect("write");
    let output = run(
        dir.path(),
        &[
            "render",
            &example("minimal.yaml"),
            "--target",
            "node",
            "--existing",
            "cluster.yaml",
            "--out",
            "node",
        ],
        2,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("certs.d"), "{stderr}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(fs::read_dir(&elsewhere).expect("read").count(), 0);
    assert_eq!(tree(&node), ["certs.d"], "nothing written, the link kept");

    // A link at a file's name: the same, and the file it points to keeps its content.
    let target = dir.path().join("precious.yaml");
    fs::write(&target, "precious\n").expect("write");
    let out = dir.path().join("out");
    fs::create_dir(&out).expect("mkdir");
    std::os::unix::fs::symlink(&target, out.join("10-secret-harbor-tls.yaml")).expect("symlink");
    let bundle = common::render(
        &common::minimal_config(),
        &common::credentials(),
        Target::K3s,
    );
    match bundle.write_dir(&out) {
        Err(Error::Usage { message }) => assert!(
            message.starts_with(&out.join("10-secret-harbor-tls.yaml").display().to_string()),
            "{message}"
        ),
        other => panic!("expected a usage error naming the link, got {other:?}"),
    }
    assert_eq!(fs::read_to_string(&target).expect("read"), "precious\n");
    assert_eq!(tree(&out), ["10-secret-harbor-tls.yaml"]);
}

#[test]
fn out_naming_a_file_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("minimal.yaml");
    fs::copy(example("minimal.yaml"), &file).expect("copy");
    let before = fs::read(&file).expect("read");
    let output = run(
        dir.path(),
        &["render", "minimal.yaml", "--out", "minimal.yaml"],
        2,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is a file, not a folder"), "{stderr}");
    assert!(!stderr.contains("os error"), "{stderr}");
    assert_eq!(fs::read(&file).expect("read"), before);
}

#[test]
fn an_input_inside_out_under_an_output_name_is_never_overwritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    run(
        dir.path(),
        &["render", &example("minimal.yaml"), "--out", "out"],
        0,
    );
    let before = tree(&out);

    // The parameters file, saved under the name of a file render writes.
    let parameters = out.join("00-namespace-harbor.yaml");
    fs::copy(example("minimal.yaml"), &parameters).expect("copy");
    let output = run(
        dir.path(),
        &["render", "out/00-namespace-harbor.yaml", "--out", "out"],
        2,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the parameters file"), "{stderr}");
    assert_eq!(
        fs::read(&parameters).expect("read"),
        fs::read(example("minimal.yaml")).expect("read")
    );
    assert_eq!(tree(&out), before);

    // A macros file under the name of a file the previous render owned and this one removes.
    let macros = out.join("20-helmchart-harbor.yaml");
    fs::write(&macros, "project: {}\n").expect("write");
    let output = run(
        dir.path(),
        &[
            "render",
            &example("minimal.yaml"),
            "--macros",
            "out/20-helmchart-harbor.yaml",
            "--target",
            "helm",
            "--out",
            "out",
        ],
        2,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the --macros file"), "{stderr}");
    assert!(stderr.contains("remove"), "{stderr}");
    assert_eq!(fs::read_to_string(&macros).expect("read"), "project: {}\n");

    // An input in the folder under another name is a file like any other: it stays.
    fs::copy(example("minimal.yaml"), out.join("params.yaml")).expect("copy");
    fs::remove_file(&parameters).expect("rm");
    fs::remove_file(&macros).expect("rm");
    run(
        dir.path(),
        &["render", "out/params.yaml", "--out", "out"],
        0,
    );
    assert!(out.join("params.yaml").is_file());
}

#[test]
fn a_values_only_write_holds_exactly_the_files_that_are_not_objects() {
    let bundle = common::render(
        &common::minimal_config(),
        &common::credentials(),
        Target::Helm,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let options = harbor_edge::WriteOptions::new();
    let paths = bundle
        .write_values_dir(dir.path(), &options)
        .expect("writes");
    let not_objects: Vec<&str> = bundle
        .objects()
        .iter()
        .filter(|object| !object.kind().is_kubernetes_object())
        .map(|object| object.file_name())
        .collect();
    assert_eq!(paths.len(), not_objects.len());
    assert!(
        bundle
            .objects()
            .iter()
            .any(|object| object.kind() == ObjectKind::HelmValues)
    );
    for (path, name) in paths.iter().zip(&not_objects) {
        assert_eq!(dir.path().join(name.trim_start_matches("values/")), *path);
    }
    let k3s = common::render(
        &common::minimal_config(),
        &common::credentials(),
        Target::K3s,
    );
    let empty = tempfile::tempdir().expect("tempdir");
    assert!(
        k3s.write_values_dir(empty.path().join("none"), &options)
            .expect("nothing to write")
            .is_empty()
    );
    assert!(!empty.path().join("none").exists());
}

#[cfg(unix)]
#[test]
fn the_folder_keeps_its_mode_and_a_render_from_inside_it_keeps_the_folder_itself() {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    run(
        dir.path(),
        &["render", &example("minimal.yaml"), "--out", "out"],
        0,
    );
    fs::set_permissions(&out, fs::Permissions::from_mode(0o750)).expect("chmod");
    run(
        dir.path(),
        &[
            "render",
            &example("minimal.yaml"),
            "--seed",
            "2",
            "--out",
            "out",
        ],
        0,
    );
    let mode = fs::metadata(&out).expect("stat").permissions().mode() & 0o7777;
    assert_eq!(mode, 0o750);

    // A shell sitting in the folder must not be left in a removed one: the folder stays the
    // same inode (the journal writes in place).
    let inode = fs::metadata(&out).expect("stat").ino();
    run(
        &out,
        &[
            "render",
            &example("minimal.yaml"),
            "--seed",
            "3",
            "--out",
            ".",
        ],
        0,
    );
    assert_eq!(fs::metadata(&out).expect("stat").ino(), inode);
    assert_eq!(tree(&out), expected_files(Target::K3s, "edge-demo-01"));
}
