//! The minijinja environment: the templates (embedded, or replaced from a directory), strict
//! undefined behaviour, no auto-escaping, and a formatter that refuses to print a string that no
//! quoting filter produced.

use std::fmt::Write as _;
use std::path::Path;

use minijinja::value::{Value, ValueKind};
use minijinja::{AutoEscape, Environment, ErrorKind, Output, State, UndefinedBehavior};

use super::filters;
use crate::error::{Error, Result};

/// `namespace.yaml.j2`: a Namespace.
pub(crate) const NAMESPACE: &str = "namespace.yaml.j2";
/// `secret-tls.yaml.j2`: the `harbor-tls` Secret.
pub(crate) const SECRET_TLS: &str = "secret-tls.yaml.j2";
/// `secret-ca.yaml.j2`: the `harbor-ca` Secret (the CA and its key, in `cluster-<uid>`).
pub(crate) const SECRET_CA: &str = "secret-ca.yaml.j2";
/// `secret-ca-download.yaml.j2`: the `harbor-ca-download` Secret (`ca.crt` only).
pub(crate) const SECRET_CA_DOWNLOAD: &str = "secret-ca-download.yaml.j2";
/// `secret-admin-password.yaml.j2`: the Secret the chart reads the admin password from.
pub(crate) const SECRET_ADMIN_PASSWORD: &str = "secret-admin-password.yaml.j2";
/// `secret-registry-info.yaml.j2`: the `registry-info` Secret.
pub(crate) const SECRET_REGISTRY_INFO: &str = "secret-registry-info.yaml.j2";
/// `secret-core-keys.yaml.j2`: `secretKey` and the XSRF key.
pub(crate) const SECRET_CORE_KEYS: &str = "secret-core-keys.yaml.j2";
/// `secret-core-secret.yaml.j2`: `core.secret`.
pub(crate) const SECRET_CORE_SECRET: &str = "secret-core-secret.yaml.j2";
/// `secret-core-token.yaml.j2`: the token key and certificate.
pub(crate) const SECRET_CORE_TOKEN: &str = "secret-core-token.yaml.j2";
/// `secret-jobservice-secret.yaml.j2`: the jobservice secret.
pub(crate) const SECRET_JOBSERVICE_SECRET: &str = "secret-jobservice-secret.yaml.j2";
/// `secret-registry-secret.yaml.j2`: the registry's HTTP secret.
pub(crate) const SECRET_REGISTRY_SECRET: &str = "secret-registry-secret.yaml.j2";
/// `secret-registry-credentials.yaml.j2`: the registry user's password and htpasswd line.
pub(crate) const SECRET_REGISTRY_CREDENTIALS: &str = "secret-registry-credentials.yaml.j2";
/// `secret-database-password.yaml.j2`: the database password for core and the exporter.
pub(crate) const SECRET_DATABASE_PASSWORD: &str = "secret-database-password.yaml.j2";
/// `secret-helm-values.yaml.j2`: the k3s Secret holding the secret values.
pub(crate) const SECRET_HELM_VALUES: &str = "secret-helm-values.yaml.j2";
/// `helm-values.yaml.j2`: the chart's values.
pub(crate) const HELM_VALUES: &str = "helm-values.yaml.j2";
/// `helm-secret-values.yaml.j2`: the chart's values that hold a secret.
pub(crate) const HELM_SECRET_VALUES: &str = "helm-secret-values.yaml.j2";
/// `helmchart.yaml.j2`: the k3s/RKE2 `HelmChart`.
pub(crate) const HELMCHART: &str = "helmchart.yaml.j2";
/// `secret-pull-robot.yaml.j2`: the secret of the nodes' robot (Palette layout).
pub(crate) const SECRET_PULL_ROBOT: &str = "secret-pull-robot.yaml.j2";
/// `configmap-bootstrap.yaml.j2`: the bootstrap Job's script and configuration.
pub(crate) const CONFIGMAP_BOOTSTRAP: &str = "configmap-bootstrap.yaml.j2";
/// `job-bootstrap.yaml.j2`: the bootstrap Job.
pub(crate) const JOB_BOOTSTRAP: &str = "job-bootstrap.yaml.j2";

/// `registries.yaml.j2`: the k3s/RKE2 registry mirrors (node target).
pub(crate) const REGISTRIES: &str = "registries.yaml.j2";
/// `hosts.toml.j2`: one containerd `hosts.toml` (node target).
pub(crate) const CONTAINERD_HOSTS: &str = "hosts.toml.j2";

/// `ca.crt.j2`: the CA certificate for the nodes (node target).
pub(crate) const CA_CERTIFICATE: &str = "ca.crt.j2";

/// Every template, with the text built into the binary.
pub(crate) const EMBEDDED: [(&str, &str); 23] = [
    (NAMESPACE, include_str!("../../templates/namespace.yaml.j2")),
    (
        SECRET_TLS,
        include_str!("../../templates/secret-tls.yaml.j2"),
    ),
    (SECRET_CA, include_str!("../../templates/secret-ca.yaml.j2")),
    (
        SECRET_CA_DOWNLOAD,
        include_str!("../../templates/secret-ca-download.yaml.j2"),
    ),
    (
        SECRET_ADMIN_PASSWORD,
        include_str!("../../templates/secret-admin-password.yaml.j2"),
    ),
    (
        SECRET_REGISTRY_INFO,
        include_str!("../../templates/secret-registry-info.yaml.j2"),
    ),
    (
        SECRET_CORE_KEYS,
        include_str!("../../templates/secret-core-keys.yaml.j2"),
    ),
    (
        SECRET_CORE_SECRET,
        include_str!("../../templates/secret-core-secret.yaml.j2"),
    ),
    (
        SECRET_CORE_TOKEN,
        include_str!("../../templates/secret-core-token.yaml.j2"),
    ),
    (
        SECRET_JOBSERVICE_SECRET,
        include_str!("../../templates/secret-jobservice-secret.yaml.j2"),
    ),
    (
        SECRET_REGISTRY_SECRET,
        include_str!("../../templates/secret-registry-secret.yaml.j2"),
    ),
    (
        SECRET_REGISTRY_CREDENTIALS,
        include_str!("../../templates/secret-registry-credentials.yaml.j2"),
    ),
    (
        SECRET_DATABASE_PASSWORD,
        include_str!("../../templates/secret-database-password.yaml.j2"),
    ),
    (
        SECRET_HELM_VALUES,
        include_str!("../../templates/secret-helm-values.yaml.j2"),
    ),
    (
        HELM_VALUES,
        include_str!("../../templates/helm-values.yaml.j2"),
    ),
    (
        HELM_SECRET_VALUES,
        include_str!("../../templates/helm-secret-values.yaml.j2"),
    ),
    (HELMCHART, include_str!("../../templates/helmchart.yaml.j2")),
    (
        SECRET_PULL_ROBOT,
        include_str!("../../templates/secret-pull-robot.yaml.j2"),
    ),
    (
        CONFIGMAP_BOOTSTRAP,
        include_str!("../../templates/configmap-bootstrap.yaml.j2"),
    ),
    (
        JOB_BOOTSTRAP,
        include_str!("../../templates/job-bootstrap.yaml.j2"),
    ),
    (
        REGISTRIES,
        include_str!("../../templates/registries.yaml.j2"),
    ),
    (
        CONTAINERD_HOSTS,
        include_str!("../../templates/hosts.toml.j2"),
    ),
    (CA_CERTIFICATE, include_str!("../../templates/ca.crt.j2")),
];

/// An environment holding the embedded templates.
pub(crate) fn embedded() -> Environment<'static> {
    let mut env = base();
    for (name, source) in EMBEDDED {
        // The embedded templates compile: a test renders every one of them.
        if let Err(error) = env.add_template(name, source) {
            unreachable!("embedded template {name} does not compile: {error}");
        }
    }
    env
}

/// The embedded templates, each replaced by the file of the same name in `dir` when there is
/// one. A `*.j2` file that is not one of the templates is an error (most likely a typo), other
/// files are ignored.
pub(crate) fn with_overrides(dir: &Path) -> Result<(Environment<'static>, Vec<String>)> {
    let io_error = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut sources: Vec<(&'static str, String)> = EMBEDDED
        .iter()
        .map(|(name, source)| (*name, (*source).to_owned()))
        .collect();
    let mut overridden = Vec::new();
    let mut entries = std::fs::read_dir(dir)
        .map_err(io_error)?
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(io_error)?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if !file_name.ends_with(".j2") {
            continue;
        }
        let Some(slot) = sources.iter_mut().find(|(name, _)| *name == file_name) else {
            return Err(Error::Template {
                name: file_name,
                message: format!(
                    "not a template harbor-edge uses; the templates are {}",
                    EMBEDDED.map(|(name, _)| name).join(", ")
                ),
            });
        };
        let path = entry.path();
        slot.1 = std::fs::read_to_string(&path).map_err(|source| Error::Io { path, source })?;
        overridden.push(file_name);
    }
    let mut env = base();
    for (name, source) in sources {
        env.add_template_owned(name, source)
            .map_err(|error| template_error(name, &error))?;
    }
    Ok((env, overridden))
}

/// The settings every environment shares.
fn base() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    // Debug mode copies the template's variables into errors; they hold secrets.
    env.set_debug(false);
    // These would mark any string as already quoted.
    for filter in ["safe", "escape", "e"] {
        env.remove_filter(filter);
    }
    env.set_formatter(print_quoted_only);
    filters::register(&mut env);
    env
}

/// Prints what a quoting filter produced, integers and booleans; anything else is an error, so
/// a template (embedded or not) cannot interpolate a user value raw.
fn print_quoted_only(
    out: &mut Output<'_>,
    _state: &mut State<'_, '_>,
    value: &Value,
) -> std::result::Result<(), minijinja::Error> {
    let printable = match value.kind() {
        ValueKind::String => value.is_safe(),
        ValueKind::Number => value.is_integer(),
        ValueKind::Bool => true,
        _ => false,
    };
    if !printable {
        return Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "a {} is printed without a quoting filter; use `| yaml` (or `| b64` for Secret \
                 data, `| to_yaml` for a whole value, `| toml` in TOML)",
                value.kind()
            ),
        ));
    }
    write!(out, "{value}").map_err(minijinja::Error::from)
}

/// Our error for a minijinja error in template `name`. minijinja's plain `Display` holds the
/// kind, the detail and the line, never a variable's value (that is the debug info, which is
/// off).
pub(crate) fn template_error(name: &str, error: &minijinja::Error) -> Error {
    let mut message = match error.detail() {
        Some(detail) => format!("{}: {detail}", error.kind()),
        None => error.kind().to_string(),
    };
    if let Some(line) = error.line() {
        let _ = write!(message, " (line {line})");
    }
    Error::Template {
        name: error.name().unwrap_or(name).to_owned(),
        message,
    }
}
