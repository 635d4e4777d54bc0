//! Reading PEM certificates (x509-parser) and private keys (pkcs8, sec1, pkcs1), and the public
//! key of each in one comparable form, so "does this key belong to that certificate" is an
//! equality test.

use std::net::IpAddr;

use p256::elliptic_curve::sec1::ToSec1Point;
use pkcs8::der::Decode;
use time::OffsetDateTime;
use x509_parser::extensions::GeneralName;
use x509_parser::public_key::PublicKey;
use zeroize::Zeroizing;

use crate::error::{CredentialErrorKind, Error, Result};

/// Named curve P-256 (secp256r1).
const P256_OID: &str = "1.2.840.10045.3.1.7";
/// `id-ecPublicKey`.
const EC_PUBLIC_KEY_OID: &str = "1.2.840.10045.2.1";
/// `rsaEncryption`.
const RSA_OID: &str = "1.2.840.113549.1.1.1";

/// A public key in a form where equal keys compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PublicKeyMaterial {
    /// An EC point; uncompressed for P-256.
    Ec { curve: String, point: Vec<u8> },
    /// RSA modulus and exponent, without leading zero bytes.
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
    /// Any other algorithm: its OID and the raw public key bits.
    Other { algorithm: String, key: Vec<u8> },
}

/// What the checks need from one certificate, copied out of the DER so nothing borrows.
#[derive(Debug, Clone)]
pub(crate) struct CertificateInfo {
    pub(crate) der: Vec<u8>,
    pub(crate) common_names: Vec<String>,
    pub(crate) dns_names: Vec<String>,
    pub(crate) ip_addresses: Vec<IpAddr>,
    pub(crate) not_before: OffsetDateTime,
    pub(crate) not_after: OffsetDateTime,
    pub(crate) is_ca: bool,
    /// Raw DER of the subject and issuer names, to tell who issued what.
    pub(crate) subject: Vec<u8>,
    pub(crate) issuer: Vec<u8>,
    pub(crate) serial: Vec<u8>,
    pub(crate) public_key: PublicKeyMaterial,
}

impl CertificateInfo {
    /// Parses one DER certificate; the error says why, for a person.
    pub(crate) fn from_der(der: Vec<u8>) -> std::result::Result<Self, String> {
        let (rest, cert) = x509_parser::parse_x509_certificate(&der)
            .map_err(|error| format!("is not a valid X.509 certificate ({error})"))?;
        if !rest.is_empty() {
            return Err("has bytes after the end of the certificate".into());
        }
        let mut dns_names = Vec::new();
        let mut ip_addresses = Vec::new();
        let sans = cert
            .subject_alternative_name()
            .map_err(|error| format!("has an unreadable subjectAltName ({error})"))?;
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
        let public_key = certificate_public_key(cert.public_key())?;
        let info = Self {
            common_names,
            dns_names,
            ip_addresses,
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            is_ca: cert.is_ca(),
            subject: cert.subject().as_raw().to_vec(),
            issuer: cert.issuer().as_raw().to_vec(),
            serial: cert.raw_serial().to_vec(),
            public_key,
            // `cert` borrows `der`; the buffer moves in once the borrow has ended.
            der: Vec::new(),
        };
        Ok(Self { der, ..info })
    }

    /// Whether the common name or a DNS subject alternative name is `host` (names compare
    /// case-insensitively; a wildcard `*.rest` covers one left-most label).
    pub(crate) fn names_host(&self, host: &str) -> bool {
        self.common_names
            .iter()
            .chain(&self.dns_names)
            .any(|name| host_matches(name, host))
    }

    /// Whether an IP subject alternative name is `ip`.
    pub(crate) fn has_ip(&self, ip: IpAddr) -> bool {
        self.ip_addresses.contains(&ip)
    }

    /// The certificate as PEM, LF line endings.
    pub(crate) fn to_pem(&self) -> String {
        encode_pem("CERTIFICATE", &self.der)
    }
}

/// PEM text with LF line endings on every platform (reproducible output).
pub(crate) fn encode_pem(tag: &str, der: &[u8]) -> String {
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
        (Some(suffix), Some((_, host_rest))) => suffix.eq_ignore_ascii_case(host_rest),
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

/// P-256 points in uncompressed form, whatever form they came in; other curves as given.
fn normalize_point(curve: &str, point: &[u8]) -> Vec<u8> {
    if curve == P256_OID {
        if let Ok(key) = p256::PublicKey::from_sec1_bytes(point) {
            return key.to_sec1_point(false).as_bytes().to_vec();
        }
    }
    point.to_vec()
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
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
}

/// Reads every `CERTIFICATE` block of `text`, in order. At least one is required.
pub(crate) fn read_certificates(text: &str, path: &str) -> Result<Chain> {
    let blocks = pem::parse_many(text).map_err(|error| {
        Error::credentials(
            CredentialErrorKind::InvalidPem,
            path,
            format!("is not valid PEM ({error})"),
        )
    })?;
    let mut certificates = Vec::with_capacity(blocks.len());
    for (index, block) in blocks.into_iter().enumerate() {
        if block.tag() != "CERTIFICATE" {
            return Err(Error::credentials(
                CredentialErrorKind::InvalidPem,
                path,
                format!(
                    "PEM block {} is `{}`, expected `CERTIFICATE`",
                    index + 1,
                    // A tag is a label like `PRIVATE KEY`, never key material; cap it anyway.
                    block.tag().chars().take(40).collect::<String>()
                ),
            ));
        }
        let info = CertificateInfo::from_der(block.into_contents()).map_err(|why| {
            Error::credentials(
                CredentialErrorKind::InvalidCertificate,
                path,
                format!("certificate {} {why}", index + 1),
            )
        })?;
        certificates.push(info);
    }
    let mut certificates = certificates.into_iter();
    let leaf = certificates.next().ok_or_else(|| {
        Error::credentials(
            CredentialErrorKind::InvalidPem,
            path,
            "holds no PEM block; expected `-----BEGIN CERTIFICATE-----`",
        )
    })?;
    Ok(Chain {
        leaf,
        rest: certificates.collect(),
    })
}

/// A private key read from PEM. Only what the checks need is kept: the P-256 secret (to sign
/// with) or the public part (to compare).
pub(crate) enum PrivateKey {
    /// A P-256 key; harbor-edge can sign with it.
    P256(p256::SecretKey),
    /// Another key; only its public part is known.
    Other(PublicKeyMaterial),
}

impl PrivateKey {
    /// The public part.
    pub(crate) fn public_key(&self) -> PublicKeyMaterial {
        match self {
            PrivateKey::P256(secret) => PublicKeyMaterial::Ec {
                curve: P256_OID.to_owned(),
                point: secret.public_key().to_sec1_point(false).as_bytes().to_vec(),
            },
            PrivateKey::Other(public) => public.clone(),
        }
    }
}

/// Reads the one private key in `text`: PKCS#8 (`PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) or
/// PKCS#1 (`RSA PRIVATE KEY`). Messages never hold key bytes.
pub(crate) fn read_private_key(text: &str, path: &str) -> Result<PrivateKey> {
    let invalid_pem =
        |message: String| Error::credentials(CredentialErrorKind::InvalidPem, path, message);
    let invalid_key =
        |message: &str| Error::credentials(CredentialErrorKind::InvalidKey, path, message);
    // The pem crate's error names a position or a malformed line, not the decoded bytes.
    let blocks = pem::parse_many(text)
        .map_err(|error| invalid_pem(format!("is not valid PEM ({error})")))?;
    let mut key = None;
    for block in blocks {
        let tag = block.tag().to_owned();
        let der = Zeroizing::new(block.into_contents());
        let parsed = match tag.as_str() {
            // `openssl ecparam -genkey` writes the curve before the key.
            "EC PARAMETERS" => continue,
            "PRIVATE KEY" => read_pkcs8(&der, path)?,
            "EC PRIVATE KEY" => read_sec1(&der, None, path)?,
            "RSA PRIVATE KEY" => {
                let rsa = pkcs1::RsaPrivateKey::<pkcs1::UintRef<'_>>::from_der(&der)
                    .map_err(|_| invalid_key("is not a valid PKCS#1 RSA private key"))?;
                rsa_public(&rsa)
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(invalid_key(
                    "is encrypted; give the key unencrypted (it is stored in a Secret)",
                ));
            }
            _ => {
                return Err(invalid_pem(format!(
                    "holds a `{}` PEM block, expected a private key",
                    tag.chars().take(40).collect::<String>()
                )));
            }
        };
        if key.replace(parsed).is_some() {
            return Err(invalid_key("holds more than one private key"));
        }
    }
    key.ok_or_else(|| {
        invalid_pem("holds no private key; expected `-----BEGIN PRIVATE KEY-----`".into())
    })
}

fn read_pkcs8(der: &[u8], path: &str) -> Result<PrivateKey> {
    let invalid = || {
        Error::credentials(
            CredentialErrorKind::InvalidKey,
            path,
            "is not a valid PKCS#8 private key",
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
            Some(public) => Ok(PrivateKey::Other(PublicKeyMaterial::Other {
                algorithm,
                key: public.raw_bytes().to_vec(),
            })),
            None => Err(Error::credentials(
                CredentialErrorKind::UnsupportedKey,
                path,
                format!(
                    "is a key of algorithm {algorithm}; harbor-edge reads P-256, other EC keys \
                     with their public point, and RSA keys"
                ),
            )),
        },
    }
}

fn read_sec1(der: &[u8], curve: Option<String>, path: &str) -> Result<PrivateKey> {
    let key = sec1::EcPrivateKey::from_der(der).map_err(|_| {
        Error::credentials(
            CredentialErrorKind::InvalidKey,
            path,
            "is not a valid EC private key",
        )
    })?;
    let curve = curve
        .or_else(|| {
            key.parameters
                .and_then(|params| params.named_curve())
                .map(|oid| oid.to_string())
        })
        .unwrap_or_default();
    if curve == P256_OID {
        let secret = p256::SecretKey::from_slice(key.private_key).map_err(|_| {
            Error::credentials(
                CredentialErrorKind::InvalidKey,
                path,
                "is not a valid P-256 private key",
            )
        })?;
        return Ok(PrivateKey::P256(secret));
    }
    match key.public_key {
        Some(point) => Ok(PrivateKey::Other(PublicKeyMaterial::Ec {
            curve,
            point: point.to_vec(),
        })),
        None => Err(Error::credentials(
            CredentialErrorKind::UnsupportedKey,
            path,
            "is an EC key on a curve other than P-256 without its public point",
        )),
    }
}

fn rsa_public(rsa: &pkcs1::RsaPrivateKey<pkcs1::UintRef<'_>>) -> PrivateKey {
    PrivateKey::Other(PublicKeyMaterial::Rsa {
        modulus: strip_leading_zeros(rsa.modulus.as_bytes()).to_vec(),
        exponent: strip_leading_zeros(rsa.public_exponent.as_bytes()).to_vec(),
    })
}
