//! Trust checks as a Go client judges (SPEC 4.3), on hostile certificate material: provided in
//! the parameters and reused from existing Secrets alike. Every case asserts its error or
//! warning; every pair harbor-edge accepts is put through `openssl verify` (chain, host name,
//! VIP, server purpose); and `validate` and `render` agree on every case (exit code, error,
//! warnings).

mod support;

use std::path::Path;
use std::process::Command;

use harbor_edge::{
    CredentialErrorKind, Credentials, DiagnosticKind, Error, ExistingSecrets, Generator, Origin,
    Timestamp,
};
use support::{Fixture, TestCa, TestKey, config, openssl, pki, shared_internal, with_certs};
use time::{Duration, OffsetDateTime};

const VIP: &str = "10.10.1.5";

/// What a case must give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Accepted as it is.
    Accepted,
    /// Accepted, the server certificate reissued from the same CA, with a warning.
    Reissued,
    /// This error.
    Error(CredentialErrorKind),
}

/// One hostile (or fitting) input.
struct Case {
    name: &'static str,
    cert: String,
    key: String,
    ca: Option<String>,
    /// For reuse: the CA key kept in `harbor-ca`.
    ca_key: Option<String>,
    provided: Expect,
    reused: Expect,
    /// A word the error message must hold, for the cases where the kind alone is not enough.
    says: &'static str,
}

fn fitting() -> Fixture<'static> {
    Fixture::fitting()
}

/// The CA key of [`TestCa::shared`], as harbor-ca would keep it.
fn shared_ca_key() -> String {
    TestCa::shared().key.pkcs8_pem()
}

fn cases() -> Vec<Case> {
    let shared = TestCa::shared();
    let other = TestCa::new("another CA", "another CA");
    let impostor = TestCa::new("test CA", "impostor");
    let now = OffsetDateTime::now_utc();
    let pki = pki();
    let (leaf, key) = shared.issue(&fitting());
    let (self_signed, self_key) = fitting().build_self_signed();
    let issue = |fixture: Fixture<'_>| shared.issue(&fixture);
    let (cn_only, cn_only_key) = issue(Fixture {
        dns: &[],
        ..fitting()
    });
    let (other_host, other_host_key) = issue(Fixture {
        common_name: "registry.example.com",
        dns: &["registry.example.com"],
        ..fitting()
    });
    let (vip_only, vip_only_key) = issue(Fixture {
        common_name: "harbor",
        dns: &[],
        ..fitting()
    });
    let (expired, expired_key) = issue(Fixture {
        not_before: now - Duration::days(400),
        not_after: now - Duration::days(1),
        ..fitting()
    });
    let (future, future_key) = issue(Fixture {
        not_before: now + Duration::days(2),
        not_after: now + Duration::days(400),
        ..fitting()
    });
    let ca = Some(shared.cert.clone());
    let ca_key = Some(shared_ca_key());
    let case = |name, (cert, key): (String, String), ca: &Option<String>, provided, reused| Case {
        name,
        cert,
        key,
        ca: ca.clone(),
        ca_key: ca_key.clone(),
        provided,
        reused,
        says: "",
    };
    use CredentialErrorKind as K;
    use Expect::{Accepted, Error as E, Reissued};
    vec![
        case(
            "fitting",
            (leaf.clone(), key.clone()),
            &ca,
            Accepted,
            Accepted,
        ),
        Case {
            ca_key: None,
            ..case(
                "wrong CA without its key",
                (leaf.clone(), key.clone()),
                &Some(other.cert.clone()),
                E(K::CaMismatch),
                E(K::CaMismatch),
            )
        },
        Case {
            ca_key: Some(other.key.pkcs8_pem()),
            ..case(
                "wrong CA with its key",
                (leaf.clone(), key.clone()),
                &Some(other.cert.clone()),
                E(K::CaMismatch),
                E(K::CaMismatch),
            )
        },
        case(
            "leaf as CA",
            (self_signed.clone(), self_key.clone()),
            &Some(self_signed.clone()),
            E(K::MissingCa),
            E(K::MissingCa),
        ),
        Case {
            ca_key: None,
            ..case(
                "no CA (kubectl create secret tls)",
                (leaf.clone(), key.clone()),
                &None,
                E(K::MissingCa),
                E(K::MissingCa),
            )
        },
        Case {
            says: "same name",
            ..case(
                "foreign CA with the same name",
                (leaf.clone(), key.clone()),
                &Some(impostor.cert.clone()),
                E(K::CaMismatch),
                E(K::CaMismatch),
            )
        },
        Case {
            says: "common name",
            ..case(
                "host name in the common name only",
                (cn_only.clone(), cn_only_key.clone()),
                &ca,
                E(K::MissingHostName),
                Reissued,
            )
        },
        Case {
            ca_key: None,
            ..case(
                "host name in the common name only, no CA key",
                (cn_only, cn_only_key),
                &ca,
                E(K::MissingHostName),
                E(K::CannotReissue),
            )
        },
        case(
            "SANs of another host",
            (other_host, other_host_key),
            &ca,
            E(K::MissingHostName),
            Reissued,
        ),
        case(
            "only the VIP in the SANs",
            (vip_only, vip_only_key),
            &ca,
            E(K::MissingHostName),
            Reissued,
        ),
        case(
            "RSA-1024 key",
            (pki.rsa1024_leaf.clone(), pki.rsa1024_key.clone()),
            &ca,
            E(K::WeakKey),
            E(K::WeakKey),
        ),
        Case {
            says: "SHA-1",
            ..case(
                "SHA-1 signature",
                (pki.sha1_leaf.clone(), pki.sha1_key.clone()),
                &ca,
                E(K::WeakSignature),
                E(K::WeakSignature),
            )
        },
        Case {
            ca_key: Some("not a key at all".to_owned()),
            ..case(
                "garbage ca.key",
                (leaf.clone(), key.clone()),
                &ca,
                Accepted,
                E(K::InvalidPem),
            )
        },
        Case {
            ca_key: Some(TestKey::new("a stranger").pkcs8_pem()),
            ..case(
                "foreign ca.key",
                (leaf.clone(), key.clone()),
                &ca,
                Accepted,
                E(K::KeyMismatch),
            )
        },
        case(
            "expired",
            (expired, expired_key),
            &ca,
            E(K::Expired),
            Reissued,
        ),
        case(
            "not yet valid",
            (future, future_key),
            &ca,
            E(K::NotYetValid),
            Reissued,
        ),
        Case {
            ca_key: None,
            ..case(
                "P-384 chain",
                (pki.p384_leaf.clone(), pki.p384_key.clone()),
                &Some(pki.p384_ca.clone()),
                Accepted,
                Accepted,
            )
        },
        Case {
            ca_key: None,
            ..case(
                "RSA-PSS chain",
                (pki.pss_leaf.clone(), pki.pss_key.clone()),
                &Some(pki.pss_ca.clone()),
                Accepted,
                Accepted,
            )
        },
        case(
            "RSA-2048 leaf, PKCS#1 key",
            (pki.rsa_leaf.clone(), pki.rsa_key_pkcs1.clone()),
            &ca,
            Accepted,
            Accepted,
        ),
        case(
            "intermediate CA in the chain",
            (
                format!("{}{}", pki.intermediate_leaf, pki.intermediate),
                pki.intermediate_leaf_key.clone(),
            ),
            &ca,
            Accepted,
            Accepted,
        ),
        Case {
            ca_key: None,
            ..case(
                "intermediate CA missing from the chain",
                (
                    pki.intermediate_leaf.clone(),
                    pki.intermediate_leaf_key.clone(),
                ),
                &ca,
                E(K::CaMismatch),
                E(K::CaMismatch),
            )
        },
        Case {
            ca_key: None,
            ..case(
                "root at the end of the chain, no ca",
                (format!("{leaf}{}", shared.cert), key.clone()),
                &None,
                Accepted,
                Accepted,
            )
        },
    ]
}

/// `harbor-tls` (and `harbor-ca` when there is a CA key) as `kubectl get secret -o yaml` would
/// give them, with Harbor's internal credentials so no RSA key is generated.
fn existing_yaml(case: &Case) -> String {
    let json = |text: &str| serde_json::to_string(text).unwrap();
    let mut text = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: harbor-tls, namespace: harbor}}\n\
         type: kubernetes.io/tls\nstringData:\n  tls.crt: {}\n  tls.key: {}\n",
        json(&case.cert),
        json(&case.key)
    );
    if let Some(ca) = &case.ca {
        text.push_str(&format!("  ca.crt: {}\n", json(ca)));
    }
    if let Some(ca_key) = &case.ca_key {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: Secret\nmetadata: {{name: harbor-ca, namespace: \
             cluster-edge-01}}\nstringData:\n  ca.crt: {}\n  ca.key: {}\n",
            json(case.ca.as_deref().unwrap_or("")),
            json(ca_key)
        ));
    }
    text.push_str("---\n");
    text.push_str(support::internal_secrets_yaml_shared());
    text
}

fn kind_of(result: &Result<Credentials, Error>) -> Option<CredentialErrorKind> {
    result.as_ref().err().and_then(Error::credential_kind)
}

/// Checks `result` against `expect`; on success, `openssl verify` must accept the pair too.
fn judge(case: &Case, mode: &str, result: Result<Credentials, Error>, expect: Expect) {
    let label = format!("{} ({mode})", case.name);
    match expect {
        Expect::Error(kind) => {
            assert_eq!(kind_of(&result), Some(kind), "{label}: {result:?}");
            let message = result.unwrap_err().to_string();
            assert!(message.contains(case.says), "{label}: {message}");
            for secret in [&case.key, case.ca_key.as_ref().unwrap_or(&case.key)] {
                let body = secret.lines().filter(|line| !line.starts_with("-----"));
                for line in body.filter(|line| line.len() > 20) {
                    assert!(!message.contains(line), "{label}: key text in the message");
                }
            }
        }
        Expect::Accepted | Expect::Reissued => {
            let credentials = result.unwrap_or_else(|error| panic!("{label}: {error}"));
            let reissued = credentials.provenance.server_certificate == Origin::Reissued;
            assert_eq!(reissued, expect == Expect::Reissued, "{label}");
            if reissued {
                assert!(
                    credentials
                        .warnings
                        .iter()
                        .any(|warning| warning.kind() == DiagnosticKind::CertificateReissued),
                    "{label}: {:?}",
                    credentials.warnings
                );
            }
            openssl_accepts(&label, &credentials);
        }
    }
}

/// `openssl verify` with the CA, the chain, the host name, the VIP and the server purpose.
fn openssl_accepts(label: &str, credentials: &Credentials) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.crt"), credentials.tls.ca_certificate()).unwrap();
    std::fs::write(
        dir.path().join("tls.crt"),
        credentials.tls.certificate_chain(),
    )
    .unwrap();
    let output = Command::new("openssl")
        .args([
            "verify",
            "-CAfile",
            "ca.crt",
            "-untrusted",
            "tls.crt",
            "-purpose",
            "sslserver",
            "-verify_hostname",
            "spectro.registry.local",
            "-verify_ip",
            VIP,
            "tls.crt",
        ])
        .current_dir(dir.path())
        .output()
        .expect("openssl runs");
    assert!(
        output.status.success(),
        "{label}: harbor-edge accepted what openssl refuses: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn provided_material_is_judged_as_a_go_client_would() {
    for case in cases() {
        let config = with_certs(config(VIP, &[]), &case.cert, &case.key, case.ca.as_deref());
        let result =
            Credentials::resolve(&config, Some(shared_internal()), &mut Generator::system());
        judge(&case, "provided", result, case.provided);
    }
}

#[test]
fn reused_material_is_judged_as_a_go_client_would() {
    for case in cases() {
        let existing = ExistingSecrets::from_yaml_str(&existing_yaml(&case)).unwrap();
        let result =
            Credentials::resolve(&config(VIP, &[]), Some(&existing), &mut Generator::system());
        judge(&case, "reused", result, case.reused);
    }
}

#[test]
fn validate_runs_the_checks_render_runs() {
    for case in cases() {
        let config = with_certs(config(VIP, &[]), &case.cert, &case.key, case.ca.as_deref());
        let checked = Credentials::check(
            &config,
            Some(shared_internal()),
            &Generator::system(),
            &Default::default(),
        );
        let resolved =
            Credentials::resolve(&config, Some(shared_internal()), &mut Generator::system());
        assert_eq!(
            checked.as_ref().err().map(ToString::to_string),
            resolved.as_ref().err().map(ToString::to_string),
            "{}",
            case.name
        );
        if let (Ok(checked), Ok(resolved)) = (checked, resolved) {
            assert_eq!(checked.warnings, resolved.warnings, "{}", case.name);
            assert_eq!(checked.provenance, resolved.provenance, "{}", case.name);
        }
    }
}

// --- the command line: validate and render agree ---------------------------------------------

fn harbor_edge(dir: &Path, args: &[&str]) -> (Option<i32>, Vec<String>) {
    let output = Command::new(env!("CARGO_BIN_EXE_harbor-edge"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    // What a person is told is wrong: the error and the warnings (render adds notes).
    let said = stderr
        .lines()
        .filter(|line| line.starts_with("error:") || line.starts_with("warning:"))
        .map(str::to_owned)
        .collect();
    (output.status.code(), said)
}

/// `validate` and `render` on the same input: the same exit code and the same error and
/// warnings; and the exit code is the one the case asks for.
fn agree(dir: &Path, label: &str, args: &[&str], expect: Expect) {
    let mut validate = vec!["validate"];
    validate.extend_from_slice(args);
    let mut render = vec!["render"];
    render.extend_from_slice(args);
    if !args.contains(&"--seed") {
        render.extend_from_slice(&["--seed", "1"]);
    }
    let (validate_code, validate_said) = harbor_edge(dir, &validate);
    let (render_code, render_said) = harbor_edge(dir, &render);
    assert_eq!(
        validate_code, render_code,
        "{label}: {validate_said:?} / {render_said:?}"
    );
    assert_eq!(validate_said, render_said, "{label}");
    let wanted = if matches!(expect, Expect::Error(_)) {
        1
    } else {
        0
    };
    assert_eq!(validate_code, Some(wanted), "{label}: {validate_said:?}");
}

fn block(text: &str) -> String {
    text.lines()
        .map(|line| format!("        {line}\n"))
        .collect()
}

#[test]
fn validate_and_render_agree_on_every_case() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("internal.yaml"),
        support::internal_secrets_yaml_shared(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("plain.yaml"),
        format!("harbor-config: {{}}\ncluster: {{uid: edge-01, vip: {VIP}}}\n"),
    )
    .unwrap();
    for case in cases() {
        let mut params = format!(
            "harbor-config:\n  auth:\n    certs:\n      cert: |\n{}      key: |\n{}",
            block(&case.cert),
            block(&case.key)
        );
        if let Some(ca) = &case.ca {
            params.push_str(&format!("      ca: |\n{}", block(ca)));
        }
        params.push_str(&format!("cluster: {{uid: edge-01, vip: {VIP}}}\n"));
        std::fs::write(dir.path().join("provided.yaml"), params).unwrap();
        agree(
            dir.path(),
            &format!("{} (provided)", case.name),
            &["provided.yaml", "--existing", "internal.yaml"],
            case.provided,
        );
        std::fs::write(dir.path().join("existing.yaml"), existing_yaml(&case)).unwrap();
        agree(
            dir.path(),
            &format!("{} (reused)", case.name),
            &["plain.yaml", "--existing", "existing.yaml"],
            case.reused,
        );
    }
}

#[test]
fn reproducible_validity_starts_outside_the_sane_range_are_refused_by_both() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("plain.yaml"),
        format!("harbor-config: {{}}\ncluster: {{uid: edge-01, vip: {VIP}}}\n"),
    )
    .unwrap();
    for start in [
        "1900-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "2016-06-01T00:00:00Z",
    ] {
        let args = ["plain.yaml", "--seed", "7", "--not-before", start];
        agree(
            dir.path(),
            start,
            &args,
            Expect::Error(CredentialErrorKind::ValidityStart),
        );
        let (_, said) = harbor_edge(dir.path(), &[&["validate"][..], &args].concat());
        assert!(
            said.iter().any(|line| line.contains("--not-before")),
            "{start}: {said:?}"
        );
    }
    // A start inside the range passes, and the library says the same.
    let config = config(VIP, &[]);
    let mut generator = Generator::reproducible(7, Timestamp::from_unix_seconds(0));
    let error = Credentials::resolve(&config, Some(shared_internal()), &mut generator).unwrap_err();
    assert_eq!(
        error.credential_kind(),
        Some(CredentialErrorKind::ValidityStart)
    );
    let recent = Timestamp::now().plus_days(-30);
    Credentials::resolve(
        &config,
        Some(shared_internal()),
        &mut Generator::reproducible(7, recent),
    )
    .expect("a recent start is fine");
}

#[test]
fn an_existing_password_that_fails_the_policy_is_kept_with_a_warning() {
    let existing = ExistingSecrets::from_yaml_str(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: harbor-admin-password, namespace: \
         harbor}}\nstringData: {{HARBOR_ADMIN_PASSWORD: short}}\n---\n{}",
        support::internal_secrets_yaml_shared()
    ))
    .unwrap();
    let credentials =
        Credentials::resolve(&config(VIP, &[]), Some(&existing), &mut Generator::system()).unwrap();
    assert_eq!(credentials.admin_password.expose(), "short");
    let warning = credentials
        .warnings
        .iter()
        .find(|warning| warning.kind() == DiagnosticKind::ReusedPasswordPolicy)
        .expect("a warning");
    assert!(
        warning.message().contains("8 to 128"),
        "{}",
        warning.message()
    );
    assert!(
        !warning.message().contains("short"),
        "{}",
        warning.message()
    );
}

#[test]
fn certificate_errors_say_what_is_wrong_in_words() {
    let (leaf, key, ca) = fitting().build_with_ca();
    let config = |cert: &str, key: &str| with_certs(config(VIP, &[]), cert, key, Some(&ca));
    let message = |cert: &str, key: &str| {
        Credentials::resolve(
            &config(cert, key),
            Some(shared_internal()),
            &mut Generator::system(),
        )
        .unwrap_err()
        .to_string()
    };
    // The key where the certificate belongs.
    let swapped = message(&key, &leaf);
    assert!(
        swapped.contains("private key") && swapped.contains("swapped"),
        "{swapped}"
    );
    assert!(!swapped.contains("BEGIN PRIVATE KEY"), "{swapped}");
    // Bytes that are not a certificate, under a CERTIFICATE label.
    let not_der = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
    let broken = message(not_der, &key);
    assert!(
        !broken.contains("UnexpectedTag") && !broken.contains("Der("),
        "{broken}"
    );
    assert!(broken.contains("certificate"), "{broken}");
    // A Secret's base64 pasted as it is.
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&leaf);
    let pasted = message(&encoded, &key);
    assert!(pasted.contains("base64 -d"), "{pasted}");
    // A PEM block cut short.
    let cut = &leaf[..leaf.len() - 30];
    let short = message(cut, &key);
    assert!(short.contains("END"), "{short}");
}

#[test]
fn a_reissue_from_a_rotation_passes_openssl_and_keeps_the_ca() {
    let fitting_case = cases().into_iter().next().unwrap();
    let existing = ExistingSecrets::from_yaml_str(&existing_yaml(&fitting_case)).unwrap();
    let credentials = Credentials::resolve_with(
        &config(VIP, &[]),
        Some(&existing),
        &mut Generator::system(),
        &"server-certificate".parse().unwrap(),
    )
    .unwrap();
    assert_eq!(credentials.provenance.server_certificate, Origin::Rotated);
    assert_eq!(credentials.provenance.ca, Origin::Reused);
    assert_ne!(credentials.tls.certificate_chain(), fitting_case.cert);
    assert_eq!(credentials.tls.ca_certificate(), TestCa::shared().cert);
    openssl_accepts("rotated server certificate", &credentials);
    // openssl agrees that the new certificate is the new key's.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tls.crt"),
        credentials.tls.certificate_chain(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tls.key"),
        credentials.tls.private_key().expose(),
    )
    .unwrap();
    assert_eq!(
        openssl(dir.path(), &["x509", "-in", "tls.crt", "-noout", "-pubkey"]),
        openssl(dir.path(), &["pkey", "-in", "tls.key", "-pubout"])
    );
}
