//! [`Credentials::resolve`]: the precedence of parameters, existing secrets and generation.

use super::existing::ExistingSecrets;
use super::generator::Generator;
use super::{Credentials, Origin, Provenance, internal, provided, reuse, robot};
use crate::error::{Result, Warning, WarningKind};
use crate::model::{
    ADMIN_PASSWORD_KEY, ADMIN_PASSWORD_SECRET, Config, HARBOR_NAMESPACE,
    REGISTRY_INFO_PASSWORD_KEY, REGISTRY_INFO_SECRET, TLS_SECRET,
};
use crate::secret::SecretString;

/// Parameter path of the admin password.
const PASSWORD_PATH: &str = "harbor-config.auth.password";

impl Credentials {
    /// Decides every credential for `config`:
    ///
    /// - password: `auth.password` when given (a different one in `existing` earns a
    ///   [`WarningKind::PasswordDiffers`]: Harbor reads it on first start only), else the one in
    ///   `existing` (`harbor-admin-password`, then `registry-info`), else generated;
    /// - TLS: `auth.certs` when given, checked (see [`crate::CredentialErrorKind`]), else the
    ///   existing `harbor-tls` when it still fits (reissued from its CA when not), else a new CA
    ///   and server certificate;
    /// - Harbor's internal credentials: each one the existing secrets hold, checked (see
    ///   [`crate::credentials::InternalCredential`]), else generated; the token certificate is
    ///   reissued from its key when it expires within 30 days;
    /// - the nodes' robot secret: the one in `harbor-pull-robot` when it meets Harbor's rule
    ///   (an error when it does not), else generated.
    ///
    /// [`Credentials::provenance`] tells what happened to each item.
    pub fn resolve(
        config: &Config,
        existing: Option<&ExistingSecrets>,
        generator: &mut Generator,
    ) -> Result<Credentials> {
        let mut warnings = Vec::new();
        let (admin_password, password_origin) =
            resolve_password(config, existing, generator, &mut warnings)?;

        let (tls, ca, server_certificate, reissue_reasons) = match &config.auth.certs {
            Some(certs) => {
                let (tls, provided_warnings) =
                    provided::check(certs, &config.cluster, generator.check_time())?;
                warnings.extend(provided_warnings);
                (tls, Origin::Provided, Origin::Provided, Vec::new())
            }
            None => {
                let secret = existing.and_then(|all| all.get(HARBOR_NAMESPACE, TLS_SECRET));
                let outcome = reuse::reuse_or_generate(&config.cluster, secret, generator)?;
                warnings.extend(outcome.warnings);
                (
                    outcome.tls,
                    outcome.ca,
                    outcome.server_certificate,
                    outcome.reissue_reasons,
                )
            }
        };

        let internal = internal::resolve(existing, generator)?;
        warnings.extend(internal.warnings);
        let (robot_secret, robot_secret_origin) = robot::resolve(existing, generator)?;

        Ok(Credentials {
            admin_password,
            tls,
            internal: internal.credentials,
            provenance: Provenance {
                password: password_origin,
                ca,
                server_certificate,
                reissue_reasons,
                internal: internal.origins,
                robot_secret: robot_secret_origin,
            },
            warnings,
            robot_secret,
        })
    }
}

fn resolve_password(
    config: &Config,
    existing: Option<&ExistingSecrets>,
    generator: &mut Generator,
    warnings: &mut Vec<Warning>,
) -> Result<(SecretString, Origin)> {
    let previous = existing.and_then(|all| existing_password(all, config));
    if let Some(given) = &config.auth.password {
        if previous.is_some_and(|previous| previous != given.secret()) {
            warnings.push(Warning {
                kind: WarningKind::PasswordDiffers,
                path: PASSWORD_PATH.to_owned(),
                position: None,
                message: "the existing secrets hold another admin password; Harbor reads it on \
                          its first start only, so change a running Harbor's password in its UI \
                          or API"
                    .to_owned(),
            });
        }
        return Ok((given.secret().clone(), Origin::Provided));
    }
    if let Some(previous) = previous {
        return Ok((previous.clone(), Origin::Reused));
    }
    Ok((generator.admin_password()?, Origin::Generated))
}

/// The admin password the existing secrets hold: the chart's secret first, then
/// `registry-info`. Empty values do not count.
fn existing_password<'a>(
    existing: &'a ExistingSecrets,
    config: &Config,
) -> Option<&'a SecretString> {
    let chart = existing
        .get(HARBOR_NAMESPACE, ADMIN_PASSWORD_SECRET)
        .and_then(|secret| secret.value(ADMIN_PASSWORD_KEY));
    let registry_info = existing
        .get(&config.cluster_namespace(), REGISTRY_INFO_SECRET)
        .and_then(|secret| secret.value(REGISTRY_INFO_PASSWORD_KEY));
    chart
        .into_iter()
        .chain(registry_info)
        .find(|password| !password.expose().is_empty())
}
