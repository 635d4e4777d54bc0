//! Credentials (issue 4): password, generated TLS checked by openssl, provided-certificate
//! checks, reuse and reissue, reproducible mode, and secrets kept out of every text.

mod support;

use std::collections::HashSet;
use std::net::IpAddr;

use time::{Duration, OffsetDateTime};

use harbor_edge::{
    CredentialErrorKind, Credentials, Error, ExistingSecrets, Generator, Macros, Origin, PackInput,
    ProblemKind, ReissueReason, WarningKind,
};
use support::{Fixture, config, openssl, secrets_yaml, with_certs, with_password};

const CERT: &str = "harbor-config.auth.certs.cert";
const KEY: &str = "harbor-config.auth.certs.key";

fn resolve(config: &harbor_edge::Config) -> Result<Credentials, Error> {
    Credentials::resolve(config, None, &mut Generator::system())
}

fn credential_error(result: Result<Credentials, Error>) -> (CredentialErrorKind, String) {
    match result {
        Err(Error::Credentials { kind, path, .. }) => (kind, path),
        other => panic!("expected a credentials error, got {other:?}"),
    }
}

// --- AC1: passwords -------------------------------------------------------------------------

#[test]
fn thousand_generated_passwords_meet_the_policy_and_differ() {
    let mut generator = Generator::system();
    let mut seen = HashSet::new();
    for _ in 0..1000 {
        let password = generator.admin_password().unwrap();
        let text = password.expose();
        assert_eq!(text.len(), 24);
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(text.bytes().any(|b| b.is_ascii_uppercase()));
        assert!(text.bytes().any(|b| b.is_ascii_lowercase()));
        assert!(text.bytes().any(|b| b.is_ascii_digit()));
        assert!(seen.insert(text.to_owned()), "password repeated");
    }
}

#[test]
fn resolve_generates_a_password_when_none_is_given() {
    let credentials = resolve(&config("10.10.1.5", &[])).unwrap();
    assert_eq!(credentials.provenance.password, Origin::Generated);
    assert_eq!(credentials.admin_password.char_count(), 24);
}

// --- AC2: generated TLS checked with openssl -------------------------------------------------

fn check_generated_with_openssl(vip: &str, node_ips: &[&str]) {
    let credentials = resolve(&config(vip, node_ips)).unwrap();
    let tls = &credentials.tls;
    assert_eq!(credentials.provenance.ca, Origin::Generated);
    assert_eq!(credentials.provenance.server_certificate, Origin::Generated);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.crt"), &tls.ca_certificate).unwrap();
    std::fs::write(dir.path().join("tls.crt"), &tls.certificate_chain).unwrap();
    std::fs::write(dir.path().join("tls.key"), tls.private_key.expose()).unwrap();
    std::fs::write(
        dir.path().join("ca.key"),
        tls.ca_private_key.as_ref().unwrap().expose(),
    )
    .unwrap();

    let verified = openssl(dir.path(), &["verify", "-CAfile", "ca.crt", "tls.crt"]);
    assert_eq!(verified.trim(), "tls.crt: OK");

    let sans = openssl(
        dir.path(),
        &["x509", "-in", "tls.crt", "-noout", "-ext", "subjectAltName"],
    );
    for dns in [
        "spectro.registry.local",
        "harbor",
        "harbor.harbor",
        "harbor.harbor.svc",
        "harbor.harbor.svc.cluster.local",
    ] {
        assert!(sans.contains(&format!("DNS:{dns},")) || sans.contains(&format!("DNS:{dns}\n")));
    }
    // openssl writes IPv6 addresses its own way (FD00:0:0:...); compare parsed addresses.
    let listed: Vec<IpAddr> = sans
        .split([',', '\n'])
        .filter_map(|entry| entry.trim().strip_prefix("IP Address:"))
        .map(|ip| ip.parse().unwrap())
        .collect();
    for ip in std::iter::once(&vip).chain(node_ips) {
        let ip: IpAddr = ip.parse().unwrap();
        assert!(listed.contains(&ip), "IP Address:{ip} missing in {sans}");
    }

    let subject = openssl(
        dir.path(),
        &["x509", "-in", "tls.crt", "-noout", "-subject"],
    );
    assert!(subject.contains("spectro.registry.local"), "{subject}");
    let text = openssl(dir.path(), &["x509", "-in", "tls.crt", "-noout", "-text"]);
    assert!(text.contains("TLS Web Server Authentication"), "{text}");
    assert!(text.contains("ASN1 OID: prime256v1"), "{text}");
    let ca_text = openssl(dir.path(), &["x509", "-in", "ca.crt", "-noout", "-text"]);
    assert!(ca_text.contains("CA:TRUE"), "{ca_text}");
    assert!(ca_text.contains("Certificate Sign"), "{ca_text}");

    // The server certificate ends no later than the CA; both last ten years.
    let end = |file: &str| openssl(dir.path(), &["x509", "-in", file, "-noout", "-enddate"]);
    assert_eq!(end("tls.crt"), end("ca.crt"));
    let ten_years = (OffsetDateTime::now_utc() + Duration::days(3650)).year();
    assert!(end("tls.crt").contains(&ten_years.to_string()));

    for (key, cert) in [("tls.key", "tls.crt"), ("ca.key", "ca.crt")] {
        let from_key = openssl(dir.path(), &["pkey", "-in", key, "-pubout"]);
        let from_cert = openssl(dir.path(), &["x509", "-in", cert, "-noout", "-pubkey"]);
        assert_eq!(from_key, from_cert, "{key} does not belong to {cert}");
    }
}

#[test]
fn generated_tls_passes_openssl_for_an_ipv4_vip() {
    check_generated_with_openssl("10.10.1.5", &["10.10.1.6", "10.10.1.7"]);
}

#[test]
fn generated_tls_passes_openssl_for_an_ipv6_vip() {
    check_generated_with_openssl("fd00:10::5", &["fd00:10::6"]);
}

// --- AC3: provided certificates --------------------------------------------------------------

#[test]
fn a_fitting_provided_certificate_is_used_unchanged() {
    let (cert, key) = Fixture::fitting().build();
    let credentials = resolve(&with_certs(config("10.10.1.5", &[]), &cert, &key, None)).unwrap();
    assert_eq!(credentials.provenance.server_certificate, Origin::Provided);
    assert_eq!(credentials.tls.certificate_chain, cert);
    assert_eq!(credentials.tls.private_key.expose(), key);
    // Without `ca` and without a chain, the leaf is published as ca.crt.
    assert_eq!(credentials.tls.ca_certificate, cert);
    assert_eq!(credentials.tls.ca_private_key, None);
    assert!(credentials.warnings.is_empty());
}

#[test]
fn a_provided_sec1_key_and_a_given_ca_are_accepted() {
    let (cert, _) = Fixture::fitting().build();
    let key = support::TestKey::new("fixture").sec1_pem();
    let config = with_certs(config("10.10.1.5", &[]), &cert, &key, Some(&cert));
    let credentials = resolve(&config).unwrap();
    assert_eq!(credentials.tls.ca_certificate, cert);
}

#[test]
fn provided_rsa_keys_in_pkcs8_and_pkcs1_match_their_certificate() {
    let dir = tempfile::tempdir().unwrap();
    openssl(
        dir.path(),
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "90",
            "-subj",
            "/CN=spectro.registry.local",
            "-addext",
            "subjectAltName=DNS:spectro.registry.local,IP:10.10.1.5",
        ],
    );
    openssl(
        dir.path(),
        &["rsa", "-in", "key.pem", "-traditional", "-out", "pkcs1.pem"],
    );
    let read = |file: &str| std::fs::read_to_string(dir.path().join(file)).unwrap();
    let cert = read("cert.pem");
    for key_file in ["key.pem", "pkcs1.pem"] {
        let key = read(key_file);
        let config = with_certs(config("10.10.1.5", &[]), &cert, &key, None);
        let credentials = resolve(&config).unwrap_or_else(|e| panic!("{key_file}: {e}"));
        assert_eq!(credentials.provenance.server_certificate, Origin::Provided);
    }
    assert!(read("pkcs1.pem").contains("BEGIN RSA PRIVATE KEY"));
}

#[test]
fn provided_certificate_without_the_host_name_is_rejected() {
    let (cert, key) = Fixture {
        common_name: "registry.example.com",
        dns: &["registry.example.com"],
        ..Fixture::fitting()
    }
    .build();
    let result = resolve(&with_certs(config("10.10.1.5", &[]), &cert, &key, None));
    assert_eq!(
        credential_error(result),
        (CredentialErrorKind::MissingHostName, CERT.to_owned())
    );
}

#[test]
fn provided_certificate_without_the_vip_is_rejected() {
    let (cert, key) = Fixture::fitting().build();
    let result = resolve(&with_certs(config("10.10.9.9", &[]), &cert, &key, None));
    assert_eq!(
        credential_error(result),
        (CredentialErrorKind::MissingVip, CERT.to_owned())
    );
}

#[test]
fn provided_key_of_another_certificate_is_rejected() {
    let (cert, _) = Fixture::fitting().build();
    let (_, other_key) = Fixture {
        key_label: "another",
        ..Fixture::fitting()
    }
    .build();
    let result = resolve(&with_certs(
        config("10.10.1.5", &[]),
        &cert,
        &other_key,
        None,
    ));
    assert_eq!(
        credential_error(result),
        (CredentialErrorKind::KeyMismatch, KEY.to_owned())
    );
}

#[test]
fn expired_provided_certificate_is_rejected() {
    let now = OffsetDateTime::now_utc();
    let (cert, key) = Fixture {
        not_before: now - Duration::days(400),
        not_after: now - Duration::days(1),
        ..Fixture::fitting()
    }
    .build();
    let result = resolve(&with_certs(config("10.10.1.5", &[]), &cert, &key, None));
    assert_eq!(
        credential_error(result),
        (CredentialErrorKind::Expired, CERT.to_owned())
    );
}

#[test]
fn not_yet_valid_provided_certificate_is_rejected() {
    let now = OffsetDateTime::now_utc();
    let (cert, key) = Fixture {
        not_before: now + Duration::days(2),
        not_after: now + Duration::days(400),
        ..Fixture::fitting()
    }
    .build();
    let result = resolve(&with_certs(config("10.10.1.5", &[]), &cert, &key, None));
    assert_eq!(
        credential_error(result),
        (CredentialErrorKind::NotYetValid, CERT.to_owned())
    );
}

#[test]
fn garbage_pem_is_rejected_for_certificate_and_key() {
    let (cert, key) = Fixture::fitting().build();
    let garbage = "this is not PEM at all";
    let result = resolve(&with_certs(config("10.10.1.5", &[]), garbage, &key, None));
    assert_eq!(
        credential_error(result),
        (CredentialErrorKind::InvalidPem, CERT.to_owned())
    );
    let result = resolve(&with_certs(config("10.10.1.5", &[]), &cert, garbage, None));
    assert_eq!(
        credential_error(result),
        (CredentialErrorKind::InvalidPem, KEY.to_owned())
    );
    let not_der = "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n";
    let result = resolve(&with_certs(config("10.10.1.5", &[]), not_der, &key, None));
    assert_eq!(
        credential_error(result),
        (CredentialErrorKind::InvalidCertificate, CERT.to_owned())
    );
}

#[test]
fn certificate_without_key_is_a_validation_problem() {
    let (cert, _) = Fixture::fitting().build();
    // A Rust debug string is a valid YAML double-quoted scalar for PEM text.
    let text = format!(
        "harbor-config:\n  auth:\n    certs:\n      cert: {cert:?}\ncluster: {{uid: edge-01, vip: 10.10.1.5}}\n"
    );
    let error = PackInput::from_yaml_str(&text)
        .and_then(|input| input.resolve(&Macros::new()))
        .unwrap_err();
    let problems = error.problems().expect("a validation error");
    let problem = problems
        .iter()
        .find(|p| p.kind == ProblemKind::IncompleteCertificate)
        .expect("an incomplete-certificate problem");
    assert_eq!(problem.path, KEY);
}

#[test]
fn provided_certificate_expiring_within_30_days_warns() {
    let now = OffsetDateTime::now_utc();
    let (cert, key) = Fixture {
        not_after: now + Duration::days(10),
        ..Fixture::fitting()
    }
    .build();
    let credentials = resolve(&with_certs(config("10.10.1.5", &[]), &cert, &key, None)).unwrap();
    let kinds: Vec<_> = credentials.warnings.iter().map(|w| w.kind).collect();
    assert_eq!(kinds, [WarningKind::CertificateExpiresSoon]);
    assert_eq!(credentials.warnings[0].path, CERT);
}

#[test]
fn a_ca_that_did_not_issue_the_certificate_is_rejected() {
    let (cert, key) = Fixture::fitting().build();
    let other = resolve(&config("10.10.1.5", &[])).unwrap();
    let config = with_certs(
        config("10.10.1.5", &[]),
        &cert,
        &key,
        Some(&other.tls.ca_certificate),
    );
    assert_eq!(
        credential_error(resolve(&config)),
        (
            CredentialErrorKind::CaMismatch,
            "harbor-config.auth.certs.ca".to_owned()
        )
    );
}

// --- AC4: reuse ------------------------------------------------------------------------------

#[test]
fn fed_back_credentials_are_reused_unchanged() {
    let config = config("10.10.1.5", &["10.10.1.6"]);
    let first = resolve(&config).unwrap();
    let existing = ExistingSecrets::from_yaml_str(&secrets_yaml(&config, &first)).unwrap();
    assert_eq!(existing.len(), 3);
    let second = Credentials::resolve(&config, Some(&existing), &mut Generator::system()).unwrap();
    assert_eq!(second.admin_password, first.admin_password);
    assert_eq!(second.tls, first.tls);
    assert_eq!(second.provenance.password, Origin::Reused);
    assert_eq!(second.provenance.ca, Origin::Reused);
    assert_eq!(second.provenance.server_certificate, Origin::Reused);
    assert!(second.warnings.is_empty(), "{:?}", second.warnings);
}

#[test]
fn a_changed_vip_reissues_the_server_certificate_from_the_same_ca() {
    let old = config("10.10.1.5", &[]);
    let first = resolve(&old).unwrap();
    let existing = ExistingSecrets::from_yaml_str(&secrets_yaml(&old, &first)).unwrap();

    let new = config("10.10.2.9", &[]);
    let second = Credentials::resolve(&new, Some(&existing), &mut Generator::system()).unwrap();
    assert_eq!(second.admin_password, first.admin_password);
    assert_eq!(second.tls.ca_certificate, first.tls.ca_certificate);
    assert_eq!(second.tls.ca_private_key, first.tls.ca_private_key);
    assert_ne!(second.tls.certificate_chain, first.tls.certificate_chain);
    assert_eq!(second.provenance.ca, Origin::Reused);
    assert_eq!(second.provenance.server_certificate, Origin::Reissued);
    assert_eq!(
        second.provenance.reissue_reasons,
        [ReissueReason::MissingVip("10.10.2.9".parse().unwrap())]
    );
    assert!(
        second
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::CertificateReissued)
    );

    // The reissued certificate carries the new VIP and chains to the old CA.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.crt"), &first.tls.ca_certificate).unwrap();
    std::fs::write(dir.path().join("tls.crt"), &second.tls.certificate_chain).unwrap();
    std::fs::write(dir.path().join("tls.key"), second.tls.private_key.expose()).unwrap();
    openssl(dir.path(), &["verify", "-CAfile", "ca.crt", "tls.crt"]);
    let sans = openssl(
        dir.path(),
        &["x509", "-in", "tls.crt", "-noout", "-ext", "subjectAltName"],
    );
    assert!(sans.contains("IP Address:10.10.2.9"), "{sans}");
    assert!(!sans.contains("IP Address:10.10.1.5"), "{sans}");
    let from_key = openssl(dir.path(), &["pkey", "-in", "tls.key", "-pubout"]);
    let from_cert = openssl(dir.path(), &["x509", "-in", "tls.crt", "-noout", "-pubkey"]);
    assert_eq!(from_key, from_cert);

    // Fed back once more, the reissued certificate now fits and is reused.
    let again = ExistingSecrets::from_yaml_str(&secrets_yaml(&new, &second)).unwrap();
    let third = Credentials::resolve(&new, Some(&again), &mut Generator::system()).unwrap();
    assert_eq!(third.tls, second.tls);
    assert_eq!(third.provenance.server_certificate, Origin::Reused);
}

#[test]
fn an_expiring_existing_certificate_is_reissued() {
    let config = config("10.10.1.5", &[]);
    let first = resolve(&config).unwrap();
    let existing = ExistingSecrets::from_yaml_str(&secrets_yaml(&config, &first)).unwrap();
    // Nine years and eleven months on, the server certificate ends within 30 days; so does
    // the CA, so a new CA is made and the change is reported.
    let later = OffsetDateTime::now_utc() + Duration::days(3650 - 20);
    let mut generator = Generator::system().with_check_time(later);
    let second = Credentials::resolve(&config, Some(&existing), &mut generator).unwrap();
    assert!(
        second
            .provenance
            .reissue_reasons
            .contains(&ReissueReason::ExpiresSoon)
    );
    assert_eq!(second.provenance.ca, Origin::Generated);
    assert!(
        second
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::CertificateAuthorityChanged)
    );
}

#[test]
fn without_the_ca_key_a_misfit_certificate_gets_a_new_ca_and_a_warning() {
    let old = config("10.10.1.5", &[]);
    let mut first = resolve(&old).unwrap();
    first.tls.ca_private_key = None;
    let existing = ExistingSecrets::from_yaml_str(&secrets_yaml(&old, &first)).unwrap();
    let new = config("10.10.2.9", &[]);
    let second = Credentials::resolve(&new, Some(&existing), &mut Generator::system()).unwrap();
    assert_ne!(second.tls.ca_certificate, first.tls.ca_certificate);
    assert_eq!(second.provenance.ca, Origin::Generated);
    let kinds: Vec<_> = second.warnings.iter().map(|w| w.kind).collect();
    assert_eq!(kinds, [WarningKind::CertificateAuthorityChanged]);
}

#[test]
fn existing_secrets_read_lists_and_string_data() {
    let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: harbor-admin-password, namespace: harbor}
  stringData: {HARBOR_ADMIN_PASSWORD: Existing0Password}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: other, namespace: harbor}
---
apiVersion: v1
kind: Namespace
metadata: {name: harbor}
";
    let existing = ExistingSecrets::from_yaml_str(text).unwrap();
    assert_eq!(existing.len(), 1);
    let credentials = Credentials::resolve(
        &config("10.10.1.5", &[]),
        Some(&existing),
        &mut Generator::system(),
    )
    .unwrap();
    assert_eq!(credentials.admin_password.expose(), "Existing0Password");
    assert_eq!(credentials.provenance.password, Origin::Reused);
    // No harbor-tls: generated.
    assert_eq!(credentials.provenance.ca, Origin::Generated);
}

#[test]
fn registry_info_is_the_password_fallback() {
    let text = "\
apiVersion: v1
kind: Secret
metadata: {name: registry-info, namespace: cluster-edge-01}
data: {SPECTRO_USER_PASSWORD: RmFsbGJhY2sxUGFzc3dvcmQ=}
";
    let existing = ExistingSecrets::from_yaml_str(text).unwrap();
    let credentials = Credentials::resolve(
        &config("10.10.1.5", &[]),
        Some(&existing),
        &mut Generator::system(),
    )
    .unwrap();
    assert_eq!(credentials.admin_password.expose(), "Fallback1Password");
}

#[test]
fn a_password_parameter_wins_over_existing_and_warns_when_they_differ() {
    let config = with_password(config("10.10.1.5", &[]), "Parameter1Password");
    let text = "\
apiVersion: v1
kind: Secret
metadata: {name: harbor-admin-password, namespace: harbor}
stringData: {HARBOR_ADMIN_PASSWORD: Existing0Password}
";
    let existing = ExistingSecrets::from_yaml_str(text).unwrap();
    let credentials =
        Credentials::resolve(&config, Some(&existing), &mut Generator::system()).unwrap();
    assert_eq!(credentials.admin_password.expose(), "Parameter1Password");
    assert_eq!(credentials.provenance.password, Origin::Provided);
    let kinds: Vec<_> = credentials.warnings.iter().map(|w| w.kind).collect();
    assert_eq!(kinds, [WarningKind::PasswordDiffers]);
}

#[test]
fn unreadable_existing_secrets_name_the_secret_and_key() {
    let text =
        "kind: Secret\nmetadata: {name: harbor-tls, namespace: harbor}\ndata: {tls.key: '%%%'}\n";
    match ExistingSecrets::from_yaml_str(text) {
        Err(Error::Credentials { kind, path, .. }) => {
            assert_eq!(kind, CredentialErrorKind::InvalidExistingSecret);
            assert_eq!(path, "secret harbor/harbor-tls, key tls.key");
        }
        other => panic!("expected an error, got {other:?}"),
    }
    let error = ExistingSecrets::from_yaml_str("kind: [unclosed").unwrap_err();
    assert_eq!(
        error.credential_kind(),
        Some(CredentialErrorKind::InvalidExistingSecret)
    );
}

// --- AC5 (library side): reproducible mode ---------------------------------------------------

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_others() {
    let config = config("10.10.1.5", &["10.10.1.6"]);
    let run = |seed| Credentials::resolve(&config, None, &mut Generator::reproducible(seed, None));
    let (a, b, c) = (run(7).unwrap(), run(7).unwrap(), run(8).unwrap());
    assert_eq!(a, b);
    assert_ne!(a.admin_password, c.admin_password);
    assert_ne!(a.tls.ca_certificate, c.tls.ca_certificate);
    assert_ne!(a.tls.private_key, c.tls.private_key);

    // The validity start defaults to 2025-01-01 and can be set.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tls.crt"), &a.tls.certificate_chain).unwrap();
    let start = openssl(
        dir.path(),
        &["x509", "-in", "tls.crt", "-noout", "-startdate"],
    );
    assert_eq!(start.trim(), "notBefore=Jan  1 00:00:00 2025 GMT");
}

#[test]
fn a_reproducible_reissue_gets_a_new_serial_number() {
    let old = config("10.10.1.5", &[]);
    let first = Credentials::resolve(&old, None, &mut Generator::reproducible(3, None)).unwrap();
    let existing = ExistingSecrets::from_yaml_str(&secrets_yaml(&old, &first)).unwrap();
    let new = config("10.10.2.9", &[]);
    let second =
        Credentials::resolve(&new, Some(&existing), &mut Generator::reproducible(3, None)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.crt"), &first.tls.certificate_chain).unwrap();
    std::fs::write(dir.path().join("b.crt"), &second.tls.certificate_chain).unwrap();
    let serial = |file: &str| openssl(dir.path(), &["x509", "-in", file, "-noout", "-serial"]);
    assert_ne!(serial("a.crt"), serial("b.crt"));
}

#[test]
fn a_reproducible_replacement_ca_differs_from_the_original() {
    let old = config("10.10.1.5", &[]);
    let mut first =
        Credentials::resolve(&old, None, &mut Generator::reproducible(3, None)).unwrap();
    first.tls.ca_private_key = None;
    let existing = ExistingSecrets::from_yaml_str(&secrets_yaml(&old, &first)).unwrap();
    let new = config("10.10.2.9", &[]);
    let second =
        Credentials::resolve(&new, Some(&existing), &mut Generator::reproducible(3, None)).unwrap();
    assert_eq!(second.provenance.ca, Origin::Generated);
    assert_ne!(second.tls.ca_certificate, first.tls.ca_certificate);
    assert_ne!(second.tls.private_key, first.tls.private_key);
}

// --- AC6: sentinels --------------------------------------------------------------------------

const PASSWORD_SENTINEL: &str = "Sentinel0PasswordXyz";

/// The base64 body lines of a PEM key: none of them may appear in any text.
fn key_body_lines(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|line| !line.starts_with("-----") && line.len() > 8)
        .map(str::to_owned)
        .collect()
}

fn assert_clean(text: &str, secrets: &[String]) {
    assert!(!text.contains(PASSWORD_SENTINEL), "password leaked: {text}");
    assert!(!text.contains("BEGIN PRIVATE KEY"), "key leaked: {text}");
    for secret in secrets {
        assert!(!text.contains(secret.as_str()), "secret leaked: {text}");
    }
}

#[test]
fn no_password_or_key_in_debug_display_or_errors() {
    let config = with_password(config("10.10.1.5", &[]), PASSWORD_SENTINEL);
    let credentials = resolve(&config).unwrap();
    let mut secrets = key_body_lines(credentials.tls.private_key.expose());
    secrets.extend(key_body_lines(
        credentials.tls.ca_private_key.as_ref().unwrap().expose(),
    ));
    assert_clean(&format!("{credentials:?} {config:?}"), &secrets);
    assert_clean(&format!("{:#?}", credentials.tls), &secrets);
    for warning in &credentials.warnings {
        assert_clean(&format!("{warning} {warning:?}"), &secrets);
    }

    // Existing secrets: Debug and every warning.
    let yaml = secrets_yaml(&config, &credentials);
    let existing = ExistingSecrets::from_yaml_str(&yaml).unwrap();
    assert_clean(&format!("{existing:?}"), &secrets);
    let other = with_password(config.clone(), "Another0Password");
    let reused = Credentials::resolve(&other, Some(&existing), &mut Generator::system()).unwrap();
    for warning in &reused.warnings {
        assert_clean(&format!("{warning} {warning:?}"), &secrets);
    }

    // Errors about a key never quote it: a wrong key, a broken key, a key as certificate.
    let (cert, _) = Fixture::fitting().build();
    let key = credentials.tls.private_key.expose();
    let broken = key.replacen("MI", "XX", 1);
    let errors = [
        resolve(&with_certs(config.clone(), &cert, key, None)).unwrap_err(),
        resolve(&with_certs(config.clone(), &cert, &broken, None)).unwrap_err(),
        resolve(&with_certs(config.clone(), key, key, None)).unwrap_err(),
        resolve(&with_certs(config.clone(), &cert, &cert, None)).unwrap_err(),
    ];
    let mut broken_secrets = secrets.clone();
    broken_secrets.extend(key_body_lines(&broken));
    for error in &errors {
        assert_clean(&format!("{error} {error:?} {error:#}"), &broken_secrets);
    }

    // Broken existing secrets: bad YAML after a password, bad base64 of a key.
    let bad_yaml = format!("stringData: {{p: {PASSWORD_SENTINEL}}}\n  : - ]\n");
    let error = ExistingSecrets::from_yaml_str(&bad_yaml).unwrap_err();
    assert_clean(&format!("{error} {error:?}"), &secrets);
    let bad_base64 = format!(
        "kind: Secret\nmetadata: {{name: harbor-tls}}\ndata: {{tls.key: \"{}!\"}}\n",
        secrets[0]
    );
    let error = ExistingSecrets::from_yaml_str(&bad_base64).unwrap_err();
    assert_clean(&format!("{error} {error:?}"), &secrets);

    // The reproducible generator does not show its seed.
    let generator = Generator::reproducible(987_654_321, None);
    assert!(!format!("{generator:?}").contains("987654321"));
}
