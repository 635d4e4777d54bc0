//! `harbor-edge render`: the main job through the command line.

mod common;

use std::path::Path;

use common::harbor_edge;

fn kinds(stream: &[u8]) -> Vec<String> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_slice(stream)
        .map(|document| {
            let value = serde_yaml::Value::deserialize(document).expect("YAML");
            value["kind"].as_str().expect("kind").to_owned()
        })
        .collect()
}

#[test]
fn k3s_stream_of_the_minimal_example_holds_namespaces_secrets_helmchart_and_bootstrap() {
    let output = harbor_edge(&["render", "examples/minimal.yaml", "--target", "k3s"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut expected = vec!["Namespace"; 2];
    expected.extend(["Secret"; 13]);
    expected.extend(["HelmChart", "ConfigMap", "Job"]);
    assert_eq!(kinds(&output.stdout), expected);
}

#[test]
fn json_output_is_an_array_of_the_same_objects() {
    let output = harbor_edge(&[
        "render",
        "examples/minimal.yaml",
        "--seed",
        "3",
        "-o",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let array: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(array.len(), common::DOCUMENTS);
    let kinds: Vec<&str> = array[common::DOCUMENTS - 3..]
        .iter()
        .map(|object| object["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["HelmChart", "ConfigMap", "Job"]);
}

/// Every file under `dir` (recursively) with its content, sorted by relative path.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files);
    files.sort();
    files
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let name = path.strip_prefix(root).unwrap().display().to_string();
            files.push((name, std::fs::read(&path).unwrap()));
        }
    }
}

#[test]
fn out_dir_twice_with_the_same_seed_is_byte_identical() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    for dir in [&first, &second] {
        let output = harbor_edge(&[
            "render",
            "examples/custom-ports.yaml",
            "--target",
            "helm",
            "--seed",
            "11",
            "--out",
            dir.path().to_str().unwrap(),
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let first = files(first.path());
    // The manifests, the two values files and the list of owned files.
    assert_eq!(first.len(), common::DOCUMENTS + 1);
    assert_eq!(first, files(second.path()));
}

#[test]
fn a_broken_override_template_names_the_template_and_writes_nothing() {
    let templates = tempfile::tempdir().unwrap();
    std::fs::write(
        templates.path().join("secret-tls.yaml.j2"),
        "apiVersion: v1\nkind: Secret\n{% if %}\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("manifests");
    let output = harbor_edge(&[
        "render",
        "examples/minimal.yaml",
        "--templates",
        templates.path().to_str().unwrap(),
        "--out",
        target.to_str().unwrap(),
    ]);
    // A template fault is not invalid input: the parameters are fine (exit 2, not 1).
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("secret-tls.yaml.j2"), "{stderr}");
    assert!(!target.exists() || std::fs::read_dir(&target).unwrap().next().is_none());
}

#[test]
fn an_unknown_target_is_a_usage_error() {
    let output = harbor_edge(&["render", "examples/minimal.yaml", "--target", "nomad"]);
    assert_eq!(output.status.code(), Some(2));
}
