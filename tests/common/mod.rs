//! Builders shared by the render and output tests.

#![allow(dead_code)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::sync::OnceLock;

use harbor_edge::credentials::{
    Credentials, ExistingSecrets, Generator, InternalCredential, Origin, Provenance,
    SECRET_VALUES_SECRET,
};
use harbor_edge::render::{Renderer, Target};
use harbor_edge::{Bundle, Config, Macros, ObjectKind, PackInput};
use serde::Deserialize as _;
use serde_yaml::Value;

/// A config from pack YAML, with no macros.
pub fn config(yaml: &str) -> Config {
    config_with(yaml, &Macros::new())
}

/// A config from pack YAML and macros.
pub fn config_with(yaml: &str, macros: &Macros) -> Config {
    PackInput::from_yaml_str(yaml)
        .and_then(|input| input.resolve(macros))
        .unwrap_or_else(|error| panic!("test input is valid: {error}"))
        .config
}

/// The scenario files `examples/*.yaml`, sorted, each with its config. An example that uses
/// macros takes their values from `examples/<name>/palette-macros.yaml`.
pub fn examples() -> Vec<(String, Config)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name.clone(), example_config(&path))
        })
        .collect()
}

/// The config of one scenario file, with its macros when it has them.
pub fn example_config(path: &std::path::Path) -> Config {
    let text = std::fs::read_to_string(path).expect("example");
    let name = path.file_stem().expect("name");
    let macros_file = path.with_file_name(name).join("palette-macros.yaml");
    let macros = match std::fs::read_to_string(&macros_file) {
        Ok(macros) => Macros::from_yaml_str(&macros).expect("example macros"),
        Err(_) => Macros::new(),
    };
    config_with(&text, &macros)
}

/// The defaults for cluster `edge-01`.
pub fn minimal_config() -> Config {
    config("harbor-config: {}\ncluster: {uid: edge-01, vip: 10.10.1.5}\n")
}

pub const PASSWORD: &str = "Harbor-Edge-Passw0rd";

/// The seed of [`seeded`].
pub const SHARED_SEED: u64 = 20_250_101;

/// Credentials for [`minimal_config`] generated once per test binary from [`SHARED_SEED`]:
/// Harbor's RSA token key takes a tenth of a second to make, so tests share one set instead of
/// generating their own.
pub fn seeded() -> &'static Credentials {
    static SEEDED: OnceLock<Credentials> = OnceLock::new();
    SEEDED.get_or_init(|| {
        Credentials::resolve(
            &minimal_config(),
            None,
            &mut Generator::reproducible(SHARED_SEED, None),
        )
        .unwrap_or_else(|error| panic!("seeded credentials: {error}"))
    })
}

/// YAML documents of a `k3s` or `helm` bundle ([`every_yaml_document`]) with a known CA key
/// and the default mirror layout: two namespaces, the three Secrets of SPEC 5 with
/// `harbor-ca-download` and `harbor-ca` (SPEC 4.2), seven Secrets of Harbor's internal
/// credentials, the bootstrap ConfigMap and Job, and the secret values Secret and the
/// `HelmChart` (k3s, all in [`Bundle::to_yaml`]) or the two values files (helm, which
/// [`Bundle::to_yaml`] leaves out). The Palette layout with a private project adds the robot's
/// Secret.
pub const DOCUMENTS: usize = 18;

/// The rendered Secrets of Harbor's internal credentials from [`seeded`] (and the k3s secret
/// values Secret), as a YAML stream.
pub fn internal_secrets_yaml() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let names: Vec<&str> = InternalCredential::ALL
            .iter()
            .map(|which| which.secret_name())
            .chain([SECRET_VALUES_SECRET])
            .collect();
        render(&minimal_config(), seeded(), Target::K3s)
            .objects()
            .iter()
            .filter(|object| object.kind() == ObjectKind::Secret && names.contains(&object.name()))
            .map(|object| format!("---\n{}", object.text()))
            .collect()
    })
}

/// [`internal_secrets_yaml`] read back: given to `Credentials::resolve`, it spares a test the
/// RSA key generation, while the password and TLS are still generated or provided.
pub fn internal_existing() -> &'static ExistingSecrets {
    static EXISTING: OnceLock<ExistingSecrets> = OnceLock::new();
    EXISTING.get_or_init(|| {
        ExistingSecrets::from_yaml_str(internal_secrets_yaml())
            .unwrap_or_else(|error| panic!("internal secrets read back: {error}"))
    })
}

/// The [`seeded`] credentials with the password [`PASSWORD`], as provided.
pub fn credentials() -> Credentials {
    credentials_with_password(PASSWORD)
}

/// The dummy credentials with another password.
pub fn credentials_with_password(password: &str) -> Credentials {
    Credentials {
        admin_password: password.into(),
        tls: seeded().tls.clone(),
        internal: seeded().internal.clone(),
        warnings: Vec::new(),
        robot_secret: seeded().robot_secret.clone(),
        provenance: Provenance {
            password: Origin::Provided,
            ca: Origin::Provided,
            server_certificate: Origin::Provided,
            reissue_reasons: Vec::new(),
            internal: seeded().provenance.internal.clone(),
            robot_secret: Origin::Generated,
        },
    }
}

/// Renders with the embedded templates (one renderer per test binary); panics on an error.
pub fn render(config: &Config, credentials: &Credentials, target: Target) -> Bundle {
    static RENDERER: OnceLock<Renderer> = OnceLock::new();
    RENDERER
        .get_or_init(Renderer::embedded)
        .render(config, credentials, target)
        .unwrap_or_else(|error| panic!("renders: {error}"))
}

/// Every YAML document of a bundle, Kubernetes objects and the Helm values alike, as one stream
/// (each opened by `---`): all the YAML a render produced, for the tests that parse it back.
pub fn every_yaml_document(bundle: &Bundle) -> String {
    bundle
        .objects()
        .iter()
        .filter(|object| object.kind().format() == harbor_edge::Format::Yaml)
        .map(|object| format!("---\n{}", object.text()))
        .collect()
}

/// The documents of a YAML stream.
pub fn documents(stream: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(stream)
        .map(|document| Value::deserialize(document).expect("stream parses"))
        .collect()
}

/// The one object of `kind` named `name`.
pub fn find<'a>(documents: &'a [Value], kind: &str, name: &str) -> &'a Value {
    let mut matching = documents
        .iter()
        .filter(|document| document["kind"] == kind && document["metadata"]["name"] == name);
    let found = matching.next().expect("object present");
    assert!(matching.next().is_none(), "exactly one {kind} {name}");
    found
}

/// A Secret value, base64-decoded.
pub fn secret_value(documents: &[Value], name: &str, key: &str) -> String {
    let encoded = find(documents, "Secret", name)["data"][key]
        .as_str()
        .expect("data value is a string");
    String::from_utf8(STANDARD.decode(encoded).expect("base64")).expect("utf-8")
}

/// The Helm values of a bundle: the values file (`helm`) or the HelmChart's `valuesContent`.
pub fn values_of(bundle: &Bundle) -> Value {
    values_in(bundle, &documents(&bundle.to_yaml()))
}

/// [`values_of`] when the bundle's stream is parsed already.
pub fn values_in(bundle: &Bundle, documents: &[Value]) -> Value {
    let text = match bundle.target() {
        Target::Helm => bundle.values_yaml().expect("values file"),
        _ => find(documents, "HelmChart", "harbor")["spec"]["valuesContent"]
            .as_str()
            .expect("valuesContent is a string"),
    };
    serde_yaml::from_str(text).expect("values parse")
}

/// The value at a dotted path.
pub fn at<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(value, |value, key| &value[key])
}

/// The Helm values (k3s `valuesContent`) for pack YAML.
pub fn values_for(yaml: &str) -> Value {
    values_of(&render(&config(yaml), &credentials(), Target::K3s))
}

/// Runs the `harbor-edge` binary in the crate's folder (paths such as `examples/…` resolve).
pub fn harbor_edge(args: &[&str]) -> std::process::Output {
    harbor_edge_in(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// Runs the `harbor-edge` binary in `dir`.
pub fn harbor_edge_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_harbor-edge"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}
