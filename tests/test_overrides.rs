//! Template overrides and the self-check: a broken or dishonest template is an error naming
//! it, and no error shows a secret.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{documents, find, render};
use harbor_edge::render::{Renderer, Target};
use harbor_edge::{Bundle, Error};

fn override_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write template");
    }
    dir
}

fn render_with(dir: &tempfile::TempDir) -> Result<Bundle, Error> {
    Renderer::from_dir(dir.path())?.render(
        &common::minimal_config(),
        &common::credentials(),
        Target::K3s,
    )
}

fn assert_template_error(result: Result<Bundle, Error>, template: &str) -> String {
    match result {
        Err(error @ Error::Template { .. }) => {
            let Error::Template { name, .. } = &error else {
                unreachable!()
            };
            assert_eq!(name, template);
            error.to_string()
        }
        other => panic!("expected a template error naming {template}, got {other:?}"),
    }
}

fn assert_self_check_error(result: Result<Bundle, Error>, expected: &str) -> String {
    match result {
        Err(error @ Error::SelfCheck { .. }) => {
            let Error::SelfCheck { template, .. } = &error else {
                unreachable!()
            };
            assert_eq!(template, expected);
            error.to_string()
        }
        other => panic!("expected a self-check error naming {expected}, got {other:?}"),
    }
}

#[test]
fn override_replaces_the_template_of_the_same_name() {
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ name | yaml }}\n  \
                     labels:\n    site: edge\n";
    let dir = override_dir(&[("namespace.yaml.j2", namespace), ("README.md", "notes")]);
    let renderer = Renderer::from_dir(dir.path()).expect("loads");
    assert_eq!(renderer.overridden(), ["namespace.yaml.j2"]);
    let bundle = render_with(&dir).expect("renders");
    let documents = documents(&bundle.to_yaml());
    assert_eq!(
        find(&documents, "Namespace", "harbor")["metadata"]["labels"]["site"],
        "edge"
    );
    assert_eq!(documents.len(), common::DOCUMENTS);
}

#[test]
fn override_with_a_syntax_error_names_the_template() {
    let dir = override_dir(&[("secret-tls.yaml.j2", "kind: Secret\n{% if %}\n")]);
    let message = assert_template_error(
        Renderer::from_dir(dir.path()).map(|_| unreachable!()),
        "secret-tls.yaml.j2",
    );
    assert!(message.contains("secret-tls.yaml.j2"), "{message}");
}

#[test]
fn override_with_an_undefined_variable_names_the_template() {
    let dir = override_dir(&[(
        "helmchart.yaml.j2",
        "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata:\n  name: {{ nmae | yaml }}\n",
    )]);
    let message = assert_template_error(render_with(&dir), "helmchart.yaml.j2");
    assert!(message.contains("undefined"), "{message}");
}

#[test]
fn override_printing_a_value_raw_is_refused() {
    let dir = override_dir(&[(
        "secret-admin-password.yaml.j2",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ name }}\n",
    )]);
    assert_template_error(render_with(&dir), "secret-admin-password.yaml.j2");
    let dir = override_dir(&[(
        "secret-admin-password.yaml.j2",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ name | safe }}\n",
    )]);
    assert_template_error(render_with(&dir), "secret-admin-password.yaml.j2");
}

#[test]
fn unknown_template_file_is_an_error_naming_it() {
    let dir = override_dir(&[("secret_tls.yaml.j2", "kind: Secret\n")]);
    let message = assert_template_error(
        Renderer::from_dir(dir.path()).map(|_| unreachable!()),
        "secret_tls.yaml.j2",
    );
    assert!(
        message.contains("secret-tls.yaml.j2"),
        "lists the valid names: {message}"
    );
}

#[test]
fn template_rendering_two_documents_fails_the_self_check() {
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ name | yaml }}\n\
                     ---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n";
    let dir = override_dir(&[("namespace.yaml.j2", namespace)]);
    let message = assert_self_check_error(render_with(&dir), "namespace.yaml.j2");
    assert!(message.contains("2 YAML documents"), "{message}");
}

#[test]
fn template_rendering_broken_yaml_fails_the_self_check() {
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ name | yaml }}\n \
                     - broken: [\n";
    let dir = override_dir(&[("namespace.yaml.j2", namespace)]);
    assert_self_check_error(render_with(&dir), "namespace.yaml.j2");
}

#[test]
fn template_whose_text_could_mean_something_else_fails_the_self_check() {
    // A repeated key (parsers disagree on which wins), an alias standing for the name, a tag
    // and a key that is not a string: each fails, whatever the values read as.
    let head = "apiVersion: v1\nkind: Namespace\nmetadata:\n";
    let cases = [
        (
            format!("{head}  name: other\n  name: {{{{ name | yaml }}}}\n"),
            "repeats a mapping key",
        ),
        (
            format!("x: &n {{{{ name | yaml }}}}\n{head}  name: *n\n"),
            "anchor, alias or tag",
        ),
        (
            format!("{head}  name: !!str {{{{ name | yaml }}}}\n"),
            "anchor, alias or tag",
        ),
        (
            format!("{head}  name: {{{{ name | yaml }}}}\n  1: one\n"),
            "no JSON form",
        ),
    ];
    for (namespace, reason) in cases {
        let dir = override_dir(&[("namespace.yaml.j2", &namespace)]);
        let message = assert_self_check_error(render_with(&dir), "namespace.yaml.j2");
        assert!(message.contains(reason), "{namespace}: {message}");
    }
}

#[test]
fn template_changing_identity_or_values_fails_the_self_check() {
    let cases = [
        (
            "helmchart.yaml.j2",
            "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata:\n  name: other\n  \
             namespace: kube-system\n",
        ),
        (
            "secret-tls.yaml.j2",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ name | yaml }}\n  \
             namespace: {{ namespace | yaml }}\ntype: Opaque\n",
        ),
        ("helm-values.yaml.j2", "expose: {type: clusterIP}\n"),
        // The secret values must reach the chart, and every key the chart reads must be there.
        (
            "helmchart.yaml.j2",
            "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata:\n  name: {{ name | yaml }}\n  \
             namespace: {{ namespace | yaml }}\nspec:\n  repo: {{ chart.repo | yaml }}\n  \
             chart: {{ chart.name | yaml }}\n  version: {{ chart.version | yaml }}\n  \
             targetNamespace: {{ target_namespace | yaml }}\n  \
             valuesContent: {{ values_yaml | yaml }}\n  \
             valuesSecrets:\n    - name: {{ values_secret.name | yaml }}\n",
        ),
        (
            "secret-core-keys.yaml.j2",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ name | yaml }}\n  \
             namespace: {{ namespace | yaml }}\ntype: Opaque\n\
             data:\n  secretKey: {{ secret_key | b64 }}\n",
        ),
        (
            "helm-secret-values.yaml.j2",
            "database: {internal: {password: {{ \"changeit\" | yaml }}}}\n",
        ),
    ];
    for (template, text) in cases {
        let dir = override_dir(&[(template, text)]);
        assert_self_check_error(render_with(&dir), template);
    }
    // The reasons, for the checks of the secret values and internal credentials.
    for ((template, text), reason) in cases[3..].iter().zip([
        "`spec.valuesSecrets` must be one entry",
        "`data.CSRF_KEY` is missing",
        "drops or changes values",
    ]) {
        let dir = override_dir(&[(template, text)]);
        let target = if template.starts_with("helm-secret") {
            Target::Helm
        } else {
            Target::K3s
        };
        let result = Renderer::from_dir(dir.path()).and_then(|renderer| {
            renderer.render(&common::minimal_config(), &common::credentials(), target)
        });
        let message = assert_self_check_error(result, template);
        assert!(message.contains(reason), "{template}: {message}");
    }
}

#[test]
fn errors_and_debug_output_never_show_secrets() {
    let password = "Sup3r-Secret-Passw0rd";
    let encoded = STANDARD.encode(password);
    let credentials = common::credentials_with_password(password);
    let config = common::minimal_config();
    // A template that drops the password: the self-check must say so without showing it.
    let dir = override_dir(&[(
        "secret-admin-password.yaml.j2",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ name | yaml }}\n  \
         namespace: {{ namespace | yaml }}\ntype: Opaque\ndata:\n  \
         HARBOR_ADMIN_PASSWORD: {{ (password ~ 'x') | b64 }}\n",
    )]);
    let error = Renderer::from_dir(dir.path())
        .and_then(|renderer| renderer.render(&config, &credentials, Target::K3s))
        .expect_err("self-check fails");
    for text in [
        error.to_string(),
        format!("{error:?}"),
        format!("{error:#}"),
    ] {
        assert!(
            !text.contains(password) && !text.contains(&encoded),
            "{text}"
        );
    }
    // A template that fails while the secret is in scope.
    let dir = override_dir(&[(
        "secret-admin-password.yaml.j2",
        "data: {{ password | int | yaml }}\n",
    )]);
    let error = Renderer::from_dir(dir.path())
        .and_then(|renderer| renderer.render(&config, &credentials, Target::K3s))
        .expect_err("template fails");
    for text in [
        error.to_string(),
        format!("{error:?}"),
        format!("{error:#}"),
    ] {
        assert!(
            !text.contains(password) && !text.contains(&encoded),
            "{text}"
        );
    }
    let bundle = render(&config, &credentials, Target::K3s);
    let debug = format!("{bundle:?} {:?}", Renderer::embedded());
    assert!(
        !debug.contains(password) && !debug.contains(&encoded),
        "{debug}"
    );
}
