//! Regression tests for faults the property tests and the fuzzer found. Each names the input
//! that exposed it.

mod common;

use harbor_edge::render::Target;
use harbor_edge::{ClusterUid, MacroScope, Macros};

/// Characters YAML 1.1 parsers (libyaml, go-yaml v2) take as line breaks and YAML 1.2 parsers
/// as text, and the byte order mark.
const AMBIGUOUS: [char; 4] = ['\u{85}', '\u{2028}', '\u{2029}', '\u{FEFF}'];

/// Found by `a_storage_class_reaches_every_claim_exactly`: serde_yaml's emitter wrote the
/// storage class as a block scalar holding a raw U+2028 with no line break after it; libyaml
/// read the values back, yaml-rust2 (YAML 1.2) merged the next key into the string.
#[test]
fn a_storage_class_with_a_line_separator_reads_the_same_in_yaml_1_1_and_1_2() {
    for class in [
        "\n---\n:\u{2028}",
        "\u{2028}\n---\n",
        "x\u{2028}    foo: bar",
        "\u{85}\u{2029}\u{FEFF}",
    ] {
        let mut macros = Macros::new();
        macros.insert(MacroScope::Tenant, "sc", class);
        let config = common::config_with(
            "harbor-config:\n  storage:\n    storageClass: \"{{.spectro.macro.sc}}\"\ncluster: {uid: edge-01, vip: 10.10.1.5}\n",
            &macros,
        );
        for target in [Target::K3s, Target::Helm] {
            let bundle = common::render(&config, &common::credentials(), target);
            let stream = common::every_yaml_document(&bundle);
            assert!(
                !stream.contains(AMBIGUOUS),
                "{target:?}: a raw separator in the output"
            );
            let libyaml = common::documents(&stream);
            let yaml12 = yaml_rust2::YamlLoader::load_from_str(&stream).expect("yaml-rust2 parses");
            let count = common::DOCUMENTS;
            assert_eq!((libyaml.len(), yaml12.len()), (count, count), "{target:?}");
            let values = common::values_of(&bundle);
            let registry = common::at(&values, "persistence.persistentVolumeClaim.registry");
            assert_eq!(registry["storageClass"].as_str(), Some(class), "{target:?}");
            assert_eq!(registry["size"].as_str(), Some("120Gi"), "{target:?}");
        }
    }
}

/// Found by `a_valid_cluster_uid_names_its_namespace`: the schema rejected a uid starting with
/// `-` but the `ClusterUid` type accepted it.
#[test]
fn a_cluster_uid_starting_with_a_dash_is_rejected_by_the_type_too() {
    assert!(ClusterUid::new("-a").is_err());
    assert!(ClusterUid::new("a-").is_err());
    assert!(ClusterUid::new("a-0").is_ok());
}

/// The macros the fuzz target (`fuzz/fuzz_targets/pipeline.rs`) resolves with.
fn fuzz_macros() -> Macros {
    let mut macros = Macros::new();
    macros.insert(MacroScope::Project, "pw", "Zq9Sentinel\"\n---\nkind: X1a");
    macros.insert(
        MacroScope::Project,
        "harbor_admin_password",
        "Example-Only-Passw0rd",
    );
    macros.insert(MacroScope::Tenant, "harbor_https_node_port", "30443");
    macros.insert(MacroScope::Tenant, "edge_storage_class", "local-path");
    macros.insert_variable("cluster.uid", "fuzz-1");
    macros.insert_variable("cluster.kubevip", "10.0.0.9");
    macros
}

/// Every input the fuzzer found a fault with (`tests/inputs/fuzz/`), through the same
/// invariants as the fuzz target.
///
/// `crash-c35f6338-…`: a string `harbor-config` holding a macro and a malformed macro. The
/// malformed macro was reported at `harbor-config`, so the schema check skipped the path and
/// left the string in the document; the typed model then failed with serde's message, which
/// quoted the string with the macro's value in it.
#[test]
fn inputs_the_fuzzer_found_are_handled() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inputs/fuzz");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/inputs/fuzz") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("utf-8 input");
        seen += 1;
        let result = harbor_edge::PackInput::from_yaml_str(&text)
            .and_then(|input| input.resolve(&fuzz_macros()));
        match result {
            Err(error) => {
                let shown = format!("{error}\n{error:?}");
                assert!(
                    !shown.contains("Zq9Sentinel"),
                    "{}: {shown}",
                    path.display()
                );
                assert!(
                    !shown.contains("do not fit the model"),
                    "{}: {shown}",
                    path.display()
                );
            }
            Ok(validated) => {
                let credentials = harbor_edge::Credentials::resolve(
                    &validated.config,
                    Some(common::internal_existing()),
                    &mut harbor_edge::Generator::reproducible(1, None),
                )
                .expect("credentials");
                for target in [Target::K3s, Target::Helm] {
                    let bundle = common::render(&validated.config, &credentials, target);
                    let stream = common::every_yaml_document(&bundle);
                    assert_eq!(common::documents(&stream).len(), common::DOCUMENTS);
                }
            }
        }
    }
    assert!(seen >= 2);
}
