//! The minijinja environment: the templates (embedded, or replaced from a directory), strict
//! undefined behaviour, no auto-escaping, and a formatter that refuses to print a string that no
//! quoting filter produced.

use std::fmt::Write as _;
use std::path::Path;

use minijinja::value::{Value, ValueKind};
use minijinja::{AutoEscape, Environment, ErrorKind, Output, State, UndefinedBehavior};

use super::filters;
use crate::error::{Error, Result};

/// Declares each template once: a constant holding its file name, and its text built into the
/// binary in [`EMBEDDED`].
macro_rules! templates {
    ($($(#[$doc:meta])* $name:ident = $file:literal,)*) => {
        $(
            $(#[$doc])*
            pub(crate) const $name: &str = $file;
        )*
        /// Every template, with the text built into the binary.
        pub(crate) const EMBEDDED: &[(&str, &str)] = &[
            $(($file, include_str!(concat!("../../templates/", $file))),)*
        ];
    };
}

templates! {
    /// A Namespace.
    NAMESPACE = "namespace.yaml.j2",
    /// The `harbor-tls` Secret.
    SECRET_TLS = "secret-tls.yaml.j2",
    /// The `harbor-ca` Secret (the CA and its key, in `cluster-<uid>`).
    SECRET_CA = "secret-ca.yaml.j2",
    /// The `harbor-ca-download` Secret (`ca.crt` only).
    SECRET_CA_DOWNLOAD = "secret-ca-download.yaml.j2",
    /// The Secret the chart reads the admin password from.
    SECRET_ADMIN_PASSWORD = "secret-admin-password.yaml.j2",
    /// The `registry-info` Secret.
    SECRET_REGISTRY_INFO = "secret-registry-info.yaml.j2",
    /// `secretKey` and the XSRF key.
    SECRET_CORE_KEYS = "secret-core-keys.yaml.j2",
    /// `core.secret`.
    SECRET_CORE_SECRET = "secret-core-secret.yaml.j2",
    /// The token key and certificate.
    SECRET_CORE_TOKEN = "secret-core-token.yaml.j2",
    /// The jobservice secret.
    SECRET_JOBSERVICE_SECRET = "secret-jobservice-secret.yaml.j2",
    /// The registry's HTTP secret.
    SECRET_REGISTRY_SECRET = "secret-registry-secret.yaml.j2",
    /// The registry user's password and htpasswd line.
    SECRET_REGISTRY_CREDENTIALS = "secret-registry-credentials.yaml.j2",
    /// The database password for core and the exporter.
    SECRET_DATABASE_PASSWORD = "secret-database-password.yaml.j2",
    /// The k3s Secret holding the secret values.
    SECRET_HELM_VALUES = "secret-helm-values.yaml.j2",
    /// The chart's values.
    HELM_VALUES = "helm-values.yaml.j2",
    /// The chart's values that hold a secret.
    HELM_SECRET_VALUES = "helm-secret-values.yaml.j2",
    /// The k3s/RKE2 `HelmChart`.
    HELMCHART = "helmchart.yaml.j2",
    /// The secret of the nodes' robot (Palette layout).
    SECRET_PULL_ROBOT = "secret-pull-robot.yaml.j2",
    /// The bootstrap Job's script and configuration.
    CONFIGMAP_BOOTSTRAP = "configmap-bootstrap.yaml.j2",
    /// The bootstrap Job.
    JOB_BOOTSTRAP = "job-bootstrap.yaml.j2",
    /// The k3s/RKE2 registry mirrors (node target).
    REGISTRIES = "registries.yaml.j2",
    /// One containerd `hosts.toml` (node target).
    CONTAINERD_HOSTS = "hosts.toml.j2",
    /// The CA certificate for the nodes (node target).
    CA_CERTIFICATE = "ca.crt.j2",
}

/// An environment holding the embedded templates.
pub(crate) fn embedded() -> Environment<'static> {
    let mut env = base();
    for &(name, source) in EMBEDDED {
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
                    EMBEDDED
                        .iter()
                        .map(|(name, _)| *name)
                        .collect::<Vec<_>>()
                        .join(", ")
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
