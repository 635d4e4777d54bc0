//! Reuse of existing secrets (issue 4, AC4): unchanged when they fit, the server certificate
//! reissued from the same CA when not, and the password precedence.

mod support;

use harbor_edge::{
    CredentialErrorKind, Credentials, DiagnosticKind, Error, ExistingSecrets, Generator, Origin,
    ReissueReason, Timestamp,
};
use support::{config, openssl, secrets_yaml, shared_internal, with_password};

/// Generates the password and TLS; Harbor's internal credentials come from the shared set.
fn resolve(config: &harbor_edge::Config) -> Result<Credentials, Error> {
    Credentials::resolve(config, Some(shared_internal()), &mut Generator::system())
}

// --- AC4: reuse ------------------------------------------------------------------------------

#[test]
fn fed_back_credentials_are_reused_unchanged() {
    let config = config("10.10.1.5", &["10.10.1.6"]);
    let first = resolve(&config).unwrap();
    let existing = ExistingSecrets::from_yaml_str(&secrets_yaml(&config, &first)).unwrap();
    assert_eq!(existing.len(), 11);
    let second = Credentials::resolve(&config, Some(&existing), &mut Generator::system()).unwrap();
    assert_eq!(second.admin_password, first.admin_password);
    assert_eq!(second.tls, first.tls);
    assert_eq!(second.internal, first.internal);
    assert!(
        second
            .provenance
            .internal
            .iter()
            .all(|(_, origin)| origin == Origin::Reused)
    );
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
    assert_eq!(second.tls.ca_certificate(), first.tls.ca_certificate());
    assert_eq!(second.tls.ca_private_key(), first.tls.ca_private_key());
    assert_ne!(
        second.tls.certificate_chain(),
        first.tls.certificate_chain()
    );
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
            .any(|w| w.kind() == DiagnosticKind::CertificateReissued)
    );

    // The reissued certificate carries the new VIP and chains to the old CA.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.crt"), first.tls.ca_certificate()).unwrap();
    std::fs::write(dir.path().join("tls.crt"), second.tls.certificate_chain()).unwrap();
    std::fs::write(
        dir.path().join("tls.key"),
        second.tls.private_key().expose(),
    )
    .unwrap();
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
fn an_expiring_certificate_of_an_expiring_ca_needs_a_rotation() {
    let config = config("10.10.1.5", &[]);
    let first = resolve(&config).unwrap();
    let existing = ExistingSecrets::from_yaml_str(&secrets_yaml(&config, &first)).unwrap();
    // Nine years and eleven months on, the server certificate ends within 30 days; so does
    // the CA, which cannot issue a replacement: only --rotate ca replaces it.
    let later = Timestamp::now().plus_days(3650 - 20).expect("in range");
    let mut generator = Generator::system().with_check_time(later);
    let error = Credentials::resolve(&config, Some(&existing), &mut generator).unwrap_err();
    assert_eq!(
        error.credential_kind(),
        Some(CredentialErrorKind::CannotReissue)
    );
    assert!(error.to_string().contains("--rotate ca"), "{error}");

    let rotated = Credentials::resolve_with(
        &config,
        Some(&existing),
        &mut generator,
        &"ca".parse().unwrap(),
    )
    .unwrap();
    assert_eq!(rotated.provenance.ca, Origin::Rotated);
    assert_eq!(rotated.provenance.reissue_reasons, [ReissueReason::Rotated]);
    assert_ne!(rotated.tls.ca_certificate(), first.tls.ca_certificate());
}

#[test]
fn without_the_ca_key_a_misfit_certificate_needs_a_rotation() {
    let old = config("10.10.1.5", &[]);
    let mut first = resolve(&old).unwrap();
    first.tls = first.tls.without_ca_private_key();
    let existing = ExistingSecrets::from_yaml_str(&secrets_yaml(&old, &first)).unwrap();
    let new = config("10.10.2.9", &[]);
    let error = Credentials::resolve(&new, Some(&existing), &mut Generator::system()).unwrap_err();
    assert_eq!(
        error.credential_kind(),
        Some(CredentialErrorKind::CannotReissue)
    );
    let message = error.to_string();
    assert!(message.contains("10.10.2.9"), "{message}");
    assert!(message.contains("--rotate ca"), "{message}");
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
---
";
    let first = resolve(&config).unwrap();
    let text = format!("{text}{}", support::internal_secrets_yaml(&first));
    let existing = ExistingSecrets::from_yaml_str(&text).unwrap();
    let credentials =
        Credentials::resolve(&config, Some(&existing), &mut Generator::system()).unwrap();
    assert_eq!(credentials.admin_password.expose(), "Parameter1Password");
    assert_eq!(credentials.provenance.password, Origin::Provided);
    let kinds: Vec<_> = credentials.warnings.iter().map(|w| w.kind()).collect();
    assert_eq!(kinds, [DiagnosticKind::PasswordDiffers]);
}

#[test]
fn unreadable_existing_secrets_name_the_secret_and_key() {
    let text =
        "kind: Secret\nmetadata: {name: harbor-tls, namespace: harbor}\ndata: {tls.key: '%%%'}\n";
    match ExistingSecrets::from_yaml_str(text) {
        Err(Error::Credentials { kind, path, .. }) => {
            assert_eq!(kind, CredentialErrorKind::InvalidExistingSecret);
            assert_eq!(path, r#"secrets["harbor/harbor-tls"].data["tls.key"]"#);
        }
        other => panic!("expected an error, got {other:?}"),
    }
    let error = ExistingSecrets::from_yaml_str("kind: [unclosed").unwrap_err();
    assert_eq!(
        error.credential_kind(),
        Some(CredentialErrorKind::InvalidExistingSecret)
    );
    // A key written twice: which value counts is not guessed, and neither value is shown.
    let text = "kind: Secret\nmetadata: {name: a}\nstringData: {k: FirstValue1, k: SecondValue2}\n";
    let error = ExistingSecrets::from_yaml_str(text).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("`stringData.k` twice (at line 3:"),
        "{message}"
    );
    assert!(!message.contains("Value"), "{message}");
    // Positions count from the start of the stream, documents from its first.
    let text = "kind: ConfigMap\nmetadata: {name: c}\n---\nkind: Secret\nmetadata: {name: a}\n\
                data: {k: [\n";
    let message = ExistingSecrets::from_yaml_str(text)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("document 2 is not valid YAML at line 7:1"),
        "{message}"
    );
}

#[test]
fn other_objects_are_read_only_as_far_as_their_kind_and_name() {
    // The ConfigMap's data is never parsed: broken YAML there does not stop the Secrets.
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big, namespace: harbor}\n\
                data: {a: [\n---\nkind: Secret\nmetadata: {name: harbor-admin-password, \
                namespace: harbor}\nstringData: {HARBOR_ADMIN_PASSWORD: Harbor12345}\n";
    let secrets = ExistingSecrets::from_yaml_str(text).unwrap();
    assert_eq!(secrets.len(), 1);
}
