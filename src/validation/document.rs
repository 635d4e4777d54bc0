//! From the parsed YAML to a JSON value the schema can check: macros resolved, nulls dropped
//! (an empty `auth:` means "nothing given"), keys made strings, whole numbers made integers.
//!
//! YAML writes `30003.0`, `3.0003e4` and `1e3` as floats, but they are whole numbers, and
//! JSON Schema's `integer` accepts them while serde's `u32` does not. They become the integer
//! here, so what the schema check accepts the typed model accepts too; a whole number too
//! large for 64 bits is a problem at its path.

use serde_json::{Map, Number, Value as Json};

use super::{Findings, dotted};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::input;
use crate::macros::{Macros, Resolution, resolve_string};
use crate::path::Path;
use crate::schema;
use crate::yaml::{Node, Value as Yaml, key_text};

/// The JSON form of a mapping node (anything else is an empty object: the caller has checked).
pub(crate) fn to_json(document: &Node, macros: &Macros, findings: &mut Findings<'_>) -> Json {
    let mut path = Vec::new();
    mapping_to_json(
        document.as_mapping().unwrap_or_default(),
        macros,
        &mut path,
        findings,
    )
}

fn mapping_to_json(
    entries: &[(Node, Node)],
    macros: &Macros,
    path: &mut Vec<String>,
    findings: &mut Findings<'_>,
) -> Json {
    let mut object = Map::new();
    for (key, value) in entries {
        let Some(key) = key_text(key) else {
            findings.problem(
                Diagnostic::new(
                    DiagnosticKind::WrongType,
                    Path::root(),
                    "a mapping key is not a plain string",
                )
                .with_hint("parameter names are plain words such as `service`"),
                path,
                false,
            );
            continue;
        };
        let key = key.into_owned();
        path.push(key.clone());
        if let Some(json) = value_to_json(value, macros, path, findings) {
            object.insert(key, json);
        }
        path.pop();
    }
    Json::Object(object)
}

fn value_to_json(
    value: &Node,
    macros: &Macros,
    path: &mut Vec<String>,
    findings: &mut Findings<'_>,
) -> Option<Json> {
    match &value.value {
        Yaml::Null => None,
        Yaml::Bool(flag) => Some(Json::Bool(*flag)),
        Yaml::Int(int) => {
            if let Ok(int) = u64::try_from(*int) {
                Some(Json::from(int))
            } else if let Ok(int) = i64::try_from(*int) {
                Some(Json::from(int))
            } else {
                out_of_range(findings, path);
                None
            }
        }
        Yaml::Float(float) => match whole_number(*float) {
            Some(Ok(int)) => Some(int),
            Some(Err(())) => {
                out_of_range(findings, path);
                None
            }
            None => match Number::from_f64(*float) {
                Some(float) => Some(Json::Number(float)),
                None => {
                    wrong_type(findings, path, "a number that is not finite");
                    None
                }
            },
        },
        Yaml::String(text) => Some(string_to_json(text, macros, path, findings)),
        Yaml::Sequence(items) => {
            let mut array = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                path.push(index.to_string());
                // A null list item stays null so the schema reports it.
                array.push(value_to_json(item, macros, path, findings).unwrap_or(Json::Null));
                path.pop();
            }
            Some(Json::Array(array))
        }
        Yaml::Mapping(entries) => Some(mapping_to_json(entries, macros, path, findings)),
        Yaml::Tagged(..) => {
            wrong_type(findings, path, "a value with a YAML tag (`!tag`)");
            None
        }
    }
}

fn string_to_json(
    text: &str,
    macros: &Macros,
    path: &[String],
    findings: &mut Findings<'_>,
) -> Json {
    let mut problems = Vec::new();
    let resolution = resolve_string(text, &dotted(path), macros, &mut problems);
    for problem in problems {
        findings.problem(problem, path, false);
    }
    match resolution {
        Resolution::Unchanged => Json::String(text.to_owned()),
        Resolution::Replaced { value, whole } => {
            findings.mark_from_macro(path);
            if whole {
                // `nodePort: "{{.spectro.macro.port}}"` means the number, as Palette's textual
                // substitution would give it: type the value as the schema asks.
                match schema::type_at(path) {
                    Some("integer") => {
                        let text = value.trim();
                        if let Ok(number) = text.parse::<u64>() {
                            return Json::from(number);
                        }
                        if let Some(Ok(number)) = text.parse::<f64>().ok().and_then(whole_number) {
                            return number;
                        }
                    }
                    Some("boolean") => match value.trim() {
                        "true" => return Json::Bool(true),
                        "false" => return Json::Bool(false),
                        _ => {}
                    },
                    _ => {}
                }
            }
            Json::String(value)
        }
    }
}

/// A finite float without a fractional part as a JSON integer (`Err` when it fits no 64-bit
/// integer); `None` for a fraction, an infinity or NaN.
fn whole_number(float: f64) -> Option<Result<Json, ()>> {
    // 2^64 and -2^63, exactly representable.
    const U64_END: f64 = 18_446_744_073_709_551_616.0;
    const I64_START: f64 = -9_223_372_036_854_775_808.0;
    if !float.is_finite() || float.fract() != 0.0 {
        return None;
    }
    Some(if (0.0..U64_END).contains(&float) {
        // In range and whole: the conversion is exact.
        Ok(Json::from(float as u64))
    } else if (I64_START..0.0).contains(&float) {
        Ok(Json::from(float as i64))
    } else {
        Err(())
    })
}

fn out_of_range(findings: &mut Findings<'_>, path: &[String]) {
    findings.problem(input::oversized_integer(Path::root(), None), path, false);
}

fn wrong_type(findings: &mut Findings<'_>, path: &[String], found: &str) {
    findings.problem(
        Diagnostic::new(
            DiagnosticKind::WrongType,
            Path::root(),
            format!("found {found}"),
        )
        .with_hint("write a plain value: a number such as 120, text, or `true`/`false`"),
        path,
        false,
    );
}
