//! Output forms: YAML stream, JSON, and the directory with one file per object.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use harbor_edge::render::{Renderer, Target};
use harbor_edge::{Bundle, Error, ObjectKind};
use serde::Deserialize as _;

fn bundle(target: Target) -> Bundle {
    Renderer::embedded()
        .render(&common::minimal_config(), &common::credentials(), target)
        .unwrap_or_else(|error| panic!("renders: {error}"))
}

/// File names in `dir`, sorted, hidden ones included.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("readable dir")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// The bootstrap Job's name in a bundle, `harbor-bootstrap-<10 hex digits>`: a digest of what
/// the Job configures (tests/test_bootstrap.rs pins how it changes).
fn bootstrap_name(bundle: &Bundle) -> String {
    let jobs: Vec<_> = bundle
        .objects()
        .iter()
        .filter(|object| object.kind() == ObjectKind::Job)
        .collect();
    assert_eq!(jobs.len(), 1, "one bootstrap Job");
    let name = jobs[0].name().to_owned();
    let hash = name.strip_prefix("harbor-bootstrap-").expect("the prefix");
    assert!(
        hash.len() == 10
            && hash
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{name}"
    );
    name
}

#[test]
fn write_dir_writes_one_file_per_object_with_stable_names() {
    let job = bootstrap_name(&bundle(Target::K3s));
    let (config_map_file, job_file) = (
        format!("21-configmap-{job}.yaml"),
        format!("22-job-{job}.yaml"),
    );
    let expected_k3s = [
        ".harbor-edge-files",
        "00-namespace-harbor.yaml",
        "01-namespace-cluster-edge-01.yaml",
        "10-secret-harbor-ca-download.yaml",
        "10-secret-harbor-tls.yaml",
        "11-secret-harbor-admin-password.yaml",
        "12-secret-harbor-ca.yaml",
        "12-secret-registry-info.yaml",
        "13-secret-harbor-core-keys.yaml",
        "13-secret-harbor-core-secret.yaml",
        "13-secret-harbor-core-token.yaml",
        "14-secret-harbor-jobservice-secret.yaml",
        "15-secret-harbor-registry-credentials.yaml",
        "15-secret-harbor-registry-secret.yaml",
        "16-secret-harbor-database-password.yaml",
        "19-secret-harbor-secret-values.yaml",
        "20-helmchart-harbor.yaml",
        &config_map_file,
        &job_file,
    ];
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("k3s");
    let bundle = bundle(Target::K3s);
    let paths = bundle.write_dir(&out).expect("writes");
    assert_eq!(listing(&out), expected_k3s);
    let expected_paths: Vec<PathBuf> = expected_k3s[1..]
        .iter()
        .map(|name| out.join(name))
        .collect();
    assert_eq!(paths, expected_paths);
    for (path, object) in paths.iter().zip(bundle.objects()) {
        assert_eq!(fs::read_to_string(path).unwrap(), object.text());
    }

    let out = dir.path().join("helm");
    bundle_written(Target::Helm, &out);
    assert_eq!(
        listing(&out),
        [
            ".harbor-edge-files",
            "00-namespace-harbor.yaml",
            "01-namespace-cluster-edge-01.yaml",
            "10-secret-harbor-ca-download.yaml",
            "10-secret-harbor-tls.yaml",
            "11-secret-harbor-admin-password.yaml",
            "12-secret-harbor-ca.yaml",
            "12-secret-registry-info.yaml",
            "13-secret-harbor-core-keys.yaml",
            "13-secret-harbor-core-secret.yaml",
            "13-secret-harbor-core-token.yaml",
            "14-secret-harbor-jobservice-secret.yaml",
            "15-secret-harbor-registry-credentials.yaml",
            "15-secret-harbor-registry-secret.yaml",
            "16-secret-harbor-database-password.yaml",
            &config_map_file,
            &job_file,
            "values",
        ]
    );
    // The values are not a Kubernetes object: they live in the subfolder.
    assert_eq!(
        listing(&out.join("values")),
        ["secret-values.yaml", "values.yaml"]
    );
}

fn bundle_written(target: Target, dir: &Path) -> Vec<PathBuf> {
    bundle(target).write_dir(dir).expect("writes")
}

#[test]
fn write_dir_twice_gives_byte_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    for target in Target::CLUSTER {
        let first = dir.path().join(format!("{target}-1"));
        let second = dir.path().join(format!("{target}-2"));
        let first_paths = bundle_written(target, &first);
        let contents: Vec<Vec<u8>> = first_paths.iter().map(|p| fs::read(p).unwrap()).collect();
        // Again into the same directory (replacing), and into a fresh one.
        assert_eq!(bundle_written(target, &first), first_paths);
        bundle_written(target, &second);
        assert_eq!(listing(&first), listing(&second));
        for (path, content) in first_paths.iter().zip(&contents) {
            assert_eq!(&fs::read(path).unwrap(), content);
            let twin = second.join(path.strip_prefix(&first).unwrap());
            assert_eq!(&fs::read(twin).unwrap(), content);
        }
    }
}

#[cfg(unix)]
#[test]
fn secret_files_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    for target in Target::CLUSTER {
        let out = dir.path().join(target.as_str());
        for path in bundle_written(target, &out) {
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            // Secrets, and the helm target's values file holding the database password.
            if name.contains("-secret-") || name == "secret-values.yaml" {
                assert_eq!(mode, 0o600, "{name}");
            } else {
                assert_eq!(mode & 0o077 & !0o044, 0, "{name}: {mode:o}");
            }
        }
    }
}

#[test]
fn failed_write_leaves_no_file_of_the_bundle_behind() {
    let dir = tempfile::tempdir().unwrap();
    // A folder where the last file belongs.
    fs::create_dir_all(dir.path().join("values/values.yaml")).unwrap();
    fs::write(dir.path().join("values/values.yaml/keep"), "x").unwrap();
    let error = bundle(Target::Helm)
        .write_dir(dir.path())
        .expect_err("cannot replace a folder");
    assert!(matches!(error, Error::Usage { .. }), "{error:?}");
    assert_eq!(listing(dir.path()), ["values"]);
    assert_eq!(listing(&dir.path().join("values")), ["values.yaml"]);
}

#[test]
fn broken_template_writes_nothing() {
    let templates = tempfile::tempdir().unwrap();
    fs::write(
        templates.path().join("secret-registry-info.yaml.j2"),
        "{{ password | b64 }",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let result = Renderer::from_dir(templates.path())
        .and_then(|renderer| {
            renderer.render(
                &common::minimal_config(),
                &common::credentials(),
                Target::K3s,
            )
        })
        .and_then(|bundle| bundle.write_dir(out.path()));
    match result {
        Err(Error::Template { name, .. }) => assert_eq!(name, "secret-registry-info.yaml.j2"),
        other => panic!("expected a template error, got {other:?}"),
    }
    assert!(listing(out.path()).is_empty());
}

#[test]
fn yaml_stream_opens_every_document_with_a_marker() {
    let bundle = bundle(Target::K3s);
    let stream = bundle.to_yaml();
    assert_eq!(stream.matches("\n---\n").count() + 1, common::DOCUMENTS);
    assert!(stream.starts_with("---\napiVersion: v1\nkind: Namespace\n"));
    let documents: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&stream)
        .map(|document| serde_yaml::Value::deserialize(document).unwrap())
        .collect();
    assert_eq!(documents.len(), bundle.objects().len());
}

#[test]
fn json_is_an_array_of_the_stream_documents_in_order() {
    for target in Target::CLUSTER {
        let bundle = bundle(target);
        let json: serde_json::Value = serde_json::from_str(&bundle.to_json()).expect("JSON");
        let items = json.as_array().expect("an array");
        let from_yaml: Vec<serde_json::Value> =
            serde_yaml::Deserializer::from_str(&bundle.to_yaml())
                .map(|document| {
                    serde_json::to_value(serde_yaml::Value::deserialize(document).unwrap()).unwrap()
                })
                .collect();
        assert_eq!(items, &from_yaml);
        assert!(bundle.to_json().ends_with("]\n"));
    }
}

/// Writes the rendered minimal example for each target into `$HARBOR_EDGE_RENDER_DIR/<target>`,
/// for `.ci/validate-manifests.sh` and `.ci/check-values-keys.py` to check by hand:
/// `HARBOR_EDGE_RENDER_DIR=/tmp/out cargo test --test test_output -- --ignored`.
#[test]
#[ignore = "writes to $HARBOR_EDGE_RENDER_DIR"]
fn write_rendered_examples_for_ci_scripts() {
    let Some(root) = std::env::var_os("HARBOR_EDGE_RENDER_DIR") else {
        panic!("set HARBOR_EDGE_RENDER_DIR");
    };
    let root = PathBuf::from(root);
    for target in Target::CLUSTER {
        bundle_written(target, &root.join(target.as_str()));
    }
}
