//! The options every subcommand that reads parameters shares.

use std::path::PathBuf;

use clap::Args;

use harbor_edge::{Error, Macros, PackInput, Validated, Warning};

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
}

impl InputArgs {
    /// Reads, validates and defaults the parameters.
    pub(crate) fn resolve(&self) -> Result<Validated, Error> {
        let text = read(&self.file)?;
        let mut input = PackInput::from_yaml_str(&text)?;
        if let Some(uid) = &self.cluster_uid {
            input.set_cluster_uid(uid);
        }
        if let Some(vip) = &self.vip {
            input.set_cluster_vip(vip);
        }
        let macros = match &self.macros {
            Some(path) => Macros::from_yaml_str(&read(path)?)?,
            None => Macros::new(),
        };
        input.resolve(&macros)
    }
}

/// Reads a file, or stdin for `-`.
pub(crate) fn read(path: &PathBuf) -> Result<String, Error> {
    let result = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    };
    result.map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })
}

/// Prints warnings on stderr.
pub(crate) fn print_warnings(warnings: &[Warning]) {
    for warning in warnings {
        eprintln!("{warning}");
    }
}
