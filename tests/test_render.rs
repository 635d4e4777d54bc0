//! Rendering: object counts, Helm values, secrets, hostile input, chart keys, snapshots.

mod common;

use std::collections::HashMap;

use common::{at, documents, find, render, secret_value, values_for, values_of};
use harbor_edge::render::Target;
use harbor_edge::{MacroScope, Macros, ObjectKind};
use serde_yaml::Value;

/// The chart's value keys (dotted path, TAB, type of the default), kept in the repository and
/// derived from the chart's values.yaml by `.ci/derive-values-paths.py` (CI checks the copy is
/// current). Helm ignores unknown values keys silently, so this check adds what `helm template`
/// cannot: a misspelled key would otherwise change nothing and pass.
const REFERENCE: &str = include_str!("data/harbor-chart-1.19.1-values-paths.tsv");

#[test]
fn k3s_stream_has_two_namespaces_thirteen_secrets_a_helmchart_and_the_bootstrap_job() {
    let bundle = render(
        &common::minimal_config(),
        &common::credentials(),
        Target::K3s,
    );
    let documents = documents(&bundle.to_yaml());
    let kinds: Vec<&str> = documents
        .iter()
        .map(|document| document["kind"].as_str().expect("kind"))
        .collect();
    let mut expected = vec!["Namespace"; 2];
    expected.extend(["Secret"; 13]);
    expected.extend(["HelmChart", "ConfigMap", "Job"]);
    assert_eq!(kinds, expected);
    let chart = find(&documents, "HelmChart", "harbor");
    assert_eq!(chart["apiVersion"], "helm.cattle.io/v1");
    assert_eq!(chart["metadata"]["namespace"], "kube-system");
    assert_eq!(chart["spec"]["repo"], "https://helm.goharbor.io");
    assert_eq!(chart["spec"]["chart"], "harbor");
    assert_eq!(chart["spec"]["version"], harbor_edge::render::CHART_VERSION);
    assert!(harbor_edge::render::CHART_VERSION.starts_with("1.19."));
    assert_eq!(chart["spec"]["targetNamespace"], "harbor");
    find(&documents, "Namespace", "harbor");
    find(&documents, "Namespace", "cluster-edge-01");
}

#[test]
fn helm_target_is_manifests_and_a_values_file() {
    let bundle = render(
        &common::minimal_config(),
        &common::credentials(),
        Target::Helm,
    );
    let kinds: Vec<ObjectKind> = bundle.objects().iter().map(|o| o.kind()).collect();
    assert_eq!(
        kinds,
        [
            ObjectKind::Namespace,
            ObjectKind::Namespace,
            ObjectKind::Secret,
            ObjectKind::Secret,
            ObjectKind::Secret,
            ObjectKind::Secret,
            ObjectKind::Secret,
            ObjectKind::Secret,
            ObjectKind::Secret,
            ObjectKind::Secret,
            ObjectKind::Secret,
            ObjectKind::Secret,
            ObjectKind::Secret,
            ObjectKind::Secret,
            ObjectKind::ConfigMap,
            ObjectKind::Job,
            ObjectKind::HelmValues,
            ObjectKind::HelmSecretValues,
        ]
    );
    // The stream is what `kubectl apply` takes: the two values files are not in it.
    assert_eq!(documents(&bundle.to_yaml()).len(), common::DOCUMENTS - 2);
    let values = values_of(&bundle);
    assert_eq!(
        at(&values, "existingSecretAdminPassword"),
        "harbor-admin-password"
    );
    assert_eq!(
        at(&values, "existingSecretAdminPasswordKey"),
        "HARBOR_ADMIN_PASSWORD"
    );
    assert!(values.get("harborAdminPassword").is_none());
    assert!(!bundle.values_yaml().unwrap().contains(common::PASSWORD));
}

#[test]
fn helmchart_carries_exactly_the_values_file() {
    let config = common::minimal_config();
    let helm = render(&config, &common::credentials(), Target::Helm);
    let k3s = render(&config, &common::credentials(), Target::K3s);
    let documents = documents(&k3s.to_yaml());
    let content = find(&documents, "HelmChart", "harbor")["spec"]["valuesContent"].clone();
    assert_eq!(content.as_str(), helm.values_yaml());
    // The values read as a block, like the file.
    assert!(
        k3s.to_yaml()
            .contains("  valuesContent: |\n    # Helm values")
    );
}

#[test]
fn https_node_port_31443_sets_node_port_and_external_url() {
    let values = values_for(
        "harbor-config: {service: {harbor: {https: {nodePort: 31443}}}}\n\
         cluster: {uid: edge-01, vip: 10.10.1.5}\n",
    );
    assert_eq!(at(&values, "expose.type"), "nodePort");
    assert_eq!(at(&values, "expose.nodePort.ports.https.nodePort"), 31443);
    assert_eq!(at(&values, "expose.nodePort.ports.https.port"), 443);
    assert_eq!(at(&values, "expose.nodePort.ports.http.nodePort"), 30002);
    assert_eq!(at(&values, "expose.nodePort.ports.http.port"), 80);
    assert_eq!(
        at(&values, "externalURL"),
        "https://spectro.registry.local:31443"
    );
}

#[test]
fn tls_comes_from_the_harbor_tls_secret_and_the_ca_download_from_a_secret_without_keys() {
    let values = values_for("harbor-config: {}\ncluster: {uid: edge-01, vip: 10.10.1.5}\n");
    assert_eq!(at(&values, "expose.tls.enabled").as_bool(), Some(true));
    assert_eq!(at(&values, "expose.tls.certSource"), "secret");
    assert_eq!(at(&values, "expose.tls.secret.secretName"), "harbor-tls");
    // The chart mounts caSecretName whole into core: it holds ca.crt and nothing else.
    assert_eq!(at(&values, "caSecretName"), "harbor-ca-download");
    let bundle = render(
        &common::minimal_config(),
        &common::credentials(),
        Target::K3s,
    );
    let documents = documents(&bundle.to_yaml());
    let download = find(&documents, "Secret", "harbor-ca-download");
    assert_eq!(download["metadata"]["namespace"], "harbor");
    let keys: Vec<&str> = download["data"]
        .as_mapping()
        .expect("data")
        .keys()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(keys, ["ca.crt"]);
    assert_eq!(
        secret_value(&documents, "harbor-ca-download", "ca.crt"),
        common::seeded().tls.ca_certificate()
    );
}

#[test]
fn load_balancer_sets_expose_type_and_service_ports() {
    let values = values_for(
        "harbor-config: {service: {serviceType: LoadBalancer}}\n\
         cluster: {uid: edge-01, vip: 10.10.1.5}\n",
    );
    assert_eq!(at(&values, "expose.type"), "loadBalancer");
    assert_eq!(at(&values, "expose.loadBalancer.ports.httpsPort"), 443);
    assert_eq!(at(&values, "expose.loadBalancer.ports.httpPort"), 80);
    assert!(values["expose"].get("nodePort").is_none());
    assert_eq!(at(&values, "externalURL"), "https://spectro.registry.local");
}

#[test]
fn cluster_ip_names_a_non_default_https_port_in_the_external_url() {
    let values = values_for(
        "harbor-config: {service: {serviceType: ClusterIP, harbor: {https: {port: 8443}}}}\n\
         cluster: {uid: edge-01, vip: 10.10.1.5}\n",
    );
    assert_eq!(at(&values, "expose.type"), "clusterIP");
    assert_eq!(at(&values, "expose.clusterIP.ports.httpsPort"), 8443);
    assert_eq!(
        at(&values, "externalURL"),
        "https://spectro.registry.local:8443"
    );
}

#[test]
fn metrics_on_sets_metrics_enabled() {
    let values = values_for(
        "harbor-config: {service: {metrics: {enabled: true}}}\n\
         cluster: {uid: edge-01, vip: 10.10.1.5}\n",
    );
    assert_eq!(at(&values, "metrics.enabled").as_bool(), Some(true));
    assert_eq!(
        at(&values, "metrics.serviceMonitor.enabled").as_bool(),
        Some(false)
    );
}

#[test]
fn service_monitor_on_sets_service_monitor_enabled() {
    let values = values_for(
        "harbor-config: {service: {metrics: {enabled: true, serviceMonitor: true}}}\n\
         cluster: {uid: edge-01, vip: 10.10.1.5}\n",
    );
    assert_eq!(at(&values, "metrics.enabled").as_bool(), Some(true));
    assert_eq!(
        at(&values, "metrics.serviceMonitor.enabled").as_bool(),
        Some(true)
    );
}

#[test]
fn volumes_get_sizes_in_gi_and_the_storage_class() {
    let values = values_for(
        "harbor-config:\n  storage: {registry: 200, jobService: 6, database: 11, redis: 7, trivy: 21, storageClass: local-path}\n\
         cluster: {uid: edge-01, vip: 10.10.1.5}\n",
    );
    let claims = [
        ("registry", "200Gi"),
        ("jobservice.jobLog", "6Gi"),
        ("database", "11Gi"),
        ("redis", "7Gi"),
        ("trivy", "21Gi"),
    ];
    for (claim, size) in claims {
        let claim = at(
            &values,
            &format!("persistence.persistentVolumeClaim.{claim}"),
        );
        assert_eq!(claim["size"], size);
        assert_eq!(claim["storageClass"], "local-path");
    }
}

#[test]
fn no_storage_class_leaves_the_cluster_default() {
    let values = values_for("harbor-config: {}\ncluster: {uid: edge-01, vip: 10.10.1.5}\n");
    let registry = at(&values, "persistence.persistentVolumeClaim.registry");
    assert_eq!(registry["size"], "120Gi");
    assert!(registry.get("storageClass").is_none());
}

#[test]
fn secrets_hold_the_credentials_under_the_documented_keys() {
    let bundle = render(
        &common::minimal_config(),
        &common::credentials(),
        Target::K3s,
    );
    let documents = documents(&bundle.to_yaml());
    let tls = find(&documents, "Secret", "harbor-tls");
    assert_eq!(tls["type"], "kubernetes.io/tls");
    assert_eq!(tls["metadata"]["namespace"], "harbor");
    assert_eq!(
        secret_value(&documents, "harbor-tls", "tls.crt"),
        common::seeded().tls.certificate_chain()
    );
    assert_eq!(
        secret_value(&documents, "harbor-tls", "tls.key"),
        common::seeded().tls.private_key().expose()
    );
    assert_eq!(
        secret_value(&documents, "harbor-tls", "ca.crt"),
        common::seeded().tls.ca_certificate()
    );
    // The CA key lives apart, in the cluster's namespace (SPEC 4.2).
    let ca = find(&documents, "Secret", "harbor-ca");
    assert_eq!(ca["metadata"]["namespace"], "cluster-edge-01");
    assert_eq!(
        secret_value(&documents, "harbor-ca", "ca.crt"),
        common::seeded().tls.ca_certificate()
    );
    assert_eq!(
        secret_value(&documents, "harbor-ca", "ca.key"),
        common::seeded().tls.ca_private_key().unwrap().expose()
    );

    let admin = find(&documents, "Secret", "harbor-admin-password");
    assert_eq!(admin["metadata"]["namespace"], "harbor");
    assert_eq!(
        secret_value(&documents, "harbor-admin-password", "HARBOR_ADMIN_PASSWORD"),
        common::PASSWORD
    );

    let info = find(&documents, "Secret", "registry-info");
    assert_eq!(info["metadata"]["namespace"], "cluster-edge-01");
    let info_value = |key| secret_value(&documents, "registry-info", key);
    assert_eq!(info_value("SPECTRO_USER_PASSWORD"), common::PASSWORD);
    assert_eq!(info_value("SPECTRO_USER_NAME"), "admin");
    assert_eq!(
        info_value("SPECTRO_REGISTRY_ENDPOINT"),
        "spectro.registry.local:30003"
    );
}

#[test]
fn tls_secret_never_holds_the_ca_key_and_harbor_ca_only_when_it_is_known() {
    for keep_ca_key in [true, false] {
        let mut credentials = common::credentials();
        if !keep_ca_key {
            credentials.tls = credentials.tls.clone().without_ca_private_key();
        }
        let ca_key = credentials
            .tls
            .ca_private_key()
            .map(|key| key.expose().to_owned());
        let bundle = render(&common::minimal_config(), &credentials, Target::K3s);
        let documents = documents(&bundle.to_yaml());
        let data = find(&documents, "Secret", "harbor-tls")["data"]
            .as_mapping()
            .expect("data");
        let keys: Vec<&str> = data.keys().filter_map(Value::as_str).collect();
        assert_eq!(keys, ["tls.crt", "tls.key", "ca.crt"]);
        let has_ca_secret = documents
            .iter()
            .any(|document| document["metadata"]["name"] == "harbor-ca");
        assert_eq!(has_ca_secret, ca_key.is_some());
    }
}

fn hostile_strings() -> Vec<String> {
    let mut strings: Vec<String> = [
        "quote\"d 'single' \\back\\slash",
        "a\"\n---\nkind: ClusterRoleBinding\nmetadata: {name: pwned}",
        "\n---\nkind: ClusterRoleBinding",
        "{{ config }} {% if true %}x{% endif %} {# c #}",
        "key: value",
        "# not a comment",
        "*alias",
        "&anchor x",
        "!!binary AAAA",
        "%YAML 1.1",
        "@at `tick` | pipe > fold - dash ? q , comma [ ] { }",
        "null",
        "true",
        "0x1F",
        "~",
        "  leading and trailing spaces  ",
        "tab\there\r\ncrlf\u{0}nul\u{7}bell\u{1b}[31mescape",
        "Ünïcødé ✓ 🦀 \u{85}next-line\u{2028}line\u{2029}para\u{FEFF}bom\u{9f}c1",
    ]
    .map(str::to_owned)
    .to_vec();
    // 10 KB, with everything above repeated inside.
    let mut long = String::new();
    while long.len() < 10 * 1024 {
        long.push_str(&strings.join("\n"));
    }
    strings.push(long);
    strings
}

#[test]
fn hostile_strings_round_trip_exactly_without_adding_documents() {
    for hostile in hostile_strings() {
        let mut macros = Macros::new();
        macros.insert(MacroScope::Project, "storageClass", hostile.as_str());
        let config = common::config_with(
            "harbor-config:\n  storage:\n    storageClass: \"{{ .spectro.macro.storageClass }}\"\n\
             cluster: {uid: edge-01, vip: 10.10.1.5}\n",
            &macros,
        );
        assert_eq!(config.storage().storage_class(), Some(hostile.as_str()));
        let credentials = common::credentials_with_password(&hostile);
        // The TLS material is checked PEM (TlsMaterial::new): no hostile text reaches it.
        let tls = credentials.tls.clone();

        for target in Target::CLUSTER {
            let bundle = render(&config, &credentials, target);
            let documents = documents(&common::every_yaml_document(&bundle));
            assert_eq!(
                documents.len(),
                common::DOCUMENTS,
                "{target}: document count"
            );
            let secret = |name, key| secret_value(&documents, name, key);
            assert_eq!(
                secret("harbor-admin-password", "HARBOR_ADMIN_PASSWORD"),
                hostile
            );
            assert_eq!(secret("registry-info", "SPECTRO_USER_PASSWORD"), hostile);
            assert_eq!(secret("harbor-tls", "tls.crt"), tls.certificate_chain());
            assert_eq!(secret("harbor-tls", "tls.key"), tls.private_key().expose());
            assert_eq!(secret("harbor-tls", "ca.crt"), tls.ca_certificate());
            assert_eq!(
                secret("harbor-ca", "ca.key"),
                tls.ca_private_key().unwrap().expose()
            );
            assert_eq!(secret("harbor-ca-download", "ca.crt"), tls.ca_certificate());
            let values = values_of(&bundle);
            for claim in [
                "registry",
                "jobservice.jobLog",
                "database",
                "redis",
                "trivy",
            ] {
                let path = format!("persistence.persistentVolumeClaim.{claim}.storageClass");
                assert_eq!(at(&values, &path).as_str(), Some(hostile.as_str()));
            }
            // The JSON form carries the same.
            let json: serde_json::Value = serde_json::from_str(&bundle.to_json()).unwrap();
            let objects = if target == Target::Helm {
                common::DOCUMENTS - 2
            } else {
                common::DOCUMENTS
            };
            assert_eq!(json.as_array().map(Vec::len), Some(objects), "{target}");
            // No document of another kind crept in.
            assert!(!documents.iter().any(|d| d["kind"] == "ClusterRoleBinding"));
        }
    }
}

#[test]
fn numeric_looking_cluster_uid_stays_a_string() {
    let config = common::config("harbor-config: {}\ncluster: {uid: \"1e3\", vip: \"::1\"}\n");
    let bundle = render(&config, &common::credentials(), Target::K3s);
    let documents = documents(&bundle.to_yaml());
    find(&documents, "Namespace", "cluster-1e3");
    assert_eq!(
        find(&documents, "Secret", "registry-info")["metadata"]["namespace"],
        "cluster-1e3"
    );
}

#[test]
fn rendering_is_deterministic() {
    let config = common::minimal_config();
    for target in Target::CLUSTER {
        let first = render(&config, &common::credentials(), target);
        let second = render(&config, &common::credentials(), target);
        assert_eq!(first.to_yaml(), second.to_yaml());
        assert_eq!(first.to_json(), second.to_json());
    }
}

/// Reads the chart's values reference: dotted path -> type.
fn reference() -> HashMap<String, String> {
    REFERENCE
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(path, kind)| (path.to_owned(), kind.to_owned()))
        .collect()
}

/// The key paths of a values document: leaves, with maps the reference types as `map` and
/// anything under `annotations`/`labels` counted as leaves.
fn key_paths(
    value: &Value,
    prefix: &str,
    reference: &HashMap<String, String>,
    out: &mut Vec<String>,
) {
    let last = prefix.rsplit('.').next().unwrap_or_default();
    let leaf_map = reference.get(prefix).is_some_and(|kind| kind == "map")
        || last == "annotations"
        || last == "labels";
    match value.as_mapping() {
        Some(mapping) if !mapping.is_empty() && !leaf_map => {
            for (key, child) in mapping {
                let key = key.as_str().expect("string keys");
                let path = if prefix.is_empty() {
                    key.to_owned()
                } else {
                    format!("{prefix}.{key}")
                };
                key_paths(child, &path, reference, out);
            }
        }
        _ => out.push(prefix.to_owned()),
    }
}

#[test]
fn every_emitted_values_key_exists_in_the_chart() {
    let reference = reference();
    let mut configs: Vec<harbor_edge::Config> = [
        "harbor-config: {}",
        "harbor-config: {service: {serviceType: LoadBalancer, metrics: {enabled: true, serviceMonitor: true}}, storage: {storageClass: fast}}",
        "harbor-config: {service: {serviceType: ClusterIP, harbor: {https: {port: 8443}}}, storage: {storageClass: local-path}}",
        "harbor-config: {service: {serviceType: NodePort, harbor: {https: {nodePort: 31443}}, metrics: {enabled: true}}}",
    ]
    .iter()
    .map(|input| common::config(&format!("{input}\ncluster: {{uid: edge-01, vip: 10.10.1.5}}\n")))
    .collect();
    configs.extend(common::examples().into_iter().map(|(_, config)| config));
    for config in configs {
        for target in Target::CLUSTER {
            let bundle = render(&config, &common::credentials(), target);
            let mut paths = Vec::new();
            key_paths(&values_of(&bundle), "", &reference, &mut paths);
            assert!(paths.len() > 10);
            let unknown: Vec<&String> = paths
                .iter()
                .filter(|path| !reference.contains_key(path.as_str()))
                .collect();
            assert!(
                unknown.is_empty(),
                "{target}: not in the chart: {unknown:?}"
            );
        }
    }
}

#[test]
fn target_names_parse_and_print() {
    for target in Target::ALL {
        assert_eq!(target.as_str().parse::<Target>(), Ok(target));
        assert_eq!(target.to_string(), target.as_str());
    }
    assert!("nomad".parse::<Target>().is_err());
}
