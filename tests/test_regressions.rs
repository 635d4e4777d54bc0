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
            let stream = bundle.to_yaml();
            assert!(
                !stream.contains(AMBIGUOUS),
                "{target:?}: a raw separator in the output"
            );
            let libyaml = common::documents(&stream);
            let yaml12 = yaml_rust2::YamlLoader::load_from_str(&stream).expect("yaml-rust2 parses");
            assert_eq!((libyaml.len(), yaml12.len()), (6, 6), "{target:?}");
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
