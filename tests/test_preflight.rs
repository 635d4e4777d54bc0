//! Preflight: one test per rule, inventory parsing, and the `preflight` subcommand's exit codes.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use harbor_edge::preflight::{self, Inventory, PreflightReport};
use harbor_edge::{Config, Diagnostic, DiagnosticKind, Error, Macros, PackInput, Severity};

const NODE_OK: &str = "{name: ok, cpus: 4, memory: 16Gi, architecture: amd64}";
const CLASS_OK: &str = "{name: local-path, provisioner: rancher.io/local-path, default: true}";

fn file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn config_with(harbor_config: &str) -> Config {
    let text = format!("harbor-config: {harbor_config}\ncluster: {{uid: edge1, vip: 10.0.0.5}}\n");
    PackInput::from_yaml_str(&text)
        .and_then(|input| input.resolve(&Macros::new()))
        .expect("test parameters are valid")
        .config
}

fn default_config() -> Config {
    config_with("{}")
}

fn inventory(text: &str) -> Inventory {
    Inventory::from_yaml_str(text).expect("test inventory is valid")
}

/// An inventory with the given nodes, the given storage classes and apiserver args.
fn inventory_of(nodes: &[&str], classes: &[&str], args: &str) -> Inventory {
    inventory(&format!(
        "nodes: [{}]\nstorageClasses: [{}]\napiServerArgs: {args}\n",
        nodes.join(", "),
        classes.join(", ")
    ))
}

fn findings_of(report: &PreflightReport, kind: DiagnosticKind) -> Vec<&Diagnostic> {
    report
        .findings()
        .iter()
        .filter(|f| f.kind() == kind)
        .collect()
}

fn check_nodes(nodes: &[&str]) -> PreflightReport {
    preflight::check(&default_config(), &inventory_of(nodes, &[CLASS_OK], "[]"))
}

#[test]
fn clean_inventories_pass_with_default_parameters() {
    for path in [
        "examples/preflight/inventory.yaml",
        "tests/inputs/inventory-ok.yaml",
    ] {
        let text = std::fs::read_to_string(file(path)).expect("fixture exists");
        let report = preflight::check(&default_config(), &inventory(&text));
        assert_eq!(report.findings(), [], "{path}");
        assert!(!report.has_errors());
    }
}

#[test]
fn rule_no_nodes() {
    let report = preflight::check(&default_config(), &inventory_of(&[], &[CLASS_OK], "[]"));
    let found = findings_of(&report, DiagnosticKind::NoNodes);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path(), "nodes");
    assert_eq!(found[0].severity(), Severity::Error);
}

#[test]
fn rule_too_few_cpus_per_node() {
    let report = check_nodes(&[
        NODE_OK,
        "{name: small, cpus: 2, memory: 16Gi, architecture: amd64}",
        "{name: milli, cpus: 3999m, memory: 16Gi, architecture: amd64}",
        "{name: exact, cpus: 4000m, memory: 16Gi, architecture: amd64}",
        "{name: text, cpus: \"4\", memory: 16Gi, architecture: amd64}",
    ]);
    let found = findings_of(&report, DiagnosticKind::TooFewCpus);
    let paths: Vec<String> = found.iter().map(|f| f.path().to_string()).collect();
    assert_eq!(paths, ["nodes[1].cpus", "nodes[2].cpus"]);
    assert!(found.iter().all(|f| f.severity() == Severity::Error));
    assert!(
        found[0].message().contains("`small` has 2 CPUs"),
        "{}",
        found[0]
    );
    assert!(found[1].message().contains("3.999 CPUs"), "{}", found[1]);
    assert!(report.has_errors());
}

#[test]
fn rule_too_little_memory_reads_8_gb_as_decimal() {
    let report = check_nodes(&[
        "{name: seven-gib, cpus: 4, memory: 7Gi, architecture: amd64}",
        "{name: just-under, cpus: 4, memory: 7999999999, architecture: amd64}",
        "{name: eight-gb, cpus: 4, memory: 8G, architecture: amd64}",
        "{name: exact-bytes, cpus: 4, memory: 8000000000, architecture: amd64}",
        // What an "8 GB" machine reports once the kernel has taken its share.
        "{name: nominal-8gb, cpus: 4, memory: 7.6Gi, architecture: amd64}",
        "{name: kubelet-style, cpus: 4, memory: 7990056Ki, architecture: amd64}",
        "{name: eight-gib, cpus: 4, memory: 8192Mi, architecture: amd64}",
    ]);
    let found = findings_of(&report, DiagnosticKind::TooLittleMemory);
    let paths: Vec<String> = found.iter().map(|f| f.path().to_string()).collect();
    assert_eq!(paths, ["nodes[0].memory", "nodes[1].memory"]);
    assert!(found[0].message().contains("7.00 GiB"), "{}", found[0]);
    assert_eq!(preflight::MIN_NODE_MEMORY_BYTES, 8_000_000_000);
}

#[test]
fn rule_architecture_is_amd64_only() {
    let report = check_nodes(&[
        NODE_OK,
        "{name: pi, cpus: 4, memory: 16Gi, architecture: arm64}",
        "{name: uname, cpus: 4, memory: 16Gi, architecture: x86_64}",
        "{name: upper, cpus: 4, memory: 16Gi, architecture: AMD64}",
        "{name: old, cpus: 4, memory: 16Gi, architecture: \"386\"}",
    ]);
    let found = findings_of(&report, DiagnosticKind::UnsupportedArchitecture);
    let paths: Vec<String> = found.iter().map(|f| f.path().to_string()).collect();
    assert_eq!(paths, ["nodes[1].architecture", "nodes[4].architecture"]);
    assert!(found[0].message().contains("arm64"));
}

#[test]
fn rule_no_storage_class() {
    let absent = inventory(&format!("nodes: [{NODE_OK}]\n"));
    let empty = inventory_of(&[NODE_OK], &[], "[]");
    for inventory in [absent, empty] {
        let report = preflight::check(&default_config(), &inventory);
        let found = findings_of(&report, DiagnosticKind::NoStorageClass);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].path(), "storageClasses");
        assert_eq!(found[0].severity(), Severity::Error);
        // The follow-up rules stay quiet when there is no class at all.
        assert_eq!(report.findings().len(), 1, "{report}");
    }
    let report = preflight::check(
        &default_config(),
        &inventory_of(&[NODE_OK], &[CLASS_OK], "[]"),
    );
    assert!(findings_of(&report, DiagnosticKind::NoStorageClass).is_empty());
}

#[test]
fn rule_storage_class_not_found() {
    let inventory = inventory_of(&[NODE_OK], &[CLASS_OK], "[]");
    let report = preflight::check(
        &config_with("{storage: {storageClass: fast-ssd}}"),
        &inventory,
    );
    let found = findings_of(&report, DiagnosticKind::StorageClassNotFound);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path(), "harbor-config.storage.storageClass");
    assert!(found[0].hint().unwrap().contains("local-path"));

    let report = preflight::check(
        &config_with("{storage: {storageClass: local-path}}"),
        &inventory,
    );
    assert!(report.findings().is_empty(), "{report}");
}

#[test]
fn rule_no_default_storage_class() {
    let class = "{name: local-path, provisioner: rancher.io/local-path}";
    let inventory = inventory_of(&[NODE_OK], &[class], "[]");
    let report = preflight::check(&default_config(), &inventory);
    let found = findings_of(&report, DiagnosticKind::NoDefaultStorageClass);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity(), Severity::Warning);
    assert!(!report.has_errors());

    // Naming the class in the parameters makes the default irrelevant.
    let report = preflight::check(
        &config_with("{storage: {storageClass: local-path}}"),
        &inventory,
    );
    assert!(report.findings().is_empty(), "{report}");
}

#[test]
fn rule_longhorn_storage_class_warns() {
    let classes = [
        CLASS_OK,
        "{name: longhorn, provisioner: driver.longhorn.io}",
        "{name: replicated, provisioner: driver.longhorn.io}",
        "{name: longhorn-static, provisioner: example.com/static}",
    ];
    let report = preflight::check(&default_config(), &inventory_of(&[NODE_OK], &classes, "[]"));
    let found = findings_of(&report, DiagnosticKind::LonghornStorageClass);
    let paths: Vec<String> = found.iter().map(|f| f.path().to_string()).collect();
    assert_eq!(
        paths,
        [
            "storageClasses[1]",
            "storageClasses[2]",
            "storageClasses[3]"
        ]
    );
    assert!(found.iter().all(|f| f.severity() == Severity::Warning));
    assert!(!report.has_errors());
}

#[test]
fn rule_storage_below_recommended_warns() {
    let inventory = inventory_of(&[NODE_OK], &[CLASS_OK], "[]");
    let report = preflight::check(&config_with("{storage: {registry: 100}}"), &inventory);
    let found = findings_of(&report, DiagnosticKind::StorageBelowRecommended);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path(), "harbor-config.storage");
    assert_eq!(found[0].severity(), Severity::Warning);
    assert!(found[0].message().contains("140 GB"), "{}", found[0]);

    let report = preflight::check(&default_config(), &inventory);
    assert!(findings_of(&report, DiagnosticKind::StorageBelowRecommended).is_empty());
}

#[test]
fn rule_always_pull_images_in_every_argument_form() {
    let enabled = [
        (
            // Quoted: a bare comma would split the item inside a flow sequence.
            "[\"--enable-admission-plugins=NodeRestriction,AlwaysPullImages\"]",
            "apiServerArgs[0]",
        ),
        (
            "[--v=2, \"--enable-admission-plugins\", \"AlwaysPullImages\"]",
            "apiServerArgs[2]",
        ),
        (
            "[enable-admission-plugins=AlwaysPullImages]",
            "apiServerArgs[0]",
        ),
        (
            "{enable-admission-plugins: \"NodeRestriction, AlwaysPullImages\"}",
            "apiServerArgs.enable-admission-plugins",
        ),
        (
            "{--enable-admission-plugins: AlwaysPullImages}",
            "apiServerArgs.--enable-admission-plugins",
        ),
    ];
    for (args, path) in enabled {
        let report = preflight::check(
            &default_config(),
            &inventory_of(&[NODE_OK], &[CLASS_OK], args),
        );
        let found = findings_of(&report, DiagnosticKind::AlwaysPullImages);
        assert_eq!(found.len(), 1, "{args}: {report}");
        assert_eq!(found[0].path(), path);
        assert_eq!(found[0].severity(), Severity::Error);
    }
    let clean = [
        "[--enable-admission-plugins=NodeRestriction]",
        "[--disable-admission-plugins=AlwaysPullImages]",
        "{enable-admission-plugins: NodeRestriction}",
        "[]",
        "{}",
    ];
    for args in clean {
        let report = preflight::check(
            &default_config(),
            &inventory_of(&[NODE_OK], &[CLASS_OK], args),
        );
        assert!(report.findings().is_empty(), "{args}: {report}");
    }
}

#[test]
fn findings_carry_position_and_hint() {
    let text =
        std::fs::read_to_string(file("tests/inputs/inventory-errors.yaml")).expect("fixture");
    let report = preflight::check(&default_config(), &inventory(&text));
    let kinds: Vec<DiagnosticKind> = report.findings().iter().map(|f| f.kind()).collect();
    assert_eq!(
        kinds,
        [
            DiagnosticKind::TooFewCpus,
            DiagnosticKind::TooLittleMemory,
            DiagnosticKind::UnsupportedArchitecture,
            DiagnosticKind::NoStorageClass,
            DiagnosticKind::AlwaysPullImages,
        ]
    );
    let memory = &report.findings()[1];
    assert_eq!(memory.path(), "nodes[1].memory");
    assert_eq!(memory.position().map(|p| p.line), Some(9));
    assert!(!memory.hint().unwrap().is_empty());
    let always_pull = &report.findings()[4];
    assert_eq!(always_pull.position().map(|p| p.line), Some(14));
    assert!(
        report
            .to_string()
            .starts_with("preflight: 5 errors, 0 warnings")
    );
}

#[test]
fn only_error_findings_fail_the_report() {
    let warnings_only =
        std::fs::read_to_string(file("tests/inputs/inventory-warnings.yaml")).expect("fixture");
    let report = preflight::check(&default_config(), &inventory(&warnings_only));
    assert_eq!(report.warnings().count(), 1);
    assert!(!report.has_errors());

    let report = check_nodes(&["{name: pi, cpus: 4, memory: 16Gi, architecture: arm64}"]);
    assert!(report.has_errors());
    assert_eq!(report.errors().count(), 1);
}

#[test]
fn unknown_inventory_field_names_its_path() {
    let text = std::fs::read_to_string(file("tests/inputs/inventory-unknown-field.yaml"))
        .expect("fixture");
    match Inventory::from_yaml_str(&text) {
        Err(Error::Inventory { message, position }) => {
            assert!(
                message.starts_with("nodes[1]: unknown field `cpu`"),
                "{message}"
            );
            assert!(message.contains("`cpus`"), "{message}");
            assert_eq!(position.map(|p| p.line), Some(5));
        }
        other => panic!("expected Error::Inventory, got {other:?}"),
    }
}

#[test]
fn malformed_inventory_values_are_errors_with_paths() {
    let cases = [
        (
            "nodes: [{name: a, cpus: 4, memory: 8GB, architecture: amd64}]",
            "nodes[0].memory",
        ),
        (
            "nodes: [{name: a, cpus: -4, memory: 8Gi, architecture: amd64}]",
            "nodes[0].cpus",
        ),
        ("nodes: [{name: a, cpus: 4, memory: 8Gi}]", "nodes[0]"),
        (
            "nodes: [{name: a, cpus: 4, memory: 8Gi, architecture: amd64}]\nextra: 1",
            "extra",
        ),
        (
            "nodes: []\nstorageClasses: [{name: a}]",
            "storageClasses[0]",
        ),
        ("nodes: []\napiServerArgs: 5", "apiServerArgs"),
        ("nodes: [", ""),
    ];
    for (text, path) in cases {
        match Inventory::from_yaml_str(text) {
            Err(Error::Inventory { message, .. }) => {
                assert!(message.contains(path), "{text}: {message}");
            }
            other => panic!("{text}: expected Error::Inventory, got {other:?}"),
        }
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn cli_preflight_exits_1_on_error_findings() {
    let output = common::harbor_edge(&[
        "preflight",
        "examples/minimal.yaml",
        "--inventory",
        "tests/inputs/inventory-errors.yaml",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr(&output);
    assert!(
        stderr.contains("error: nodes[1].cpus (line 8:11)"),
        "{stderr}"
    );
    assert!(stderr.contains("apiServerArgs[1]"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn cli_preflight_exits_0_with_warnings_printed() {
    let output = common::harbor_edge(&[
        "preflight",
        "examples/minimal.yaml",
        "--inventory",
        "tests/inputs/inventory-warnings.yaml",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("warning: storageClasses[0]"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("preflight passed (1 warning)"), "{stdout}");
}

#[test]
fn cli_preflight_exits_0_on_a_clean_inventory() {
    let output = common::harbor_edge(&[
        "preflight",
        "examples/minimal.yaml",
        "--inventory",
        "examples/preflight/inventory.yaml",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).is_empty());
}

#[test]
fn cli_preflight_exits_2_on_missing_inventory_file() {
    let output = common::harbor_edge(&[
        "preflight",
        "examples/minimal.yaml",
        "--inventory",
        "tests/inputs/no-such-inventory.yaml",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no-such-inventory.yaml"));
}

#[test]
fn cli_preflight_exits_2_without_inventory_option() {
    let output = common::harbor_edge(&["preflight", "examples/minimal.yaml"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn cli_preflight_exits_1_on_invalid_parameters_or_inventory() {
    for (parameters, inventory) in [
        ("tests/inputs/bad.yaml", "examples/preflight/inventory.yaml"),
        (
            "examples/minimal.yaml",
            "tests/inputs/inventory-unknown-field.yaml",
        ),
    ] {
        let output = common::harbor_edge(&["preflight", parameters, "--inventory", inventory]);
        assert_eq!(output.status.code(), Some(1), "{parameters} {inventory}");
    }
}

#[test]
fn cli_preflight_takes_cluster_from_flags_and_parameters_from_stdin() {
    use std::io::Write;
    use std::process::Stdio;

    let mut child = Command::new(env!("CARGO_BIN_EXE_harbor-edge"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "preflight",
            "-",
            "--cluster-uid",
            "edge-7",
            "--vip",
            "10.1.1.1",
        ])
        .args(["--inventory", "examples/preflight/inventory.yaml"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(b"harbor-config:\n  storage: {registry: 100}\n")
        .expect("write parameters");
    let output = child.wait_with_output().expect("the binary ends");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("warning: harbor-config.storage"));
}
