//! Fuzzes the whole pipeline: parse -> macros -> validate -> credentials (fixed seed) -> render.
//!
//! Invariants checked on every input that renders, for both targets: the stream parses back as
//! YAML with libyaml (serde_yaml) and yaml-rust2 (YAML 1.2) alike, holds the target's documents
//! (two Namespaces, ten Secrets in `harbor` and `cluster-<uid>`, for k3s the secret values Secret
//! and the HelmChart, then the bootstrap ConfigMap and Job; the helm target's values files are
//! not in its stream), every Secret's data is base64, and both password Secrets decode to the
//! admin password. On inputs that fail, the error never shows the macro value.
//! Any panic is a bug.
//!
//! Harbor's internal credentials are generated once and reused for every input (an RSA key per
//! input would bring the fuzzer to a crawl); the password and TLS are generated per input.

#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::sync::OnceLock;

use harbor_edge::credentials::{Credentials, ExistingSecrets, Generator, InternalCredential};
use harbor_edge::render::{Renderer, Target};
use harbor_edge::{MacroScope, Macros, ObjectKind, PackInput};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

/// The start of a macro value: it must never show in an error.
const MACRO_SECRET: &str = "Zq9Sentinel";

/// Documents in each target's stream: the helm stream has two fewer than k3s (no secret values
/// Secret, no HelmChart: its values are files), and both one fewer when the CA's key is unknown.
fn documents_of(target: Target, ca_key_known: bool) -> usize {
    let all = match target {
        Target::K3s => 18,
        _ => 16,
    };
    // A provided certificate comes without its CA's key: no `harbor-ca` Secret then.
    if ca_key_known { all } else { all - 1 }
}

/// The Secrets of Harbor's internal credentials from one generation, read back.
fn internal() -> &'static ExistingSecrets {
    static INTERNAL: OnceLock<ExistingSecrets> = OnceLock::new();
    INTERNAL.get_or_init(|| {
        let text = "harbor-config: {}\ncluster: {uid: fuzz-0, vip: 10.0.0.1}\n";
        let config = PackInput::from_yaml_str(text)
            .and_then(|input| input.resolve(&Macros::new()))
            .expect("a valid document")
            .config;
        let credentials =
            Credentials::resolve(&config, None, &mut Generator::reproducible(1, None))
                .expect("credentials");
        let names: Vec<&str> = InternalCredential::ALL
            .iter()
            .map(|which| which.secret_name())
            .collect();
        let stream: String = Renderer::embedded()
            .render(&config, &credentials, Target::K3s)
            .expect("renders")
            .objects()
            .iter()
            .filter(|object| object.kind() == ObjectKind::Secret && names.contains(&object.name()))
            .map(|object| format!("---\n{}", object.text()))
            .collect();
        ExistingSecrets::from_yaml_str(&stream).expect("reads back")
    })
}

fn macros() -> Macros {
    // The names examples/macros.yaml uses, plus one hostile value.
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

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(input) = PackInput::from_yaml_str(text) else {
        return;
    };
    let validated = match input.resolve(&macros()) {
        Ok(validated) => validated,
        Err(error) => {
            if !text.contains(MACRO_SECRET) {
                let shown = format!("{error}\n{error:?}");
                assert!(!shown.contains(MACRO_SECRET), "a macro value in: {shown}");
            }
            return;
        }
    };
    let mut generator = Generator::reproducible(1, None);
    let Ok(credentials) = Credentials::resolve(&validated.config, Some(internal()), &mut generator)
    else {
        return;
    };
    let password = credentials.admin_password.expose().as_bytes().to_vec();
    let renderer = Renderer::embedded();
    for target in [Target::K3s, Target::Helm] {
        let bundle = renderer
            .render(&validated.config, &credentials, target)
            .expect("a valid config with credentials always renders");
        let stream = bundle.to_yaml();
        let documents: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&stream)
            .map(|document| serde_yaml::Value::deserialize(document).expect("rendered YAML parses"))
            .collect();
        let expected = documents_of(target, credentials.tls.ca_private_key().is_some());
        assert_eq!(documents.len(), expected, "{target:?}");
        let yaml12 = yaml_rust2::YamlLoader::load_from_str(&stream).expect("yaml-rust2 parses");
        assert_eq!(yaml12.len(), expected, "{target:?} (yaml-rust2)");
        let mut password_copies = 0;
        for document in &documents {
            if document["kind"].as_str() != Some("Secret") {
                continue;
            }
            let data = document["data"].as_mapping().expect("a Secret has data");
            for (key, value) in data {
                let encoded = value.as_str().expect("Secret data is a string");
                let decoded = STANDARD.decode(encoded).expect("Secret data is base64");
                let key = key.as_str().expect("Secret data keys are strings");
                if key == "HARBOR_ADMIN_PASSWORD" || key == "SPECTRO_USER_PASSWORD" {
                    assert_eq!(decoded, password, "{key} holds the admin password");
                    password_copies += 1;
                }
            }
        }
        assert_eq!(password_copies, 2, "{target:?}");
    }
});
