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
use harbor_edge::credentials::{Credentials, Generator, ROBOT_SECRET_SECRET};
use harbor_edge::node::{MirrorLayout, NodeOptions};
use harbor_edge::render::{RenderOptions, Renderer, Target};
use harbor_edge::{Config, ObjectKind, RenderedObject, Timestamp};
use sha2::{Digest, Sha256};

/// The bootstrap script's key in its ConfigMap.
const SCRIPT_KEY: &str = "harbor-bootstrap.py";

/// The seed and validity start of every snapshot.
const SEED: u64 = 20_250_101;

/// An example's config and its credentials in reproducible mode.
fn example(path: &std::path::Path) -> (Config, Credentials) {
    let config = common::example_config(path);
    // 2025-01-01T00:00:00Z
    let not_before = Timestamp::from_unix_seconds(1_735_689_600).expect("a valid time");
    let mut generator = Generator::reproducible(SEED, Some(not_before));
    let credentials = Credentials::resolve(&config, None, &mut generator)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    (config, credentials)
}

/// Every target's files for one example, credentials generated once for all three.
fn render_all(path: &std::path::Path) -> Vec<(Target, String)> {
    let (config, credentials) = example(path);
    Target::ALL
        .into_iter()
        .map(|target| {
            let bundle = Renderer::embedded()
                .render(&config, &credentials, target)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            (target, files(bundle.objects().iter()))
        })
        .collect()
}

/// Every file, each under its name: the node target mixes YAML, TOML and PEM.
fn files<'a>(objects: impl Iterator<Item = &'a RenderedObject>) -> String {
    objects
        .map(|object| format!("==> {} <==\n{}", object.file_name(), redact(object)))
        .collect()
}

/// The object's text with every secret value replaced by `<sha256:… N bytes>` of the value:
/// each `data` entry of a Secret (base64-decoded first), and each `password` of the files that
/// hold one (the secret values file, `registries.yaml`). The bootstrap script in its ConfigMap
/// is shown as its digest too: it is the same in every render (its own tests are
/// `tests/test_bootstrap_contract.rs`), the configuration beside it is shown whole.
fn redact(object: &RenderedObject) -> String {
    let mut in_data = false;
    let mut in_script = false;
    let mut out = String::new();
    for line in object.text().lines() {
        if object.kind() == ObjectKind::ConfigMap {
            if in_script && (line.is_empty() || line.starts_with("    ")) {
                continue;
            }
            in_script = line.starts_with(&format!("  \"{SCRIPT_KEY}\": "));
            if in_script {
                let document: serde_yaml::Value =
                    serde_yaml::from_str(object.text()).expect("ConfigMap parses");
                let script = document["data"][SCRIPT_KEY].as_str().expect("the script");
                out.push_str(&format!(
                    "  \"{SCRIPT_KEY}\": {}\n",
                    digest(script.as_bytes())
                ));
                continue;
            }
        }
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

/// The Palette layout, private (a robot) and public, for the shipped example: what differs from
/// the proxy-cache layout in the k3s target (the robot's Secret, the bootstrap ConfigMap and
/// Job) and the node files.
#[test]
fn the_palette_layout_renders_as_snapshotted() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/minimal.yaml");
    let (config, credentials) = example(&path);
    for (label, public) in [("private", false), ("public", true)] {
        let layout = MirrorLayout::SpectroImages { public };
        let options =
            RenderOptions::default().with_node(NodeOptions::default().with_layout(layout));
        for target in [Target::K3s, Target::Node] {
            let bundle = Renderer::embedded()
                .render_with(&config, &credentials, target, &options)
                .expect("renders");
            let bootstrap = bundle.objects().iter().filter(|object| {
                target == Target::Node
                    || matches!(object.kind(), ObjectKind::ConfigMap | ObjectKind::Job)
                    || object.name() == ROBOT_SECRET_SECRET
            });
            insta::assert_snapshot!(format!("palette-{label}-{target}"), files(bootstrap));
        }
    }
}

#[test]
fn redaction_hides_every_secret_value_and_keeps_the_keys() {
    let config = common::minimal_config();
    let credentials = common::seeded();
    let palette = RenderOptions::default().with_node(
        NodeOptions::default().with_layout(MirrorLayout::SpectroImages { public: false }),
    );
    let bundles = Target::ALL
        .into_iter()
        .map(|target| common::render(&config, credentials, target))
        .chain(Target::ALL.into_iter().map(|target| {
            Renderer::embedded()
                .render_with(&config, credentials, target, &palette)
                .expect("renders")
        }));
    for bundle in bundles {
        for object in bundle.objects() {
            let redacted = redact(object);
            for (which, value) in harbor_edge::InternalCredential::ALL
                .iter()
                .map(|&which| (which.as_str(), credentials.internal.get(which).expose()))
                .chain([
                    ("admin password", credentials.admin_password.expose()),
                    ("robot secret", credentials.robot_secret.expose()),
                ])
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
