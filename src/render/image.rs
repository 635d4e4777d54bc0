//! The bootstrap Job's container image: a checked image reference, by default the official
//! Python image pinned by digest.

use std::fmt;

use crate::diagnostic::{Diagnostic, DiagnosticKind, Diagnostics};
use crate::error::{Error, Result};
use crate::path::Path;

/// The image the Job runs unless told otherwise: the official Python 3.13 on Alpine, pinned by
/// the digest of its multi-arch index (Python 3.13.15, Alpine 3.24).
pub const DEFAULT_BOOTSTRAP_IMAGE: &str = "docker.io/library/python:3.13-alpine@sha256:79e7a9b9ff1cbceff819f856fb374477792a5967759d94df266de7b7b4120e6f";

/// The image of the bootstrap Job: a container image reference, by default
/// [`DEFAULT_BOOTSTRAP_IMAGE`]. An override (for an air-gapped install: the same image in a
/// registry the cluster reaches) needs Python 3.9 or later with its `ssl` module as `python3` on
/// `PATH`; pin it by digest as the default is.
///
/// ```
/// use harbor_edge::render::BootstrapImage;
///
/// let image = BootstrapImage::new("registry.example.com:5000/python:3.13-alpine")?;
/// assert_eq!(image.as_str(), "registry.example.com:5000/python:3.13-alpine");
/// assert!(BootstrapImage::new("Python 3").is_err());
/// # Ok::<(), harbor_edge::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BootstrapImage(String);

impl BootstrapImage {
    /// Checks `reference`: `[host[:port]/]path[:tag][@sha256:<64 hex>]` with lower-case path
    /// components. A problem is [`Error::Invalid`] at `bootstrap.image`.
    pub fn new(reference: &str) -> Result<Self> {
        if is_image_reference(reference) {
            return Ok(Self(reference.to_owned()));
        }
        Err(Error::Invalid(Diagnostics::one(
            Diagnostic::new(
                DiagnosticKind::OutOfRange,
                Path::root().key("bootstrap").key("image"),
                format!(
                    "{:?} is not a container image reference",
                    reference.chars().take(80).collect::<String>()
                ),
            )
            .with_hint(format!("for example {DEFAULT_BOOTSTRAP_IMAGE}")),
        )))
    }

    /// The reference as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for BootstrapImage {
    fn default() -> Self {
        Self(DEFAULT_BOOTSTRAP_IMAGE.to_owned())
    }
}

impl fmt::Display for BootstrapImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `[host[:port]/]path[:tag][@sha256:hex64]`, as the distribution reference grammar has it
/// (path components `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`, tags `\w[\w.-]{0,127}`).
fn is_image_reference(reference: &str) -> bool {
    let (name_and_tag, digest) = match reference.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (reference, None),
    };
    if let Some(digest) = digest {
        let hex = digest.strip_prefix("sha256:").unwrap_or("");
        if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return false;
        }
    }
    // A tag follows the last `:` that comes after the last `/` (a host's port comes before).
    let last_slash = name_and_tag.rfind('/').map_or(0, |at| at + 1);
    let (name, tag) = match name_and_tag[last_slash..].rfind(':') {
        Some(at) => (
            &name_and_tag[..last_slash + at],
            Some(&name_and_tag[last_slash + at + 1..]),
        ),
        None => (name_and_tag, None),
    };
    if let Some(tag) = tag {
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let ok = tag.len() <= 128
            && tag.bytes().next().is_some_and(word)
            && tag.bytes().all(|b| word(b) || b == b'.' || b == b'-');
        if !ok {
            return false;
        }
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    let first = parts[0];
    // The first component names a registry when it looks like a host.
    if parts.len() > 1 && (first.contains(['.', ':']) || first == "localhost") {
        if !is_host(first) {
            return false;
        }
        parts.remove(0);
    }
    name.len() <= 255 && parts.into_iter().all(is_path_component)
}

fn is_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    port.is_none_or(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
        && name.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn is_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(&bytes[0]) || !alnum(&bytes[bytes.len() - 1]) {
        return false;
    }
    // Separators: `.`, `_`, `__` or any run of `-`, always between alphanumerics.
    component
        .split(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        .filter(|separator| !separator.is_empty())
        .all(|separator| {
            matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        for good in [
            DEFAULT_BOOTSTRAP_IMAGE,
            "python",
            "python:3.13-alpine",
            "library/python@sha256:79e7a9b9ff1cbceff819f856fb374477792a5967759d94df266de7b7b4120e6f",
            "registry.example.com:5000/mirror/python:3.13",
            "localhost/python",
            "a__b/c---d.e_f:T_1.x-y",
        ] {
            assert!(is_image_reference(good), "{good}");
        }
        for bad in [
            "",
            "Python",
            "python:",
            "python:-x",
            "python@sha256:abc",
            "python@md5:79e7a9b9ff1cbceff819f856fb374477792a5967759d94df266de7b7b4120e6f",
            "python 3",
            "a//b",
            "a___b",
            "/python",
            "python/",
            "bad_host.example.com/x",
            "python\n",
        ] {
            assert!(!is_image_reference(bad), "{bad:?}");
        }
    }
}
