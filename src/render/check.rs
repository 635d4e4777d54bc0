//! The self-check (SPEC 6): every rendered document is read back and must be exactly one
//! document that is the object harbor-edge meant, holding the values it put in. A template
//! fault becomes an error naming the template, never a broken file.
//!
//! YAML is read from yaml-rust2's events against the object's [`Want`], without building a
//! tree of values ([`super::readback`]); TOML through the `toml` crate, PEM through `pem`.

use super::Format;
use super::objects::{Expect, Planned};
use super::readback::{self, Want};
use crate::error::{Error, Result};

/// Characters that a YAML 1.1 parser takes as a line break and a YAML 1.2 parser as text
/// (and the byte order mark): output must hold them escaped, never raw.
const AMBIGUOUS: [char; 4] = ['\u{85}', '\u{2028}', '\u{2029}', '\u{FEFF}'];

/// Reads `text` back and checks it against `planned`.
pub(crate) fn check(planned: &Planned, text: &str) -> Result<()> {
    let result = match (&planned.expect, planned.kind.format()) {
        (Expect::Document(want), Format::Yaml) => check_yaml(want, text),
        (Expect::Document(want), Format::Toml) => check_toml(want, text),
        (Expect::Pem(expected), Format::Pem) => check_pem(expected, text),
        _ => Err("the object's expectation does not fit its format".to_owned()),
    };
    result.map_err(|message| Error::SelfCheck {
        template: planned.template.to_owned(),
        object: planned.label(),
        message,
    })
}

fn check_yaml(want: &Want, text: &str) -> std::result::Result<(), String> {
    // All four are outside ASCII: most documents (base64 Secrets) are ASCII and skip the scan.
    if let Some(c) = (!text.is_ascii())
        .then(|| text.chars().find(|c| AMBIGUOUS.contains(c)))
        .flatten()
    {
        return Err(format!(
            "the text holds a raw U+{:04X}, which YAML 1.1 and 1.2 parsers read differently",
            u32::from(c)
        ));
    }
    readback::check_yaml(text, want)
}

fn check_toml(want: &Want, text: &str) -> std::result::Result<(), String> {
    // toml's message may quote the line; report the position only.
    let table: toml::Table = toml::from_str(text).map_err(|error| match error.span() {
        Some(span) => format!("not valid TOML at byte {}", span.start),
        None => "not valid TOML".to_owned(),
    })?;
    let document = serde_json::to_value(&table)
        .map_err(|_| "the TOML document has no JSON form".to_owned())?;
    readback::check_json(&document, want)
}

fn check_pem(expected: &str, text: &str) -> std::result::Result<(), String> {
    let blocks = |text: &str| {
        pem::parse_many(text).map(|blocks| {
            blocks
                .into_iter()
                .map(|block| (block.tag().to_owned(), block.into_contents()))
                .collect::<Vec<_>>()
        })
    };
    let rendered = blocks(text).map_err(|_| "not valid PEM".to_owned())?;
    let wanted = blocks(expected).map_err(|_| "the CA certificate is not valid PEM".to_owned())?;
    if rendered.is_empty() || rendered != wanted {
        return Err("the PEM text does not hold exactly the CA certificate".into());
    }
    Ok(())
}
