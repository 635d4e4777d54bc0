//! Credential options shared by `render`, `validate` and `credentials`, and the `credentials`
//! subcommand, which prints the resolved credentials for inspection.

use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use harbor_edge::credentials::{ROBOT_SECRET_KEY, ROBOT_SECRET_SECRET};
use harbor_edge::output::read_existing_secrets;
use harbor_edge::{
    CertificateSummary, Config, CredentialCheck, Credentials, Error, ExistingSecrets, Generator,
    InternalCredential, Origin, Provenance, Rotatable, Rotation, SecretString, Timestamp,
};

use super::input::{self, InputArgs};

/// Help for `--rotate`: every name, from the library's list.
fn rotate_help() -> String {
    let names: Vec<&str> = Rotatable::ALL.iter().map(|(name, _)| *name).collect();
    format!(
        "Replace a credential that exists (repeat, or separate with commas): {}; internal (all \
         of Harbor's internal credentials), all. `ca` replaces the server certificate too \
         (every node must then trust the new ca.crt); `server-certificate` issues from the same \
         CA. Nothing else ever replaces an existing credential",
        names.join(", ")
    )
}

/// Where generated credentials come from and what existing ones to reuse. Flatten it into a
/// subcommand with `#[command(flatten)]`.
#[derive(Debug, Args)]
pub(crate) struct CredentialArgs {
    /// Reproducible mode: derive every key, serial number and password from this seed, so the
    /// output is byte-identical from run to run. Anyone with the seed can derive the secrets.
    /// Only what is generated depends on it: existing credentials are reused as they are.
    #[arg(long, value_name = "U64")]
    pub(crate) seed: Option<u64>,
    /// Validity start of generated certificates in reproducible mode (RFC 3339; default
    /// 2025-01-01T00:00:00Z). Refused when the certificates would be expired, not yet valid,
    /// or valid for less than a year.
    #[arg(long, value_name = "RFC3339", requires = "seed", value_parser = parse_rfc3339)]
    pub(crate) not_before: Option<OffsetDateTime>,
    /// Secrets rendered or deployed before: a YAML stream (what `render` printed, or
    /// `kubectl get secret -A -o yaml`) or a folder an earlier `render --out` wrote. Every
    /// credential found there is checked and reused. It takes the place of the earlier render
    /// in the --out folder, which is then not read.
    #[arg(long, value_name = "FILE|DIR")]
    pub(crate) existing: Option<PathBuf>,
    #[arg(long, value_name = "WHAT", value_delimiter = ',', help = rotate_help())]
    pub(crate) rotate: Vec<Rotation>,
}

/// The existing secrets of a run, and where they came from.
pub(crate) struct Sources {
    pub(crate) existing: Option<ExistingSecrets>,
    /// The output folder whose earlier render was read, when it held Secrets.
    pub(crate) folder: Option<PathBuf>,
}

impl CredentialArgs {
    /// The generator these options ask for.
    pub(crate) fn generator(&self) -> Generator {
        match self.seed {
            Some(seed) => Generator::reproducible(
                seed,
                self.not_before
                    .and_then(|time| Timestamp::from_unix_seconds(time.unix_timestamp())),
            ),
            None => Generator::system(),
        }
    }

    /// Every `--rotate` together.
    pub(crate) fn rotation(&self) -> Rotation {
        self.rotate
            .iter()
            .fold(Rotation::none(), |all, one| all.union(one))
    }

    /// The existing secrets: `--existing` when given, else those an earlier render left in
    /// `folder` (SPEC 4.1: a render into the same folder keeps its credentials). One source,
    /// never a mix of two that may disagree.
    pub(crate) fn sources(&self, folder: Option<&Path>) -> Result<Sources, Error> {
        let mut existing = ExistingSecrets::new();
        let mut read_folder = None;
        if let Some(dir) = folder.filter(|_| self.existing.is_none()) {
            let earlier = read_existing_secrets(dir)?;
            // A folder without Secrets (a node folder, say) has nothing to keep.
            if !earlier.is_empty() {
                existing.extend(earlier);
                read_folder = Some(dir.to_path_buf());
            }
        }
        let mut given = read_folder.is_some();
        if let Some(path) = &self.existing {
            if path.is_dir() {
                // A folder an earlier render wrote: the files it lists as its own.
                existing.extend(read_existing_secrets(path)?);
            } else {
                let text = input::read(path)?;
                existing.add_yaml_str(&text, &format!("--existing {}", path.display()))?;
            }
            given = true;
        }
        Ok(Sources {
            existing: given.then_some(existing),
            folder: read_folder,
        })
    }

    /// Resolves the credentials for `config`, reusing what `folder` holds from an earlier
    /// render.
    pub(crate) fn resolve(
        &self,
        config: &Config,
        folder: Option<&Path>,
    ) -> Result<(Credentials, Sources), Error> {
        let sources = self.sources(folder)?;
        let credentials = Credentials::resolve_with(
            config,
            sources.existing.as_ref(),
            &mut self.generator(),
            &self.rotation(),
        )?;
        Ok((credentials, sources))
    }

    /// Every check [`CredentialArgs::resolve`] runs, without generating anything.
    pub(crate) fn check(
        &self,
        config: &Config,
        folder: Option<&Path>,
    ) -> Result<CredentialCheck, Error> {
        let sources = self.sources(folder)?;
        Credentials::check(
            config,
            sources.existing.as_ref(),
            &self.generator(),
            &self.rotation(),
        )
    }
}

/// Says on stderr which credentials this run made (SPEC 4.1: no credential is made
/// silently), and how to keep them. The robot secret counts only where it is rendered
/// (`robot_rendered`: the `spectro-images` layout with a private project); elsewhere no file
/// holds it and nothing needs keeping.
pub(crate) fn announce(provenance: &Provenance, kept_in: Option<&Path>, robot_rendered: bool) {
    let tls = if provenance.server_certificate == provenance.ca {
        vec![(provenance.ca, "the CA and the server certificate")]
    } else {
        vec![
            (provenance.ca, "the CA"),
            (provenance.server_certificate, "the server certificate"),
        ]
    };
    let internal: Vec<(Origin, &str)> = provenance
        .internal
        .iter()
        .map(|(which, origin)| (origin, which.as_str()))
        .collect();
    // All of Harbor's internal credentials alike (a first render): one item.
    let internal = match internal.first() {
        Some(&(first, _)) if internal.iter().all(|(origin, _)| *origin == first) => {
            vec![(first, "Harbor's internal credentials")]
        }
        _ => internal,
    };
    let robot = robot_rendered.then_some((provenance.robot_secret, "the robot secret"));
    let items: Vec<(Origin, &str)> = [(provenance.password, "the admin password")]
        .into_iter()
        .chain(tls)
        .chain(internal)
        .chain(robot)
        .collect();
    let named = |wanted: Origin| -> Vec<&str> {
        items
            .iter()
            .filter(|(origin, _)| *origin == wanted)
            .map(|(_, what)| *what)
            .collect()
    };
    let (generated, rotated) = (named(Origin::Generated), named(Origin::Rotated));
    if generated.is_empty() && rotated.is_empty() {
        return;
    }
    let keep = match kept_in {
        Some(dir) => format!(
            "they are kept in {}: render into that folder again (or pass its Secrets with \
             --existing) to reuse them",
            dir.display()
        ),
        None => "they exist only in this output: keep it, and pass it back with --existing \
                 FILE (or render with --out DIR, which reuses what it holds) to reuse them"
            .to_owned(),
    };
    if !rotated.is_empty() {
        eprintln!("note: rotated (--rotate): {}", rotated.join(", "));
    }
    if !generated.is_empty() {
        eprintln!("note: generated: {}", generated.join(", "));
    }
    eprintln!("note: {keep}");
}

fn parse_rfc3339(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|error| format!("not an RFC 3339 time such as 2025-01-01T00:00:00Z: {error}"))
}

/// `harbor-edge credentials`.
#[derive(Debug, Args)]
pub(crate) struct CredentialsCommand {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    credentials: CredentialArgs,
    /// An output folder of an earlier render: the credentials there are reused, as `render
    /// --out` would (nothing is written).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also print the password and the private keys (they are secrets: mind the terminal).
    #[arg(long)]
    show_secrets: bool,
}

/// What the command prints, in this order.
#[derive(Serialize)]
struct Report<'a> {
    password: &'static str,
    ca: &'static str,
    #[serde(rename = "serverCertificate")]
    server_certificate: &'static str,
    #[serde(rename = "reissueReasons", skip_serializing_if = "Vec::is_empty")]
    reissue_reasons: Vec<String>,
    /// Harbor's internal credentials, each with its Secret, key and origin.
    internal: Vec<InternalEntry<'a>>,
    /// The secret of the nodes' pull-only robot (rendered in the Palette layout only).
    robot: InternalEntry<'a>,
    /// Summaries of `ca.crt` and `tls.crt`, then their PEM (public).
    certificates: Certificates,
    #[serde(rename = "ca.crt")]
    ca_crt: &'a str,
    #[serde(rename = "tls.crt")]
    tls_crt: &'a str,
    #[serde(rename = "adminPassword", skip_serializing_if = "Option::is_none")]
    admin_password: Option<&'a str>,
    #[serde(rename = "tls.key", skip_serializing_if = "Option::is_none")]
    tls_key: Option<&'a str>,
    #[serde(rename = "ca.key", skip_serializing_if = "Option::is_none")]
    ca_key: Option<&'a str>,
}

/// The certificates of `ca.crt` and `tls.crt`, as summaries.
#[derive(Serialize)]
struct Certificates {
    #[serde(rename = "ca.crt")]
    ca: Vec<CertificateSummary>,
    #[serde(rename = "tls.crt")]
    tls: Vec<CertificateSummary>,
}

/// One internal credential in the report.
#[derive(Serialize)]
struct InternalEntry<'a> {
    credential: &'static str,
    secret: String,
    key: &'static str,
    origin: &'static str,
    /// The value: always for the token certificate (public), else with --show-secrets only.
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
}

impl CredentialsCommand {
    /// Resolves and prints the credentials; secrets only with `--show-secrets`.
    pub(crate) fn run(&self) -> Result<(), Error> {
        let validated = self.input.resolve()?;
        input::print_warnings(&validated.warnings);
        let (credentials, _) = self
            .credentials
            .resolve(&validated.config, self.out.as_deref())?;
        input::print_warnings(&credentials.warnings);
        let show = self.show_secrets;
        let provenance = &credentials.provenance;
        let report = Report {
            password: provenance.password.as_str(),
            ca: provenance.ca.as_str(),
            server_certificate: provenance.server_certificate.as_str(),
            reissue_reasons: provenance
                .reissue_reasons
                .iter()
                .map(ToString::to_string)
                .collect(),
            internal: InternalCredential::ALL
                .into_iter()
                .map(|which| InternalEntry {
                    credential: which.as_str(),
                    secret: format!("harbor/{}", which.secret_name()),
                    key: which.key(),
                    origin: provenance.internal.get(which).as_str(),
                    value: shown(
                        show || !which.is_secret(),
                        Some(credentials.internal.get(which)),
                    ),
                })
                .collect(),
            robot: InternalEntry {
                credential: "robotSecret",
                secret: format!("harbor/{ROBOT_SECRET_SECRET}"),
                key: ROBOT_SECRET_KEY,
                origin: provenance.robot_secret.as_str(),
                value: shown(show, Some(&credentials.robot_secret)),
            },
            certificates: Certificates {
                ca: CertificateSummary::from_pem(credentials.tls.ca_certificate())?,
                tls: CertificateSummary::from_pem(credentials.tls.certificate_chain())?,
            },
            ca_crt: credentials.tls.ca_certificate(),
            tls_crt: credentials.tls.certificate_chain(),
            admin_password: shown(show, Some(&credentials.admin_password)),
            tls_key: shown(show, Some(credentials.tls.private_key())),
            ca_key: shown(show, credentials.tls.ca_private_key()),
        };
        // With --show-secrets the text holds them: overwritten once printed.
        let text = serde_yaml::to_string(&report)
            .map(zeroize::Zeroizing::new)
            .map_err(|_| Error::Document {
                message: "cannot print the credentials as YAML".into(),
            })?;
        super::print(&text)
    }
}

/// The secret's text when `show` is on.
fn shown(show: bool, secret: Option<&SecretString>) -> Option<&str> {
    secret.filter(|_| show).map(SecretString::expose)
}
