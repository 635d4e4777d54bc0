//! Builders shared by the render and output tests.

#![allow(dead_code)]

use harbor_edge::credentials::{Credentials, TlsMaterial};
use harbor_edge::{Config, Macros, PackInput};

/// A config from pack YAML, with no macros.
pub fn config(yaml: &str) -> Config {
    config_with(yaml, &Macros::new())
}

/// A config from pack YAML and macros.
pub fn config_with(yaml: &str, macros: &Macros) -> Config {
    PackInput::from_yaml_str(yaml)
        .and_then(|input| input.resolve(macros))
        .unwrap_or_else(|error| panic!("test input is valid: {error}"))
        .config
}

/// The defaults for cluster `edge-01`.
pub fn minimal_config() -> Config {
    config("harbor-config: {}\ncluster: {uid: edge-01, vip: 10.10.1.5}\n")
}

pub const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUSERVER\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUCHAIN\n-----END CERTIFICATE-----\n";
pub const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKEY\n-----END PRIVATE KEY-----\n";
pub const CA: &str =
    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUCA\n-----END CERTIFICATE-----\n";
pub const CA_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgCAKEY\n-----END PRIVATE KEY-----\n";
pub const PASSWORD: &str = "Harbor-Edge-Passw0rd";

/// Fixed dummy credentials (PEM-looking text; rendering does not parse it).
pub fn credentials() -> Credentials {
    credentials_with_password(PASSWORD)
}

/// The dummy credentials with another password.
pub fn credentials_with_password(password: &str) -> Credentials {
    Credentials {
        admin_password: password.into(),
        tls: TlsMaterial {
            certificate_chain: CERT.into(),
            private_key: KEY.into(),
            ca_certificate: CA.into(),
            ca_private_key: Some(CA_KEY.into()),
        },
        warnings: Vec::new(),
    }
}
