//! `harbor-edge preflight`: checks an inventory of the target cluster against the parameters.
//!
//! Output: every finding (errors and warnings) goes to stderr, like the other subcommands'
//! warnings and errors; stdout gets one summary line when there is no error. Exit 0 with or
//! without warnings, 1 when a finding is an error (or the parameters or inventory are
//! invalid), 2 on usage and I/O errors (a missing inventory file).

use std::path::PathBuf;

use clap::Args;

use harbor_edge::preflight::{self, Inventory};

use super::Failure;
use super::input::{self, InputArgs};

/// Arguments of `preflight`.
#[derive(Debug, Args)]
pub(crate) struct PreflightArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// The cluster inventory: YAML with `nodes`, `storageClasses` and `apiServerArgs`.
    #[arg(long, value_name = "INVENTORY")]
    pub(crate) inventory: PathBuf,
}

/// Runs the checks; a report with an error finding becomes [`Failure::Preflight`], which the
/// caller prints (with every finding) and maps to exit code 1.
pub(crate) fn run(args: &PreflightArgs) -> Result<(), Failure> {
    let validated = args.input.resolve()?;
    input::print_warnings(&validated.warnings);
    let inventory = Inventory::from_yaml_str(&input::read(&args.inventory)?)?;
    let report = preflight::check(&validated.config, &inventory);
    if report.has_errors() {
        return Err(Failure::Preflight(report));
    }
    for finding in report.findings() {
        eprintln!("{finding}");
    }
    let warnings = report.warnings().count();
    Ok(super::print(&format!(
        "{}: preflight passed ({warnings} warning{})\n",
        args.inventory.display(),
        if warnings == 1 { "" } else { "s" }
    ))?)
}
