//! `harbor-edge render`: parameters in, manifests out (stdout or a directory).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use harbor_edge::Error;
use harbor_edge::node::NodeOptions;
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
    /// What to render: `k3s` (one stream with a HelmChart for the auto-deploy folder),
    /// `helm` (manifests plus a values file for `helm install -f`) or `node` (registry mirror
    /// configuration for the nodes; needs --out).
    #[arg(long, default_value = "k3s", value_parser = parse_target)]
    target: Target,
    /// Write one file per object into this directory (atomically) instead of printing.
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with = "output",
        required_if_eq("target", "node")
    )]
    out: Option<PathBuf>,
    /// Output form on stdout.
    #[arg(short = 'o', long = "output", value_enum, default_value = "yaml")]
    output: OutputForm,
    /// Node target: a registry to mirror (repeat for more); replaces the default list
    /// docker.io, gcr.io, ghcr.io, quay.io, registry.k8s.io.
    #[arg(long = "mirror", value_name = "REGISTRY")]
    mirrors: Vec<String>,
    /// Node target: where the nodes keep the registry's CA certificate.
    #[arg(long, value_name = "PATH")]
    ca_file: Option<String>,
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
        let node_options = NodeOptions::new(&self.mirrors, self.ca_file.as_deref())?;
        let validated = self.input.resolve()?;
        let credentials = self.credentials.resolve(&validated.config)?;
        let bundle = match self.target {
            Target::Node => renderer.render_node(&validated.config, &credentials, &node_options)?,
            target => renderer.render(&validated.config, &credentials, target)?,
        };
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
