//! The template filters that turn values into YAML text. Every value a template prints must come
//! out of one of them (the environment's formatter refuses anything else), so no user value is
//! ever interpolated raw.
//!
//! | filter | input | output |
//! |---|---|---|
//! | `yaml` | string, integer, boolean | a YAML scalar: strings double-quoted (see [`super::quote`]) |
//! | `b64` | string | its bytes in standard base64, double-quoted (Secret `data`) |
//! | `yaml_block(indent)` | string | a literal block scalar `|` / `|-` indented by `indent` spaces, or a double-quoted string when the text cannot be a block |
//! | `to_yaml` | any value | a whole YAML document (for a value placed at column 0) |
//! | `toml` | string | a TOML basic string (see [`super::quote`]), for `hosts.toml` |
//! | `pem` | string | the certificates in it, re-encoded as PEM (64-column base64, LF); an error for anything else |

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

use super::quote::{double_quoted, literal_block, toml_basic_string};

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
