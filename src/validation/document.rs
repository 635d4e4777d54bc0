//! From the parsed YAML to a JSON value the schema can check: macros resolved, nulls dropped
//! (an empty `auth:` means "nothing given"), keys made strings.

use serde_json::{Map, Number, Value as Json};
use serde_yaml::{Mapping, Value as Yaml};

use super::{Findings, dotted};
use crate::error::{Problem, ProblemKind};
use crate::input::{Macros, Resolution, resolve_string};
use crate::schema;

pub(crate) fn to_json(document: &Mapping, macros: &Macros, findings: &mut Findings<'_>) -> Json {
    let mut path = Vec::new();
    mapping_to_json(document, macros, &mut path, findings)
}

fn mapping_to_json(
    mapping: &Mapping,
    macros: &Macros,
    path: &mut Vec<String>,
    findings: &mut Findings<'_>,
) -> Json {
    let mut object = Map::new();
    for (key, value) in mapping {
        let key = match key {
            Yaml::String(key) => key.clone(),
            Yaml::Number(number) => number.to_string(),
            Yaml::Bool(flag) => flag.to_string(),
            _ => {
                findings.problem(
                    Problem {
                        kind: ProblemKind::WrongType,
                        path: String::new(),
                        position: None,
                        message: "a mapping key is not a plain string".into(),
                        hint: Some("parameter names are plain words such as `service`".into()),
                    },
                    path,
                    false,
                );
                continue;
            }
        };
        path.push(key.clone());
        if let Some(json) = value_to_json(value, macros, path, findings) {
            object.insert(key, json);
        }
        path.pop();
    }
    Json::Object(object)
}

fn value_to_json(
    value: &Yaml,
    macros: &Macros,
    path: &mut Vec<String>,
    findings: &mut Findings<'_>,
) -> Option<Json> {
    match value {
        Yaml::Null => None,
        Yaml::Bool(flag) => Some(Json::Bool(*flag)),
        Yaml::Number(number) => {
            if let Some(int) = number.as_u64() {
                Some(Json::from(int))
            } else if let Some(int) = number.as_i64() {
                Some(Json::from(int))
            } else {
                match number.as_f64().and_then(Number::from_f64) {
                    Some(float) => Some(Json::Number(float)),
                    None => {
                        wrong_type(findings, path, "a number that is not finite");
                        None
                    }
                }
            }
        }
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
        Yaml::Mapping(mapping) => Some(mapping_to_json(mapping, macros, path, findings)),
        Yaml::Tagged(_) => {
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
                        if let Ok(number) = value.trim().parse::<u64>() {
                            return Json::from(number);
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

fn wrong_type(findings: &mut Findings<'_>, path: &[String], found: &str) {
    findings.problem(
        Problem {
            kind: ProblemKind::WrongType,
            path: String::new(),
            position: None,
            message: format!("found {found}"),
            hint: Some("write a plain string, number or boolean".into()),
        },
        path,
        false,
    );
}
