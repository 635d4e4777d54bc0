//! Property tests over every string that reaches the output: the admin password, the storage
//! class, the cluster uid, macro values and generated credentials.
//!
//! The generators lean on what breaks YAML and templates: indicators, quotes, line breaks of
//! every kind (`\r`, U+0085, U+2028), document markers, template delimiters, control and
//! invisible characters, right-to-left text, emoji, and long runs. For each value, both targets
//! must render YAML (the Kubernetes objects and the Helm values) that two independent parsers
//! (libyaml through serde_yaml, and yaml-rust2) read as the same fourteen documents, holding
//! exactly that value where it belongs.

mod common;

use std::sync::OnceLock;

use harbor_edge::credentials::{Credentials, ExistingSecrets, Generator};
use harbor_edge::render::Target;
use harbor_edge::{Config, DiagnosticKind, Error, MacroScope, Macros, PackInput};
use proptest::prelude::*;
use serde_yaml::Value;

/// Cases per property in a plain `cargo test`; `PROPTEST_CASES` sets another count (`.ci/run`
/// runs 1000).
const DEFAULT_CASES: u32 = 64;

/// The configuration of every property: [`DEFAULT_CASES`], or `PROPTEST_CASES` when set.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    ProptestConfig::with_cases(cases)
}

/// Pieces that mean something to YAML, to minijinja or to a terminal.
const PIECES: &[&str] = &[
    ":",
    "#",
    "-",
    "?",
    "*",
    "&",
    "!",
    "%",
    "@",
    "`",
    "|",
    ">",
    "'",
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ": ",
    " #",
    "- ",
    "? ",
    "|-",
    ">+",
    "&anchor ",
    "*anchor",
    "!!str ",
    "!!binary ",
    "%YAML 1.2",
    "<<: ",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "  ",
    "---",
    "...",
    "\n---\n",
    "\n...\n",
    "\"\n---\nkind: X",
    "'\n- a",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "{{ password }}",
    "{{.spectro.macro.pw}}",
    "\\",
    "\\n",
    "\\\"",
    "''",
    "\u{0}",
    "\u{7}",
    "\u{8}",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{200b}",
    "\u{200f}",
    "\u{202e}",
    "\u{5e9}\u{5dc}\u{5d5}\u{5dd}",
    "\u{627}\u{644}\u{633}\u{644}\u{627}\u{645}",
    "😀",
    "👨\u{200d}👩\u{200d}👧",
    "\u{1f1e9}\u{1f1ea}",
    "\u{fffd}",
    "\u{10ffff}",
    "null",
    "~",
    "true",
    "no",
    "yes",
    "0x1F",
    "0o17",
    "1e3",
    ".inf",
    ".nan",
    "=",
    "+",
    "0",
    "9",
];

/// One piece: mostly the list above, sometimes any character, a word, or a long run.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(PIECES).prop_map(str::to_owned),
        2 => any::<char>().prop_map(String::from),
        2 => prop::collection::vec(prop::char::range('a', 'z'), 1..8)
            .prop_map(|chars| chars.into_iter().collect()),
        1 => (1usize..2000, prop::sample::select(&["x", "é", "\n", " ", "\u{2028}", "😀"][..]))
            .prop_map(|(count, text)| text.repeat(count)),
    ]
}

/// A hostile string, possibly empty, possibly thousands of characters long.
fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..24).prop_map(|pieces| pieces.concat())
}

/// A hostile string that meets Harbor's password policy: at most 125 characters of the
/// generated text, an upper, a lower and a digit forced in, padded to 8.
fn hostile_password() -> impl Strategy<Value = String> {
    (hostile(), 0usize..=125).prop_map(|(text, at)| {
        let mut chars: Vec<char> = text.chars().take(125).collect();
        let at = at.min(chars.len());
        chars.splice(at..at, ['Q', 'q', '7']);
        while chars.len() < 8 {
            chars.push('x');
        }
        chars.into_iter().collect()
    })
}

/// `text` as a YAML double-quoted scalar that escapes everything but printable ASCII, so the
/// test's own input cannot be misread.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn input(parameters: &str, uid: &str) -> String {
    format!("harbor-config:\n{parameters}cluster:\n  uid: {uid}\n  vip: 10.10.1.5\n")
}

fn resolve(text: &str, macros: &Macros) -> Result<Config, Error> {
    Ok(PackInput::from_yaml_str(text)?.resolve(macros)?.config)
}

/// True when every problem of `error` is about a macro reference (a value holding `{{`).
fn only_macro_problems(error: &Error) -> bool {
    error.problems().is_some_and(|problems| {
        problems.iter().all(|problem| {
            matches!(
                problem.kind(),
                DiagnosticKind::UndefinedMacro | DiagnosticKind::MalformedMacro
            )
        })
    })
}

/// Existing secrets from one earlier render, so the properties reuse its CA and certificate
/// instead of generating keys for every case.
fn existing() -> &'static ExistingSecrets {
    static EXISTING: OnceLock<ExistingSecrets> = OnceLock::new();
    EXISTING.get_or_init(|| {
        let config = common::minimal_config();
        let credentials =
            Credentials::resolve(&config, None, &mut Generator::reproducible(1, None))
                .expect("credentials");
        let stream = common::render(&config, &credentials, Target::K3s).to_yaml();
        ExistingSecrets::from_yaml_str(&stream).expect("existing secrets")
    })
}

fn credentials_for(config: &Config) -> Credentials {
    Credentials::resolve(
        config,
        Some(existing()),
        &mut Generator::reproducible(1, None),
    )
    .expect("credentials resolve")
}

/// Renders both targets and checks the stream with both parsers; returns the documents and
/// the Helm values of each target.
fn render_both(config: &Config, credentials: &Credentials) -> Vec<(Vec<Value>, Value)> {
    [Target::K3s, Target::Helm]
        .into_iter()
        .map(|target| {
            let bundle = common::render(config, credentials, target);
            let stream = common::every_yaml_document(&bundle);
            let documents = common::documents(&stream);
            assert_eq!(
                documents.len(),
                common::DOCUMENTS,
                "{target:?} (serde_yaml)"
            );
            let independent = yaml_rust2::YamlLoader::load_from_str(&stream)
                .unwrap_or_else(|error| panic!("{target:?}: yaml-rust2 rejects: {error}"));
            assert_eq!(
                independent.len(),
                common::DOCUMENTS,
                "{target:?} (yaml-rust2)"
            );
            let values = common::values_in(&bundle, &documents);
            (documents, values)
        })
        .collect()
}

fn assert_password(rendered: &[(Vec<Value>, Value)], password: &str) {
    for (documents, _) in rendered {
        for (secret, key) in [
            ("harbor-admin-password", "HARBOR_ADMIN_PASSWORD"),
            ("registry-info", "SPECTRO_USER_PASSWORD"),
        ] {
            assert_eq!(common::secret_value(documents, secret, key), password);
        }
    }
}

const STORAGE_CLASS_PATHS: [&str; 5] = [
    "persistence.persistentVolumeClaim.registry.storageClass",
    "persistence.persistentVolumeClaim.jobservice.jobLog.storageClass",
    "persistence.persistentVolumeClaim.database.storageClass",
    "persistence.persistentVolumeClaim.redis.storageClass",
    "persistence.persistentVolumeClaim.trivy.storageClass",
];

fn assert_storage_class(rendered: &[(Vec<Value>, Value)], class: &str) {
    for (_, values) in rendered {
        for path in STORAGE_CLASS_PATHS {
            assert_eq!(common::at(values, path).as_str(), Some(class), "{path}");
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// The renderer alone, with the password in hand-built credentials: every hostile string,
    /// template delimiters included, comes out exactly.
    #[test]
    fn any_password_renders_exactly(password in hostile_password()) {
        let credentials = common::credentials_with_password(&password);
        let rendered = render_both(&common::minimal_config(), &credentials);
        assert_password(&rendered, &password);
    }

    /// The whole pipeline from `auth.password` in the document.
    #[test]
    fn a_password_parameter_reaches_both_secrets_exactly(password in hostile_password()) {
        let text = input(&format!("  auth:\n    password: {}\n", quoted(&password)), "edge-01");
        match resolve(&text, &Macros::new()) {
            Ok(config) => {
                let credentials = credentials_for(&config);
                assert_eq!(credentials.admin_password.expose(), password);
                assert_password(&render_both(&config, &credentials), &password);
            }
            Err(error) => {
                prop_assert!(password.contains("{{"), "rejected: {error}");
                prop_assert!(only_macro_problems(&error), "{error}");
            }
        }
    }

    #[test]
    fn a_storage_class_reaches_every_claim_exactly(class in hostile()) {
        prop_assume!(!class.is_empty());
        let text = input(
            &format!("  storage:\n    storageClass: {}\n", quoted(&class)),
            "edge-01",
        );
        match resolve(&text, &Macros::new()) {
            Ok(config) => {
                let rendered = render_both(&config, &common::credentials());
                assert_storage_class(&rendered, &class);
            }
            Err(error) => {
                prop_assert!(class.contains("{{"), "rejected: {error}");
                prop_assert!(only_macro_problems(&error), "{error}");
            }
        }
    }

    /// Macro values are inserted as values, never as YAML or template text.
    #[test]
    fn macro_values_reach_the_output_exactly(
        password in hostile_password(),
        class in hostile(),
    ) {
        prop_assume!(!class.is_empty());
        let mut macros = Macros::new();
        macros.insert(MacroScope::Project, "pw", password.as_str());
        macros.insert(MacroScope::Tenant, "sc", class.as_str());
        let text = input(
            "  auth:\n    password: \"{{.spectro.macro.pw}}\"\n  storage:\n    storageClass: \"{{ .spectro.macro.sc }}\"\n",
            "edge-01",
        );
        let config = resolve(&text, &macros).unwrap_or_else(|error| panic!("{error}"));
        let credentials = credentials_for(&config);
        let rendered = render_both(&config, &credentials);
        assert_password(&rendered, &password);
        assert_storage_class(&rendered, &class);
    }

    #[test]
    fn a_valid_cluster_uid_names_its_namespace(
        uid in prop::collection::vec(
            prop::sample::select(&['a', 'z', '0', '9', '-', 'm'][..]),
            1..=55,
        )
        .prop_map(|chars| chars.into_iter().collect::<String>())
        .prop_filter("starts and ends alphanumeric", |uid| {
            !uid.starts_with('-') && !uid.ends_with('-')
        }),
    ) {
        let config = resolve(&input("  {}\n", &quoted(&uid)), &Macros::new())
            .unwrap_or_else(|error| panic!("{uid}: {error}"));
        let namespace = format!("cluster-{uid}");
        for (documents, _) in render_both(&config, &common::credentials()) {
            let found = common::find(&documents, "Namespace", &namespace);
            assert_eq!(found["metadata"]["name"].as_str(), Some(namespace.as_str()));
            let info = common::find(&documents, "Secret", "registry-info");
            assert_eq!(info["metadata"]["namespace"].as_str(), Some(namespace.as_str()));
        }
    }

    /// A hostile uid is rejected by validation, never rendered.
    #[test]
    fn a_hostile_cluster_uid_is_rejected(uid in hostile()) {
        let valid_label = !uid.is_empty()
            && uid.len() <= 55
            && uid.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !uid.starts_with('-')
            && !uid.ends_with('-');
        match resolve(&input("  {}\n", &quoted(&uid)), &Macros::new()) {
            Ok(config) => {
                prop_assert!(valid_label, "accepted {uid:?}");
                render_both(&config, &common::credentials());
            }
            Err(error) => prop_assert!(!valid_label, "{uid:?} rejected: {error}"),
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// Generated credentials (no certificate provided) for any seed come out byte for byte.
    #[test]
    fn generated_credentials_render_exactly(seed in any::<u64>()) {
        let config = common::minimal_config();
        // Harbor's internal credentials come from the shared set: an RSA key per case would
        // cost minutes.
        let existing = common::internal_existing();
        let credentials =
            Credentials::resolve(&config, Some(existing), &mut Generator::reproducible(seed, None))
                .expect("credentials");
        let tls = &credentials.tls;
        for (documents, _) in render_both(&config, &credentials) {
            assert_eq!(
                common::secret_value(&documents, "harbor-tls", "tls.crt"),
                tls.certificate_chain()
            );
            assert_eq!(
                common::secret_value(&documents, "harbor-tls", "tls.key"),
                tls.private_key().expose()
            );
            assert_eq!(common::secret_value(&documents, "harbor-tls", "ca.crt"), tls.ca_certificate());
            assert_eq!(
                common::secret_value(&documents, "harbor-ca", "ca.key"),
                tls.ca_private_key().as_ref().expect("generated CA key").expose()
            );
            assert_password(&[(documents, Value::Null)], credentials.admin_password.expose());
        }
    }
}
