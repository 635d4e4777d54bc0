//! Checking a certificate's signature with its issuer's public key: ECDSA P-256 and P-384
//! (`p256`, `p384`), RSA PKCS#1 v1.5 and RSA-PSS (`rsa`), over SHA-2 (`sha2`). No ring, no
//! OS crypto: the library stays usable from a build script.

use sha2::{Digest, Sha256, Sha384, Sha512};

use super::algorithm::{MAX_RSA_BITS, MIN_RSA_BITS, Sha2, SignatureAlgorithm};
use super::public_key::{P256_OID, P384_OID, PublicKeyMaterial};
use super::read::CertificateInfo;

/// Why a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignatureFailure {
    /// The algorithm is one Go clients refuse (SHA-1, MD5).
    Weak(String),
    /// An algorithm harbor-edge does not verify.
    Unsupported(String),
    /// The algorithm needs another kind of key than the issuer's (an ECDSA signature, an RSA
    /// key), or a key of a size that is refused.
    KeyDoesNotFit(String),
    /// The signature does not match: another key signed the certificate, or it was changed.
    Mismatch,
}

/// Checks that `issuer_key` signed `certificate`.
pub(crate) fn verify_signature(
    certificate: &CertificateInfo,
    issuer_key: &PublicKeyMaterial,
) -> Result<(), SignatureFailure> {
    let tbs = &certificate.tbs;
    let signature = &certificate.signature;
    match (&certificate.signature_algorithm, issuer_key) {
        (SignatureAlgorithm::Weak(name), _) => Err(SignatureFailure::Weak((*name).to_owned())),
        (SignatureAlgorithm::Unsupported(name), _) => {
            Err(SignatureFailure::Unsupported(name.clone()))
        }
        (SignatureAlgorithm::Ecdsa(hash), PublicKeyMaterial::Ec { curve, point }) => {
            let digest = digest(*hash, tbs);
            let verified = match curve.as_str() {
                P256_OID => verify_p256(point, &digest, signature),
                P384_OID => verify_p384(point, &digest, signature),
                _ => {
                    return Err(SignatureFailure::KeyDoesNotFit(
                        "the issuer's ECDSA key is on a curve harbor-edge does not verify".into(),
                    ));
                }
            };
            verified.then_some(()).ok_or(SignatureFailure::Mismatch)
        }
        (
            SignatureAlgorithm::RsaPkcs1(hash) | SignatureAlgorithm::RsaPss(hash),
            PublicKeyMaterial::Rsa { modulus, exponent },
        ) => {
            let key = rsa_key(modulus, exponent)?;
            let digest = digest(*hash, tbs);
            let verified = match (&certificate.signature_algorithm, hash) {
                (SignatureAlgorithm::RsaPkcs1(_), Sha2::Sha256) => {
                    key.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
                }
                (SignatureAlgorithm::RsaPkcs1(_), Sha2::Sha384) => {
                    key.verify(rsa::Pkcs1v15Sign::new::<Sha384>(), &digest, signature)
                }
                (SignatureAlgorithm::RsaPkcs1(_), Sha2::Sha512) => {
                    key.verify(rsa::Pkcs1v15Sign::new::<Sha512>(), &digest, signature)
                }
                (_, Sha2::Sha256) => key.verify(rsa::pss::Pss::<Sha256>::new(), &digest, signature),
                (_, Sha2::Sha384) => key.verify(rsa::pss::Pss::<Sha384>::new(), &digest, signature),
                (_, Sha2::Sha512) => key.verify(rsa::pss::Pss::<Sha512>::new(), &digest, signature),
            };
            verified.map_err(|_| SignatureFailure::Mismatch)
        }
        (algorithm, key) => Err(SignatureFailure::KeyDoesNotFit(format!(
            "it is signed with {} but the issuer's key is {}",
            algorithm.describe(),
            key.describe()
        ))),
    }
}

fn digest(hash: Sha2, message: &[u8]) -> Vec<u8> {
    match hash {
        Sha2::Sha256 => Sha256::digest(message).to_vec(),
        Sha2::Sha384 => Sha384::digest(message).to_vec(),
        Sha2::Sha512 => Sha512::digest(message).to_vec(),
    }
}

fn verify_p256(point: &[u8], digest: &[u8], signature: &[u8]) -> bool {
    use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
    let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
        return false;
    };
    let Ok(signature) = p256::ecdsa::Signature::from_der(signature) else {
        return false;
    };
    key.verify_prehash(digest, &signature).is_ok()
}

fn verify_p384(point: &[u8], digest: &[u8], signature: &[u8]) -> bool {
    use p384::ecdsa::signature::hazmat::PrehashVerifier as _;
    let Ok(key) = p384::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
        return false;
    };
    let Ok(signature) = p384::ecdsa::Signature::from_der(signature) else {
        return false;
    };
    key.verify_prehash(digest, &signature).is_ok()
}

fn rsa_key(modulus: &[u8], exponent: &[u8]) -> Result<rsa::PublicKey, SignatureFailure> {
    let too_big = || SignatureFailure::KeyDoesNotFit("the issuer's RSA key is unreadable".into());
    let bits = |bytes: &[u8]| u32::try_from(bytes.len().max(1) * 8).map_err(|_| too_big());
    let n = rsa::BoxedUint::from_be_slice(modulus, bits(modulus)?).map_err(|_| too_big())?;
    let e = rsa::BoxedUint::from_be_slice(exponent, bits(exponent)?).map_err(|_| too_big())?;
    rsa::PublicKey::new_with_size_limits(n, e, MIN_RSA_BITS..=MAX_RSA_BITS).map_err(|_| {
        SignatureFailure::KeyDoesNotFit(format!(
            "the issuer's RSA key is not a usable key of {MIN_RSA_BITS} to {MAX_RSA_BITS} bits"
        ))
    })
}
