//! Provided certificates (issue 4, AC3): each fault its own error kind and parameter path;
//! fixtures are made inside the tests, no private key is committed.

mod support;

use time::{Duration, OffsetDateTime};

use harbor_edge::{
    CredentialErrorKind, Credentials, DiagnosticKind, Error, Generator, Macros, Origin, PackInput,
};
use support::{Fixture, config, shared_internal, with_certs};

const CERT: &str = "harbor-config.auth.certs.cert";
const KEY: &str = "harbor-config.auth.certs.key";

/// Generates (or checks) the password and TLS; Harbor's internal credentials come from the
/// shared set, so no test pays for an RSA key of its own.
fn resolve(config: &harbor_edge::Config) -> Result<Credentials, Error> {
    Credentials::resolve(config, Some(shared_internal()), &mut Generator::system())
}

fn credential_error(result: Result<Credentials, Error>) -> (CredentialErrorKind, String) {
    match result {
        Err(Error::Credentials { kind, path, .. }) => (kind, path),
        other => panic!("expected a credentials error, got {other:?}"),
    }
}

// --- AC3: provided certificates --------------------------------------------------------------

#[test]
fn a_fitting_provided_certificate_is_used_unchanged() {
    let (cert, key) = Fixture::fitting().build();
    let credentials = resolve(&with_certs(config("10.10.1.5", &[]), &cert, &key, None)).unwrap();
    assert_eq!(credentials.provenance.server_certificate, Origin::Provided);
    assert_eq!(credentials.tls.certificate_chain(), cert);
    assert_eq!(credentials.tls.private_key().expose(), key);
    // Without `ca`, the root that ends the chain is published as ca.crt.
    assert_eq!(
        credentials.tls.ca_certificate(),
        support::TestCa::shared().cert
    );
    assert_eq!(credentials.tls.ca_private_key(), None);
    assert!(credentials.warnings.is_empty());
}

#[test]
fn the_last_certificate_of_a_provided_chain_becomes_ca_crt() {
    let (leaf, key, ca) = Fixture::fitting().build_with_ca();
    let chain = format!("{leaf}{ca}");
    let credentials = resolve(&with_certs(config("10.10.1.5", &[]), &chain, &key, None)).unwrap();
    assert_eq!(credentials.tls.certificate_chain(), chain);
    assert_eq!(credentials.tls.ca_certificate(), ca);

    // With `ca` given, the leaf alone is accepted and `ca` is published as is.
    let config = with_certs(config("10.10.1.5", &[]), &leaf, &key, Some(&ca));
    assert_eq!(resolve(&config).unwrap().tls.ca_certificate(), ca);
}

#[test]
fn a_provided_sec1_key_and_a_given_ca_are_accepted() {
    let (cert, _, ca) = Fixture::fitting().build_with_ca();
    let key = support::TestKey::new("fixture").sec1_pem();
    let config = with_certs(config("10.10.1.5", &[]), &cert, &key, Some(&ca));
    let credentials = resolve(&config).unwrap();
    assert_eq!(credentials.tls.ca_certificate(), ca);
}

#[test]
fn provided_rsa_keys_in_pkcs8_and_pkcs1_match_their_certificate() {
    let pki = support::pki();
    let ca = &support::TestCa::shared().cert;
    for key in [&pki.rsa_key, &pki.rsa_key_pkcs1] {
        let config = with_certs(config("10.10.1.5", &[]), &pki.rsa_leaf, key, Some(ca));
        let credentials = resolve(&config).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(credentials.provenance.server_certificate, Origin::Provided);
    }
    assert!(pki.rsa_key_pkcs1.contains("BEGIN RSA PRIVATE KEY"));
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
        .find(|p| p.kind() == DiagnosticKind::IncompleteCertificate)
        .expect("an incomplete-certificate problem");
    assert_eq!(problem.path(), KEY);
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
    let kinds: Vec<_> = credentials.warnings.iter().map(|w| w.kind()).collect();
    assert_eq!(kinds, [DiagnosticKind::CertificateExpiresSoon]);
    assert_eq!(credentials.warnings[0].path(), CERT);
}

#[test]
fn a_ca_that_did_not_issue_the_certificate_is_rejected() {
    let (cert, key) = Fixture::fitting().build();
    let other = resolve(&config("10.10.1.5", &[])).unwrap();
    let config = with_certs(
        config("10.10.1.5", &[]),
        &cert,
        &key,
        Some(other.tls.ca_certificate()),
    );
    assert_eq!(
        credential_error(resolve(&config)),
        (
            CredentialErrorKind::CaMismatch,
            "harbor-config.auth.certs.ca".to_owned()
        )
    );
}
