//! Credentials (issue 4): generated passwords (AC1), generated TLS checked by openssl (AC2),
//! reproducible mode (AC5, library side) and secrets kept out of every text (AC6). Provided
//! certificates and reuse have their own files.

mod support;

use std::collections::HashSet;
use std::net::IpAddr;

use time::{Duration, OffsetDateTime};

use harbor_edge::{Credentials, Error, ExistingSecrets, Generator, Origin};
use support::{Fixture, config, openssl, secrets_yaml, shared_internal, with_certs, with_password};

/// Generates (or checks) the password and TLS; Harbor's internal credentials come from the
/// shared set, so no test pays for an RSA key of its own.
fn resolve(config: &harbor_edge::Config) -> Result<Credentials, Error> {
    Credentials::resolve(config, Some(shared_internal()), &mut Generator::system())
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
    std::fs::write(dir.path().join("ca.crt"), tls.ca_certificate()).unwrap();
    std::fs::write(dir.path().join("tls.crt"), tls.certificate_chain()).unwrap();
    std::fs::write(dir.path().join("tls.key"), tls.private_key().expose()).unwrap();
    std::fs::write(
        dir.path().join("ca.key"),
        tls.ca_private_key().as_ref().unwrap().expose(),
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

// --- AC5 (library side): reproducible mode ---------------------------------------------------

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_others() {
    let config = config("10.10.1.5", &["10.10.1.6"]);
    let run = |seed| {
        Credentials::resolve(
            &config,
            Some(shared_internal()),
            &mut Generator::reproducible(seed, None),
        )
    };
    let (a, b, c) = (run(7).unwrap(), run(7).unwrap(), run(8).unwrap());
    assert_eq!(a, b);
    assert_ne!(a.admin_password, c.admin_password);
    assert_ne!(a.tls.ca_certificate(), c.tls.ca_certificate());
    assert_ne!(a.tls.private_key(), c.tls.private_key());

    // The validity start defaults to 2025-01-01 and can be set.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tls.crt"), a.tls.certificate_chain()).unwrap();
    let start = openssl(
        dir.path(),
        &["x509", "-in", "tls.crt", "-noout", "-startdate"],
    );
    assert_eq!(start.trim(), "notBefore=Jan  1 00:00:00 2025 GMT");
}

#[test]
fn a_reproducible_reissue_gets_a_new_serial_number() {
    let old = config("10.10.1.5", &[]);
    let first = Credentials::resolve(
        &old,
        Some(shared_internal()),
        &mut Generator::reproducible(3, None),
    )
    .unwrap();
    let existing = ExistingSecrets::from_yaml_str(&secrets_yaml(&old, &first)).unwrap();
    let new = config("10.10.2.9", &[]);
    let second =
        Credentials::resolve(&new, Some(&existing), &mut Generator::reproducible(3, None)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.crt"), first.tls.certificate_chain()).unwrap();
    std::fs::write(dir.path().join("b.crt"), second.tls.certificate_chain()).unwrap();
    let serial = |file: &str| openssl(dir.path(), &["x509", "-in", file, "-noout", "-serial"]);
    assert_ne!(serial("a.crt"), serial("b.crt"));
}

#[test]
fn a_reproducible_rotated_ca_differs_from_the_original_and_from_the_last_rotation() {
    let config = config("10.10.1.5", &[]);
    let first = Credentials::resolve(
        &config,
        Some(shared_internal()),
        &mut Generator::reproducible(3, None),
    )
    .unwrap();
    let rotate = |earlier: &Credentials| {
        let existing = ExistingSecrets::from_yaml_str(&secrets_yaml(&config, earlier)).unwrap();
        Credentials::resolve_with(
            &config,
            Some(&existing),
            &mut Generator::reproducible(3, None),
            &"ca".parse().unwrap(),
        )
        .unwrap()
    };
    let second = rotate(&first);
    assert_eq!(second.provenance.ca, Origin::Rotated);
    assert_ne!(second.tls.ca_certificate(), first.tls.ca_certificate());
    assert_ne!(second.tls.private_key(), first.tls.private_key());
    // Under the same seed, each rotation derives from what it replaces: never a repeat.
    let third = rotate(&second);
    assert_ne!(third.tls.ca_certificate(), second.tls.ca_certificate());
    assert_ne!(third.tls.ca_certificate(), first.tls.ca_certificate());
    // Nothing else changed.
    assert_eq!(third.admin_password, first.admin_password);
    assert_eq!(third.internal, first.internal);
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
    let mut secrets = key_body_lines(credentials.tls.private_key().expose());
    secrets.extend(key_body_lines(
        credentials.tls.ca_private_key().as_ref().unwrap().expose(),
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
    let key = credentials.tls.private_key().expose();
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

/// Parts given by hand are checked: they must fit together as `resolve` makes them.
#[test]
fn tls_material_by_hand_takes_only_parts_that_fit_together() {
    use harbor_edge::{CredentialErrorKind, TlsMaterial};
    let config = config("10.10.1.5", &[]);
    let one = Credentials::resolve(&config, None, &mut Generator::reproducible(1, None)).unwrap();
    let two = Credentials::resolve(&config, None, &mut Generator::reproducible(2, None)).unwrap();
    let (a, b) = (&one.tls, &two.tls);
    let build = |chain: &str, key: &harbor_edge::SecretString, ca: &str, ca_key| {
        TlsMaterial::new(chain, key.clone(), ca, ca_key)
    };

    let same = build(
        a.certificate_chain(),
        a.private_key(),
        a.ca_certificate(),
        a.ca_private_key().cloned(),
    )
    .expect("the parts resolve made");
    assert_eq!(&same, a);
    assert!(
        same.clone()
            .without_ca_private_key()
            .ca_private_key()
            .is_none()
    );

    let kind = |result: Result<TlsMaterial, Error>| result.unwrap_err().credential_kind();
    // Another certificate's key.
    assert_eq!(
        kind(build(
            a.certificate_chain(),
            b.private_key(),
            a.ca_certificate(),
            None
        )),
        Some(CredentialErrorKind::KeyMismatch)
    );
    // A CA that did not sign the certificate.
    assert!(
        build(
            a.certificate_chain(),
            a.private_key(),
            b.ca_certificate(),
            None
        )
        .is_err()
    );
    // Another CA's key.
    assert_eq!(
        kind(build(
            a.certificate_chain(),
            a.private_key(),
            a.ca_certificate(),
            b.ca_private_key().cloned()
        )),
        Some(CredentialErrorKind::KeyMismatch)
    );
    // Text that is no PEM.
    assert!(
        build(
            "not a certificate",
            a.private_key(),
            a.ca_certificate(),
            None
        )
        .is_err()
    );
}
