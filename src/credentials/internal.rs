//! Harbor's internal credentials (SPEC 5.1): the keys and secrets its components share, which
//! the chart would otherwise fill with well-known defaults or make anew on every render.
//!
//! Each one lives in a Secret of namespace `harbor` that the chart reads through one of its
//! existing-Secret options, grouped by who reads it, so a node only receives what its pods use:
//!
//! | credential | Secret | key | read by |
//! |---|---|---|---|
//! | `secretKey` | `harbor-core-keys` | `secretKey` | core |
//! | `core.xsrfKey` | `harbor-core-keys` | `CSRF_KEY` | core |
//! | `core.secret` | `harbor-core-secret` | `secret` | core, jobservice, registry |
//! | `core.tokenKey` | `harbor-core-token` | `tls.key` | core |
//! | `core.tokenCert` | `harbor-core-token` | `tls.crt` | (the chart's contract) |
//! | `jobservice.secret` | `harbor-jobservice-secret` | `JOBSERVICE_SECRET` | core, jobservice, registry |
//! | `registry.secret` | `harbor-registry-secret` | `REGISTRY_HTTP_SECRET` | registry |
//! | `registry.credentials.password` | `harbor-registry-credentials` | `REGISTRY_PASSWD` | core, jobservice |
//! | `registry.credentials.htpasswd` | `harbor-registry-credentials` | `REGISTRY_HTPASSWD` | registry |
//! | `database.internal.password` | `harbor-database-password` | `password` | core, exporter |
//!
//! The database itself takes its password only as the value `database.internal.password`:
//! harbor-edge passes it in a separate values file (helm) or a values Secret in `kube-system`
//! (k3s, [`SECRET_VALUES_SECRET`]), never in the plain values.

use std::fmt;

use super::catalog::{
    CORE_KEYS_SECRET, CORE_TOKEN_SECRET, COUNT, DATABASE_PASSWORD_SECRET, InternalCredential,
    KUBE_SYSTEM, REGISTRY_CREDENTIALS_SECRET, SECRET_VALUES_KEY, SECRET_VALUES_SECRET,
};
use super::existing::{ExistingSecret, ExistingSecrets};
use super::generator::Generator;
use super::rotation::{Rotation, rotation_context};
use super::{Origin, htpasswd, password, token};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::error::{CredentialErrorKind, Error, Result};
use crate::model::{ADMIN_PASSWORD_SECRET, HARBOR_NAMESPACE, TLS_SECRET};
use crate::path::Path;
use crate::secret::SecretString;
use crate::yaml::{self, Node, ReadLimits};

/// Deepest nesting read from a values file (the password is 3 levels down).
const VALUES_MAX_DEPTH: usize = 64;

/// The values of every [`InternalCredential`]. Built only by [`crate::Credentials::resolve`],
/// which generates or checks each of them (lengths, the htpasswd line against the password,
/// the token certificate against its key). `Debug` shows no value.
#[derive(Clone, PartialEq, Eq)]
pub struct InternalCredentials {
    values: [SecretString; COUNT],
}

impl InternalCredentials {
    /// The value of `which`: text as the Secret holds it (PEM for the token key and
    /// certificate, `user:hash` for the htpasswd line).
    pub fn get(&self, which: InternalCredential) -> &SecretString {
        &self.values[which.index()]
    }
}

impl fmt::Debug for InternalCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for which in InternalCredential::ALL {
            map.entry(&which.as_str(), self.get(which));
        }
        map.finish()
    }
}

/// Where each [`InternalCredential`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalOrigins {
    origins: [Origin; COUNT],
}

impl InternalOrigins {
    /// Every credential with the same origin.
    pub fn all(origin: Origin) -> Self {
        Self {
            origins: [origin; COUNT],
        }
    }

    /// The origin of `which`.
    pub fn get(&self, which: InternalCredential) -> Origin {
        self.origins[which.index()]
    }

    /// Sets the origin of `which`.
    pub fn set(&mut self, which: InternalCredential, origin: Origin) {
        self.origins[which.index()] = origin;
    }

    /// Every credential with its origin, in [`InternalCredential::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (InternalCredential, Origin)> + '_ {
        InternalCredential::ALL
            .into_iter()
            .map(|which| (which, self.get(which)))
    }
}

/// What to do about each internal credential: keep the value found, or make one.
pub(crate) struct InternalPlan {
    /// The values kept; `None` where one is made.
    kept: [Option<SecretString>; COUNT],
    /// The random streams' contexts of the values made (a rotation names what it replaces).
    contexts: [Vec<u8>; COUNT],
    origins: InternalOrigins,
    token: token::TokenPlan,
    pub(crate) warnings: Vec<Diagnostic>,
}

impl InternalPlan {
    /// Where each credential comes from.
    pub(crate) fn origins(&self) -> &InternalOrigins {
        &self.origins
    }

    /// Whether carrying out the plan makes a certificate (the token certificate).
    pub(crate) fn makes_certificate(&self) -> bool {
        self.token.makes_certificate()
    }

    /// Makes what the plan says to make.
    pub(crate) fn realize(
        self,
        generator: &mut Generator,
    ) -> Result<(InternalCredentials, InternalOrigins)> {
        let mut values: [SecretString; COUNT] = Default::default();
        for which in InternalCredential::ALL {
            let Some((purpose, length, _)) = which.random_rule() else {
                continue;
            };
            values[which.index()] = match &self.kept[which.index()] {
                Some(value) => value.clone(),
                None => password::alphanumeric(
                    &mut generator.rng(purpose, &self.contexts[which.index()])?,
                    length,
                ),
            };
        }
        let htpasswd = InternalCredential::RegistryHtpasswd.index();
        values[htpasswd] = match &self.kept[htpasswd] {
            Some(line) => line.clone(),
            None => htpasswd::generate(
                generator,
                &values[InternalCredential::RegistryPassword.index()],
                &self.contexts[htpasswd],
            )?,
        };
        let (certificate, private_key) = self.token.realize(generator)?;
        values[InternalCredential::TokenKey.index()] = private_key;
        values[InternalCredential::TokenCertificate.index()] = certificate;
        Ok((InternalCredentials { values }, self.origins))
    }
}

/// Plans every internal credential: what `existing` holds is checked and kept byte for byte,
/// unless `rotation` names it; the rest is made. A value that fails its check is an error
/// naming the Secret and key.
pub(crate) fn plan(
    existing: Option<&ExistingSecrets>,
    rotation: &Rotation,
    now: time::OffsetDateTime,
) -> Result<InternalPlan> {
    let secret = |name: &str| existing.and_then(|all| all.get(HARBOR_NAMESPACE, name));
    let mut origins = InternalOrigins::all(Origin::Generated);
    let mut kept: [Option<SecretString>; COUNT] = Default::default();
    let mut contexts: [Vec<u8>; COUNT] = Default::default();
    let mut warnings = Vec::new();

    for which in InternalCredential::ALL {
        let Some((_, _, required)) = which.random_rule() else {
            continue;
        };
        let found = match which {
            InternalCredential::DatabasePassword => existing_database_password(existing)?,
            _ => secret(which.secret_name()).and_then(|secret| {
                Some((secret.value(which.key())?.clone(), secret.path(which.key())))
            }),
        };
        match found {
            Some((value, path)) if rotation.contains_internal(which) => {
                contexts[which.index()] = rotation_context(value.expose());
                origins.set(which, Origin::Rotated);
                warnings.extend(rotation_warning(which, &path));
            }
            Some((value, path)) => {
                check_length(&value, required, &path)?;
                origins.set(which, Origin::Reused);
                kept[which.index()] = Some(value);
            }
            None => {}
        }
    }

    let htpasswd = InternalCredential::RegistryHtpasswd;
    let password_kept = origins.get(InternalCredential::RegistryPassword) == Origin::Reused;
    let existing_line = secret(REGISTRY_CREDENTIALS_SECRET)
        .and_then(|secret| Some((secret, secret.value(htpasswd.key())?)));
    match existing_line {
        Some((_, line)) if rotation.contains_internal(htpasswd) => {
            contexts[htpasswd.index()] = rotation_context(line.expose());
            origins.set(htpasswd, Origin::Rotated);
        }
        Some((secret, _)) if !password_kept => {
            return Err(Error::credentials(
                CredentialErrorKind::InvalidExistingSecret,
                secret.path(InternalCredential::RegistryPassword.key()),
                "is missing beside REGISTRY_HTPASSWD; complete the Secret, or remove it to \
                 generate new registry credentials",
            ));
        }
        Some((secret, line)) => {
            let password = kept[InternalCredential::RegistryPassword.index()]
                .as_ref()
                .ok_or_else(|| {
                    Error::credentials(
                        CredentialErrorKind::InvalidExistingSecret,
                        secret.path(InternalCredential::RegistryPassword.key()),
                        "is missing",
                    )
                })?;
            let recorded = secret.annotation(htpasswd::DIGEST_ANNOTATION);
            htpasswd::verify(line, password, recorded, &secret.path(htpasswd.key()))?;
            origins.set(htpasswd, Origin::Reused);
            kept[htpasswd.index()] = Some(line.clone());
        }
        // A kept password gets a line of its own, with another salt than a first one.
        None if password_kept => contexts[htpasswd.index()] = b"again".to_vec(),
        None => {}
    }

    let (token, token_warnings) = token::plan(secret(CORE_TOKEN_SECRET), rotation, now)?;
    let (key_origin, certificate_origin) = token.origins();
    origins.set(InternalCredential::TokenKey, key_origin);
    origins.set(InternalCredential::TokenCertificate, certificate_origin);
    warnings.extend(token_warnings);

    if let Some(warning) = generated_beside_earlier_secrets(existing, &origins) {
        warnings.push(warning);
    }
    Ok(InternalPlan {
        kept,
        contexts,
        origins,
        token,
        warnings,
    })
}

/// What a rotation of `which` does to a running Harbor, when that is worth a warning.
fn rotation_warning(which: InternalCredential, path: &str) -> Option<Diagnostic> {
    let message = match which {
        InternalCredential::SecretKey => {
            "was rotated: Harbor encrypted the credentials it stores (registry endpoints, robot \
             secrets) with the old key, and cannot read them with the new one; enter them again"
        }
        InternalCredential::DatabasePassword => {
            "was rotated: the internal database keeps the password it was created with; set the \
             new one in PostgreSQL (ALTER USER postgres PASSWORD ...) before applying"
        }
        _ => return None,
    };
    Some(Diagnostic::new(
        DiagnosticKind::RotationEffect,
        Path::notation(path),
        message.to_owned(),
    ))
}

fn check_length(value: &SecretString, required: Option<usize>, path: &str) -> Result<()> {
    let length = value.expose().len();
    let problem = match required {
        _ if length == 0 => "is empty".to_owned(),
        Some(required) if length != required => format!(
            "is {length} bytes long; the chart requires exactly {required} characters. Restore \
             the value Harbor runs with, or remove the key to generate a new one"
        ),
        _ => return Ok(()),
    };
    Err(Error::credentials(
        CredentialErrorKind::InvalidExistingSecret,
        path,
        problem,
    ))
}

/// The database password the existing secrets hold: in `harbor-database-password`, in the k3s
/// values Secret, or both (then they must agree). Returns it with the place it was read from.
fn existing_database_password(
    existing: Option<&ExistingSecrets>,
) -> Result<Option<(SecretString, String)>> {
    let Some(existing) = existing else {
        return Ok(None);
    };
    let which = InternalCredential::DatabasePassword;
    let in_secret = existing
        .get(HARBOR_NAMESPACE, which.secret_name())
        .and_then(|secret| Some((secret.value(which.key())?.clone(), secret.path(which.key()))));
    let in_values = match existing.get(KUBE_SYSTEM, SECRET_VALUES_SECRET) {
        Some(secret) => values_secret_password(secret)?,
        None => None,
    };
    match (in_secret, in_values) {
        (Some((from_secret, path)), Some((from_values, values_path))) => {
            if from_secret != from_values {
                return Err(Error::credentials(
                    CredentialErrorKind::KeyMismatch,
                    values_path,
                    format!(
                        "holds another database.internal.password than {}; the database and \
                         core would disagree. Make both the password the database runs with",
                        path.trim_start_matches("secret ")
                    ),
                ));
            }
            Ok(Some((from_secret, path)))
        }
        (Some(found), None) | (None, Some(found)) => Ok(Some(found)),
        (None, None) => Ok(None),
    }
}

/// `database.internal.password` from the k3s values Secret (key `values.yaml`).
fn values_secret_password(secret: &ExistingSecret) -> Result<Option<(SecretString, String)>> {
    let path = secret.path(SECRET_VALUES_KEY);
    let Some(text) = secret.value(SECRET_VALUES_KEY) else {
        return Ok(None);
    };
    let invalid = |message: &str| {
        Error::credentials(
            CredentialErrorKind::InvalidExistingSecret,
            &path,
            format!("{message}; it must hold database.internal.password as a string"),
        )
    };
    // The parser's message may quote the text: it is not passed on.
    let text = text.expose();
    let limits = ReadLimits::for_text(text, VALUES_MAX_DEPTH);
    let read = yaml::read_one(text, limits).map_err(|_| invalid("is not a YAML values file"))?;
    let mut document = read.root;
    if !read.duplicate_keys.is_empty() {
        // Which of two passwords Helm would take is not for harbor-edge to guess.
        document.wipe();
        return Err(invalid("writes a key twice"));
    }
    let found = document
        .get("database")
        .and_then(|database| database.get("internal"))
        .and_then(|internal| internal.get("password"))
        .and_then(Node::as_str)
        .map(SecretString::new);
    document.wipe();
    match found {
        Some(password) => Ok(Some((password, path))),
        None => Err(invalid("has no database.internal.password")),
    }
}

/// A warning when the existing secrets come from an earlier harbor-edge (they hold its TLS
/// or admin password Secret) but no internal credential: a Harbor installed from them started
/// with the chart's own values, which the new ones replace.
fn generated_beside_earlier_secrets(
    existing: Option<&ExistingSecrets>,
    origins: &InternalOrigins,
) -> Option<Diagnostic> {
    let existing = existing?;
    let earlier = [TLS_SECRET, ADMIN_PASSWORD_SECRET]
        .iter()
        .any(|name| existing.get(HARBOR_NAMESPACE, name).is_some());
    let none_reused = origins
        .iter()
        .all(|(_, origin)| origin == Origin::Generated);
    (earlier && none_reused).then(|| Diagnostic::new(DiagnosticKind::InternalCredentialsGenerated, Path::notation("existing secrets"), format!(
            "the existing secrets hold {TLS_SECRET} or {ADMIN_PASSWORD_SECRET} but none of Harbor's internal \
             credentials ({CORE_KEYS_SECRET}, {DATABASE_PASSWORD_SECRET}, ...): new ones were \
             generated. A Harbor already running from an earlier render keeps its database \
             password and secretKey: set the new database password in PostgreSQL before \
             applying, and enter stored registry endpoint credentials again"
        )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_credential_has_its_own_slot_and_its_own_key_in_a_secret() {
        for (position, which) in InternalCredential::ALL.into_iter().enumerate() {
            assert_eq!(which.index(), position, "{which}");
            assert!(which.secret_name().starts_with("harbor-"), "{which}");
        }
        let mut places: Vec<_> = InternalCredential::ALL
            .iter()
            .map(|which| (which.secret_name(), which.key()))
            .collect();
        places.sort_unstable();
        places.dedup();
        assert_eq!(places.len(), COUNT, "no two credentials share a Secret key");
    }
}
