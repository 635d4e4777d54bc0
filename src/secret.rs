//! A string that never shows itself in `Debug` or `Display`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroize;

/// Text shown instead of a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// A secret string (password, private key, macro value). `Debug` and `Display` print
/// `<redacted>`; the value is reached only through [`SecretString::expose`], so every place that
/// uses it is easy to find. The buffer is overwritten with zeros when dropped.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value. Call this only where the value is really needed (rendering).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in characters, safe to report.
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        // Overwrite the bytes so a freed buffer does not keep the secret around.
        self.0.zeroize();
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// Serializes as `<redacted>`: serializing a config for display must not leak the value.
impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}
