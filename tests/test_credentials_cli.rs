//! `harbor-edge credentials` as separate processes: reproducible bytes (issue 4, AC5), secrets
//! only on request, exit codes.

mod support;

use std::path::Path;
use std::process::{Command, Output};

const INPUT: &str =
    "harbor-config: {}\ncluster: {uid: edge-01, vip: 10.10.1.5, nodeIps: [10.10.1.6]}\n";

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harbor-edge"))
        .arg("credentials")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn input_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.yaml"), INPUT).unwrap();
    dir
}

#[test]
fn two_processes_with_the_same_seed_print_identical_bytes() {
    let dir = input_dir();
    let args = ["in.yaml", "--seed", "42", "--show-secrets"];
    let first = run(dir.path(), &args);
    let second = run(dir.path(), &args);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(!first.stdout.is_empty());
    assert_eq!(first.stdout, second.stdout);

    let other = run(dir.path(), &["in.yaml", "--seed", "43", "--show-secrets"]);
    assert!(other.status.success());
    assert_ne!(first.stdout, other.stdout);

    let shifted = run(
        dir.path(),
        &[
            "in.yaml",
            "--seed",
            "42",
            "--not-before",
            "2026-06-01T00:00:00Z",
            "--show-secrets",
        ],
    );
    assert!(shifted.status.success());
    assert_ne!(first.stdout, shifted.stdout);
}

#[test]
fn without_a_seed_every_run_differs() {
    let dir = input_dir();
    let first = run(dir.path(), &["in.yaml", "--show-secrets"]);
    let second = run(dir.path(), &["in.yaml", "--show-secrets"]);
    assert!(first.status.success());
    assert_ne!(first.stdout, second.stdout);
}

#[test]
fn secrets_are_printed_only_with_show_secrets() {
    let dir = input_dir();
    let output = run(dir.path(), &["in.yaml", "--seed", "42"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("password: generated"), "{text}");
    assert!(text.contains("BEGIN CERTIFICATE"));
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    assert!(!text.contains("adminPassword"), "{text}");

    let shown = run(dir.path(), &["in.yaml", "--seed", "42", "--show-secrets"]);
    let shown = String::from_utf8(shown.stdout).unwrap();
    assert!(shown.contains("BEGIN PRIVATE KEY"));
    assert!(shown.contains("adminPassword"));
}

#[test]
fn existing_secrets_are_reused_through_the_cli() {
    let dir = input_dir();
    let first = run(dir.path(), &["in.yaml", "--show-secrets"]);
    let first: serde_yaml::Value = serde_yaml::from_slice(&first.stdout).unwrap();
    let field = |value: &serde_yaml::Value, key: &str| value[key].as_str().unwrap().to_owned();
    let existing = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: harbor-tls, namespace: harbor}}\n\
         stringData:\n  tls.crt: {:?}\n  tls.key: {:?}\n  ca.crt: {:?}\n  ca.key: {:?}\n",
        field(&first, "tls.crt"),
        field(&first, "tls.key"),
        field(&first, "ca.crt"),
        field(&first, "ca.key"),
    );
    std::fs::write(dir.path().join("existing.yaml"), existing).unwrap();
    let second = run(dir.path(), &["in.yaml", "--existing", "existing.yaml"]);
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let second: serde_yaml::Value = serde_yaml::from_slice(&second.stdout).unwrap();
    assert_eq!(field(&second, "serverCertificate"), "reused");
    assert_eq!(field(&second, "tls.crt"), field(&first, "tls.crt"));
    assert_eq!(field(&second, "ca.crt"), field(&first, "ca.crt"));
}

#[test]
fn exit_codes_tell_bad_input_from_usage_errors() {
    let dir = input_dir();
    let bad_cert = "harbor-config:\n  auth:\n    certs:\n      cert: not a certificate\n      key: not a key\ncluster: {uid: edge-01, vip: 10.10.1.5}\n";
    std::fs::write(dir.path().join("bad.yaml"), bad_cert).unwrap();
    let output = run(dir.path(), &["bad.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("harbor-config.auth.certs.cert"), "{stderr}");

    assert_eq!(run(dir.path(), &["missing.yaml"]).status.code(), Some(2));
    assert_eq!(
        run(dir.path(), &["in.yaml", "--existing", "missing.yaml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(dir.path(), &["in.yaml", "--seed", "x"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(
            dir.path(),
            &["in.yaml", "--seed", "1", "--not-before", "yesterday"]
        )
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn every_internal_credential_is_listed_with_its_secret_and_origin() {
    let dir = input_dir();
    let rendered = Command::new(env!("CARGO_BIN_EXE_harbor-edge"))
        .args(["render", "in.yaml", "--seed", "5"])
        .current_dir(dir.path())
        .output()
        .expect("the binary runs");
    assert!(rendered.status.success());
    std::fs::write(dir.path().join("bundle.yaml"), &rendered.stdout).unwrap();

    let report = |args: &[&str]| -> serde_yaml::Value {
        let output = run(dir.path(), args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_yaml::from_slice(&output.stdout).unwrap()
    };
    let generated = report(&["in.yaml", "--seed", "5"]);
    let entries = generated["internal"].as_sequence().expect("a list");
    let names: Vec<&str> = entries
        .iter()
        .map(|entry| entry["credential"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = harbor_edge::InternalCredential::ALL
        .iter()
        .map(|which| which.as_str())
        .collect();
    assert_eq!(names, expected);
    for entry in entries {
        assert_eq!(entry["origin"], "generated", "{entry:?}");
        assert!(
            entry["secret"]
                .as_str()
                .unwrap()
                .starts_with("harbor/harbor-")
        );
        // Only the token certificate is public.
        let public = entry["credential"] == "core.tokenCert";
        assert_eq!(entry.get("value").is_some(), public, "{entry:?}");
    }

    let reused = report(&["in.yaml", "--existing", "bundle.yaml", "--show-secrets"]);
    for (entry, first) in reused["internal"].as_sequence().unwrap().iter().zip(
        report(&["in.yaml", "--seed", "5", "--show-secrets"])["internal"]
            .as_sequence()
            .unwrap(),
    ) {
        assert_eq!(entry["origin"], "reused", "{entry:?}");
        assert_eq!(entry["value"], first["value"], "kept byte for byte");
    }
}
