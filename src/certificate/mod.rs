//! X.509 certificates and private keys as harbor-edge reads them (SPEC 4.3): PEM with errors in
//! a person's words, signatures verified along the chain, key and algorithm floors, and
//! summaries for listings.
//!
//! What a Go client (containerd, Docker) accepts is the measure: ECDSA P-256 or P-384 and RSA
//! of 2048 bits or more; signatures ECDSA or RSA (PKCS#1 v1.5 or PSS) over SHA-256, SHA-384 or
//! SHA-512; never SHA-1 or MD5. The checks built on this (chains, host names, validity) are in
//! [`crate::credentials`].

mod algorithm;
mod public_key;
mod read;
mod summary;
mod verify;

pub use summary::CertificateSummary;

pub(crate) use algorithm::key_problem;
pub(crate) use public_key::{PublicKeyMaterial, strip_leading_zeros};
pub(crate) use read::{CertificateInfo, Chain, PrivateKey, read_certificates, read_private_key};
pub(crate) use summary::rfc3339;
pub(crate) use verify::{SignatureFailure, verify_signature};
