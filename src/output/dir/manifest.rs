//! The list of files harbor-edge owns in an output folder: `.harbor-edge-files`, plain text
//! with one relative path a line. `kubectl apply -f DIR` takes only `.yaml`, `.yml` and
//! `.json` files, so it ignores it.
//!
//! ```text
//! # harbor-edge: the files its last write put into this folder, one a line. ...
//! 00-namespace-harbor.yaml
//! values/values.yaml
//! # end
//! ```
//!
//! The `# end` line marks a complete list: a list cut short by a kill is never taken for the
//! whole set. The same set gives the same bytes, so a folder written twice from the same input
//! is byte-identical.

use std::collections::BTreeSet;
use std::fs::{self, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::{Component, Path, PathBuf};

/// The file's name, directly in the output folder.
pub(crate) const FILE_NAME: &str = ".harbor-edge-files";

const HEADER: &str = "# harbor-edge: the files its last write put into this folder, one a line.\n\
# The next write replaces them and removes those it no longer writes; other files stay.\n";
const END: &str = "# end";
/// Far more than any set needs; a bound on memory for a file someone else put there.
const LIMIT: u64 = 1024 * 1024;

/// A parsed list.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Manifest {
    /// The owned files, relative to the folder.
    pub(super) files: BTreeSet<PathBuf>,
    /// Whether the `# end` line was there.
    pub(super) complete: bool,
}

impl Manifest {
    /// The text for `files`.
    pub(super) fn text<'a>(files: impl Iterator<Item = &'a str>) -> String {
        let mut text = String::from(HEADER);
        for file in files {
            text.push_str(file);
            text.push('\n');
        }
        text.push_str(END);
        text.push('\n');
        text
    }

    /// Parses a list. Lines that are not a plain relative path (absolute, `..`, empty parts)
    /// are ignored, so a list edited by hand can never make a write touch anything outside
    /// the folder.
    pub(super) fn parse(text: &str) -> Self {
        let mut manifest = Manifest::default();
        for line in text.lines() {
            if line == END {
                manifest.complete = true;
                break;
            }
            if !line.starts_with('#') {
                manifest.files.extend(plain_relative(line));
            }
        }
        manifest
    }

    /// Reads the list at `path`; `None` when there is no regular file there (a link is not
    /// followed).
    pub(super) fn read(path: &Path) -> io::Result<Option<Self>> {
        match fs::symlink_metadata(path) {
            Ok(metadata) if metadata.is_file() => {}
            Ok(_) => return Ok(None),
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        }
        let mut text = String::new();
        match fs::File::open(path) {
            Ok(file) => file.take(LIMIT).read_to_string(&mut text)?,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        Ok(Some(Self::parse(&text)))
    }

    /// Writes the list for `files` as a new file in `folder`, and flushes it to disk.
    pub(super) fn create<'a>(
        folder: &Path,
        files: impl Iterator<Item = &'a str>,
    ) -> io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(folder.join(FILE_NAME))?;
        file.write_all(Self::text(files).as_bytes())?;
        file.sync_all()
    }
}

fn plain_relative(line: &str) -> Option<PathBuf> {
    let path = Path::new(line);
    let plain = !line.is_empty()
        && !line.contains('\\')
        && !line.split('/').any(str::is_empty)
        && path
            .components()
            .all(|component| matches!(component, Component::Normal(_)));
    plain.then(|| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_reads_back_as_written() {
        let text = Manifest::text(["a.yaml", "values/values.yaml"].into_iter());
        let manifest = Manifest::parse(&text);
        assert!(manifest.complete);
        let files: Vec<&str> = manifest
            .files
            .iter()
            .map(|path| path.to_str().unwrap())
            .collect();
        assert_eq!(files, ["a.yaml", "values/values.yaml"]);
    }

    #[test]
    fn a_list_cut_short_is_incomplete() {
        let text = Manifest::text(["a.yaml", "b.yaml"].into_iter());
        let cut = &text[..text.find("b.yaml").unwrap()];
        assert!(!Manifest::parse(cut).complete);
    }

    #[test]
    fn paths_that_leave_the_folder_are_ignored() {
        let manifest =
            Manifest::parse("../x\n/etc/passwd\na//b\n./c\nd/../e\n\nok.yaml\nsub\\x\n# end\n");
        let files: Vec<&str> = manifest
            .files
            .iter()
            .map(|path| path.to_str().unwrap())
            .collect();
        assert_eq!(files, ["ok.yaml"]);
    }
}
