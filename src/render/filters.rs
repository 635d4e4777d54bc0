//! The template filters that turn values into YAML text. Every value a template prints must come
//! out of one of them (the environment's formatter refuses anything else), so no user value is
//! ever interpolated raw.
//!
//! | filter | input | output |
//! |---|---|---|
//! | `yaml` | string, integer, boolean | a YAML scalar: strings double-quoted (see [`double_quoted`]) |
//! | `b64` | string | its bytes in standard base64, double-quoted (Secret `data`) |
//! | `yaml_block(indent)` | string | a literal block scalar `|` / `|-` indented by `indent` spaces, or a double-quoted string when the text cannot be a block |
//! | `to_yaml` | any value | a whole YAML document (for a value placed at column 0) |
//! | `toml` | string | a TOML basic string (see [`toml_basic_string`]), for `hosts.toml` |
//! | `pem` | string | the certificates in it, re-encoded as PEM (64-column base64, LF); an error for anything else |

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

/// Registers the filters on an environment.
pub(crate) fn register(env: &mut minijinja::Environment<'_>) {
    env.add_filter("yaml", yaml);
    env.add_filter("b64", b64);
    env.add_filter("yaml_block", yaml_block);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("toml", toml);
    env.add_filter("pem", pem_certificates);
}

/// `pem`: the certificates of a PEM text, re-encoded. Anything but `CERTIFICATE` blocks (a
/// private key, no block at all) is an error, so a certificate file never carries a key.
fn pem_certificates(value: &str) -> Result<Value, Error> {
    let blocks = pem::parse_many(value).map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            "the `pem` filter takes PEM text",
        )
    })?;
    if blocks.is_empty() || blocks.iter().any(|block| block.tag() != "CERTIFICATE") {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "the `pem` filter takes certificates only",
        ));
    }
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    let mut text = pem::encode_many_config(&blocks, config);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(Value::from_safe_string(text))
}

/// `toml`: a string as a TOML basic string.
fn toml(value: &str) -> Value {
    Value::from_safe_string(toml_basic_string(value))
}

/// A TOML basic string holding exactly `text`: the escapes of [`double_quoted`] for quotes,
/// backslashes and control characters (which TOML forbids raw); all other characters as they
/// are.
pub(crate) fn toml_basic_string(text: &str) -> String {
    escaped_string(text, |c| !c.is_control())
}

/// `yaml`: a string, integer or boolean as a YAML scalar.
fn yaml(value: &Value) -> Result<Value, Error> {
    let text = match value.kind() {
        ValueKind::String => double_quoted(value.as_str().unwrap_or_default()),
        ValueKind::Bool => value.is_true().to_string(),
        ValueKind::Number if value.is_integer() => value.to_string(),
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "the `yaml` filter takes a string, integer or boolean, not {}",
                    value.kind()
                ),
            ));
        }
    };
    Ok(Value::from_safe_string(text))
}

/// `b64`: Secret `data`. Quoted because base64 text such as `1234` would otherwise read as a
/// number; the base64 alphabet (`A-Z a-z 0-9 + / =`) needs no escape inside the quotes.
fn b64(value: &str) -> Value {
    let mut text = String::with_capacity(value.len().div_ceil(3) * 4 + 2);
    text.push('"');
    STANDARD.encode_string(value, &mut text);
    text.push('"');
    Value::from_safe_string(text)
}

/// `yaml_block(indent)`: a long text (the Helm values inside the HelmChart) as a literal block
/// that reads like the file it holds. Falls back to a double-quoted string for text a block
/// cannot carry exactly; the self-check compares the parsed value with the input either way.
fn yaml_block(value: &str, indent: usize) -> Result<Value, Error> {
    if indent == 0 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "`yaml_block` needs an indent of at least 1",
        ));
    }
    Ok(Value::from_safe_string(
        literal_block(value, indent).unwrap_or_else(|| double_quoted(value)),
    ))
}

/// `to_yaml`: a whole value as a YAML document (see [`super::emit`]).
fn to_yaml(value: &Value) -> Result<Value, Error> {
    super::emit::document(value).map(Value::from_safe_string)
}

/// Writes `text` as a YAML double-quoted scalar that parses back to exactly `text`.
///
/// The escapes used (`\"`, `\\`, `\n`, `\r`, `\t`, `\uXXXX`) mean the same in JSON and YAML, so
/// the result is also a valid JSON string. Everything YAML would not keep as it is gets a
/// `\u` escape: control characters, DEL, C1 controls, non-characters, the byte order mark, and
/// the Unicode line and paragraph separators (which YAML would fold into a space).
pub(crate) fn double_quoted(text: &str) -> String {
    escaped_string(text, keeps_as_is)
}

/// `text` in double quotes with `\"`, `\\`, `\n`, `\r`, `\t` escaped, characters `keep`
/// accepts as they are, and every other character as `\uXXXX`. Both callers escape only
/// characters of the Basic Multilingual Plane, which four hex digits cover.
fn escaped_string(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if keep(c) => out.push(c),
            c => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

/// Characters YAML keeps unchanged inside any scalar: the printable set of YAML 1.2 section
/// 5.1 minus the three that count as line breaks (U+0085, U+2028, U+2029) and the BOM.
fn keeps_as_is(c: char) -> bool {
    matches!(c,
        ' '..='~'
        | '\u{A0}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// A literal block scalar for `text`, or `None` when a block cannot carry it exactly: empty
/// text, leading white space or line break (the parser would take it as indentation), more
/// than one trailing line break, or a character that is not kept as it is.
fn literal_block(text: &str, indent: usize) -> Option<String> {
    let body = text.strip_suffix('\n');
    let (header, body) = match body {
        Some(body) => ("|", body),
        None => ("|-", text),
    };
    let starts_badly = body.starts_with([' ', '\t', '\n']);
    let unkept = body
        .chars()
        .any(|c| !(c == '\n' || c == '\t' || keeps_as_is(c)));
    if body.is_empty() || starts_badly || unkept || body.ends_with('\n') {
        return None;
    }
    let pad = " ".repeat(indent);
    let mut out = String::with_capacity(text.len() + text.len() / 8 + 8);
    out.push_str(header);
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> String {
        serde_yaml::from_str(text).expect("filter output parses")
    }

    #[test]
    fn double_quoted_round_trips_awkward_text() {
        let samples = [
            "",
            "plain",
            "a\"\n---\nkind: x",
            "{{ x }}: # & * ! % @ `",
            "\u{85}\u{2028}\u{2029}\u{FEFF}\u{7F}\u{9F}\u{0}\r\t",
            "ünïcødé 🦀",
            "\\u0041",
        ];
        for sample in samples {
            assert_eq!(parse(&double_quoted(sample)), sample);
            let json: String = serde_json::from_str(&double_quoted(sample)).unwrap();
            assert_eq!(json, sample);
            let document = format!("value = {}", toml_basic_string(sample));
            let table: toml::Table = toml::from_str(&document).unwrap();
            assert_eq!(table["value"].as_str(), Some(sample));
        }
    }

    #[test]
    fn literal_block_round_trips_or_declines() {
        let samples = [
            ("a: 1\nb:\n  c: 2\n", true),
            ("a: 1\n\n  b\n", true),
            ("no newline", true),
            ("two\n\n", false),
            ("  leading", false),
            ("\nleading", false),
            ("cr\r\n", false),
            ("", false),
        ];
        for (sample, is_block) in samples {
            let block = literal_block(sample, 2);
            assert_eq!(block.is_some(), is_block, "{sample:?}");
            if let Some(block) = block {
                let map: std::collections::BTreeMap<String, String> =
                    serde_yaml::from_str(&format!("k: {block}\n")).unwrap();
                assert_eq!(map["k"], sample);
            }
        }
    }
}
