//! Hostile documents: alias bombs, deep nesting and huge inputs are rejected quickly.

use std::time::{Duration, Instant};

use harbor_edge::{Error, ErrorKind, InputLimits, PackInput};

/// Each level refers to the previous one nine times: 9^10 strings once expanded.
fn billion_laughs() -> String {
    let mut text = String::from(
        "harbor-config: {}\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut previous = 'a';
    for level in 'b'..='k' {
        let refs = vec![format!("*{previous}"); 9].join(",");
        text.push_str(&format!("{level}: &{level} [{refs}]\n"));
        previous = level;
    }
    text
}

fn assert_rejected_quickly(text: &str, expected: &str) {
    let start = Instant::now();
    let result = PackInput::from_yaml_str(text);
    let elapsed = start.elapsed();
    match result {
        Err(error @ Error::Limit { .. }) => {
            assert_eq!(error.kind(), ErrorKind::Limit);
            assert!(
                error.to_string().contains(expected),
                "unexpected message: {error}"
            )
        }
        other => panic!("expected a limit error, got {other:?}"),
    }
    // Generous bound for slow CI machines; the real figure is milliseconds (README).
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
}

#[test]
fn billion_laughs_is_rejected() {
    assert_rejected_quickly(&billion_laughs(), "alias");
}

#[test]
fn ten_thousand_deep_flow_nesting_is_rejected() {
    let text = format!(
        "harbor-config: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_rejected_quickly(&text, "nests deeper than 64");
}

#[test]
fn ten_thousand_deep_block_nesting_is_rejected() {
    let text = format!("harbor-config:\n  x:\n{}1\n", "- ".repeat(10_000));
    assert_rejected_quickly(&text, "nests deeper than 64");
}

#[test]
fn the_size_limit_is_configurable() {
    let text = format!(
        "harbor-config: {{}}\ncluster: {{uid: a, vip: 10.0.0.1}}\n# {}\n",
        "x".repeat(2000)
    );
    let small = InputLimits {
        max_bytes: 1000,
        ..InputLimits::default()
    };
    assert!(matches!(
        PackInput::from_yaml_str_with_limits(&text, small),
        Err(Error::Limit { ref message, .. }) if message.contains("limit is 1000")
    ));
    assert!(PackInput::from_yaml_str(&text).is_ok());
}

fn validate_cli(file: &std::path::Path, extra: &[&str]) -> (Option<i32>, String, Duration) {
    let start = Instant::now();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_harbor-edge"))
        .arg("validate")
        .arg(file)
        .args(extra)
        .output()
        .expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        start.elapsed(),
    )
}

#[test]
fn the_cli_rejects_hostile_documents_quickly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bomb = dir.path().join("bomb.yaml");
    std::fs::write(&bomb, billion_laughs()).expect("write");
    let deep = dir.path().join("deep.yaml");
    std::fs::write(
        &deep,
        format!(
            "harbor-config: {}{}\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        ),
    )
    .expect("write");
    for (file, expected) in [(&bomb, "alias"), (&deep, "nests deeper than 64")] {
        let (code, stderr, elapsed) = validate_cli(file, &[]);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    }
}

#[test]
fn the_cli_size_limit_is_configurable() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/minimal.yaml");
    let (code, stderr, _) = validate_cli(&example, &["--max-input-bytes", "100"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("larger than the limit of 100 bytes")
            && stderr.contains("--max-input-bytes"),
        "{stderr}"
    );
    let (code, stderr, _) = validate_cli(&example, &["--max-input-bytes", "100000"]);
    assert_eq!(code, Some(0), "{stderr}");

    // Beyond the default 1 MiB, without reading the whole file.
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.yaml");
    std::fs::write(&big, "#".repeat(2 * 1024 * 1024)).expect("write");
    let (code, stderr, _) = validate_cli(&big, &[]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("limit of 1048576 bytes"), "{stderr}");

    // The macros file is held to the same limit.
    let macros = dir.path().join("macros.yaml");
    std::fs::write(&macros, format!("project: {{}}\n#{}\n", "x".repeat(500))).expect("write");
    let macros = macros.to_str().expect("UTF-8 path");
    let (code, _, _) = validate_cli(&example, &["--macros", macros]);
    assert_eq!(code, Some(0));
    let (code, stderr, _) =
        validate_cli(&example, &["--macros", macros, "--max-input-bytes", "300"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("macros.yaml is larger than the limit of 300 bytes"),
        "{stderr}"
    );
}
