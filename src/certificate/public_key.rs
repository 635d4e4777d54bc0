//! A public key in one comparable form, so "does this key belong to that certificate" is an
//! equality test, and the OIDs that name key algorithms and curves.

/// Named curve P-256 (secp256r1).
pub(crate) const P256_OID: &str = "1.2.840.10045.3.1.7";
/// Named curve P-384 (secp384r1).
pub(crate) const P384_OID: &str = "1.3.132.0.34";
/// `id-ecPublicKey`.
pub(super) const EC_PUBLIC_KEY_OID: &str = "1.2.840.10045.2.1";
/// `rsaEncryption`.
pub(super) const RSA_OID: &str = "1.2.840.113549.1.1.1";
/// Ed25519, which some tools make by default; named in messages.
pub(super) const ED25519_OID: &str = "1.3.101.112";

/// A public key in a form where equal keys compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PublicKeyMaterial {
    /// An EC point; uncompressed for P-256 and P-384.
    Ec { curve: String, point: Vec<u8> },
    /// RSA modulus and exponent, without leading zero bytes.
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
    /// Any other algorithm: its OID and the raw public key bits.
    Other { algorithm: String, key: Vec<u8> },
}

impl PublicKeyMaterial {
    /// The RSA modulus size in bits, for RSA keys.
    pub(crate) fn rsa_bits(&self) -> Option<usize> {
        match self {
            PublicKeyMaterial::Rsa { modulus, .. } => Some(bit_length(modulus)),
            _ => None,
        }
    }

    /// For people: `ECDSA P-256`, `RSA 2048 bits`, `Ed25519`.
    pub(crate) fn describe(&self) -> String {
        match self {
            PublicKeyMaterial::Ec { curve, .. } => format!("ECDSA {}", curve_name(curve)),
            PublicKeyMaterial::Rsa { modulus, .. } => format!("RSA {} bits", bit_length(modulus)),
            PublicKeyMaterial::Other { algorithm, .. } if algorithm == ED25519_OID => {
                "Ed25519".to_owned()
            }
            PublicKeyMaterial::Other { algorithm, .. } => format!("algorithm {algorithm}"),
        }
    }
}

/// The usual name of a curve OID, or the OID.
pub(crate) fn curve_name(oid: &str) -> String {
    match oid {
        P256_OID => "P-256".to_owned(),
        P384_OID => "P-384".to_owned(),
        "1.3.132.0.35" => "P-521".to_owned(),
        "1.3.132.0.10" => "secp256k1".to_owned(),
        "" => "(no named curve)".to_owned(),
        other => format!("curve {other}"),
    }
}

fn bit_length(bytes: &[u8]) -> usize {
    let bytes = strip_leading_zeros(bytes);
    bytes.len() * 8 - bytes.first().map_or(0, |b| b.leading_zeros() as usize)
}

pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_lengths_ignore_leading_zero_bits() {
        assert_eq!(bit_length(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_length(&[0x01]), 1);
        assert_eq!(bit_length(&[]), 0);
    }
}
