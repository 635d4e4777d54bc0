//! What to replace on purpose (SPEC 4.1): the only way a credential that exists is replaced.
//! Everything else is reused, or reissued from the same CA or key when it no longer fits.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use super::catalog::InternalCredential;

/// One credential that a [`Rotation`] can replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rotatable {
    /// The admin password. Harbor reads it on its first start only: a running Harbor keeps the
    /// old one until it is changed in Harbor's UI or API.
    AdminPassword,
    /// The CA and the server certificate: every node must then trust the new `ca.crt`.
    Ca,
    /// The server certificate, issued anew from the same CA (needs the CA key).
    ServerCertificate,
    /// One of Harbor's internal credentials.
    Internal(InternalCredential),
    /// The secret of the nodes' robot (`spectro-images` layout with a private project): the
    /// bootstrap Job sets the new one in Harbor, and the nodes need the new `registries.yaml`.
    RobotSecret,
}

impl Rotatable {
    /// Every rotatable credential with its name, in the order `--help` lists them.
    pub const ALL: [(&'static str, Rotatable); 14] = [
        ("admin-password", Rotatable::AdminPassword),
        ("ca", Rotatable::Ca),
        ("server-certificate", Rotatable::ServerCertificate),
        (
            "secret-key",
            Rotatable::Internal(InternalCredential::SecretKey),
        ),
        ("xsrf-key", Rotatable::Internal(InternalCredential::XsrfKey)),
        (
            "core-secret",
            Rotatable::Internal(InternalCredential::CoreSecret),
        ),
        (
            "token-key",
            Rotatable::Internal(InternalCredential::TokenKey),
        ),
        (
            "token-certificate",
            Rotatable::Internal(InternalCredential::TokenCertificate),
        ),
        (
            "jobservice-secret",
            Rotatable::Internal(InternalCredential::JobserviceSecret),
        ),
        (
            "registry-secret",
            Rotatable::Internal(InternalCredential::RegistryHttpSecret),
        ),
        (
            "registry-password",
            Rotatable::Internal(InternalCredential::RegistryPassword),
        ),
        (
            "registry-htpasswd",
            Rotatable::Internal(InternalCredential::RegistryHtpasswd),
        ),
        (
            "database-password",
            Rotatable::Internal(InternalCredential::DatabasePassword),
        ),
        ("robot-secret", Rotatable::RobotSecret),
    ];

    /// The name `--rotate` takes, e.g. `admin-password`.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, item)| *item == self)
            .map_or("", |(name, _)| name)
    }

    /// What else a rotation of this one replaces: a new CA needs a new server certificate; a
    /// new token key, a new token certificate; a new registry password, a new htpasswd line.
    fn implied(self) -> Option<Rotatable> {
        match self {
            Rotatable::Ca => Some(Rotatable::ServerCertificate),
            Rotatable::Internal(InternalCredential::TokenKey) => {
                Some(Rotatable::Internal(InternalCredential::TokenCertificate))
            }
            Rotatable::Internal(InternalCredential::RegistryPassword) => {
                Some(Rotatable::Internal(InternalCredential::RegistryHtpasswd))
            }
            _ => None,
        }
    }
}

impl fmt::Display for Rotatable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The credentials to replace in one run (the CLI's `--rotate`). Empty by default: then
/// nothing that exists is replaced.
///
/// Names: `admin-password`, `ca` (with the server certificate), `server-certificate`,
/// `secret-key`, `xsrf-key`, `core-secret`, `token-key` (with its certificate),
/// `token-certificate`, `jobservice-secret`, `registry-secret`, `registry-password` (with the
/// htpasswd line), `registry-htpasswd`, `database-password`, `robot-secret`; and the groups
/// `internal` (all of Harbor's internal credentials) and `all`.
///
/// ```
/// use harbor_edge::credentials::{Rotatable, Rotation};
///
/// let rotation: Rotation = "ca".parse()?;
/// assert!(rotation.contains(Rotatable::ServerCertificate));
/// assert!(!rotation.contains(Rotatable::AdminPassword));
/// assert!("everything".parse::<Rotation>().is_err());
/// # Ok::<(), harbor_edge::credentials::UnknownRotation>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rotation {
    items: BTreeSet<Rotatable>,
}

impl Rotation {
    /// Nothing rotated.
    pub fn none() -> Self {
        Self::default()
    }

    /// Everything rotated: a fresh set of credentials.
    pub fn all() -> Self {
        Rotatable::ALL
            .iter()
            .fold(Self::none(), |rotation, (_, item)| rotation.with(*item))
    }

    /// This rotation and `item` (with what it implies).
    #[must_use]
    pub fn with(mut self, item: Rotatable) -> Self {
        self.items.insert(item);
        if let Some(implied) = item.implied() {
            self.items.insert(implied);
        }
        self
    }

    /// Both rotations.
    #[must_use]
    pub fn union(mut self, other: &Rotation) -> Self {
        self.items.extend(other.items.iter().copied());
        self
    }

    /// Whether `item` is rotated.
    pub fn contains(&self, item: Rotatable) -> bool {
        self.items.contains(&item)
    }

    /// Whether Harbor's internal credential `which` is rotated.
    pub fn contains_internal(&self, which: InternalCredential) -> bool {
        self.contains(Rotatable::Internal(which))
    }

    /// True when nothing is rotated.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The rotated credentials, in [`Rotatable::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = Rotatable> + '_ {
        self.items.iter().copied()
    }
}

/// A name `--rotate` does not know; the message lists the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown credential `{0}` to rotate; expected one of: all, internal, {names}",
    names = Rotatable::ALL.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
)]
pub struct UnknownRotation(pub String);

impl FromStr for Rotation {
    type Err = UnknownRotation;

    /// One name or group.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "all" => Ok(Self::all()),
            "internal" => Ok(InternalCredential::ALL
                .iter()
                .fold(Self::none(), |rotation, which| {
                    rotation.with(Rotatable::Internal(*which))
                })),
            name => Rotatable::ALL
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, item)| Self::none().with(*item))
                .ok_or_else(|| UnknownRotation(name.chars().take(60).collect())),
        }
    }
}

/// `rotate:` and a digest of what is replaced, for the random streams of a rotation.
pub(crate) fn rotation_context(replaced: &str) -> Vec<u8> {
    let mut context = b"rotate:".to_vec();
    context.extend_from_slice(&Sha256::digest(replaced.as_bytes()));
    context
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_internal_credential_has_a_name_and_names_are_unique() {
        for which in InternalCredential::ALL {
            assert!(!Rotatable::Internal(which).name().is_empty(), "{which}");
        }
        let mut names: Vec<_> = Rotatable::ALL.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Rotatable::ALL.len());
        for (name, item) in Rotatable::ALL {
            assert_eq!(
                name.parse::<Rotation>().unwrap(),
                Rotation::none().with(item)
            );
        }
    }

    #[test]
    fn groups_cover_what_they_say() {
        let all = Rotation::all();
        let internal: Rotation = "internal".parse().unwrap();
        for (_, item) in Rotatable::ALL {
            assert!(all.contains(item));
            assert_eq!(
                internal.contains(item),
                matches!(item, Rotatable::Internal(_))
            );
        }
    }
}
