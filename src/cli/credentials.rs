//! Credential options shared by `credentials` and (later) `render`, and the `credentials`
//! subcommand, which prints the resolved credentials for inspection.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use harbor_edge::credentials::{ROBOT_SECRET_KEY, ROBOT_SECRET_SECRET};
use harbor_edge::{
    Config, Credentials, Error, ExistingSecrets, Generator, InternalCredential, SecretString,
};

use super::input::{self, InputArgs};

/// Where generated credentials come from and what existing ones to reuse. Flatten it into a
/// subcommand with `#[command(flatten)]`.
#[derive(Debug, Args)]
pub(crate) struct CredentialArgs {
    /// Reproducible mode: derive every key, serial number and password from this seed, so the
    /// output is byte-identical from run to run. Anyone with the seed can derive the secrets.
    #[arg(long, value_name = "U64")]
    pub(crate) seed: Option<u64>,
    /// Validity start of generated certificates in reproducible mode (RFC 3339; default
    /// 2025-01-01T00:00:00Z).
    #[arg(long, value_name = "RFC3339", requires = "seed", value_parser = parse_rfc3339)]
    pub(crate) not_before: Option<OffsetDateTime>,
    /// Secrets rendered or deployed before (YAML stream, e.g. `kubectl get secret -o yaml`):
    /// their password, CA and certificate are reused.
    #[arg(long, value_name = "FILE")]
    pub(crate) existing: Option<PathBuf>,
}

impl CredentialArgs {
    /// The generator these options ask for.
    pub(crate) fn generator(&self) -> Generator {
        match self.seed {
            Some(seed) => Generator::reproducible(seed, self.not_before),
            None => Generator::system(),
        }
    }

    /// The existing secrets, when `--existing` was given.
    pub(crate) fn existing(&self) -> Result<Option<ExistingSecrets>, Error> {
        self.existing
            .as_ref()
            .map(|path| ExistingSecrets::from_yaml_str(&input::read(path)?))
            .transpose()
    }

    /// Resolves the credentials for `config`.
    pub(crate) fn resolve(&self, config: &Config) -> Result<Credentials, Error> {
        let existing = self.existing()?;
        Credentials::resolve(config, existing.as_ref(), &mut self.generator())
    }
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
        let credentials = self.credentials.resolve(&validated.config)?;
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
            ca_crt: &credentials.tls.ca_certificate,
            tls_crt: &credentials.tls.certificate_chain,
            admin_password: shown(show, Some(&credentials.admin_password)),
            tls_key: shown(show, Some(&credentials.tls.private_key)),
            ca_key: shown(show, credentials.tls.ca_private_key.as_ref()),
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
