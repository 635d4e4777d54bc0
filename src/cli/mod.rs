//! Command-line parsing and dispatch. Each subcommand calls the library and prints its result;
//! nothing here decides what is valid.

mod credentials;
mod input;
mod preflight;
mod render;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use harbor_edge::preflight::PreflightReport;
use harbor_edge::{EffectiveParameters, Error};

use credentials::CredentialsCommand;
use input::InputArgs;

/// Exit code for invalid input (a validation problem, unreadable YAML, a broken limit).
const EXIT_INVALID: u8 = 1;
/// Exit code for usage, I/O and template errors.
const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "harbor-edge",
    version,
    about = "Config, credentials and manifests for a local Harbor on edge Kubernetes clusters"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Renders the manifests (and Helm values) for a target: the main job.
    Render(Box<render::RenderCommand>),
    /// Checks the parameters and the credentials (provided, existing, or in an --out folder)
    /// with every check `render` runs, without generating anything; lists every problem
    /// (exit 1 when there is one).
    Validate(ValidateArgs),
    /// Prints the fully defaulted parameters.
    Defaults(InputArgs),
    /// Prints the JSON schema of the input document.
    Schema,
    /// Checks a cluster inventory against the pack's prerequisites; findings on stderr, exit 1
    /// on an error finding, 0 when only warnings (or nothing) were found.
    Preflight(preflight::PreflightArgs),
    /// Resolves the credentials (password, CA, server certificate, Harbor's internal ones) and
    /// prints what was provided, generated, reused or reissued, with the certificates (secrets
    /// only with --show-secrets).
    Credentials(CredentialsCommand),
}

/// `harbor-edge validate`.
#[derive(Debug, clap::Args)]
struct ValidateArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    credentials: credentials::CredentialArgs,
    /// The output folder a render would write: the credentials an earlier render left there
    /// are checked as `render --out` would reuse them (nothing is written).
    #[arg(long, value_name = "DIR")]
    out: Option<std::path::PathBuf>,
}

/// Runs the tool; returns the process exit code.
pub(crate) fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Render(command) => command.run(),
        Command::Validate(args) => validate(&args),
        Command::Defaults(args) => defaults(&args),
        Command::Schema => print(&harbor_edge::schema::generate_text()),
        Command::Preflight(args) => return finish(preflight::run(&args)),
        Command::Credentials(command) => command.run(),
    };
    finish(result.map_err(Failure::from))
}

/// Why a run failed: the library's error, or a preflight report holding an error finding.
pub(crate) enum Failure {
    /// The library refused the input or the call.
    Error(Error),
    /// Preflight found at least one error (the report lists every finding).
    Preflight(PreflightReport),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Error(error)
    }
}

/// Prints the failure, if any, and returns the exit code for what happened (README): 1 for
/// invalid input and a failed preflight, 2 for the rest (usage, I/O, templates).
fn finish(result: Result<(), Failure>) -> ExitCode {
    let code = match result {
        Ok(()) => return ExitCode::SUCCESS,
        Err(Failure::Preflight(report)) => {
            eprintln!("error: {report}");
            EXIT_INVALID
        }
        Err(Failure::Error(error)) => {
            eprintln!("error: {error}");
            if error.kind().is_invalid_input() {
                EXIT_INVALID
            } else {
                EXIT_USAGE
            }
        }
    };
    ExitCode::from(code)
}

/// Prints on stdout. A reader that stops early (`| head`) closes the pipe: the run then ends
/// quietly and successfully, as command-line tools do, rather than reporting an error.
fn print(text: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        result => result.map_err(|source| Error::Io {
            path: "<stdout>".into(),
            source,
        }),
    }
}

fn validate(args: &ValidateArgs) -> Result<(), Error> {
    let validated = args.input.resolve()?;
    let checked = args
        .credentials
        .check(&validated.config, args.out.as_deref())?;
    input::print_warnings(&validated.warnings);
    input::print_warnings(&checked.warnings);
    let count = validated.warnings.len() + checked.warnings.len();
    print(&format!(
        "{}: valid ({count} warning{})\n",
        args.input.file.display(),
        if count == 1 { "" } else { "s" }
    ))
}

fn defaults(args: &InputArgs) -> Result<(), Error> {
    let validated = args.resolve()?;
    input::print_warnings(&validated.warnings);
    print(&EffectiveParameters::from(&validated.config).to_yaml())
}
