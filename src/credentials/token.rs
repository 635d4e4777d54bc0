//! Harbor's token signing key and certificate (`core.secretName`, keys `tls.key` and
//! `tls.crt`). Harbor signs registry tokens with RS256, so the key is RSA; the chart would
//! otherwise make a new one on every render (`genCA "harbor-token-ca" 365`).

use std::num::NonZeroU32;

use crypto_primes::hazmat::SmallFactorsSieve;
use crypto_primes::{Flavor, is_prime};
use rand_core::Rng;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyIdMethod,
    KeyUsagePurpose,
};
use rsa::BoxedUint;
use zeroize::Zeroizing;

use super::existing::ExistingSecret;
use super::generate::{add_years, serial};
use super::generator::{Generator, Purpose};
use super::rotation::Rotation;
use super::rotation::rotation_context;
use super::signing::RsaSigningKey;
use super::{EXPIRY_MARGIN, InternalCredential, Origin, TOKEN_CERT_KEY, TOKEN_KEY_KEY};
use crate::certificate::{PublicKeyMaterial, read_certificates, rfc3339, strip_leading_zeros};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::error::{CredentialErrorKind, Error, Result};
use crate::path::Path;
use crate::secret::SecretString;

/// Size of a generated token key. 2048 bits is what Harbor's own installer and the chart make.
pub(crate) const TOKEN_KEY_BITS: u32 = 2048;
/// The smallest reused token key accepted (SPEC 5.1).
const MIN_KEY_BITS: usize = 2048;
/// The usual RSA public exponent.
const PUBLIC_EXPONENT: u64 = 65_537;
/// Lifetime of the token certificate, in years.
const VALIDITY_YEARS: i32 = 10;
/// The certificate's common name: the chart names its own token certificate so.
const COMMON_NAME: &str = "harbor-token-ca";

/// What to do about the token key and certificate.
pub(crate) enum TokenPlan {
    /// Both reused as they are.
    Keep {
        certificate: SecretString,
        private_key: SecretString,
    },
    /// The key kept, the certificate issued anew from it.
    Reissue {
        private_key: SecretString,
        key: Box<RsaSigningKey>,
        context: Vec<u8>,
        origin: Origin,
    },
    /// A new key and certificate.
    Generate { context: Vec<u8>, origin: Origin },
}

impl TokenPlan {
    /// `(key, certificate)` origins.
    pub(crate) fn origins(&self) -> (Origin, Origin) {
        match self {
            TokenPlan::Keep { .. } => (Origin::Reused, Origin::Reused),
            TokenPlan::Reissue { origin, .. } => (Origin::Reused, *origin),
            TokenPlan::Generate { origin, .. } => (*origin, *origin),
        }
    }

    /// Whether carrying out the plan makes a certificate.
    pub(crate) fn makes_certificate(&self) -> bool {
        !matches!(self, TokenPlan::Keep { .. })
    }

    /// `(certificate, private key)`, made where the plan says.
    pub(crate) fn realize(self, generator: &mut Generator) -> Result<(SecretString, SecretString)> {
        match self {
            TokenPlan::Keep {
                certificate,
                private_key,
            } => Ok((certificate, private_key)),
            TokenPlan::Reissue {
                private_key,
                key,
                context,
                ..
            } => Ok((issue_certificate(generator, &key, &context)?, private_key)),
            TokenPlan::Generate { context, .. } => {
                let key = generate_key(generator, &context)?;
                let certificate = issue_certificate(generator, &key, &context)?;
                Ok((certificate, key.to_pkcs1_pem()?))
            }
        }
    }
}

/// A new RSA key from the generator's token-key stream: the same seed gives the same key.
///
/// Each prime is searched from a starting point drawn as big-endian bytes (top two bits and
/// the lowest bit set, so the modulus has exactly [`TOKEN_KEY_BITS`] bits), upwards through a
/// small-factor sieve, with the deterministic Baillie-PSW test. Nothing but the byte stream
/// decides the key, whatever the platform's word size.
///
/// `context` is empty for a first key; a rotation names what it replaces.
pub(crate) fn generate_key(generator: &mut Generator, context: &[u8]) -> Result<RsaSigningKey> {
    let mut rng = generator.rng(Purpose::TokenKey, context)?;
    let exponent = BoxedUint::from(PUBLIC_EXPONENT);
    loop {
        let p = draw_prime(&mut rng, TOKEN_KEY_BITS / 2)?;
        let q = draw_prime(&mut rng, TOKEN_KEY_BITS / 2)?;
        if p == q {
            continue;
        }
        // Fails only when the exponent shares a factor with p - 1 or q - 1: draw again.
        if let Ok(key) = rsa::PrivateKey::from_p_q(p, q, exponent.clone()) {
            return RsaSigningKey::new(key);
        }
    }
}

fn draw_prime(rng: &mut impl Rng, bits: u32) -> Result<BoxedUint> {
    let length = NonZeroU32::new(bits).ok_or_else(|| generation_error("a prime of no bits"))?;
    let mut bytes = Zeroizing::new(vec![0u8; bits.div_ceil(8) as usize]);
    loop {
        rng.fill_bytes(&mut bytes);
        bytes[0] |= 0xc0;
        if let Some(last) = bytes.last_mut() {
            *last |= 1;
        }
        let start = BoxedUint::from_be_slice(&bytes, bits)
            .map_err(|_| generation_error("a prime candidate"))?;
        let mut sieve = SmallFactorsSieve::new(start, length, false)
            .map_err(|_| generation_error("a prime candidate"))?;
        if let Some(prime) = sieve.find(|candidate| is_prime(Flavor::Any, candidate)) {
            return Ok(prime);
        }
    }
}

/// A self-signed certificate for `key`, valid 10 years from the generator's validity start.
/// `context` separates a reissue's serial number from the first issue's.
pub(crate) fn issue_certificate(
    generator: &mut Generator,
    key: &RsaSigningKey,
    context: &[u8],
) -> Result<SecretString> {
    let not_before = generator.validity_start();
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, COMMON_NAME);
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.not_before = not_before;
    params.not_after = add_years(not_before, VALIDITY_YEARS);
    params.serial_number = Some(serial(&mut generator.rng(Purpose::TokenSerial, context)?));
    params.key_identifier_method = KeyIdMethod::PreSpecified(key.key_identifier());
    let certificate = params.self_signed(key).map_err(|error| {
        Error::credentials(
            CredentialErrorKind::Generation,
            "credentials",
            format!("cannot make the token certificate: {error}"),
        )
    })?;
    Ok(SecretString::new(certificate.pem()))
}

/// Plans the token material from `existing` (the `harbor-core-token` Secret): checked and kept
/// byte for byte; its certificate reissued from the same key when it expires within 30 days
/// or `rotation` names it; a new key and certificate without a Secret or when `rotation` names
/// the key.
pub(crate) fn plan(
    existing: Option<&ExistingSecret>,
    rotation: &Rotation,
    now: time::OffsetDateTime,
) -> Result<(TokenPlan, Vec<Diagnostic>)> {
    let Some(secret) = existing else {
        let plan = TokenPlan::Generate {
            context: Vec::new(),
            origin: Origin::Generated,
        };
        return Ok((plan, Vec::new()));
    };
    if rotation.contains_internal(InternalCredential::TokenKey) {
        let replaced = secret
            .value(TOKEN_CERT_KEY)
            .map_or_else(String::new, |text| text.expose().to_owned());
        let plan = TokenPlan::Generate {
            context: rotation_context(&replaced),
            origin: Origin::Rotated,
        };
        return Ok((plan, Vec::new()));
    }
    let (Some(cert_text), Some(key_text)) =
        (secret.value(TOKEN_CERT_KEY), secret.value(TOKEN_KEY_KEY))
    else {
        let missing = if secret.value(TOKEN_CERT_KEY).is_none() {
            TOKEN_CERT_KEY
        } else {
            TOKEN_KEY_KEY
        };
        return Err(Error::credentials(
            CredentialErrorKind::InvalidExistingSecret,
            secret.path(missing),
            "is missing: the token Secret needs tls.crt and tls.key together; complete it, or \
             pass --rotate token-key to make a new pair (sessions and tokens then end)",
        ));
    };
    let key_path = secret.path(TOKEN_KEY_KEY);
    let key_public = read_pkcs1_public(key_text.expose(), &key_path)?;
    let cert_path = secret.path(TOKEN_CERT_KEY);
    let chain = read_certificates(cert_text.expose(), &cert_path)?;
    let leaf = chain.leaf;
    if leaf.public_key != key_public {
        return Err(Error::credentials(
            CredentialErrorKind::KeyMismatch,
            key_path,
            "is not the private key of tls.crt (their public keys differ)",
        ));
    }
    let rotate = rotation.contains_internal(InternalCredential::TokenCertificate);
    if !rotate && leaf.not_after - now >= EXPIRY_MARGIN {
        let plan = TokenPlan::Keep {
            certificate: cert_text.clone(),
            private_key: key_text.clone(),
        };
        return Ok((plan, Vec::new()));
    }
    // Reissue from the same key: only now is the whole key read and checked.
    let key = {
        use rsa::pkcs1::DecodeRsaPrivateKey as _;
        let parsed = rsa::PrivateKey::from_pkcs1_pem(key_text.expose()).map_err(|_| {
            Error::credentials(
                CredentialErrorKind::InvalidKey,
                &key_path,
                "is not a consistent RSA private key (its parts do not fit together)",
            )
        })?;
        Box::new(RsaSigningKey::new(parsed)?)
    };
    let mut context = if rotate {
        rotation_context(cert_text.expose())
    } else {
        b"reissue:".to_vec()
    };
    context.extend_from_slice(&leaf.serial);
    let warnings = if rotate {
        Vec::new()
    } else {
        vec![Diagnostic::new(
            DiagnosticKind::TokenCertificateReissued,
            Path::notation(&cert_path),
            format!(
                "the token certificate ends on {}, within 30 days: it was reissued from the same \
                 key, so tokens Harbor issues keep verifying",
                rfc3339(leaf.not_after)
            ),
        )]
    };
    let plan = TokenPlan::Reissue {
        private_key: key_text.clone(),
        key,
        context,
        origin: if rotate {
            Origin::Rotated
        } else {
            Origin::Reissued
        },
    };
    Ok((plan, warnings))
}

/// The public half of a PKCS#1 (`RSA PRIVATE KEY`) key, without checking the private parts:
/// comparing it with the certificate is what reuse needs, and stays cheap. Other key forms are
/// errors, since Harbor core would fail to load them when it issues its first token.
fn read_pkcs1_public(text: &str, path: &str) -> Result<PublicKeyMaterial> {
    use pkcs1::der::Decode as _;
    let invalid = |kind, message: String| Error::credentials(kind, path, message);
    let blocks = pem::parse_many(text).map_err(|error| {
        invalid(
            CredentialErrorKind::InvalidPem,
            format!("is not valid PEM ({error})"),
        )
    })?;
    let [block] = blocks.as_slice() else {
        return Err(invalid(
            CredentialErrorKind::InvalidPem,
            format!(
                "holds {} PEM blocks; expected one `RSA PRIVATE KEY`",
                blocks.len()
            ),
        ));
    };
    if block.tag() != "RSA PRIVATE KEY" {
        return Err(invalid(
            CredentialErrorKind::UnsupportedKey,
            format!(
                "is a `{}` PEM block; Harbor core reads its token key only as PKCS#1 \
                 (`RSA PRIVATE KEY`, e.g. `openssl rsa -traditional`)",
                block.tag().chars().take(40).collect::<String>()
            ),
        ));
    }
    let der = Zeroizing::new(block.contents().to_vec());
    let key = pkcs1::RsaPrivateKey::<pkcs1::UintRef<'_>>::from_der(&der).map_err(|_| {
        invalid(
            CredentialErrorKind::InvalidKey,
            "is not a valid PKCS#1 RSA private key".to_owned(),
        )
    })?;
    let modulus = strip_leading_zeros(key.modulus.as_bytes());
    let bits = modulus.len() * 8 - modulus.first().map_or(8, |b| b.leading_zeros() as usize);
    if bits < MIN_KEY_BITS {
        return Err(invalid(
            CredentialErrorKind::UnsupportedKey,
            format!(
                "is an RSA key of {bits} bits; Harbor's token key needs {MIN_KEY_BITS} or more"
            ),
        ));
    }
    Ok(PublicKeyMaterial::Rsa {
        modulus: modulus.to_vec(),
        exponent: strip_leading_zeros(key.public_exponent.as_bytes()).to_vec(),
    })
}

fn generation_error(what: &str) -> Error {
    Error::credentials(
        CredentialErrorKind::Generation,
        "credentials",
        format!("cannot make {what} for the token key"),
    )
}
