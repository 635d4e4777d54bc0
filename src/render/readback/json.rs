//! The JSON form of a rendered document, and the check of JSON data (a parsed TOML
//! document) against a [`Want`].

use serde_json::{Map, Value as Json};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use super::{Want, changed};
use crate::yaml::{Plain, resolve_plain, scalar_json};

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
    fn json_form_matches_serde_yaml() {
        let text = "a: 1\nb: [x, 'y', \"2\", 2.5, null, true]\nc:\n  d: |\n    line\n  e: {}\n";
        let expected: Json = serde_yaml::from_str(text).unwrap();
        assert_eq!(yaml_to_json(text), Some(expected));
        assert_eq!(yaml_to_json("a: 1\n---\nb: 2\n"), None);
        assert_eq!(yaml_to_json("1: a\n"), None);
        assert_eq!(yaml_to_json("a: &x 1\nb: *x\n"), None);
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
