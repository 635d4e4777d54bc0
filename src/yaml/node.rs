//! A YAML value as a tree of nodes that know where they were written.

use std::borrow::Cow;
use std::num::NonZeroU32;

use zeroize::Zeroize;

use crate::diagnostic::Position;
use crate::secret::REDACTED;

/// One value of a document and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) value: Value,
    mark: Option<Mark>,
}

/// What a node holds. Plain scalars are resolved (see [`super::resolve_plain`]); quoted and
/// block scalars are strings. `Debug` does not show strings: they may be secrets.
#[derive(Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    /// Any integer the text holds; the reader also lists those past 64 bits.
    Int(i128),
    Float(f64),
    String(String),
    Sequence(Vec<Node>),
    /// Entries in source order; a repeated key is kept (and listed by the reader).
    Mapping(Vec<(Node, Node)>),
    /// A value with a tag other than YAML's own (`!!str`, `!!int`, ...): the tag and the node.
    Tagged(String, Box<Node>),
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Null => f.write_str("Null"),
            Self::Bool(flag) => f.debug_tuple("Bool").field(flag).finish(),
            Self::Int(number) => f.debug_tuple("Int").field(number).finish(),
            Self::Float(number) => f.debug_tuple("Float").field(number).finish(),
            Self::String(_) => f.debug_tuple("String").field(&REDACTED).finish(),
            Self::Sequence(items) => f.debug_tuple("Sequence").field(items).finish(),
            Self::Mapping(entries) => f.debug_tuple("Mapping").field(entries).finish(),
            Self::Tagged(tag, node) => f.debug_tuple("Tagged").field(tag).field(node).finish(),
        }
    }
}

/// A [`Position`] in 8 bytes; lines and columns past `u32::MAX` are clamped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl Node {
    /// A node made by the program rather than read: it has no position.
    pub(crate) fn new(value: Value) -> Self {
        Self { value, mark: None }
    }

    /// A node read at `position`.
    pub(crate) fn at(value: Value, position: Position) -> Self {
        Self {
            value,
            mark: Some(position.into()),
        }
    }

    /// Where the node was written; `None` for a node the program made.
    pub(crate) fn position(&self) -> Option<Position> {
        self.mark.map(Position::from)
    }

    /// The text of a string node.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The entries of a mapping node.
    pub(crate) fn as_mapping(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items of a sequence node.
    pub(crate) fn as_sequence(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// Whether the node is null (`~`, `null` or nothing).
    pub(crate) fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The value of `key` in a mapping node (the last one when the key is repeated).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, value)| value)
    }

    /// The key and value nodes of `key` in a mapping node (the last when the key is repeated).
    pub(crate) fn entry(&self, key: &str) -> Option<&(Node, Node)> {
        self.as_mapping()?
            .iter()
            .rev()
            .find(|(name, _)| name.as_str() == Some(key))
    }

    /// The value of `key`, mutable.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Mapping(entries) => entries
                .iter_mut()
                .rev()
                .find(|(name, _)| name.as_str() == Some(key))
                .map(|(_, value)| value),
            _ => None,
        }
    }

    /// Removes `key` (every occurrence) from a mapping node and gives its last entry.
    pub(crate) fn remove(&mut self, key: &str) -> Option<(Node, Node)> {
        let Value::Mapping(entries) = &mut self.value else {
            return None;
        };
        let mut found = None;
        let mut index = 0;
        while index < entries.len() {
            if entries[index].0.as_str() == Some(key) {
                if let Some(mut earlier) = found.replace(entries.remove(index)) {
                    wipe_entry(&mut earlier);
                }
            } else {
                index += 1;
            }
        }
        found
    }

    /// The node at `path` (mapping keys, and sequence indexes as decimal text), and how many
    /// segments of the path were found: the whole path, or the deepest ancestor written.
    pub(crate) fn lookup<'a>(
        &'a self,
        path: &[impl AsRef<str>],
    ) -> (usize, Option<&'a (Node, Node)>, &'a Node) {
        let mut node = self;
        let mut entry = None;
        for (depth, segment) in path.iter().enumerate() {
            let segment = segment.as_ref();
            let next = match &node.value {
                Value::Mapping(entries) => entries
                    .iter()
                    .rev()
                    .find(|(key, _)| key_text(key).as_deref() == Some(segment))
                    .map(|pair| (Some(pair), &pair.1)),
                Value::Sequence(items) => segment
                    .parse::<usize>()
                    .ok()
                    .and_then(|index| items.get(index))
                    .map(|item| (None, item)),
                _ => None,
            };
            match next {
                Some((key, child)) => {
                    entry = key;
                    node = child;
                }
                None => return (depth, None, node),
            }
        }
        (path.len(), entry, node)
    }

    /// Overwrites every string below this node (keys are never secret): for documents that
    /// held secrets, before they are freed.
    pub(crate) fn wipe(&mut self) {
        match &mut self.value {
            Value::String(text) => text.zeroize(),
            Value::Sequence(items) => items.iter_mut().for_each(Node::wipe),
            Value::Mapping(entries) => entries.iter_mut().for_each(wipe_entry),
            Value::Tagged(_, node) => node.wipe(),
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
        }
    }

    /// How many nodes this one holds, itself included.
    pub(super) fn count(&self) -> usize {
        1 + match &self.value {
            Value::Sequence(items) => items.iter().map(Node::count).sum(),
            Value::Mapping(entries) => entries
                .iter()
                .map(|(key, value)| key.count() + value.count())
                .sum(),
            Value::Tagged(_, node) => node.count(),
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::String(_) => 0,
        }
    }
}

fn wipe_entry((_, value): &mut (Node, Node)) {
    value.wipe();
}

/// A key as path text: a string, or the plain text of a number or boolean (`80: x` is key
/// `80`); `None` for other keys.
pub(crate) fn key_text(key: &Node) -> Option<Cow<'_, str>> {
    match &key.value {
        Value::String(text) => Some(text.as_str().into()),
        Value::Int(number) => Some(number.to_string().into()),
        Value::Bool(flag) => Some(flag.to_string().into()),
        Value::Float(number) => Some(number.to_string().into()),
        _ => None,
    }
}
