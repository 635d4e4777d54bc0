//! Every scenario in `examples/` rendered for every target in reproducible mode (fixed seed and
//! validity start), pinned in full by insta snapshots: a change to any byte fails the test.
//! Each snapshot lists the bundle's files under their names, as `--out DIR` writes them.

mod common;

use harbor_edge::credentials::{Credentials, Generator};
use harbor_edge::render::{Renderer, Target};
use time::OffsetDateTime;

/// The seed and validity start of every snapshot.
const SEED: u64 = 20_250_101;

fn render(path: &std::path::Path, target: Target) -> String {
    let config = common::example_config(path);
    // 2025-01-01T00:00:00Z
    let not_before = OffsetDateTime::from_unix_timestamp(1_735_689_600).expect("a valid time");
    let mut generator = Generator::reproducible(SEED, Some(not_before));
    let credentials = Credentials::resolve(&config, None, &mut generator)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let bundle = Renderer::embedded()
        .render(&config, &credentials, target)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    // Every file of the bundle, each under its name: the node target mixes YAML, TOML and PEM.
    bundle
        .objects()
        .iter()
        .map(|object| format!("==> {} <==\n{}", object.file_name(), object.text()))
        .collect()
}

#[test]
fn every_example_renders_as_snapshotted_for_every_target() {
    insta::glob!("../examples", "*.yaml", |path| {
        for target in Target::ALL {
            insta::assert_snapshot!(format!("{target}"), render(path, target));
        }
    });
}

#[test]
fn there_are_at_least_eight_scenarios() {
    assert!(common::examples().len() >= 8);
}
