//! What a person needs to know about a certificate, without its bytes: subject, issuer, names,
//! validity, key and fingerprint. `harbor-edge defaults` lists provided certificates so.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::read::{CertificateInfo, read_certificates};
use crate::error::Result;

/// A certificate described for people (never its PEM text).
///
/// ```
/// use harbor_edge::certificate::CertificateSummary;
///
/// let error = CertificateSummary::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
///     .unwrap_err();
/// assert!(error.to_string().contains("private key"));
/// assert!(!error.to_string().contains("AAAA"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSummary {
    /// The subject name, e.g. `CN=spectro.registry.local`.
    pub subject: String,
    /// The issuer name.
    pub issuer: String,
    /// DNS subject alternative names.
    pub dns_names: Vec<String>,
    /// IP subject alternative names.
    pub ip_addresses: Vec<String>,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Whether it is a CA certificate (`basicConstraints` `cA`).
    pub is_ca: bool,
    /// The public key, e.g. `ECDSA P-256` or `RSA 2048 bits`.
    pub key: String,
    /// SHA-256 of the DER, `AB:CD:...`, as `openssl x509 -fingerprint -sha256` prints it.
    pub sha256: String,
}

impl CertificateSummary {
    /// A summary of every certificate in the PEM `text`, in order. The error says in words
    /// what is wrong (a private key where a certificate belongs, damaged base64, ...) and never
    /// quotes the text.
    pub fn from_pem(text: &str) -> Result<Vec<CertificateSummary>> {
        let chain = read_certificates(text, "certificate")?;
        Ok(chain.iter().map(Self::of).collect())
    }

    pub(crate) fn of(info: &CertificateInfo) -> Self {
        Self {
            subject: info.subject_text.clone(),
            issuer: info.issuer_text.clone(),
            dns_names: info.dns_names.clone(),
            ip_addresses: info.ip_addresses.iter().map(ToString::to_string).collect(),
            not_before: rfc3339(info.not_before),
            not_after: rfc3339(info.not_after),
            is_ca: info.is_ca,
            key: info.public_key.describe(),
            sha256: info.sha256_fingerprint(),
        }
    }
}

/// RFC 3339, or the debug form if the date does not fit it.
pub(crate) fn rfc3339(time: OffsetDateTime) -> String {
    time.format(&Rfc3339).unwrap_or_else(|_| format!("{time}"))
}
