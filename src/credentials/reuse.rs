//! Reusing an existing `harbor-tls` (SPEC 4: reuse, never silent rotation). A server
//! certificate that still fits is kept byte for byte; one that no longer fits is reissued from
//! the same CA, so nodes that trust the CA keep working; only without the CA key is a new CA
//! made, and then a warning says so.

use time::OffsetDateTime;

use super::existing::ExistingSecret;
use super::generate::{generate_server, generate_tls, issuer_from_ca};
use super::generator::Generator;
use super::parse::{CertificateInfo, PrivateKey, read_certificates, read_private_key};
use super::provided::EXPIRY_MARGIN;
use super::signing::EcdsaP256Key;
use super::{Origin, ReissueReason, TlsMaterial};
use crate::error::{CredentialErrorKind, Error, Result, Warning, WarningKind};
use crate::model::{Cluster, REGISTRY_HOST};

/// Keys of the `harbor-tls` secret.
const TLS_CRT: &str = "tls.crt";
const TLS_KEY: &str = "tls.key";
const CA_CRT: &str = "ca.crt";
const CA_KEY: &str = "ca.key";

/// The TLS material with what happened to it.
pub(crate) struct TlsOutcome {
    pub(crate) tls: TlsMaterial,
    pub(crate) ca: Origin,
    pub(crate) server_certificate: Origin,
    pub(crate) reissue_reasons: Vec<ReissueReason>,
    pub(crate) warnings: Vec<Warning>,
}

/// Reuses `existing` (the `harbor-tls` secret) when it fits the cluster, reissues its server
/// certificate when not, and generates everything when there is nothing to reuse.
pub(crate) fn reuse_or_generate(
    cluster: &Cluster,
    existing: Option<&ExistingSecret>,
    generator: &mut Generator,
) -> Result<TlsOutcome> {
    let Some(secret) = existing else {
        return Ok(TlsOutcome {
            tls: generate_tls(generator, cluster, b"")?,
            ca: Origin::Generated,
            server_certificate: Origin::Generated,
            reissue_reasons: Vec::new(),
            warnings: Vec::new(),
        });
    };
    let (Some(crt_text), Some(key_text)) = (secret.value(TLS_CRT), secret.value(TLS_KEY)) else {
        return Err(Error::credentials(
            CredentialErrorKind::InvalidExistingSecret,
            secret.path(TLS_CRT),
            "the existing TLS secret lacks tls.crt or tls.key; remove it to generate new \
             certificates, or complete it",
        ));
    };
    let chain = read_certificates(crt_text.expose(), &secret.path(TLS_CRT))?;
    let key = read_private_key(key_text.expose(), &secret.path(TLS_KEY))?;
    let ca_chain = secret
        .value(CA_CRT)
        .map(|text| read_certificates(text.expose(), &secret.path(CA_CRT)))
        .transpose()?;
    let now = generator.check_time();
    let reasons = misfits(&chain.leaf, &key, cluster, now);
    let ca_certificate = match secret.value(CA_CRT) {
        Some(text) => text.expose().to_owned(),
        None => chain.top().to_pem(),
    };

    if reasons.is_empty() {
        return Ok(TlsOutcome {
            tls: TlsMaterial {
                certificate_chain: crt_text.expose().to_owned(),
                private_key: key_text.clone(),
                ca_certificate,
                ca_private_key: secret.value(CA_KEY).cloned(),
            },
            ca: Origin::Reused,
            server_certificate: Origin::Reused,
            reissue_reasons: reasons,
            warnings: Vec::new(),
        });
    }

    let why = reasons
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let usable_ca = match (
        ca_chain.as_ref().map(|chain| &chain.leaf),
        secret.value(CA_KEY),
    ) {
        (Some(ca), Some(ca_key)) if fits_as_ca(ca, now) => Some((ca, ca_key)),
        _ => None,
    };
    // The random streams of a replacement depend on the serial it replaces: never the same
    // key or serial number twice, even under the same seed.
    let mut context = b"replace:".to_vec();
    context.extend_from_slice(&chain.leaf.serial);
    let Some((ca, ca_key_text)) = usable_ca else {
        let tls = generate_tls(generator, cluster, &context)?;
        return Ok(TlsOutcome {
            tls,
            ca: Origin::Generated,
            server_certificate: Origin::Generated,
            reissue_reasons: reasons,
            warnings: vec![Warning {
                kind: WarningKind::CertificateAuthorityChanged,
                path: secret.path(CA_CRT),
                position: None,
                message: format!(
                    "the existing server certificate no longer fits ({why}) and the CA cannot \
                     issue a new one (ca.key missing, or the CA expires within 30 days): a new \
                     CA was generated; nodes and clients must trust the new ca.crt"
                ),
            }],
        });
    };

    let ca_key_path = secret.path(CA_KEY);
    let PrivateKey::P256(ca_secret) = read_private_key(ca_key_text.expose(), &ca_key_path)? else {
        return Err(Error::credentials(
            CredentialErrorKind::UnsupportedKey,
            ca_key_path,
            "is not a P-256 key; harbor-edge reissues only from the P-256 CAs it makes",
        ));
    };
    let signer = EcdsaP256Key::from_secret(&ca_secret);
    if PrivateKey::P256(ca_secret).public_key() != ca.public_key {
        return Err(Error::credentials(
            CredentialErrorKind::KeyMismatch,
            ca_key_path,
            "is not the private key of ca.crt (their public keys differ)",
        ));
    }
    let issuer = issuer_from_ca(&ca.der, &signer).map_err(|why| {
        Error::credentials(
            CredentialErrorKind::InvalidCertificate,
            secret.path(CA_CRT),
            format!("cannot issue from this CA: it {why}"),
        )
    })?;
    let server = generate_server(
        generator,
        cluster,
        &issuer,
        (ca.not_before, ca.not_after),
        &context,
    )?;
    Ok(TlsOutcome {
        tls: TlsMaterial {
            certificate_chain: server.certificate_pem,
            private_key: server.key.to_pkcs8_pem()?,
            ca_certificate,
            ca_private_key: Some(ca_key_text.clone()),
        },
        ca: Origin::Reused,
        server_certificate: Origin::Reissued,
        reissue_reasons: reasons,
        warnings: vec![Warning {
            kind: WarningKind::CertificateReissued,
            path: secret.path(TLS_CRT),
            position: None,
            message: format!(
                "the server certificate was reissued from the existing CA because {why}"
            ),
        }],
    })
}

/// Why `leaf` (with `key`) no longer serves this cluster; empty when it does.
fn misfits(
    leaf: &CertificateInfo,
    key: &PrivateKey,
    cluster: &Cluster,
    now: OffsetDateTime,
) -> Vec<ReissueReason> {
    let mut reasons = Vec::new();
    if !leaf.names_host(REGISTRY_HOST) {
        reasons.push(ReissueReason::MissingHostName);
    }
    if !leaf.has_ip(cluster.vip) {
        reasons.push(ReissueReason::MissingVip(cluster.vip));
    }
    for ip in &cluster.node_ips {
        if !leaf.has_ip(*ip) {
            reasons.push(ReissueReason::MissingNodeIp(*ip));
        }
    }
    if now < leaf.not_before {
        reasons.push(ReissueReason::NotYetValid);
    }
    if leaf.not_after - now < EXPIRY_MARGIN {
        reasons.push(ReissueReason::ExpiresSoon);
    }
    if key.public_key() != leaf.public_key {
        reasons.push(ReissueReason::KeyMismatch);
    }
    reasons
}

/// A CA can issue a certificate worth having: it is valid now and for more than 30 days.
fn fits_as_ca(ca: &CertificateInfo, now: OffsetDateTime) -> bool {
    ca.is_ca && ca.not_before <= now && ca.not_after - now >= EXPIRY_MARGIN
}
