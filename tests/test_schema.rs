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
