//! The trust checks of SPEC 4.3, one set for provided certificates, reused ones and
//! `validate`: what a Go client (containerd, Docker) would accept.
//!
//! - the server certificate verifies against `ca.crt` by signature, step by step up to a root
//!   (a self-issued CA) that `ca.crt` holds; every candidate issuer is tried by signature, so a
//!   CA with the right name and another key is refused. The root itself is trusted as given,
//!   as Go and `openssl verify` trust an anchor without checking its own signature. A
//!   `ca.crt` that is the server certificate itself, or none at all, is refused;
//! - every key is RSA of 2048 bits or more, or ECDSA P-256 or P-384; no signature uses SHA-1
//!   or MD5;
//! - every CA on the way is a CA (`basicConstraints`), may sign certificates (`keyUsage`), is
//!   valid now, and respects its path length;
//! - the server certificate allows TLS server authentication (`extendedKeyUsage`) and names
//!   `spectro.registry.local` and the VIP in subject alternative names (the common name does
//!   not count).
//!
//! What depends on the cluster or on time (names, VIP, node IPs, the server certificate's
//! validity, its key) comes back as [`ReissueReason`]s: provided certificates turn them into
//! errors, reused ones into a reissue from the same CA.

use time::OffsetDateTime;

use super::ReissueReason;
use crate::certificate::{
    CertificateInfo, Chain, PrivateKey, SignatureFailure, key_problem, read_certificates,
    read_private_key, rfc3339, verify_signature,
};
use crate::error::{CredentialErrorKind, Error, Result};
use crate::model::{Cluster, REGISTRY_HOST};

/// Longest chain followed from the server certificate to a root.
const MAX_DEPTH: u32 = 8;

/// Where each part came from, for messages: parameter paths or Secret keys.
#[derive(Clone, Copy)]
pub(crate) struct Places<'a> {
    pub(crate) cert: &'a str,
    pub(crate) key: &'a str,
    pub(crate) ca: &'a str,
}

/// A server certificate with its key and CA, read and checked for everything that does not
/// depend on the cluster.
pub(crate) struct ServerTls {
    pub(crate) chain: Chain,
    pub(crate) key: PrivateKey,
    /// The certificates of `ca.crt`.
    pub(crate) ca: Chain,
    /// `ca.crt` as PEM: the text given, or the root taken from the end of the chain.
    pub(crate) ca_pem: String,
}

/// Reads `cert`, `key` and `ca` (when `None`, the root at the end of `cert`'s chain), and
/// checks keys, signatures and the chain. The key is only read here; whether it belongs to
/// the certificate is one of the [`misfits`].
pub(crate) fn read_server_tls(
    cert: &str,
    key: &str,
    ca: Option<&str>,
    places: Places<'_>,
) -> Result<ServerTls> {
    let chain = read_certificates(cert, places.cert)?;
    let key = read_private_key(key, places.key)?;
    for (index, certificate) in chain.iter().enumerate() {
        check_key_strength(certificate, places.cert, index)?;
    }
    check_key_material(key.public_key(), places.key)?;
    let (ca, ca_pem) = match ca {
        Some(text) => (read_certificates(text, places.ca)?, text.to_owned()),
        None => {
            // Without `ca`, a chain that ends in a root publishes that root.
            let top = chain.top();
            if chain.rest.is_empty() || !top.is_self_issued() {
                return Err(Error::credentials(
                    CredentialErrorKind::MissingCa,
                    places.ca,
                    format!(
                        "is missing: nodes must trust the CA that issued the server \
                         certificate ({}), and harbor-edge publishes it as ca.crt. Give the CA \
                         certificate (PEM){}",
                        chain.leaf.issuer_text,
                        if chain.leaf.is_self_issued() {
                            "; the server certificate is self-signed, which Go clients do not \
                             accept as a CA: issue it from a CA, or let harbor-edge make both"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            let root = Chain {
                leaf: top.clone(),
                rest: Vec::new(),
            };
            let pem = top.to_pem();
            (root, pem)
        }
    };
    for (index, certificate) in ca.iter().enumerate() {
        check_key_strength(certificate, places.ca, index)?;
    }
    verify_chain(&chain, &ca, places)?;
    Ok(ServerTls {
        chain,
        key,
        ca,
        ca_pem,
    })
}

/// Why the server certificate does not serve this cluster at `now`; empty when it does.
pub(crate) fn misfits(
    tls: &ServerTls,
    cluster: &Cluster,
    now: OffsetDateTime,
) -> Vec<ReissueReason> {
    let leaf = &tls.chain.leaf;
    let mut reasons = Vec::new();
    if !leaf.names_host(REGISTRY_HOST) {
        reasons.push(ReissueReason::MissingHostName);
    }
    if !leaf.has_ip(cluster.vip) {
        reasons.push(ReissueReason::MissingVip(cluster.vip));
    }
    for ip in &cluster.node_ips {
        if *ip != cluster.vip && !leaf.has_ip(*ip) {
            reasons.push(ReissueReason::MissingNodeIp(*ip));
        }
    }
    if now < leaf.not_before {
        reasons.push(ReissueReason::NotYetValid);
    }
    if leaf.not_after - now < super::EXPIRY_MARGIN {
        reasons.push(ReissueReason::ExpiresSoon);
    }
    if *tls.key.public_key() != leaf.public_key {
        reasons.push(ReissueReason::KeyMismatch);
    }
    reasons
}

/// The error for a private key that is not the server certificate's.
pub(crate) fn key_mismatch(places: Places<'_>) -> Error {
    Error::credentials(
        CredentialErrorKind::KeyMismatch,
        places.key,
        "is not the private key of the certificate (their public keys differ)",
    )
}

/// An error for one misfit of a provided certificate: the parameter is never replaced.
pub(crate) fn misfit_error(
    reason: &ReissueReason,
    tls: &ServerTls,
    places: Places<'_>,
) -> Option<Error> {
    let leaf = &tls.chain.leaf;
    let (kind, place, message) = match reason {
        ReissueReason::MissingHostName => (
            CredentialErrorKind::MissingHostName,
            places.cert,
            if leaf.names_host_in_common_name_only(REGISTRY_HOST) {
                format!(
                    "names {REGISTRY_HOST} in its common name only; Go clients (containerd, \
                     Docker) ignore the common name and need a DNS subject alternative name \
                     {REGISTRY_HOST}: reissue it with `subjectAltName=DNS:{REGISTRY_HOST},...`"
                )
            } else {
                format!(
                    "has no DNS subject alternative name {REGISTRY_HOST} (it names {}); edge \
                     nodes reach Harbor by that name",
                    names_of(leaf)
                )
            },
        ),
        ReissueReason::MissingVip(vip) => (
            CredentialErrorKind::MissingVip,
            places.cert,
            format!(
                "lacks the cluster's virtual IP {vip} as an IP subject alternative name (it \
                 names {})",
                names_of(leaf)
            ),
        ),
        ReissueReason::NotYetValid => (
            CredentialErrorKind::NotYetValid,
            places.cert,
            format!("is not valid before {}", rfc3339(leaf.not_before)),
        ),
        ReissueReason::KeyMismatch => return Some(key_mismatch(places)),
        // Node IPs are the generated certificate's extra; expiring soon is a warning.
        _ => return None,
    };
    Some(Error::credentials(kind, place, message))
}

/// The subject alternative names for a message, or `no subject alternative name`.
fn names_of(leaf: &CertificateInfo) -> String {
    let names: Vec<String> = leaf
        .dns_names
        .iter()
        .map(|name| format!("DNS:{name}"))
        .chain(leaf.ip_addresses.iter().map(|ip| format!("IP:{ip}")))
        .collect();
    if names.is_empty() {
        "no subject alternative name".to_owned()
    } else {
        names.join(", ")
    }
}

/// Fails when the server certificate itself is outside its validity at `now` (a provided one
/// must be valid; a reused one is reissued instead).
pub(crate) fn check_leaf_validity(tls: &ServerTls, now: OffsetDateTime, place: &str) -> Result<()> {
    let leaf = &tls.chain.leaf;
    if now > leaf.not_after {
        return Err(Error::credentials(
            CredentialErrorKind::Expired,
            place,
            format!("expired on {}", rfc3339(leaf.not_after)),
        ));
    }
    if now < leaf.not_before {
        return Err(Error::credentials(
            CredentialErrorKind::NotYetValid,
            place,
            format!("is not valid before {}", rfc3339(leaf.not_before)),
        ));
    }
    Ok(())
}

/// Fails when a CA of `ca.crt` that the chain relies on is outside its validity at `now`.
pub(crate) fn check_ca_validity(tls: &ServerTls, now: OffsetDateTime, place: &str) -> Result<()> {
    for certificate in tls.ca.iter() {
        if now > certificate.not_after {
            return Err(Error::credentials(
                CredentialErrorKind::Expired,
                place,
                format!(
                    "the CA {} expired on {}; nodes no longer trust what it signed",
                    certificate.label(),
                    rfc3339(certificate.not_after)
                ),
            ));
        }
        if now < certificate.not_before {
            return Err(Error::credentials(
                CredentialErrorKind::NotYetValid,
                place,
                format!(
                    "the CA {} is not valid before {}",
                    certificate.label(),
                    rfc3339(certificate.not_before)
                ),
            ));
        }
    }
    Ok(())
}

fn check_key_strength(certificate: &CertificateInfo, place: &str, index: usize) -> Result<()> {
    match key_problem(&certificate.public_key) {
        Some(problem) => Err(Error::credentials(
            CredentialErrorKind::WeakKey,
            place,
            format!(
                "certificate {} ({}) {problem}",
                index + 1,
                certificate.label()
            ),
        )),
        None => Ok(()),
    }
}

fn check_key_material(key: &crate::certificate::PublicKeyMaterial, place: &str) -> Result<()> {
    match key_problem(key) {
        Some(problem) => Err(Error::credentials(
            CredentialErrorKind::WeakKey,
            place,
            format!("the private key {problem}"),
        )),
        None => Ok(()),
    }
}

/// Follows the chain from the server certificate to a self-signed root in `ca`, checking each
/// signature with the issuer's key.
fn verify_chain(chain: &Chain, ca: &Chain, places: Places<'_>) -> Result<()> {
    let leaf = &chain.leaf;
    let error = |kind, message: String| Error::credentials(kind, places.ca, message);
    if ca.iter().any(|certificate| certificate.der == leaf.der) {
        return Err(error(
            CredentialErrorKind::MissingCa,
            "is the server certificate itself, not the CA that issued it; nodes must trust a \
             CA. Give the CA certificate that signed it"
                .to_owned(),
        ));
    }
    if leaf.server_auth == Some(false) {
        return Err(Error::credentials(
            CredentialErrorKind::InvalidCertificate,
            places.cert,
            "does not allow TLS server authentication: its extendedKeyUsage lacks serverAuth, \
             so Go clients refuse it",
        ));
    }
    let mut current = (leaf, false);
    for intermediates_below in 0..MAX_DEPTH {
        let (issuer, in_ca) = find_issuer(current, chain, ca, places)?;
        check_can_issue(issuer, current.0, intermediates_below, places)?;
        if in_ca && issuer.is_self_issued() {
            // A root in ca.crt is trusted as it is given: neither Go nor `openssl verify`
            // checks a trust anchor's own signature.
            return Ok(());
        }
        current = (issuer, in_ca);
    }
    Err(error(
        CredentialErrorKind::CaMismatch,
        format!("the chain from the server certificate is longer than {MAX_DEPTH} certificates"),
    ))
}

/// The certificate whose key signed `subject`: first among `ca.crt`, then among the chain
/// after the server certificate. Returns it and whether it is in `ca.crt`.
fn find_issuer<'a>(
    (subject, subject_in_ca): (&CertificateInfo, bool),
    chain: &'a Chain,
    ca: &'a Chain,
    places: Places<'_>,
) -> Result<(&'a CertificateInfo, bool)> {
    let subject_place = if subject_in_ca {
        places.ca
    } else {
        places.cert
    };
    let candidates = ca
        .iter()
        .map(|certificate| (certificate, true))
        .chain(chain.rest.iter().map(|certificate| (certificate, false)))
        .filter(|(certificate, _)| certificate.der != subject.der);
    let mut same_name = None;
    for (candidate, in_ca) in candidates {
        match verify_signature(subject, &candidate.public_key) {
            Ok(()) => return Ok((candidate, in_ca)),
            Err(failure @ (SignatureFailure::Weak(_) | SignatureFailure::Unsupported(_))) => {
                return Err(signature_error(failure, subject, candidate, subject_place));
            }
            Err(failure) if candidate.subject == subject.issuer => {
                same_name.get_or_insert((candidate, failure));
            }
            Err(_) => {}
        }
    }
    let what = if subject.der == chain.leaf.der {
        "the server certificate".to_owned()
    } else {
        format!("the CA {}", subject.label())
    };
    let message = match same_name {
        Some((candidate, failure)) => format!(
            "holds a CA named {} like the issuer of {what}, but {}: it is another CA with the \
             same name. Give the CA that really issued it",
            candidate.label(),
            match failure {
                SignatureFailure::KeyDoesNotFit(why) => why,
                _ => "its key did not sign it".to_owned(),
            }
        ),
        None if subject.der == chain.leaf.der && subject.is_self_issued() => format!(
            "did not sign the server certificate: that certificate is self-signed ({}), and Go \
             clients accept a server certificate only from a CA they trust; issue it from a CA, \
             or let harbor-edge make both",
            subject.label()
        ),
        None => format!(
            "did not sign {what}: it was issued by {}, and ca.crt holds {}",
            subject.issuer_text,
            ca.iter()
                .map(CertificateInfo::label)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Err(Error::credentials(
        CredentialErrorKind::CaMismatch,
        places.ca,
        message,
    ))
}

/// `issuer` signed `subject`: it must be a CA allowed to sign certificates, allow server
/// authentication when it limits extended key usage, and respect its path length.
fn check_can_issue(
    issuer: &CertificateInfo,
    subject: &CertificateInfo,
    intermediates_below: u32,
    places: Places<'_>,
) -> Result<()> {
    let problem = if !issuer.is_ca {
        Some("is not a CA certificate (basicConstraints lacks cA: TRUE)".to_owned())
    } else if issuer.key_cert_sign == Some(false) {
        Some("may not sign certificates (keyUsage lacks keyCertSign)".to_owned())
    } else if issuer.server_auth == Some(false) {
        Some("limits its extended key usage to purposes without serverAuth".to_owned())
    } else {
        issuer
            .path_len
            .filter(|&limit| intermediates_below > limit)
            .map(|limit| {
                format!(
                    "allows {limit} intermediate CA(s) below it (pathLenConstraint) and has \
                     {intermediates_below}"
                )
            })
    };
    match problem {
        Some(problem) => Err(Error::credentials(
            CredentialErrorKind::CaMismatch,
            places.ca,
            format!(
                "the CA {} that signed {} {problem}",
                issuer.label(),
                subject.label()
            ),
        )),
        None => Ok(()),
    }
}

fn signature_error(
    failure: SignatureFailure,
    subject: &CertificateInfo,
    issuer: &CertificateInfo,
    place: &str,
) -> Error {
    match failure {
        SignatureFailure::Weak(name) => Error::credentials(
            CredentialErrorKind::WeakSignature,
            place,
            format!(
                "{} is signed with {name}, which Go clients (containerd, Docker) refuse; \
                 reissue it with SHA-256",
                subject.label()
            ),
        ),
        SignatureFailure::Unsupported(name) => Error::credentials(
            CredentialErrorKind::WeakSignature,
            place,
            format!(
                "{} is signed with {name}; harbor-edge accepts ECDSA and RSA (PKCS#1 v1.5 or \
                 PSS) signatures over SHA-256, SHA-384 or SHA-512",
                subject.label()
            ),
        ),
        SignatureFailure::KeyDoesNotFit(why) => Error::credentials(
            CredentialErrorKind::CaMismatch,
            place,
            format!(
                "{} cannot have signed {}: {why}",
                issuer.label(),
                subject.label()
            ),
        ),
        SignatureFailure::Mismatch => Error::credentials(
            CredentialErrorKind::CaMismatch,
            place,
            format!(
                "the signature of {} does not verify with the key of {}",
                subject.label(),
                issuer.label()
            ),
        ),
    }
}

/// A CA key read from `text` at `place`: it must be P-256 (harbor-edge signs with it) and
/// belong to a CA certificate of `ca`, which is returned with the key.
pub(crate) fn read_ca_key<'a>(
    text: &str,
    place: &str,
    ca: &'a Chain,
) -> Result<(p256::SecretKey, &'a CertificateInfo)> {
    let key = read_private_key(text, place)?;
    let public = key.public_key().clone();
    let Some(secret) = key.into_p256() else {
        return Err(Error::credentials(
            CredentialErrorKind::UnsupportedKey,
            place,
            format!(
                "is a {} key; harbor-edge issues server certificates only with a P-256 CA key \
                 (the kind it makes). Remove ca.key to keep the CA as it is, or rotate the CA",
                public.describe()
            ),
        ));
    };
    match ca
        .iter()
        .find(|certificate| certificate.is_ca && certificate.public_key == public)
    {
        Some(certificate) => Ok((secret, certificate)),
        None => Err(Error::credentials(
            CredentialErrorKind::KeyMismatch,
            place,
            "is not the private key of the CA in ca.crt (their public keys differ); a later \
             reissue would sign with a CA the nodes do not trust. Restore the CA's own key, or \
             rotate the CA",
        )),
    }
}

/// Reads a CA certificate (for `--rotate server-certificate` and a CA kept without its server
/// certificate): every certificate a CA with a fitting key.
pub(crate) fn read_ca(text: &str, place: &str) -> Result<Chain> {
    let ca = read_certificates(text, place)?;
    for (index, certificate) in ca.iter().enumerate() {
        check_key_strength(certificate, place, index)?;
    }
    Ok(ca)
}
