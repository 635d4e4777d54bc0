//! Input bytes to text: UTF-8, and a message that names the encoding when it is another.

use crate::diagnostic::Position;
use crate::error::{Error, Result};

/// The text of an input file, or an [`Error::Syntax`] saying why the bytes are not UTF-8 text
/// (naming UTF-16 and UTF-32 when a byte-order mark or the pattern of zero bytes shows it, else
/// the line and column of the first byte that is not UTF-8). A UTF-8 byte-order mark is
/// skipped. `name` (a file name) goes into the message.
///
/// ```
/// let error = harbor_edge::input::decode_text(b"\xff\xfeh\0", "values.yaml").unwrap_err();
/// assert!(error.to_string().contains("values.yaml is UTF-16 text"));
/// assert_eq!(harbor_edge::input::decode_text(b"\xef\xbb\xbfa: 1", "x")?, "a: 1");
/// # Ok::<(), harbor_edge::Error>(())
/// ```
pub fn decode_text<'a>(bytes: &'a [u8], name: &str) -> Result<&'a str> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let error = |encoding: Option<&str>, position: Option<Position>| {
        let message = match encoding {
            Some(encoding) => format!(
                "{name} is {encoding} text; harbor-edge reads UTF-8: convert it, e.g. \
                 `iconv -f {encoding} -t UTF-8 {name} > {name}.utf8`, or save it as UTF-8 in \
                 the editor"
            ),
            None => format!(
                "{name} is not UTF-8 text: the byte there is not UTF-8 (Latin-1 or \
                 Windows-1252?); save it as UTF-8 in the editor, or convert it, e.g. \
                 `iconv -f WINDOWS-1252 -t UTF-8 {name} > {name}.utf8`"
            ),
        };
        Error::Syntax { message, position }
    };
    if bytes.starts_with(b"\xff\xfe\0\0") || bytes.starts_with(b"\0\0\xfe\xff") {
        return Err(error(Some("UTF-32"), None));
    }
    if bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff") {
        return Err(error(Some("UTF-16"), None));
    }
    // Without a byte-order mark, ASCII text in UTF-16 has a zero byte beside every character
    // (zero bytes never belong in YAML).
    let head = &bytes[..bytes.len().min(64)];
    let zeros = head.iter().filter(|byte| **byte == 0).count();
    if head.len() >= 4 && zeros * 3 >= head.len() {
        return Err(error(Some("UTF-16"), None));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(utf8) => {
            let valid = &bytes[..utf8.valid_up_to()];
            let line_start = valid
                .iter()
                .rposition(|byte| *byte == b'\n')
                .map_or(0, |index| index + 1);
            let column = String::from_utf8_lossy(&valid[line_start..])
                .chars()
                .count()
                + 1;
            let line = valid.iter().filter(|byte| **byte == b'\n').count() + 1;
            Err(error(None, Some(Position { line, column })))
        }
    }
}
