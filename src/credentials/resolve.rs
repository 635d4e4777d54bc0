//! [`Credentials::resolve`]: the precedence of parameters, existing secrets, rotation and
//! generation, in two steps: a plan that reads and checks everything there is (what
//! [`Credentials::check`] stops after), then the generation of what the plan says to make.

use time::{Duration, OffsetDateTime};

use super::existing::ExistingSecrets;
use super::generate::add_years;
use super::generator::Generator;
use super::internal::{self, InternalPlan};
use super::robot::{self, ROBOT_SECRET_SECRET, RobotPlan};
use super::rotation::rotation_context;
use super::rotation::{Rotatable, Rotation};
use super::tls::{self, TlsPlan};
use super::{Credentials, InternalCredential, Origin, Provenance};
use crate::certificate::rfc3339;
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::error::{CredentialErrorKind, Error, Result};
use crate::model::{
    ADMIN_PASSWORD_KEY, ADMIN_PASSWORD_SECRET, AdminPassword, CA_SECRET, Config, HARBOR_NAMESPACE,
    REGISTRY_INFO_PASSWORD_KEY, REGISTRY_INFO_SECRET, TLS_SECRET,
};
use crate::path::Path;
use crate::secret::SecretString;

/// Parameter path of the admin password.
const PASSWORD_PATH: &str = "harbor-config.auth.password";

/// Where errors about the reproducible validity start point.
const VALIDITY_START_PATH: &str = "reproducible validity start (--not-before)";

/// Lifetime of every certificate harbor-edge makes, in years.
const VALIDITY_YEARS: i32 = 10;

/// What [`Credentials::check`] finds: where each credential would come from, and the warnings a
/// render would give. Nothing is generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialCheck {
    /// Where each credential would come from ([`Origin::Generated`]: would be made).
    pub provenance: Provenance,
    /// The warnings [`Credentials::resolve`] would give.
    pub warnings: Vec<Diagnostic>,
}

impl Credentials {
    /// Decides every credential for `config`:
    ///
    /// - password: `auth.password` when given (a different one in `existing` earns a
    ///   [`DiagnosticKind::PasswordDiffers`]: Harbor reads it on first start only), else the one in
    ///   `existing` (`harbor-admin-password`, then `registry-info`), else generated;
    /// - TLS: `auth.certs` when given, checked (SPEC 4.3, see
    ///   [`crate::CredentialErrorKind`]), else the existing `harbor-tls` (with the CA key from
    ///   `harbor-ca`) when it passes the same checks and still fits (reissued from its CA when
    ///   not), else a new CA and server certificate;
    /// - Harbor's internal credentials: each one the existing secrets hold, checked (see
    ///   [`crate::credentials::InternalCredential`]), else generated; the token certificate is
    ///   reissued from its key when it expires within 30 days;
    /// - the nodes' robot secret: the one in `harbor-pull-robot` when it meets Harbor's rule
    ///   (an error when it does not), else generated.
    ///
    /// Nothing that exists is replaced: [`Credentials::resolve_with`] takes a [`Rotation`] for
    /// that. [`Credentials::provenance`] tells what happened to each item.
    pub fn resolve(
        config: &Config,
        existing: Option<&ExistingSecrets>,
        generator: &mut Generator,
    ) -> Result<Credentials> {
        Self::resolve_with(config, existing, generator, &Rotation::none())
    }

    /// [`Credentials::resolve`], replacing what `rotation` names even where `existing` holds
    /// it (SPEC 4.1: the only way a credential is replaced). A rotated credential has
    /// [`Origin::Rotated`]; rotating one that Harbor keeps on its own side (the admin
    /// password, `secretKey`, the database password) earns a warning saying what to do there.
    pub fn resolve_with(
        config: &Config,
        existing: Option<&ExistingSecrets>,
        generator: &mut Generator,
        rotation: &Rotation,
    ) -> Result<Credentials> {
        let plan = Plan::make(config, existing, generator, rotation)?;
        plan.realize(config, generator)
    }

    /// Every check [`Credentials::resolve_with`] runs (provided and existing material, the
    /// reproducible validity start), without generating anything: what `harbor-edge validate`
    /// reports. The same input gives the same error or the same warnings as a render.
    pub fn check(
        config: &Config,
        existing: Option<&ExistingSecrets>,
        generator: &Generator,
        rotation: &Rotation,
    ) -> Result<CredentialCheck> {
        let plan = Plan::make(config, existing, generator, rotation)?;
        Ok(CredentialCheck {
            provenance: plan.provenance(),
            warnings: plan.warnings,
        })
    }
}

/// Every decision, made before anything is generated.
struct Plan {
    password: PasswordPlan,
    tls: TlsPlan,
    internal: InternalPlan,
    robot: RobotPlan,
    warnings: Vec<Diagnostic>,
}

enum PasswordPlan {
    Keep(SecretString, Origin),
    Generate { context: Vec<u8>, origin: Origin },
}

impl Plan {
    fn make(
        config: &Config,
        existing: Option<&ExistingSecrets>,
        generator: &Generator,
        rotation: &Rotation,
    ) -> Result<Self> {
        let now = generator.check_time();
        let mut warnings = Vec::new();
        if let Some(existing) = existing {
            warnings.extend(unused_sources(existing, config));
        }
        let password = plan_password(config, existing, rotation, &mut warnings);
        let (tls, tls_warnings) = tls::plan(config, existing, rotation, now)?;
        warnings.extend(tls_warnings);
        let mut internal = internal::plan(existing, rotation, now)?;
        warnings.append(&mut internal.warnings);
        let robot = robot::plan(existing, rotation)?;
        if (tls.makes_certificate() || internal.makes_certificate()) && generator.is_reproducible()
        {
            check_validity_start(generator.validity_start(), now)?;
        }
        Ok(Self {
            password,
            tls,
            internal,
            robot,
            warnings,
        })
    }

    fn provenance(&self) -> Provenance {
        let (ca, server_certificate, reissue_reasons) = self.tls.provenance();
        Provenance {
            password: match &self.password {
                PasswordPlan::Keep(_, origin) | PasswordPlan::Generate { origin, .. } => *origin,
            },
            ca,
            server_certificate,
            reissue_reasons,
            internal: self.internal.origins().clone(),
            robot_secret: self.robot.origin(),
        }
    }

    fn realize(self, config: &Config, generator: &mut Generator) -> Result<Credentials> {
        let provenance = self.provenance();
        let admin_password = match self.password {
            PasswordPlan::Keep(password, _) => password,
            PasswordPlan::Generate { context, .. } => generator.admin_password_for(&context)?,
        };
        let tls = self.tls.realize(generator, &config.cluster)?;
        let (internal, _) = self.internal.realize(generator)?;
        let robot_secret = self.robot.realize(generator)?;
        Ok(Credentials {
            admin_password,
            tls,
            internal,
            provenance,
            warnings: self.warnings,
            robot_secret,
        })
    }
}

fn plan_password(
    config: &Config,
    existing: Option<&ExistingSecrets>,
    rotation: &Rotation,
    warnings: &mut Vec<Diagnostic>,
) -> PasswordPlan {
    let previous = existing.and_then(|all| existing_password(all, config));
    let rotate = rotation.contains(Rotatable::AdminPassword);
    if let Some(given) = &config.auth.password {
        if rotate {
            warnings.push(Diagnostic::new(
                DiagnosticKind::RotationIgnored,
                Path::notation(PASSWORD_PATH),
                "--rotate admin-password has no effect: the password is a parameter; \
                          change the parameter to replace it"
                    .to_owned(),
            ));
        }
        if previous.is_some_and(|(previous, _)| previous != given.secret()) {
            warnings.push(Diagnostic::new(
                DiagnosticKind::PasswordDiffers,
                Path::notation(PASSWORD_PATH),
                "the existing secrets hold another admin password; Harbor reads it on \
                          its first start only, so change a running Harbor's password in its UI \
                          or API"
                    .to_owned(),
            ));
        }
        return PasswordPlan::Keep(given.secret().clone(), Origin::Provided);
    }
    match previous {
        Some((previous, path)) if rotate => {
            warnings.push(Diagnostic::new(
                DiagnosticKind::RotationEffect,
                Path::notation(&path),
                "the admin password was rotated: Harbor reads it on its first start \
                          only, so a running Harbor keeps the old one until you change it in \
                          Harbor's UI or API to the new value"
                    .to_owned(),
            ));
            PasswordPlan::Generate {
                context: rotation_context(previous.expose()),
                origin: Origin::Rotated,
            }
        }
        Some((previous, path)) => {
            if let Err(broken) = AdminPassword::check(previous.expose()) {
                warnings.push(Diagnostic::new(
                    DiagnosticKind::ReusedPasswordPolicy,
                    Path::notation(&path),
                    format!(
                        "the existing admin password {broken}, which Harbor's password policy \
                         refuses for new passwords; it is kept (Harbor already runs with it). \
                         Replace it with --rotate admin-password and change it in Harbor too"
                    ),
                ));
            }
            PasswordPlan::Keep(previous.clone(), Origin::Reused)
        }
        None => PasswordPlan::Generate {
            context: Vec::new(),
            origin: Origin::Generated,
        },
    }
}

/// The admin password the existing secrets hold, with where: the chart's secret first, then
/// `registry-info`. Empty values do not count.
fn existing_password<'a>(
    existing: &'a ExistingSecrets,
    config: &Config,
) -> Option<(&'a SecretString, String)> {
    let chart = existing
        .get(HARBOR_NAMESPACE, ADMIN_PASSWORD_SECRET)
        .and_then(|secret| {
            Some((
                secret.value(ADMIN_PASSWORD_KEY)?,
                secret.path(ADMIN_PASSWORD_KEY),
            ))
        });
    let registry_info = existing
        .get(&config.cluster_namespace(), REGISTRY_INFO_SECRET)
        .and_then(|secret| {
            Some((
                secret.value(REGISTRY_INFO_PASSWORD_KEY)?,
                secret.path(REGISTRY_INFO_PASSWORD_KEY),
            ))
        });
    chart
        .into_iter()
        .chain(registry_info)
        .find(|(password, _)| !password.expose().is_empty())
}

/// In reproducible mode the validity start is chosen, not the clock: a start that gives
/// certificates already expired, not yet valid, or valid for less than a year from `now` is
/// refused (SPEC 4.3).
fn check_validity_start(start: OffsetDateTime, now: OffsetDateTime) -> Result<()> {
    let end = add_years(start, VALIDITY_YEARS);
    // The day is enough to explain, and keeps the message the same from run to run.
    let today = now.date();
    let problem = if start > now {
        Some(format!(
            "is {}, after the current time (today is {today}): certificates made from it are \
             not valid yet",
            rfc3339(start)
        ))
    } else if end <= start {
        Some(format!(
            "is {}: ten years later is past the last date a certificate can hold",
            rfc3339(start)
        ))
    } else if end - now < Duration::days(365) {
        Some(format!(
            "is {}: certificates made from it end on {}, {} (today is {today})",
            rfc3339(start),
            rfc3339(end),
            if end < now {
                "already past"
            } else {
                "less than a year from now"
            }
        ))
    } else {
        None
    };
    match problem {
        Some(problem) => Err(Error::credentials(
            CredentialErrorKind::ValidityStart,
            VALIDITY_START_PATH,
            format!(
                "{problem}; choose a start within the last nine years and not in the future \
                 (the default is 2025-01-01T00:00:00Z)"
            ),
        )),
        None => Ok(()),
    }
}

/// The Secrets harbor-edge reads, as `(namespace, name)`.
fn expected_secrets(config: &Config) -> Vec<(String, &'static str)> {
    let cluster = config.cluster_namespace();
    let mut expected = vec![
        (HARBOR_NAMESPACE.to_owned(), TLS_SECRET),
        (HARBOR_NAMESPACE.to_owned(), ADMIN_PASSWORD_SECRET),
        (cluster.clone(), REGISTRY_INFO_SECRET),
        (cluster, CA_SECRET),
        (super::KUBE_SYSTEM.to_owned(), super::SECRET_VALUES_SECRET),
        (HARBOR_NAMESPACE.to_owned(), ROBOT_SECRET_SECRET),
    ];
    let mut internal: Vec<&'static str> = InternalCredential::ALL
        .iter()
        .map(|which| which.secret_name())
        .collect();
    internal.dedup();
    expected.extend(
        internal
            .into_iter()
            .map(|name| (HARBOR_NAMESPACE.to_owned(), name)),
    );
    expected
}

/// A warning for each source of `existing` that holds none of the Secrets harbor-edge reads
/// (SPEC 4.1): a wrong file, a values file, Secrets of another namespace.
fn unused_sources(existing: &ExistingSecrets, config: &Config) -> Vec<Diagnostic> {
    let expected = expected_secrets(config);
    let matches = |namespace: Option<&str>, name: &str| {
        expected.iter().any(|(want_namespace, want_name)| {
            *want_name == name && namespace.is_none_or(|ns| ns == want_namespace)
        })
    };
    let mut warnings = Vec::new();
    for (index, source) in existing.sources().iter().enumerate() {
        let secrets: Vec<_> = existing.of_source(index).collect();
        if secrets
            .iter()
            .any(|secret| matches(secret.namespace.as_deref(), &secret.name))
        {
            continue;
        }
        let misplaced: Vec<String> = secrets
            .iter()
            .filter(|secret| expected.iter().any(|(_, name)| *name == secret.name))
            .filter_map(|secret| {
                let (want, _) = expected.iter().find(|(_, name)| *name == secret.name)?;
                Some(format!(
                    "{} is in namespace {}, harbor-edge reads it in {want}",
                    secret.name,
                    secret.namespace.as_deref().unwrap_or("(none)")
                ))
            })
            .collect();
        let held = if source.count == 0 {
            "nothing (an empty file: a shell redirect into the file being read empties it \
             first)"
                .to_owned()
        } else {
            let more = source.count - source.documents.len();
            let mut text = source.documents.join(", ");
            if more > 0 {
                text.push_str(&format!(" and {more} more"));
            }
            text
        };
        let mut message = format!(
            "{} holds none of the Secrets harbor-edge reads ({TLS_SECRET}, {ADMIN_PASSWORD_SECRET}, \
             {REGISTRY_INFO_SECRET}, {CA_SECRET}, {ROBOT_SECRET_SECRET}, Harbor's internal \
             ones); it holds {held}. Nothing in it was reused",
            source.name
        );
        if !misplaced.is_empty() {
            message.push_str(&format!(" ({})", misplaced.join("; ")));
        }
        message.push_str(
            ". Give the Secrets of an earlier render (the stream or folder it wrote, or \
             `kubectl get secret -A -o yaml`)",
        );
        warnings.push(Diagnostic::new(
            DiagnosticKind::ExistingUnused,
            Path::root().key(super::existing::SECRETS),
            message,
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
    }

    #[test]
    fn validity_starts_are_checked_against_now() {
        let now = at("2026-11-25T00:00:00Z");
        assert!(check_validity_start(at("2025-01-01T00:00:00Z"), now).is_ok());
        assert!(check_validity_start(at("2026-11-24T00:00:00Z"), now).is_ok());
        for start in [
            "1900-01-01T00:00:00Z",
            "2016-01-01T00:00:00Z",
            "2026-11-26T00:00:00Z",
            "9999-12-31T23:59:59Z",
        ] {
            let error = check_validity_start(at(start), now).unwrap_err();
            assert_eq!(
                error.credential_kind(),
                Some(CredentialErrorKind::ValidityStart),
                "{start}"
            );
        }
    }
}
