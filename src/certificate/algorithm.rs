//! Signature algorithms and key strengths, as a Go client judges them (SPEC 4.3): ECDSA with
//! SHA-256/384/512 on P-256 or P-384, RSA PKCS#1 v1.5 or RSA-PSS with SHA-256/384/512 and keys
//! of 2048 bits or more. SHA-1 and MD5 are refused, as Go refuses them.

use x509_parser::x509::AlgorithmIdentifier;

use super::public_key::{P256_OID, P384_OID, PublicKeyMaterial, curve_name};

/// The smallest RSA key accepted.
pub(crate) const MIN_RSA_BITS: usize = 2048;
/// The largest RSA key read: far above any real certificate, a bound on the work a hostile
/// key can cause.
pub(crate) const MAX_RSA_BITS: usize = 16384;

/// A hash of the SHA-2 family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sha2 {
    Sha256,
    Sha384,
    Sha512,
}

impl Sha2 {
    fn from_oid(oid: &str) -> Option<Self> {
        match oid {
            "2.16.840.1.101.3.4.2.1" => Some(Sha2::Sha256),
            "2.16.840.1.101.3.4.2.2" => Some(Sha2::Sha384),
            "2.16.840.1.101.3.4.2.3" => Some(Sha2::Sha512),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Sha2::Sha256 => "SHA-256",
            Sha2::Sha384 => "SHA-384",
            Sha2::Sha512 => "SHA-512",
        }
    }
}

/// How a certificate is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignatureAlgorithm {
    /// `ecdsa-with-SHA256` and its siblings.
    Ecdsa(Sha2),
    /// `sha256WithRSAEncryption` and its siblings.
    RsaPkcs1(Sha2),
    /// `RSASSA-PSS` with this hash for the message and MGF1, and a salt as long as the hash
    /// (the only form Go verifies).
    RsaPss(Sha2),
    /// SHA-1 or MD5, which Go refuses: the name for the message.
    Weak(&'static str),
    /// Anything else: a description for the message.
    Unsupported(String),
}

impl SignatureAlgorithm {
    /// Reads the certificate's `signatureAlgorithm`.
    pub(crate) fn from_identifier(identifier: &AlgorithmIdentifier<'_>) -> Self {
        let oid = identifier.algorithm.to_id_string();
        match oid.as_str() {
            "1.2.840.10045.4.3.2" => Self::Ecdsa(Sha2::Sha256),
            "1.2.840.10045.4.3.3" => Self::Ecdsa(Sha2::Sha384),
            "1.2.840.10045.4.3.4" => Self::Ecdsa(Sha2::Sha512),
            "1.2.840.113549.1.1.11" => Self::RsaPkcs1(Sha2::Sha256),
            "1.2.840.113549.1.1.12" => Self::RsaPkcs1(Sha2::Sha384),
            "1.2.840.113549.1.1.13" => Self::RsaPkcs1(Sha2::Sha512),
            "1.2.840.113549.1.1.10" => pss(identifier),
            "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => Self::Weak("RSA with SHA-1"),
            "1.2.840.113549.1.1.4" => Self::Weak("RSA with MD5"),
            "1.2.840.113549.1.1.2" => Self::Weak("RSA with MD2"),
            "1.2.840.10045.4.1" => Self::Weak("ECDSA with SHA-1"),
            "1.2.840.10040.4.3" => Self::Weak("DSA with SHA-1"),
            "1.2.840.113549.1.1.14" => Self::Unsupported("RSA with SHA-224".into()),
            "1.2.840.10045.4.3.1" => Self::Unsupported("ECDSA with SHA-224".into()),
            "1.3.101.112" => Self::Unsupported("Ed25519".into()),
            other => Self::Unsupported(format!("algorithm {other}")),
        }
    }

    /// For messages: `ECDSA with SHA-256`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Ecdsa(hash) => format!("ECDSA with {}", hash.name()),
            Self::RsaPkcs1(hash) => format!("RSA with {}", hash.name()),
            Self::RsaPss(hash) => format!("RSA-PSS with {}", hash.name()),
            Self::Weak(name) => (*name).to_owned(),
            Self::Unsupported(name) => name.clone(),
        }
    }
}

/// RSASSA-PSS with the parameters Go accepts: a SHA-2 hash, MGF1 with the same hash, a salt as
/// long as the hash, trailer field 1.
fn pss(identifier: &AlgorithmIdentifier<'_>) -> SignatureAlgorithm {
    use x509_parser::signature_algorithm::RsaSsaPssParams;
    let unsupported = |why: &str| SignatureAlgorithm::Unsupported(format!("RSA-PSS {why}"));
    let Some(params) = identifier.parameters.as_ref() else {
        return unsupported("without parameters");
    };
    let Ok(params) = RsaSsaPssParams::try_from(params) else {
        return unsupported("with unreadable parameters");
    };
    let hash_oid = params.hash_algorithm_oid().to_id_string();
    let Some(hash) = Sha2::from_oid(&hash_oid) else {
        return if hash_oid == "1.3.14.3.2.26" {
            SignatureAlgorithm::Weak("RSA-PSS with SHA-1")
        } else {
            unsupported(&format!("with hash {hash_oid}"))
        };
    };
    let mgf_fits = params.mask_gen_algorithm().is_ok_and(|mgf| {
        mgf.mgf.to_id_string() == "1.2.840.113549.1.1.8"
            && Sha2::from_oid(&mgf.hash.to_id_string()) == Some(hash)
    });
    let salt = match hash {
        Sha2::Sha256 => 32,
        Sha2::Sha384 => 48,
        Sha2::Sha512 => 64,
    };
    if !mgf_fits {
        return unsupported("with a mask generation function other than MGF1 with the same hash");
    }
    if params.salt_length() != salt || params.trailer_field() != 1 {
        return unsupported("with a salt length other than the hash length");
    }
    SignatureAlgorithm::RsaPss(hash)
}

/// Why `key` is below the floors, or `None` when it is fine: RSA of
/// [`MIN_RSA_BITS`]..=[`MAX_RSA_BITS`] bits, ECDSA P-256 or P-384.
pub(crate) fn key_problem(key: &PublicKeyMaterial) -> Option<String> {
    match key {
        PublicKeyMaterial::Ec { curve, .. } if curve == P256_OID || curve == P384_OID => None,
        PublicKeyMaterial::Ec { curve, .. } => Some(format!(
            "has an ECDSA key on {}; Go clients (containerd, Docker) and harbor-edge accept \
             P-256 and P-384 only",
            curve_name(curve)
        )),
        PublicKeyMaterial::Rsa { .. } => {
            let bits = key.rsa_bits().unwrap_or(0);
            if bits < MIN_RSA_BITS {
                Some(format!(
                    "has an RSA key of {bits} bits; at least {MIN_RSA_BITS} are required"
                ))
            } else if bits > MAX_RSA_BITS {
                Some(format!(
                    "has an RSA key of {bits} bits; harbor-edge reads RSA keys up to \
                     {MAX_RSA_BITS} bits"
                ))
            } else {
                None
            }
        }
        PublicKeyMaterial::Other { .. } => Some(format!(
            "has a key of {}; harbor-edge accepts RSA (2048 bits or more) and ECDSA P-256 or \
             P-384 keys",
            key.describe()
        )),
    }
}
