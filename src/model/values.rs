//! The value types of the parameters: each holds what its parameter allows, so a value of the
//! type is valid by construction (a port is never 0, a password meets Harbor's policy).

use std::fmt;
use std::num::{NonZeroU16, NonZeroU32};

use serde::Serialize;

use crate::secret::SecretString;

/// How the Harbor service is exposed (`harbor-config.service.serviceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ServiceType {
    /// A NodePort service (the default): reachable on every node.
    NodePort,
    /// Only inside the cluster.
    ClusterIP,
    /// A cloud or MetalLB load balancer.
    LoadBalancer,
}

/// A password that meets Harbor's policy: 8 to 128 characters, with an upper-case letter, a
/// lower-case letter and a digit.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminPassword(SecretString);

/// One rule of Harbor's password policy that a string breaks. Never holds the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordPolicyError {
    /// Fewer than 8 or more than 128 characters.
    Length(usize),
    /// No upper-case letter.
    NoUpperCase,
    /// No lower-case letter.
    NoLowerCase,
    /// No digit.
    NoDigit,
}

impl fmt::Display for PasswordPolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(n) => write!(f, "has {n} characters (Harbor needs 8 to 128)"),
            Self::NoUpperCase => f.write_str("has no upper-case letter"),
            Self::NoLowerCase => f.write_str("has no lower-case letter"),
            Self::NoDigit => f.write_str("has no digit"),
        }
    }
}

/// Every rule of Harbor's password policy that a string breaks, in the policy's order (length,
/// upper case, lower case, digit); never empty. Never holds the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicyErrors(Vec<PasswordPolicyError>);

impl PasswordPolicyErrors {
    /// The rules broken.
    pub fn rules(&self) -> &[PasswordPolicyError] {
        &self.0
    }
}

/// "has 5 characters (Harbor needs 8 to 128), has no upper-case letter and has no digit".
impl fmt::Display for PasswordPolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = self.0.len().saturating_sub(1);
        for (index, rule) in self.0.iter().enumerate() {
            match index {
                0 => {}
                _ if index == last => f.write_str(" and ")?,
                _ => f.write_str(", ")?,
            }
            write!(f, "{rule}")?;
        }
        Ok(())
    }
}

impl AdminPassword {
    /// What to do about a password that breaks the policy.
    pub const POLICY_HINT: &'static str = "use 8 to 128 characters with an upper-case letter, a \
        lower-case letter and a digit, or leave it out to have one generated";

    /// Checks the policy; the error lists every rule broken.
    pub fn new(value: SecretString) -> Result<Self, PasswordPolicyErrors> {
        Self::check(value.expose())?;
        Ok(Self(value))
    }

    /// Every rule of the policy `text` breaks, without keeping the text.
    pub fn check(text: &str) -> Result<(), PasswordPolicyErrors> {
        let length = text.chars().count();
        let broken: Vec<PasswordPolicyError> = [
            (!(8..=128).contains(&length)).then_some(PasswordPolicyError::Length(length)),
            (!text.chars().any(char::is_uppercase)).then_some(PasswordPolicyError::NoUpperCase),
            (!text.chars().any(char::is_lowercase)).then_some(PasswordPolicyError::NoLowerCase),
            (!text.chars().any(|c| c.is_ascii_digit())).then_some(PasswordPolicyError::NoDigit),
        ]
        .into_iter()
        .flatten()
        .collect();
        if broken.is_empty() {
            Ok(())
        } else {
            Err(PasswordPolicyErrors(broken))
        }
    }

    /// The secret.
    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

impl fmt::Debug for AdminPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AdminPassword").field(&self.0).finish()
    }
}

/// A TCP port, 1 to 65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port(NonZeroU16);

impl Port {
    /// `None` for 0.
    pub const fn new(value: u16) -> Option<Self> {
        match NonZeroU16::new(value) {
            Some(port) => Some(Self(port)),
            None => None,
        }
    }

    /// The number.
    pub const fn get(self) -> u16 {
        self.0.get()
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Port {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(self.get())
    }
}

/// A volume size in whole GB, at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gigabytes(NonZeroU32);

impl Gigabytes {
    /// `None` for 0.
    pub const fn new(value: u32) -> Option<Self> {
        match NonZeroU32::new(value) {
            Some(size) => Some(Self(size)),
            None => None,
        }
    }

    /// The number of GB.
    pub const fn get(self) -> u32 {
        self.0.get()
    }

    /// As a Kubernetes quantity, e.g. `120Gi`.
    pub fn quantity(self) -> String {
        format!("{}Gi", self.get())
    }
}

impl Serialize for Gigabytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.get())
    }
}

/// A cluster uid such that `cluster-<uid>` is a valid namespace (DNS-1123 label, <= 63 chars).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClusterUid(String);

impl ClusterUid {
    /// Longest uid: `cluster-` takes 8 of the 63 characters of a namespace.
    pub const MAX_LEN: usize = 63 - "cluster-".len();

    /// Checks the rule; the error says what is wrong.
    pub fn new(value: &str) -> Result<Self, String> {
        if value.is_empty() {
            return Err("is empty".into());
        }
        if value.len() > Self::MAX_LEN {
            return Err(format!(
                "has {} characters; `cluster-<uid>` must fit a 63-character namespace, so at most {}",
                value.len(),
                Self::MAX_LEN
            ));
        }
        if let Some(bad) = value
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(format!(
                "holds {bad:?}; only lower-case letters, digits and `-` make a namespace"
            ));
        }
        // The schema's pattern starts and ends the uid with a letter or digit; so does the type,
        // for callers that build it directly.
        if value.starts_with('-') {
            return Err("starts with `-`".into());
        }
        if value.ends_with('-') {
            return Err("ends with `-`".into());
        }
        Ok(Self(value.to_owned()))
    }

    /// The uid.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The namespace `cluster-<uid>`.
    pub fn namespace(&self) -> String {
        format!("cluster-{}", self.0)
    }
}

impl fmt::Display for ClusterUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An inclusive node-port range, low <= high, both >= 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodePortRange {
    low: Port,
    high: Port,
}

impl NodePortRange {
    /// `None` when `low > high`.
    pub fn new(low: Port, high: Port) -> Option<Self> {
        (low <= high).then_some(Self { low, high })
    }

    /// Parses `<low>-<high>`.
    pub fn parse(text: &str) -> Option<Self> {
        let (low, high) = text.split_once('-')?;
        let low = Port::new(low.trim().parse().ok()?)?;
        let high = Port::new(high.trim().parse().ok()?)?;
        Self::new(low, high)
    }

    /// Lowest port.
    pub fn low(self) -> Port {
        self.low
    }

    /// Highest port.
    pub fn high(self) -> Port {
        self.high
    }

    /// Whether `port` lies inside.
    pub fn contains(self, port: u32) -> bool {
        (u32::from(self.low.get())..=u32::from(self.high.get())).contains(&port)
    }
}

impl fmt::Display for NodePortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.low, self.high)
    }
}
