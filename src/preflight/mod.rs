//! Preflight: checks the target cluster against the pack's prerequisites and known issues before
//! anything is deployed.
//!
//! The cluster is described by an [`Inventory`] (nodes, storage classes, kube-apiserver
//! arguments; see its docs for the YAML format). [`check`] runs every rule against the
//! validated parameters and the inventory and returns a [`PreflightReport`] listing each
//! finding as a [`Diagnostic`](crate::Diagnostic): a matchable
//! [`DiagnosticKind`](crate::DiagnosticKind), a [`Severity`](crate::Severity), a path, a
//! message and a hint.
//!
//! | kind | severity | when |
//! |---|---|---|
//! | [`DiagnosticKind::NoNodes`](crate::DiagnosticKind::NoNodes) | error | the inventory lists no node |
//! | [`DiagnosticKind::TooFewCpus`](crate::DiagnosticKind::TooFewCpus) | error | a node has fewer than 4 CPUs |
//! | [`DiagnosticKind::TooLittleMemory`](crate::DiagnosticKind::TooLittleMemory) | error | a node has less than 8 GB, read as 8 × 10^9 bytes ([`MIN_NODE_MEMORY_BYTES`] says why) |
//! | [`DiagnosticKind::UnsupportedArchitecture`](crate::DiagnosticKind::UnsupportedArchitecture) | error | a node is not amd64 / x86_64 |
//! | [`DiagnosticKind::NoStorageClass`](crate::DiagnosticKind::NoStorageClass) | error | no storage class (CSI) exists |
//! | [`DiagnosticKind::StorageClassNotFound`](crate::DiagnosticKind::StorageClassNotFound) | error | `storage.storageClass` names a class the cluster lacks |
//! | [`DiagnosticKind::NoDefaultStorageClass`](crate::DiagnosticKind::NoDefaultStorageClass) | warning | the default class is used and none is marked default |
//! | [`DiagnosticKind::LonghornStorageClass`](crate::DiagnosticKind::LonghornStorageClass) | warning | a Longhorn class exists (known provisioning hang) |
//! | [`DiagnosticKind::StorageBelowRecommended`](crate::DiagnosticKind::StorageBelowRecommended) | warning | the volumes total under 160 GB |
//! | [`DiagnosticKind::AlwaysPullImages`](crate::DiagnosticKind::AlwaysPullImages) | error | `AlwaysPullImages` is in `--enable-admission-plugins` |
//!
//! ```
//! use harbor_edge::preflight::{self, Inventory};
//! use harbor_edge::{DiagnosticKind, Macros, PackInput, Severity};
//!
//! let config = PackInput::from_yaml_str("harbor-config: {}\ncluster: {uid: edge1, vip: 10.0.0.5}")?
//!     .resolve(&Macros::new())?
//!     .config;
//! let inventory = Inventory::from_yaml_str("
//! nodes:
//!   - {name: edge-1, cpus: 8, memory: 16Gi, architecture: amd64}
//!   - {name: edge-2, cpus: 2, memory: 16Gi, architecture: amd64}
//! storageClasses:
//!   - {name: local-path, provisioner: rancher.io/local-path, default: true}
//! ")?;
//! let report = preflight::check(&config, &inventory);
//! assert!(report.has_errors());
//! let finding = &report.findings()[0];
//! assert_eq!(finding.kind(), DiagnosticKind::TooFewCpus);
//! assert_eq!(finding.severity(), Severity::Error);
//! assert_eq!(finding.path().to_string(), "nodes[1].cpus");
//! # Ok::<(), harbor_edge::Error>(())
//! ```

mod inventory;
mod quantity;
mod report;
mod rules;

pub use inventory::{ApiServerArgs, Inventory, Node, StorageClass};
pub use quantity::{Cpus, Memory};
pub use report::PreflightReport;
pub use rules::{MIN_NODE_MEMORY_BYTES, MIN_NODE_MILLICPUS};

use crate::model::Config;

/// Runs every preflight rule and collects all findings, errors and warnings, in rule order.
/// Never fails: an unreadable inventory is rejected earlier, by [`Inventory::from_yaml_str`].
pub fn check(config: &Config, inventory: &Inventory) -> PreflightReport {
    PreflightReport::new(
        rules::RULES
            .iter()
            .flat_map(|rule| rule(config, inventory))
            .collect(),
    )
}
