//! A P-256 ECDSA key that rcgen signs with. rcgen runs without its `crypto` feature (no ring):
//! this key implements rcgen's signing-key traits with the `p256` crate, whose ECDSA signatures
//! are deterministic (RFC 6979), so a seeded key gives byte-identical certificates.

use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use rand_core::Rng;
use sha2::{Digest, Sha256};

use crate::error::{CredentialErrorKind, Error, Result};
use crate::secret::SecretString;

/// A P-256 private key with its public point, ready to sign certificates.
pub(crate) struct EcdsaP256Key {
    signing_key: SigningKey,
    /// SEC1 uncompressed point: what rcgen writes into SubjectPublicKeyInfo.
    public_point: Vec<u8>,
}

impl EcdsaP256Key {
    /// Draws a key from `rng`: 32 bytes at a time until they form a valid scalar (in `[1, n)`),
    /// so the key is uniform and depends on nothing but the stream.
    pub(crate) fn generate(rng: &mut impl Rng) -> Self {
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        loop {
            rng.fill_bytes(bytes.as_mut());
            if let Ok(key) = p256::SecretKey::from_slice(bytes.as_ref()) {
                return Self::from_secret(&key);
            }
        }
    }

    /// Wraps an existing key.
    pub(crate) fn from_secret(secret: &p256::SecretKey) -> Self {
        let public_point = secret.public_key().to_sec1_point(false).as_bytes().to_vec();
        Self {
            signing_key: SigningKey::from(secret),
            public_point,
        }
    }

    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), LF line endings on every
    /// platform so reproducible output does not depend on the machine.
    pub(crate) fn to_pkcs8_pem(&self) -> Result<SecretString> {
        let secret = p256::SecretKey::from(&self.signing_key);
        let pem = secret.to_pkcs8_pem(LineEnding::LF).map_err(|_| {
            Error::credentials(
                CredentialErrorKind::Generation,
                "credentials",
                "cannot encode a private key as PKCS#8",
            )
        })?;
        Ok(SecretString::new(pem.as_str()))
    }

    /// Subject key identifier: the SHA-256 of the public key, truncated to 160 bits
    /// (RFC 7093 method 1). rcgen computes it only with its `crypto` feature, so we do.
    pub(crate) fn key_identifier(&self) -> Vec<u8> {
        Sha256::digest(&self.public_point)[..20].to_vec()
    }
}

impl rcgen::PublicKeyData for EcdsaP256Key {
    fn der_bytes(&self) -> &[u8] {
        &self.public_point
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for EcdsaP256Key {
    fn sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, rcgen::Error> {
        // X.509 carries ECDSA signatures DER-encoded (Ecdsa-Sig-Value), not as r || s.
        let signature: DerSignature = self
            .signing_key
            .try_sign(msg)
            .map_err(|_| rcgen::Error::RemoteKeyError)?;
        Ok(signature.as_bytes().to_vec())
    }
}
