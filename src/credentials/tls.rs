//! The TLS material (SPEC 4, 4.2, 4.3): provided in the parameters and checked, reused from the
//! existing Secrets and checked, reissued from the same CA when it no longer fits, or made.
//!
//! Planning reads and checks everything and decides; nothing is generated until the plan is
//! carried out, so `validate` runs exactly the checks `render` runs.
//!
//! Where the parts live: `harbor-tls` (namespace `harbor`) carries `tls.crt`, `tls.key` and
//! `ca.crt`; the CA key lives apart, in `harbor-ca` (`ca.crt`, `ca.key`) in `cluster-<uid>`,
//! where no pod mounts it. A `ca.key` that an earlier version left in `harbor-tls` is read and
//! moved there, with a warning.

use rcgen::Issuer;
use time::OffsetDateTime;

use super::existing::{ExistingSecret, ExistingSecrets};
use super::generate::{generate_server, generate_tls, issuer_from_ca};
use super::generator::Generator;
use super::rotation::{Rotatable, Rotation, rotation_context};
use super::signing::EcdsaP256Key;
use super::trust::{self, Places, ServerTls};
use super::{EXPIRY_MARGIN, Origin, ReissueReason, TlsMaterial};
use crate::certificate::{CertificateInfo, Chain, rfc3339};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::error::{CredentialErrorKind, Error, Result};
use crate::model::{
    CA_CERT_KEY, CA_KEY_KEY, CA_SECRET, Cluster, Config, HARBOR_NAMESPACE, ProvidedCerts,
    TLS_SECRET,
};
use crate::path::Path;
use crate::secret::SecretString;

/// Parameter paths of the provided material.
pub(crate) const CERT_PATH: &str = "harbor-config.auth.certs.cert";
pub(crate) const KEY_PATH: &str = "harbor-config.auth.certs.key";
pub(crate) const CA_PATH: &str = "harbor-config.auth.certs.ca";

/// Keys of `harbor-tls`.
const TLS_CRT: &str = "tls.crt";
const TLS_KEY: &str = "tls.key";

/// What to do about Harbor's TLS material.
pub(crate) enum TlsPlan {
    /// Provided or reused as it is.
    Keep { tls: TlsMaterial, origin: Origin },
    /// A new server certificate from the CA we have the key of.
    Reissue {
        ca_certificate: String,
        ca_key_text: SecretString,
        ca_key: p256::SecretKey,
        ca_der: Vec<u8>,
        ca_validity: (OffsetDateTime, OffsetDateTime),
        reasons: Vec<ReissueReason>,
        /// Separates the random streams of this certificate from the one it replaces.
        context: Vec<u8>,
        origin: Origin,
    },
    /// A new CA and server certificate.
    Generate {
        reasons: Vec<ReissueReason>,
        context: Vec<u8>,
        origin: Origin,
    },
}

impl TlsPlan {
    /// `(ca, server certificate, reasons)` as [`super::Provenance`] reports them.
    pub(crate) fn provenance(&self) -> (Origin, Origin, Vec<ReissueReason>) {
        match self {
            TlsPlan::Keep { origin, .. } => (*origin, *origin, Vec::new()),
            TlsPlan::Reissue {
                reasons, origin, ..
            } => (Origin::Reused, *origin, reasons.clone()),
            TlsPlan::Generate {
                reasons, origin, ..
            } => (*origin, *origin, reasons.clone()),
        }
    }

    /// Whether carrying out the plan makes a certificate.
    pub(crate) fn makes_certificate(&self) -> bool {
        !matches!(self, TlsPlan::Keep { .. })
    }

    /// Carries out the plan.
    pub(crate) fn realize(
        self,
        generator: &mut Generator,
        cluster: &Cluster,
    ) -> Result<TlsMaterial> {
        match self {
            TlsPlan::Keep { tls, .. } => Ok(tls),
            TlsPlan::Generate { context, .. } => generate_tls(generator, cluster, &context),
            TlsPlan::Reissue {
                ca_certificate,
                ca_key_text,
                ca_key,
                ca_der,
                ca_validity,
                context,
                ..
            } => {
                let signer = EcdsaP256Key::from_secret(&ca_key);
                let issuer: Issuer<'_, &EcdsaP256Key> =
                    issuer_from_ca(&ca_der, &signer).map_err(|why| {
                        Error::credentials(
                            CredentialErrorKind::InvalidCertificate,
                            "ca.crt",
                            format!("cannot issue from this CA: it {why}"),
                        )
                    })?;
                let server = generate_server(generator, cluster, &issuer, ca_validity, &context)?;
                Ok(TlsMaterial {
                    certificate_chain: server.certificate_pem,
                    private_key: server.key.to_pkcs8_pem()?,
                    ca_certificate,
                    ca_private_key: Some(ca_key_text),
                })
            }
        }
    }
}

/// Decides the TLS material for `config`; see the module docs.
pub(crate) fn plan(
    config: &Config,
    existing: Option<&ExistingSecrets>,
    rotation: &Rotation,
    now: OffsetDateTime,
) -> Result<(TlsPlan, Vec<Diagnostic>)> {
    let mut warnings = Vec::new();
    if let Some(certs) = &config.auth.certs {
        for item in [Rotatable::Ca, Rotatable::ServerCertificate] {
            if rotation.contains(item) {
                warnings.push(Diagnostic::new(
                    DiagnosticKind::RotationIgnored,
                    Path::notation(CERT_PATH),
                    format!(
                        "--rotate {item} has no effect: the certificate is a parameter; \
                         give another one to replace it"
                    ),
                ));
            }
        }
        let tls = plan_provided(certs, &config.cluster, now, &mut warnings)?;
        return Ok((
            TlsPlan::Keep {
                tls,
                origin: Origin::Provided,
            },
            warnings,
        ));
    }

    let tls_secret = existing.and_then(|all| all.get(HARBOR_NAMESPACE, TLS_SECRET));
    let ca_secret =
        existing.and_then(|all| ca_secret(all, &config.cluster_namespace(), tls_secret));
    if tls_secret.is_none() && ca_secret.is_none() {
        let plan = TlsPlan::Generate {
            reasons: Vec::new(),
            context: Vec::new(),
            origin: Origin::Generated,
        };
        return Ok((plan, warnings));
    }
    if rotation.contains(Rotatable::Ca) {
        // Each rotation derives from what it replaces: under one seed, rotating twice still
        // gives a new CA each time.
        let replaced = [tls_secret, ca_secret]
            .into_iter()
            .flatten()
            .find_map(|secret| secret.value(CA_CERT_KEY))
            .map_or_else(String::new, |text| text.expose().to_owned());
        let plan = TlsPlan::Generate {
            reasons: vec![ReissueReason::Rotated],
            context: rotation_context(&replaced),
            origin: Origin::Rotated,
        };
        return Ok((plan, warnings));
    }

    let ca = CaSource::read(tls_secret, ca_secret, &mut warnings)?;
    let Some(tls_secret) = tls_secret else {
        // The CA was kept without its server certificate: issue one from it.
        let ca =
            ca.require_key("harbor-tls is missing, and a new server certificate needs the CA key")?;
        let plan = reissue(
            ca,
            (vec![ReissueReason::NoServerCertificate], Origin::Reissued),
            b"missing-server-certificate",
            now,
        )?;
        warnings.push(Diagnostic::new(DiagnosticKind::CertificateReissued, super::existing::secret_place(Some(HARBOR_NAMESPACE), TLS_SECRET), format!(
                "{TLS_SECRET} is missing: a new server certificate was issued from the CA kept in {CA_SECRET}"
            )));
        return Ok((plan, warnings));
    };
    if rotation.contains(Rotatable::ServerCertificate) {
        let ca = ca.require_key("--rotate server-certificate issues from the CA key")?;
        let replaced = tls_secret
            .value(TLS_CRT)
            .map_or_else(String::new, |text| text.expose().to_owned());
        let context = rotation_context(&replaced);
        let plan = reissue(
            ca,
            (vec![ReissueReason::Rotated], Origin::Rotated),
            &context,
            now,
        )?;
        return Ok((plan, warnings));
    }

    let (Some(crt_text), Some(key_text)) = (tls_secret.value(TLS_CRT), tls_secret.value(TLS_KEY))
    else {
        return Err(Error::credentials(
            CredentialErrorKind::InvalidExistingSecret,
            tls_secret.path(TLS_CRT),
            "the existing TLS secret lacks tls.crt or tls.key; complete it, or pass \
             --rotate ca to make a new CA and certificate (nodes must then trust the new ca.crt)",
        ));
    };
    let places = Places {
        cert: &tls_secret.path(TLS_CRT),
        key: &tls_secret.path(TLS_KEY),
        ca: &ca.cert_place,
    };
    let server = trust::read_server_tls(
        crt_text.expose(),
        key_text.expose(),
        ca.text.as_deref(),
        places,
    )
    .map_err(|error| with_hint(error, ROTATE_CA_HINT))?;
    trust::check_ca_validity(&server, now, places.ca)
        .map_err(|error| with_hint(error, ROTATE_CA_HINT))?;
    let key = ca.read_key(&server.ca)?;
    if let Some(warning) = ca_expiry_warning(&server, now, places.ca) {
        warnings.push(warning);
    }
    let reasons = trust::misfits(&server, &config.cluster, now);
    if reasons.is_empty() {
        let tls = TlsMaterial {
            certificate_chain: crt_text.expose().to_owned(),
            private_key: key_text.clone(),
            ca_certificate: server.ca_pem.clone(),
            ca_private_key: key.map(|(text, _, _)| text),
        };
        let plan = TlsPlan::Keep {
            tls,
            origin: Origin::Reused,
        };
        return Ok((plan, warnings));
    }
    let why = reasons
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let Some((key_text, secret, issuer)) = key else {
        return Err(Error::credentials(
            CredentialErrorKind::CannotReissue,
            places.cert,
            format!(
                "the server certificate no longer fits ({why}) and there is no CA key to issue \
                 a new one from (harbor-edge keeps it in Secret {}/{CA_SECRET}, key \
                 {CA_KEY_KEY}); restore that Secret, or pass --rotate ca to make a new CA and \
                 certificate (every node must then trust the new ca.crt)",
                config.cluster_namespace()
            ),
        ));
    };
    if issuer.not_after - now < EXPIRY_MARGIN {
        return Err(Error::credentials(
            CredentialErrorKind::CannotReissue,
            places.ca,
            format!(
                "the server certificate no longer fits ({why}) and the CA ends on {}, too soon \
                 to issue from; pass --rotate ca to make a new CA and certificate (every node \
                 must then trust the new ca.crt)",
                rfc3339(issuer.not_after)
            ),
        ));
    }
    let mut context = b"replace:".to_vec();
    context.extend_from_slice(&server.chain.leaf.serial);
    let plan = TlsPlan::Reissue {
        ca_certificate: server.ca_pem.clone(),
        ca_key_text: key_text,
        ca_key: secret,
        ca_der: issuer.der.clone(),
        ca_validity: (issuer.not_before, issuer.not_after),
        reasons,
        context,
        origin: Origin::Reissued,
    };
    warnings.push(Diagnostic::new(
        DiagnosticKind::CertificateReissued,
        Path::notation(places.cert),
        format!("the server certificate was reissued from the existing CA because {why}"),
    ));
    Ok((plan, warnings))
}

/// The `harbor-ca` Secret: the one in the cluster's namespace, else (the cluster uid changed)
/// one in another namespace that holds the same `ca.crt` as `harbor-tls`. The key is checked
/// against the CA when it is read.
fn ca_secret<'a>(
    existing: &'a ExistingSecrets,
    cluster_namespace: &str,
    tls_secret: Option<&ExistingSecret>,
) -> Option<&'a ExistingSecret> {
    if let Some(secret) = existing.get(cluster_namespace, CA_SECRET) {
        return Some(secret);
    }
    let published = tls_secret?.value(CA_CERT_KEY)?.expose().trim();
    existing.named(CA_SECRET).find(|secret| {
        secret
            .value(CA_CERT_KEY)
            .is_some_and(|text| text.expose().trim() == published)
    })
}

/// What to do when reused TLS material fails a trust check.
const ROTATE_CA_HINT: &str = "to replace the CA and the server certificate, pass --rotate ca \
    (every node must then trust the new ca.crt)";

/// Appends `hint` to a credentials error's message.
fn with_hint(error: Error, hint: &str) -> Error {
    match error {
        Error::Credentials {
            kind,
            path,
            message,
        } => Error::Credentials {
            kind,
            path,
            message: format!("{message}; {hint}"),
        },
        other => other,
    }
}

/// A CA with its key, read and checked: what a reissue needs.
struct KeyedCa {
    /// `ca.crt` as it was given.
    ca_pem: String,
    /// Where `ca.crt` was read, for messages.
    place: String,
    key_text: SecretString,
    key: p256::SecretKey,
    /// The certificate of `ca.crt` the key belongs to.
    issuer: CertificateInfo,
}

/// A reissue from `ca`.
fn reissue(
    ca: KeyedCa,
    (reasons, origin): (Vec<ReissueReason>, Origin),
    context: &[u8],
    now: OffsetDateTime,
) -> Result<TlsPlan> {
    let issuer = &ca.issuer;
    if issuer.not_after - now < EXPIRY_MARGIN || now < issuer.not_before {
        return Err(Error::credentials(
            CredentialErrorKind::CannotReissue,
            ca.place,
            format!(
                "the CA is valid from {} to {}, not long enough now to issue from; pass \
                 --rotate ca to make a new CA and certificate (every node must then trust the \
                 new ca.crt)",
                rfc3339(issuer.not_before),
                rfc3339(issuer.not_after)
            ),
        ));
    }
    Ok(TlsPlan::Reissue {
        ca_validity: (issuer.not_before, issuer.not_after),
        ca_der: ca.issuer.der,
        ca_certificate: ca.ca_pem,
        ca_key_text: ca.key_text,
        ca_key: ca.key,
        reasons,
        context: context.to_vec(),
        origin,
    })
}

/// Where the CA certificate and key of an earlier render are: `harbor-ca` in the cluster's
/// namespace, or (before the key moved) `harbor-tls`.
struct CaSource<'a> {
    /// `ca.crt` text: from `harbor-tls`, else from `harbor-ca`.
    text: Option<String>,
    cert_place: String,
    /// `ca.key` with where it was read.
    key: Option<(&'a SecretString, String)>,
}

impl<'a> CaSource<'a> {
    fn read(
        tls_secret: Option<&'a ExistingSecret>,
        ca_secret: Option<&'a ExistingSecret>,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<Self> {
        let cert_in = |secret: Option<&'a ExistingSecret>| {
            secret.and_then(|secret| Some((secret.value(CA_CERT_KEY)?, secret.path(CA_CERT_KEY))))
        };
        let key_in = |secret: Option<&'a ExistingSecret>| {
            secret.and_then(|secret| Some((secret.value(CA_KEY_KEY)?, secret.path(CA_KEY_KEY))))
        };
        let (tls_cert, ca_cert) = (cert_in(tls_secret), cert_in(ca_secret));
        if let (Some((first, first_place)), Some((second, second_place))) = (&tls_cert, &ca_cert) {
            if first.expose().trim() != second.expose().trim() {
                return Err(Error::credentials(
                    CredentialErrorKind::CaMismatch,
                    second_place.clone(),
                    format!(
                        "differs from {first_place}: the CA kept with its key is not the CA the \
                         server certificate is published with. Restore matching Secrets, or \
                         pass --rotate ca"
                    ),
                ));
            }
        }
        let (text, cert_place) = match tls_cert.or(ca_cert) {
            Some((text, place)) => (Some(text.expose().to_owned()), place),
            None => (
                None,
                tls_secret
                    .or(ca_secret)
                    .map_or_else(|| "ca.crt".to_owned(), |secret| secret.path(CA_CERT_KEY)),
            ),
        };
        let (old, new) = (key_in(tls_secret), key_in(ca_secret));
        if let (Some((old_key, old_place)), Some((new_key, _))) = (&old, &new) {
            if old_key.expose().trim() != new_key.expose().trim() {
                return Err(Error::credentials(
                    CredentialErrorKind::KeyMismatch,
                    old_place.clone(),
                    format!(
                        "differs from the ca.key in {CA_SECRET}: two different CA keys. Keep \
                         the one that belongs to ca.crt in {CA_SECRET} and remove ca.key from \
                         {TLS_SECRET}"
                    ),
                ));
            }
        }
        if let (Some((_, old_place)), None) = (&old, &new) {
            warnings.push(Diagnostic::new(
                DiagnosticKind::CaKeyMoved,
                Path::notation(old_place),
                format!(
                    "the CA key moves out of {TLS_SECRET}, which nginx and core mount, into \
                     Secret {CA_SECRET} of the cluster's namespace, which no pod mounts. After \
                     applying, check that the cluster's {TLS_SECRET} no longer holds it: \
                     `kubectl -n {HARBOR_NAMESPACE} patch secret {TLS_SECRET} --type=json -p \
                     '[{{\"op\":\"remove\",\"path\":\"/data/ca.key\"}}]'` removes it if it does"
                ),
            ));
        }
        Ok(Self {
            text,
            cert_place,
            key: new.or(old),
        })
    }

    /// The CA key, checked against `ca` when it is read (SPEC 4.3): with the certificate it
    /// belongs to.
    #[allow(clippy::type_complexity)]
    fn read_key<'c>(
        &self,
        ca: &'c Chain,
    ) -> Result<Option<(SecretString, p256::SecretKey, &'c CertificateInfo)>> {
        let Some((text, place)) = &self.key else {
            return Ok(None);
        };
        let (secret, certificate) = trust::read_ca_key(text.expose(), place, ca)?;
        Ok(Some(((*text).clone(), secret, certificate)))
    }

    /// The CA certificate and its key, both required for `why`.
    fn require_key(&self, why: &str) -> Result<KeyedCa> {
        let (Some(text), Some((key_text, key_place))) = (&self.text, &self.key) else {
            return Err(Error::credentials(
                CredentialErrorKind::CannotReissue,
                self.cert_place.clone(),
                format!(
                    "{why}, and the existing Secrets lack ca.crt or ca.key (harbor-edge keeps \
                     both in Secret {CA_SECRET} of the cluster's namespace); restore them, or \
                     pass --rotate ca to make a new CA and certificate (every node must then \
                     trust the new ca.crt)"
                ),
            ));
        };
        let ca = trust::read_ca(text, &self.cert_place)?;
        let (key, issuer) = trust::read_ca_key(key_text.expose(), key_place, &ca)?;
        Ok(KeyedCa {
            ca_pem: text.clone(),
            place: self.cert_place.clone(),
            key_text: (*key_text).clone(),
            key,
            issuer: issuer.clone(),
        })
    }
}

/// A warning when a CA the chain relies on ends within 30 days.
fn ca_expiry_warning(server: &ServerTls, now: OffsetDateTime, place: &str) -> Option<Diagnostic> {
    let ending = server
        .ca
        .iter()
        .find(|certificate| certificate.not_after - now < EXPIRY_MARGIN)?;
    Some(Diagnostic::new(
        DiagnosticKind::CertificateExpiresSoon,
        Path::notation(place),
        format!(
            "the CA {} expires on {}, within 30 days; plan to rotate it (--rotate ca) and \
             distribute the new ca.crt to every node",
            ending.label(),
            rfc3339(ending.not_after)
        ),
    ))
}

/// Checks provided material (SPEC 2.2, 4.3): it is never replaced, so every misfit is an error.
fn plan_provided(
    provided: &ProvidedCerts,
    cluster: &Cluster,
    now: OffsetDateTime,
    warnings: &mut Vec<Diagnostic>,
) -> Result<TlsMaterial> {
    let places = Places {
        cert: CERT_PATH,
        key: KEY_PATH,
        ca: CA_PATH,
    };
    let server = trust::read_server_tls(
        &provided.cert,
        provided.key.expose(),
        provided.ca.as_deref(),
        places,
    )?;
    trust::check_leaf_validity(&server, now, CERT_PATH)?;
    for reason in trust::misfits(&server, cluster, now) {
        if let Some(error) = trust::misfit_error(&reason, &server, places) {
            return Err(error);
        }
    }
    trust::check_ca_validity(&server, now, CA_PATH)?;
    let leaf = &server.chain.leaf;
    if leaf.not_after - now < EXPIRY_MARGIN {
        warnings.push(Diagnostic::new(
            DiagnosticKind::CertificateExpiresSoon,
            Path::notation(CERT_PATH),
            format!(
                "the certificate expires on {}, within 30 days; replace it",
                rfc3339(leaf.not_after)
            ),
        ));
    }
    warnings.extend(ca_expiry_warning(&server, now, CA_PATH));
    Ok(TlsMaterial {
        certificate_chain: with_final_newline(&provided.cert),
        private_key: provided.key.clone(),
        ca_certificate: with_final_newline(&server.ca_pem),
        ca_private_key: None,
    })
}

fn with_final_newline(text: &str) -> String {
    let mut text = text.trim_end().to_owned();
    text.push('\n');
    text
}
