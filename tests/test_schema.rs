//! The checked-in JSON schema: current, and rejecting what the types reject.

use serde_json::json;

const CHECKED_IN: &str = include_str!("../schema/harbor-edge.schema.json");

#[test]
fn checked_in_schema_matches_the_types() {
    assert_eq!(
        harbor_edge::schema::generate_text(),
        CHECKED_IN,
        "schema/harbor-edge.schema.json is stale: run `cargo run -- schema > schema/harbor-edge.schema.json`"
    );
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(CHECKED_IN).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn schema_accepts_a_full_document() {
    let document = json!({
        "harbor-config": {
            "auth": {"password": "Harbor12345"},
            "service": {
                "serviceType": "LoadBalancer",
                "harbor": {"https": {"port": 443, "nodePort": 30003}, "http": {"port": 80, "nodePort": 30002}},
                "metrics": {"enabled": true, "serviceMonitor": true}
            },
            "storage": {"registry": "200Gi", "jobService": 5, "database": 10, "redis": 5, "trivy": 20, "storageClass": "local-path"}
        },
        "cluster": {"uid": "edge-1", "vip": "10.0.0.5", "nodeIps": ["10.0.0.6"], "nodePortRange": "30000-32767"}
    });
    assert!(validator().is_valid(&document));
}

#[test]
fn schema_rejects_an_unknown_key() {
    let document = json!({"harbor-config": {"service": {"serviceTpye": "NodePort"}}});
    let validator = validator();
    let errors: Vec<_> = validator.iter_errors(&document).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].instance_path().as_str(), "/harbor-config/service");
    assert!(errors[0].to_string().contains("serviceTpye"));
}

#[test]
fn schema_rejects_a_string_where_an_integer_belongs() {
    let document =
        json!({"harbor-config": {"service": {"harbor": {"https": {"nodePort": "30003"}}}}});
    let validator = validator();
    let errors: Vec<_> = validator.iter_errors(&document).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].instance_path().as_str(),
        "/harbor-config/service/harbor/https/nodePort"
    );
    assert!(matches!(
        errors[0].kind(),
        jsonschema::error::ValidationErrorKind::Type { .. }
    ));
}

fn examples() -> Vec<(String, serde_json::Value)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .expect("examples/")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    found.sort();
    found
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).expect("example");
            // The schema describes values after macro resolution: a macro where a number or
            // a uid belongs does not conform until it is replaced.
            if text.contains("{{") {
                return None;
            }
            let document = serde_yaml::from_str(&text).expect("example is YAML");
            Some((path.display().to_string(), document))
        })
        .collect()
}

#[test]
fn schema_accepts_every_example_in_both_forms() {
    let validator = validator();
    let examples = examples();
    assert!(
        examples
            .iter()
            .any(|(_, document)| document.get("charts").is_some()),
        "an example in pack form"
    );
    for (name, document) in examples {
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|error| error.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

#[test]
fn schema_checks_pack_values_as_strictly_as_bare_documents() {
    let validator = validator();
    let pack = |pack: serde_json::Value, chart: serde_json::Value| json!({"pack": pack, "charts": {"harbor-edge-native-config": chart}, "cluster": {"uid": "a", "vip": "10.0.0.5"}});
    let accepted = [
        pack(json!({"namespace": "harbor"}), json!({"harbor-config": {}})),
        json!({"charts": {"harbor-edge-native-config": {"harbor-config": {"service": {"serviceType": "ClusterIP"}}}}}),
    ];
    for document in accepted {
        assert!(validator.is_valid(&document), "{document}");
    }
    let rejected = [
        (
            pack(json!({"namespace": "harbor-system"}), json!({})),
            "/pack/namespace",
        ),
        (
            pack(json!({"namespace": "harbor", "content": {}}), json!({})),
            "/pack",
        ),
        (
            pack(json!({}), json!({"harbor-config": {}, "replicas": 2})),
            "/charts/harbor-edge-native-config",
        ),
        (
            pack(
                json!({}),
                json!({"harbor-config": {"service": {"serviceTpye": "NodePort"}}}),
            ),
            "/charts/harbor-edge-native-config/harbor-config/service",
        ),
        (json!({"pack": {"namespace": "harbor"}}), ""),
        (
            json!({"harbor-config": {}, "pack": {"namespace": "harbor"}}),
            "",
        ),
    ];
    for (document, path) in rejected {
        let errors: Vec<_> = validator.iter_errors(&document).collect();
        assert!(
            errors
                .iter()
                .any(|error| error.instance_path().as_str() == path),
            "{document}: {:?}",
            errors.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
    }
}
