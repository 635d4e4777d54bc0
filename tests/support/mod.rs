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
pub fn with_password(config: Config, password: &str) -> Config {
    config.with_admin_password(
        AdminPassword::new(SecretString::new(password)).expect("test password is valid"),
    )
}

/// `config` with provided certificate, key and optional CA.
pub fn with_certs(config: Config, cert: &str, key: &str, ca: Option<&str>) -> Config {
    config.with_provided_certs(ProvidedCerts::new(
        cert,
        SecretString::new(key),
        ca.map(str::to_owned),
    ))
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

    /// The certificate signed by [`TestCa::shared`] followed by that CA (a chain that ends
    /// in its root, so no separate `ca` is needed), and its PKCS#8 key PEM.
    pub fn build(&self) -> (String, String) {
        let (leaf, key, ca) = self.build_with_ca();
        (format!("{leaf}{ca}"), key)
    }

    /// Certificate PEM signed by [`TestCa::shared`], its key PEM, and the CA certificate PEM.
    pub fn build_with_ca(&self) -> (String, String, String) {
        let ca = TestCa::shared();
        let (leaf, key) = ca.issue(self);
        (leaf, key, ca.cert.clone())
    }

    /// A self-signed certificate PEM (no CA at all) and its key PEM.
    pub fn build_self_signed(&self) -> (String, String) {
        let key = TestKey::new(self.key_label);
        let cert = self.params().self_signed(&key).unwrap();
        (cert.pem(), key.pkcs8_pem())
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

/// A P-256 test CA, valid from a year ago for nine years.
pub struct TestCa {
    pub cert: String,
    pub key: TestKey,
    params: CertificateParams,
}

impl TestCa {
    /// A CA named `name` (`CN=<name>`) with the key derived from `key_label`.
    pub fn new(name: &str, key_label: &str) -> Self {
        let key = TestKey::new(key_label);
        let now = OffsetDateTime::now_utc();
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        params.not_before = now - time::Duration::days(365);
        params.not_after = now + time::Duration::days(9 * 365);
        params.serial_number = Some(SerialNumber::from_slice(&[0x43, 1]));
        params.key_identifier_method =
            KeyIdMethod::PreSpecified(Sha256::digest(key_label.as_bytes())[..20].to_vec());
        let cert = params.self_signed(&key).unwrap().pem();
        Self { cert, key, params }
    }

    /// The CA every fixture is issued by unless told otherwise: `CN=test CA`.
    pub fn shared() -> &'static TestCa {
        static SHARED: OnceLock<TestCa> = OnceLock::new();
        SHARED.get_or_init(|| TestCa::new("test CA", "test CA"))
    }

    /// A certificate as `fixture` describes it, signed by this CA, and its key PEM.
    pub fn issue(&self, fixture: &Fixture<'_>) -> (String, String) {
        let issuer = rcgen::Issuer::new(self.params.clone(), &self.key);
        let key = TestKey::new(fixture.key_label);
        let cert = fixture.params().signed_by(&key, &issuer).unwrap();
        (cert.pem(), key.pkcs8_pem())
    }
}

/// Harbor's internal credentials generated once per test binary (seed 7) and given back as the
/// Secrets `kubectl` would print: resolving with them spares a test the RSA key generation.
pub fn shared_internal() -> &'static ExistingSecrets {
    static SHARED: OnceLock<ExistingSecrets> = OnceLock::new();
    SHARED.get_or_init(|| {
        ExistingSecrets::from_yaml_str(internal_secrets_yaml_shared()).expect("reads back")
    })
}

/// The YAML text of [`shared_internal`].
pub fn internal_secrets_yaml_shared() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let credentials = Credentials::resolve(
            &config("10.10.1.5", &[]),
            None,
            &mut Generator::reproducible(7, None),
        )
        .expect("credentials");
        internal_secrets_yaml(&credentials)
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
/// server-side metadata, one document each. The three of SPEC 5, `harbor-ca` (SPEC 4.2) when
/// the CA key is known, then the internal ones.
pub fn secrets_yaml(config: &Config, credentials: &Credentials) -> String {
    secrets_yaml_with(config, credentials, CaKeyIn::CaSecret)
}

/// Where [`secrets_yaml_with`] puts the CA key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CaKeyIn {
    /// `harbor-ca` in `cluster-<uid>`, where harbor-edge renders it.
    CaSecret,
    /// `harbor-tls`, where earlier versions rendered it.
    TlsSecret,
}

/// [`secrets_yaml`] with the CA key where `ca_key_in` says.
pub fn secrets_yaml_with(config: &Config, credentials: &Credentials, ca_key_in: CaKeyIn) -> String {
    let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let tls = &credentials.tls;
    let mut tls_data = vec![
        ("ca.crt", b64(tls.ca_certificate())),
        ("tls.crt", b64(tls.certificate_chain())),
        ("tls.key", b64(tls.private_key().expose())),
    ];
    let mut ca = Vec::new();
    if let Some(ca_key) = &tls.ca_private_key() {
        match ca_key_in {
            CaKeyIn::TlsSecret => tls_data.insert(1, ("ca.key", b64(ca_key.expose()))),
            CaKeyIn::CaSecret => ca.push(secret_doc(
                &config.cluster_namespace(),
                "harbor-ca",
                "Opaque",
                &[
                    ("ca.crt", b64(tls.ca_certificate())),
                    ("ca.key", b64(ca_key.expose())),
                ],
            )),
        }
    }
    let password = b64(credentials.admin_password.expose());
    ca.into_iter()
        .chain([
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
        ])
        .collect::<Vec<_>>()
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

/// Certificates the rcgen fixtures cannot make (RSA keys, SHA-1 and RSA-PSS signatures, P-384,
/// an intermediate CA), made once per test binary with the openssl command line tool. No key
/// is committed: they live in a temporary folder for the binary's life.
pub struct Pki {
    /// RSA-2048 leaf signed by [`TestCa::shared`] with SHA-256; its key as PKCS#8 and PKCS#1.
    pub rsa_leaf: String,
    pub rsa_key: String,
    pub rsa_key_pkcs1: String,
    /// RSA-1024 leaf signed by [`TestCa::shared`].
    pub rsa1024_leaf: String,
    pub rsa1024_key: String,
    /// P-256 leaf signed by [`TestCa::shared`] with ECDSA-SHA1.
    pub sha1_leaf: String,
    pub sha1_key: String,
    /// A P-384 root and a P-384 leaf it signed with SHA-384.
    pub p384_ca: String,
    pub p384_leaf: String,
    pub p384_key: String,
    /// An RSA-2048 root and an RSA leaf it signed with RSA-PSS (SHA-256, salt 32).
    pub pss_ca: String,
    pub pss_leaf: String,
    pub pss_key: String,
    /// An intermediate CA signed by [`TestCa::shared`], and a P-256 leaf it signed.
    pub intermediate: String,
    pub intermediate_leaf: String,
    pub intermediate_leaf_key: String,
}

/// The SANs every fitting openssl leaf carries.
const LEAF_EXTENSIONS: &str = "subjectAltName=DNS:spectro.registry.local,IP:10.10.1.5\n\
    extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
    basicConstraints=critical,CA:FALSE\n";
const CA_EXTENSIONS: &str =
    "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";

/// The shared [`Pki`].
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path();
        let write = |name: &str, text: &str| std::fs::write(path.join(name), text).unwrap();
        let read = |name: &str| std::fs::read_to_string(path.join(name)).unwrap();
        let root = TestCa::shared();
        write("root.crt", &root.cert);
        write("root.key", &root.key.pkcs8_pem());
        write("leaf.ext", LEAF_EXTENSIONS);
        write("ca.ext", CA_EXTENSIONS);
        let run = |args: &[&str]| {
            openssl(path, args);
        };
        let request = |key_spec: &[&str], key: &str, csr: &str| {
            let mut args = vec!["req", "-new", "-nodes"];
            args.extend_from_slice(key_spec);
            args.extend_from_slice(&[
                "-keyout",
                key,
                "-out",
                csr,
                "-subj",
                "/CN=spectro.registry.local",
            ]);
            run(&args);
        };
        let sign = |csr: &str, ca: &str, ca_key: &str, out: &str, ext: &str, extra: &[&str]| {
            let mut args = vec![
                "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-out", out, "-days",
                "400", "-extfile", ext,
            ];
            args.extend_from_slice(extra);
            run(&args);
        };
        let ec256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
        // RSA-2048 leaf, and its key as PKCS#1.
        request(&["-newkey", "rsa:2048"], "rsa.key", "rsa.csr");
        sign(
            "rsa.csr",
            "root.crt",
            "root.key",
            "rsa.crt",
            "leaf.ext",
            &["-sha256"],
        );
        run(&["rsa", "-in", "rsa.key", "-traditional", "-out", "rsa1.key"]);
        // RSA-1024 leaf.
        request(&["-newkey", "rsa:1024"], "rsa1024.key", "rsa1024.csr");
        sign(
            "rsa1024.csr",
            "root.crt",
            "root.key",
            "rsa1024.crt",
            "leaf.ext",
            &["-sha256"],
        );
        // SHA-1 signature.
        request(&ec256, "sha1.key", "sha1.csr");
        sign(
            "sha1.csr",
            "root.crt",
            "root.key",
            "sha1.crt",
            "leaf.ext",
            &["-sha1"],
        );
        // P-384 root and leaf.
        run(&[
            "req",
            "-x509",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-keyout",
            "p384ca.key",
            "-out",
            "p384ca.crt",
            "-days",
            "400",
            "-sha384",
            "-subj",
            "/CN=test P-384 CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        request(
            &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
            "p384.key",
            "p384.csr",
        );
        sign(
            "p384.csr",
            "p384ca.crt",
            "p384ca.key",
            "p384.crt",
            "leaf.ext",
            &["-sha384"],
        );
        // RSA root; the RSA leaf's key again, signed with RSA-PSS.
        run(&[
            "req",
            "-x509",
            "-nodes",
            "-newkey",
            "rsa:2048",
            "-keyout",
            "rsaca.key",
            "-out",
            "rsaca.crt",
            "-days",
            "400",
            "-sha256",
            "-subj",
            "/CN=test RSA CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        sign(
            "rsa.csr",
            "rsaca.crt",
            "rsaca.key",
            "pss.crt",
            "leaf.ext",
            &[
                "-sha256",
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:digest",
            ],
        );
        // Intermediate CA and its leaf.
        run(&[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-keyout",
            "int.key",
            "-out",
            "int.csr",
            "-subj",
            "/CN=test intermediate CA",
        ]);
        sign(
            "int.csr",
            "root.crt",
            "root.key",
            "int.crt",
            "ca.ext",
            &["-sha256"],
        );
        request(&ec256, "intleaf.key", "intleaf.csr");
        sign(
            "intleaf.csr",
            "int.crt",
            "int.key",
            "intleaf.crt",
            "leaf.ext",
            &["-sha256"],
        );
        let pki = Pki {
            rsa_leaf: read("rsa.crt"),
            rsa_key: read("rsa.key"),
            rsa_key_pkcs1: read("rsa1.key"),
            rsa1024_leaf: read("rsa1024.crt"),
            rsa1024_key: read("rsa1024.key"),
            sha1_leaf: read("sha1.crt"),
            sha1_key: read("sha1.key"),
            p384_ca: read("p384ca.crt"),
            p384_leaf: read("p384.crt"),
            p384_key: read("p384.key"),
            pss_ca: read("rsaca.crt"),
            pss_leaf: read("pss.crt"),
            pss_key: read("rsa.key"),
            intermediate: read("int.crt"),
            intermediate_leaf: read("intleaf.crt"),
            intermediate_leaf_key: read("intleaf.key"),
        };
        drop(dir);
        pki
    })
}
