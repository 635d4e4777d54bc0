//! `harbor-edge render`: parameters in, manifests out (stdout or a directory).

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use zeroize::Zeroizing;

use harbor_edge::node::NodeOptions;
use harbor_edge::render::{Renderer, Target};
use harbor_edge::{Bundle, Error};

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
                if let Some(existing) = &self.credentials.existing {
                    refuse_to_overwrite(existing, dir, &bundle)?;
                }
                for path in bundle.write_dir(dir)? {
                    eprintln!("wrote {}", path.display());
                }
                Ok(())
            }
            None => match self.output {
                // The text holds the Secrets: overwritten once printed.
                OutputForm::Yaml => print(&Zeroizing::new(bundle.to_yaml())),
                OutputForm::Json => print(&Zeroizing::new(bundle.to_json())),
            },
        }
    }
}

/// The `--existing` input is read, never written: an `--out` directory where the bundle would
/// replace that very file is a usage error.
fn refuse_to_overwrite(existing: &Path, dir: &Path, bundle: &Bundle) -> Result<(), Error> {
    let Ok(existing_path) = existing.canonicalize() else {
        return Ok(());
    };
    for object in bundle.objects() {
        let target = dir.join(object.file_name());
        if target
            .canonicalize()
            .is_ok_and(|path| path == existing_path)
        {
            return Err(Error::Usage {
                message: format!(
                    "{}: this is the --existing input, which render never overwrites; write to \
                     another --out directory, or copy the existing file elsewhere first",
                    target.display()
                ),
            });
        }
    }
    Ok(())
}
