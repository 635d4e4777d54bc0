//! Paths into a document: where a parameter, a cluster field, an inventory entry or an option
//! sits, in one notation everywhere.
//!
//! The notation is jq's without the leading dot: keys joined by `.`, list items as `[index]`,
//! and a key that is not a plain word (letters, digits, `-`, `_`) in brackets and double
//! quotes, as JSON writes strings:
//!
//! | path | segments |
//! |---|---|
//! | `harbor-config.service.harbor.https.nodePort` | five keys |
//! | `cluster.nodeIps[2]` | key, key, index 2 |
//! | `nodes[1].memory` | key, index 1, key |
//! | `metadata.annotations["harbor-edge.io/digest"]` | a key holding `.` and `/` |

use std::fmt;
use std::str::FromStr;

/// One step of a [`Path`]: a mapping key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A list index, from 0.
    Index(usize),
}

/// A path from a document's root, e.g. `cluster.nodeIps[2]`, in one notation everywhere: jq's
/// without the leading dot (keys joined by `.`, list items as `[index]`, a key that is not a
/// plain word in brackets and double quotes, e.g. `metadata.annotations["harbor-edge.io/digest"]`).
/// Parse one with [`str::parse`]; compare one with a `&str` in that notation.
///
/// ```
/// use harbor_edge::Path;
///
/// let path = Path::root().key("cluster").key("nodeIps").index(2);
/// assert_eq!(path.to_string(), "cluster.nodeIps[2]");
/// assert_eq!("cluster.nodeIps[2]".parse::<Path>(), Ok(path.clone()));
/// assert!(path == "cluster.nodeIps[2]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Path {
    segments: Vec<Segment>,
}

impl Path {
    /// The document's root: no segment.
    pub fn root() -> Self {
        Self::default()
    }

    /// The path of keys `keys`, e.g. `["cluster", "uid"]`.
    pub fn of_keys<S: AsRef<str>>(keys: &[S]) -> Self {
        Self {
            segments: keys
                .iter()
                .map(|key| Segment::Key(key.as_ref().to_owned()))
                .collect(),
        }
    }

    /// The path a text in this notation names; a text that is not one becomes a single key
    /// (for places whose text was written in the notation by the crate itself).
    pub(crate) fn notation(text: &str) -> Self {
        text.parse()
            .unwrap_or_else(|_| Self::root().key(text.to_owned()))
    }

    /// This path, then the key `key`.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.segments.push(Segment::Key(key.into()));
        self
    }

    /// This path, then the list index `index`.
    #[must_use]
    pub fn index(mut self, index: usize) -> Self {
        self.segments.push(Segment::Index(index));
        self
    }

    /// Appends a segment in place.
    pub(crate) fn push(&mut self, segment: Segment) {
        self.segments.push(segment);
    }

    /// The segments, from the root.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// True for the root.
    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// The last segment, unless this is the root.
    pub fn last(&self) -> Option<&Segment> {
        self.segments.last()
    }

    /// The last key, unless the path is the root or ends in an index.
    pub fn last_key(&self) -> Option<&str> {
        match self.segments.last() {
            Some(Segment::Key(key)) => Some(key),
            _ => None,
        }
    }

    /// The path without its last segment; the root's parent is the root.
    #[must_use]
    pub fn parent(&self) -> Self {
        let mut parent = self.clone();
        parent.segments.pop();
        parent
    }

    /// True when `prefix` is this path or one of its ancestors.
    pub fn starts_with(&self, prefix: &Path) -> bool {
        self.segments.starts_with(&prefix.segments)
    }

    /// The longest path that is an ancestor of (or equal to) both.
    #[must_use]
    pub(crate) fn common_prefix(&self, other: &Path) -> Self {
        let shared = self
            .segments
            .iter()
            .zip(&other.segments)
            .take_while(|(a, b)| a == b)
            .count();
        Self {
            segments: self.segments[..shared].to_vec(),
        }
    }
}

/// True for a key written without brackets: letters, digits, `-` and `_`, not empty.
fn is_plain(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Key(key) if is_plain(key) => {
                    if position > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                Segment::Key(key) => {
                    f.write_str("[\"")?;
                    for c in key.chars() {
                        match c {
                            '"' => f.write_str("\\\"")?,
                            '\\' => f.write_str("\\\\")?,
                            '\n' => f.write_str("\\n")?,
                            c if c.is_control() => write!(f, "\\u{:04x}", u32::from(c))?,
                            c => write!(f, "{c}")?,
                        }
                    }
                    f.write_str("\"]")?;
                }
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A text that is not a path in the notation of [`Path`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a path such as `cluster.nodeIps[2]`: {0}")]
pub struct PathSyntaxError(&'static str);

impl FromStr for Path {
    type Err = PathSyntaxError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut path = Path::root();
        let mut rest = text;
        let mut first = true;
        while !rest.is_empty() {
            if let Some(inner) = rest.strip_prefix('[') {
                let (segment, after) = if let Some(quoted) = inner.strip_prefix('"') {
                    let mut key = String::new();
                    let mut chars = quoted.char_indices();
                    let end = loop {
                        match chars.next() {
                            Some((at, '"')) => break at,
                            Some((_, '\\')) => match chars.next() {
                                Some((_, 'n')) => key.push('\n'),
                                Some((_, c @ ('"' | '\\'))) => key.push(c),
                                _ => return Err(PathSyntaxError("an unknown escape")),
                            },
                            Some((_, c)) => key.push(c),
                            None => return Err(PathSyntaxError("an unclosed quote")),
                        }
                    };
                    let after = quoted[end + 1..]
                        .strip_prefix(']')
                        .ok_or(PathSyntaxError("a quoted key without `]`"))?;
                    (Segment::Key(key), after)
                } else {
                    let (digits, after) = inner
                        .split_once(']')
                        .ok_or(PathSyntaxError("an index without `]`"))?;
                    let index = digits
                        .parse()
                        .map_err(|_| PathSyntaxError("an index that is not a number"))?;
                    (Segment::Index(index), after)
                };
                path.push(segment);
                rest = after;
            } else {
                if !first {
                    rest = rest
                        .strip_prefix('.')
                        .ok_or(PathSyntaxError("keys not separated by `.`"))?;
                }
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                let key = &rest[..end];
                if !is_plain(key) {
                    return Err(PathSyntaxError("a key that needs brackets and quotes"));
                }
                path.push(Segment::Key(key.to_owned()));
                rest = &rest[end..];
            }
            first = false;
        }
        Ok(path)
    }
}

impl PartialEq<str> for Path {
    fn eq(&self, other: &str) -> bool {
        other.parse::<Path>().is_ok_and(|other| *self == other)
    }
}

impl PartialEq<&str> for Path {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_and_parses_every_kind_of_segment() {
        let cases = [
            (Path::root(), ""),
            (Path::root().key("cluster").key("uid"), "cluster.uid"),
            (
                Path::root().key("cluster").key("nodeIps").index(0),
                "cluster.nodeIps[0]",
            ),
            (
                Path::root().key("nodes").index(1).key("cpus"),
                "nodes[1].cpus",
            ),
            (Path::root().index(3), "[3]"),
            (Path::root().key("data").key("tls.crt"), "data[\"tls.crt\"]"),
            (
                Path::root().key("a b").key("q\"\\\n"),
                "[\"a b\"][\"q\\\"\\\\\\n\"]",
            ),
            (Path::root().key("").key("x"), "[\"\"].x"),
        ];
        for (path, text) in cases {
            assert_eq!(path.to_string(), text);
            assert_eq!(text.parse::<Path>(), Ok(path.clone()), "{text}");
            assert!(path == text);
        }
        for bad in ["a..b", ".a", "a[", "a[x]", "a[\"b]", "a b", "a]"] {
            assert!(bad.parse::<Path>().is_err(), "{bad}");
        }
    }

    #[test]
    fn ancestors_and_common_prefixes() {
        let ips: Path = "cluster.nodeIps[4]".parse().unwrap();
        let uid: Path = "cluster.uid".parse().unwrap();
        assert!(ips.starts_with(&Path::root().key("cluster")));
        assert!(!uid.starts_with(&ips));
        assert_eq!(ips.common_prefix(&uid), Path::root().key("cluster"));
        assert_eq!(ips.parent(), "cluster.nodeIps".parse::<Path>().unwrap());
        assert_eq!(uid.last_key(), Some("uid"));
        assert_eq!(ips.last_key(), None);
    }
}
