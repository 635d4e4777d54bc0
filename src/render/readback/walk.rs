//! The self-check's walk over a document's events against its [`Want`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value as Json;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use super::{Want, changed, no_json_form, syntax_error, unsupported};
use crate::yaml::{Plain, resolve_plain, scalar_is};

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
        if unwanted {
            // Named by its mapping: a key the template wrote may hold anything, even a secret.
            // Every key on a path in a message is one harbor-edge wanted.
            self.fail(explained, changed);
        }
        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
            *key = Some(text);
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn messages_name_only_keys_harbor_edge_wanted() {
        let want = Want::contains(&json!({"a": [{"b": 1}]}));
        let message = check_yaml("a: [{b: 1, sentinel-key: 2}]\n", &want).unwrap_err();
        assert!(
            message.contains("`a.0`") && !message.contains("sentinel"),
            "{message}"
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
}
