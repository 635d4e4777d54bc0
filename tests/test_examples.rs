//! Every scenario in `examples/` rendered for every target in reproducible mode (fixed seed and
//! validity start), pinned by insta snapshots. Each snapshot lists the bundle's files under
//! their names, as `--out DIR` writes them.
//!
//! Secret values are redacted to a digest ([`redact`]): a snapshot diff shows the structure
//! (which Secret holds which key) and still changes when any value changes, without base64 noise
//! or a readable password.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use harbor_edge::credentials::{Credentials, Generator};
use harbor_edge::render::{Renderer, Target};
use harbor_edge::{ObjectKind, RenderedObject};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The seed and validity start of every snapshot.
const SEED: u64 = 20_250_101;

/// Every target's files for one example, credentials generated once for all three.
fn render_all(path: &std::path::Path) -> Vec<(Target, String)> {
    let config = common::example_config(path);
    // 2025-01-01T00:00:00Z
    let not_before = OffsetDateTime::from_unix_timestamp(1_735_689_600).expect("a valid time");
    let mut generator = Generator::reproducible(SEED, Some(not_before));
    let credentials = Credentials::resolve(&config, None, &mut generator)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    Target::ALL
        .into_iter()
        .map(|target| {
            let bundle = Renderer::embedded()
                .render(&config, &credentials, target)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            // Every file of the bundle, each under its name: the node target mixes YAML, TOML
            // and PEM.
            let files = bundle
                .objects()
                .iter()
                .map(|object| format!("==> {} <==\n{}", object.file_name(), redact(object)))
                .collect();
            (target, files)
        })
        .collect()
}

/// The object's text with every secret value replaced by `<sha256:… N bytes>` of the value:
/// each `data` entry of a Secret (base64-decoded first), and each `password` of the files that
/// hold one (the secret values file, `registries.yaml`).
fn redact(object: &RenderedObject) -> String {
    let mut in_data = false;
    let mut out = String::new();
    for line in object.text().lines() {
        let redacted = match object.kind() {
            ObjectKind::Secret => {
                if !line.starts_with(' ') {
                    in_data = line == "data:";
                    None
                } else if in_data {
                    line.split_once(": ").map(|(key, value)| {
                        let decoded = STANDARD
                            .decode(value.trim_matches('"'))
                            .expect("Secret data is base64");
                        format!("{key}: {}", digest(&decoded))
                    })
                } else {
                    None
                }
            }
            kind if kind.holds_secrets() => line.split_once("password: ").map(|(indent, value)| {
                let value = value.trim_matches('"');
                format!("{indent}password: {}", digest(value.as_bytes()))
            }),
            _ => None,
        };
        out.push_str(redacted.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash[..8].iter().map(|byte| format!("{byte:02x}")).collect();
    format!("<sha256:{hex} {} bytes>", bytes.len())
}

#[test]
fn every_example_renders_as_snapshotted_for_every_target() {
    insta::glob!("../examples", "*.yaml", |path| {
        for (target, files) in render_all(path) {
            insta::assert_snapshot!(format!("{target}"), files);
        }
    });
}

#[test]
fn redaction_hides_every_secret_value_and_keeps_the_keys() {
    let config = common::minimal_config();
    let credentials = common::seeded();
    for target in Target::ALL {
        let bundle = common::render(&config, credentials, target);
        for object in bundle.objects() {
            let redacted = redact(object);
            for (which, value) in harbor_edge::InternalCredential::ALL
                .iter()
                .map(|&which| (which, credentials.internal.get(which).expose()))
                .chain([(
                    harbor_edge::InternalCredential::DatabasePassword,
                    credentials.admin_password.expose(),
                )])
            {
                let encoded = STANDARD.encode(value);
                assert!(
                    !redacted.contains(value) && !redacted.contains(&encoded[..24]),
                    "{}: {which} shows through the redaction",
                    object.file_name()
                );
            }
            if object.kind() == ObjectKind::Secret {
                assert!(redacted.contains(": <sha256:"), "{}", object.file_name());
            }
        }
    }
}

#[test]
fn there_are_at_least_eight_scenarios() {
    assert!(common::examples().len() >= 8);
}
