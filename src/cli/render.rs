//! `harbor-edge render`: parameters in, manifests out (stdout or a directory).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use harbor_edge::Error;
use harbor_edge::render::{Renderer, Target};

use super::credentials::CredentialArgs;
use super::input::{self, InputArgs};
use super::print;

/// The form of the output on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputForm {
    /// One multi-document YAML stream.
    Yaml,
    /// A JSON array of the same documents.
    Json,
}

/// `harbor-edge render`.
#[derive(Debug, Args)]
pub(crate) struct RenderCommand {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    credentials: CredentialArgs,
    /// What to render: `k3s` (one stream with a HelmChart for the auto-deploy folder) or
    /// `helm` (manifests plus a values file for `helm install -f`).
    #[arg(long, default_value = "k3s", value_parser = parse_target)]
    target: Target,
    /// Write one file per object into this directory (atomically) instead of printing.
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    out: Option<PathBuf>,
    /// Output form on stdout.
    #[arg(short = 'o', long = "output", value_enum, default_value = "yaml")]
    output: OutputForm,
    /// A directory of templates replacing the embedded ones of the same name.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
}

fn parse_target(text: &str) -> Result<Target, String> {
    text.parse::<Target>().map_err(|error| error.to_string())
}

impl RenderCommand {
    pub(crate) fn run(&self) -> Result<(), Error> {
        let renderer = match &self.templates {
            Some(dir) => Renderer::from_dir(dir)?,
            None => Renderer::embedded(),
        };
        let validated = self.input.resolve()?;
        let credentials = self.credentials.resolve(&validated.config)?;
        let bundle = renderer.render(&validated.config, &credentials, self.target)?;
        input::print_warnings(&validated.warnings);
        input::print_warnings(&credentials.warnings);
        match &self.out {
            Some(dir) => {
                for path in bundle.write_dir(dir)? {
                    eprintln!("wrote {}", path.display());
                }
                Ok(())
            }
            None => match self.output {
                OutputForm::Yaml => print(&bundle.to_yaml()),
                OutputForm::Json => print(&bundle.to_json()),
            },
        }
    }
}
