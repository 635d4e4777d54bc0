//! Helpers for the credential tests: configs, certificate fixtures made on the spot (no private
//! key is committed), Secret YAML as `kubectl get secret -o yaml` prints it, and openssl.

#![allow(dead_code)] // each test file uses a different subset

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use base64::Engine as _;
use p256::ecdsa::DerSignature;
use p256::ecdsa::signature::Signer;
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use rcgen::{CertificateParams, DnType, KeyIdMethod, SanType, SerialNumber};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use harbor_edge::{
    AdminPassword, Config, Credentials, ExistingSecrets, Generator, InternalCredential, Macros,
    PackInput, ProvidedCerts, SecretString,
};

/// A validated config for cluster `edge-01` with this VIP and node IPs.
pub fn config(vip: &str, node_ips: &[&str]) -> Config {
    let ips = node_ips
        .iter()
        .map(|ip| format!("\"{ip}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!(
        "harbor-config: {{}}\ncluster: {{uid: edge-01, vip: \"{vip}\", nodeIps: [{ips}]}}\n"
    );
    PackInput::from_yaml_str(&text)
        .and_then(|input| input.resolve(&Macros::new()))
        .expect("test config is valid")
        .config
}

/// `config` with the admin password parameter set.
pub fn with_password(mut config: Config, password: &str) -> Config {
    config.auth.password =
        Some(AdminPassword::new(SecretString::new(password)).expect("test password is valid"));
    config
}

/// `config` with provided certificate, key and optional CA.
pub fn with_certs(mut config: Config, cert: &str, key: &str, ca: Option<&str>) -> Config {
    config.auth.certs = Some(ProvidedCerts {
        cert: cert.to_owned(),
        key: SecretString::new(key),
        ca: ca.map(str::to_owned),
    });
    config
}

/// A P-256 test key derived from a label, with rcgen's signing traits.
pub struct TestKey {
    secret: p256::SecretKey,
    point: Vec<u8>,
}

impl TestKey {
    pub fn new(label: &str) -> Self {
        let digest = Sha256::digest(label.as_bytes());
        let secret = p256::SecretKey::from_slice(&digest).expect("a hash is a valid scalar");
        let point = secret.public_key().to_sec1_point(false).as_bytes().to_vec();
        Self { secret, point }
    }

    pub fn pkcs8_pem(&self) -> String {
        self.secret
            .to_pkcs8_pem(LineEnding::LF)
            .unwrap()
            .to_string()
    }

    pub fn sec1_pem(&self) -> String {
        self.secret.to_sec1_pem(LineEnding::LF).unwrap().to_string()
    }
}

impl rcgen::PublicKeyData for TestKey {
    fn der_bytes(&self) -> &[u8] {
        &self.point
    }
    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for TestKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let signing = p256::ecdsa::SigningKey::from(&self.secret);
        let signature: DerSignature = signing.sign(msg);
        Ok(signature.as_bytes().to_vec())
    }
}

/// What a fixture certificate holds.
pub struct Fixture<'a> {
    pub common_name: &'a str,
    pub dns: &'a [&'a str],
    pub ips: &'a [&'a str],
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub key_label: &'a str,
}

impl Fixture<'_> {
    /// A certificate valid for a year around now that fits cluster VIP 10.10.1.5.
    pub fn fitting() -> Fixture<'static> {
        let now = OffsetDateTime::now_utc();
        Fixture {
            common_name: "spectro.registry.local",
            dns: &["spectro.registry.local"],
            ips: &["10.10.1.5"],
            not_before: now - time::Duration::days(1),
            not_after: now + time::Duration::days(365),
            key_label: "fixture",
        }
    }

    /// Self-signed certificate PEM and its PKCS#8 key PEM.
    pub fn build(&self) -> (String, String) {
        let key = TestKey::new(self.key_label);
        let cert = self.params().self_signed(&key).unwrap();
        (cert.pem(), key.pkcs8_pem())
    }

    /// Certificate PEM signed by a test CA, its key PEM, and the CA certificate PEM.
    pub fn build_with_ca(&self) -> (String, String, String) {
        let ca_key = TestKey::new("test CA");
        let mut ca_params = CertificateParams::default();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "test CA");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.not_before = self.not_before;
        ca_params.not_after = self.not_after;
        ca_params.serial_number = Some(SerialNumber::from_slice(&[0x43, 1]));
        ca_params.key_identifier_method = KeyIdMethod::PreSpecified(vec![2; 20]);
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, &ca_key);
        let key = TestKey::new(self.key_label);
        let cert = self.params().signed_by(&key, &issuer).unwrap();
        (cert.pem(), key.pkcs8_pem(), ca_cert.pem())
    }

    fn params(&self) -> CertificateParams {
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, self.common_name);
        params.subject_alt_names = self
            .dns
            .iter()
            .map(|name| SanType::DnsName((*name).try_into().unwrap()))
            .chain(
                self.ips
                    .iter()
                    .map(|ip| SanType::IpAddress(ip.parse().unwrap())),
            )
            .collect();
        params.not_before = self.not_before;
        params.not_after = self.not_after;
        params.serial_number = Some(SerialNumber::from_slice(&[0x42, 1, 2, 3]));
        params.key_identifier_method = KeyIdMethod::PreSpecified(vec![1; 20]);
        params
    }
}

/// Harbor's internal credentials generated once per test binary (seed 7) and given back as the
/// Secrets `kubectl` would print: resolving with them spares a test the RSA key generation.
pub fn shared_internal() -> &'static ExistingSecrets {
    static SHARED: OnceLock<ExistingSecrets> = OnceLock::new();
    SHARED.get_or_init(|| {
        let credentials = Credentials::resolve(
            &config("10.10.1.5", &[]),
            None,
            &mut Generator::reproducible(7, None),
        )
        .expect("credentials");
        ExistingSecrets::from_yaml_str(&internal_secrets_yaml(&credentials)).expect("reads back")
    })
}

/// The Secrets of Harbor's internal credentials, as `kubectl get secret -o yaml` prints them.
pub fn internal_secrets_yaml(credentials: &Credentials) -> String {
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let mut names: Vec<&str> = InternalCredential::ALL
        .iter()
        .map(|which| which.secret_name())
        .collect();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let data: Vec<(&str, String)> = InternalCredential::ALL
                .iter()
                .filter(|which| which.secret_name() == name)
                .map(|&which| (which.key(), b64(credentials.internal.get(which).expose())))
                .collect();
            let kind = if name == "harbor-core-token" {
                "kubernetes.io/tls"
            } else {
                "Opaque"
            };
            secret_doc("harbor", name, kind, &data)
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

/// The Secrets of `credentials`, as `kubectl get secret -o yaml` prints them: base64 `data`,
/// server-side metadata, one document each. The three of SPEC 5, then the internal ones.
pub fn secrets_yaml(config: &Config, credentials: &Credentials) -> String {
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let tls = &credentials.tls;
    let mut tls_data = vec![
        ("ca.crt", b64(&tls.ca_certificate)),
        ("tls.crt", b64(&tls.certificate_chain)),
        ("tls.key", b64(tls.private_key.expose())),
    ];
    if let Some(ca_key) = &tls.ca_private_key {
        tls_data.insert(1, ("ca.key", b64(ca_key.expose())));
    }
    let password = b64(credentials.admin_password.expose());
    [
        secret_doc("harbor", "harbor-tls", "kubernetes.io/tls", &tls_data),
        secret_doc(
            "harbor",
            "harbor-admin-password",
            "Opaque",
            &[("HARBOR_ADMIN_PASSWORD", password.clone())],
        ),
        secret_doc(
            &config.cluster_namespace(),
            "registry-info",
            "Opaque",
            &[("SPECTRO_USER_PASSWORD", password)],
        ),
        internal_secrets_yaml(credentials),
    ]
    .join("---\n")
}

fn secret_doc(namespace: &str, name: &str, kind: &str, data: &[(&str, String)]) -> String {
    let mut text = String::from("apiVersion: v1\ndata:\n");
    for (key, value) in data {
        text.push_str(&format!("  {key}: {value}\n"));
    }
    text.push_str(&format!(
        "kind: Secret\nmetadata:\n  creationTimestamp: \"2025-03-01T10:00:00Z\"\n  name: {name}\n  \
         namespace: {namespace}\n  resourceVersion: \"4711\"\n  uid: 0d4b8f5e-1c2d-4e5f-9a0b-1c2d3e4f5a6b\n\
         type: {kind}\n"
    ));
    text
}

/// Runs openssl with `args` in `dir`; returns stdout, panics with stderr on failure.
pub fn openssl(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command line tool is installed");
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}
