//! Preflight: checks the target cluster against the pack's prerequisites and known issues before
//! anything is deployed.
//!
//! The cluster is described by an [`Inventory`] (nodes, storage classes, kube-apiserver
//! arguments; see its docs for the YAML format). [`check`] runs every rule against the
//! validated parameters and the inventory and returns a [`PreflightReport`] listing each
//! [`Finding`] with a matchable [`FindingKind`], a [`Severity`], a path, a message and a hint.
//!
//! | kind | severity | when |
//! |---|---|---|
//! | [`FindingKind::NoNodes`] | error | the inventory lists no node |
//! | [`FindingKind::TooFewCpus`] | error | a node has fewer than 4 CPUs |
//! | [`FindingKind::TooLittleMemory`] | error | a node has less than 8 GB, read as 8 × 10^9 bytes ([`MIN_NODE_MEMORY_BYTES`] says why) |
//! | [`FindingKind::UnsupportedArchitecture`] | error | a node is not amd64 / x86_64 |
//! | [`FindingKind::NoStorageClass`] | error | no storage class (CSI) exists |
//! | [`FindingKind::StorageClassNotFound`] | error | `storage.storageClass` names a class the cluster lacks |
//! | [`FindingKind::NoDefaultStorageClass`] | warning | the default class is used and none is marked default |
//! | [`FindingKind::LonghornStorageClass`] | warning | a Longhorn class exists (known provisioning hang) |
//! | [`FindingKind::StorageBelowRecommended`] | warning | the volumes total under 160 GB |
//! | [`FindingKind::AlwaysPullImages`] | error | `AlwaysPullImages` is in `--enable-admission-plugins` |
//!
//! ```
//! use harbor_edge::preflight::{self, FindingKind, Inventory, Severity};
//! use harbor_edge::{Macros, PackInput};
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
//! let finding = &report.findings[0];
//! assert_eq!(finding.kind, FindingKind::TooFewCpus);
//! assert_eq!(finding.severity, Severity::Error);
//! assert_eq!(finding.path, "nodes[1].cpus");
//! # Ok::<(), harbor_edge::Error>(())
//! ```

mod inventory;
mod quantity;
mod report;
mod rules;

pub use inventory::{ApiServerArgs, Inventory, Node, StorageClass};
pub use quantity::{Cpus, Memory};
pub use report::{Finding, FindingKind, PreflightReport, Severity};
pub use rules::{MIN_NODE_MEMORY_BYTES, MIN_NODE_MILLICPUS};

use crate::model::Config;

/// Runs every preflight rule and collects all findings, errors and warnings, in rule order.
/// Never fails: an unreadable inventory is rejected earlier, by [`Inventory::from_yaml_str`].
pub fn check(config: &Config, inventory: &Inventory) -> PreflightReport {
    PreflightReport {
        findings: rules::RULES
            .iter()
            .flat_map(|rule| rule(config, inventory))
            .collect(),
    }
}
