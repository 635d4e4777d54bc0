//! Where each key and value sits in the source text, so problems can name a line and column.
//!
//! `serde_yaml` gives values without positions; this index walks the same text once more with
//! `yaml-rust2`'s event parser, which reports a mark for every event, and records the position
//! of every mapping key and value by its path.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::error::Position;

/// Positions of keys and values, by path from the document root.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    entries: HashMap<Vec<String>, Entry>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    key: Option<Position>,
    value: Position,
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
        }
    }

    /// Position of the value at `path`.
    pub fn value(&self, path: &[String]) -> Option<Position> {
        self.entries.get(path).map(|entry| entry.value)
    }

    /// Position of the key that names `path` (the value's position for sequence items).
    pub fn key(&self, path: &[String]) -> Option<Position> {
        self.entries
            .get(path)
            .map(|entry| entry.key.unwrap_or(entry.value))
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
        path: Vec<String>,
        pending_key: Option<(String, Position)>,
        expecting_key: bool,
    },
    Sequence {
        path: Vec<String>,
        next_index: usize,
    },
    /// Inside a complex (non-scalar) mapping key: ignored, depth counted.
    Skip(usize),
}

#[derive(Default)]
struct Builder {
    entries: HashMap<Vec<String>, Entry>,
    stack: Vec<Frame>,
    done: bool,
}

fn position(mark: Marker) -> Position {
    Position {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

impl Builder {
    /// The path of the value about to start, and its key position; advances the parent.
    fn next_value_path(&mut self) -> Option<(Vec<String>, Option<Position>)> {
        match self.stack.last_mut()? {
            Frame::Mapping {
                path,
                pending_key,
                expecting_key,
            } => {
                *expecting_key = true;
                let (key, key_position) = pending_key.take()?;
                let mut child = path.clone();
                child.push(key);
                Some((child, Some(key_position)))
            }
            Frame::Sequence { path, next_index } => {
                let mut child = path.clone();
                child.push(next_index.to_string());
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
                    *pending_key = Some((key, here));
                    *expecting = false;
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
                    self.entries.insert(path, Entry { key, value: here });
                } else if self.stack.is_empty() {
                    self.entries.insert(
                        Vec::new(),
                        Entry {
                            key: None,
                            value: here,
                        },
                    );
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let (path, key) = match self.next_value_path() {
                    Some(found) => found,
                    None if self.stack.is_empty() => (Vec::new(), None),
                    // Value of a complex key: record nothing below it.
                    None => {
                        self.stack.push(Frame::Skip(1));
                        return;
                    }
                };
                self.entries
                    .insert(path.clone(), Entry { key, value: here });
                self.stack.push(match event {
                    Event::MappingStart(..) => Frame::Mapping {
                        path,
                        pending_key: None,
                        expecting_key: true,
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
    fn skips_complex_keys() {
        let text = "? [k]\n: v\nafter: 1\n";
        let map = SourceMap::index(text);
        assert_eq!(
            map.value(&path("after")),
            Some(Position { line: 3, column: 8 })
        );
    }
}
