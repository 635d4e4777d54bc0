//! Harbor's internal credentials (SPEC 5.1): generated with the right shape, reproducible,
//! handed to the chart through Secrets only, reused byte for byte, checked when reused, and
//! the token certificate reissued from its key when it is about to end.
//!
//! One seeded set ([`common::seeded`]) serves most tests: an RSA key takes a tenth of a second.

mod common;
mod support;

use std::collections::BTreeSet;

use harbor_edge::credentials::{
    CORE_KEYS_SECRET, CORE_TOKEN_SECRET, Credentials, DATABASE_PASSWORD_SECRET, ExistingSecrets,
    Generator, InternalCredential, REGISTRY_CREDENTIALS_SECRET, REGISTRY_USER, SECRET_VALUES_KEY,
    SECRET_VALUES_SECRET,
};
use harbor_edge::render::Target;
use harbor_edge::{CredentialErrorKind, DiagnosticKind, Error, Origin, Timestamp};

const DAY: i64 = 86_400;

use InternalCredential as C;

/// A second set, from another seed, for what must differ from the shared one.
fn other_set() -> &'static Credentials {
    static OTHER: std::sync::OnceLock<Credentials> = std::sync::OnceLock::new();
    OTHER.get_or_init(|| {
        Credentials::resolve(
            &common::minimal_config(),
            None,
            &mut Generator::reproducible(common::SHARED_SEED + 1, None),
        )
        .expect("credentials")
    })
}

fn value(credentials: &Credentials, which: C) -> &str {
    credentials.internal.get(which).expose()
}

/// A Secret document with `stringData`, values quoted as JSON strings.
fn secret_doc(namespace: &str, name: &str, entries: &[(&str, &str)]) -> String {
    let mut text = format!(
        "---\napiVersion: v1\nkind: Secret\nmetadata: {{name: {name}, namespace: {namespace}}}\n\
         stringData:\n"
    );
    for (key, value) in entries {
        let quoted = serde_json::to_string(value).expect("a string");
        text.push_str(&format!("  {key}: {quoted}\n"));
    }
    text
}

/// The shared internal Secrets, then `extra` documents (later documents win).
fn existing_with(extra: &str) -> ExistingSecrets {
    let text = format!("{}{extra}", common::internal_secrets_yaml());
    ExistingSecrets::from_yaml_str(&text).expect("existing secrets parse")
}

fn resolve_with(existing: &ExistingSecrets) -> Result<Credentials, Error> {
    Credentials::resolve(
        &common::minimal_config(),
        Some(existing),
        &mut Generator::reproducible(3, None),
    )
}

/// The error of a credential check: its kind and path, and that it never shows `secret`.
fn expect_error(result: Result<Credentials, Error>, secret: &str) -> (CredentialErrorKind, String) {
    let error = result.expect_err("a tampered Secret is an error");
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains(secret),
        "the error shows the value: {shown}"
    );
    match error {
        Error::Credentials { kind, path, .. } => (kind, path),
        other => panic!("expected a credential error, got {other}"),
    }
}

// --- generation ------------------------------------------------------------------------------

#[test]
fn generated_credentials_have_the_shape_the_chart_requires() {
    let credentials = common::seeded();
    for (which, length) in [
        (C::SecretKey, 16),
        (C::XsrfKey, 32),
        (C::CoreSecret, 16),
        (C::JobserviceSecret, 16),
        (C::RegistryHttpSecret, 16),
        (C::RegistryPassword, 32),
        (C::DatabasePassword, 32),
    ] {
        let text = value(credentials, which);
        assert_eq!(text.len(), length, "{which}");
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric()), "{which}");
        assert_eq!(
            credentials.provenance.internal.get(which),
            Origin::Generated
        );
    }
    let key = value(credentials, C::TokenKey);
    assert!(
        key.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"),
        "PKCS#1"
    );
    let line = value(credentials, C::RegistryHtpasswd);
    let (user, hash) = line.split_once(':').expect("user:hash");
    assert_eq!(user, REGISTRY_USER);
    assert!(hash.starts_with("$2a$04$"), "Go's bcrypt prefix, cost 4");
    assert!(bcrypt::verify(value(credentials, C::RegistryPassword), hash).expect("bcrypt"));
    assert!(!bcrypt::verify("harbor_registry_password", hash).expect("bcrypt"));
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_others() {
    let again = Credentials::resolve(
        &common::config("harbor-config: {}\ncluster: {uid: other, vip: 10.9.9.9}\n"),
        None,
        &mut Generator::reproducible(common::SHARED_SEED, None),
    )
    .expect("credentials");
    // Internal credentials do not depend on the cluster: only on the seed and their purpose.
    assert_eq!(again.internal, common::seeded().internal);

    for which in C::ALL {
        assert_ne!(
            value(other_set(), which),
            value(common::seeded(), which),
            "{which}"
        );
    }
}

#[test]
fn the_token_certificate_passes_openssl() {
    let dir = tempfile::tempdir().expect("tempdir");
    let credentials = common::seeded();
    std::fs::write(dir.path().join("tls.key"), value(credentials, C::TokenKey)).unwrap();
    std::fs::write(
        dir.path().join("tls.crt"),
        value(credentials, C::TokenCertificate),
    )
    .unwrap();
    let check = support::openssl(dir.path(), &["rsa", "-in", "tls.key", "-check", "-noout"]);
    assert!(check.contains("RSA key ok"), "{check}");
    let text = support::openssl(dir.path(), &["x509", "-in", "tls.crt", "-noout", "-text"]);
    assert!(text.contains("Public-Key: (2048 bit)"), "{text}");
    assert!(text.contains("sha256WithRSAEncryption"), "{text}");
    let dates = support::openssl(
        dir.path(),
        &["x509", "-in", "tls.crt", "-noout", "-startdate", "-enddate"],
    );
    assert!(
        dates.contains("notBefore=Jan  1 00:00:00 2025 GMT"),
        "{dates}"
    );
    assert!(
        dates.contains("notAfter=Jan  1 00:00:00 2035 GMT"),
        "{dates}"
    );
    // The certificate is the key's: the same public key, and its signature verifies.
    let from_cert = support::openssl(dir.path(), &["x509", "-in", "tls.crt", "-noout", "-pubkey"]);
    let from_key = support::openssl(dir.path(), &["rsa", "-in", "tls.key", "-pubout"]);
    assert_eq!(from_cert, from_key);
    let verified = support::openssl(dir.path(), &["verify", "-CAfile", "tls.crt", "tls.crt"]);
    assert!(verified.contains("OK"), "{verified}");
}

// --- rendering -------------------------------------------------------------------------------

#[test]
fn no_internal_credential_is_in_the_values_or_the_helmchart() {
    let credentials = common::seeded();
    for (name, config) in common::examples() {
        for target in Target::CLUSTER {
            let bundle = common::render(&config, credentials, target);
            let documents = common::documents(&bundle.to_yaml());
            let values_text = match target {
                Target::Helm => bundle.values_yaml().expect("values").to_owned(),
                _ => serde_yaml::to_string(common::find(&documents, "HelmChart", "harbor"))
                    .expect("serializes"),
            };
            for which in C::ALL {
                // PEM values: any line of them.
                for piece in value(credentials, which).lines().filter(|l| l.len() > 8) {
                    assert!(
                        !values_text.contains(piece),
                        "{name} {target}: {which} in the values"
                    );
                }
            }
            for well_known in ["not-a-secure-key", "changeit", "harbor_registry_password"] {
                assert!(!bundle.to_yaml().contains(well_known), "{name} {target}");
            }
        }
    }
}

#[test]
fn each_secret_holds_exactly_the_keys_the_chart_reads_and_the_values_name_them() {
    let credentials = common::seeded();
    for target in Target::CLUSTER {
        let bundle = common::render(&common::minimal_config(), credentials, target);
        let documents = common::documents(&bundle.to_yaml());
        let names: BTreeSet<&str> = C::ALL.iter().map(|which| which.secret_name()).collect();
        for name in names {
            let secret = common::find(&documents, "Secret", name);
            assert_eq!(secret["metadata"]["namespace"], "harbor");
            let keys: BTreeSet<&str> = secret["data"]
                .as_mapping()
                .expect("data")
                .keys()
                .map(|key| key.as_str().expect("string key"))
                .collect();
            let expected: BTreeSet<&str> = C::ALL
                .iter()
                .filter(|which| which.secret_name() == name)
                .map(|which| which.key())
                .collect();
            assert_eq!(keys, expected, "{target} {name}");
            for which in C::ALL.iter().filter(|which| which.secret_name() == name) {
                assert_eq!(
                    common::secret_value(&documents, name, which.key()),
                    value(credentials, *which)
                );
            }
        }
        assert_eq!(
            common::find(&documents, "Secret", CORE_TOKEN_SECRET)["type"],
            "kubernetes.io/tls"
        );
        let values = common::values_in(&bundle, &documents);
        for (path, expected) in [
            ("existingSecretSecretKey", C::SecretKey.secret_name()),
            ("core.existingSecret", C::CoreSecret.secret_name()),
            ("core.existingXsrfSecret", C::XsrfKey.secret_name()),
            ("core.existingXsrfSecretKey", C::XsrfKey.key()),
            ("core.secretName", C::TokenKey.secret_name()),
            (
                "jobservice.existingSecret",
                C::JobserviceSecret.secret_name(),
            ),
            ("jobservice.existingSecretKey", C::JobserviceSecret.key()),
            (
                "registry.existingSecret",
                C::RegistryHttpSecret.secret_name(),
            ),
            ("registry.existingSecretKey", C::RegistryHttpSecret.key()),
            (
                "registry.credentials.existingSecret",
                C::RegistryPassword.secret_name(),
            ),
            ("registry.credentials.username", REGISTRY_USER),
            ("database.external.existingSecret", DATABASE_PASSWORD_SECRET),
        ] {
            assert_eq!(common::at(&values, path).as_str(), Some(expected), "{path}");
        }
        assert!(common::at(&values, "database.internal.password").is_null());
    }
}

#[test]
fn the_database_password_reaches_the_chart_as_secret_values() {
    let credentials = common::seeded();
    let password = value(credentials, C::DatabasePassword);

    let helm = common::render(&common::minimal_config(), credentials, Target::Helm);
    let secret_values: serde_yaml::Value =
        serde_yaml::from_str(helm.secret_values_yaml().expect("secret values")).unwrap();
    assert_eq!(
        common::at(&secret_values, "database.internal.password").as_str(),
        Some(password)
    );
    assert!(!helm.values_yaml().expect("values").contains(password));

    let k3s = common::render(&common::minimal_config(), credentials, Target::K3s);
    assert!(k3s.secret_values_yaml().is_none());
    let documents = common::documents(&k3s.to_yaml());
    let chart = common::find(&documents, "HelmChart", "harbor");
    let references = chart["spec"]["valuesSecrets"].as_sequence().expect("list");
    assert_eq!(references.len(), 1);
    assert_eq!(references[0]["name"], SECRET_VALUES_SECRET);
    assert_eq!(references[0]["keys"][0], SECRET_VALUES_KEY);
    let secret = common::find(&documents, "Secret", SECRET_VALUES_SECRET);
    assert_eq!(
        secret["metadata"]["namespace"], chart["metadata"]["namespace"],
        "the Helm controller reads values Secrets from the HelmChart's namespace"
    );
    let text = common::secret_value(&documents, SECRET_VALUES_SECRET, SECRET_VALUES_KEY);
    assert_eq!(text, helm.secret_values_yaml().expect("the same file"));
}

// --- reuse -----------------------------------------------------------------------------------

#[test]
fn a_second_render_from_the_first_reuses_every_byte() {
    let config = common::minimal_config();
    for target in Target::CLUSTER {
        let first = common::render(&config, common::seeded(), target).to_yaml();
        let existing = ExistingSecrets::from_yaml_str(&first).expect("reads back");
        // Another seed: anything generated would show.
        let again = Credentials::resolve(
            &config,
            Some(&existing),
            &mut Generator::reproducible(99, None),
        )
        .expect("credentials");
        for (which, origin) in again.provenance.internal.iter() {
            assert_eq!(origin, Origin::Reused, "{target} {which}");
        }
        assert_eq!(again.internal, common::seeded().internal);
        assert_eq!(common::render(&config, &again, target).to_yaml(), first);
    }
}

#[test]
fn a_key_missing_from_an_existing_secret_is_generated_alone() {
    let seeded = common::seeded();
    let existing = existing_with(&secret_doc(
        "harbor",
        CORE_KEYS_SECRET,
        &[("secretKey", value(seeded, C::SecretKey))],
    ));
    let credentials = resolve_with(&existing).expect("credentials");
    let origins = &credentials.provenance.internal;
    assert_eq!(origins.get(C::SecretKey), Origin::Reused);
    assert_eq!(origins.get(C::XsrfKey), Origin::Generated);
    assert_eq!(value(&credentials, C::XsrfKey).len(), 32);
    assert_eq!(origins.get(C::TokenKey), Origin::Reused);

    // A password without its htpasswd line gets a new line for the same password.
    let existing = existing_with(&secret_doc(
        "harbor",
        REGISTRY_CREDENTIALS_SECRET,
        &[("REGISTRY_PASSWD", value(seeded, C::RegistryPassword))],
    ));
    let credentials = resolve_with(&existing).expect("credentials");
    assert_eq!(
        credentials.provenance.internal.get(C::RegistryPassword),
        Origin::Reused
    );
    assert_eq!(
        credentials.provenance.internal.get(C::RegistryHtpasswd),
        Origin::Generated
    );
    let (_, hash) = value(&credentials, C::RegistryHtpasswd)
        .split_once(':')
        .unwrap();
    assert!(bcrypt::verify(value(seeded, C::RegistryPassword), hash).unwrap());
}

#[test]
fn the_database_password_is_read_from_either_secret() {
    let password = "Existing-Database-Passw0rd";
    let values = format!("database:\n  internal:\n    password: {password}\n");
    for extra in [
        secret_doc(
            "harbor",
            DATABASE_PASSWORD_SECRET,
            &[("password", password)],
        ),
        secret_doc(
            "kube-system",
            SECRET_VALUES_SECRET,
            &[(SECRET_VALUES_KEY, &values)],
        ),
    ] {
        // Without the shared database password (in both its Secrets): only `extra` holds one.
        let text: String = common::internal_secrets_yaml()
            .split("---\n")
            .filter(|doc| {
                !doc.is_empty()
                    && !doc.contains(DATABASE_PASSWORD_SECRET)
                    && !doc.contains(SECRET_VALUES_SECRET)
            })
            .map(|doc| format!("---\n{doc}"))
            .collect();
        let existing = ExistingSecrets::from_yaml_str(&format!("{text}{extra}")).unwrap();
        let credentials = resolve_with(&existing).expect("credentials");
        assert_eq!(value(&credentials, C::DatabasePassword), password);
        assert_eq!(
            credentials.provenance.internal.get(C::DatabasePassword),
            Origin::Reused
        );
    }
}

#[test]
fn an_expiring_token_certificate_is_reissued_from_the_same_key() {
    let seeded = common::seeded();
    // The shared certificate ends 2035-01-01; twenty days before, it must be reissued.
    let now = Timestamp::from_unix_seconds(2_051_222_400 - 20 * DAY).unwrap();
    let mut generator =
        Generator::reproducible(5, Timestamp::from_unix_seconds(now.unix_seconds() - 60))
            .with_check_time(now);
    let credentials = Credentials::resolve(
        &common::minimal_config(),
        Some(common::internal_existing()),
        &mut generator,
    )
    .expect("credentials");
    let origins = &credentials.provenance.internal;
    assert_eq!(origins.get(C::TokenKey), Origin::Reused);
    assert_eq!(origins.get(C::TokenCertificate), Origin::Reissued);
    assert_eq!(value(&credentials, C::TokenKey), value(seeded, C::TokenKey));
    assert_ne!(
        value(&credentials, C::TokenCertificate),
        value(seeded, C::TokenCertificate)
    );
    let warning = credentials
        .warnings
        .iter()
        .find(|warning| warning.kind() == DiagnosticKind::TokenCertificateReissued)
        .expect("a warning says so");
    assert!(
        warning.path().to_string().contains("harbor-core-token"),
        "{}",
        warning.path()
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tls.key"), value(&credentials, C::TokenKey)).unwrap();
    std::fs::write(
        dir.path().join("tls.crt"),
        value(&credentials, C::TokenCertificate),
    )
    .unwrap();
    let from_cert = support::openssl(dir.path(), &["x509", "-in", "tls.crt", "-noout", "-pubkey"]);
    let from_key = support::openssl(dir.path(), &["rsa", "-in", "tls.key", "-pubout"]);
    assert_eq!(from_cert, from_key, "the same key");
    let end = support::openssl(
        dir.path(),
        &["x509", "-in", "tls.crt", "-noout", "-enddate"],
    );
    assert!(end.contains("2044"), "ten years from the reissue: {end}");

    // A month and more before the end, the certificate is kept as it is. (The password and
    // TLS are generated: the validity start must give certificates good for a year then.)
    let earlier = now.plus_days(-40).unwrap();
    let credentials = Credentials::resolve(
        &common::minimal_config(),
        Some(common::internal_existing()),
        &mut Generator::reproducible(5, Timestamp::from_unix_seconds(earlier.unix_seconds() - 60))
            .with_check_time(earlier),
    )
    .expect("credentials");
    assert_eq!(
        credentials.provenance.internal.get(C::TokenCertificate),
        Origin::Reused
    );
}

#[test]
fn existing_secrets_without_internal_credentials_earn_a_warning() {
    let seeded = common::seeded();
    let config = common::minimal_config();
    let tls_only: String = common::render(&config, seeded, Target::K3s)
        .objects()
        .iter()
        .filter(|object| object.name() == "harbor-tls")
        .map(|object| format!("---\n{}", object.text()))
        .collect();
    let existing = ExistingSecrets::from_yaml_str(&tls_only).unwrap();
    let credentials = Credentials::resolve(
        &config,
        Some(&existing),
        &mut Generator::reproducible(common::SHARED_SEED, None),
    )
    .expect("credentials");
    let kinds: Vec<_> = credentials.warnings.iter().map(|w| w.kind()).collect();
    assert_eq!(kinds, [DiagnosticKind::InternalCredentialsGenerated]);

    let existing = existing_with(&tls_only);
    let credentials = resolve_with(&existing).expect("credentials");
    assert!(
        credentials.warnings.is_empty(),
        "{:?}",
        credentials.warnings
    );
}

// --- tampering -------------------------------------------------------------------------------

#[test]
fn a_secret_key_of_the_wrong_length_is_an_error_naming_the_secret_and_key() {
    let seeded = common::seeded();
    let tampered = "Tampered-Key-17c";
    for (which, wrong) in [
        (C::SecretKey, format!("{tampered}x")),
        (C::XsrfKey, tampered.to_owned()),
        (C::CoreSecret, format!("{tampered}{tampered}")),
        (C::JobserviceSecret, String::new()),
    ] {
        let name = which.secret_name();
        let mut entries: Vec<(&str, &str)> = C::ALL
            .iter()
            .filter(|other| other.secret_name() == name && **other != which)
            .map(|other| (other.key(), value(seeded, *other)))
            .collect();
        entries.push((which.key(), &wrong));
        let existing = existing_with(&secret_doc("harbor", name, &entries));
        let (kind, path) = expect_error(resolve_with(&existing), tampered);
        assert_eq!(kind, CredentialErrorKind::InvalidExistingSecret, "{which}");
        assert_eq!(
            path,
            format!(
                r#"secrets["harbor/{name}"].data{}"#,
                key_segment(which.key())
            )
        );
    }
}

#[test]
fn an_htpasswd_line_that_does_not_match_the_password_is_an_error() {
    let seeded = common::seeded();
    let other_password = "Another-Registry-Passw0rd-32char";
    for (password, line) in [
        // The line of the shared password, with another password beside it.
        (
            other_password,
            value(seeded, C::RegistryHtpasswd).to_owned(),
        ),
        // Another user.
        (
            value(seeded, C::RegistryPassword),
            value(seeded, C::RegistryHtpasswd).replace(REGISTRY_USER, "someone"),
        ),
        // Not bcrypt.
        (
            value(seeded, C::RegistryPassword),
            format!("{REGISTRY_USER}:{other_password}"),
        ),
    ] {
        let existing = existing_with(&secret_doc(
            "harbor",
            REGISTRY_CREDENTIALS_SECRET,
            &[("REGISTRY_PASSWD", password), ("REGISTRY_HTPASSWD", &line)],
        ));
        let (_, path) = expect_error(resolve_with(&existing), other_password);
        assert_eq!(
            path,
            format!(r#"secrets["harbor/{REGISTRY_CREDENTIALS_SECRET}"].data.REGISTRY_HTPASSWD"#)
        );
    }
    // A line without its password cannot be checked.
    let existing = existing_with(&secret_doc(
        "harbor",
        REGISTRY_CREDENTIALS_SECRET,
        &[("REGISTRY_HTPASSWD", value(seeded, C::RegistryHtpasswd))],
    ));
    let (_, path) = expect_error(resolve_with(&existing), value(seeded, C::RegistryPassword));
    assert!(path.ends_with(".data.REGISTRY_PASSWD"), "{path}");
}

#[test]
fn a_recorded_digest_does_not_cover_a_changed_pair() {
    // The rendered Secret carries the digest of the pair it holds; a changed password beside
    // the same line and annotation must still fail the bcrypt check.
    let seeded = common::seeded();
    let rendered = common::internal_secrets_yaml();
    let password_b64 = base64_of(value(seeded, C::RegistryPassword));
    let other = "Changed-Registry-Passw0rd-32char";
    let tampered = rendered.replace(&password_b64, &base64_of(other));
    assert_ne!(tampered, rendered);
    let existing = ExistingSecrets::from_yaml_str(&tampered).unwrap();
    let (kind, path) = expect_error(resolve_with(&existing), other);
    assert_eq!(kind, CredentialErrorKind::KeyMismatch);
    assert!(path.ends_with(".data.REGISTRY_HTPASSWD"), "{path}");
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[test]
fn a_token_certificate_of_another_key_or_a_pkcs8_key_is_an_error() {
    let seeded = common::seeded();
    let certificate = value(seeded, C::TokenCertificate);
    let key = value(seeded, C::TokenKey);
    // The certificate of another key.
    let existing = existing_with(&secret_doc(
        "harbor",
        CORE_TOKEN_SECRET,
        &[
            ("tls.crt", value(other_set(), C::TokenCertificate)),
            ("tls.key", key),
        ],
    ));
    let (kind, path) = expect_error(resolve_with(&existing), &key[40..80]);
    assert_eq!(kind, CredentialErrorKind::KeyMismatch);
    assert_eq!(
        path,
        format!(r#"secrets["harbor/{CORE_TOKEN_SECRET}"].data["tls.key"]"#)
    );

    // The right key as PKCS#8: Harbor core cannot load it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tls.key"), key).unwrap();
    let pkcs8 = support::openssl(
        dir.path(),
        &["pkcs8", "-topk8", "-nocrypt", "-in", "tls.key"],
    );
    let existing = existing_with(&secret_doc(
        "harbor",
        CORE_TOKEN_SECRET,
        &[("tls.crt", certificate), ("tls.key", &pkcs8)],
    ));
    let (kind, path) = expect_error(resolve_with(&existing), &pkcs8[40..80]);
    assert_eq!(kind, CredentialErrorKind::UnsupportedKey);
    assert!(path.ends_with(r#".data["tls.key"]"#), "{path}");

    // Half a pair.
    let existing = existing_with(&secret_doc(
        "harbor",
        CORE_TOKEN_SECRET,
        &[("tls.crt", certificate)],
    ));
    let (kind, path) = expect_error(resolve_with(&existing), &key[40..80]);
    assert_eq!(kind, CredentialErrorKind::InvalidExistingSecret);
    assert!(path.ends_with(r#".data["tls.key"]"#), "{path}");
}

#[test]
fn two_disagreeing_database_passwords_are_an_error() {
    let values = "database:\n  internal:\n    password: Disagreeing-Passw0rd\n";
    let existing = existing_with(&secret_doc(
        "kube-system",
        SECRET_VALUES_SECRET,
        &[(SECRET_VALUES_KEY, values)],
    ));
    let (kind, path) = expect_error(resolve_with(&existing), "Disagreeing-Passw0rd");
    assert_eq!(kind, CredentialErrorKind::KeyMismatch);
    assert_eq!(
        path,
        format!(r#"secrets["kube-system/{SECRET_VALUES_SECRET}"].data["{SECRET_VALUES_KEY}"]"#)
    );
    let broken = existing_with(&secret_doc(
        "kube-system",
        SECRET_VALUES_SECRET,
        &[(SECRET_VALUES_KEY, "database: [Broken-Passw0rd")],
    ));
    let (kind, _) = expect_error(resolve_with(&broken), "Broken-Passw0rd");
    assert_eq!(kind, CredentialErrorKind::InvalidExistingSecret);
}

/// How a path names the Secret key `key`: `.name`, or `["name.ext"]` for a key that is not a
/// plain word.
fn key_segment(key: &str) -> String {
    if key
        .chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        format!(".{key}")
    } else {
        format!("[\"{key}\"]")
    }
}
