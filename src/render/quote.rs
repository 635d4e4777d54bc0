//! Scalars as text that every YAML (and TOML) parser reads back as exactly the input: the
//! double-quoted strings and literal blocks the filters ([`super::filters`]) and the values
//! emitter ([`super::emit`]) write.

use std::fmt::Write as _;

/// Writes `text` as a YAML double-quoted scalar that parses back to exactly `text`.
///
/// The escapes used (`\"`, `\\`, `\n`, `\r`, `\t`, `\uXXXX`) mean the same in JSON and YAML, so
/// the result is also a valid JSON string. Everything YAML would not keep as it is gets a
/// `\u` escape: control characters, DEL, C1 controls, non-characters, the byte order mark, and
/// the Unicode line and paragraph separators (which YAML would fold into a space).
pub(crate) fn double_quoted(text: &str) -> String {
    escaped_string(text, keeps_as_is)
}

/// A TOML basic string holding exactly `text`: the escapes of [`double_quoted`] for quotes,
/// backslashes and control characters (which TOML forbids raw); all other characters as they
/// are.
pub(crate) fn toml_basic_string(text: &str) -> String {
    escaped_string(text, |c| !c.is_control())
}

/// A literal block scalar for `text`, or `None` when a block cannot carry it exactly: empty
/// text, leading white space or line break (the parser would take it as indentation), more
/// than one trailing line break, or a character that is not kept as it is.
pub(crate) fn literal_block(text: &str, indent: usize) -> Option<String> {
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
