//! A small YAML emitter for the Helm values (the `to_yaml` filter).
//!
//! serde_yaml's emitter writes U+0085, U+2028 and U+2029 raw, even inside block scalars, where
//! a YAML 1.1 parser (libyaml) reads a line break and a YAML 1.2 parser reads an ordinary
//! character: the two then see different documents. This emitter writes every string either
//! plain, when it is made of characters no parser reads differently and cannot be taken for
//! another type, or double-quoted with escapes ([`double_quoted`]).

use std::fmt::Write as _;

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

use super::quote::double_quoted;

/// `value` as a block-style YAML document ending in a line break.
pub(crate) fn document(value: &Value) -> Result<String, Error> {
    let mut out = String::new();
    match value.kind() {
        ValueKind::Map | ValueKind::Seq if !is_empty(value)? => block(value, 0, &mut out)?,
        _ => {
            out.push_str(&scalar(value)?);
            out.push('\n');
        }
    }
    Ok(out)
}

/// Writes a non-empty mapping or sequence, each entry on its own line at `indent`.
fn block(value: &Value, indent: usize, out: &mut String) -> Result<(), Error> {
    let pad = " ".repeat(indent);
    let is_map = value.kind() == ValueKind::Map;
    for item in value.try_iter()? {
        let child = if is_map {
            let child = value.get_item(&item)?;
            let key = item.as_str().ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    "`to_yaml` takes string keys only",
                )
            })?;
            let _ = write!(out, "{pad}{}:", string(key));
            child
        } else {
            let _ = write!(out, "{pad}-");
            item
        };
        match child.kind() {
            ValueKind::Map | ValueKind::Seq if !is_empty(&child)? => {
                out.push('\n');
                block(&child, indent + 2, out)?;
            }
            _ => {
                out.push(' ');
                out.push_str(&scalar(&child)?);
                out.push('\n');
            }
        }
    }
    Ok(())
}

fn is_empty(value: &Value) -> Result<bool, Error> {
    Ok(value.try_iter()?.next().is_none())
}

/// A scalar, an empty mapping (`{}`) or an empty sequence (`[]`).
fn scalar(value: &Value) -> Result<String, Error> {
    Ok(match value.kind() {
        ValueKind::String => string(value.as_str().unwrap_or_default()),
        ValueKind::Bool => value.is_true().to_string(),
        ValueKind::Number if value.is_integer() => value.to_string(),
        ValueKind::None | ValueKind::Undefined => "null".to_owned(),
        ValueKind::Map => "{}".to_owned(),
        ValueKind::Seq => "[]".to_owned(),
        kind => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("`to_yaml` cannot write a {kind}"),
            ));
        }
    })
}

/// A string, plain when that is safe, double-quoted otherwise.
fn string(text: &str) -> String {
    if is_plain_safe(text) {
        text.to_owned()
    } else {
        double_quoted(text)
    }
}

/// Whether `text` reads back as this very string, without quotes, in YAML 1.1 and 1.2: it
/// starts with a letter and holds only letters, digits and `. _ / : -`, does not end in `:`,
/// and is no boolean or null word; or it is a Kubernetes quantity such as `120Gi`.
fn is_plain_safe(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if first.is_ascii_digit() {
        return is_quantity(text);
    }
    const WORDS: [&str; 11] = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf",
    ];
    first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | ':' | '-'))
        && !text.ends_with(':')
        && !WORDS.contains(&text.to_ascii_lowercase().as_str())
}

/// `<digits><suffix>` with a binary or decimal Kubernetes suffix and no leading zero.
fn is_quantity(text: &str) -> bool {
    const SUFFIXES: [&str; 11] = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P"];
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &text[digits.len()..];
    !digits.is_empty()
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
        && SUFFIXES.contains(&suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_only_where_no_parser_can_differ() {
        for plain in [
            "nodePort",
            "harbor-tls",
            "https://spectro.registry.local:30003",
            "120Gi",
        ] {
            assert!(is_plain_safe(plain), "{plain}");
        }
        for quoted in [
            "",
            "yes",
            "No",
            "null",
            "1.19.1",
            "0x1F",
            "1e3",
            "010Gi",
            "a b",
            "a:",
            "a\u{2028}b",
            "é",
            "-a",
            "~",
            ".inf",
            "12",
            "a#b",
        ] {
            assert!(!is_plain_safe(quoted), "{quoted}");
        }
    }

    #[test]
    fn documents_parse_back_to_the_value() {
        let value = Value::from(minijinja::value::Serde(serde_json::json!({
            "a": {"b": "x\u{2028}y\n---\n", "c": 1, "d": true, "e": [], "f": {}},
            "g": ["h", {"i": "120Gi"}],
        })));
        let text = document(&value).expect("emits");
        let parsed: serde_json::Value = serde_yaml::from_str(&text).expect("parses");
        assert_eq!(parsed["a"]["b"], "x\u{2028}y\n---\n");
        assert_eq!(parsed["g"][1]["i"], "120Gi");
        assert_eq!(parsed["a"]["e"], serde_json::json!([]));
        assert!(!text.contains('\u{2028}'));
    }
}
