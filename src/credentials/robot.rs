//! The secret of the robot account the nodes pull with in the Palette layout (SPEC 7): the
//! bootstrap Job sets it on `robot$spectro-images+edge-nodes`, and `registries.yaml` logs in
//! with it. Generated, or reused from the existing secrets like every credential.

use super::existing::ExistingSecrets;
use super::generator::{Generator, Purpose};
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

/// The robot secret `existing` holds (checked against Harbor's rule), else a new one: 32
/// characters of `[A-Za-z0-9]` with each class present.
pub(crate) fn resolve(
    existing: Option<&ExistingSecrets>,
    generator: &mut Generator,
) -> Result<(SecretString, Origin)> {
    let found = existing
        .and_then(|all| all.get(HARBOR_NAMESPACE, ROBOT_SECRET_SECRET))
        .and_then(|secret| Some((secret.value(ROBOT_SECRET_KEY)?, secret)));
    if let Some((value, secret)) = found {
        if !meets_harbor_rule(value.expose()) {
            return Err(Error::credentials(
                CredentialErrorKind::InvalidExistingSecret,
                secret.path(ROBOT_SECRET_KEY),
                "is not a robot secret Harbor accepts (8 to 128 characters with an upper-case \
                 letter, a lower-case letter and a digit); restore the value the bootstrap Job \
                 set, or remove the key to generate a new one",
            ));
        }
        return Ok((value.clone(), Origin::Reused));
    }
    let mut rng = generator.rng(Purpose::RobotSecret, b"")?;
    loop {
        let secret = password::alphanumeric(&mut rng, GENERATED_LENGTH);
        if meets_harbor_rule(secret.expose()) {
            return Ok((secret, Origin::Generated));
        }
    }
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

    #[test]
    fn generated_secrets_meet_the_rule_and_follow_the_seed() {
        let (first, origin) = resolve(None, &mut Generator::reproducible(3, None)).unwrap();
        assert_eq!(origin, Origin::Generated);
        assert_eq!(first.expose().len(), GENERATED_LENGTH);
        assert!(meets_harbor_rule(first.expose()));
        let (again, _) = resolve(None, &mut Generator::reproducible(3, None)).unwrap();
        assert_eq!(first, again);
        let (other, _) = resolve(None, &mut Generator::reproducible(4, None)).unwrap();
        assert_ne!(first, other);
    }
}
