//! Every parameter, declared once: where it sits, what kind of value it takes, its default and
//! what it means.
//!
//! Everything else about a parameter is derived from its [`Parameter`] here: the JSON schema
//! ([`crate::schema`]), the rules and hints of validation (each [`Kind`] says once what it
//! accepts and what to do about a value it refuses), the defaults the typed model falls back on
//! (and so `harbor-edge defaults`), and the README's parameter table ([`markdown_table`]; a test
//! fails when the README's copy is stale). The Helm-values mapping reads the typed
//! [`crate::Config`], never a path.
//!
//! Adding an optional parameter is one [`Parameter`] in [`PARAMETERS`] and, when its section is
//! declared here too (as [`Metrics`] is), one field read from it.

use serde::Serialize;
use serde_json::{Value as Json, json};

use super::values::{NodePortRange, Port, ServiceType};
use crate::path::Path;

/// One parameter of the pack (or field of the cluster context).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parameter {
    /// Keys from the root of a bare document.
    pub(crate) keys: &'static [&'static str],
    /// What it takes.
    pub(crate) kind: Kind,
    /// What it is when not given.
    pub(crate) default: DefaultValue,
    /// What it means and what it must be, in one line: the README's rules column and the
    /// schema's description.
    pub(crate) docs: &'static str,
}

impl Parameter {
    /// Where it sits, e.g. `harbor-config.service.harbor.https.nodePort`.
    pub(crate) fn path(&self) -> Path {
        Path::of_keys(self.keys)
    }

    /// Its keys as owned segments, as the validation step addresses values.
    pub(crate) fn segments(&self) -> Vec<String> {
        self.keys.iter().map(|key| (*key).to_owned()).collect()
    }

    /// The keys of the mapping that holds it.
    pub(crate) fn section(&self) -> Vec<String> {
        let mut keys = self.segments();
        keys.pop();
        keys
    }

    /// The declared parameter at `keys`, if any.
    pub(crate) fn at(keys: &[String]) -> Option<&'static Parameter> {
        PARAMETERS
            .iter()
            .copied()
            .find(|parameter| parameter.keys.iter().eq(keys.iter()))
    }

    /// The default as a document would write it, for kinds with a textual default.
    pub(crate) const fn default_text(&self) -> Option<&'static str> {
        match self.default {
            DefaultValue::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The default as an integer, for kinds with a numeric default.
    pub(crate) const fn default_integer(&self) -> u32 {
        match self.default {
            DefaultValue::Integer(value) => value,
            _ => 0,
        }
    }
}

/// A parameter's value when the document leaves it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DefaultValue {
    /// harbor-edge generates it (credentials).
    Generated,
    /// Nothing: the feature it configures is off or left to the chart.
    Optional,
    /// It must be given.
    Required,
    /// The cluster's own default applies.
    ClusterChoice,
    /// This number.
    Integer(u32),
    /// This flag.
    Flag(bool),
    /// This text, as written in a document.
    Text(&'static str),
}

impl DefaultValue {
    /// As the README's default column shows it.
    #[cfg(test)]
    fn shown(self) -> String {
        match self {
            Self::Generated => "generated".to_owned(),
            Self::Optional => "none".to_owned(),
            Self::Required => "required".to_owned(),
            Self::ClusterChoice => "cluster default".to_owned(),
            Self::Integer(value) => value.to_string(),
            Self::Flag(value) => value.to_string(),
            Self::Text(text) => format!("`{text}`"),
        }
    }

    /// As the schema's `default` annotation holds it, when there is one.
    fn json(self) -> Option<Json> {
        match self {
            Self::Integer(value) => Some(json!(value)),
            Self::Flag(value) => Some(json!(value)),
            Self::Text(text) => Some(json!(text)),
            _ => None,
        }
    }
}

/// What a parameter takes: its JSON schema, its name in the README, and what to do about a
/// value it refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Harbor's admin password.
    Password,
    /// PEM text: a certificate, a chain or a private key.
    Pem,
    /// A service port.
    Port,
    /// A node port.
    NodePort,
    /// `true` or `false`.
    Flag,
    /// A volume size in whole GB.
    Size,
    /// A StorageClass name.
    StorageClass,
    /// [`ServiceType`].
    ServiceType,
    /// The cluster uid.
    ClusterUid,
    /// An IPv4 or IPv6 address.
    IpAddress,
    /// A list of IP addresses.
    IpList,
    /// `<low>-<high>`.
    NodePortRange,
}

/// The service types as a document writes them.
pub(crate) const SERVICE_TYPES: [&str; 3] = ["NodePort", "ClusterIP", "LoadBalancer"];

impl Kind {
    /// The JSON schema of a value of this kind (without description and default).
    fn schema(self) -> Json {
        match self {
            Self::Password => json!({"type": "string", "minLength": 8, "maxLength": 128}),
            Self::Pem | Self::StorageClass => json!({"type": "string", "minLength": 1}),
            Self::Port | Self::NodePort => {
                json!({"type": "integer", "minimum": 1, "maximum": 65535})
            }
            Self::Flag => json!({"type": "boolean"}),
            Self::Size => json!({"anyOf": [
                {"description": "Whole GB.", "type": "integer", "minimum": 1, "maximum": u32::MAX},
                {"description": "A quantity string `<n>Gi`.", "type": "string",
                 "pattern": "^[1-9][0-9]*Gi$"},
            ]}),
            Self::ServiceType => {
                let members: Vec<Json> = SERVICE_TYPES
                    .iter()
                    .map(|name| json!({"const": name, "type": "string"}))
                    .collect();
                json!({"oneOf": members})
            }
            Self::ClusterUid => json!({
                "type": "string",
                "minLength": 1,
                "maxLength": super::values::ClusterUid::MAX_LEN,
                "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
            }),
            Self::IpAddress => json!({"type": "string"}),
            Self::IpList => json!({"type": "array", "items": {"type": "string"}}),
            Self::NodePortRange => json!({"type": "string", "pattern": "^[0-9]+-[0-9]+$"}),
        }
    }

    /// Its name in the README's type column.
    #[cfg(test)]
    fn type_name(self) -> &'static str {
        match self {
            Self::Password | Self::StorageClass | Self::ClusterUid => "string",
            Self::Pem => "PEM",
            Self::Port | Self::NodePort => "int",
            Self::Flag => "bool",
            Self::Size => "GB",
            Self::ServiceType => "`NodePort`, `ClusterIP`, `LoadBalancer`",
            Self::IpAddress => "IP",
            Self::IpList => "list of IPs",
            Self::NodePortRange => "`low-high`",
        }
    }

    /// What to do about a value of this kind that is refused (a list's item for
    /// [`Kind::IpList`]). The service type's hint depends on the value (a suggestion).
    pub(crate) fn hint(self) -> &'static str {
        match self {
            Self::Password => super::values::AdminPassword::POLICY_HINT,
            Self::Pem => "give the PEM text, or leave the key out",
            Self::Port => "use a TCP port number from 1 to 65535",
            Self::NodePort => {
                "use a port inside the cluster's node-port range (default 30000-32767)"
            }
            Self::Flag => "write `true` or `false`, without quotes",
            Self::Size => "write an integer such as 120, or a quantity such as \"120Gi\"",
            Self::StorageClass => {
                "give the name of a StorageClass, or leave `storageClass` out for the cluster's \
                 default"
            }
            Self::ServiceType => "use one of NodePort, ClusterIP, LoadBalancer",
            Self::ClusterUid => {
                "`cluster-<uid>` must be a namespace: lower-case letters, digits and `-`, \
                 starting and ending with a letter or digit, at most 55 characters"
            }
            Self::IpAddress | Self::IpList => {
                "write an address such as 10.10.1.5 or fd00::5, without a prefix length or port"
            }
            Self::NodePortRange => {
                "write it as the API server's --service-node-port-range, e.g. 30000-32767"
            }
        }
    }

    /// A whole number to show in "write a whole number such as ...".
    pub(crate) fn example_integer(self) -> u32 {
        match self {
            Self::Port => HTTPS_PORT.default_integer(),
            Self::NodePort => HTTPS_NODE_PORT.default_integer(),
            _ => REGISTRY_SIZE.default_integer(),
        }
    }

    /// Values that are never quoted in a message.
    pub(crate) fn is_secret(self) -> bool {
        matches!(self, Self::Password | Self::Pem)
    }
}

/// A mapping that holds parameters, with what it is about (the schema's description).
struct Section {
    keys: &'static [&'static str],
    docs: &'static str,
}

/// Every mapping above a parameter, described once for the schema.
const SECTIONS: &[Section] = &[
    Section {
        keys: &["harbor-config"],
        docs: "The parameters of the Harbor Edge Native Config pack.",
    },
    Section {
        keys: &["harbor-config", "auth"],
        docs: "Admin credentials and TLS material.",
    },
    Section {
        keys: &["harbor-config", "auth", "certs"],
        docs: "TLS material; generated when absent.",
    },
    Section {
        keys: &["harbor-config", "service"],
        docs: "How Harbor is exposed.",
    },
    Section {
        keys: &["harbor-config", "service", "harbor"],
        docs: "The service's ports.",
    },
    Section {
        keys: &["harbor-config", "service", "harbor", "https"],
        docs: "HTTPS ports.",
    },
    Section {
        keys: &["harbor-config", "service", "harbor", "http"],
        docs: "HTTP ports.",
    },
    Section {
        keys: &["harbor-config", "service", "metrics"],
        docs: "Prometheus metrics.",
    },
    Section {
        keys: &["harbor-config", "storage"],
        docs: "Volume sizes.",
    },
    Section {
        keys: &["cluster"],
        docs: "The cluster context (not a pack parameter; the provisioning tool knows it).",
    },
];

/// `harbor-config.auth.password`.
pub(crate) const ADMIN_PASSWORD: Parameter = Parameter {
    keys: &["harbor-config", "auth", "password"],
    kind: Kind::Password,
    default: DefaultValue::Generated,
    docs: "admin password (user `admin`): 8 to 128 characters, an upper-case letter, a \
           lower-case letter and a digit",
};
/// `harbor-config.auth.certs.cert`.
pub(crate) const CERT: Parameter = Parameter {
    keys: &["harbor-config", "auth", "certs", "cert"],
    kind: Kind::Pem,
    default: DefaultValue::Generated,
    docs: "server certificate, leaf first, chain after it",
};
/// `harbor-config.auth.certs.key`.
pub(crate) const KEY: Parameter = Parameter {
    keys: &["harbor-config", "auth", "certs", "key"],
    kind: Kind::Pem,
    default: DefaultValue::Generated,
    docs: "its private key (PKCS#8, PKCS#1 or SEC1); `cert` and `key` come together or not at \
           all",
};
/// `harbor-config.auth.certs.ca`.
pub(crate) const CA: Parameter = Parameter {
    keys: &["harbor-config", "auth", "certs", "ca"],
    kind: Kind::Pem,
    default: DefaultValue::Optional,
    docs: "the CA that signed `cert`, published as `ca.crt`",
};
/// `harbor-config.service.serviceType`.
pub(crate) const SERVICE_TYPE: Parameter = Parameter {
    keys: &["harbor-config", "service", "serviceType"],
    kind: Kind::ServiceType,
    default: DefaultValue::Text("NodePort"),
    docs: "how Harbor is exposed: on every node, inside the cluster only, or by a load balancer",
};
/// `harbor-config.service.harbor.https.port`.
pub(crate) const HTTPS_PORT: Parameter = Parameter {
    keys: &["harbor-config", "service", "harbor", "https", "port"],
    kind: Kind::Port,
    default: DefaultValue::Integer(443),
    docs: "1 to 65535",
};
/// `harbor-config.service.harbor.https.nodePort`.
pub(crate) const HTTPS_NODE_PORT: Parameter = Parameter {
    keys: &["harbor-config", "service", "harbor", "https", "nodePort"],
    kind: Kind::NodePort,
    default: DefaultValue::Integer(30003),
    docs: "inside the node-port range (NodePort services only)",
};
/// `harbor-config.service.harbor.http.port`.
pub(crate) const HTTP_PORT: Parameter = Parameter {
    keys: &["harbor-config", "service", "harbor", "http", "port"],
    kind: Kind::Port,
    default: DefaultValue::Integer(80),
    docs: "1 to 65535",
};
/// `harbor-config.service.harbor.http.nodePort`.
pub(crate) const HTTP_NODE_PORT: Parameter = Parameter {
    keys: &["harbor-config", "service", "harbor", "http", "nodePort"],
    kind: Kind::NodePort,
    default: DefaultValue::Integer(30002),
    docs: "inside the range, not the https node port (NodePort services only)",
};
/// `harbor-config.service.metrics.enabled`.
pub(crate) const METRICS_ENABLED: Parameter = Parameter {
    keys: &["harbor-config", "service", "metrics", "enabled"],
    kind: Kind::Flag,
    default: DefaultValue::Flag(false),
    docs: "Harbor's Prometheus metrics",
};
/// `harbor-config.service.metrics.serviceMonitor`.
pub(crate) const SERVICE_MONITOR: Parameter = Parameter {
    keys: &["harbor-config", "service", "metrics", "serviceMonitor"],
    kind: Kind::Flag,
    default: DefaultValue::Flag(false),
    docs: "also a `ServiceMonitor` (needs the Prometheus Operator's CRDs)",
};
/// `harbor-config.storage.registry`.
pub(crate) const REGISTRY_SIZE: Parameter = Parameter {
    keys: &["harbor-config", "storage", "registry"],
    kind: Kind::Size,
    default: DefaultValue::Integer(120),
    docs: "registry volume (image layers); whole GB >= 1: an integer or `\"<n>Gi\"`",
};
/// `harbor-config.storage.jobService`.
pub(crate) const JOB_SERVICE_SIZE: Parameter = Parameter {
    keys: &["harbor-config", "storage", "jobService"],
    kind: Kind::Size,
    default: DefaultValue::Integer(5),
    docs: "job service log volume",
};
/// `harbor-config.storage.database`.
pub(crate) const DATABASE_SIZE: Parameter = Parameter {
    keys: &["harbor-config", "storage", "database"],
    kind: Kind::Size,
    default: DefaultValue::Integer(10),
    docs: "database volume",
};
/// `harbor-config.storage.redis`.
pub(crate) const REDIS_SIZE: Parameter = Parameter {
    keys: &["harbor-config", "storage", "redis"],
    kind: Kind::Size,
    default: DefaultValue::Integer(5),
    docs: "Redis volume",
};
/// `harbor-config.storage.trivy`.
pub(crate) const TRIVY_SIZE: Parameter = Parameter {
    keys: &["harbor-config", "storage", "trivy"],
    kind: Kind::Size,
    default: DefaultValue::Integer(20),
    docs: "Trivy cache volume; the five sizes sum to 160 GB, less is a warning",
};
/// `harbor-config.storage.storageClass`.
pub(crate) const STORAGE_CLASS: Parameter = Parameter {
    keys: &["harbor-config", "storage", "storageClass"],
    kind: Kind::StorageClass,
    default: DefaultValue::ClusterChoice,
    docs: "StorageClass of every volume",
};
/// `cluster.uid`.
pub(crate) const CLUSTER_UID: Parameter = Parameter {
    keys: &["cluster", "uid"],
    kind: Kind::ClusterUid,
    default: DefaultValue::Required,
    docs: "lower-case letters, digits, `-`; `cluster-<uid>` is a namespace (at most 55 \
           characters)",
};
/// `cluster.vip`.
pub(crate) const CLUSTER_VIP: Parameter = Parameter {
    keys: &["cluster", "vip"],
    kind: Kind::IpAddress,
    default: DefaultValue::Required,
    docs: "the cluster's virtual IP, IPv4 or IPv6",
};
/// `cluster.nodeIps`.
pub(crate) const NODE_IPS: Parameter = Parameter {
    keys: &["cluster", "nodeIps"],
    kind: Kind::IpList,
    default: DefaultValue::Optional,
    docs: "added to the generated certificate",
};
/// `cluster.nodePortRange`.
pub(crate) const NODE_PORT_RANGE: Parameter = Parameter {
    keys: &["cluster", "nodePortRange"],
    kind: Kind::NodePortRange,
    default: DefaultValue::Text("30000-32767"),
    docs: "the API server's `--service-node-port-range`",
};

/// Every parameter, in the README's order.
pub(crate) const PARAMETERS: &[&Parameter] = &[
    &ADMIN_PASSWORD,
    &CERT,
    &KEY,
    &CA,
    &SERVICE_TYPE,
    &HTTPS_PORT,
    &HTTPS_NODE_PORT,
    &HTTP_PORT,
    &HTTP_NODE_PORT,
    &METRICS_ENABLED,
    &SERVICE_MONITOR,
    &REGISTRY_SIZE,
    &JOB_SERVICE_SIZE,
    &DATABASE_SIZE,
    &REDIS_SIZE,
    &TRIVY_SIZE,
    &STORAGE_CLASS,
    &CLUSTER_UID,
    &CLUSTER_VIP,
    &NODE_IPS,
    &NODE_PORT_RANGE,
];

/// The JSON schema of the mapping at `keys` (`harbor-config` or `cluster`): an object per
/// section, closed to unknown keys, with every parameter below it.
pub(crate) fn section_schema(keys: &[&str]) -> Json {
    let mut properties = serde_json::Map::new();
    let depth = keys.len();
    let below = |candidate: &[&str]| candidate.len() > depth && candidate[..depth] == *keys;
    for parameter in PARAMETERS.iter().filter(|p| below(p.keys)) {
        let name = parameter.keys[depth];
        if parameter.keys.len() == depth + 1 {
            let mut schema = parameter.kind.schema();
            if let Json::Object(object) = &mut schema {
                object.insert("description".into(), json!(parameter.docs));
                if let Some(default) = parameter.default.json() {
                    object.insert("default".into(), default);
                }
            }
            properties.insert(name.to_owned(), schema);
        } else if !properties.contains_key(name) {
            let mut child = keys.to_vec();
            child.push(name);
            properties.insert(name.to_owned(), section_schema(&child));
        }
    }
    let mut schema = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": properties,
    });
    if let Some(section) = SECTIONS.iter().find(|section| section.keys == keys) {
        schema["description"] = json!(section.docs);
    }
    schema
}

/// The README's parameter table, in Markdown (checked and rewritten by a test).
#[cfg(test)]
fn markdown_table() -> String {
    let mut table = String::from("| parameter | type | default | rules |\n|---|---|---|---|\n");
    for parameter in PARAMETERS {
        table.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            parameter.path(),
            parameter.kind.type_name(),
            parameter.default.shown(),
            parameter.docs
        ));
    }
    table
}

/// `harbor-config.service.metrics`: Harbor's Prometheus metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    enabled: bool,
    service_monitor: bool,
}

impl Metrics {
    /// Read from the validated values.
    pub(crate) fn read(values: &mut impl Values) -> Option<Self> {
        Some(Self {
            enabled: values.flag(&METRICS_ENABLED)?,
            service_monitor: values.flag(&SERVICE_MONITOR)?,
        })
    }

    /// Expose Harbor's Prometheus metrics (`harbor-config.service.metrics.enabled`).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Also create a `ServiceMonitor` (`harbor-config.service.metrics.serviceMonitor`).
    pub fn service_monitor(&self) -> bool {
        self.service_monitor
    }
}

impl Default for NodePortRange {
    /// The declared default of `cluster.nodePortRange`, `30000-32767`.
    fn default() -> Self {
        NODE_PORT_RANGE
            .default_text()
            .and_then(Self::parse)
            .expect("the declared default range parses (tested)")
    }
}

/// The values validation read, typed by their declaration: each method gives the value
/// written, or the declared default, or `None` when the value was refused (and reported).
pub(crate) trait Values {
    /// A [`Kind::Flag`].
    fn flag(&mut self, parameter: &Parameter) -> Option<bool>;
    /// A [`Kind::Port`] or [`Kind::NodePort`]; `Some(None)` for one without a default that
    /// was not written.
    fn port(&mut self, parameter: &Parameter) -> Option<Option<Port>>;
}

/// The service type a document's text names.
pub(crate) fn service_type(text: &str) -> Option<ServiceType> {
    match text {
        "NodePort" => Some(ServiceType::NodePort),
        "ClusterIP" => Some(ServiceType::ClusterIP),
        "LoadBalancer" => Some(ServiceType::LoadBalancer),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEGIN: &str = "<!-- parameters: generated from src/model/parameters.rs -->\n";
    const END: &str = "<!-- end of parameters -->";

    /// The README's table is what the declarations say. `UPDATE_README=1 cargo test --lib
    /// readme` rewrites it.
    #[test]
    fn readme_parameter_table_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
        let readme = std::fs::read_to_string(&path).expect("README.md");
        let start = readme
            .find(BEGIN)
            .expect("the README marks its parameter table")
            + BEGIN.len();
        let end = start + readme[start..].find(END).expect("the table's end marker");
        let table = markdown_table();
        if readme[start..end] == table {
            return;
        }
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{table}{}", &readme[..start], &readme[end..]);
            std::fs::write(&path, updated).expect("README.md written");
            return;
        }
        panic!(
            "README.md's parameter table is stale: run `UPDATE_README=1 cargo test --lib \
             readme` and commit README.md"
        );
    }

    #[test]
    fn every_parameter_is_declared_once_below_a_described_section() {
        for (index, parameter) in PARAMETERS.iter().enumerate() {
            assert!(
                PARAMETERS[..index]
                    .iter()
                    .all(|other| other.keys != parameter.keys),
                "{} declared twice",
                parameter.path()
            );
            let section = &parameter.keys[..parameter.keys.len() - 1];
            assert!(
                SECTIONS.iter().any(|known| known.keys == section),
                "{}: no description of its section",
                parameter.path()
            );
        }
    }

    #[test]
    fn the_declared_default_range_parses() {
        assert_eq!(crate::NodePortRange::default().to_string(), "30000-32767");
    }
}
