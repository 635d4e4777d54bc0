//! Hostile documents: alias bombs, deep nesting and huge inputs are rejected quickly.

use std::time::{Duration, Instant};

use harbor_edge::{Error, InputLimits, PackInput};

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
        Err(Error::Syntax { message, .. }) => {
            assert!(message.contains(expected), "unexpected message: {message}")
        }
        other => panic!("expected a syntax error, got {other:?}"),
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
        Err(Error::Syntax { ref message, .. }) if message.contains("limit is 1000")
    ));
    assert!(PackInput::from_yaml_str(&text).is_ok());
}
