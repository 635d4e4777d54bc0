//! What the renderer will produce, before it renders: for each object its template, identity,
//! file name, the template's variables, and what the self-check expects to read back.

use std::collections::BTreeMap;

use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;
use serde_json::Value as Json;

use super::ObjectKind;
use super::readback::Want;
use super::values::{HelmValues, registry_endpoint};
use super::{
    CHART_NAME, CHART_REPO, CHART_VERSION, HELMCHART_NAME, HELMCHART_NAMESPACE, environment as t,
};
use crate::Config;
use crate::credentials::{
    Credentials, HTPASSWD_DIGEST_ANNOTATION, InternalCredential as C, SECRET_VALUES_KEY,
    SECRET_VALUES_SECRET, htpasswd_pair_digest,
};
use crate::model::{
    ADMIN_PASSWORD_KEY, ADMIN_PASSWORD_SECRET, ADMIN_USER, CA_CERT_KEY, CA_DOWNLOAD_SECRET,
    CA_KEY_KEY, CA_SECRET, HARBOR_NAMESPACE, REGISTRY_INFO_PASSWORD_KEY, REGISTRY_INFO_SECRET,
    TLS_SECRET,
};

/// `registry-info` key holding the user name ([`ADMIN_USER`]).
pub const REGISTRY_INFO_USER_KEY: &str = "SPECTRO_USER_NAME";
/// `registry-info` key holding `host[:port]` of the registry, as image references write it
/// (`spectro.registry.local:30003`); `:443` is left out.
pub const REGISTRY_INFO_ENDPOINT_KEY: &str = "SPECTRO_REGISTRY_ENDPOINT";

/// One object to render, declared once: its identity and file, and each value harbor-edge
/// puts in, which goes into the template's context and into what the self-check reads back
/// ([`Planned::value`], [`Planned::secret_data`]). Holds secret values: no `Debug`.
pub(crate) struct Planned {
    pub(crate) template: &'static str,
    pub(crate) kind: ObjectKind,
    pub(crate) name: String,
    pub(crate) namespace: Option<String>,
    pub(crate) file_name: String,
    context: BTreeMap<&'static str, Value>,
    pub(crate) expect: Expect,
}

/// What the self-check requires of the rendered text.
pub(crate) enum Expect {
    /// A YAML or TOML document holding this.
    Document(Want),
    /// PEM text holding exactly the blocks of this text, at least one.
    Pem(String),
}

impl Planned {
    /// An object with its identity: the template sees `name` (and `namespace`), and a
    /// Kubernetes object must carry them with its `apiVersion` and `kind`.
    pub(crate) fn new(
        template: &'static str,
        kind: ObjectKind,
        name: impl Into<String>,
        namespace: Option<&str>,
        file_name: String,
    ) -> Self {
        let name = name.into();
        let namespace = namespace.map(str::to_owned);
        let mut planned = Planned {
            template,
            kind,
            context: BTreeMap::new(),
            expect: Expect::Document(Want::Map(Vec::new())),
            file_name,
            name,
            namespace,
        };
        planned
            .context
            .insert("name", Value::from(planned.name.clone()));
        if let Some(namespace) = &planned.namespace {
            planned
                .context
                .insert("namespace", Value::from(namespace.clone()));
        }
        if let Some(api_version) = kind.api_version() {
            let must_be = |path: &str, value: &str| {
                Want::text(value).explained(format!("`{path}` must be the string `{value}`"))
            };
            let namespace = match &planned.namespace {
                Some(namespace) => must_be("metadata.namespace", namespace),
                None => Want::Absent.explained("`metadata.namespace` must be absent"),
            };
            let name = must_be("metadata.name", &planned.name);
            planned = planned
                .expect(&["apiVersion"], must_be("apiVersion", api_version))
                .expect(&["kind"], must_be("kind", kind.as_str()))
                .expect(&["metadata", "name"], name)
                .expect(&["metadata", "namespace"], namespace);
        }
        planned
    }

    /// A template variable that is layout only: the self-check does not look for it.
    pub(crate) fn var(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.context.insert(name, value.into());
        self
    }

    /// A value harbor-edge computed: the template sees it as `var`, and the document must
    /// hold it at `path` (a mapping there may hold more keys; scalars and sequences equal).
    /// A value without a JSON form (none of ours) is a want no document meets.
    pub(crate) fn value(self, var: &'static str, path: &[&str], value: &impl Serialize) -> Self {
        let want =
            serde_json::to_value(value).map_or(Want::Unmeetable, |json| Want::contains(&json));
        self.var(var, Value::from(Serde(value))).expect(path, want)
    }

    /// A Secret's data entry: the template sees `value` as `var` (and base64-encodes it), and
    /// `data.<key>` must decode to it.
    pub(crate) fn secret_data(self, var: &'static str, key: &str, value: &str) -> Self {
        self.var(var, value)
            .expect(&["data", key], Want::Base64(value.to_owned()))
    }

    /// The Secret's `type`, and no `stringData` (it would override `data`).
    pub(crate) fn secret_type(self, secret_type: &str) -> Self {
        self.expect(
            &["type"],
            Want::text(secret_type).explained(format!("`type` must be the string `{secret_type}`")),
        )
        .expect(
            &["stringData"],
            Want::Absent
                .explained("`stringData` would override `data`; harbor-edge writes `data` only"),
        )
    }

    /// What the document must hold at `path`, beyond the template's variables.
    pub(crate) fn expect(mut self, path: &[&str], want: Want) -> Self {
        if let Expect::Document(root) = &mut self.expect {
            insert(root, path, want);
        }
        self
    }

    /// PEM text: the template sees it as `var`, and must render exactly its blocks.
    pub(crate) fn pem(mut self, var: &'static str, text: &str) -> Self {
        self.expect = Expect::Pem(text.to_owned());
        self.var(var, text)
    }

    /// The template's context (taken: a render needs it once).
    pub(crate) fn take_context(&mut self) -> Value {
        Value::from(std::mem::take(&mut self.context))
    }

    /// A label for messages: `Secret harbor/harbor-tls`.
    pub(crate) fn label(&self) -> String {
        match &self.namespace {
            Some(namespace) => format!("{} {namespace}/{}", self.kind.as_str(), self.name),
            None => format!("{} {}", self.kind.as_str(), self.name),
        }
    }
}

/// Puts `want` at `path` in a mapping want, making the mappings on the way; a mapping want
/// put where one is merges into it.
fn insert(root: &mut Want, path: &[&str], want: Want) {
    let Some((first, rest)) = path.split_first() else {
        match want {
            Want::Map(entries) if matches!(root, Want::Map(_)) => {
                for (key, want) in entries {
                    insert(root, &[&key], want);
                }
            }
            want => *root = want,
        }
        return;
    };
    let Want::Map(entries) = root else {
        return;
    };
    let index = match entries.iter().position(|(key, _)| key == first) {
        Some(index) => index,
        None => {
            entries.push(((*first).to_owned(), Want::Map(Vec::new())));
            entries.len() - 1
        }
    };
    insert(&mut entries[index].1, rest, want);
}

/// The two namespaces.
pub(crate) fn namespaces(config: &Config) -> Vec<Planned> {
    [HARBOR_NAMESPACE.to_owned(), config.cluster_namespace()]
        .into_iter()
        .enumerate()
        .map(|(index, name)| {
            let file_name = file_name(index, ObjectKind::Namespace, &name);
            Planned::new(t::NAMESPACE, ObjectKind::Namespace, name, None, file_name)
        })
        .collect()
}

/// A Secret of type `secret_type` in file `NN` of the secrets; its data comes after.
fn secret(
    order: usize,
    template: &'static str,
    name: &str,
    namespace: &str,
    secret_type: &str,
) -> Planned {
    let file_name = file_name(order, ObjectKind::Secret, name);
    Planned::new(
        template,
        ObjectKind::Secret,
        name,
        Some(namespace),
        file_name,
    )
    .secret_type(secret_type)
}

/// The Secrets of SPEC 5 and 4.2, in file name order: `harbor-ca-download` (`ca.crt` for
/// core), `harbor-tls` (nginx), the admin password, `harbor-ca` (the CA key, in
/// `cluster-<uid>`, only when known) and `registry-info`.
pub(crate) fn secrets(config: &Config, credentials: &Credentials) -> Vec<Planned> {
    let tls = &credentials.tls;
    let password = credentials.admin_password.expose();
    let cluster_namespace = config.cluster_namespace();
    let mut planned = vec![
        secret(
            10,
            t::SECRET_CA_DOWNLOAD,
            CA_DOWNLOAD_SECRET,
            HARBOR_NAMESPACE,
            "Opaque",
        )
        .secret_data("ca_certificate", CA_CERT_KEY, &tls.ca_certificate),
        secret(
            10,
            t::SECRET_TLS,
            TLS_SECRET,
            HARBOR_NAMESPACE,
            "kubernetes.io/tls",
        )
        .secret_data("certificate_chain", "tls.crt", &tls.certificate_chain)
        .secret_data("private_key", "tls.key", tls.private_key.expose())
        .secret_data("ca_certificate", CA_CERT_KEY, &tls.ca_certificate),
        secret(
            11,
            t::SECRET_ADMIN_PASSWORD,
            ADMIN_PASSWORD_SECRET,
            HARBOR_NAMESPACE,
            "Opaque",
        )
        .secret_data("password", ADMIN_PASSWORD_KEY, password),
    ];
    if let Some(ca_key) = &tls.ca_private_key {
        planned.push(
            secret(12, t::SECRET_CA, CA_SECRET, &cluster_namespace, "Opaque")
                .secret_data("ca_certificate", CA_CERT_KEY, &tls.ca_certificate)
                .secret_data("ca_private_key", CA_KEY_KEY, ca_key.expose()),
        );
    }
    planned.push(
        secret(
            12,
            t::SECRET_REGISTRY_INFO,
            REGISTRY_INFO_SECRET,
            &cluster_namespace,
            "Opaque",
        )
        .secret_data("user", REGISTRY_INFO_USER_KEY, ADMIN_USER)
        .secret_data("password", REGISTRY_INFO_PASSWORD_KEY, password)
        .secret_data(
            "endpoint",
            REGISTRY_INFO_ENDPOINT_KEY,
            &registry_endpoint(config),
        ),
    );
    planned
}

/// Harbor's internal credentials in namespace `harbor`, one Secret per group of readers (see
/// [`crate::credentials::InternalCredential`]). File numbers group them by component: 13 core,
/// 14 jobservice, 15 registry, 16 database.
pub(crate) fn internal_secrets(credentials: &Credentials) -> Vec<Planned> {
    let internal = |order: usize, template, owner: C, secret_type, data: &[(&'static str, C)]| {
        data.iter().fold(
            secret(
                order,
                template,
                owner.secret_name(),
                HARBOR_NAMESPACE,
                secret_type,
            ),
            |planned, &(var, which)| {
                planned.secret_data(var, which.key(), credentials.internal.get(which).expose())
            },
        )
    };
    let htpasswd_digest = htpasswd_pair_digest(
        credentials.internal.get(C::RegistryPassword),
        credentials.internal.get(C::RegistryHtpasswd),
    );
    let registry_credentials = internal(
        15,
        t::SECRET_REGISTRY_CREDENTIALS,
        C::RegistryPassword,
        "Opaque",
        &[
            ("password", C::RegistryPassword),
            ("htpasswd", C::RegistryHtpasswd),
        ],
    )
    .value(
        "htpasswd_digest",
        &["metadata", "annotations", HTPASSWD_DIGEST_ANNOTATION],
        &Json::String(htpasswd_digest),
    );
    vec![
        internal(
            13,
            t::SECRET_CORE_KEYS,
            C::SecretKey,
            "Opaque",
            &[("secret_key", C::SecretKey), ("xsrf_key", C::XsrfKey)],
        ),
        internal(
            13,
            t::SECRET_CORE_SECRET,
            C::CoreSecret,
            "Opaque",
            &[("secret", C::CoreSecret)],
        ),
        internal(
            13,
            t::SECRET_CORE_TOKEN,
            C::TokenKey,
            "kubernetes.io/tls",
            &[
                ("certificate", C::TokenCertificate),
                ("private_key", C::TokenKey),
            ],
        ),
        internal(
            14,
            t::SECRET_JOBSERVICE_SECRET,
            C::JobserviceSecret,
            "Opaque",
            &[("secret", C::JobserviceSecret)],
        ),
        // In file name order within the group: the stream applies in the order `ls` lists.
        registry_credentials,
        internal(
            15,
            t::SECRET_REGISTRY_SECRET,
            C::RegistryHttpSecret,
            "Opaque",
            &[("secret", C::RegistryHttpSecret)],
        ),
        internal(
            16,
            t::SECRET_DATABASE_PASSWORD,
            C::DatabasePassword,
            "Opaque",
            &[("password", C::DatabasePassword)],
        ),
    ]
}

/// The Helm values that hold a secret: the `helm` target's second values file.
pub(crate) fn helm_secret_values(values: &Json) -> Planned {
    let name = "secret-values";
    Planned::new(
        t::HELM_SECRET_VALUES,
        ObjectKind::HelmSecretValues,
        name,
        None,
        format!("{name}.yaml"),
    )
    .var("chart", chart())
    .value("values", &[], values)
}

/// k3s: the Secret beside the `HelmChart` carrying the secret values file, which the Helm
/// controller reads through `spec.valuesSecrets`.
pub(crate) fn secret_values_secret(values_yaml: &str) -> Planned {
    secret(
        19,
        t::SECRET_HELM_VALUES,
        SECRET_VALUES_SECRET,
        HELMCHART_NAMESPACE,
        "Opaque",
    )
    .secret_data("values_yaml", SECRET_VALUES_KEY, values_yaml)
}

/// The chart's values file.
pub(crate) fn helm_values(values: &HelmValues) -> Planned {
    Planned::new(
        t::HELM_VALUES,
        ObjectKind::HelmValues,
        "values",
        None,
        "values.yaml".to_owned(),
    )
    .var("chart", chart())
    .value("values", &[], values)
}

/// The k3s `HelmChart` carrying `values_yaml` inline; the secret values reach the chart
/// through exactly one `spec.valuesSecrets` entry naming their Secret and key (the Helm
/// controller ignores an entry without keys).
pub(crate) fn helmchart(values_yaml: &str) -> Planned {
    let spec = |key: &str, value: &str| {
        Want::text(value).explained(format!("`spec.{key}` must be the string `{value}`"))
    };
    let values_secret = Want::Seq(vec![Want::Map(vec![
        ("name".to_owned(), Want::text(SECRET_VALUES_SECRET)),
        (
            "keys".to_owned(),
            Want::Seq(vec![Want::text(SECRET_VALUES_KEY)]),
        ),
        ("ignoreUpdates".to_owned(), Want::AbsentOrFalse),
    ])])
    .explained(format!(
        "`spec.valuesSecrets` must be one entry naming Secret `{SECRET_VALUES_SECRET}` with keys \
         [`{SECRET_VALUES_KEY}`]"
    ));
    let file_name = file_name(20, ObjectKind::HelmChart, HELMCHART_NAME);
    Planned::new(
        t::HELMCHART,
        ObjectKind::HelmChart,
        HELMCHART_NAME,
        Some(HELMCHART_NAMESPACE),
        file_name,
    )
    .var("chart", chart())
    .var("target_namespace", HARBOR_NAMESPACE)
    .var("values_yaml", values_yaml)
    .var(
        "values_secret",
        context! { name => SECRET_VALUES_SECRET, key => SECRET_VALUES_KEY },
    )
    .expect(&["spec", "repo"], spec("repo", CHART_REPO))
    .expect(&["spec", "chart"], spec("chart", CHART_NAME))
    .expect(&["spec", "version"], spec("version", CHART_VERSION))
    .expect(
        &["spec", "targetNamespace"],
        spec("targetNamespace", HARBOR_NAMESPACE),
    )
    .expect(
        &["spec", "valuesContent"],
        Want::text(values_yaml)
            .explained("`spec.valuesContent` is not exactly the rendered values"),
    )
    .expect(&["spec", "valuesSecrets"], values_secret)
}

fn chart() -> Value {
    context! { repo => CHART_REPO, name => CHART_NAME, version => CHART_VERSION }
}

/// `NN-kind-name.yaml`: `NN` orders namespaces (0x), secrets (1x), the rest (2x) the way they
/// are applied; the name is reduced to `[a-z0-9.-]` so it is always a plain file name.
pub(super) fn file_name(order: usize, kind: ObjectKind, name: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '.' | '-' => c,
            _ => '-',
        })
        .collect();
    format!(
        "{order:02}-{}-{name}.yaml",
        kind.as_str().to_ascii_lowercase()
    )
}
