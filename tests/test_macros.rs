//! Macros (SPEC 2.4): precedence, undefined names, and no value in any error text.

use harbor_edge::{DiagnosticKind, Error, MacroScope, Macros, PackInput};

const DOC: &str = "\
harbor-config:
  auth:
    password: \"{{ .spectro.macro.harbor_password }}\"
  service:
    harbor:
      https:
        nodePort: \"{{.spectro.macro.https_node_port}}\"
cluster:
  uid: \"{{.spectro.system.cluster.uid}}\"
  vip: \"{{.spectro.system.cluster.kubevip}}\"
";

fn macros() -> Macros {
    let mut macros = Macros::new();
    macros.insert(MacroScope::System, "harbor_password", "SystemScope1");
    macros.insert(MacroScope::Tenant, "harbor_password", "TenantScope1");
    macros.insert(MacroScope::Project, "harbor_password", "ProjectScope1");
    macros.insert(MacroScope::Tenant, "https_node_port", "31443");
    macros.insert_variable("cluster.uid", "edge-42");
    macros.insert_variable("cluster.kubevip", "10.1.2.3");
    macros
}

fn password(macros: &Macros) -> String {
    let config = PackInput::from_yaml_str(DOC)
        .unwrap()
        .resolve(macros)
        .unwrap()
        .config;
    config
        .auth()
        .password()
        .unwrap()
        .secret()
        .expose()
        .to_owned()
}

#[test]
fn project_beats_tenant_beats_system() {
    let mut macros = macros();
    assert_eq!(password(&macros), "ProjectScope1");
    macros.project.clear();
    assert_eq!(password(&macros), "TenantScope1");
    macros.tenant.remove("harbor_password");
    assert_eq!(password(&macros), "SystemScope1");
}

#[test]
fn whole_value_macros_take_the_type_the_parameter_needs() {
    let config = PackInput::from_yaml_str(DOC)
        .unwrap()
        .resolve(&macros())
        .unwrap()
        .config;
    assert_eq!(config.service().https().node_port().get(), 31443);
    assert_eq!(config.cluster().uid().as_str(), "edge-42");
    assert_eq!(config.cluster().vip().to_string(), "10.1.2.3");
}

#[test]
fn undefined_macro_names_the_macro_and_path_and_no_value() {
    let mut macros = macros();
    macros.project.clear();
    macros.tenant.clear();
    macros.system.clear();
    // A defined variable's value must not leak into the error either.
    macros.insert_variable("cluster.kubevip", "10.9.9.9");
    let error = PackInput::from_yaml_str(DOC)
        .unwrap()
        .resolve(&macros)
        .unwrap_err();
    let Error::Invalid(problems) = &error else {
        panic!("{error:?}");
    };
    let undefined: Vec<_> = problems
        .iter()
        .filter(|p| p.kind() == DiagnosticKind::UndefinedMacro)
        .collect();
    assert_eq!(undefined.len(), 2, "{problems:#?}");
    let password = undefined
        .iter()
        .find(|p| p.path() == "harbor-config.auth.password")
        .unwrap();
    assert!(password.message().contains("harbor_password"));
    assert_eq!(password.position().unwrap().line, 3);
    for text in [
        error.to_string(),
        format!("{error:?}"),
        format!("{macros:?}"),
    ] {
        for secret in [
            "SystemScope1",
            "TenantScope1",
            "ProjectScope1",
            "10.9.9.9",
            "edge-42",
        ] {
            assert!(!text.contains(secret), "{secret} leaked into: {text}");
        }
    }
}

#[test]
fn a_macro_value_with_yaml_syntax_stays_one_string() {
    let mut macros = macros();
    let hostile = "Aa1\"\n---\nkind: ClusterRoleBinding\n{{ x }}";
    macros.insert(MacroScope::Project, "harbor_password", hostile);
    assert_eq!(password(&macros), hostile);
}
