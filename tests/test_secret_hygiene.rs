//! Sentinel tests: a recognisable secret is put in every place a secret can come from
//! (password, private key, macro value), every error path reachable from there is taken, and
//! no `Display`, `Debug` or CLI output may hold the sentinel (or its base64).

mod common;

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use harbor_edge::credentials::{Credentials, Generator};
use harbor_edge::render::{Renderer, Target};
use harbor_edge::{Error, MacroScope, Macros, PackInput};

/// Meets the password policy, so it travels as far as a password can.
const SENTINEL: &str = "Sentinel7Zq";

fn assert_clean(what: &str, text: &str) {
    let encoded = STANDARD.encode(SENTINEL);
    assert!(
        !text.contains(SENTINEL) && !text.contains(&encoded[..12]),
        "{what} shows the secret: {text}"
    );
}

/// The first line of a PEM block's base64 body: what a leak of the key would show.
fn pem_body(pem: &str) -> String {
    pem.lines()
        .find(|line| !line.starts_with("-----"))
        .expect("a PEM body")
        .to_owned()
}

fn assert_lacks(what: &str, text: &str, secret: &str) {
    assert!(!text.contains(secret), "{what} shows a private key: {text}");
}

fn assert_error_clean(what: &str, error: &Error) {
    assert_clean(what, &format!("{error}\n{error:#}\n{error:?}\n{error:#?}"));
}

fn macros() -> Macros {
    let mut macros = Macros::new();
    for (scope, name) in [
        (MacroScope::Project, "p"),
        (MacroScope::Tenant, "t"),
        (MacroScope::System, "s"),
    ] {
        macros.insert(scope, name, format!("{SENTINEL}-{name}"));
        macros.insert(
            scope,
            format!("{name}bad"),
            format!("x \"{SENTINEL}\n---\n: ["),
        );
    }
    macros.insert_variable("cluster.uid", format!("{SENTINEL}-uid"));
    macros
}

/// Each document holds one secret (password or macro value) where it breaks a rule.
const INVALID: &[&str] = &[
    // Password policy and type.
    "harbor-config:\n  auth:\n    password: sentinel7zq\ncluster: {uid: a, vip: 10.0.0.5}\n",
    "harbor-config:\n  auth:\n    password: Sentinel7Zq Sentinel7Zq Sentinel7Zq Sentinel7Zq Sentinel7Zq Sentinel7Zq Sentinel7Zq Sentinel7Zq Sentinel7Zq Sentinel7Zq Sentinel7Zq Sentinel7Zq\ncluster: {uid: a, vip: 10.0.0.5}\n",
    "harbor-config:\n  auth:\n    password: {Sentinel7Zq: 1}\ncluster: {uid: a, vip: 10.0.0.5}\n",
    "harbor-config:\n  auth:\n    password: [Sentinel7Zq]\ncluster: {uid: a, vip: 10.0.0.5}\n",
    // Macro values in places where they are invalid.
    "harbor-config:\n  service:\n    harbor:\n      https:\n        nodePort: \"{{.spectro.macro.p}}\"\ncluster: {uid: a, vip: 10.0.0.5}\n",
    "harbor-config:\n  service:\n    serviceType: \"{{.spectro.macro.t}}\"\ncluster: {uid: a, vip: 10.0.0.5}\n",
    "harbor-config:\n  storage:\n    registry: \"{{.spectro.macro.s}}\"\ncluster: {uid: a, vip: 10.0.0.5}\n",
    "harbor-config:\n  service:\n    metrics:\n      enabled: \"{{.spectro.macro.p}}\"\ncluster: {uid: a, vip: 10.0.0.5}\n",
    "harbor-config: {}\ncluster: {uid: \"{{.spectro.macro.tbad}}\", vip: \"{{.spectro.macro.p}}\"}\n",
    "harbor-config: {}\ncluster: {uid: \"{{.spectro.system.cluster.uid}}\", vip: 10.0.0.5, nodeIps: [\"{{.spectro.macro.s}}\"], nodePortRange: \"{{.spectro.macro.pbad}}\"}\n",
    "harbor-config:\n  auth:\n    password: \"{{.spectro.macro.pbad}}\"\n  storage:\n    storageClass: \"{{.spectro.macro.missing}}\"\ncluster: {uid: a, vip: 10.0.0.5}\n",
    // Duplicate keys and oversized numbers: the parser refuses them, the problems quote nothing.
    "harbor-config:\n  auth:\n    password: Sentinel7Zq-one\n    password: Sentinel7Zq-two\ncluster: {uid: a, vip: 10.0.0.5}\n",
    "harbor-config:\n  auth: {password: Sentinel7Zq-one}\n  service: {harbor: {https: {nodePort: 99999999999999999999}}}\ncluster: {uid: a, vip: 10.0.0.5}\n",
    "pack: {namespace: \"{{.spectro.macro.p}}\"}\ncharts:\n  harbor-edge-native-config:\n    harbor-config: {auth: {password: sentinel7zq}}\ncluster: {uid: a, vip: 10.0.0.5}\n",
    "charts:\n  harbor-edge-native-config:\n    harbor-config:\n      service: {harbor: {https: {nodePort: 30002}}}\n      auth: {password: \"{{.spectro.macro.p}}\"}\ncluster: {uid: a, vip: 10.0.0.5}\n",
];

#[test]
fn validation_errors_never_show_a_password_or_macro_value() {
    for text in INVALID {
        let error = PackInput::from_yaml_str(text)
            .and_then(|input| input.resolve(&macros()))
            .expect_err(text);
        assert_error_clean(text, &error);
    }
}

#[test]
fn credential_errors_never_show_the_provided_key() {
    let body = STANDARD.encode(format!("{SENTINEL}{SENTINEL}{SENTINEL}"));
    let keys = [
        format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"),
        format!("-----BEGIN EC PRIVATE KEY-----\n{body}\n-----END EC PRIVATE KEY-----\n"),
        format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n"),
        format!("-----BEGIN PRIVATE KEY-----\n{SENTINEL}!\n-----END PRIVATE KEY-----\n"),
        format!("{SENTINEL} is not PEM"),
    ];
    // A real certificate, so the key is what fails.
    let config = common::minimal_config();
    let generated = Credentials::resolve(&config, None, &mut Generator::reproducible(3, None))
        .expect("credentials");
    for key in keys {
        let text = format!(
            "harbor-config:\n  auth:\n    certs:\n      cert: {}\n      key: {}\ncluster: {{uid: edge-01, vip: 10.10.1.5}}\n",
            serde_json::to_string(&generated.tls.certificate_chain()).expect("json"),
            serde_json::to_string(&key).expect("json"),
        );
        let result = PackInput::from_yaml_str(&text)
            .and_then(|input| input.resolve(&Macros::new()))
            .and_then(|validated| {
                Credentials::resolve(
                    &validated.config,
                    None,
                    &mut Generator::reproducible(1, None),
                )
            });
        let error = result.expect_err("an unreadable key is an error");
        assert_error_clean("provided key", &error);
    }
}

fn override_dir(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(name), text).expect("write");
    dir
}

/// Templates that try to put a secret where it does not belong, or in an error.
const DISHONEST: &[(&str, &str)] = &[
    ("secret-admin-password.yaml.j2", "{{ password }}"),
    ("secret-admin-password.yaml.j2", "{{ password | int }}"),
    (
        "secret-admin-password.yaml.j2",
        "{{ password | nonexistent }}",
    ),
    (
        "secret-admin-password.yaml.j2",
        "{{ password[100] | yaml }}",
    ),
    ("secret-admin-password.yaml.j2", "{{ password + 1 }}"),
    ("secret-admin-password.yaml.j2", "{% include password %}"),
    ("secret-admin-password.yaml.j2", "{{ password | yaml }}"),
    (
        "secret-admin-password.yaml.j2",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ password | yaml }}\n  namespace: harbor\n",
    ),
    (
        "secret-admin-password.yaml.j2",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ name | yaml }}\n  namespace: {{ namespace | yaml }}\ntype: {{ password | yaml }}\ndata:\n  HARBOR_ADMIN_PASSWORD: {{ password | b64 }}\n",
    ),
    (
        "secret-admin-password.yaml.j2",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ name | yaml }}\n  namespace: {{ namespace | yaml }}\ntype: Opaque\ndata:\n  {{ password | yaml }}: {{ password | b64 }}\n",
    ),
    (
        "secret-tls.yaml.j2",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ name | yaml }}\n  namespace: {{ namespace | yaml }}\n  labels: {a: {{ tls.private_key | yaml }}}\ntype: kubernetes.io/tls\ndata: {}\n",
    ),
    (
        "namespace.yaml.j2",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ name | yaml }}\n  x: [{{ name | yaml }}\n",
    ),
];

#[test]
fn template_and_self_check_errors_never_show_a_secret() {
    let credentials = common::credentials_with_password(SENTINEL);
    let key_body = pem_body(credentials.tls.private_key().expose());
    for (name, text) in DISHONEST {
        let dir = override_dir(name, text);
        let result = Renderer::from_dir(dir.path()).and_then(|renderer| {
            renderer.render(&common::minimal_config(), &credentials, Target::K3s)
        });
        match result {
            Err(error) => {
                assert_error_clean(text, &error);
                assert_lacks(text, &format!("{error}\n{error:#}\n{error:?}"), &key_body);
            }
            Ok(_) => panic!("{text}: a dishonest template must fail"),
        }
    }
}

#[test]
fn debug_of_credentials_bundles_and_inputs_never_shows_a_secret() {
    let credentials = common::credentials_with_password(SENTINEL);
    let bundle = common::render(&common::minimal_config(), &credentials, Target::Helm);
    assert_clean("credentials", &format!("{credentials:?} {credentials:#?}"));
    for key in [
        credentials.tls.private_key(),
        credentials.tls.ca_private_key().expect("the seeded CA key"),
    ] {
        let body = pem_body(key.expose());
        assert_lacks(
            "credentials",
            &format!("{credentials:?} {credentials:#?}"),
            &body,
        );
        assert_lacks("bundle", &format!("{bundle:?} {bundle:#?}"), &body);
    }
    assert_clean("bundle", &format!("{bundle:?} {bundle:#?}"));
    for object in bundle.objects() {
        assert_clean("object", &format!("{object:?}"));
    }
    assert_clean("macros", &format!("{:?} {:#?}", macros(), macros()));
}

fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_harbor-edge"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn cli_output_of_every_failing_subcommand_never_shows_a_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let macros = format!(
        "project:\n  p: \"{SENTINEL}-p\"\n  pbad: \"x {SENTINEL} ]\"\ntenant:\n  t: \"{SENTINEL}-t\"\nvariables:\n  cluster.uid: \"{SENTINEL}-uid\"\n"
    );
    std::fs::write(dir.path().join("macros.yaml"), macros).expect("write");
    let inputs = [
        format!("harbor-config:\n  auth:\n    password: {}\ncluster: {{uid: a, vip: 10.0.0.5}}\n", SENTINEL.to_lowercase()),
        "harbor-config:\n  service:\n    harbor:\n      https:\n        nodePort: \"{{.spectro.macro.p}}\"\ncluster: {uid: \"{{.spectro.system.cluster.uid}}\", vip: \"{{.spectro.macro.t}}\"}\n".to_owned(),
        format!("harbor-config:\n  auth:\n    password: \"{{{{.spectro.macro.pbad}}}}\"\n    certs:\n      cert: x\n      key: \"-----BEGIN PRIVATE KEY-----\\n{SENTINEL}\\n-----END PRIVATE KEY-----\\n\"\ncluster: {{uid: a, vip: 10.0.0.5}}\n"),
        format!("harbor-config:\n  auth:\n    password: {SENTINEL}\n    certs:\n      cert: \"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n\"\n      key: \"-----BEGIN PRIVATE KEY-----\\n{SENTINEL}\\n-----END PRIVATE KEY-----\\n\"\ncluster: {{uid: a, vip: 10.0.0.5}}\n"),
    ];
    let leaky = dir.path().join("leaky");
    std::fs::create_dir(&leaky).expect("mkdir");
    std::fs::write(
        leaky.join("secret-admin-password.yaml.j2"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ password | yaml }}\n  namespace: harbor\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("existing.yaml"), format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: harbor-tls, namespace: harbor}}\ndata:\n  tls.key: \"{}!\"\n", STANDARD.encode(SENTINEL))).expect("write");
    std::fs::write(
        dir.path().join("good.yaml"),
        format!("harbor-config:\n  auth:\n    password: {SENTINEL}\ncluster: {{uid: a, vip: 10.0.0.5}}\n"),
    )
    .expect("write");

    let mut runs: Vec<Vec<String>> = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let file = format!("input-{index}.yaml");
        std::fs::write(dir.path().join(&file), input).expect("write");
        for command in ["validate", "defaults", "render", "credentials"] {
            runs.push(vec![
                command.into(),
                file.clone(),
                "--macros".into(),
                "macros.yaml".into(),
            ]);
        }
    }
    for extra in [
        vec!["--templates", "leaky"],
        vec!["--existing", "existing.yaml"],
        vec!["--seed", "1", "--not-before", "not-a-time"],
    ] {
        let mut args = vec!["render".to_owned(), "good.yaml".to_owned()];
        args.extend(extra.into_iter().map(str::to_owned));
        runs.push(args);
    }
    runs.push(vec![
        "credentials".into(),
        "good.yaml".into(),
        "--existing".into(),
        "existing.yaml".into(),
    ]);

    for args in runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, stderr) = run(dir.path(), &args);
        // validate and defaults pass where only the credentials are wrong.
        if matches!(args[0], "render" | "credentials") {
            assert_ne!(code, Some(0), "{args:?} should fail: {stderr}");
        }
        assert_clean(&format!("{args:?} stdout"), &stdout);
        assert_clean(&format!("{args:?} stderr"), &stderr);
    }
}

/// Existing Secrets of Harbor's internal credentials that hold the sentinel and pass every
/// check (lengths, the htpasswd line against its password): they travel into `Credentials`.
fn sentinel_internal_secrets() -> String {
    let padded16 = format!("{SENTINEL}-2345");
    let padded32 = format!("{SENTINEL}-{SENTINEL}-01234567");
    let htpasswd = bcrypt::hash_with_salt(SENTINEL, 4, [7; 16])
        .expect("bcrypt")
        .format_for_version(bcrypt::Version::TwoA);
    let htpasswd = format!("harbor_registry_user:{htpasswd}");
    let shared = common::seeded();
    let token = |which| shared.internal.get(which).expose().to_owned();
    let secret = |name: &str, entries: &[(&str, &str)]| {
        let mut text = format!(
            "---\napiVersion: v1\nkind: Secret\nmetadata: {{name: {name}, namespace: harbor}}\nstringData:\n"
        );
        for (key, value) in entries {
            text.push_str(&format!(
                "  {key}: {}\n",
                serde_json::to_string(value).unwrap()
            ));
        }
        text
    };
    use harbor_edge::InternalCredential as C;
    [
        secret(
            "harbor-core-keys",
            &[("secretKey", &padded16), ("CSRF_KEY", &padded32)],
        ),
        secret("harbor-core-secret", &[("secret", &padded16)]),
        secret(
            "harbor-core-token",
            &[
                ("tls.crt", &token(C::TokenCertificate)),
                ("tls.key", &token(C::TokenKey)),
            ],
        ),
        secret(
            "harbor-jobservice-secret",
            &[("JOBSERVICE_SECRET", &padded16)],
        ),
        secret(
            "harbor-registry-secret",
            &[("REGISTRY_HTTP_SECRET", &padded16)],
        ),
        secret(
            "harbor-registry-credentials",
            &[
                ("REGISTRY_PASSWD", SENTINEL),
                ("REGISTRY_HTPASSWD", &htpasswd),
            ],
        ),
        secret("harbor-database-password", &[("password", SENTINEL)]),
    ]
    .concat()
}

#[test]
fn internal_credentials_never_show_in_debug_errors_or_cli_output() {
    use harbor_edge::ExistingSecrets;
    let config = common::minimal_config();
    let text = sentinel_internal_secrets();
    let existing = ExistingSecrets::from_yaml_str(&text).expect("reads");
    let credentials = Credentials::resolve(&config, Some(&existing), &mut Generator::system())
        .expect("the sentinel Secrets pass the checks");
    assert_eq!(
        credentials
            .internal
            .get(harbor_edge::InternalCredential::DatabasePassword)
            .expose(),
        SENTINEL
    );
    assert_clean("credentials", &format!("{credentials:?} {credentials:#?}"));
    assert_clean("existing", &format!("{existing:?}"));
    let bundle = common::render(&config, &credentials, Target::Helm);
    assert_clean("bundle", &format!("{bundle:?}"));

    // Each broken in turn: too short, a line that does not match, values that do not parse.
    let broken = [
        text.replace(&format!("{SENTINEL}-2345"), SENTINEL),
        text.replace(
            "REGISTRY_PASSWD: \"Sentinel7Zq\"",
            "REGISTRY_PASSWD: \"Sentinel7Zq-other\"",
        ),
        format!(
            "{text}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: harbor-secret-values, namespace: kube-system}}\nstringData:\n  values.yaml: \"database: [{SENTINEL}\"\n"
        ),
        format!(
            "{text}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: harbor-secret-values, namespace: kube-system}}\nstringData:\n  values.yaml: \"database: {{internal: {{password: {SENTINEL}x}}}}\"\n"
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("in.yaml"),
        "harbor-config: {}\ncluster: {uid: edge-01, vip: 10.10.1.5}\n",
    )
    .expect("write");
    for (index, text) in broken.iter().enumerate() {
        assert_ne!(
            text,
            &sentinel_internal_secrets(),
            "case {index} changes something"
        );
        let existing = ExistingSecrets::from_yaml_str(text).expect("reads");
        let error = Credentials::resolve(&config, Some(&existing), &mut Generator::system())
            .expect_err("a broken Secret is an error");
        assert_error_clean(&format!("case {index}"), &error);
        let file = format!("existing-{index}.yaml");
        std::fs::write(dir.path().join(&file), text).expect("write");
        for command in ["render", "credentials"] {
            let (code, stdout, stderr) =
                run(dir.path(), &[command, "in.yaml", "--existing", &file]);
            assert_eq!(code, Some(1), "{command} case {index}: {stderr}");
            assert_clean(&format!("{command} case {index} stdout"), &stdout);
            assert_clean(&format!("{command} case {index} stderr"), &stderr);
        }
    }

    // The credentials report names every one, with no value unless asked.
    std::fs::write(dir.path().join("good.yaml"), &text).expect("write");
    let (code, stdout, stderr) = run(
        dir.path(),
        &["credentials", "in.yaml", "--existing", "good.yaml"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_clean("credentials stdout", &stdout);
    assert_clean("credentials stderr", &stderr);
    let (code, shown, _) = run(
        dir.path(),
        &[
            "credentials",
            "in.yaml",
            "--existing",
            "good.yaml",
            "--show-secrets",
        ],
    );
    assert_eq!(code, Some(0));
    assert!(shown.contains(SENTINEL), "--show-secrets shows them");
}

/// The nodes' robot secret, reused from an existing Secret: never in `Debug`, in the objects of
/// the layouts that do not use it, in errors when it breaks Harbor's rule, or in CLI output.
#[test]
fn the_robot_secret_never_shows_outside_its_secret_and_registries_yaml() {
    use harbor_edge::ExistingSecrets;
    use harbor_edge::node::{MirrorLayout, NodeOptions};
    use harbor_edge::render::RenderOptions;

    let config = common::minimal_config();
    let robot = |value: &str| {
        format!(
            "{}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: harbor-pull-robot, namespace: harbor}}\nstringData:\n  HARBOR_ROBOT_SECRET: {value}\n",
            common::internal_secrets_yaml()
        )
    };
    let existing = ExistingSecrets::from_yaml_str(&robot(SENTINEL)).expect("reads");
    let credentials = Credentials::resolve(&config, Some(&existing), &mut Generator::system())
        .expect("the sentinel meets Harbor's rule");
    assert_eq!(credentials.robot_secret.expose(), SENTINEL);
    assert_clean("credentials", &format!("{credentials:?} {credentials:#?}"));
    for layout in [
        MirrorLayout::ProxyCache,
        MirrorLayout::SpectroImages { public: false },
        MirrorLayout::SpectroImages { public: true },
    ] {
        let options =
            RenderOptions::default().with_node(NodeOptions::default().with_layout(layout));
        for target in Target::ALL {
            let bundle = Renderer::embedded()
                .render_with(&config, &credentials, target, &options)
                .expect("renders");
            assert_clean("bundle", &format!("{bundle:?}"));
            for object in bundle.objects() {
                let holds_it = layout == (MirrorLayout::SpectroImages { public: false })
                    && (object.name() == "harbor-pull-robot"
                        || object.file_name() == "registries.yaml");
                if !holds_it {
                    assert_clean(&format!("{layout} {}", object.file_name()), object.text());
                }
            }
        }
    }

    // Broken (lower case only: Harbor would refuse it): the error names the Secret, not it.
    let broken = robot("sentinel7zq-lower");
    let existing = ExistingSecrets::from_yaml_str(&broken).expect("reads");
    let error = Credentials::resolve(&config, Some(&existing), &mut Generator::system())
        .expect_err("Harbor's rule");
    assert_error_clean("robot secret", &error);
    let lower = "sentinel7zq-lower";
    assert!(!format!("{error} {error:?}").contains(lower));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("in.yaml"),
        "harbor-config: {}\ncluster: {uid: edge-01, vip: 10.10.1.5}\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("existing.yaml"), &broken).expect("write");
    for command in ["validate", "render", "credentials"] {
        let (code, stdout, stderr) = run(
            dir.path(),
            &[command, "in.yaml", "--existing", "existing.yaml"],
        );
        assert_eq!(code, Some(1), "{command}: {stderr}");
        assert!(
            !stdout.contains(lower) && !stderr.contains(lower),
            "{command}"
        );
        assert!(stderr.contains("harbor-pull-robot"), "{command}: {stderr}");
    }
}

/// The places a private key's text can be recognised by: its base64 body lines, and the
/// base64 of the whole PEM text (what a Secret's `data` holds).
fn key_traces(pem: &str) -> Vec<String> {
    let mut traces: Vec<String> = pem
        .lines()
        .filter(|line| !line.starts_with("-----") && line.len() > 16)
        .map(str::to_owned)
        .collect();
    traces.push(STANDARD.encode(pem)[..40].to_owned());
    traces
}

fn assert_no_key(what: &str, text: &str, traces: &[String]) {
    assert!(
        !text.contains("PRIVATE KEY-----\n"),
        "{what} holds a PEM private key block: {text}"
    );
    for trace in traces {
        assert!(
            !text.contains(trace.as_str()),
            "{what} shows key text: {text}"
        );
    }
}

#[test]
fn defaults_credentials_and_validate_never_list_a_private_key() {
    let config = common::minimal_config();
    let generated = Credentials::resolve(
        &config,
        Some(common::internal_existing()),
        &mut Generator::reproducible(3, None),
    )
    .expect("credentials");
    let tls = &generated.tls;
    let key = tls.private_key().expose();
    let ca_key = tls.ca_private_key().as_ref().expect("a CA key").expose();
    let mut traces = key_traces(key);
    traces.extend(key_traces(ca_key));
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("internal.yaml"),
        common::internal_secrets_yaml(),
    )
    .expect("write");
    let json = |text: &str| serde_json::to_string(text).expect("json");
    // Every field that takes a certificate, given a key instead; and the proper pair.
    let certs = [
        (key, key, Some(tls.ca_certificate())),
        (tls.certificate_chain(), key, Some(ca_key)),
        (ca_key, key, Some(ca_key)),
        (tls.certificate_chain(), key, Some(tls.ca_certificate())),
    ];
    for (index, (cert, key, ca)) in certs.iter().enumerate() {
        let mut text = format!(
            "harbor-config:\n  auth:\n    certs:\n      cert: {}\n      key: {}\n",
            json(cert),
            json(key)
        );
        if let Some(ca) = ca {
            text.push_str(&format!("      ca: {}\n", json(ca)));
        }
        text.push_str("cluster: {uid: edge-demo-01, vip: 10.10.1.5}\n");
        let file = format!("certs-{index}.yaml");
        std::fs::write(dir.path().join(&file), text).expect("write");
        for command in ["defaults", "validate", "credentials", "render"] {
            let (code, stdout, stderr) = run(
                dir.path(),
                &[command, &file, "--existing", "internal.yaml"]
                    [..if command == "defaults" { 2 } else { 4 }],
            );
            let what = format!("{command} case {index} (exit {code:?})");
            // The proper pair passes everywhere; each misplaced key fails but `defaults`.
            let passes = index == 3 || command == "defaults";
            assert_eq!(code, Some(if passes { 0 } else { 1 }), "{what}: {stderr}");
            // A render's stream holds the key, base64-encoded, as the Secret must.
            if command != "render" || code != Some(0) {
                assert_no_key(&format!("{what} stdout"), &stdout, &traces);
            }
            assert_no_key(&format!("{what} stderr"), &stderr, &traces);
        }
        // `defaults` shows each certificate as a summary: a fingerprint, never PEM.
        let (code, stdout, _) = run(dir.path(), &["defaults", &file]);
        assert_eq!(code, Some(0));
        assert!(!stdout.contains("-----BEGIN"), "{stdout}");
        if index == 3 {
            assert!(stdout.contains("sha256:"), "{stdout}");
            assert!(stdout.contains("CN=spectro.registry.local"), "{stdout}");
        } else {
            assert!(stdout.contains("unreadable:"), "{stdout}");
        }
    }

    // Existing Secrets with the key where a certificate belongs.
    let existing = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: harbor-tls, namespace: harbor}}\nstringData:\n  tls.crt: {}\n  tls.key: {}\n  ca.crt: {}\n---\n{}",
        json(key),
        json(key),
        json(ca_key),
        common::internal_secrets_yaml()
    );
    std::fs::write(dir.path().join("existing.yaml"), existing).expect("write");
    std::fs::write(
        dir.path().join("plain.yaml"),
        "harbor-config: {}\ncluster: {uid: edge-demo-01, vip: 10.10.1.5}\n",
    )
    .expect("write");
    for command in ["validate", "credentials", "render"] {
        let (code, stdout, stderr) = run(
            dir.path(),
            &[command, "plain.yaml", "--existing", "existing.yaml"],
        );
        assert_eq!(code, Some(1), "{command}: {stderr}");
        assert_no_key(&format!("{command} stdout"), &stdout, &traces);
        assert_no_key(&format!("{command} stderr"), &stderr, &traces);
    }
}
