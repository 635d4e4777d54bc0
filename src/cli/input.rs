//! The options every subcommand that reads parameters shares.

use std::io::Read as _;
use std::path::PathBuf;

use clap::Args;
use zeroize::Zeroizing;

use harbor_edge::{Diagnostic, Error, InputLimits, Macros, PackInput, Validated};

/// Where the parameters come from.
#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// The parameters: a bare `harbor-config` document or pack values (`-` for stdin).
    pub(crate) file: PathBuf,
    /// Cluster uid; overrides `cluster.uid` in the document.
    #[arg(long)]
    pub(crate) cluster_uid: Option<String>,
    /// The cluster's virtual IP; overrides `cluster.vip` in the document.
    #[arg(long)]
    pub(crate) vip: Option<String>,
    /// Macro values: YAML with `project`, `tenant`, `system` and `variables` mappings.
    #[arg(long, value_name = "FILE")]
    pub(crate) macros: Option<PathBuf>,
    /// Largest parameters document accepted, in bytes (default 1 MiB): a guard against
    /// hostile or mistaken input.
    #[arg(long, value_name = "BYTES", default_value_t = InputLimits::default().max_bytes)]
    pub(crate) max_input_bytes: usize,
}

impl InputArgs {
    /// Reads, validates and defaults the parameters.
    pub(crate) fn resolve(&self) -> Result<Validated, Error> {
        let limits = InputLimits {
            max_bytes: self.max_input_bytes,
            ..InputLimits::default()
        };
        let raise = " (raise it with --max-input-bytes)";
        let text = read_at_most(&self.file, limits.max_bytes, raise)?;
        let mut input = PackInput::from_yaml_str_with_limits(&text, limits)?;
        if let Some(uid) = &self.cluster_uid {
            input.set_cluster_uid(uid);
        }
        if let Some(vip) = &self.vip {
            input.set_cluster_vip(vip);
        }
        let macros = match &self.macros {
            Some(path) => Macros::from_yaml_str(&read_at_most(path, limits.max_bytes, raise)?)?,
            None => Macros::new(),
        };
        input.resolve(&macros)
    }
}

/// Largest side input (`--existing`, `--inventory`) read: generous for a dump of many Secrets,
/// still a bound on memory for a hostile or mistaken file.
const SIDE_INPUT_LIMIT: usize = 16 * 1024 * 1024;

/// Reads a side input file, or stdin for `-`, up to [`SIDE_INPUT_LIMIT`]. The text may hold
/// secrets: it is overwritten when dropped.
pub(crate) fn read(path: &PathBuf) -> Result<Zeroizing<String>, Error> {
    read_at_most(path, SIDE_INPUT_LIMIT, "")
}

/// Reads a file (or stdin for `-`) but stops past `limit` bytes, so an oversized input costs
/// no more memory than the limit. Bytes that are not UTF-8 text are invalid input, not an I/O
/// error.
fn read_at_most(path: &PathBuf, limit: usize, hint: &str) -> Result<Zeroizing<String>, Error> {
    let io_error = |source| Error::Io {
        path: path.clone(),
        source,
    };
    let reader: Box<dyn std::io::Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(io_error)?)
    };
    let mut bytes = Zeroizing::new(Vec::new());
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(cap).read_to_end(&mut bytes).map_err(io_error)?;
    if bytes.len() > limit {
        return Err(Error::Limit {
            message: format!(
                "{} is larger than the limit of {limit} bytes{hint}",
                path.display()
            ),
            position: None,
        });
    }
    let name = path.display().to_string();
    let text = harbor_edge::input::decode_text(&bytes, &name)?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// Prints warnings on stderr.
pub(crate) fn print_warnings(warnings: &[Diagnostic]) {
    for warning in warnings {
        eprintln!("{warning}");
    }
}
