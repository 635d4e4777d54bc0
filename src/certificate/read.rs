//! Reading PEM certificates (x509-parser) and private keys (pkcs8, sec1, pkcs1), and the public
//! key of each in one comparable form, so "does this key belong to that certificate" is an
//! equality test. Every error says what is wrong in a person's words and never quotes key
//! bytes.

use std::net::IpAddr;

use p256::elliptic_curve::sec1::ToSec1Point;
use pkcs8::der::Decode;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_parser::extensions::GeneralName;
use x509_parser::public_key::PublicKey;
use zeroize::Zeroizing;

use super::algorithm::SignatureAlgorithm;
use super::public_key::{
    EC_PUBLIC_KEY_OID, P256_OID, P384_OID, PublicKeyMaterial, RSA_OID, curve_name,
    strip_leading_zeros,
};
use crate::error::{CredentialErrorKind, Error, Result};

/// What the checks need from one certificate, copied out of the DER so nothing borrows.
#[derive(Debug, Clone)]
pub(crate) struct CertificateInfo {
    pub(crate) der: Vec<u8>,
    /// The signed part (`tbsCertificate`), as its signature covers it.
    pub(crate) tbs: Vec<u8>,
    pub(crate) signature_algorithm: SignatureAlgorithm,
    pub(crate) signature: Vec<u8>,
    pub(crate) common_names: Vec<String>,
    pub(crate) dns_names: Vec<String>,
    pub(crate) ip_addresses: Vec<IpAddr>,
    pub(crate) not_before: OffsetDateTime,
    pub(crate) not_after: OffsetDateTime,
    /// `basicConstraints` with `cA` set.
    pub(crate) is_ca: bool,
    /// `basicConstraints` `pathLenConstraint`.
    pub(crate) path_len: Option<u32>,
    /// `keyUsage`'s `keyCertSign` bit, or `None` when the extension is absent (no limit).
    pub(crate) key_cert_sign: Option<bool>,
    /// `extendedKeyUsage`: whether it allows TLS server authentication; `None` when absent (no
    /// limit).
    pub(crate) server_auth: Option<bool>,
    /// Raw DER of the subject and issuer names, to tell who issued what.
    pub(crate) subject: Vec<u8>,
    pub(crate) issuer: Vec<u8>,
    /// The names for people, e.g. `CN=spectro.registry.local`.
    pub(crate) subject_text: String,
    pub(crate) issuer_text: String,
    pub(crate) serial: Vec<u8>,
    pub(crate) public_key: PublicKeyMaterial,
}

impl CertificateInfo {
    /// Parses one DER certificate; the error says why, for a person.
    pub(crate) fn from_der(der: Vec<u8>) -> std::result::Result<Self, String> {
        let (rest, cert) =
            x509_parser::parse_x509_certificate(&der).map_err(describe_x509_error)?;
        if !rest.is_empty() {
            return Err("has bytes after the end of the certificate".into());
        }
        let mut dns_names = Vec::new();
        let mut ip_addresses = Vec::new();
        let sans = cert
            .subject_alternative_name()
            .map_err(|_| "has an unreadable subjectAltName extension".to_owned())?;
        for name in sans.iter().flat_map(|ext| &ext.value.general_names) {
            match name {
                GeneralName::DNSName(dns) => dns_names.push((*dns).to_owned()),
                GeneralName::IPAddress(bytes) => {
                    if let Some(ip) = ip_from_bytes(bytes) {
                        ip_addresses.push(ip);
                    }
                }
                _ => {}
            }
        }
        let common_names = cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok().map(str::to_owned))
            .collect();
        let constraints = cert
            .basic_constraints()
            .map_err(|_| "has an unreadable basicConstraints extension".to_owned())?;
        let key_usage = cert
            .key_usage()
            .map_err(|_| "has an unreadable keyUsage extension".to_owned())?;
        let extended = cert
            .extended_key_usage()
            .map_err(|_| "has an unreadable extendedKeyUsage extension".to_owned())?;
        let public_key = certificate_public_key(cert.public_key())?;
        let info = Self {
            tbs: cert.tbs_certificate.as_ref().to_vec(),
            signature_algorithm: SignatureAlgorithm::from_identifier(&cert.signature_algorithm),
            signature: cert.signature_value.data.to_vec(),
            common_names,
            dns_names,
            ip_addresses,
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            is_ca: constraints.as_ref().is_some_and(|ext| ext.value.ca),
            path_len: constraints.and_then(|ext| ext.value.path_len_constraint),
            key_cert_sign: key_usage.map(|ext| ext.value.key_cert_sign()),
            server_auth: extended.map(|ext| ext.value.server_auth || ext.value.any),
            subject: cert.subject().as_raw().to_vec(),
            issuer: cert.issuer().as_raw().to_vec(),
            subject_text: cert.subject().to_string(),
            issuer_text: cert.issuer().to_string(),
            serial: cert.raw_serial().to_vec(),
            public_key,
            // `cert` borrows `der`; the buffer moves in once the borrow has ended.
            der: Vec::new(),
        };
        Ok(Self { der, ..info })
    }

    /// Whether a DNS subject alternative name is `host` (names compare case-insensitively; a
    /// wildcard `*.rest` covers one left-most label). The common name does not count: Go's TLS
    /// client, and so containerd and Docker, ignore it.
    pub(crate) fn names_host(&self, host: &str) -> bool {
        self.dns_names.iter().any(|name| host_matches(name, host))
    }

    /// Whether only the common name names `host` (a certificate Go clients reject).
    pub(crate) fn names_host_in_common_name_only(&self, host: &str) -> bool {
        !self.names_host(host)
            && self
                .common_names
                .iter()
                .any(|name| host_matches(name, host))
    }

    /// Whether an IP subject alternative name is `ip`.
    pub(crate) fn has_ip(&self, ip: IpAddr) -> bool {
        self.ip_addresses.contains(&ip)
    }

    /// Whether subject and issuer are the same name (a root, or a self-issued certificate).
    pub(crate) fn is_self_issued(&self) -> bool {
        self.subject == self.issuer
    }

    /// The certificate as PEM, LF line endings.
    pub(crate) fn to_pem(&self) -> String {
        encode_pem("CERTIFICATE", &self.der)
    }

    /// SHA-256 of the DER, as `AB:CD:...` (what `openssl x509 -fingerprint -sha256` prints).
    pub(crate) fn sha256_fingerprint(&self) -> String {
        Sha256::digest(&self.der)
            .iter()
            .map(|byte| format!("{byte:02X}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// For messages: `CN=spectro.registry.local (serial 42:01...)`, or the subject alone.
    pub(crate) fn label(&self) -> String {
        if self.subject_text.is_empty() {
            "a certificate with an empty subject".to_owned()
        } else {
            self.subject_text.clone()
        }
    }
}

/// x509-parser's errors name ASN.1 tags (`UnexpectedTag { expected: Some(Tag(16)), ... }`); a
/// person needs to know that the bytes are not a certificate, and what usually causes that.
fn describe_x509_error(error: x509_parser::nom::Err<x509_parser::error::X509Error>) -> String {
    use x509_parser::nom::Err;
    match error {
        Err::Incomplete(_) => {
            "is cut short: the PEM block ends before the certificate does (was part of it lost \
             when copying?)"
                .to_owned()
        }
        Err::Error(_) | Err::Failure(_) => {
            "is not an X.509 certificate: the bytes inside the PEM block do not have a \
             certificate's structure (a damaged copy, or another kind of object under a \
             CERTIFICATE label)"
                .to_owned()
        }
    }
}

/// PEM text with LF line endings on every platform (reproducible output).
fn encode_pem(tag: &str, der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new(tag, der),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

fn host_matches(name: &str, host: &str) -> bool {
    if name.eq_ignore_ascii_case(host) {
        return true;
    }
    match (name.strip_prefix("*."), host.split_once('.')) {
        // A wildcard needs at least two labels after it (`*.local` covers nothing here).
        (Some(suffix), Some((_, host_rest))) => {
            suffix.contains('.') && suffix.eq_ignore_ascii_case(host_rest)
        }
        _ => false,
    }
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}

fn certificate_public_key(
    spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
) -> std::result::Result<PublicKeyMaterial, String> {
    let algorithm = spki.algorithm.algorithm.to_id_string();
    let key = spki.subject_public_key.data.as_ref();
    Ok(match algorithm.as_str() {
        EC_PUBLIC_KEY_OID => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|params| params.as_oid().ok())
                .map(|oid| oid.to_id_string())
                .ok_or("has an EC public key without a named curve")?;
            let point = normalize_point(&curve, key);
            PublicKeyMaterial::Ec { curve, point }
        }
        RSA_OID => match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => PublicKeyMaterial::Rsa {
                modulus: strip_leading_zeros(rsa.modulus).to_vec(),
                exponent: strip_leading_zeros(rsa.exponent).to_vec(),
            },
            _ => return Err("has an unreadable RSA public key".into()),
        },
        _ => PublicKeyMaterial::Other {
            algorithm,
            key: key.to_vec(),
        },
    })
}

/// P-256 and P-384 points in uncompressed form, whatever form they came in; other curves as
/// given.
fn normalize_point(curve: &str, point: &[u8]) -> Vec<u8> {
    match curve {
        P256_OID => p256::PublicKey::from_sec1_bytes(point)
            .map(|key| key.to_sec1_point(false).as_bytes().to_vec())
            .unwrap_or_else(|_| point.to_vec()),
        P384_OID => p384::PublicKey::from_sec1_bytes(point)
            .map(|key| key.to_sec1_point(false).as_bytes().to_vec())
            .unwrap_or_else(|_| point.to_vec()),
        _ => point.to_vec(),
    }
}

/// A leaf certificate and the certificates after it: never empty by construction.
#[derive(Debug, Clone)]
pub(crate) struct Chain {
    pub(crate) leaf: CertificateInfo,
    pub(crate) rest: Vec<CertificateInfo>,
}

impl Chain {
    /// The last certificate: the one closest to a root (the leaf when alone).
    pub(crate) fn top(&self) -> &CertificateInfo {
        self.rest.last().unwrap_or(&self.leaf)
    }

    /// Every certificate, leaf first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &CertificateInfo> {
        std::iter::once(&self.leaf).chain(&self.rest)
    }
}

/// Reads every `CERTIFICATE` block of `text`, in order. At least one is required.
pub(crate) fn read_certificates(text: &str, path: &str) -> Result<Chain> {
    let blocks = parse_pem(text, path)?;
    let mut certificates = Vec::with_capacity(blocks.len());
    for (index, block) in blocks.into_iter().enumerate() {
        let number = index + 1;
        if block.tag() != "CERTIFICATE" {
            return Err(Error::credentials(
                CredentialErrorKind::InvalidPem,
                path,
                format!(
                    "PEM block {number} {}",
                    misplaced_block(block.tag(), "a certificate")
                ),
            ));
        }
        let info = CertificateInfo::from_der(block.into_contents()).map_err(|why| {
            Error::credentials(
                CredentialErrorKind::InvalidCertificate,
                path,
                format!("certificate {number} {why}"),
            )
        })?;
        certificates.push(info);
    }
    let mut certificates = certificates.into_iter();
    let leaf = certificates.next().ok_or_else(|| {
        Error::credentials(
            CredentialErrorKind::InvalidPem,
            path,
            format!(
                "holds no PEM block; expected `-----BEGIN CERTIFICATE-----`{}",
                base64_hint(text)
            ),
        )
    })?;
    Ok(Chain {
        leaf,
        rest: certificates.collect(),
    })
}

/// The blocks of `text`; a malformed text is an error that says what is wrong with it.
fn parse_pem(text: &str, path: &str) -> Result<Vec<pem::Pem>> {
    pem::parse_many(text).map_err(|error| {
        let why = match error {
            pem::PemError::MismatchedTags(begin, end) => format!(
                "a PEM block opens with `BEGIN {}` but closes with `END {}`",
                capped(&begin),
                capped(&end)
            ),
            pem::PemError::MissingEndTag | pem::PemError::MalformedFraming => {
                "a PEM block has no matching `-----END ...-----` line (cut short when copying?)"
                    .to_owned()
            }
            pem::PemError::MissingBeginTag => {
                "a PEM block has no `-----BEGIN ...-----` line".to_owned()
            }
            pem::PemError::MissingData => "a PEM block is empty".to_owned(),
            // The decoder's message names the offending byte: not repeated.
            pem::PemError::InvalidData(_) => {
                "the base64 text of a PEM block is damaged (a character that is not base64, or \
                 a line cut short)"
                    .to_owned()
            }
            pem::PemError::InvalidHeader(_) => "a PEM block has an unreadable header".to_owned(),
            pem::PemError::NotUtf8(_) => "a PEM block is not text".to_owned(),
        };
        Error::credentials(
            CredentialErrorKind::InvalidPem,
            path,
            format!("is not valid PEM: {why}"),
        )
    })
}

/// Why a block of another kind cannot be `wanted`, for the common mix-ups. A tag is a label
/// like `PRIVATE KEY`, never key material; capped anyway.
fn misplaced_block(tag: &str, wanted: &str) -> String {
    match tag {
        "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => format!(
            "is a private key (`{tag}`) where {wanted} belongs: were the certificate and the \
             key swapped?"
        ),
        "CERTIFICATE" => format!(
            "is a certificate where {wanted} belongs: were the certificate and the key swapped?"
        ),
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => format!(
            "is a certificate signing request, not {wanted}: have the CA sign it and give the \
             certificate it returns"
        ),
        "PUBLIC KEY" => format!("is a public key, not {wanted}"),
        other => format!(
            "is `{}`, not {wanted} (expected `{}`)",
            capped(other),
            if wanted == "a certificate" {
                "CERTIFICATE"
            } else {
                "PRIVATE KEY"
            }
        ),
    }
}

fn capped(text: &str) -> String {
    text.chars().take(40).collect()
}

/// A hint for text that holds no complete PEM block: a block cut short, or base64 of PEM (a
/// Secret's `data` value pasted as it is).
fn base64_hint(text: &str) -> &'static str {
    if text.contains("-----BEGIN") {
        return " (a `-----BEGIN` line is there, but its block does not end with a matching \
                `-----END` line: was it cut short when copying?)";
    }
    use base64::Engine as _;
    let compact: Zeroizing<String> =
        Zeroizing::new(text.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map(Zeroizing::new);
    match decoded {
        Ok(bytes) if bytes.starts_with(b"-----BEGIN") => {
            " (the text is base64 of PEM, as a Secret's `data` holds it: decode it first, e.g. \
             `base64 -d`)"
        }
        _ => "",
    }
}

/// A private key read from PEM. Only what the checks need is kept: its public part (derived
/// from the private part once, to compare with certificates), and for P-256 the secret
/// harbor-edge can sign with.
pub(crate) struct PrivateKey {
    public: PublicKeyMaterial,
    p256: Option<p256::SecretKey>,
}

impl PrivateKey {
    fn p256(secret: p256::SecretKey) -> Self {
        let public = PublicKeyMaterial::Ec {
            curve: P256_OID.to_owned(),
            point: secret.public_key().to_sec1_point(false).as_bytes().to_vec(),
        };
        Self {
            public,
            p256: Some(secret),
        }
    }

    fn other(public: PublicKeyMaterial) -> Self {
        Self { public, p256: None }
    }

    /// The public part.
    pub(crate) fn public_key(&self) -> &PublicKeyMaterial {
        &self.public
    }

    /// The P-256 secret, for a P-256 key.
    pub(crate) fn into_p256(self) -> Option<p256::SecretKey> {
        self.p256
    }
}

/// Reads the one private key in `text`: PKCS#8 (`PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) or
/// PKCS#1 (`RSA PRIVATE KEY`). Messages never hold key bytes.
pub(crate) fn read_private_key(text: &str, path: &str) -> Result<PrivateKey> {
    let invalid_pem =
        |message: String| Error::credentials(CredentialErrorKind::InvalidPem, path, message);
    let invalid_key =
        |message: &str| Error::credentials(CredentialErrorKind::InvalidKey, path, message);
    let blocks = parse_pem(text, path)?;
    let mut key = None;
    for (index, block) in blocks.into_iter().enumerate() {
        let tag = block.tag().to_owned();
        let der = Zeroizing::new(block.into_contents());
        let parsed = match tag.as_str() {
            // `openssl ecparam -genkey` writes the curve before the key.
            "EC PARAMETERS" => continue,
            "PRIVATE KEY" => read_pkcs8(&der, path)?,
            "EC PRIVATE KEY" => read_sec1(&der, None, path)?,
            "RSA PRIVATE KEY" => {
                let rsa =
                    pkcs1::RsaPrivateKey::<pkcs1::UintRef<'_>>::from_der(&der).map_err(|_| {
                        invalid_key(
                            "is not a valid PKCS#1 RSA private key (the bytes inside the PEM block \
                         are damaged)",
                        )
                    })?;
                rsa_public(&rsa)
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(invalid_key(
                    "is encrypted; give the key unencrypted (it is stored in a Secret), e.g. \
                     `openssl pkey -in key.pem -out plain.pem`",
                ));
            }
            _ => {
                return Err(invalid_pem(format!(
                    "PEM block {} {}",
                    index + 1,
                    misplaced_block(&tag, "a private key")
                )));
            }
        };
        if key.replace(parsed).is_some() {
            return Err(invalid_key(
                "holds more than one private key; give only the key of the certificate",
            ));
        }
    }
    key.ok_or_else(|| {
        invalid_pem(format!(
            "holds no private key; expected `-----BEGIN PRIVATE KEY-----`{}",
            base64_hint(text)
        ))
    })
}

fn read_pkcs8(der: &[u8], path: &str) -> Result<PrivateKey> {
    let invalid = || {
        Error::credentials(
            CredentialErrorKind::InvalidKey,
            path,
            "is not a valid PKCS#8 private key (the bytes inside the PEM block are damaged)",
        )
    };
    let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|_| invalid())?;
    let algorithm = info.algorithm.oid.to_string();
    let private_key = info.private_key.as_bytes();
    match algorithm.as_str() {
        EC_PUBLIC_KEY_OID => {
            let curve = info
                .algorithm
                .parameters
                .and_then(|params| params.decode_as::<pkcs8::ObjectIdentifier>().ok())
                .map(|oid| oid.to_string());
            read_sec1(private_key, curve, path)
        }
        RSA_OID => {
            let rsa = pkcs1::RsaPrivateKey::<pkcs1::UintRef<'_>>::from_der(private_key)
                .map_err(|_| invalid())?;
            Ok(rsa_public(&rsa))
        }
        _ => match info.public_key {
            // PKCS#8 v2 (e.g. Ed25519 from some tools) may carry the public key.
            Some(public) => Ok(PrivateKey::other(PublicKeyMaterial::Other {
                algorithm,
                key: public.raw_bytes().to_vec(),
            })),
            None => Err(Error::credentials(
                CredentialErrorKind::UnsupportedKey,
                path,
                format!(
                    "is a key of {}; harbor-edge accepts RSA (2048 bits or more) and ECDSA \
                     P-256 or P-384 keys",
                    PublicKeyMaterial::Other {
                        algorithm,
                        key: Vec::new()
                    }
                    .describe()
                ),
            )),
        },
    }
}

fn read_sec1(der: &[u8], curve: Option<String>, path: &str) -> Result<PrivateKey> {
    let invalid =
        |message: &str| Error::credentials(CredentialErrorKind::InvalidKey, path, message);
    let key = sec1::EcPrivateKey::from_der(der).map_err(|_| {
        invalid("is not a valid EC private key (the bytes inside the PEM block are damaged)")
    })?;
    let curve = curve
        .or_else(|| {
            key.parameters
                .and_then(|params| params.named_curve())
                .map(|oid| oid.to_string())
        })
        .unwrap_or_default();
    match curve.as_str() {
        P256_OID => {
            let secret = p256::SecretKey::from_slice(key.private_key)
                .map_err(|_| invalid("is not a valid P-256 private key"))?;
            Ok(PrivateKey::p256(secret))
        }
        P384_OID => {
            let secret = p384::SecretKey::from_slice(key.private_key)
                .map_err(|_| invalid("is not a valid P-384 private key"))?;
            Ok(PrivateKey::other(PublicKeyMaterial::Ec {
                curve,
                point: secret.public_key().to_sec1_point(false).as_bytes().to_vec(),
            }))
        }
        _ => match key.public_key {
            Some(point) => Ok(PrivateKey::other(PublicKeyMaterial::Ec {
                curve,
                point: point.to_vec(),
            })),
            None => Err(Error::credentials(
                CredentialErrorKind::UnsupportedKey,
                path,
                format!(
                    "is an EC key on {}; harbor-edge accepts ECDSA P-256 or P-384 (and RSA of \
                     2048 bits or more)",
                    curve_name(&curve)
                ),
            )),
        },
    }
}

fn rsa_public(rsa: &pkcs1::RsaPrivateKey<pkcs1::UintRef<'_>>) -> PrivateKey {
    PrivateKey::other(PublicKeyMaterial::Rsa {
        modulus: strip_leading_zeros(rsa.modulus.as_bytes()).to_vec(),
        exponent: strip_leading_zeros(rsa.public_exponent.as_bytes()).to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_cover_one_label_and_need_a_parent_domain() {
        assert!(host_matches("*.registry.local", "spectro.registry.local"));
        assert!(host_matches(
            "SPECTRO.Registry.Local",
            "spectro.registry.local"
        ));
        assert!(!host_matches("*.local", "registry.local"));
        assert!(!host_matches(
            "*.spectro.registry.local",
            "spectro.registry.local"
        ));
        assert!(!host_matches("*.local", "spectro.registry.local"));
    }

    #[test]
    fn base64_of_pem_earns_a_hint() {
        use base64::Engine as _;
        let pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let encoded = base64::engine::general_purpose::STANDARD.encode(pem);
        assert!(base64_hint(&encoded).contains("base64 -d"));
        assert_eq!(base64_hint("plain words"), "");
    }
}
