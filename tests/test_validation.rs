//! Validation through the library: every problem at once, as values a caller can match on.

use harbor_edge::{
    Diagnostic, DiagnosticKind, DocumentForm, Error, Macros, PackInput, Position, ServiceType,
};

const BAD: &str = include_str!("inputs/bad.yaml");

fn problems(text: &str) -> Vec<Diagnostic> {
    let input = PackInput::from_yaml_str(text).expect("the text is YAML");
    match input.resolve(&Macros::new()) {
        Err(Error::Invalid(problems)) => problems.as_slice().to_vec(),
        other => panic!("expected Error::Invalid, got {other:?}"),
    }
}

fn find<'a>(problems: &'a [Diagnostic], path: &str) -> &'a Diagnostic {
    problems
        .iter()
        .find(|problem| problem.path() == path)
        .unwrap_or_else(|| panic!("no problem at {path}: {problems:#?}"))
}

#[test]
fn reports_all_six_problems_of_the_bad_file_with_kind_path_and_line() {
    let problems = problems(BAD);
    let expected = [
        (
            "harbor-config.auth.password",
            DiagnosticKind::PasswordPolicy,
            4,
        ),
        (
            "harbor-config.service.serviceTpye",
            DiagnosticKind::UnknownKey,
            6,
        ),
        (
            "harbor-config.service.harbor.https.nodePort",
            DiagnosticKind::NodePortOutsideRange,
            9,
        ),
        (
            "harbor-config.service.harbor.http.nodePort",
            DiagnosticKind::DuplicateNodePort,
            11,
        ),
        (
            "harbor-config.storage.registry",
            DiagnosticKind::InvalidSize,
            13,
        ),
        ("cluster.uid", DiagnosticKind::InvalidClusterUid, 15),
    ];
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    for (path, kind, line) in expected {
        let problem = find(&problems, path);
        assert_eq!(problem.kind(), kind, "{path}");
        assert_eq!(problem.position().map(|p| p.line), Some(line), "{path}");
        assert!(problem.hint().is_some(), "{path} has a hint");
    }
    let typo = find(&problems, "harbor-config.service.serviceTpye");
    assert_eq!(typo.position(), Some(Position { line: 6, column: 5 }));
    assert!(typo.hint().unwrap().contains("`serviceType`"));
    // Source order.
    let lines: Vec<usize> = problems
        .iter()
        .map(|p| p.position().unwrap().line)
        .collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
}

#[test]
fn empty_harbor_config_gets_every_default() {
    let text = "harbor-config:\ncluster: {uid: edge1, vip: 10.0.0.5}\n";
    let validated = PackInput::from_yaml_str(text)
        .unwrap()
        .resolve(&Macros::new())
        .unwrap();
    let config = validated.config;
    assert_eq!(config.service().service_type(), ServiceType::NodePort);
    assert_eq!(config.service().https().port().get(), 443);
    assert_eq!(config.service().https().node_port().get(), 30003);
    assert_eq!(config.service().http().port().get(), 80);
    assert_eq!(config.service().http().node_port().get(), 30002);
    assert!(!config.service().metrics().enabled());
    assert!(!config.service().metrics().service_monitor());
    let storage = config.storage();
    assert_eq!(
        [
            storage.registry().get(),
            storage.job_service().get(),
            storage.database().get(),
            storage.redis().get(),
            storage.trivy().get()
        ],
        [120, 5, 10, 5, 20]
    );
    assert_eq!(storage.total_gb(), 160);
    assert!(validated.warnings.is_empty());
}

#[test]
fn pack_wrapped_form_reports_positions_in_the_pack_document() {
    let text = "\
pack:
  namespace: harbor
charts:
  harbor-edge-native-config:
    harbor-config:
      service:
        serviceType: NodePrt
cluster:
  uid: edge1
  vip: 10.0.0.5
";
    let input = PackInput::from_yaml_str(text).unwrap();
    assert_eq!(input.form(), DocumentForm::Pack);
    let problems = match input.resolve(&Macros::new()) {
        Err(Error::Invalid(problems)) => problems.as_slice().to_vec(),
        other => panic!("{other:?}"),
    };
    let problem = find(&problems, "harbor-config.service.serviceType");
    assert_eq!(problem.kind(), DiagnosticKind::OutOfRange);
    assert_eq!(problem.position().unwrap().line, 7);
    assert!(problem.hint().unwrap().contains("NodePort"));
}

#[test]
fn storage_under_160_gb_is_a_warning_beside_the_result() {
    let text = "harbor-config:\n  storage:\n    registry: 50Gi\ncluster: {uid: a, vip: 10.0.0.5}\n";
    let validated = PackInput::from_yaml_str(text)
        .unwrap()
        .resolve(&Macros::new())
        .unwrap();
    assert_eq!(validated.config.storage().registry().get(), 50);
    assert_eq!(validated.warnings.len(), 1);
    assert_eq!(
        validated.warnings[0].kind(),
        DiagnosticKind::StorageBelowRecommended
    );
    assert_eq!(validated.warnings[0].path(), "harbor-config.storage");
}

#[test]
fn cluster_context_is_required_and_checked() {
    let problems = problems(
        "harbor-config: {}\ncluster:\n  vip: 300.1.1.1\n  nodeIps: [10.0.0.1, nope]\n  nodePortRange: 40000-30000\n",
    );
    assert_eq!(
        find(&problems, "cluster.uid").kind(),
        DiagnosticKind::Missing
    );
    assert_eq!(
        find(&problems, "cluster.vip").kind(),
        DiagnosticKind::InvalidIpAddress
    );
    assert_eq!(
        find(&problems, "cluster.nodeIps.1").kind(),
        DiagnosticKind::InvalidIpAddress
    );
    assert_eq!(
        find(&problems, "cluster.nodePortRange").kind(),
        DiagnosticKind::InvalidNodePortRange
    );
}

#[test]
fn cli_overrides_replace_the_document_cluster() {
    let mut input =
        PackInput::from_yaml_str("harbor-config: {}\ncluster: {uid: Bad_Uid, vip: x}\n").unwrap();
    input.set_cluster_uid("edge-7");
    input.set_cluster_vip("fd00::7");
    let config = input.resolve(&Macros::new()).unwrap().config;
    assert_eq!(config.cluster().uid().as_str(), "edge-7");
    assert_eq!(config.cluster().vip().to_string(), "fd00::7");
}

#[test]
fn a_custom_node_port_range_moves_the_accepted_ports() {
    let text = "harbor-config:\n  service:\n    harbor:\n      https: {nodePort: 8443}\n      http: {nodePort: 8080}\ncluster: {uid: a, vip: 10.0.0.5, nodePortRange: 8000-9000}\n";
    let config = PackInput::from_yaml_str(text)
        .unwrap()
        .resolve(&Macros::new())
        .unwrap()
        .config;
    assert_eq!(config.service().https().node_port().get(), 8443);
}

#[test]
fn wrong_types_and_password_classes_are_reported() {
    let text = "harbor-config:\n  auth:\n    password: alllowercase1\n  service:\n    harbor:\n      https: {port: \"443\"}\n    metrics: {enabled: yes please}\ncluster: {uid: a, vip: 10.0.0.5}\n";
    let problems = problems(text);
    assert_eq!(
        find(&problems, "harbor-config.auth.password").kind(),
        DiagnosticKind::PasswordPolicy
    );
    assert_eq!(
        find(&problems, "harbor-config.service.harbor.https.port").kind(),
        DiagnosticKind::WrongType
    );
    assert_eq!(
        find(&problems, "harbor-config.service.metrics.enabled").kind(),
        DiagnosticKind::WrongType
    );
}

#[test]
fn certificate_without_key_is_reported() {
    let text = "harbor-config:\n  auth:\n    certs:\n      cert: \"-----BEGIN CERTIFICATE-----\"\ncluster: {uid: a, vip: 10.0.0.5}\n";
    let problems = problems(text);
    assert_eq!(
        find(&problems, "harbor-config.auth.certs.key").kind(),
        DiagnosticKind::IncompleteCertificate
    );
}

#[test]
fn broken_yaml_is_a_syntax_error_with_a_position() {
    let error = PackInput::from_yaml_str("harbor-config:\n  service: [\n").unwrap_err();
    match error {
        Error::Syntax { position, .. } => assert!(position.is_some()),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        PackInput::from_yaml_str("just: text\n"),
        Err(Error::Document { .. })
    ));
}

fn node_ips_document(count: usize) -> String {
    let items = vec!["not-an-ip"; count].join(", ");
    format!("harbor-config: {{}}\ncluster:\n  uid: a\n  vip: 10.0.0.5\n  nodeIps: [{items}]\n")
}

#[test]
fn problems_past_the_limit_are_counted_not_kept() {
    let error = PackInput::from_yaml_str(&node_ips_document(120))
        .expect("YAML")
        .resolve(&Macros::new())
        .unwrap_err();
    assert_eq!(error.kind(), harbor_edge::ErrorKind::Invalid);
    let problems = error.problems().expect("problems");
    assert_eq!(problems.len(), 51);
    assert_eq!(problems.total(), 120);
    let paths: Vec<String> = problems.iter().map(|p| p.path().to_string()).collect();
    let first_fifty: Vec<String> = (0..50).map(|i| format!("cluster.nodeIps.{i}")).collect();
    assert_eq!(paths[..50], first_fifty);
    let omitted = &problems.as_slice()[50];
    assert_eq!(omitted.kind(), DiagnosticKind::Omitted { count: 70 });
    assert_eq!(omitted.path(), "cluster.nodeIps");
    let shown = error.to_string();
    assert!(shown.starts_with("120 problems in the input"), "{shown}");
    assert!(shown.ends_with("- and 70 more problems (the first 50 by position are listed)"));
    assert_eq!(shown.matches("\n- cluster.nodeIps.").count(), 50);
}

#[test]
fn the_problem_limit_is_a_setting_and_display_still_lists_fifty() {
    let limits = harbor_edge::InputLimits {
        max_problems: 500,
        ..harbor_edge::InputLimits::default()
    };
    let error = PackInput::from_yaml_str_with_limits(&node_ips_document(120), limits)
        .expect("YAML")
        .resolve(&Macros::new())
        .unwrap_err();
    let problems = error.problems().expect("problems");
    assert_eq!((problems.len(), problems.total()), (120, 120));
    assert!(
        problems
            .iter()
            .all(|p| !matches!(p.kind(), DiagnosticKind::Omitted { .. }))
    );
    let shown = error.to_string();
    assert_eq!(shown.matches("\n- cluster.nodeIps.").count(), 50);
    assert!(shown.ends_with("- and 70 more problems (the first 50 by position are listed)"));
}

#[test]
fn error_kinds_follow_what_happened() {
    use harbor_edge::{ErrorKind, InputLimits};
    let kind = |text: &str| match PackInput::from_yaml_str(text) {
        Ok(input) => input
            .resolve(&Macros::new())
            .map(|_| ())
            .unwrap_err()
            .kind(),
        Err(error) => error.kind(),
    };
    assert_eq!(kind("harbor-config:\n  service: [\n"), ErrorKind::Syntax);
    assert_eq!(kind("just: text\n"), ErrorKind::Invalid);
    assert_eq!(kind("harbor-config:\n  a: 1\n  a: 2\n"), ErrorKind::Invalid);
    assert_eq!(kind("harbor-config: {}\n"), ErrorKind::Invalid);
    let small = InputLimits {
        max_bytes: 4,
        ..InputLimits::default()
    };
    let error = PackInput::from_yaml_str_with_limits("harbor-config: {}\n", small).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Limit);
    assert!(ErrorKind::Limit.is_invalid_input());
    assert!(!ErrorKind::Io.is_invalid_input() && !ErrorKind::Usage.is_invalid_input());
}

#[test]
fn whole_numbers_written_as_floats_are_integers() {
    let text = "harbor-config:\n  service:\n    harbor:\n      https: {port: 8443.0, nodePort: 3.0003e4}\n  storage: {registry: 1e3, trivy: 120.0}\ncluster: {uid: a, vip: 10.0.0.5}\n";
    let config = PackInput::from_yaml_str(text)
        .expect("YAML")
        .resolve(&Macros::new())
        .expect("valid")
        .config;
    assert_eq!(config.service().https().port().get(), 8443);
    assert_eq!(config.service().https().node_port().get(), 30003);
    assert_eq!(config.storage().registry().get(), 1000);
    assert_eq!(config.storage().trivy().get(), 120);
    // Past 64 bits, or with a fraction: a problem at the path, never a model mismatch.
    let text = "harbor-config:\n  service:\n    harbor:\n      https: {port: 1e30, nodePort: 30003.5}\n  storage: {registry: -1e30, trivy: .inf}\ncluster: {uid: a, vip: 10.0.0.5}\n";
    let problems = problems(text);
    for path in [
        "harbor-config.service.harbor.https.port",
        "harbor-config.service.harbor.https.nodePort",
        "harbor-config.storage.registry",
        "harbor-config.storage.trivy",
    ] {
        assert!(find(&problems, path).position().is_some(), "{path}");
    }
    assert!(
        problems.iter().all(|p| !p.path().is_root()),
        "{problems:#?}"
    );
}

#[test]
fn node_ports_of_other_service_types_are_ignored_with_a_warning() {
    let text = "harbor-config:\n  service:\n    serviceType: LoadBalancer\n    harbor:\n      https: {nodePort: 30002}\n      http: {nodePort: 30002}\ncluster: {uid: a, vip: 10.0.0.5, nodePortRange: 31000-32000}\n";
    let validated = PackInput::from_yaml_str(text)
        .expect("YAML")
        .resolve(&Macros::new())
        .expect("valid: node ports do not apply");
    let warned: Vec<(String, DiagnosticKind)> = validated
        .warnings
        .iter()
        .map(|w| (w.path().to_string(), w.kind()))
        .collect();
    let warned: Vec<(&str, DiagnosticKind)> = warned
        .iter()
        .map(|(path, kind)| (path.as_str(), *kind))
        .collect();
    assert_eq!(
        warned,
        [
            (
                "harbor-config.service.harbor.https.nodePort",
                DiagnosticKind::IgnoredParameter
            ),
            (
                "harbor-config.service.harbor.http.nodePort",
                DiagnosticKind::IgnoredParameter
            ),
        ]
    );
}

#[test]
fn the_password_policy_lists_every_broken_rule() {
    use harbor_edge::AdminPassword;
    use harbor_edge::model::PasswordPolicyError;
    let broken = AdminPassword::check("pass").unwrap_err();
    assert_eq!(
        broken.rules(),
        [
            PasswordPolicyError::Length(4),
            PasswordPolicyError::NoUpperCase,
            PasswordPolicyError::NoDigit
        ]
    );
    assert!(AdminPassword::check("Harbor12345").is_ok());
    let problems = problems(
        "harbor-config:\n  auth: {password: PASSWORD}\ncluster: {uid: a, vip: 10.0.0.5}\n",
    );
    assert_eq!(
        find(&problems, "harbor-config.auth.password").message(),
        "the admin password has no lower-case letter and has no digit"
    );
}

/// What the schema check lets through, the typed model takes: no number in any numeric field
/// ends in a problem without a path (the "schema and model disagree" fallback).
#[test]
fn every_number_in_every_numeric_field_gets_a_placed_answer() {
    let fields = [
        ("service", "harbor:\n      https:\n        port"),
        ("service", "harbor:\n      https:\n        nodePort"),
        ("service", "harbor:\n      http:\n        port"),
        ("service", "harbor:\n      http:\n        nodePort"),
        ("storage", "registry"),
        ("storage", "jobService"),
        ("storage", "database"),
        ("storage", "redis"),
        ("storage", "trivy"),
    ];
    let numbers = [
        "0",
        "1",
        "-1",
        "65535",
        "65536",
        "30003.0",
        "3.0003e4",
        "1e3",
        "1.5",
        "-0.0",
        "4294967296",
        "1e19",
        "1e20",
        "-1e19",
        "18446744073709551615",
        "18446744073709551616",
        "9223372036854775807",
        "-9223372036854775808",
        "-9223372036854775809",
        "0x7531",
        "0o72523",
        "1e308",
        ".inf",
        "-.inf",
        ".nan",
        "99999999999999999999999999999999999999999",
    ];
    for (section, field) in fields {
        for number in numbers {
            let text = format!(
                "harbor-config:\n  {section}:\n    {field}: {number}\ncluster: {{uid: a, vip: 10.0.0.5}}\n"
            );
            let result =
                PackInput::from_yaml_str(&text).and_then(|input| input.resolve(&Macros::new()));
            if let Err(error) = result {
                let problems = error
                    .problems()
                    .unwrap_or_else(|| panic!("{field} = {number}: {error}"));
                for problem in problems {
                    assert!(
                        !problem.path().is_root() && problem.position().is_some(),
                        "{field} = {number}: {problem}"
                    );
                }
            }
        }
    }
}
