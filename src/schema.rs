//! The JSON schema of the input, derived from the parameter declarations
//! (one per parameter, in `src/model/parameters.rs`).
//!
//! `schema/harbor-edge.schema.json` is the checked-in copy; the pipeline validates against it
//! (embedded at build time) and a test fails when it differs from what the declarations
//! generate. It describes both document forms (SPEC 2.1): a document with `harbor-config` at the
//! top is checked as a bare document, any other as pack values. The pipeline checks the
//! parameters in the bare shape (pack values are unwrapped first) and, for pack values, what
//! surrounds them.

use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::input::DocumentForm;
use crate::model::parameters::section_schema;

/// The checked-in schema, embedded at build time.
pub const EMBEDDED_SCHEMA: &str = include_str!("../schema/harbor-edge.schema.json");

/// Generates the schema from the parameter declarations.
pub fn generate() -> Value {
    let closed = |description: &str, properties: Value| {
        json!({
            "type": "object",
            "additionalProperties": false,
            "description": description,
            "properties": properties,
        })
    };
    let bare = closed(
        "A bare document: `harbor-config` plus the optional cluster context. Pack values are \
         unwrapped into this shape before the schema check.",
        json!({
            "harbor-config": {"$ref": "#/$defs/harbor-config"},
            "cluster": {"$ref": "#/$defs/cluster"},
        }),
    );
    let namespace = json!({
        "description": "The namespace of the pack's objects: always `harbor`, the namespace the \
            pack documentation fixes (the chart, its Secrets and the HelmChart's target all live \
            there).",
        "oneOf": [{"const": "harbor", "type": "string"}],
    });
    let chart = closed(
        "`charts.harbor-edge-native-config`: the chart's values.",
        json!({"harbor-config": {"$ref": "#/$defs/harbor-config"}}),
    );
    let mut charts = closed(
        "`charts`: the chart values of the pack; the pack has one chart.",
        json!({"harbor-edge-native-config": chart}),
    );
    charts["required"] = json!(["harbor-edge-native-config"]);
    let mut pack = closed(
        "Pack values as a Palette cluster profile holds them: the pack's settings, the chart's \
         values (which hold the parameters), and the optional cluster context.",
        json!({
            "pack": closed("`pack`: the pack's own settings.", json!({"namespace": namespace})),
            "charts": charts,
            "cluster": {"$ref": "#/$defs/cluster"},
        }),
    );
    pack["required"] = json!(["charts"]);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "harbor-edge input",
        "description": "The parameters of the Harbor Edge Native Config pack: a bare document \
            with `harbor-config` at the top, or pack values as a cluster profile holds them \
            (`pack` and `charts.harbor-edge-native-config.harbor-config`); either with an \
            optional `cluster` context.",
        "if": {"required": ["harbor-config"]},
        "then": {"$ref": "#/$defs/bare"},
        "else": {"$ref": "#/$defs/pack"},
        "$defs": {
            "bare": bare,
            "pack": pack,
            "harbor-config": section_schema(&["harbor-config"]),
            "cluster": section_schema(&["cluster"]),
        },
    })
}

/// The generated schema as pretty JSON with a final newline: what `harbor-edge schema` prints
/// and what the checked-in file holds.
pub fn generate_text() -> String {
    let mut text = serde_json::to_string_pretty(&generate()).unwrap_or_default();
    text.push('\n');
    text
}

/// The embedded schema, parsed once.
pub(crate) fn embedded() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::from_str(EMBEDDED_SCHEMA).expect("the embedded schema is valid JSON (tested)")
    })
}

/// A validator for one form's branch of the embedded schema, compiled once: the parameters
/// are checked as a bare document even when pack values held them.
pub(crate) fn validator(form: DocumentForm) -> &'static jsonschema::Validator {
    static BARE: OnceLock<jsonschema::Validator> = OnceLock::new();
    static PACK: OnceLock<jsonschema::Validator> = OnceLock::new();
    let (slot, branch) = match form {
        DocumentForm::Bare => (&BARE, "then"),
        DocumentForm::Pack => (&PACK, "else"),
    };
    slot.get_or_init(|| {
        let root = embedded();
        let mut schema = serde_json::Map::new();
        for key in ["$schema", "$defs"] {
            if let Some(value) = root.get(key) {
                schema.insert(key.to_owned(), value.clone());
            }
        }
        if let Some(Value::Object(branch)) = root.get(branch) {
            schema.extend(branch.clone());
        }
        jsonschema::validator_for(&Value::Object(schema))
            .expect("the embedded schema compiles (tested)")
    })
}

/// The sub-schema describing the value at `path` of a document of `form` (object properties
/// only), following `$ref`s.
pub(crate) fn subschema_at<'a>(form: DocumentForm, path: &[String]) -> Option<&'a Value> {
    let root = embedded();
    let branch = match form {
        DocumentForm::Bare => "then",
        DocumentForm::Pack => "else",
    };
    let mut current = resolve_ref(root, root.get(branch)?)?;
    for segment in path {
        let properties = current.get("properties")?;
        current = resolve_ref(root, properties.get(segment)?)?;
    }
    Some(current)
}

/// The property names the schema allows at `path` of a document of `form`.
pub(crate) fn property_names(form: DocumentForm, path: &[String]) -> Vec<&'static str> {
    subschema_at(form, path)
        .and_then(|schema| schema.get("properties"))
        .and_then(Value::as_object)
        .map(|properties| properties.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The JSON type the schema asks for at `path` of a bare document: its `type`, or, for a
/// choice (`anyOf`), the first non-string member's type.
pub(crate) fn type_at(path: &[String]) -> Option<&'static str> {
    let schema = subschema_at(DocumentForm::Bare, path)?;
    if let Some(kind) = schema.get("type").and_then(Value::as_str) {
        return Some(kind);
    }
    schema
        .get("anyOf")?
        .as_array()?
        .iter()
        .filter_map(|member| member.get("type").and_then(Value::as_str))
        .find(|kind| *kind != "string")
}

fn resolve_ref<'a>(root: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    let mut current = schema;
    // `$ref` chains are short; the bound only guards against a cycle.
    for _ in 0..8 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let pointer = reference.strip_prefix('#')?;
                current = root.pointer(pointer)?;
            }
            None => return Some(current),
        }
    }
    None
}
