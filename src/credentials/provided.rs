//! Checks of a provided certificate and key (`harbor-config.auth.certs`, SPEC 2.2). A provided
//! certificate is never replaced: it either passes or the run stops with an error that names
//! the parameter.

use time::{Duration, OffsetDateTime};

use super::TlsMaterial;
use super::parse::{CertificateInfo, Chain, read_certificates, read_private_key};
use crate::error::{CredentialErrorKind, Error, Result, Warning, WarningKind};
use crate::model::{Cluster, ProvidedCerts, REGISTRY_HOST};

/// Parameter paths of the provided material.
pub(crate) const CERT_PATH: &str = "harbor-config.auth.certs.cert";
pub(crate) const KEY_PATH: &str = "harbor-config.auth.certs.key";
pub(crate) const CA_PATH: &str = "harbor-config.auth.certs.ca";

/// A certificate that ends within this time earns a warning (and is reissued when reused).
pub(crate) const EXPIRY_MARGIN: Duration = Duration::days(30);

/// Checks `provided` against the cluster at time `now`, and returns the `harbor-tls` content
/// with any warnings.
pub(crate) fn check(
    provided: &ProvidedCerts,
    cluster: &Cluster,
    now: OffsetDateTime,
) -> Result<(TlsMaterial, Vec<Warning>)> {
    let chain = read_certificates(&provided.cert, CERT_PATH)?;
    let key = read_private_key(provided.key.expose(), KEY_PATH)?;
    let ca = match &provided.ca {
        Some(text) => Some(read_certificates(text, CA_PATH)?),
        None => None,
    };
    let leaf = &chain.leaf;
    if key.public_key() != leaf.public_key {
        return Err(Error::credentials(
            CredentialErrorKind::KeyMismatch,
            KEY_PATH,
            "is not the private key of the certificate in `cert` (their public keys differ)",
        ));
    }
    check_validity(leaf, now, CERT_PATH)?;
    if !leaf.names_host(REGISTRY_HOST) {
        return Err(Error::credentials(
            CredentialErrorKind::MissingHostName,
            CERT_PATH,
            format!(
                "names neither in its common name nor in a DNS subject alternative name the \
                 host {REGISTRY_HOST}; edge nodes reach Harbor by that name"
            ),
        ));
    }
    if !leaf.has_ip(cluster.vip) {
        return Err(Error::credentials(
            CredentialErrorKind::MissingVip,
            CERT_PATH,
            format!(
                "lacks the cluster's virtual IP {} as an IP subject alternative name",
                cluster.vip
            ),
        ));
    }
    if let Some(ca) = &ca {
        check_issued_by(&chain, &ca.leaf)?;
    }
    let mut warnings = Vec::new();
    if let Some(warning) = expiry_warning(leaf, now, CERT_PATH) {
        warnings.push(warning);
    }
    let ca_certificate = match &provided.ca {
        Some(text) => text.clone(),
        // The last certificate of a chain is the closest to a root we have.
        None => chain.top().to_pem(),
    };
    Ok((
        TlsMaterial {
            certificate_chain: with_final_newline(&provided.cert),
            private_key: provided.key.clone(),
            ca_certificate: with_final_newline(&ca_certificate),
            ca_private_key: None,
        },
        warnings,
    ))
}

/// Fails when `cert` is not valid at `now`.
pub(crate) fn check_validity(
    cert: &CertificateInfo,
    now: OffsetDateTime,
    path: &str,
) -> Result<()> {
    if now < cert.not_before {
        return Err(Error::credentials(
            CredentialErrorKind::NotYetValid,
            path,
            format!("is not valid before {}", format_time(cert.not_before)),
        ));
    }
    if now > cert.not_after {
        return Err(Error::credentials(
            CredentialErrorKind::Expired,
            path,
            format!("expired on {}", format_time(cert.not_after)),
        ));
    }
    Ok(())
}

/// A warning when `cert` ends within [`EXPIRY_MARGIN`] of `now`.
pub(crate) fn expiry_warning(
    cert: &CertificateInfo,
    now: OffsetDateTime,
    path: &str,
) -> Option<Warning> {
    (cert.not_after - now < EXPIRY_MARGIN).then(|| Warning {
        kind: WarningKind::CertificateExpiresSoon,
        path: path.to_owned(),
        position: None,
        message: format!(
            "the certificate expires on {}, within 30 days; replace it",
            format_time(cert.not_after)
        ),
    })
}

/// The CA must have issued the top of the chain, or be the top of the chain itself. Names are
/// compared (a signature check would need a crypto back end for every key type).
fn check_issued_by(chain: &Chain, ca: &CertificateInfo) -> Result<()> {
    let top = chain.top();
    if top.issuer == ca.subject || top.der == ca.der {
        return Ok(());
    }
    Err(Error::credentials(
        CredentialErrorKind::CaMismatch,
        CA_PATH,
        "is not the CA that issued `cert` (the certificate's issuer name differs from the CA's \
         subject name)",
    ))
}

fn with_final_newline(text: &str) -> String {
    let mut text = text.trim_end().to_owned();
    text.push('\n');
    text
}

/// RFC 3339, or the debug form if the date does not fit it.
pub(crate) fn format_time(time: OffsetDateTime) -> String {
    time.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| format!("{time}"))
}
