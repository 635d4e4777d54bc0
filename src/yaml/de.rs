//! serde's data model over a [`Node`] tree: a type that derives `Deserialize` is read from the
//! tree directly, and an error names the path (`nodes[1].cpus`) and the position of the node
//! it is about.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};

use super::node::{Node, Value, key_text};
use crate::diagnostic::Position;

/// Why a tree does not fit the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeError {
    message: String,
    /// Segments from the innermost, added as the error travels up.
    reversed_path: Vec<Segment>,
    position: Option<Position>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

impl DeError {
    /// The path of the node it is about, as `nodes[1].cpus` (empty at the top).
    pub(crate) fn path(&self) -> String {
        let mut path = String::new();
        for segment in self.reversed_path.iter().rev() {
            match segment {
                Segment::Key(key) if path.is_empty() => path.push_str(key),
                Segment::Key(key) => {
                    path.push('.');
                    path.push_str(key);
                }
                Segment::Index(index) => path.push_str(&format!("[{index}]")),
            }
        }
        path
    }

    /// Where the node it is about was written.
    pub(crate) fn position(&self) -> Option<Position> {
        self.position
    }

    fn within(mut self, segment: Option<Segment>, position: Option<Position>) -> Self {
        self.reversed_path.extend(segment);
        self.position = self.position.or(position);
        self
    }
}

/// serde's message after the path; it may quote a scalar of the tree: show it only for trees
/// that hold no secret.
impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path() {
            path if path.is_empty() => f.write_str(&self.message),
            path => write!(f, "{path}: {}", self.message),
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self {
            message: message.to_string(),
            reversed_path: Vec::new(),
            position: None,
        }
    }
}

/// Reads a `T` from a tree.
pub(crate) fn from_node<T: DeserializeOwned>(node: &Node) -> Result<T, DeError> {
    T::deserialize(NodeDeserializer(node)).map_err(|error| error.within(None, node.position()))
}

struct NodeDeserializer<'a>(&'a Node);

impl<'de> de::Deserializer<'de> for NodeDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(flag) => visitor.visit_bool(*flag),
            Value::Int(number) => match (i64::try_from(*number), u64::try_from(*number)) {
                (Ok(number), _) => visitor.visit_i64(number),
                (_, Ok(number)) => visitor.visit_u64(number),
                _ => visitor.visit_i128(*number),
            },
            Value::Float(number) => visitor.visit_f64(*number),
            Value::String(text) => visitor.visit_borrowed_str(text),
            Value::Sequence(items) => visitor.visit_seq(Items {
                items: items.iter().enumerate(),
            }),
            Value::Mapping(entries) => visitor.visit_map(Entries {
                entries: entries.iter(),
                value: None,
            }),
            Value::Tagged(..) => Err(de::Error::custom("a value with a YAML tag (`!tag`)")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::String(text) => visitor.visit_enum(text.as_str().into_deserializer()),
            _ => Err(de::Error::custom("expected the name of a variant")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
    }
}

struct Items<'a> {
    items: std::iter::Enumerate<std::slice::Iter<'a, Node>>,
}

impl<'de> de::SeqAccess<'de> for Items<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some((index, item)) = self.items.next() else {
            return Ok(None);
        };
        seed.deserialize(NodeDeserializer(item))
            .map(Some)
            .map_err(|error| error.within(Some(Segment::Index(index)), item.position()))
    }
}

struct Entries<'a> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<&'a (Node, Node)>,
}

impl<'de> de::MapAccess<'de> for Entries<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some(entry) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(entry);
        // An unknown or malformed key is reported at the key, on the mapping's path.
        seed.deserialize(NodeDeserializer(&entry.0))
            .map(Some)
            .map_err(|error| error.within(None, entry.0.position()))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((key, value)) = self.value.take() else {
            return Err(de::Error::custom("a value without its key"));
        };
        seed.deserialize(NodeDeserializer(value)).map_err(|error| {
            let segment =
                key_text(key).map_or_else(|| "?".to_owned(), std::borrow::Cow::into_owned);
            error.within(Some(Segment::Key(segment)), value.position())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{ReadLimits, read_one};
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Item {
        name: String,
        size: u32,
        note: Option<String>,
    }

    fn read<T: DeserializeOwned>(text: &str) -> Result<T, DeError> {
        from_node(&read_one(text, ReadLimits::for_text(text, 64)).unwrap().root)
    }

    #[test]
    fn reads_derived_types_and_names_the_path_of_a_fault() {
        let items: Vec<Item> =
            read("- {name: a, size: 1}\n- name: b\n  size: 2\n  note: x\n").unwrap();
        assert_eq!(items[1].note.as_deref(), Some("x"));
        let error =
            read::<Vec<Item>>("- {name: a, size: 1}\n- name: b\n  size: big\n").unwrap_err();
        assert_eq!(error.path(), "[1].size");
        assert_eq!(error.position(), Some(Position { line: 3, column: 9 }));
        let error = read::<Vec<Item>>("- {name: a, size: 1, colour: red}\n").unwrap_err();
        assert!(
            error.to_string().starts_with("[0]: unknown field `colour`"),
            "{error}"
        );
        assert_eq!(
            error.position(),
            Some(Position {
                line: 1,
                column: 22
            })
        );
        let error = read::<Vec<Item>>("- {name: a}\n").unwrap_err();
        assert!(
            error.to_string().contains("missing field `size`"),
            "{error}"
        );
        assert_eq!(error.position(), Some(Position { line: 1, column: 3 }));
    }
}
