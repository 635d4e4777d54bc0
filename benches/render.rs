//! Benchmarks (issue 6), run with `cargo bench`:
//!
//! - (a) `render/minimal-k3s`: [`Renderer::render`] and [`Bundle::to_yaml`] for
//!   `examples/minimal.yaml` with credentials resolved beforehand;
//! - (b) `floor/serde-yaml-minimal-k3s`: `serde_yaml` serializing the same objects, parsed into
//!   `serde_yaml::Value`s beforehand, into one stream: what any YAML output costs at least;
//! - (b2) `floor/serde-yaml-parse-minimal-k3s`, for reference: `serde_yaml` parsing the rendered
//!   documents into values (the self-check, SPEC 6, reads every document of (a) back from
//!   yaml-rust2's events instead, without building values);
//! - (c) `pipeline/minimal-k3s-first`: a first render: parse, resolve, generate every credential
//!   (seeded: the password, the CA and server certificate, Harbor's internal credentials with
//!   their RSA token key), render, `to_yaml`;
//! - (c2) `pipeline/minimal-k3s-rerender`: a render that reuses everything: parse, read the
//!   first render's stream as existing secrets, resolve (every credential reused and checked),
//!   render, `to_yaml`;
//! - (d) `fleet/1000-clusters-rerender-2-threads`: (c2) for 1,000 clusters, each with its own
//!   uid, VIP and earlier render, on two worker threads. (A fleet's first render costs about
//!   1,000 times (c) over two threads: the RSA key generation dominates it.)
//!
//! After the run it prints each median against its target and the ratio a/b, read from
//! criterion's `estimates.json` files written by this run.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use criterion::{Criterion, SamplingMode};
use harbor_edge::credentials::SECRET_VALUES_SECRET;
use harbor_edge::{
    Config, Credentials, ExistingSecrets, Generator, InternalCredential, Macros, ObjectKind,
    PackInput, Renderer, Target,
};
use serde::Deserialize;

const MINIMAL: &str = include_str!("../examples/minimal.yaml");
const SEED: u64 = 1;
const FLEET_SIZE: usize = 1_000;
const FLEET_WORKERS: usize = 2;

/// A benchmark's group and function name, which is also its folder under `criterion/`.
struct BenchId {
    label: &'static str,
    group: &'static str,
    function: &'static str,
    /// The target median, when the issue sets one.
    target: Option<Duration>,
}

const RENDER: BenchId = BenchId {
    label: "a",
    group: "render",
    function: "minimal-k3s",
    target: None,
};
const FLOOR: BenchId = BenchId {
    label: "b",
    group: "floor",
    function: "serde-yaml-minimal-k3s",
    target: None,
};
const PARSE_FLOOR: BenchId = BenchId {
    label: "b2",
    group: "floor",
    function: "serde-yaml-parse-minimal-k3s",
    target: None,
};
const PIPELINE: BenchId = BenchId {
    label: "c",
    group: "pipeline",
    function: "minimal-k3s-first",
    target: None,
};
const RERENDER: BenchId = BenchId {
    label: "c2",
    group: "pipeline",
    function: "minimal-k3s-rerender",
    target: Some(Duration::from_millis(1)),
};
const FLEET: BenchId = BenchId {
    label: "d",
    group: "fleet",
    function: "1000-clusters-rerender-2-threads",
    target: Some(Duration::from_secs(2)),
};
/// Target for a/b.
const MAX_RENDER_OVER_FLOOR: f64 = 2.0;

fn main() {
    let started = SystemTime::now();
    let output = criterion_dir();
    let mut criterion = Criterion::default()
        .output_directory(&output)
        .configure_from_args();
    bench_render(&mut criterion);
    bench_floor(&mut criterion);
    bench_pipeline(&mut criterion);
    bench_fleet(&mut criterion);
    criterion.final_summary();
    report(&output, started);
}

/// (a) Rendering only: the credentials are already there.
fn bench_render(criterion: &mut Criterion) {
    let config = minimal_config();
    let credentials = seeded_credentials(&config, SEED, None);
    let renderer = Renderer::embedded();
    criterion
        .benchmark_group(RENDER.group)
        .bench_function(RENDER.function, |bencher| {
            bencher.iter(|| {
                renderer
                    .render(black_box(&config), black_box(&credentials), Target::K3s)
                    .expect("the minimal example renders")
                    .to_yaml()
            })
        });
}

/// (b) The floor: the objects of (a), prebuilt as YAML values, serialized to one stream; and
/// (b2) what parsing them back costs.
fn bench_floor(criterion: &mut Criterion) {
    let config = minimal_config();
    let credentials = seeded_credentials(&config, SEED, None);
    let bundle = Renderer::embedded()
        .render(&config, &credentials, Target::K3s)
        .expect("the minimal example renders");
    let documents: Vec<serde_yaml::Value> = bundle
        .objects()
        .iter()
        .map(|object| serde_yaml::from_str(object.text()).expect("rendered YAML parses"))
        .collect();
    let mut group = criterion.benchmark_group(FLOOR.group);
    group.bench_function(FLOOR.function, |bencher| {
        bencher.iter(|| yaml_stream(black_box(&documents)))
    });
    let texts: Vec<&str> = bundle
        .objects()
        .iter()
        .map(|object| object.text())
        .collect();
    group.bench_function(PARSE_FLOOR.function, |bencher| {
        bencher.iter(|| parse_documents(black_box(&texts)))
    });
    group.finish();
}

/// (c) Everything a one-off first run does, templates compiled included; (c2) the same run
/// again with the first one's output as existing secrets.
fn bench_pipeline(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group(PIPELINE.group);
    // A first render generates an RSA key (a tenth of a second or more): ten flat samples.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function(PIPELINE.function, |bencher| {
        bencher.iter(|| {
            let renderer = Renderer::embedded();
            pipeline(black_box(MINIMAL), &renderer, SEED, None)
        })
    });
    group.finish();

    let first = pipeline(MINIMAL, &Renderer::embedded(), SEED, None);
    let mut group = criterion.benchmark_group(RERENDER.group);
    group.bench_function(RERENDER.function, |bencher| {
        bencher.iter(|| {
            let renderer = Renderer::embedded();
            let again = pipeline(black_box(MINIMAL), &renderer, SEED, Some(black_box(&first)));
            debug_assert_eq!(again, first);
            again
        })
    });
    group.finish();
}

/// (d) A fleet re-rendered: one renderer shared by two workers, each cluster with its own
/// earlier render to reuse.
fn bench_fleet(criterion: &mut Criterion) {
    let documents: Vec<String> = (0..FLEET_SIZE).map(cluster_document).collect();
    let renderer = Renderer::embedded();
    let earlier = earlier_renders(&documents, &renderer);
    let mut group = criterion.benchmark_group(FLEET.group);
    // About a second per iteration: ten samples of one iteration each.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    group.bench_function(FLEET.function, |bencher| {
        bencher.iter(|| render_fleet(black_box(&documents), &earlier, &renderer))
    });
    group.finish();
}

/// Each cluster's first render, as the fleet's existing secrets. Every cluster gets its own
/// password, CA and server certificate; Harbor's internal credentials come from one shared
/// generation (a thousand RSA keys would take minutes to set up), which costs a re-render the
/// same checks as distinct ones would.
fn earlier_renders(documents: &[String], renderer: &Renderer) -> Vec<String> {
    let config = minimal_config();
    let credentials = seeded_credentials(&config, SEED, None);
    let names: Vec<&str> = InternalCredential::ALL
        .iter()
        .map(|which| which.secret_name())
        .chain([SECRET_VALUES_SECRET])
        .collect();
    let internal: String = renderer
        .render(&config, &credentials, Target::K3s)
        .expect("the minimal example renders")
        .objects()
        .iter()
        .filter(|object| object.kind() == ObjectKind::Secret && names.contains(&object.name()))
        .map(|object| format!("---\n{}", object.text()))
        .collect();
    let internal = ExistingSecrets::from_yaml_str(&internal).expect("internal secrets");
    documents
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let config = PackInput::from_yaml_str(text)
                .and_then(|input| input.resolve(&Macros::new()))
                .expect("the fleet input is valid")
                .config;
            let credentials = seeded_credentials(&config, index as u64, Some(&internal));
            renderer
                .render(&config, &credentials, Target::K3s)
                .expect("the fleet input renders")
                .to_yaml()
        })
        .collect()
}

fn minimal_config() -> Config {
    PackInput::from_yaml_str(MINIMAL)
        .and_then(|input| input.resolve(&Macros::new()))
        .expect("the minimal example is valid")
        .config
}

fn seeded_credentials(
    config: &Config,
    seed: u64,
    existing: Option<&ExistingSecrets>,
) -> Credentials {
    Credentials::resolve(config, existing, &mut Generator::reproducible(seed, None))
        .expect("credentials resolve")
}

/// Parse, read the earlier render when there is one, resolve (generate or reuse the
/// credentials), render and serialize one document.
fn pipeline(text: &str, renderer: &Renderer, seed: u64, earlier: Option<&str>) -> String {
    let config = PackInput::from_yaml_str(text)
        .and_then(|input| input.resolve(&Macros::new()))
        .expect("the benchmark input is valid")
        .config;
    let existing = earlier.map(|stream| {
        ExistingSecrets::from_yaml_str(stream).expect("the earlier render reads back")
    });
    let credentials = seeded_credentials(&config, seed, existing.as_ref());
    renderer
        .render(&config, &credentials, Target::K3s)
        .expect("the benchmark input renders")
        .to_yaml()
}

/// The document of cluster `index`: its own uid and VIP.
fn cluster_document(index: usize) -> String {
    format!(
        "harbor-config: {{}}\ncluster:\n  uid: edge-{index:04}\n  vip: 10.{}.{}.{}\n",
        index / 65_536,
        index / 256 % 256,
        index % 256
    )
}

/// Re-renders every document from its earlier render, split between [`FLEET_WORKERS`]
/// threads; returns the bytes written.
fn render_fleet(documents: &[String], earlier: &[String], renderer: &Renderer) -> usize {
    let share = documents.len().div_ceil(FLEET_WORKERS);
    std::thread::scope(|scope| {
        let workers: Vec<_> = documents
            .chunks(share)
            .zip(earlier.chunks(share))
            .enumerate()
            .map(|(worker, (part, earlier))| {
                scope.spawn(move || {
                    part.iter()
                        .zip(earlier)
                        .enumerate()
                        .map(|(offset, (text, earlier))| {
                            let seed = (worker * share + offset) as u64;
                            pipeline(text, renderer, seed, Some(earlier)).len()
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("a fleet worker panicked"))
            .sum()
    })
}

/// The documents as one multi-document stream, the way [`harbor_edge::Bundle::to_yaml`] joins
/// them.
fn yaml_stream(documents: &[serde_yaml::Value]) -> String {
    let mut stream = String::new();
    for document in documents {
        stream.push_str("---\n");
        stream.push_str(&serde_yaml::to_string(document).expect("a YAML value serializes"));
    }
    stream
}

/// Each document parsed into a YAML value: a full parse, for reference.
fn parse_documents(texts: &[&str]) -> Vec<serde_yaml::Value> {
    texts
        .iter()
        .map(|text| serde_yaml::from_str(text).expect("rendered YAML parses"))
        .collect()
}

/// Where criterion writes its results: `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`,
/// else `criterion/` in the target directory holding this benchmark binary.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    // The binary is `<target>/<profile>/deps/render-<hash>`.
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("criterion")
}

#[derive(Deserialize)]
struct Estimates {
    median: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    /// Nanoseconds.
    point_estimate: f64,
}

/// The median of `id` measured by this run (the file is newer than `started`), if any.
fn median(output: &Path, id: &BenchId, started: SystemTime) -> Option<Duration> {
    let path = output
        .join(id.group)
        .join(id.function)
        .join("new")
        .join("estimates.json");
    let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
    if modified < started {
        return None;
    }
    let estimates: Estimates = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    Some(Duration::from_secs_f64(
        estimates.median.point_estimate / 1e9,
    ))
}

/// Prints every median this run measured against its target, then a/b.
fn report(output: &Path, started: SystemTime) {
    println!("\nmedians (this run):");
    for id in [&RENDER, &FLOOR, &PARSE_FLOOR, &PIPELINE, &RERENDER, &FLEET] {
        let name = format!("({}) {}/{}", id.label, id.group, id.function);
        match (median(output, id, started), id.target) {
            (None, _) => println!("  {name:<42} not measured in this run"),
            (Some(value), None) => println!("  {name:<42} {value:>12.3?}"),
            (Some(value), Some(target)) => {
                let verdict = if value < target { "met" } else { "MISSED" };
                println!("  {name:<42} {value:>12.3?}  target < {target:?}: {verdict}");
            }
        }
    }
    match (
        median(output, &RENDER, started),
        median(output, &FLOOR, started),
    ) {
        (Some(render), Some(floor)) if !floor.is_zero() => {
            let ratio = render.as_secs_f64() / floor.as_secs_f64();
            let verdict = if ratio <= MAX_RENDER_OVER_FLOOR {
                "met"
            } else {
                "MISSED"
            };
            println!("a/b = {ratio:.2} (target <= {MAX_RENDER_OVER_FLOOR}: {verdict})");
        }
        _ => println!("a/b: (a) and (b) were not both measured in this run"),
    }
}
