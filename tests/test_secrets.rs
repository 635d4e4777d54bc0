//! Secrets never show in Debug, Display or error text.

use harbor_edge::{Macros, PackInput, SecretString};

const SENTINEL: &str = "Sentinel9PasswordXyz";

#[test]
fn config_debug_does_not_contain_the_password() {
    let text = format!(
        "harbor-config:\n  auth:\n    password: {SENTINEL}\ncluster: {{uid: a, vip: 10.0.0.5}}\n"
    );
    let input = PackInput::from_yaml_str(&text).unwrap();
    let validated = input.resolve(&Macros::new()).unwrap();
    let config = &validated.config;
    assert_eq!(
        config.auth().password().unwrap().secret().expose(),
        SENTINEL
    );
    for shown in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{validated:?}"),
        format!("{input:?}"),
        harbor_edge::EffectiveParameters::from(config).to_yaml(),
    ] {
        assert!(!shown.contains(SENTINEL), "leaked: {shown}");
    }
}

#[test]
fn password_problems_never_quote_the_password() {
    for bad in ["sentinelpw", "SENTINELPW", "Sentinelpw", "x"] {
        let text = format!(
            "harbor-config:\n  auth:\n    password: {bad}\ncluster: {{uid: a, vip: 10.0.0.5}}\n"
        );
        let error = PackInput::from_yaml_str(&text)
            .unwrap()
            .resolve(&Macros::new())
            .unwrap_err();
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(!shown.contains(bad), "{bad} leaked: {shown}");
        }
    }
    // A password of the wrong type must not be quoted either.
    let error = PackInput::from_yaml_str(
        "harbor-config:\n  auth:\n    password: [Sentinel9Password]\ncluster: {uid: a, vip: 10.0.0.5}\n",
    )
    .unwrap()
    .resolve(&Macros::new())
    .unwrap_err();
    assert!(!format!("{error} {error:?}").contains("Sentinel9Password"));
}

#[test]
fn secret_string_redacts_itself() {
    let secret = SecretString::new(SENTINEL);
    assert_eq!(format!("{secret}"), "<redacted>");
    assert_eq!(format!("{secret:?}"), "<redacted>");
    assert_eq!(serde_json::to_string(&secret).unwrap(), "\"<redacted>\"");
    assert_eq!(secret.expose(), SENTINEL);
}
