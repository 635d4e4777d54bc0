//! The command line: exit codes and what it prints.

mod common;

use common::harbor_edge;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn validate_lists_all_six_problems_of_the_bad_file_and_exits_1() {
    let output = harbor_edge(&["validate", "tests/inputs/bad.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    for (path, line) in [
        ("harbor-config.auth.password", 4),
        ("harbor-config.service.serviceTpye", 6),
        ("harbor-config.service.harbor.https.nodePort", 9),
        ("harbor-config.service.harbor.http.nodePort", 11),
        ("harbor-config.storage.registry", 13),
        ("cluster.uid", 15),
    ] {
        assert!(
            stderr.contains(&format!("- {path} (line {line}:")),
            "{path} at line {line} missing from:\n{stderr}"
        );
    }
    assert!(stderr.contains("6 problems"), "{stderr}");
    assert!(stderr.contains("did you mean `serviceType`?"), "{stderr}");
}

#[test]
fn validate_accepts_the_minimal_example() {
    let output = harbor_edge(&["validate", "examples/minimal.yaml"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}

#[test]
fn defaults_prints_the_fully_defaulted_parameters() {
    let output = harbor_edge(&["defaults", "examples/minimal.yaml"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let printed: serde_yaml::Value = serde_yaml::from_slice(&output.stdout).unwrap();
    let service = &printed["harbor-config"]["service"];
    assert_eq!(service["serviceType"], "NodePort");
    assert_eq!(service["harbor"]["https"]["nodePort"], 30003);
    assert_eq!(service["harbor"]["http"]["nodePort"], 30002);
    assert_eq!(service["metrics"]["enabled"], false);
    let storage = printed["harbor-config"]["storage"].as_mapping().unwrap();
    let sizes: Vec<u64> = ["registry", "jobService", "database", "redis", "trivy"]
        .iter()
        .map(|key| storage[*key].as_u64().unwrap())
        .collect();
    assert_eq!(sizes.iter().sum::<u64>(), 160);
}

#[test]
fn schema_prints_the_checked_in_file_byte_for_byte() {
    let output = harbor_edge(&["schema"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        output.stdout,
        include_bytes!("../schema/harbor-edge.schema.json")
    );
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(
        harbor_edge(&["validate", "no/such/file.yaml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(harbor_edge(&["frobnicate"]).status.code(), Some(2));
}
