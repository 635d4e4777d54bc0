//! How a scalar reads: plain scalars resolved as YAML 1.2's core schema does, with two
//! choices the input has always made: `0b` binary integers are read too, and a decimal with a
//! leading zero (`0755`) is a string (where YAML 1.1 readers see an octal number).

use serde_json::{Number, Value as Json};
use yaml_rust2::scanner::TScalarStyle;

/// How a plain scalar resolves (YAML 1.2 core schema).
#[derive(Debug, PartialEq)]
pub(crate) enum Plain {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str,
    /// A decimal with a leading zero (`0755`): a string to the input, but an octal number to
    /// YAML 1.1 readers such as Helm's, so the self-check takes it for neither.
    LeadingZero,
}

pub(crate) fn resolve_plain(text: &str) -> Plain {
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
    if let Some(value) = radix("0x", 16)
        .or_else(|| radix("0o", 8))
        .or_else(|| radix("0b", 2))
    {
        return Plain::Int(value);
    }
    let bytes = unsigned.as_bytes();
    if !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit) {
        if bytes.len() > 1 && bytes[0] == b'0' {
            return Plain::LeadingZero;
        }
        // Past i128 the number is still a number: its nearest float.
        return text
            .parse()
            .map(Plain::Int)
            .or_else(|_| text.parse().map(Plain::Float))
            .unwrap_or(Plain::Str);
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
pub(crate) fn scalar_json(text: String, style: TScalarStyle) -> Json {
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
        Plain::Str | Plain::LeadingZero => Json::String(text),
    }
}

/// Whether a scalar is the JSON scalar `expected`.
pub(crate) fn scalar_is(text: &str, style: TScalarStyle, expected: &Json) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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
            ("0b101", Plain::Int(5)),
            ("-0x10", Plain::Int(-16)),
            ("0", Plain::Int(0)),
            ("0755", Plain::LeadingZero),
            ("-00", Plain::LeadingZero),
            (
                "99999999999999999999",
                Plain::Int(99_999_999_999_999_999_999),
            ),
            ("9".repeat(60).as_str(), Plain::Float(1e60 - 1.0)),
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
    fn a_plain_leading_zero_decimal_meets_no_wanted_value() {
        for expected in [Json::from("0755"), Json::from(755), Json::from(493)] {
            assert!(
                !scalar_is("0755", TScalarStyle::Plain, &expected),
                "{expected}"
            );
        }
        assert!(scalar_is(
            "0755",
            TScalarStyle::DoubleQuoted,
            &Json::from("0755")
        ));
    }
}
