//! The preflight rules, one function each, from the pack's prerequisites and known issues.

use super::inventory::Inventory;
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::model::{Config, RECOMMENDED_STORAGE_GB};
use crate::path::Path;

/// A rule reads the parameters and the inventory and returns what it found.
pub(crate) type Rule = fn(&Config, &Inventory) -> Vec<Diagnostic>;

/// Every rule, in the order their findings are reported.
pub(crate) const RULES: &[Rule] = &[
    no_nodes,
    too_few_cpus,
    too_little_memory,
    unsupported_architecture,
    no_storage_class,
    storage_class_not_found,
    no_default_storage_class,
    longhorn_storage_class,
    storage_below_recommended,
    always_pull_images,
];

/// The pack's prerequisite: 4 CPUs per node, in millicores.
pub const MIN_NODE_MILLICPUS: u64 = 4000;

/// The pack's prerequisite, "8 GB" per node, read as 8 × 10^9 bytes (decimal GB).
///
/// Why decimal: the kernel keeps part of the RAM for itself and the firmware, so a machine sold
/// as 8 GB (8 GiB of chips) reports about 7.6 to 7.8 GiB of capacity to Kubernetes. Reading
/// "8 GB" as 8 GiB would reject every such machine, the very hardware the pack means; reading it
/// as 8 × 10^9 bytes (about 7.45 GiB) accepts them and still rejects anything smaller, such as
/// a 6 GiB or 7 GiB machine. It is also literally what "GB" means.
pub const MIN_NODE_MEMORY_BYTES: u64 = 8_000_000_000;

/// Architectures the pack's images exist for, as Kubernetes (`amd64`) and uname (`x86_64`)
/// name them.
const SUPPORTED_ARCHITECTURES: &[&str] = &["amd64", "x86_64"];

fn node_path(index: usize, field: &str) -> Path {
    Path::root().key("nodes").index(index).key(field)
}

/// A finding: a diagnostic of `kind` with its hint.
fn finding(
    kind: DiagnosticKind,
    path: Path,
    position: Option<crate::diagnostic::Position>,
    message: impl Into<String>,
    hint: impl Into<String>,
) -> Diagnostic {
    Diagnostic::new(kind, path, message)
        .with_hint(hint)
        .at(position)
}

fn node_finding(
    inventory: &Inventory,
    kind: DiagnosticKind,
    index: usize,
    field: &str,
    message: String,
    hint: &str,
) -> Diagnostic {
    let position = inventory.position(&["nodes", &index.to_string(), field]);
    finding(kind, node_path(index, field), position, message, hint)
}

fn no_nodes(_: &Config, inventory: &Inventory) -> Vec<Diagnostic> {
    if !inventory.nodes.is_empty() {
        return Vec::new();
    }
    vec![finding(
        DiagnosticKind::NoNodes,
        Path::root().key("nodes"),
        inventory.position(&["nodes"]),
        "the inventory lists no node, so CPU, memory and architecture cannot be checked",
        "list every node, e.g. from `kubectl get nodes -o json`",
    )]
}

fn too_few_cpus(_: &Config, inventory: &Inventory) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for (index, node) in inventory.nodes.iter().enumerate() {
        if node.cpus.millis() < MIN_NODE_MILLICPUS {
            findings.push(node_finding(
                inventory,
                DiagnosticKind::TooFewCpus,
                index,
                "cpus",
                format!(
                    "node `{}` has {} CPUs; the pack needs at least 4 per node",
                    node.name, node.cpus
                ),
                "give the node at least 4 CPUs, or keep it out of the cluster that runs Harbor",
            ));
        }
    }
    findings
}

fn too_little_memory(_: &Config, inventory: &Inventory) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for (index, node) in inventory.nodes.iter().enumerate() {
        if node.memory.bytes() < MIN_NODE_MEMORY_BYTES {
            findings.push(node_finding(
                inventory,
                DiagnosticKind::TooLittleMemory,
                index,
                "memory",
                format!(
                    "node `{}` has {} of memory; the pack needs at least 8 GB \
                     (8000000000 bytes, about 7.45 GiB) per node",
                    node.name, node.memory
                ),
                "give the node at least 8 GB of memory",
            ));
        }
    }
    findings
}

fn unsupported_architecture(_: &Config, inventory: &Inventory) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for (index, node) in inventory.nodes.iter().enumerate() {
        let architecture = node.architecture.trim().to_ascii_lowercase();
        if !SUPPORTED_ARCHITECTURES.contains(&architecture.as_str()) {
            findings.push(node_finding(
                inventory,
                DiagnosticKind::UnsupportedArchitecture,
                index,
                "architecture",
                format!(
                    "node `{}` is `{}`; the pack supports amd64 (x86_64) nodes only",
                    node.name, node.architecture
                ),
                "run Harbor on a cluster of amd64 nodes",
            ));
        }
    }
    findings
}

fn no_storage_class(_: &Config, inventory: &Inventory) -> Vec<Diagnostic> {
    if !inventory.storage_classes.is_empty() {
        return Vec::new();
    }
    vec![finding(
        DiagnosticKind::NoStorageClass,
        Path::root().key("storageClasses"),
        inventory.position(&["storageClasses"]),
        "the cluster has no storage class, so Harbor's five volumes cannot be provisioned",
        "install a CSI driver with a storage class (e.g. local-path) and list it under \
         `storageClasses`",
    )]
}

fn storage_class_not_found(config: &Config, inventory: &Inventory) -> Vec<Diagnostic> {
    let Some(wanted) = &config.storage.storage_class else {
        return Vec::new();
    };
    // With no class at all, `no_storage_class` already says it.
    if inventory.storage_classes.is_empty()
        || inventory
            .storage_classes
            .iter()
            .any(|class| &class.name == wanted)
    {
        return Vec::new();
    }
    let available: Vec<&str> = inventory
        .storage_classes
        .iter()
        .map(|class| class.name.as_str())
        .collect();
    vec![finding(
        DiagnosticKind::StorageClassNotFound,
        Path::of_keys(&["harbor-config", "storage", "storageClass"]),
        None,
        format!("the storage class `{wanted}` is not in the cluster"),
        format!(
            "use one of: {}, or leave `storageClass` out to use the default",
            available.join(", ")
        ),
    )]
}

fn no_default_storage_class(config: &Config, inventory: &Inventory) -> Vec<Diagnostic> {
    if config.storage.storage_class.is_some()
        || inventory.storage_classes.is_empty()
        || inventory.storage_classes.iter().any(|class| class.default)
    {
        return Vec::new();
    }
    vec![finding(
        DiagnosticKind::NoDefaultStorageClass,
        Path::root().key("storageClasses"),
        inventory.position(&["storageClasses"]),
        "the parameters use the cluster's default storage class and no class is marked \
         `default: true`; Harbor's volumes would stay pending",
        "set `harbor-config.storage.storageClass`, or mark a class as the cluster default",
    )]
}

fn longhorn_storage_class(_: &Config, inventory: &Inventory) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for (index, class) in inventory.storage_classes.iter().enumerate() {
        // `driver.longhorn.io` is the CSI driver; older installs name `rancher.io/longhorn`.
        let longhorn = class.provisioner.to_ascii_lowercase().contains("longhorn")
            || class.name.to_ascii_lowercase().contains("longhorn");
        if longhorn {
            findings.push(finding(
                DiagnosticKind::LonghornStorageClass,
                Path::root().key("storageClasses").index(index),
                inventory.position(&["storageClasses", &index.to_string()]),
                format!(
                    "storage class `{}` is Longhorn (`{}`); the pack lists a known hang \
                     provisioning Harbor's volumes on Longhorn",
                    class.name, class.provisioner
                ),
                "prefer another storage class for Harbor (`harbor-config.storage.storageClass`), \
                 or watch the volumes bind during install",
            ));
        }
    }
    findings
}

fn storage_below_recommended(config: &Config, _: &Inventory) -> Vec<Diagnostic> {
    let total = config.storage.total_gb();
    if total >= u64::from(RECOMMENDED_STORAGE_GB) {
        return Vec::new();
    }
    vec![finding(
        DiagnosticKind::StorageBelowRecommended,
        Path::of_keys(&["harbor-config", "storage"]),
        None,
        format!("the volumes add up to {total} GB; the pack asks for {RECOMMENDED_STORAGE_GB} GB"),
        "raise `harbor-config.storage.registry` (or the other sizes) to reach 160 GB in total",
    )]
}

fn always_pull_images(_: &Config, inventory: &Inventory) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    for flag in inventory
        .api_server_args
        .values_of("enable-admission-plugins")
    {
        let enabled = flag
            .value
            .split(',')
            .any(|plugin| plugin.trim() == "AlwaysPullImages");
        if enabled {
            findings.push(finding(
                DiagnosticKind::AlwaysPullImages,
                flag.path.clone(),
                inventory.position(&["apiServerArgs", &flag.key]),
                "the AlwaysPullImages admission plugin is enabled: every pod start pulls its \
                 image again, so pods cannot start from the nodes' cache while a registry \
                 (the local Harbor included) is unreachable",
                "remove AlwaysPullImages from `--enable-admission-plugins` (k3s/RKE2: \
                 `kube-apiserver-arg` in config.yaml; kubeadm: the kube-apiserver manifest), \
                 as the local-registry guide says",
            ));
        }
    }
    findings
}
