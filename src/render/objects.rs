//! What the renderer will produce, before it renders: for each object its template, identity,
//! file name, the template's variables, and what the self-check expects to read back.

use minijinja::value::Serde;
use minijinja::{Value, context};

use super::ObjectKind;
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

/// One object to render. Holds secret values (template variables, expected data): no `Debug`.
pub(crate) struct Planned {
    pub(crate) template: &'static str,
    pub(crate) kind: ObjectKind,
    pub(crate) name: String,
    pub(crate) namespace: Option<String>,
    pub(crate) file_name: String,
    pub(crate) context: Value,
    pub(crate) expect: Expect,
}

/// What the self-check requires of the rendered document beyond its identity. Templates may
/// add (labels, extra keys); they may not drop or change what harbor-edge puts in.
pub(crate) enum Expect {
    /// Identity only.
    Identity,
    /// Secret `type`, these `data` keys holding these values, and these annotations.
    Secret {
        secret_type: &'static str,
        data: Vec<(&'static str, String)>,
        annotations: Vec<(&'static str, String)>,
    },
    /// The chart, its pinned version, target namespace, exactly these values, and exactly this
    /// values Secret `(name, key)` in `spec.valuesSecrets`.
    HelmChart {
        values_yaml: String,
        values_secret: (&'static str, &'static str),
    },
    /// A YAML or TOML document holding at least these values (mappings may have more keys).
    Contains { values: serde_yaml::Value },
    /// PEM text equal to this, holding at least one certificate.
    Pem { text: String },
}

impl Planned {
    /// A label for messages: `Secret harbor/harbor-tls`.
    pub(crate) fn label(&self) -> String {
        match &self.namespace {
            Some(namespace) => format!("{} {namespace}/{}", self.kind.as_str(), self.name),
            None => format!("{} {}", self.kind.as_str(), self.name),
        }
    }
}

/// The two namespaces.
pub(crate) fn namespaces(config: &Config) -> Vec<Planned> {
    [HARBOR_NAMESPACE.to_owned(), config.cluster_namespace()]
        .into_iter()
        .enumerate()
        .map(|(index, name)| Planned {
            template: t::NAMESPACE,
            kind: ObjectKind::Namespace,
            file_name: file_name(index, ObjectKind::Namespace, &name),
            context: context! { name => &name },
            name,
            namespace: None,
            expect: Expect::Identity,
        })
        .collect()
}

/// The Secrets of SPEC 5 and 4.2, in file name order: `harbor-ca-download` (`ca.crt` for
/// core), `harbor-tls` (nginx), the admin password, `harbor-ca` (the CA key, in
/// `cluster-<uid>`, only when known) and `registry-info`.
pub(crate) fn secrets(config: &Config, credentials: &Credentials) -> Vec<Planned> {
    let tls = &credentials.tls;
    let password = credentials.admin_password.expose();
    let tls_data = vec![
        ("tls.crt", tls.certificate_chain.clone()),
        ("tls.key", tls.private_key.expose().to_owned()),
        (CA_CERT_KEY, tls.ca_certificate.clone()),
    ];
    let endpoint = registry_endpoint(config);
    let cluster_namespace = config.cluster_namespace();
    let secret =
        |index: usize, template, name: &str, namespace: &str, context, secret_type, data| Planned {
            template,
            kind: ObjectKind::Secret,
            name: name.to_owned(),
            namespace: Some(namespace.to_owned()),
            file_name: file_name(10 + index, ObjectKind::Secret, name),
            context,
            expect: Expect::Secret {
                secret_type,
                data,
                annotations: Vec::new(),
            },
        };
    let ca_download = secret(
        0,
        t::SECRET_CA_DOWNLOAD,
        CA_DOWNLOAD_SECRET,
        HARBOR_NAMESPACE,
        context! {
            name => CA_DOWNLOAD_SECRET,
            namespace => HARBOR_NAMESPACE,
            ca_certificate => &tls.ca_certificate,
        },
        "Opaque",
        vec![(CA_CERT_KEY, tls.ca_certificate.clone())],
    );
    let ca = tls.ca_private_key.as_ref().map(|ca_key| {
        secret(
            2,
            t::SECRET_CA,
            CA_SECRET,
            &cluster_namespace,
            context! {
                name => CA_SECRET,
                namespace => &cluster_namespace,
                ca_certificate => &tls.ca_certificate,
                ca_private_key => ca_key.expose(),
            },
            "Opaque",
            vec![
                (CA_CERT_KEY, tls.ca_certificate.clone()),
                (CA_KEY_KEY, ca_key.expose().to_owned()),
            ],
        )
    });
    let mut planned = vec![
        ca_download,
        secret(
            0,
            t::SECRET_TLS,
            TLS_SECRET,
            HARBOR_NAMESPACE,
            context! {
                name => TLS_SECRET,
                namespace => HARBOR_NAMESPACE,
                tls => context! {
                    certificate_chain => &tls.certificate_chain,
                    private_key => tls.private_key.expose(),
                    ca_certificate => &tls.ca_certificate,
                },
            },
            "kubernetes.io/tls",
            tls_data,
        ),
        secret(
            1,
            t::SECRET_ADMIN_PASSWORD,
            ADMIN_PASSWORD_SECRET,
            HARBOR_NAMESPACE,
            context! {
                name => ADMIN_PASSWORD_SECRET,
                namespace => HARBOR_NAMESPACE,
                password => password,
            },
            "Opaque",
            vec![(ADMIN_PASSWORD_KEY, password.to_owned())],
        ),
    ];
    planned.extend(ca);
    planned.push(secret(
        2,
        t::SECRET_REGISTRY_INFO,
        REGISTRY_INFO_SECRET,
        &cluster_namespace,
        context! {
            name => REGISTRY_INFO_SECRET,
            namespace => &cluster_namespace,
            user => ADMIN_USER,
            password => password,
            endpoint => &endpoint,
        },
        "Opaque",
        vec![
            (REGISTRY_INFO_USER_KEY, ADMIN_USER.to_owned()),
            (REGISTRY_INFO_PASSWORD_KEY, password.to_owned()),
            (REGISTRY_INFO_ENDPOINT_KEY, endpoint.clone()),
        ],
    ));
    planned
}

/// Harbor's internal credentials in namespace `harbor`, one Secret per group of readers (see
/// [`crate::credentials::InternalCredential`]). File numbers group them by component: 13 core,
/// 14 jobservice, 15 registry, 16 database.
pub(crate) fn internal_secrets(credentials: &Credentials) -> Vec<Planned> {
    let value = |which: C| credentials.internal.get(which).expose();
    let data = |keys: &[C]| -> Vec<(&'static str, String)> {
        keys.iter()
            .map(|&which| (which.key(), value(which).to_owned()))
            .collect()
    };
    let secret = |order: usize, template, which: C, context, secret_type, keys: &[C]| {
        let name = which.secret_name();
        Planned {
            template,
            kind: ObjectKind::Secret,
            name: name.to_owned(),
            namespace: Some(HARBOR_NAMESPACE.to_owned()),
            file_name: file_name(order, ObjectKind::Secret, name),
            context,
            expect: Expect::Secret {
                secret_type,
                data: data(keys),
                annotations: Vec::new(),
            },
        }
    };
    let htpasswd_digest = htpasswd_pair_digest(
        credentials.internal.get(C::RegistryPassword),
        credentials.internal.get(C::RegistryHtpasswd),
    );
    let identity = |which: C| (which.secret_name(), HARBOR_NAMESPACE);
    let mut registry_credentials = secret(
        15,
        t::SECRET_REGISTRY_CREDENTIALS,
        C::RegistryPassword,
        {
            let (name, namespace) = identity(C::RegistryPassword);
            context! {
                name, namespace,
                password => value(C::RegistryPassword),
                htpasswd => value(C::RegistryHtpasswd),
                htpasswd_digest => &htpasswd_digest,
            }
        },
        "Opaque",
        &[C::RegistryPassword, C::RegistryHtpasswd],
    );
    if let Expect::Secret { annotations, .. } = &mut registry_credentials.expect {
        annotations.push((HTPASSWD_DIGEST_ANNOTATION, htpasswd_digest.clone()));
    }
    vec![
        secret(
            13,
            t::SECRET_CORE_KEYS,
            C::SecretKey,
            {
                let (name, namespace) = identity(C::SecretKey);
                context! {
                    name, namespace,
                    secret_key => value(C::SecretKey),
                    xsrf_key => value(C::XsrfKey),
                }
            },
            "Opaque",
            &[C::SecretKey, C::XsrfKey],
        ),
        secret(
            13,
            t::SECRET_CORE_SECRET,
            C::CoreSecret,
            {
                let (name, namespace) = identity(C::CoreSecret);
                context! { name, namespace, secret => value(C::CoreSecret) }
            },
            "Opaque",
            &[C::CoreSecret],
        ),
        secret(
            13,
            t::SECRET_CORE_TOKEN,
            C::TokenKey,
            {
                let (name, namespace) = identity(C::TokenKey);
                context! {
                    name, namespace,
                    certificate => value(C::TokenCertificate),
                    private_key => value(C::TokenKey),
                }
            },
            "kubernetes.io/tls",
            &[C::TokenCertificate, C::TokenKey],
        ),
        secret(
            14,
            t::SECRET_JOBSERVICE_SECRET,
            C::JobserviceSecret,
            {
                let (name, namespace) = identity(C::JobserviceSecret);
                context! { name, namespace, secret => value(C::JobserviceSecret) }
            },
            "Opaque",
            &[C::JobserviceSecret],
        ),
        // In file name order within the group: the stream applies in the order `ls` lists.
        registry_credentials,
        secret(
            15,
            t::SECRET_REGISTRY_SECRET,
            C::RegistryHttpSecret,
            {
                let (name, namespace) = identity(C::RegistryHttpSecret);
                context! { name, namespace, secret => value(C::RegistryHttpSecret) }
            },
            "Opaque",
            &[C::RegistryHttpSecret],
        ),
        secret(
            16,
            t::SECRET_DATABASE_PASSWORD,
            C::DatabasePassword,
            {
                let (name, namespace) = identity(C::DatabasePassword);
                context! { name, namespace, password => value(C::DatabasePassword) }
            },
            "Opaque",
            &[C::DatabasePassword],
        ),
    ]
}

/// The Helm values that hold a secret: the `helm` target's second values file.
pub(crate) fn helm_secret_values(values: serde_yaml::Value) -> Planned {
    Planned {
        template: t::HELM_SECRET_VALUES,
        kind: ObjectKind::HelmSecretValues,
        name: "secret-values".to_owned(),
        namespace: None,
        file_name: "secret-values.yaml".to_owned(),
        context: context! { chart => chart(), values => Value::from(Serde(&values)) },
        expect: Expect::Contains { values },
    }
}

/// k3s: the Secret beside the `HelmChart` carrying the secret values file, which the Helm
/// controller reads through `spec.valuesSecrets`.
pub(crate) fn secret_values_secret(values_yaml: &str) -> Planned {
    Planned {
        template: t::SECRET_HELM_VALUES,
        kind: ObjectKind::Secret,
        name: SECRET_VALUES_SECRET.to_owned(),
        namespace: Some(HELMCHART_NAMESPACE.to_owned()),
        file_name: file_name(19, ObjectKind::Secret, SECRET_VALUES_SECRET),
        context: context! {
            name => SECRET_VALUES_SECRET,
            namespace => HELMCHART_NAMESPACE,
            values_yaml => values_yaml,
        },
        expect: Expect::Secret {
            secret_type: "Opaque",
            data: vec![(SECRET_VALUES_KEY, values_yaml.to_owned())],
            annotations: Vec::new(),
        },
    }
}

/// The chart's values file.
pub(crate) fn helm_values(values: &HelmValues) -> Result<Planned, serde_yaml::Error> {
    Ok(Planned {
        template: t::HELM_VALUES,
        kind: ObjectKind::HelmValues,
        name: "values".to_owned(),
        namespace: None,
        file_name: "values.yaml".to_owned(),
        context: context! { chart => chart(), values => Value::from(Serde(values)) },
        expect: Expect::Contains {
            values: serde_yaml::to_value(values)?,
        },
    })
}

/// The k3s `HelmChart` carrying `values_yaml` inline.
pub(crate) fn helmchart(values_yaml: &str) -> Planned {
    Planned {
        template: t::HELMCHART,
        kind: ObjectKind::HelmChart,
        name: HELMCHART_NAME.to_owned(),
        namespace: Some(HELMCHART_NAMESPACE.to_owned()),
        file_name: file_name(20, ObjectKind::HelmChart, HELMCHART_NAME),
        context: context! {
            name => HELMCHART_NAME,
            namespace => HELMCHART_NAMESPACE,
            chart => chart(),
            target_namespace => HARBOR_NAMESPACE,
            values_yaml => values_yaml,
            values_secret => context! { name => SECRET_VALUES_SECRET, key => SECRET_VALUES_KEY },
        },
        expect: Expect::HelmChart {
            values_yaml: values_yaml.to_owned(),
            values_secret: (SECRET_VALUES_SECRET, SECRET_VALUES_KEY),
        },
    }
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
