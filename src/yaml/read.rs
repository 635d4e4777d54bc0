//! Reading YAML text into [`Node`] trees, in one pass over yaml-rust2's events.
//!
//! On the way the reader notes what a person can fix at a known place but a value tree would
//! hide: a key written twice in one mapping, and an integer too large for 64 bits. It bounds
//! what hostile text can cost: nesting deeper than a limit and aliases that expand far beyond
//! the text ("billion laughs") stop the reading.

use std::collections::HashMap;
use std::str::Chars;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

use super::node::{Node, Value, key_text};
use super::scalar::{Plain, resolve_plain};
use crate::diagnostic::Position;

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

/// One document read.
#[derive(Debug)]
pub(crate) struct Document {
    /// The top node (null for an empty document).
    pub(crate) root: Node,
    /// Where the document starts (its `---`, or its first node).
    pub(crate) start: Position,
    /// Keys written twice in one mapping, in source order.
    pub(crate) duplicate_keys: Vec<DuplicateKey>,
    /// Plain integers that fit no 64-bit integer, with their paths, in source order.
    pub(crate) oversized_integers: Vec<(Vec<String>, Position)>,
}

/// Why a text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// Not YAML: the parser's message category (never quoting the text) and where.
    Syntax { message: String, position: Position },
    /// More than one document where one is expected; the position of the second.
    ManyDocuments { position: Position },
    /// Nesting deeper than [`ReadLimits::max_depth`].
    TooDeep {
        max_depth: usize,
        position: Position,
    },
    /// Aliases expand beyond [`ReadLimits::max_alias_nodes`].
    AliasBomb { position: Position },
}

impl ReadError {
    /// The message, for a person (no input text in it).
    pub(crate) fn message(&self) -> String {
        match self {
            Self::Syntax { message, .. } => message.clone(),
            Self::ManyDocuments { .. } => {
                "more than one YAML document (a second `---`); write one document".to_owned()
            }
            Self::TooDeep { max_depth, .. } => {
                format!("the document nests deeper than {max_depth} levels")
            }
            Self::AliasBomb { .. } => "aliases expand beyond the limit (a YAML alias bomb is \
                                       rejected); write the values out without anchors"
                .to_owned(),
        }
    }

    /// Where the reading stopped.
    pub(crate) fn position(&self) -> Position {
        match self {
            Self::Syntax { position, .. }
            | Self::ManyDocuments { position }
            | Self::TooDeep { position, .. }
            | Self::AliasBomb { position } => *position,
        }
    }
}

/// The syntax error for a parser error: its message without any quoted input (which could hold
/// a secret), and its position.
pub(crate) fn syntax_error(error: &ScanError) -> ReadError {
    let info = error.info();
    // "unexpected character: `x'" quotes the text: keep the category only.
    let message = match info.split_once(": `") {
        Some((category, _)) => category,
        None => info,
    };
    ReadError::Syntax {
        message: message.to_owned(),
        position: position(*error.marker()),
    }
}

/// What a text may cost.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadLimits {
    /// Deepest nesting of mappings and sequences.
    pub(crate) max_depth: usize,
    /// Most nodes all aliases of a document may add together.
    pub(crate) max_alias_nodes: usize,
}

impl ReadLimits {
    /// `max_depth`, and aliases adding at most as many nodes as the text has bytes (at least
    /// 10,000): a tree at most a small multiple of the text.
    pub(crate) fn for_text(text: &str, max_depth: usize) -> Self {
        Self {
            max_depth,
            max_alias_nodes: text.len().max(10_000),
        }
    }
}

fn position(mark: Marker) -> Position {
    Position {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

/// Reads the only document of `text` (an empty text is one null document).
pub(crate) fn read_one(text: &str, limits: ReadLimits) -> Result<Document, ReadError> {
    let mut reader = Reader::new(text, limits);
    let document = reader.next_document()?;
    if let Some(mut second) = reader.next_document()? {
        second.root.wipe();
        if let Some(mut first) = document {
            first.root.wipe();
        }
        return Err(ReadError::ManyDocuments {
            position: second.start,
        });
    }
    let start = Position { line: 1, column: 1 };
    Ok(document.unwrap_or(Document {
        root: Node::at(Value::Null, start),
        start,
        duplicate_keys: Vec::new(),
        oversized_integers: Vec::new(),
    }))
}

/// A YAML stream cut before each line that starts a document (`---` at the start of a line,
/// which no scalar may hold there), so each part can be read on its own: the number of lines
/// before each part, and the part. Empty parts are left out.
pub(crate) fn stream_parts(text: &str) -> Vec<(usize, &str)> {
    let mut parts = Vec::new();
    let (mut start, mut start_line) = (0, 0);
    let mut offset = 0;
    for (line_index, line) in text.split_inclusive('\n').enumerate() {
        let starts_document = line
            .strip_prefix("---")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']));
        if starts_document && offset > start {
            parts.push((start_line, &text[start..offset]));
            (start, start_line) = (offset, line_index);
        }
        offset += line.len();
    }
    if offset > start {
        parts.push((start_line, &text[start..]));
    }
    parts
}

/// The documents of a YAML stream, one at a time.
pub(crate) struct Reader<'a> {
    parser: Parser<Chars<'a>>,
    limits: ReadLimits,
    finished: bool,
}

/// A mapping or sequence being read.
enum Open {
    Sequence {
        items: Vec<Node>,
        mark: Position,
        anchor: usize,
        tag: Option<String>,
    },
    Mapping {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        mark: Position,
        anchor: usize,
        tag: Option<String>,
        /// The text keys so far and where each was first written.
        seen: HashMap<String, Position>,
    },
}

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str, limits: ReadLimits) -> Self {
        Self {
            parser: Parser::new_from_str(text),
            limits,
            finished: false,
        }
    }

    /// The next document, `None` at the end of the stream.
    pub(crate) fn next_document(&mut self) -> Result<Option<Document>, ReadError> {
        self.next_document_until(|_| false)
    }

    /// The next document, or as much of it as `enough` needs: after each entry of a mapping
    /// at the top, `enough` sees the entries so far, and when it says so the rest of the text
    /// is left unread (not even checked as YAML) and the document holds those entries. For a
    /// text of one document (see [`stream_parts`]).
    pub(crate) fn next_document_until(
        &mut self,
        enough: impl Fn(&[(Node, Node)]) -> bool,
    ) -> Result<Option<Document>, ReadError> {
        if self.finished {
            return Ok(None);
        }
        let mut stack = Vec::new();
        let mut anchors = HashMap::new();
        let read = self.read_document(&mut stack, &mut anchors, enough);
        // What was read but not returned (an error, the rest of a document read in part) and
        // the copies kept for aliases may hold secrets.
        for open in &mut stack {
            open.wipe();
        }
        for (node, _) in anchors.values_mut() {
            node.wipe();
        }
        read
    }

    /// The body of [`Reader::next_document_until`]: `stack` holds the mappings and sequences
    /// open, `anchors` a copy of each anchored node and its size.
    fn read_document(
        &mut self,
        stack: &mut Vec<Open>,
        anchors: &mut HashMap<usize, (Node, usize)>,
        enough: impl Fn(&[(Node, Node)]) -> bool,
    ) -> Result<Option<Document>, ReadError> {
        let mut document = Document {
            root: Node::new(Value::Null),
            start: Position { line: 1, column: 1 },
            duplicate_keys: Vec::new(),
            oversized_integers: Vec::new(),
        };
        let mut alias_nodes = 0usize;
        let mut started = false;
        loop {
            let (event, marker) = self.parser.next_token().map_err(|error| {
                self.finished = true;
                syntax_error(&error)
            })?;
            let here = position(marker);
            let opens_sequence = matches!(event, Event::SequenceStart(..));
            let (node, anchor) = match event {
                Event::StreamEnd => {
                    self.finished = true;
                    return Ok(started.then_some(document));
                }
                Event::DocumentStart => {
                    started = true;
                    document.start = here;
                    continue;
                }
                Event::DocumentEnd => return Ok(Some(document)),
                Event::StreamStart | Event::Nothing => continue,
                Event::Alias(id) => {
                    let Some((node, count)) = anchors.get(&id) else {
                        self.finished = true;
                        return Err(ReadError::Syntax {
                            message: "an alias names no anchor written before it".to_owned(),
                            position: here,
                        });
                    };
                    alias_nodes = alias_nodes.saturating_add(*count);
                    if alias_nodes > self.limits.max_alias_nodes {
                        self.finished = true;
                        return Err(ReadError::AliasBomb { position: here });
                    }
                    (node.clone(), 0)
                }
                Event::Scalar(text, style, anchor, tag) => {
                    let value = scalar(text, style, tag.as_ref());
                    if let Value::Int(number) = value {
                        if i64::try_from(number).is_err() && u64::try_from(number).is_err() {
                            document.oversized_integers.push((path_of(stack), here));
                        }
                    }
                    let node = match tag.filter(|tag| !is_core(tag)) {
                        Some(tag) => Node::at(
                            Value::Tagged(tag_text(&tag), Box::new(Node::at(value, here))),
                            here,
                        ),
                        None => Node::at(value, here),
                    };
                    (node, anchor)
                }
                Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                    if stack.len() >= self.limits.max_depth {
                        self.finished = true;
                        return Err(ReadError::TooDeep {
                            max_depth: self.limits.max_depth,
                            position: here,
                        });
                    }
                    let tag = tag.filter(|tag| !is_core(tag)).map(|tag| tag_text(&tag));
                    stack.push(if opens_sequence {
                        Open::Sequence {
                            items: Vec::new(),
                            mark: here,
                            anchor,
                            tag,
                        }
                    } else {
                        Open::Mapping {
                            entries: Vec::new(),
                            key: None,
                            mark: here,
                            anchor,
                            tag,
                            seen: HashMap::new(),
                        }
                    });
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let (value, mark, anchor, tag) = match stack.pop() {
                        Some(Open::Sequence {
                            items,
                            mark,
                            anchor,
                            tag,
                        }) => (Value::Sequence(items), mark, anchor, tag),
                        Some(Open::Mapping {
                            entries,
                            mark,
                            anchor,
                            tag,
                            ..
                        }) => (Value::Mapping(entries), mark, anchor, tag),
                        None => continue,
                    };
                    let node = match tag {
                        Some(tag) => {
                            Node::at(Value::Tagged(tag, Box::new(Node::at(value, mark))), mark)
                        }
                        None => Node::at(value, mark),
                    };
                    (node, anchor)
                }
            };
            if anchor != 0 {
                let count = node.count();
                anchors.insert(anchor, (node.clone(), count));
            }
            match stack.last_mut() {
                None => document.root = node,
                Some(Open::Sequence { items, .. }) => items.push(node),
                Some(Open::Mapping { key: None, .. }) => {
                    if let Some(text) = key_text(&node) {
                        let at = node.position().unwrap_or(here);
                        let parents = &stack[..stack.len() - 1];
                        let first = match stack.last() {
                            Some(Open::Mapping { seen, .. }) => seen.get(text.as_ref()).copied(),
                            _ => None,
                        };
                        match first {
                            Some(first) => {
                                let mut path = path_of(parents);
                                path.push(text.into_owned());
                                document.duplicate_keys.push(DuplicateKey {
                                    path,
                                    position: at,
                                    first,
                                });
                            }
                            None => {
                                if let Some(Open::Mapping { seen, .. }) = stack.last_mut() {
                                    seen.insert(text.into_owned(), at);
                                }
                            }
                        }
                    }
                    if let Some(Open::Mapping { key, .. }) = stack.last_mut() {
                        *key = Some(node);
                    }
                }
                Some(Open::Mapping { entries, key, .. }) => {
                    if let Some(key) = key.take() {
                        entries.push((key, node));
                    }
                }
            }
            if let [Open::Mapping { entries, mark, .. }] = stack.as_mut_slice() {
                if enough(entries) {
                    self.finished = true;
                    document.root = Node::at(Value::Mapping(std::mem::take(entries)), *mark);
                    return Ok(Some(document));
                }
            }
        }
    }
}

impl Open {
    /// Overwrites the strings read into it.
    fn wipe(&mut self) {
        match self {
            Open::Sequence { items, .. } => items.iter_mut().for_each(Node::wipe),
            Open::Mapping { entries, key, .. } => {
                entries.iter_mut().for_each(|(_, value)| value.wipe());
                if let Some(key) = key {
                    key.wipe();
                }
            }
        }
    }
}

/// The path of the node about to be added to the innermost open container.
fn path_of(stack: &[Open]) -> Vec<String> {
    stack
        .iter()
        .map(|open| match open {
            Open::Sequence { items, .. } => items.len().to_string(),
            Open::Mapping { key, .. } => key
                .as_ref()
                .and_then(key_text)
                .map_or_else(|| "?".to_owned(), |text| text.into_owned()),
        })
        .collect()
}

/// The tags YAML defines for its own types, which change nothing the reader keeps.
fn is_core(tag: &Tag) -> bool {
    tag.handle == "tag:yaml.org,2002:"
        && matches!(
            tag.suffix.as_str(),
            "str" | "int" | "float" | "bool" | "null" | "map" | "seq"
        )
}

fn tag_text(tag: &Tag) -> String {
    format!("{}{}", tag.handle, tag.suffix)
}

/// The value of a scalar: `!!str` and quoted or block scalars are strings; a plain scalar is
/// resolved. (`!!int` on a text that is no integer is a string: the schema then reports a
/// type.)
fn scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    let core = tag.filter(|tag| tag.handle == "tag:yaml.org,2002:");
    let as_string = core.is_some_and(|tag| tag.suffix == "str")
        || (style != TScalarStyle::Plain && core.is_none());
    if as_string {
        return Value::String(text);
    }
    match resolve_plain(&text) {
        Plain::Null => Value::Null,
        Plain::Bool(flag) => Value::Bool(flag),
        Plain::Int(number) => Value::Int(number),
        Plain::Float(number) => Value::Float(number),
        Plain::Str | Plain::LeadingZero => Value::String(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Document, ReadError> {
        read_one(text, ReadLimits::for_text(text, 64))
    }

    fn at(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    #[test]
    fn values_and_positions_in_block_and_flow_style() {
        let document = read("a:\n  b: 1\n  list:\n    - x\n    - {c: 2}\nd: [1, 2]\n").unwrap();
        let root = &document.root;
        let (found, entry, node) = root.lookup(&["a", "b"]);
        assert_eq!(found, 2);
        assert_eq!(node.value, Value::Int(1));
        assert_eq!(node.position(), Some(at(2, 6)));
        assert_eq!(entry.and_then(|(key, _)| key.position()), Some(at(2, 3)));
        assert_eq!(
            root.lookup(&["a", "list", "1", "c"]).2.position(),
            Some(at(5, 11))
        );
        assert_eq!(root.lookup(&["d", "1"]).2.position(), Some(at(6, 8)));
        let (found, _, nearest) = root.lookup(&["a", "b", "zzz"]);
        assert_eq!((found, nearest.position()), (2, Some(at(2, 6))));
        assert_eq!(
            root.get("a")
                .and_then(|a| a.get("list"))
                .map(|l| l.as_sequence().unwrap().len()),
            Some(2)
        );
    }

    #[test]
    fn notes_duplicate_keys_at_their_second_occurrence() {
        // The second `e` mapping is another mapping: its `f` repeats nothing.
        let text = "a:\n  b: 1\n  c: {d: 1, d: 2}\n  b: 3\ne: {f: 1}\ne: {f: 2}\n";
        let found: Vec<_> = read(text)
            .unwrap()
            .duplicate_keys
            .iter()
            .map(|dup| (dup.path.join("."), dup.position, dup.first))
            .collect();
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
        let text = "a:\n  n: 99999999999999999999\n  s: \"99999999999999999999\"\n  \
                    l: [18446744073709551615, -9223372036854775809, 0x10000000000000000]\n";
        let found: Vec<_> = read(text)
            .unwrap()
            .oversized_integers
            .iter()
            .map(|(path, position)| (path.join("."), *position))
            .collect();
        assert_eq!(
            found,
            [
                ("a.n".to_owned(), at(2, 6)),
                ("a.l.1".to_owned(), at(4, 29)),
                ("a.l.2".to_owned(), at(4, 51)),
            ]
        );
    }

    #[test]
    fn scalars_tags_and_aliases() {
        let document =
            read("a: &x [1, '2', !!str 3, ~, 0755, 1.5]\nb: *x\nc: !custom v\nd: !!int 4\n")
                .unwrap();
        let root = &document.root;
        let expected = Value::Sequence(
            [
                Value::Int(1),
                Value::String("2".into()),
                Value::String("3".into()),
                Value::Null,
                Value::String("0755".into()),
                Value::Float(1.5),
            ]
            .into_iter()
            .map(Node::new)
            .collect(),
        );
        let strip = |node: &Node| match &node.value {
            Value::Sequence(items) => Value::Sequence(
                items
                    .iter()
                    .map(|item| Node::new(item.value.clone()))
                    .collect(),
            ),
            other => other.clone(),
        };
        assert_eq!(strip(root.get("a").unwrap()), expected);
        assert_eq!(strip(root.get("b").unwrap()), expected);
        assert!(matches!(&root.get("c").unwrap().value, Value::Tagged(tag, _) if tag == "!custom"));
        assert_eq!(root.get("d").unwrap().value, Value::Int(4));
    }

    #[test]
    fn limits_and_documents() {
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
        assert!(matches!(read(bomb), Err(ReadError::AliasBomb { .. })));
        assert!(matches!(
            read(&format!("{}{}", "[".repeat(65), "]".repeat(65))),
            Err(ReadError::TooDeep { max_depth: 64, .. })
        ));
        assert!(matches!(
            read("a: 1\n---\nb: 2\n"),
            Err(ReadError::ManyDocuments { position }) if position == at(2, 1)
        ));
        assert!(read("").unwrap().root.is_null());
        let error = read("a: [\n").unwrap_err();
        assert!(matches!(error, ReadError::Syntax { .. }), "{error:?}");
        assert!(
            !read("a: \"secret\n")
                .unwrap_err()
                .message()
                .contains("secret")
        );
        let shown = format!("{:?}", read("a: [Hunter2Secret]\n").unwrap());
        assert!(!shown.contains("Hunter2Secret"), "{shown}");
        // yaml-rust2 quotes the character here; the message keeps the category only.
        assert_eq!(
            read("a: @secret\n").unwrap_err(),
            ReadError::Syntax {
                message: "unexpected character".to_owned(),
                position: at(1, 4),
            }
        );
    }

    #[test]
    fn a_stream_is_cut_at_document_starts_and_a_document_read_as_far_as_needed() {
        let text = "# head\n---\nkind: A\nbig: |\n  --- not a start\n---  # c\n--- x\n----\n";
        assert_eq!(
            stream_parts(text),
            [
                (0, "# head\n"),
                (1, "---\nkind: A\nbig: |\n  --- not a start\n"),
                (5, "---  # c\n"),
                (6, "--- x\n----\n"),
            ]
        );
        // What follows the entries that were enough is not read, not even when it is broken.
        let text = "kind: A\nname: n\nrest: [\n";
        let mut reader = Reader::new(text, ReadLimits::for_text(text, 64));
        let head = reader
            .next_document_until(|entries| entries.len() == 2)
            .unwrap()
            .unwrap();
        assert_eq!(head.root.get("name").and_then(Node::as_str), Some("n"));
        assert!(head.root.get("rest").is_none());
        assert!(reader.next_document().unwrap().is_none());
    }

    #[test]
    fn a_stream_is_read_one_document_at_a_time() {
        let text = "a: 1\n---\n---\nb: [2]\n";
        let mut reader = Reader::new(text, ReadLimits::for_text(text, 64));
        let first = reader.next_document().unwrap().unwrap();
        assert!(first.root.get("a").is_some());
        assert!(reader.next_document().unwrap().unwrap().root.is_null());
        let third = reader.next_document().unwrap().unwrap();
        assert_eq!(third.root.lookup(&["b", "0"]).2.value, Value::Int(2));
        assert!(reader.next_document().unwrap().is_none());
    }
}
