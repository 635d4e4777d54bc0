//! Where each key and value sits in the source text, so problems can name a line and column.
//!
//! `serde_yaml` gives values without positions; this index walks the same text once more with
//! `yaml-rust2`'s event parser, which reports a mark for every event, and records the position
//! of every mapping key and value by its path. On the way it notes what `serde_yaml` refuses
//! without saying where: a key written twice in one mapping, and an integer too large for 64
//! bits.
//!
//! The index holds an entry per value, so it is kept small: a path is one string (each segment
//! prefixed with its length, so no key text can make two paths alike) and a position two
//! 32-bit numbers. A list of 200,000 items costs about 10 MB.

use std::collections::HashMap;
use std::num::NonZeroU32;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::diagnostic::Position;

/// Positions of keys and values, by path from the document root.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    entries: HashMap<Box<str>, Entry>,
    duplicates: Vec<DuplicateKey>,
    oversized_integers: Vec<(Vec<String>, Position)>,
}

/// A key written a second time in the same mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DuplicateKey {
    /// The key's path from the document root.
    pub(crate) path: Vec<String>,
    /// Where the key is written again.
    pub(crate) position: Position,
    /// Where it was written first.
    pub(crate) first: Position,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    key: Option<Mark>,
    value: Mark,
}

/// A [`Position`] in 8 bytes; lines and columns past `u32::MAX` are clamped.
#[derive(Debug, Clone, Copy)]
struct Mark {
    line: NonZeroU32,
    column: NonZeroU32,
}

impl From<Position> for Mark {
    fn from(position: Position) -> Self {
        let narrow = |n: usize| NonZeroU32::new(u32::try_from(n).unwrap_or(u32::MAX).max(1));
        Self {
            line: narrow(position.line).unwrap_or(NonZeroU32::MIN),
            column: narrow(position.column).unwrap_or(NonZeroU32::MIN),
        }
    }
}

impl From<Mark> for Position {
    fn from(mark: Mark) -> Self {
        let wide = |n: NonZeroU32| usize::try_from(n.get()).unwrap_or(usize::MAX);
        Self {
            line: wide(mark.line),
            column: wide(mark.column),
        }
    }
}

/// Appends one segment to an encoded path: its length in bytes, `:`, the segment.
fn push_segment(path: &mut String, segment: &str) {
    use std::fmt::Write as _;
    let _ = write!(path, "{}:{segment}", segment.len());
}

fn encode(path: &[String]) -> String {
    let mut encoded = String::new();
    for segment in path {
        push_segment(&mut encoded, segment);
    }
    encoded
}

fn decode(mut encoded: &str) -> Vec<String> {
    let mut segments = Vec::new();
    while let Some((length, rest)) = encoded.split_once(':') {
        let Some(segment) = length.parse().ok().and_then(|n: usize| rest.get(..n)) else {
            break;
        };
        segments.push(segment.to_owned());
        encoded = &rest[segment.len()..];
    }
    segments
}

impl SourceMap {
    /// Indexes the first document of `text`. A text the event parser cannot read yields an
    /// empty map (positions are then unknown; `serde_yaml` reports the syntax error).
    pub fn index(text: &str) -> Self {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        // The receiver stops recording after the first document.
        let _ = parser.load(&mut builder, false);
        Self {
            entries: builder.entries,
            duplicates: builder.duplicates,
            oversized_integers: builder.oversized_integers,
        }
    }

    /// Keys written twice in one mapping, in source order.
    pub(crate) fn duplicate_keys(&self) -> &[DuplicateKey] {
        &self.duplicates
    }

    /// Plain integers that fit no 64-bit integer, with their paths, in source order.
    pub(crate) fn oversized_integers(&self) -> &[(Vec<String>, Position)] {
        &self.oversized_integers
    }

    /// Position of the value at `path`.
    pub fn value(&self, path: &[String]) -> Option<Position> {
        self.entries
            .get(encode(path).as_str())
            .map(|entry| entry.value.into())
    }

    /// Position of the key that names `path` (the value's position for sequence items).
    pub fn key(&self, path: &[String]) -> Option<Position> {
        self.entries
            .get(encode(path).as_str())
            .map(|entry| entry.key.unwrap_or(entry.value).into())
    }

    /// The position of `path`, or of its nearest ancestor that has one.
    pub fn nearest(&self, path: &[String]) -> Option<Position> {
        (0..=path.len())
            .rev()
            .find_map(|len| self.value(&path[..len]))
    }
}

enum Frame {
    Mapping {
        /// Encoded, see [`push_segment`].
        path: String,
        pending_key: Option<(String, Position)>,
        expecting_key: bool,
        /// The keys of this mapping so far, with their positions.
        keys: HashMap<String, Position>,
    },
    Sequence {
        /// Encoded, see [`push_segment`].
        path: String,
        next_index: usize,
    },
    /// Inside a complex (non-scalar) mapping key: ignored, depth counted.
    Skip(usize),
}

#[derive(Default)]
struct Builder {
    entries: HashMap<Box<str>, Entry>,
    duplicates: Vec<DuplicateKey>,
    oversized_integers: Vec<(Vec<String>, Position)>,
    stack: Vec<Frame>,
    done: bool,
}

/// True for a plain scalar that `serde_yaml` reads as an integer (decimal, `0x`, `0o`, `0b`,
/// with a sign) but that fits neither `u64` nor `i64`: it refuses those without a position.
fn is_oversized_integer(scalar: &str) -> bool {
    let (negative, unsigned) = match scalar.as_bytes().first() {
        Some(b'-') => (true, &scalar[1..]),
        Some(b'+') => (false, &scalar[1..]),
        _ => (false, scalar),
    };
    let (digits, radix) = if let Some(rest) = unsigned.strip_prefix("0x") {
        (rest, 16)
    } else if let Some(rest) = unsigned.strip_prefix("0o") {
        (rest, 8)
    } else if let Some(rest) = unsigned.strip_prefix("0b") {
        (rest, 2)
    } else if unsigned.len() > 1 && unsigned.starts_with('0') {
        // Leading zeros make a string in YAML 1.2.
        return false;
    } else {
        (unsigned, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return false;
    }
    // Longer than any u128 in this radix: serde_yaml reads it as a float instead.
    let Ok(value) = u128::from_str_radix(digits, radix) else {
        return false;
    };
    if negative {
        value > u128::from(i64::MIN.unsigned_abs())
    } else {
        value > u128::from(u64::MAX)
    }
}

fn position(mark: Marker) -> Position {
    Position {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

impl Builder {
    fn record(&mut self, path: String, key: Option<Position>, value: Position) {
        let entry = Entry {
            key: key.map(Mark::from),
            value: value.into(),
        };
        self.entries.insert(path.into_boxed_str(), entry);
    }

    /// The (encoded) path of the value about to start, and its key position; advances the
    /// parent.
    fn next_value_path(&mut self) -> Option<(String, Option<Position>)> {
        match self.stack.last_mut()? {
            Frame::Mapping {
                path,
                pending_key,
                expecting_key,
                ..
            } => {
                *expecting_key = true;
                let (key, key_position) = pending_key.take()?;
                let mut child = path.clone();
                push_segment(&mut child, &key);
                Some((child, Some(key_position)))
            }
            Frame::Sequence { path, next_index } => {
                let mut child = path.clone();
                push_segment(&mut child, &next_index.to_string());
                *next_index += 1;
                Some((child, None))
            }
            Frame::Skip(_) => None,
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.done {
            return;
        }
        let here = position(mark);
        if let Some(Frame::Skip(depth)) = self.stack.last_mut() {
            match event {
                Event::MappingStart(..) | Event::SequenceStart(..) => *depth += 1,
                Event::MappingEnd | Event::SequenceEnd => {
                    *depth -= 1;
                    if *depth == 0 {
                        self.stack.pop();
                    }
                }
                _ => {}
            }
            return;
        }
        if let Some(Frame::Mapping {
            expecting_key: expecting @ true,
            pending_key,
            ..
        }) = self.stack.last_mut()
        {
            match event {
                Event::Scalar(key, ..) => {
                    *expecting = false;
                    if let Some(Frame::Mapping {
                        path,
                        pending_key,
                        keys,
                        ..
                    }) = self.stack.last_mut()
                    {
                        if let Some(first) = keys.get(&key) {
                            let mut child = decode(path);
                            child.push(key.clone());
                            self.duplicates.push(DuplicateKey {
                                path: child,
                                position: here,
                                first: *first,
                            });
                        } else {
                            keys.insert(key.clone(), here);
                        }
                        *pending_key = Some((key, here));
                    }
                    return;
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    *pending_key = None;
                    *expecting = false;
                    self.stack.push(Frame::Skip(1));
                    return;
                }
                Event::Alias(_) => {
                    *pending_key = None;
                    *expecting = false;
                    return;
                }
                _ => {}
            }
        }
        match event {
            Event::DocumentEnd => self.done = true,
            Event::Scalar(..) | Event::Alias(_) => {
                if let Some((path, key)) = self.next_value_path() {
                    if let Event::Scalar(text, TScalarStyle::Plain, ..) = &event {
                        if is_oversized_integer(text) {
                            self.oversized_integers.push((decode(&path), here));
                        }
                    }
                    self.record(path, key, here);
                } else if self.stack.is_empty() {
                    self.record(String::new(), None, here);
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let (path, key) = match self.next_value_path() {
                    Some(found) => found,
                    None if self.stack.is_empty() => (String::new(), None),
                    // Value of a complex key: record nothing below it.
                    None => {
                        self.stack.push(Frame::Skip(1));
                        return;
                    }
                };
                self.record(path.clone(), key, here);
                self.stack.push(match event {
                    Event::MappingStart(..) => Frame::Mapping {
                        path,
                        pending_key: None,
                        expecting_key: true,
                        keys: HashMap::new(),
                    },
                    _ => Frame::Sequence {
                        path,
                        next_index: 0,
                    },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(dotted: &str) -> Vec<String> {
        dotted.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn records_keys_and_values_in_block_and_flow_style() {
        let text = "a:\n  b: 1\n  list:\n    - x\n    - {c: 2}\nd: [1, 2]\n";
        let map = SourceMap::index(text);
        assert_eq!(map.key(&path("a.b")), Some(Position { line: 2, column: 3 }));
        assert_eq!(
            map.value(&path("a.b")),
            Some(Position { line: 2, column: 6 })
        );
        assert_eq!(
            map.value(&path("a.list.1.c")),
            Some(Position {
                line: 5,
                column: 11
            })
        );
        assert_eq!(
            map.value(&path("d.1")),
            Some(Position { line: 6, column: 8 })
        );
        assert_eq!(
            map.nearest(&path("a.b.zzz")),
            Some(Position { line: 2, column: 6 })
        );
    }

    #[test]
    fn notes_duplicate_keys_at_their_second_occurrence() {
        // The second `e` mapping is another mapping: its `f` repeats nothing.
        let text = "a:\n  b: 1\n  c: {d: 1, d: 2}\n  b: 3\ne: {f: 1}\ne: {f: 2}\n";
        let map = SourceMap::index(text);
        let found: Vec<_> = map
            .duplicate_keys()
            .iter()
            .map(|dup| (dup.path.join("."), dup.position, dup.first))
            .collect();
        let at = |line, column| Position { line, column };
        assert_eq!(
            found,
            [
                ("a.c.d".to_owned(), at(3, 13), at(3, 7)),
                ("a.b".to_owned(), at(4, 3), at(2, 3)),
                ("e".to_owned(), at(6, 1), at(5, 1)),
            ]
        );
    }

    #[test]
    fn notes_integers_beyond_64_bits() {
        for oversized in [
            "99999999999999999999",
            "+18446744073709551616",
            "-9223372036854775809",
            "0x10000000000000000",
        ] {
            assert!(is_oversized_integer(oversized), "{oversized}");
        }
        for fine in [
            "18446744073709551615",
            "-9223372036854775808",
            "0x1F",
            "30003",
            "0099999999999999999999",
            "9".repeat(60).as_str(),
            "1e30",
            "abc",
            "",
            "-",
        ] {
            assert!(!is_oversized_integer(fine), "{fine}");
        }
        let map =
            SourceMap::index("a:\n  n: 99999999999999999999\n  s: \"99999999999999999999\"\n");
        let found: Vec<_> = map
            .oversized_integers()
            .iter()
            .map(|(path, position)| (path.join("."), *position))
            .collect();
        assert_eq!(found, [("a.n".to_owned(), Position { line: 2, column: 6 })]);
    }

    #[test]
    fn paths_are_encoded_without_ambiguity() {
        for segments in [
            vec![],
            vec![String::new()],
            vec!["a:b".to_owned(), "1:c".to_owned()],
            vec!["a\0b".to_owned(), "ü".to_owned()],
        ] {
            assert_eq!(decode(&encode(&segments)), segments);
        }
        assert_ne!(encode(&path("a.b")), encode(&["a.b".to_owned()]));
        let map = SourceMap::index("\"a.b\": 1\na:\n  b: 2\n");
        assert_eq!(map.value(&["a.b".to_owned()]).map(|p| p.line), Some(1));
        assert_eq!(map.value(&path("a.b")).map(|p| p.line), Some(3));
    }

    #[test]
    fn skips_complex_keys() {
        let text = "? [k]\n: v\nafter: 1\n";
        let map = SourceMap::index(text);
        assert_eq!(
            map.value(&path("after")),
            Some(Position { line: 3, column: 8 })
        );
    }
}
