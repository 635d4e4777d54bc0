//! `harbor-edge render`: parameters in, manifests out (stdout or a directory).

use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory as _, ValueEnum};
use zeroize::Zeroizing;

use harbor_edge::node::{MirrorLayout, NodeOptions};
use harbor_edge::output::{WriteOptions, write_targets};
use harbor_edge::render::{
    BootstrapImage, CacheRetention, RenderOptions, Renderer, Target, VALUES_FOLDER,
};
use harbor_edge::{Bundle, Error, ObjectKind};

use super::credentials::{self, CredentialArgs};
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
    /// `helm` (manifests, plus Helm values for `helm install -f`: needs --out or --values-out)
    /// or `node` (registry mirror configuration for the nodes; needs --out). Several, comma
    /// separated (`k3s,node`), render from one set of credentials into one folder each under
    /// --out. The node target alone needs the cluster's credentials (--existing, or an --out
    /// folder holding the cluster's render).
    #[arg(
        long,
        default_value = "k3s",
        value_delimiter = ',',
        value_parser = parse_target
    )]
    target: Vec<Target>,
    /// Write one file per object into this folder instead of printing, atomically as a set;
    /// the Helm values go to its `values/` subfolder; with several targets, each goes to its
    /// own subfolder (`DIR/k3s`, `DIR/node`). Credentials an earlier render left in the folder
    /// are reused (replace them with --rotate).
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    out: Option<PathBuf>,
    /// Helm target printed on stdout: write the Helm values files into this folder (the
    /// Kubernetes objects still go to stdout).
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    values_out: Option<PathBuf>,
    /// Output form on stdout.
    #[arg(short = 'o', long = "output", value_enum, default_value = "yaml")]
    output: OutputForm,
    /// A registry the nodes mirror through Harbor (repeat for more); replaces the default list
    /// docker.io, gcr.io, ghcr.io, quay.io, registry.k8s.io. Every target: the bootstrap Job
    /// (k3s, helm) sets Harbor up for the mirrors the node files name, so give both the same.
    #[arg(long = "mirror", value_name = "REGISTRY")]
    mirrors: Vec<String>,
    /// Where Harbor keeps the mirrored images: `proxy-cache` (one public proxy-cache project
    /// per registry, which Harbor fills on the first pull) or `spectro-images` (the Palette
    /// layout: `spectro-images/<registry>/...`, private, nodes pull with a pull-only robot).
    /// Every target, like --mirror.
    #[arg(long, value_name = "LAYOUT", default_value = "proxy-cache", value_parser = parse_layout)]
    mirror_layout: MirrorLayout,
    /// With --mirror-layout spectro-images: a public project (nodes pull without credentials,
    /// as plain containerd must) instead of a private one with a robot.
    #[arg(long)]
    spectro_images_public: bool,
    /// With --mirror-layout proxy-cache: how long Harbor keeps what it cached. `keep` (default):
    /// never removed; N (1 to 3650): removed once not pulled for N days (Harbor's own default
    /// is 7). The bootstrap Job sets each proxy-cache project's retention policy to it.
    #[arg(long, value_name = "N|keep", value_parser = parse_cache_retention)]
    cache_retention_days: Option<CacheRetention>,
    /// The bootstrap Job's container image (default: python:3.13-alpine pinned by digest);
    /// Python 3.9 or later as `python3`. Pin it by digest.
    #[arg(long, value_name = "IMAGE")]
    bootstrap_image: Option<String>,
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

fn parse_layout(text: &str) -> Result<MirrorLayout, String> {
    text.parse::<MirrorLayout>()
        .map_err(|error| error.to_string())
}

fn parse_cache_retention(text: &str) -> Result<CacheRetention, String> {
    text.parse::<CacheRetention>()
        .map_err(|error| error.to_string())
}

impl RenderCommand {
    pub(crate) fn run(&self) -> Result<(), Error> {
        self.check_out();
        let renderer = match &self.templates {
            Some(dir) => Renderer::from_dir(dir)?,
            None => Renderer::embedded(),
        };
        let options = self.render_options()?;
        let validated = self.input.resolve()?;
        let (credentials, sources) = self
            .credentials
            .resolve(&validated.config, self.out.as_deref())?;
        let bundles =
            renderer.render_targets(&validated.config, &credentials, &self.target, &options)?;
        if self.out.is_none() {
            self.check_values_out(&bundles[0]);
        }
        if let Some(dir) = &sources.folder {
            refuse_to_drop_credentials(dir, &bundles)?;
        }
        input::print_warnings(&validated.warnings);
        input::print_warnings(&credentials.warnings);
        if let Some(dir) = &sources.folder {
            eprintln!(
                "note: reused the credentials of the earlier render in {}",
                dir.display()
            );
        }
        credentials::announce(
            &credentials.provenance,
            self.out.as_deref(),
            options.node().layout().node_user().is_some(),
        );
        let write_options = self.write_options();
        match (&self.out, bundles.as_slice()) {
            (Some(dir), [bundle]) => {
                for path in bundle.write_dir_with(dir, &write_options)? {
                    eprintln!("wrote {}", path.display());
                }
                Ok(())
            }
            (Some(dir), bundles) => {
                for path in write_targets(dir, bundles, &write_options)? {
                    eprintln!("wrote {}", path.display());
                }
                Ok(())
            }
            (None, [bundle, ..]) => {
                if let Some(dir) = &self.values_out {
                    for path in bundle.write_values_dir(dir, &write_options)? {
                        eprintln!("wrote {} (Helm values: helm install -f)", path.display());
                    }
                }
                match self.output {
                    // The text holds the Secrets: overwritten once printed.
                    OutputForm::Yaml => print(&Zeroizing::new(bundle.to_yaml())),
                    OutputForm::Json => print(&Zeroizing::new(bundle.to_json())),
                }
            }
            (None, []) => Ok(()),
        }
    }

    /// Mirrors, layout, CA path, the bootstrap image and the cache retention;
    /// `--spectro-images-public` without the Palette layout, and `--cache-retention-days` with
    /// it, are usage errors (exit 2).
    fn render_options(&self) -> Result<RenderOptions, Error> {
        let layout = match (self.mirror_layout, self.spectro_images_public) {
            (MirrorLayout::SpectroImages { .. }, public) => MirrorLayout::SpectroImages { public },
            (layout, false) => layout,
            (layout, true) => {
                let message = format!(
                    "--spectro-images-public applies to --mirror-layout spectro-images, not {layout} \
                     (proxy-cache projects are always public)"
                );
                usage_error(clap::error::ErrorKind::ArgumentConflict, &message);
            }
        };
        if let (MirrorLayout::SpectroImages { .. }, Some(_)) = (layout, self.cache_retention_days) {
            let message = format!(
                "--cache-retention-days applies to --mirror-layout proxy-cache, not {layout} \
                 (the spectro-images project is filled by Palette, not a cache)"
            );
            usage_error(clap::error::ErrorKind::ArgumentConflict, &message);
        }
        let node = NodeOptions::new(&self.mirrors, self.ca_file.as_deref())?.with_layout(layout);
        let mut options = RenderOptions::default()
            .with_node(node)
            .with_cache_retention(self.cache_retention_days.unwrap_or_default());
        if let Some(image) = &self.bootstrap_image {
            options = options.with_bootstrap_image(BootstrapImage::new(image)?);
        }
        Ok(options)
    }

    /// The node target and several targets write files, not a stream: they need `--out` (a
    /// usage error, exit 2, otherwise).
    fn check_out(&self) {
        if self.out.is_some() {
            return;
        }
        let message = if self.target.len() > 1 {
            "several targets are written into one folder each: add --out DIR"
        } else if self.target.contains(&Target::Node) {
            "the node target writes files (registries.yaml, certs.d/, ca.crt): add --out DIR"
        } else {
            return;
        };
        usage_error(clap::error::ErrorKind::MissingRequiredArgument, message);
    }

    /// On stdout only Kubernetes objects are printed: a bundle with other files (the Helm
    /// values) needs `--values-out`, and `--values-out` needs such a bundle. A usage error
    /// (exit 2) otherwise.
    fn check_values_out(&self, bundle: &Bundle) {
        let has_values = bundle
            .objects()
            .iter()
            .any(|object| object.file_name().starts_with(&format!("{VALUES_FOLDER}/")));
        let target = bundle.target();
        let (kind, message) = match (has_values, &self.values_out) {
            (true, None) => (
                clap::error::ErrorKind::MissingRequiredArgument,
                format!(
                    "the {target} target's Helm values are not Kubernetes objects and are not \
                     printed: add --values-out DIR to write them there (the objects still go to \
                     stdout), or write everything with --out DIR"
                ),
            ),
            (false, Some(_)) => (
                clap::error::ErrorKind::ArgumentConflict,
                format!("--values-out: the {target} target has no Helm values file to write"),
            ),
            _ => return,
        };
        usage_error(kind, &message);
    }

    /// The run's input files, which no write may replace or remove.
    fn write_options(&self) -> WriteOptions {
        let stdin = Path::new("-");
        let inputs = [
            (Some(&self.input.file), "the parameters file"),
            (self.input.macros.as_ref(), "the --macros file"),
            (self.credentials.existing.as_ref(), "the --existing file"),
        ];
        inputs
            .into_iter()
            .filter_map(|(path, role)| Some((path?, role)))
            .filter(|(path, _)| path.as_path() != stdin)
            .fold(WriteOptions::new(), |options, (path, role)| {
                options.protect(path, role)
            })
    }
}

/// Ends the run with clap's usage error for `render` (exit 2).
/// The Secrets an earlier render left in `dir` are the only copy of its credentials until they
/// are applied: a render into the same folder that writes no Secret (the node target alone)
/// would remove them, so it is refused (exit 2).
fn refuse_to_drop_credentials(dir: &Path, bundles: &[Bundle]) -> Result<(), Error> {
    let writes_secrets = bundles.iter().any(|bundle| {
        bundle
            .objects()
            .iter()
            .any(|object| object.kind() == ObjectKind::Secret)
    });
    if writes_secrets {
        return Ok(());
    }
    Err(Error::Usage {
        message: format!(
            "{}: holds an earlier render whose Secrets are the cluster's credentials, and this \
             render writes no Secret, so writing it there would remove them; nothing was \
             written. Write to another folder and pass this one with --existing {} (or render \
             the cluster and the nodes together: --target k3s,node --out DIR)",
            dir.display(),
            dir.display()
        ),
    })
}

fn usage_error(kind: clap::error::ErrorKind, message: &str) -> ! {
    let mut command = super::Cli::command();
    command.build();
    match command.find_subcommand_mut("render") {
        Some(render) => render.error(kind, message).exit(),
        None => command.error(kind, message).exit(),
    }
}
