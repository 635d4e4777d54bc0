//! # harbor-edge
//!
//! Turns the parameters of the "Harbor Edge Native Config" pack into everything a local Harbor
//! registry on an edge Kubernetes cluster needs: a typed, validated configuration, the
//! credentials, and the Kubernetes manifests (Helm values, or one k3s/RKE2 `HelmChart` stream).
//!
//! # The pipeline
//!
//! Each step is one module and one call; every step either succeeds or returns an [`Error`]
//! that never holds a secret.
//!
//! | step | call | module |
//! |---|---|---|
//! | input: a bare `harbor-config` document or pack values, with a `cluster` context | [`PackInput::from_yaml_str`] | [`input`] |
//! | validation: macros, JSON schema, typed model, semantic rules, defaults | [`PackInput::resolve`] | [`validation`], [`model`] |
//! | credentials: provided or reused (checked as a Go client would: [`certificate`]), generated, or rotated on request | [`Credentials::resolve`] | [`credentials`] |
//! | render: minijinja templates, quoting filters, self-check of every document; the bootstrap Job and the nodes' mirror files for a [`node::MirrorLayout`] | [`Renderer::render`], [`Renderer::render_with`], [`Renderer::render_targets`] | [`render`], [`node`] |
//! | output: one YAML stream of Kubernetes objects, JSON, or a folder of files written atomically as a set | [`Bundle::to_yaml`], [`Bundle::to_json`], [`Bundle::write_dir`] | [`output`] |
//!
//! ```
//! use harbor_edge::{
//!     Credentials, Generator, InternalCredential, Macros, ObjectKind, PackInput, Renderer,
//!     ServiceType, Target,
//! };
//!
//! // Input: the pack's parameters and the cluster context, macros allowed in values.
//! let text = r#"
//! harbor-config:
//!   service:
//!     harbor:
//!       https:
//!         nodePort: 31443
//! cluster:
//!   uid: edge-01
//!   vip: "{{.spectro.system.cluster.kubevip}}"
//! "#;
//! let mut macros = Macros::new();
//! macros.insert_variable("cluster.kubevip", "10.10.1.5");
//!
//! // Validation: every problem at once in `Error::Invalid`, warnings beside the result.
//! let validated = PackInput::from_yaml_str(text)?.resolve(&macros)?;
//! assert!(validated.warnings.is_empty());
//! let config = validated.config;
//! assert_eq!(config.service().service_type(), ServiceType::NodePort);
//! assert_eq!(config.service().https().node_port().get(), 31443);
//! assert_eq!(config.storage().total_gb(), 160);
//! assert_eq!(config.cluster_namespace(), "cluster-edge-01");
//!
//! // Credentials: nothing provided and no existing secrets, so generated. A seed makes every
//! // byte reproducible (tests, snapshots); real clusters use `Generator::system()`.
//! let mut generator = Generator::reproducible(7, None);
//! let credentials = Credentials::resolve(&config, None, &mut generator)?;
//! assert_eq!(credentials.admin_password.char_count(), 24);
//!
//! // Render: namespaces, secrets (Harbor's internal credentials included), the HelmChart and
//! // the Job that makes Harbor the nodes' pull-through cache, each parsed back and checked.
//! let bundle = Renderer::embedded().render(&config, &credentials, Target::K3s)?;
//! assert_eq!(bundle.objects().len(), 18);
//! assert_eq!(bundle.objects()[15].kind(), ObjectKind::HelmChart);
//! assert_eq!(bundle.objects()[17].kind(), ObjectKind::Job);
//!
//! // Output: one stream for the k3s auto-deploy folder (or `write_dir`, `to_json`).
//! let stream = bundle.to_yaml();
//! assert!(stream.contains("nodePort: 31443"));
//! assert!(!stream.contains(credentials.admin_password.expose()));
//! let database_password = credentials.internal.get(InternalCredential::DatabasePassword);
//! assert!(!stream.contains(database_password.expose()));
//! # Ok::<(), harbor_edge::Error>(())
//! ```
//!
//! Invalid input yields [`Error::Invalid`] holding every problem at once, each a
//! [`Diagnostic`] with its [`Path`], source position, message and hint. Secrets (the password, private keys, macro
//! values, Harbor's internal credentials) are [`SecretString`]s: redacted in `Debug`, `Display`
//! and errors; the rendered Secrets carry them base64-encoded, as Kubernetes wants, and no
//! credential is ever in the Helm values.
//!
//! # From a build script
//!
//! The command-line tool sits behind the default `cli` feature. A `build.rs` (or any tool that
//! embeds the library) turns it off and pulls no CLI, HTTP or async crate:
//!
//! ```toml
//! [build-dependencies]
//! harbor-edge = { version = "0.1", default-features = false }
//! ```
//!
//! The build script then runs the pipeline above and writes the stream into `OUT_DIR`, where
//! the crate picks it up with `include_str!(concat!(env!("OUT_DIR"), "/harbor-k3s.yaml"))`. Pass
//! the cluster's existing secrets ([`ExistingSecrets::from_yaml_str`], or an earlier output
//! folder with [`output::read_existing_secrets`]) so a rebuild reuses the credentials instead
//! of generating new ones ([`Credentials::resolve`] never replaces one; [`Rotation`] does, on
//! request), and keep the output as secret as the cluster's secrets.
//! The repository's `examples/build-time/` is such a crate, and `examples/library.rs` walks
//! through the API (`cargo run --example library`).

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(unreachable_pub)]

pub mod certificate;
mod collector;
pub mod credentials;
mod diagnostic;
mod error;
pub mod input;
mod macros;
pub mod model;
pub mod output;
mod path;
pub mod preflight;
pub mod render;
pub use render::node;
pub mod schema;
mod secret;
mod suggest;
pub mod validation;
mod yaml;

pub use certificate::CertificateSummary;
pub use credentials::{
    CredentialCheck, Credentials, ExistingSecrets, Generator, InternalCredential,
    InternalCredentials, InternalOrigins, Origin, Provenance, ReissueReason, Rotatable, Rotation,
    Timestamp, TimestampError, TlsMaterial,
};
pub use diagnostic::{Diagnostic, DiagnosticKind, Diagnostics, Position, Severity};
pub use error::{CredentialErrorKind, Error, ErrorKind, Result};
pub use input::{DocumentForm, InputLimits, PackInput};
pub use macros::{MacroScope, Macros};
pub use model::{
    AdminPassword, Auth, Cluster, ClusterUid, Config, EffectiveParameters, Gigabytes, Metrics,
    NodePortRange, Port, PortPair, ProvidedCerts, Service, ServiceType, Storage,
};
pub use output::{OwnedFile, WriteOptions};
pub use path::{Path, PathSyntaxError, Segment};
pub use render::{Bundle, Format, ObjectKind, RenderOptions, RenderedObject, Renderer, Target};
pub use secret::SecretString;
pub use validation::Validated;
