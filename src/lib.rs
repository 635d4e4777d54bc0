//! # harbor-edge
//!
//! Turns the parameters of the "Harbor Edge Native Config" pack into a typed, validated,
//! defaulted configuration for a local Harbor registry on an edge Kubernetes cluster.
//!
//! The pipeline (SPEC section 3) runs one way:
//! `parse -> resolve macros -> schema check -> typed model -> semantic validation -> defaults`.
//!
//! ```
//! use harbor_edge::{Macros, PackInput, ServiceType};
//!
//! let text = "
//! harbor-config:
//!   service:
//!     harbor:
//!       https:
//!         nodePort: 31443
//! cluster:
//!   uid: edge-01
//!   vip: 10.10.1.5
//! ";
//! let validated = PackInput::from_yaml_str(text)?.resolve(&Macros::new())?;
//! let config = validated.config;
//! assert_eq!(config.service.service_type, ServiceType::NodePort);
//! assert_eq!(config.service.https.node_port.get(), 31443);
//! assert_eq!(config.storage.total_gb(), 160);
//! assert_eq!(config.cluster_namespace(), "cluster-edge-01");
//! # Ok::<(), harbor_edge::Error>(())
//! ```
//!
//! Invalid input yields [`Error::Invalid`] holding every [`Problem`] at once, each with its
//! dotted path, source position, message and hint.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![warn(unreachable_pub)]

pub mod credentials;
mod error;
pub mod input;
pub mod model;
pub mod node;
pub mod output;
pub mod preflight;
pub mod render;
pub mod schema;
mod secret;
pub mod validation;

pub use credentials::{
    Credentials, ExistingSecrets, Generator, Origin, Provenance, ReissueReason, TlsMaterial,
};
pub use error::{
    CredentialErrorKind, Error, Position, Problem, ProblemKind, Problems, Result, Warning,
    WarningKind,
};
pub use input::{DocumentForm, InputLimits, MacroScope, Macros, PackInput};
pub use model::{
    AdminPassword, Auth, Cluster, ClusterUid, Config, EffectiveParameters, Gigabytes, Metrics,
    NodePortRange, Port, PortPair, ProvidedCerts, Service, ServiceType, Storage,
};
pub use output::{Bundle, Format, ObjectKind, RenderedObject};
pub use render::{Renderer, Target};
pub use secret::SecretString;
pub use validation::Validated;
