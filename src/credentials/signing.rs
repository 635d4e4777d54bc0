//! The keys rcgen signs with. rcgen runs without its `crypto` feature (no ring): these keys
//! implement rcgen's signing-key traits themselves, with deterministic signatures, so a seeded
//! key gives byte-identical certificates:
//!
//! - [`EcdsaP256Key`] (the CA and the server certificate): the `p256` crate, RFC 6979 ECDSA;
//! - [`RsaSigningKey`] (Harbor's token certificate): the `rsa` crate, PKCS#1 v1.5 with SHA-256,
//!   deterministic by construction.

use p256::NistP256;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::ALGORITHM_OID;
use pkcs8::der::asn1::OctetStringRef;
use pkcs8::der::{Encode, SecretDocument};
use pkcs8::spki::AlgorithmIdentifierRef;
use pkcs8::{AssociatedOid, LineEnding, PrivateKeyInfoRef};
use rand_core::Rng;
use sec1::EcPrivateKey;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{CredentialErrorKind, Error, Result};
use crate::secret::SecretString;

fn cannot_encode(what: &str) -> Error {
    Error::credentials(
        CredentialErrorKind::Generation,
        "credentials",
        format!("cannot encode {what}"),
    )
}

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
        // The signing key derives the public point once; `secret.public_key()` would derive it
        // again (a scalar multiplication, most of what generating a key costs).
        let signing_key = SigningKey::from(secret);
        let public_point = signing_key
            .verifying_key()
            .to_sec1_point(false)
            .as_bytes()
            .to_vec();
        Self {
            signing_key,
            public_point,
        }
    }

    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), LF line endings on every
    /// platform so reproducible output does not depend on the machine.
    ///
    /// The same bytes as `p256::SecretKey::to_pkcs8_pem` (SEC1 `ECPrivateKey` with the public
    /// key, curve named in the algorithm identifier), but with the public point already at
    /// hand instead of derived again from the scalar.
    pub(crate) fn to_pkcs8_pem(&self) -> Result<SecretString> {
        let encoding_error = |_| cannot_encode("a private key as PKCS#8");
        let scalar = Zeroizing::new(self.signing_key.to_bytes());
        let ec_private_key = Zeroizing::new(
            EcPrivateKey {
                private_key: scalar.as_slice(),
                parameters: None,
                public_key: Some(&self.public_point),
            }
            .to_der()
            .map_err(encoding_error)?,
        );
        let algorithm = AlgorithmIdentifierRef {
            oid: ALGORITHM_OID,
            parameters: Some((&NistP256::OID).into()),
        };
        let private_key = OctetStringRef::new(&ec_private_key).map_err(encoding_error)?;
        let pem = SecretDocument::encode_msg(&PrivateKeyInfoRef::new(algorithm, private_key))
            .and_then(|document| document.to_pem("PRIVATE KEY", LineEnding::LF))
            .map_err(encoding_error)?;
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

/// An RSA private key with its public key in PKCS#1 form (what rcgen writes into
/// SubjectPublicKeyInfo for `rsaEncryption`).
pub(crate) struct RsaSigningKey {
    key: rsa::PrivateKey,
    public_der: Vec<u8>,
}

impl RsaSigningKey {
    /// Wraps a key.
    pub(crate) fn new(key: rsa::PrivateKey) -> Result<Self> {
        use rsa::pkcs1::EncodeRsaPublicKey as _;
        let public_der = key
            .to_public_key()
            .to_pkcs1_der()
            .map_err(|_| cannot_encode("an RSA public key as PKCS#1"))?
            .into_vec();
        Ok(Self { key, public_der })
    }

    /// The private key as PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`), LF line endings.
    /// PKCS#1, not PKCS#8: Harbor core loads its token key with libtrust, which reads only
    /// `RSA PRIVATE KEY` and `EC PRIVATE KEY` blocks.
    pub(crate) fn to_pkcs1_pem(&self) -> Result<SecretString> {
        use rsa::pkcs1::EncodeRsaPrivateKey as _;
        let pem = self
            .key
            .to_pkcs1_pem(LineEnding::LF)
            .map_err(|_| cannot_encode("an RSA private key as PKCS#1"))?;
        Ok(SecretString::new(pem.as_str()))
    }

    /// Subject key identifier: the SHA-256 of the public key, truncated to 160 bits.
    pub(crate) fn key_identifier(&self) -> Vec<u8> {
        Sha256::digest(&self.public_der)[..20].to_vec()
    }
}

impl rcgen::PublicKeyData for RsaSigningKey {
    fn der_bytes(&self) -> &[u8] {
        &self.public_der
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

impl rcgen::SigningKey for RsaSigningKey {
    fn sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, rcgen::Error> {
        // PKCS#1 v1.5 signatures are deterministic; without an RNG the rsa crate signs without
        // blinding, which only matters where an attacker can time many signatures.
        let digest = Sha256::digest(msg);
        self.key
            .sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest)
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}
