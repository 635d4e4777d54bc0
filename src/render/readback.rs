//! Reading rendered YAML back with the project's YAML parser (yaml-rust2), from its events: one
//! pass, no tree of values built. [`Want`] says what a document must hold; [`check_yaml`] walks
//! the events against it; [`yaml_to_json`] gives a document's JSON form.
//!
//! Plain scalars resolve as YAML 1.2's core schema does (`null`, `true`, `12`, `1.5`, the rest
//! strings); a document may not use anchors, aliases or tags (harbor-edge's templates write
//! none, and each would let a document mean something its text does not show).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Number, Value as Json};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{ScanError, TScalarStyle};

/// What a node of a rendered document must be. Templates may add (labels, extra keys in a
/// [`Want::Map`]); they may not drop or change what harbor-edge put in.
pub(crate) enum Want {
    /// A scalar that resolves to this JSON scalar.
    Scalar(Json),
    /// A string holding these bytes, base64-encoded (Secret `data`).
    Base64(String),
    /// A mapping with at least these keys, each holding what its [`Want`] says.
    Map(Vec<(String, Want)>),
    /// A mapping with exactly these keys.
    ExactMap(Vec<(String, Want)>),
    /// A sequence of exactly these items.
    Seq(Vec<Want>),
    /// As a mapping entry: the key must not be there.
    Absent,
    /// As a mapping entry: the key is absent or `false`.
    AbsentOrFalse,
    /// Nothing meets it (a value that had no JSON form).
    Unmeetable,
    /// The inner want, with this message for any failure inside it. The message is shown to
    /// users: it never holds a secret.
    Explained(String, Box<Want>),
}

impl Want {
    /// A mapping that holds at least `expected`, scalars and sequences equal (items of
    /// sequences compared whole).
    pub(crate) fn contains(expected: &Json) -> Want {
        match expected {
            Json::Object(entries) => Want::Map(
                entries
                    .iter()
                    .map(|(key, value)| (key.clone(), Want::contains(value)))
                    .collect(),
            ),
            _ => Want::equal(expected),
        }
    }

    /// Exactly `expected`.
    pub(crate) fn equal(expected: &Json) -> Want {
        match expected {
            Json::Object(entries) => Want::ExactMap(
                entries
                    .iter()
                    .map(|(key, value)| (key.clone(), Want::equal(value)))
                    .collect(),
            ),
            Json::Array(items) => Want::Seq(items.iter().map(Want::equal).collect()),
            scalar => Want::Scalar(scalar.clone()),
        }
    }

    /// A string equal to `value`.
    pub(crate) fn text(value: impl Into<String>) -> Want {
        Want::Scalar(Json::String(value.into()))
    }

    /// This want, with `message` for any failure inside it.
    pub(crate) fn explained(self, message: impl Into<String>) -> Want {
        Want::Explained(message.into(), Box::new(self))
    }

    /// The want of `key` in a mapping want.
    fn entry(&self, key: &str) -> Option<&Want> {
        match self {
            Want::Map(entries) | Want::ExactMap(entries) => entries
                .iter()
                .find(|(wanted, _)| wanted == key)
                .map(|(_, want)| want),
            _ => None,
        }
    }
}

/// How a plain scalar resolves (YAML 1.2 core schema).
#[derive(Debug, PartialEq)]
enum Plain {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str,
}

fn resolve_plain(text: &str) -> Plain {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Null,
        "true" | "True" | "TRUE" => return Plain::Bool(true),
        "false" | "False" | "FALSE" => return Plain::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Plain::Float(f64::NAN),
        _ => {}
    }
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return Plain::Float(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    let radix = |prefix: &str, radix: u32| {
        let digits = unsigned.strip_prefix(prefix)?;
        let value = i128::from_str_radix(digits, radix).ok()?;
        (!digits.starts_with(['+', '-'])).then_some(if negative { -value } else { value })
    };
    if let Some(value) = radix("0x", 16).or_else(|| radix("0o", 8)) {
        return Plain::Int(value);
    }
    let bytes = unsigned.as_bytes();
    if !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit) {
        return text.parse().map_or(Plain::Str, Plain::Int);
    }
    if is_float(bytes) {
        return text.parse().map_or(Plain::Str, Plain::Float);
    }
    Plain::Str
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, sign removed.
fn is_float(bytes: &[u8]) -> bool {
    let digits = |bytes: &[u8]| bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let whole = digits(bytes);
    let mut at = whole;
    let mut fraction = 0;
    if bytes.get(at) == Some(&b'.') {
        fraction = digits(&bytes[at + 1..]);
        at += 1 + fraction;
    }
    if whole == 0 && fraction == 0 {
        return false;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exponent = digits(&bytes[at..]);
        if exponent == 0 {
            return false;
        }
        at += exponent;
    }
    at == bytes.len()
}

/// The JSON value of a scalar.
fn scalar_json(text: String, style: TScalarStyle) -> Json {
    if style != TScalarStyle::Plain {
        return Json::String(text);
    }
    match resolve_plain(&text) {
        Plain::Null => Json::Null,
        Plain::Bool(value) => Json::Bool(value),
        Plain::Int(value) => i64::try_from(value)
            .map(Number::from)
            .or_else(|_| u64::try_from(value).map(Number::from))
            .map_or_else(|_| Json::from(value as f64), Json::Number),
        Plain::Float(value) => Json::from(value),
        Plain::Str => Json::String(text),
    }
}

/// Whether a scalar is the JSON scalar `expected`.
fn scalar_is(text: &str, style: TScalarStyle, expected: &Json) -> bool {
    let plain = (style == TScalarStyle::Plain).then(|| resolve_plain(text));
    match (plain, expected) {
        (None | Some(Plain::Str), Json::String(expected)) => text == expected,
        (Some(Plain::Null), Json::Null) => true,
        (Some(Plain::Bool(value)), Json::Bool(expected)) => value == *expected,
        (Some(Plain::Int(value)), Json::Number(expected)) => {
            match (expected.as_i64(), expected.as_u64()) {
                (Some(expected), _) => value == i128::from(expected),
                (None, Some(expected)) => value == i128::from(expected),
                (None, None) => expected.as_f64() == Some(value as f64),
            }
        }
        (Some(Plain::Float(value)), Json::Number(expected)) => expected.as_f64() == Some(value),
        _ => false,
    }
}

fn syntax_error(error: &ScanError) -> String {
    // The parser's own text may quote the document, which can hold secrets: position only.
    let at = error.marker();
    format!(
        "not valid YAML near line {} column {}",
        at.line(),
        at.col() + 1
    )
}

/// A container being read, with the want for it.
enum Frame<'w> {
    Map {
        want: Option<&'w Want>,
        /// The keys read so far, for duplicates and, at the end, for what is missing.
        keys: Vec<String>,
        /// The key whose value comes next.
        key: Option<String>,
        explained: Option<&'w str>,
    },
    Seq {
        want: Option<&'w [Want]>,
        index: usize,
        explained: Option<&'w str>,
    },
}

/// The walk over one document's events.
struct Walk<'w> {
    /// What the document must be.
    root: &'w Want,
    stack: Vec<Frame<'w>>,
    /// The first way the document differs from its want.
    mismatch: Option<String>,
}

/// A node's want with its explanations unwrapped: `(want, innermost message)`.
fn unwrap_want<'w>(
    mut want: Option<&'w Want>,
    mut explained: Option<&'w str>,
) -> (Option<&'w Want>, Option<&'w str>) {
    while let Some(Want::Explained(message, inner)) = want {
        explained = Some(message);
        want = Some(inner);
    }
    (want, explained)
}

impl<'w> Walk<'w> {
    /// The dotted path of the node about to be read (`spec.valuesSecrets.0.name`).
    fn path(&self) -> String {
        let mut path = Vec::new();
        for frame in &self.stack {
            match frame {
                Frame::Map { key: Some(key), .. } => path.push(key.clone()),
                Frame::Map { key: None, .. } => {}
                Frame::Seq { index, .. } => path.push(index.saturating_sub(1).to_string()),
            }
        }
        path.join(".")
    }

    fn fail(&mut self, explained: Option<&str>, default: impl FnOnce(String) -> String) {
        if self.mismatch.is_none() {
            let message = match explained {
                Some(message) => message.to_owned(),
                None => default(self.path()),
            };
            self.mismatch = Some(message);
        }
    }

    /// Where the next node goes, and what its parent wants of it.
    fn slot(&mut self) -> Slot<'w> {
        match self.stack.last_mut() {
            None => Slot::Value(Some(self.root), None),
            Some(Frame::Map {
                key: None,
                explained,
                ..
            }) => Slot::Key(*explained),
            Some(Frame::Map {
                want,
                key: Some(key),
                explained,
                ..
            }) => {
                let entry = want.and_then(|want| want.entry(key));
                Slot::Value(entry, *explained)
            }
            Some(Frame::Seq {
                want,
                index,
                explained,
            }) => {
                *index += 1;
                match want {
                    Some(items) => match items.get(*index - 1) {
                        Some(item) => Slot::Value(Some(item), *explained),
                        None => Slot::Extra(*explained),
                    },
                    None => Slot::Value(None, *explained),
                }
            }
        }
    }

    /// After a value: its parent mapping waits for the next key.
    fn value_done(&mut self) {
        if let Some(Frame::Map { key, keys, .. }) = self.stack.last_mut() {
            if let Some(key) = key.take() {
                keys.push(key);
            }
        }
    }

    fn scalar(&mut self, text: String, style: TScalarStyle) -> Result<(), String> {
        let (want, explained) = match self.slot() {
            Slot::Key(explained) => return self.key(text, style, explained),
            Slot::Extra(explained) => {
                self.fail(explained, changed);
                return Ok(());
            }
            Slot::Value(want, explained) => unwrap_want(want, explained),
        };
        match want {
            None => {}
            Some(Want::Scalar(expected)) if scalar_is(&text, style, expected) => {}
            Some(Want::AbsentOrFalse) if scalar_is(&text, style, &Json::Bool(false)) => {}
            Some(Want::Base64(expected)) => {
                let decoded = (style != TScalarStyle::Plain || resolve_plain(&text) == Plain::Str)
                    .then(|| STANDARD.decode(&text));
                match decoded {
                    None => self.fail(explained, |path| {
                        format!("`{path}` is missing or not a string")
                    }),
                    Some(Err(_)) => self.fail(explained, |path| format!("`{path}` is not base64")),
                    Some(Ok(bytes)) if bytes != expected.as_bytes() => {
                        self.fail(explained, |path| {
                            format!("`{path}` does not hold the value harbor-edge rendered into it")
                        });
                    }
                    Some(Ok(_)) => {}
                }
            }
            Some(Want::Absent) => self.fail(explained, |path| format!("`{path}` must be absent")),
            Some(Want::AbsentOrFalse) => {
                self.fail(explained, |path| {
                    format!("`{path}` must be absent or false")
                });
            }
            Some(_) => self.fail(explained, changed),
        }
        self.value_done();
        Ok(())
    }

    fn key(
        &mut self,
        text: String,
        style: TScalarStyle,
        explained: Option<&'w str>,
    ) -> Result<(), String> {
        if style == TScalarStyle::Plain && resolve_plain(&text) != Plain::Str {
            return Err(no_json_form());
        }
        let Some(Frame::Map { want, keys, .. }) = self.stack.last() else {
            return Ok(());
        };
        if keys.contains(&text) {
            return Err(
                "the document repeats a mapping key (parsers disagree on which wins)".into(),
            );
        }
        let unwanted = matches!(want, Some(Want::ExactMap(entries))
            if !entries.iter().any(|(wanted, _)| *wanted == text));
        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
            *key = Some(text);
        }
        if unwanted {
            self.fail(explained, changed);
        }
        Ok(())
    }

    fn start(&mut self, mapping: bool) -> Result<(), String> {
        let (want, explained) = match self.slot() {
            Slot::Key(_) => return Err(no_json_form()),
            Slot::Extra(explained) => {
                self.fail(explained, changed);
                (None, explained)
            }
            Slot::Value(want, explained) => unwrap_want(want, explained),
        };
        let frame = match (mapping, want) {
            (true, None) => map_frame(None, explained),
            (true, Some(want @ (Want::Map(_) | Want::ExactMap(_)))) => {
                map_frame(Some(want), explained)
            }
            (false, None) => Frame::Seq {
                want: None,
                index: 0,
                explained,
            },
            (false, Some(Want::Seq(items))) => Frame::Seq {
                want: Some(items),
                index: 0,
                explained,
            },
            (_, Some(other)) => {
                if matches!(other, Want::Absent) {
                    self.fail(explained, |path| format!("`{path}` must be absent"));
                } else if matches!(other, Want::Base64(_)) {
                    self.fail(explained, |path| {
                        format!("`{path}` is missing or not a string")
                    });
                } else {
                    self.fail(explained, changed);
                }
                if mapping {
                    map_frame(None, explained)
                } else {
                    Frame::Seq {
                        want: None,
                        index: 0,
                        explained,
                    }
                }
            }
        };
        self.stack.push(frame);
        Ok(())
    }

    fn end(&mut self) {
        match self.stack.pop() {
            Some(Frame::Map {
                want: Some(Want::Map(entries) | Want::ExactMap(entries)),
                keys,
                explained,
                ..
            }) => {
                for (key, want) in entries {
                    if keys.contains(key) {
                        continue;
                    }
                    let (inner, explained) = unwrap_want(Some(want), explained);
                    match inner {
                        Some(Want::Absent | Want::AbsentOrFalse) => {}
                        Some(Want::Base64(_)) => {
                            self.stack_key(key);
                            self.fail(explained, |path| {
                                format!("`{path}` is missing or not a string")
                            });
                            self.stack_key_done();
                        }
                        _ => {
                            self.stack_key(key);
                            self.fail(explained, changed);
                            self.stack_key_done();
                        }
                    }
                }
            }
            Some(Frame::Seq {
                want: Some(items),
                index,
                explained,
            }) if index != items.len() => self.fail(explained, changed),
            _ => {}
        }
        self.value_done();
    }

    /// Names a missing key in the path for its message: a frame of its own.
    fn stack_key(&mut self, key: &str) {
        self.stack.push(Frame::Map {
            want: None,
            keys: Vec::new(),
            key: Some(key.to_owned()),
            explained: None,
        });
    }

    fn stack_key_done(&mut self) {
        self.stack.pop();
    }
}

fn map_frame<'w>(want: Option<&'w Want>, explained: Option<&'w str>) -> Frame<'w> {
    Frame::Map {
        want,
        keys: Vec::new(),
        key: None,
        explained,
    }
}

/// Where the next node goes.
enum Slot<'w> {
    /// A mapping key.
    Key(Option<&'w str>),
    /// A value with its want.
    Value(Option<&'w Want>, Option<&'w str>),
    /// A sequence item beyond the wanted ones.
    Extra(Option<&'w str>),
}

fn changed(path: String) -> String {
    if path.is_empty() {
        "the document drops or changes values harbor-edge computed".to_owned()
    } else {
        format!("the document drops or changes values harbor-edge computed (at `{path}`)")
    }
}

fn no_json_form() -> String {
    "the document has no JSON form (a key that is not a string)".to_owned()
}

fn unsupported() -> String {
    "the document uses an anchor, alias or tag, which harbor-edge's templates never write".into()
}

/// Checks that `text` is exactly one YAML document, that every key is a string and none is
/// repeated, and that the document holds `want`. The message names a path or a position,
/// never a value.
pub(crate) fn check_yaml(text: &str, want: &Want) -> Result<(), String> {
    let mut parser = Parser::new_from_str(text);
    let mut documents = 0usize;
    let mut walk = Walk {
        root: want,
        stack: Vec::new(),
        mismatch: None,
    };
    loop {
        let (event, _) = parser.next_token().map_err(|error| syntax_error(&error))?;
        match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            Event::DocumentStart => documents += 1,
            Event::Alias(_) => return Err(unsupported()),
            Event::Scalar(_, _, anchor, tag)
            | Event::SequenceStart(anchor, tag)
            | Event::MappingStart(anchor, tag)
                if anchor != 0 || tag.is_some() =>
            {
                return Err(unsupported());
            }
            Event::Scalar(text, style, _, _) => {
                if documents == 1 {
                    walk.scalar(text, style)?;
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if documents == 1 {
                    walk.start(matches!(event, Event::MappingStart(..)))?;
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if documents == 1 {
                    walk.end();
                }
            }
        }
    }
    if documents != 1 {
        return Err(format!(
            "{documents} YAML documents where a template must render exactly one"
        ));
    }
    match walk.mismatch {
        Some(message) => Err(message),
        None => Ok(()),
    }
}

/// The JSON form of one YAML document: `None` when it is not valid YAML, not exactly one
/// document, has a key that is not a string, or uses anchors, aliases or tags (rendered
/// objects have passed [`check_yaml`], so none of these happens to them).
pub(crate) fn yaml_to_json(text: &str) -> Option<Json> {
    enum Open {
        Map(Map<String, Json>, Option<String>),
        Seq(Vec<Json>),
    }
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut root = None;
    let mut documents = 0;
    loop {
        let (event, _) = parser.next_token().ok()?;
        let node = match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => continue,
            Event::DocumentStart => {
                documents += 1;
                continue;
            }
            Event::Alias(_) => return None,
            Event::Scalar(_, _, anchor, tag)
            | Event::SequenceStart(anchor, tag)
            | Event::MappingStart(anchor, tag)
                if anchor != 0 || tag.is_some() =>
            {
                return None;
            }
            Event::MappingStart(..) => {
                stack.push(Open::Map(Map::new(), None));
                continue;
            }
            Event::SequenceStart(..) => {
                stack.push(Open::Seq(Vec::new()));
                continue;
            }
            Event::Scalar(text, style, _, _) => {
                if let Some(Open::Map(_, key @ None)) = stack.last_mut() {
                    if style == TScalarStyle::Plain && resolve_plain(&text) != Plain::Str {
                        return None;
                    }
                    *key = Some(text);
                    continue;
                }
                scalar_json(text, style)
            }
            Event::MappingEnd => match stack.pop()? {
                Open::Map(map, None) => Json::Object(map),
                Open::Map(_, Some(_)) | Open::Seq(_) => return None,
            },
            Event::SequenceEnd => match stack.pop()? {
                Open::Seq(items) => Json::Array(items),
                Open::Map(..) => return None,
            },
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Open::Seq(items)) => items.push(node),
            Some(Open::Map(map, key)) => {
                // A mapping or sequence as a key has no JSON form.
                let key = key.take()?;
                map.insert(key, node);
            }
        }
    }
    if documents != 1 {
        return None;
    }
    root
}

/// Whether JSON data (a parsed TOML document) holds `want`; the message names the path.
pub(crate) fn check_json(actual: &Json, want: &Want) -> Result<(), String> {
    check_json_at(actual, want, None, &mut Vec::new())
}

fn check_json_at(
    actual: &Json,
    want: &Want,
    explained: Option<&str>,
    path: &mut Vec<String>,
) -> Result<(), String> {
    let fail = |explained: Option<&str>, path: &[String]| {
        Err(explained.map_or_else(|| changed(path.join(".")), str::to_owned))
    };
    match (want, actual) {
        (Want::Explained(message, inner), _) => check_json_at(actual, inner, Some(message), path),
        (Want::Scalar(expected), actual) if expected == actual => Ok(()),
        (Want::Map(entries) | Want::ExactMap(entries), Json::Object(map)) => {
            if matches!(want, Want::ExactMap(_))
                && map
                    .keys()
                    .any(|key| !entries.iter().any(|(wanted, _)| wanted == key))
            {
                return fail(explained, path);
            }
            for (key, want) in entries {
                path.push(key.clone());
                match (map.get(key), want) {
                    (None, Want::Absent | Want::AbsentOrFalse) => {}
                    (Some(Json::Bool(false)), Want::AbsentOrFalse) => {}
                    (None, _) | (Some(_), Want::Absent | Want::AbsentOrFalse) => {
                        return fail(explained, path);
                    }
                    (Some(value), want) => check_json_at(value, want, explained, path)?,
                }
                path.pop();
            }
            Ok(())
        }
        (Want::Seq(items), Json::Array(values)) if items.len() == values.len() => {
            for (index, (want, value)) in items.iter().zip(values).enumerate() {
                path.push(index.to_string());
                check_json_at(value, want, explained, path)?;
                path.pop();
            }
            Ok(())
        }
        _ => fail(explained, path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_scalars_resolve_as_the_core_schema() {
        for (text, expected) in [
            ("", Plain::Null),
            ("~", Plain::Null),
            ("True", Plain::Bool(true)),
            ("12", Plain::Int(12)),
            ("-12", Plain::Int(-12)),
            ("0x1f", Plain::Int(31)),
            ("0o17", Plain::Int(15)),
            ("1.5", Plain::Float(1.5)),
            ("-.5e3", Plain::Float(-500.0)),
            ("1e3", Plain::Float(1000.0)),
            ("-.inf", Plain::Float(f64::NEG_INFINITY)),
            ("yes", Plain::Str),
            ("1.2.3", Plain::Str),
            ("0x", Plain::Str),
            ("e3", Plain::Str),
            ("1_000", Plain::Str),
            ("12:30", Plain::Str),
        ] {
            assert_eq!(resolve_plain(text), expected, "{text:?}");
        }
    }

    #[test]
    fn json_form_matches_serde_yaml() {
        let text = "a: 1\nb: [x, 'y', \"2\", 2.5, null, true]\nc:\n  d: |\n    line\n  e: {}\n";
        let expected: Json = serde_yaml::from_str(text).unwrap();
        assert_eq!(yaml_to_json(text), Some(expected));
        assert_eq!(yaml_to_json("a: 1\n---\nb: 2\n"), None);
        assert_eq!(yaml_to_json("1: a\n"), None);
        assert_eq!(yaml_to_json("a: &x 1\nb: *x\n"), None);
    }

    #[test]
    fn contains_reports_the_first_difference_by_path() {
        let want = Want::contains(&json!({"a": {"b": 1, "c": ["x"]}}));
        assert_eq!(check_yaml("a: {b: 1, c: [x], d: 2}\ne: 3\n", &want), Ok(()));
        for text in [
            "a: {b: 2, c: [x]}\n",
            "a: {c: [x]}\n",
            "a: {b: 1, c: [x, y]}\n",
        ] {
            let message = check_yaml(text, &want).unwrap_err();
            assert!(message.contains("drops or changes values"), "{message}");
        }
        assert!(check_yaml("a: {b: 1, c: [x]}\n", &want).is_ok());
        assert_eq!(
            check_yaml("a: {b: '1', c: [x]}\n", &want),
            Err("the document drops or changes values harbor-edge computed (at `a.b`)".into())
        );
    }

    #[test]
    fn documents_keys_and_anchors_are_checked() {
        let any = Want::Map(Vec::new());
        assert!(
            check_yaml("a: 1\n---\nb: 2\n", &any)
                .unwrap_err()
                .contains("2 YAML documents")
        );
        assert!(
            check_yaml("", &any)
                .unwrap_err()
                .contains("0 YAML documents")
        );
        assert!(
            check_yaml("a: 1\na: 2\n", &any)
                .unwrap_err()
                .contains("repeats")
        );
        assert!(
            check_yaml("1: a\n", &any)
                .unwrap_err()
                .contains("no JSON form")
        );
        assert!(
            check_yaml("? [a]\n: b\n", &any)
                .unwrap_err()
                .contains("no JSON form")
        );
        assert!(
            check_yaml("a: &x 1\nb: *x\n", &any)
                .unwrap_err()
                .contains("anchor")
        );
        assert!(
            check_yaml("a: !!str 1\n", &any)
                .unwrap_err()
                .contains("tag")
        );
        assert!(
            check_yaml("a: [\n", &any)
                .unwrap_err()
                .starts_with("not valid YAML near line")
        );
    }

    #[test]
    fn base64_absent_and_explained_wants() {
        let want = Want::Map(vec![
            (
                "data".into(),
                Want::Map(vec![("k".into(), Want::Base64("secret".into()))]),
            ),
            (
                "stringData".into(),
                Want::Absent.explained("`stringData` would override `data`"),
            ),
            ("flag".into(), Want::AbsentOrFalse),
        ]);
        let encoded = STANDARD.encode("secret");
        assert!(check_yaml(&format!("data: {{k: {encoded}}}\nflag: false\n"), &want).is_ok());
        for (text, reason) in [
            (
                "data: {}\n".to_owned(),
                "`data.k` is missing or not a string",
            ),
            ("data: {k: '!!'}\n".to_owned(), "`data.k` is not base64"),
            (
                format!("data: {{k: {}}}\n", STANDARD.encode("other")),
                "`data.k` does not hold the value",
            ),
            (
                format!("data: {{k: {encoded}}}\nstringData: {{}}\n"),
                "`stringData` would override",
            ),
            (
                format!("data: {{k: {encoded}}}\nflag: true\n"),
                "`flag` must be absent or false",
            ),
        ] {
            let message = check_yaml(&text, &want).unwrap_err();
            assert!(message.contains(reason), "{text}: {message}");
            assert!(
                !message.contains("secret") || reason.contains("secret"),
                "{message}"
            );
        }
    }

    #[test]
    fn json_data_is_checked_against_the_same_wants() {
        let want = Want::contains(&json!({"server": "https://x", "host": {"h": {"ca": "c"}}}));
        let actual = json!({"server": "https://x", "host": {"h": {"ca": "c", "more": 1}}});
        assert!(check_json(&actual, &want).is_ok());
        let changed = json!({"server": "https://y", "host": {"h": {"ca": "c"}}});
        assert!(
            check_json(&changed, &want)
                .unwrap_err()
                .contains("`server`")
        );
    }
}
