//! The secret of the robot account the nodes pull with in the Palette layout (SPEC 7): the
//! bootstrap Job sets it on `robot$spectro-images+edge-nodes`, and `registries.yaml` logs in
//! with it. Generated, or reused from the existing secrets like every credential, and replaced
//! only by a rotation (`--rotate robot-secret`).

use super::existing::ExistingSecrets;
use super::generator::{Generator, Purpose};
use super::rotation::rotation_context;
use super::rotation::{Rotatable, Rotation};
use super::{Origin, password};
use crate::error::{CredentialErrorKind, Error, Result};
use crate::model::HARBOR_NAMESPACE;
use crate::secret::SecretString;

/// The Secret in namespace `harbor` holding the robot's secret, which the bootstrap Job reads.
pub const ROBOT_SECRET_SECRET: &str = "harbor-pull-robot";
/// Its key.
pub const ROBOT_SECRET_KEY: &str = "HARBOR_ROBOT_SECRET";

/// Length of a generated robot secret.
const GENERATED_LENGTH: usize = 32;
/// Harbor's bounds on a robot secret, in bytes.
const MIN_LENGTH: usize = 8;
const MAX_LENGTH: usize = 128;

/// Whether Harbor takes `secret` as a robot secret: 8 to 128 bytes with an upper-case letter, a
/// lower-case letter and a digit.
pub(crate) fn meets_harbor_rule(secret: &str) -> bool {
    (MIN_LENGTH..=MAX_LENGTH).contains(&secret.len())
        && secret.bytes().any(|b| b.is_ascii_uppercase())
        && secret.bytes().any(|b| b.is_ascii_lowercase())
        && secret.bytes().any(|b| b.is_ascii_digit())
}

/// What to do about the robot secret: keep the one found, or make one.
pub(crate) enum RobotPlan {
    Keep(SecretString, Origin),
    /// Made from the `RobotSecret` stream with this context (a rotation names what it
    /// replaces).
    Generate {
        context: Vec<u8>,
        origin: Origin,
    },
}

impl RobotPlan {
    /// Where the secret comes from.
    pub(crate) fn origin(&self) -> Origin {
        match self {
            RobotPlan::Keep(_, origin) | RobotPlan::Generate { origin, .. } => *origin,
        }
    }

    /// The secret: the one kept, else a new one of 32 characters of `[A-Za-z0-9]` with each
    /// class present.
    pub(crate) fn realize(self, generator: &mut Generator) -> Result<SecretString> {
        let context = match self {
            RobotPlan::Keep(secret, _) => return Ok(secret),
            RobotPlan::Generate { context, .. } => context,
        };
        let mut rng = generator.rng(Purpose::RobotSecret, &context)?;
        loop {
            let secret = password::alphanumeric(&mut rng, GENERATED_LENGTH);
            if meets_harbor_rule(secret.expose()) {
                return Ok(secret);
            }
        }
    }
}

/// Plans the robot secret: the one `existing` holds, checked against Harbor's rule and kept
/// unless `rotation` names it (the bootstrap Job's name follows the secret, so a rotated one
/// reaches Harbor with the next apply), else a new one.
pub(crate) fn plan(existing: Option<&ExistingSecrets>, rotation: &Rotation) -> Result<RobotPlan> {
    let found = existing
        .and_then(|all| all.get(HARBOR_NAMESPACE, ROBOT_SECRET_SECRET))
        .and_then(|secret| Some((secret.value(ROBOT_SECRET_KEY)?, secret)));
    let Some((value, secret)) = found else {
        return Ok(RobotPlan::Generate {
            context: Vec::new(),
            origin: Origin::Generated,
        });
    };
    if rotation.contains(Rotatable::RobotSecret) {
        return Ok(RobotPlan::Generate {
            context: rotation_context(value.expose()),
            origin: Origin::Rotated,
        });
    }
    if !meets_harbor_rule(value.expose()) {
        return Err(Error::credentials(
            CredentialErrorKind::InvalidExistingSecret,
            secret.path(ROBOT_SECRET_KEY),
            "is not a robot secret Harbor accepts (8 to 128 characters with an upper-case \
             letter, a lower-case letter and a digit); restore the value the bootstrap Job \
             set, or replace it with --rotate robot-secret",
        ));
    }
    Ok(RobotPlan::Keep(value.clone(), Origin::Reused))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harbor_rule() {
        for good in [
            "Aa345678",
            "Aa1\"\n---\nkind: X",
            &format!("Aa1{}", "x".repeat(125)),
        ] {
            assert!(meets_harbor_rule(good), "{good:?}");
        }
        for bad in [
            "Aa34567",
            "aa345678",
            "AA345678",
            "Aabcdefg",
            &"Aa1".repeat(43),
        ] {
            assert!(!meets_harbor_rule(bad), "{bad:?}");
        }
    }

    fn resolve(
        existing: Option<&ExistingSecrets>,
        rotation: &Rotation,
        seed: u64,
    ) -> Result<(SecretString, Origin)> {
        let plan = plan(existing, rotation)?;
        let origin = plan.origin();
        Ok((
            plan.realize(&mut Generator::reproducible(seed, None))?,
            origin,
        ))
    }

    fn stored(secret: &str) -> ExistingSecrets {
        ExistingSecrets::from_yaml_str(&format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: {ROBOT_SECRET_SECRET}, namespace: harbor}}\n\
             stringData: {{{ROBOT_SECRET_KEY}: {secret}}}\n"
        ))
        .unwrap()
    }

    #[test]
    fn generated_secrets_meet_the_rule_and_follow_the_seed() {
        let none = Rotation::none();
        let (first, origin) = resolve(None, &none, 3).unwrap();
        assert_eq!(origin, Origin::Generated);
        assert_eq!(first.expose().len(), GENERATED_LENGTH);
        assert!(meets_harbor_rule(first.expose()));
        let (again, _) = resolve(None, &none, 3).unwrap();
        assert_eq!(first, again);
        let (other, _) = resolve(None, &none, 4).unwrap();
        assert_ne!(first, other);
    }

    #[test]
    fn existing_secrets_are_kept_checked_and_replaced_only_by_rotation() {
        let existing = stored("Kept1secretValue");
        let (kept, origin) = resolve(Some(&existing), &Rotation::none(), 3).unwrap();
        assert_eq!(
            (kept.expose(), origin),
            ("Kept1secretValue", Origin::Reused)
        );

        let rotation: Rotation = "robot-secret".parse().unwrap();
        let (rotated, origin) = resolve(Some(&existing), &rotation, 3).unwrap();
        assert_eq!(origin, Origin::Rotated);
        assert!(meets_harbor_rule(rotated.expose()));
        assert_ne!(rotated.expose(), "Kept1secretValue");
        let (fresh, _) = resolve(None, &Rotation::none(), 3).unwrap();
        assert_ne!(
            rotated, fresh,
            "a rotation does not repeat the first generated secret"
        );

        let broken = stored("short");
        let error = resolve(Some(&broken), &Rotation::none(), 3).unwrap_err();
        assert_eq!(
            error.credential_kind(),
            Some(CredentialErrorKind::InvalidExistingSecret)
        );
        assert!(!error.to_string().contains("short"), "{error}");
        let (replaced, origin) = resolve(Some(&broken), &rotation, 3).unwrap();
        assert_eq!(origin, Origin::Rotated);
        assert!(meets_harbor_rule(replaced.expose()));
    }
}
