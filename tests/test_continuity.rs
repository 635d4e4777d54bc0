//! Continuity (SPEC 4.1) and custody (SPEC 4.2) through the command line: credentials are
//! state, kept from one render to the next, replaced only when `--rotate` names them, and
//! every generation is said on stderr. The node files and the cluster objects always come
//! from one set of credentials.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use serde::Deserialize as _;

const EXAMPLE: &str = "examples/minimal.yaml";

struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_harbor-edge"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    Run {
        code: output.status.code(),
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn ok(dir: &Path, args: &[&str]) -> Run {
    let result = run(dir, args);
    assert_eq!(result.code, Some(0), "{args:?}: {}", result.stderr);
    result
}

/// A work folder holding the minimal example.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLE);
    std::fs::copy(example, dir.path().join("minimal.yaml")).unwrap();
    dir
}

/// Every file under `dir` with its bytes, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                collect(root, &path, files);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut found = BTreeMap::new();
    collect(dir, dir, &mut found);
    found
}

/// The documents of a YAML stream.
fn documents(text: &[u8]) -> Vec<serde_yaml::Value> {
    serde_yaml::Deserializer::from_slice(text)
        .map(|document| serde_yaml::Value::deserialize(document).unwrap())
        .filter(|document| !document.is_null())
        .collect()
}

/// A Secret value from a stream, base64-decoded.
fn secret_value(stream: &[u8], name: &str, key: &str) -> String {
    let documents = documents(stream);
    let secret = documents
        .iter()
        .find(|document| document["kind"] == "Secret" && document["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("Secret {name}"));
    let encoded = secret["data"][key].as_str().expect("a data value");
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap(),
    )
    .unwrap()
}

/// The login `registries.yaml` gives the nodes for the local Harbor, if any: `(username,
/// password)`.
fn node_login(node: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(node.join("registries.yaml")).unwrap();
    let value: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let configs = value["configs"].as_mapping().expect("configs");
    let (_, entry) = configs.iter().next().expect("one endpoint");
    let auth = entry.get("auth")?;
    Some((
        auth["username"].as_str().unwrap().to_owned(),
        auth["password"].as_str().unwrap().to_owned(),
    ))
}

/// Whether any file under `dir` holds `text`.
fn any_file_holds(dir: &Path, text: &str) -> bool {
    files(dir)
        .values()
        .any(|bytes| String::from_utf8_lossy(bytes).contains(text))
}

#[test]
fn the_readme_order_cluster_then_node_never_gives_a_mismatched_pair() {
    for layout in ["proxy-cache", "spectro-images"] {
        let dir = workspace();
        let layout_args = ["--mirror-layout", layout];
        let cluster = ok(
            dir.path(),
            &[
                &["render", "minimal.yaml", "--target", "k3s"][..],
                &layout_args,
            ]
            .concat(),
        );
        std::fs::write(dir.path().join("cluster.yaml"), &cluster.stdout).unwrap();

        // Without the cluster's credentials, the node target refuses, with the ways to give
        // them, naming what would be made up.
        let refused = run(
            dir.path(),
            &[
                &[
                    "render",
                    "minimal.yaml",
                    "--target",
                    "node",
                    "--out",
                    "node",
                ][..],
                &layout_args,
            ]
            .concat(),
        );
        assert_eq!(refused.code, Some(2), "{layout}: {}", refused.stderr);
        for hint in ["--existing", "--target k3s,node", "the CA (ca.crt)"] {
            assert!(
                refused.stderr.contains(hint),
                "{layout}: {}",
                refused.stderr
            );
        }
        assert_eq!(
            refused.stderr.contains("the robot secret"),
            layout == "spectro-images",
            "{layout}: {}",
            refused.stderr
        );
        assert!(
            !refused.stderr.contains("admin password"),
            "{}",
            refused.stderr
        );
        assert!(!dir.path().join("node/ca.crt").exists());

        // With them, the nodes trust the cluster's CA and log in (private spectro-images) with
        // its robot secret; no node file holds the admin password.
        let node = ok(
            dir.path(),
            &[
                &[
                    "render",
                    "minimal.yaml",
                    "--target",
                    "node",
                    "--existing",
                    "cluster.yaml",
                    "--out",
                    "node",
                ][..],
                &layout_args,
            ]
            .concat(),
        );
        assert!(!node.stderr.contains("note: generated"), "{}", node.stderr);
        let ca = std::fs::read_to_string(dir.path().join("node/ca.crt")).unwrap();
        assert_eq!(ca, secret_value(&cluster.stdout, "harbor-tls", "ca.crt"));
        let login = node_login(&dir.path().join("node"));
        if layout == "spectro-images" {
            let robot = secret_value(&cluster.stdout, "harbor-pull-robot", "HARBOR_ROBOT_SECRET");
            assert_eq!(
                login,
                Some(("robot$spectro-images+edge-nodes".to_owned(), robot))
            );
        } else {
            assert_eq!(login, None, "proxy-cache projects are public");
        }
        let admin = secret_value(
            &cluster.stdout,
            "harbor-admin-password",
            "HARBOR_ADMIN_PASSWORD",
        );
        assert!(
            !any_file_holds(&dir.path().join("node"), &admin),
            "{layout}"
        );
    }
}

#[test]
fn the_cluster_folder_feeds_the_node_target_and_is_never_overwritten_by_it() {
    let dir = workspace();
    ok(
        dir.path(),
        &[
            "render",
            "minimal.yaml",
            "--target",
            "k3s",
            "--out",
            "manifests",
        ],
    );
    let cluster = files(&dir.path().join("manifests"));
    let tls = &cluster["10-secret-harbor-tls.yaml"];

    // The node target into the cluster's own folder would remove the only copy of the
    // cluster's Secrets: refused, and the folder stays as it was.
    let refused = run(
        dir.path(),
        &[
            "render",
            "minimal.yaml",
            "--target",
            "node",
            "--out",
            "manifests",
        ],
    );
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--existing") && refused.stderr.contains("nothing was written"),
        "{}",
        refused.stderr
    );
    assert_eq!(files(&dir.path().join("manifests")), cluster);

    // The folder itself is a source for --existing: the nodes get the cluster's CA.
    let node = ok(
        dir.path(),
        &[
            "render",
            "minimal.yaml",
            "--target",
            "node",
            "--existing",
            "manifests",
            "--out",
            "node",
        ],
    );
    assert!(!node.stderr.contains("note: generated"), "{}", node.stderr);
    let ca = std::fs::read_to_string(dir.path().join("node/ca.crt")).unwrap();
    assert_eq!(ca, secret_value(tls, "harbor-tls", "ca.crt"));
    assert_eq!(files(&dir.path().join("manifests")), cluster);
}

#[test]
fn the_node_target_alone_refuses_a_robot_secret_the_cluster_has_not_got() {
    // A cluster rendered in the proxy-cache layout has no robot Secret: its CA is enough for
    // nodes of the same layout, not for nodes logging in to a private spectro-images project.
    let dir = workspace();
    let cluster = ok(dir.path(), &["render", "minimal.yaml", "--target", "k3s"]);
    std::fs::write(dir.path().join("cluster.yaml"), &cluster.stdout).unwrap();
    let node = |args: &[&str]| {
        run(
            dir.path(),
            &[
                &[
                    "render",
                    "minimal.yaml",
                    "--target",
                    "node",
                    "--existing",
                    "cluster.yaml",
                    "--out",
                    "node",
                ][..],
                args,
            ]
            .concat(),
        )
    };
    let refused = node(&["--mirror-layout", "spectro-images"]);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("the robot secret (registries.yaml)"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains("the CA"), "{}", refused.stderr);
    assert!(!dir.path().join("node").exists());
    // Public: no login, nothing to refuse.
    let public = node(&[
        "--mirror-layout",
        "spectro-images",
        "--spectro-images-public",
    ]);
    assert_eq!(public.code, Some(0), "{}", public.stderr);
    assert_eq!(node_login(&dir.path().join("node")), None);
}

#[test]
fn one_run_writes_cluster_and_node_from_one_set_of_credentials() {
    let dir = workspace();
    let first = ok(
        dir.path(),
        &[
            "render",
            "minimal.yaml",
            "--target",
            "k3s,node",
            "--out",
            "out",
        ],
    );
    assert!(first.stderr.contains("note: generated"), "{}", first.stderr);
    let out = dir.path().join("out");
    let tls = std::fs::read(out.join("k3s/10-secret-harbor-tls.yaml")).unwrap();
    let ca = std::fs::read_to_string(out.join("node/ca.crt")).unwrap();
    assert_eq!(ca, secret_value(&tls, "harbor-tls", "ca.crt"));
    let admin = std::fs::read(out.join("k3s/11-secret-harbor-admin-password.yaml")).unwrap();
    let admin = secret_value(&admin, "harbor-admin-password", "HARBOR_ADMIN_PASSWORD");
    assert!(!any_file_holds(&out.join("node"), &admin));
    assert_eq!(node_login(&out.join("node")), None);

    // The mirror options reach every target: the private Palette layout gives the cluster its
    // robot Secret and the nodes the robot's login, from the same run.
    ok(
        dir.path(),
        &[
            "render",
            "minimal.yaml",
            "--target",
            "k3s,node",
            "--mirror-layout",
            "spectro-images",
            "--mirror",
            "registry.example.com:5000",
            "--out",
            "palette",
        ],
    );
    let palette = dir.path().join("palette");
    let robot = std::fs::read(palette.join("k3s/17-secret-harbor-pull-robot.yaml")).unwrap();
    let robot = secret_value(&robot, "harbor-pull-robot", "HARBOR_ROBOT_SECRET");
    assert_eq!(
        node_login(&palette.join("node")).map(|(_, password)| password),
        Some(robot)
    );
    let registries = std::fs::read_to_string(palette.join("node/registries.yaml")).unwrap();
    assert!(registries.contains("spectro-images/registry.example.com-5000/$1"));
    let config_map = files(&palette.join("k3s"))
        .into_iter()
        .find(|(name, _)| name.contains("configmap-harbor-bootstrap-"))
        .map(|(_, text)| text)
        .expect("the bootstrap ConfigMap");
    let config_map: serde_yaml::Value = serde_yaml::from_slice(&config_map).unwrap();
    let job_config: serde_json::Value =
        serde_json::from_str(config_map["data"]["config.json"].as_str().unwrap()).unwrap();
    assert_eq!(job_config["layout"], "spectro-images");
    assert_eq!(job_config["palette"]["public"], false);
    assert_eq!(job_config["palette"]["robot"], "edge-nodes");
    // Several targets need a folder.
    let refused = run(
        dir.path(),
        &["render", "minimal.yaml", "--target", "k3s,node"],
    );
    assert_eq!(refused.code, Some(2));
    assert!(refused.stderr.contains("--out"), "{}", refused.stderr);

    // The node target alone, into a folder holding the cluster's render, keeps its CA.
    ok(
        dir.path(),
        &[
            "render",
            "minimal.yaml",
            "--target",
            "k3s",
            "--out",
            "cluster",
        ],
    );
    let cluster_tls = std::fs::read(dir.path().join("cluster/10-secret-harbor-tls.yaml")).unwrap();
    ok(
        dir.path(),
        &[
            "render",
            "minimal.yaml",
            "--target",
            "k3s,node",
            "--out",
            "cluster",
        ],
    );
    let ca = std::fs::read_to_string(dir.path().join("cluster/node/ca.crt")).unwrap();
    assert_eq!(ca, secret_value(&cluster_tls, "harbor-tls", "ca.crt"));
}

#[test]
fn two_renders_into_one_folder_keep_every_secret_byte_for_byte() {
    for target in ["k3s", "helm"] {
        let dir = workspace();
        let args = ["render", "minimal.yaml", "--target", target, "--out", "out"];
        let first = ok(dir.path(), &args);
        assert!(first.stderr.contains("note: generated"), "{}", first.stderr);
        assert!(first.stderr.contains("kept in out"), "{}", first.stderr);
        let before = files(&dir.path().join("out"));
        let second = ok(dir.path(), &args);
        assert_eq!(files(&dir.path().join("out")), before, "{target}");
        assert!(
            second.stderr.contains("reused the credentials"),
            "{}",
            second.stderr
        );
        assert!(!second.stderr.contains("generated"), "{}", second.stderr);
        assert!(!second.stderr.contains("warning"), "{}", second.stderr);
        // validate reads the folder the same way and finds nothing to say.
        let checked = ok(dir.path(), &["validate", "minimal.yaml", "--out", "out"]);
        assert!(checked.stderr.is_empty(), "{}", checked.stderr);
    }
}

#[test]
fn rotate_replaces_only_what_it_names_and_says_so() {
    let dir = workspace();
    let args = ["render", "minimal.yaml", "--out", "out"];
    ok(dir.path(), &args);
    let before = files(&dir.path().join("out"));
    let rotated = ok(
        dir.path(),
        &[&args[..], &["--rotate", "admin-password"]].concat(),
    );
    assert!(
        rotated
            .stderr
            .contains("note: rotated (--rotate): the admin password"),
        "{}",
        rotated.stderr
    );
    assert!(
        rotated
            .stderr
            .contains("Harbor reads it on its first start only"),
        "{}",
        rotated.stderr
    );
    let after = files(&dir.path().join("out"));
    let changed: Vec<&String> = after
        .iter()
        .filter(|(name, text)| before.get(*name) != Some(text))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        changed,
        [
            "11-secret-harbor-admin-password.yaml",
            "12-secret-registry-info.yaml"
        ]
    );

    // The CA: a new CA and server certificate (and the Secrets that carry them), nothing else.
    let before = after;
    let rotated = ok(dir.path(), &[&args[..], &["--rotate", "ca"]].concat());
    assert!(
        rotated.stderr.contains("the CA and the server certificate"),
        "{}",
        rotated.stderr
    );
    let after = files(&dir.path().join("out"));
    let changed: Vec<&String> = after
        .iter()
        .filter(|(name, text)| before.get(*name) != Some(text))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        changed,
        [
            "10-secret-harbor-ca-download.yaml",
            "10-secret-harbor-tls.yaml",
            "12-secret-harbor-ca.yaml"
        ]
    );
    let unknown = run(
        dir.path(),
        &[&args[..], &["--rotate", "everything"]].concat(),
    );
    assert_eq!(unknown.code, Some(2));
    assert!(
        unknown.stderr.contains("admin-password"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn existing_files_that_yield_nothing_are_named_in_a_warning() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("junk.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("values.yaml"),
        "expose: {type: nodePort}\nharborAdminPassword: Harbor12345\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("elsewhere.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata: {name: harbor-tls, namespace: default}\n\
         stringData: {tls.crt: x, tls.key: y}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("empty.yaml"), "").unwrap();
    let cases = [
        ("junk.yaml", "ConfigMap default/settings"),
        ("values.yaml", "a document without a kind"),
        ("elsewhere.yaml", "harbor-tls is in namespace default"),
        ("empty.yaml", "an empty file"),
    ];
    for (file, named) in cases {
        for command in ["render", "validate"] {
            let result = ok(
                dir.path(),
                &[command, "minimal.yaml", "--existing", file, "--seed", "4"],
            );
            let warning = result
                .stderr
                .lines()
                .find(|line| line.starts_with("warning:") && line.contains(file))
                .unwrap_or_else(|| panic!("{command} {file}: {}", result.stderr));
            assert!(warning.contains(named), "{command} {file}: {warning}");
            assert!(warning.contains("Nothing in it was reused"), "{warning}");
        }
    }
}

#[test]
fn a_ca_key_left_in_harbor_tls_moves_to_harbor_ca_with_a_warning() {
    let dir = workspace();
    let stream = ok(dir.path(), &["render", "minimal.yaml", "--seed", "8"]).stdout;
    // An earlier version's layout: ca.key in harbor-tls, no harbor-ca.
    let ca_key = secret_value(&stream, "harbor-ca", "ca.key");
    let mut old: Vec<serde_yaml::Value> = documents(&stream)
        .into_iter()
        .filter(|document| document["metadata"]["name"] != "harbor-ca")
        .collect();
    for document in &mut old {
        if document["metadata"]["name"] == "harbor-tls" {
            let data = document["data"].as_mapping_mut().unwrap();
            data.insert(
                "ca.key".into(),
                base64::engine::general_purpose::STANDARD
                    .encode(&ca_key)
                    .into(),
            );
        }
    }
    let old: String = old
        .iter()
        .map(|document| format!("---\n{}", serde_yaml::to_string(document).unwrap()))
        .collect();
    std::fs::write(dir.path().join("old.yaml"), old).unwrap();
    let moved = ok(
        dir.path(),
        &["render", "minimal.yaml", "--existing", "old.yaml"],
    );
    assert!(
        moved
            .stderr
            .lines()
            .any(|line| line.starts_with("warning:") && line.contains("moves out of harbor-tls")),
        "{}",
        moved.stderr
    );
    assert!(
        !moved.stderr.contains("note: generated"),
        "{}",
        moved.stderr
    );
    assert_eq!(secret_value(&moved.stdout, "harbor-ca", "ca.key"), ca_key);
    let tls = documents(&moved.stdout)
        .into_iter()
        .find(|document| document["metadata"]["name"] == "harbor-tls")
        .unwrap();
    assert!(tls["data"].get("ca.key").is_none());
    // Everything else is as it was.
    assert_eq!(moved.stdout, stream);
}

#[test]
fn a_render_to_stdout_says_the_credentials_exist_only_in_its_output() {
    let dir = workspace();
    let result = ok(dir.path(), &["render", "minimal.yaml"]);
    assert!(
        result.stderr.contains("note: generated"),
        "{}",
        result.stderr
    );
    assert!(result.stderr.contains("--existing"), "{}", result.stderr);
    // Passed back, nothing is generated.
    std::fs::write(dir.path().join("cluster.yaml"), &result.stdout).unwrap();
    let again = ok(
        dir.path(),
        &["render", "minimal.yaml", "--existing", "cluster.yaml"],
    );
    assert_eq!(again.stdout, result.stdout);
    assert!(again.stderr.is_empty(), "{}", again.stderr);
}

#[test]
fn every_rotation_name_is_documented_in_help_and_readme() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let help = ok(Path::new(env!("CARGO_MANIFEST_DIR")), &["render", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    for (name, _) in harbor_edge::Rotatable::ALL {
        assert!(
            readme.contains(&format!("`{name}`")),
            "README lacks `{name}`"
        );
        assert!(help.contains(name), "--help lacks {name}");
    }
}

#[test]
fn rotating_the_robot_secret_renames_the_bootstrap_job_and_changes_nothing_else() {
    let dir = workspace();
    let args = [
        "render",
        "minimal.yaml",
        "--target",
        "k3s,node",
        "--mirror-layout",
        "spectro-images",
        "--out",
        "out",
    ];
    let first = ok(dir.path(), &args);
    assert!(
        first.stderr.contains("the robot secret"),
        "generated, and said: {}",
        first.stderr
    );
    let before = files(&dir.path().join("out"));
    let again = ok(dir.path(), &args);
    assert!(!again.stderr.contains("generated"), "{}", again.stderr);
    assert_eq!(files(&dir.path().join("out")), before, "kept byte for byte");

    let rotated = ok(
        dir.path(),
        &[&args[..], &["--rotate", "robot-secret"]].concat(),
    );
    assert!(
        rotated
            .stderr
            .contains("note: rotated (--rotate): the robot secret"),
        "{}",
        rotated.stderr
    );
    let after = files(&dir.path().join("out"));
    let differ = |a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>| -> Vec<String> {
        a.iter()
            .filter(|(name, text)| b.get(*name) != Some(text))
            .map(|(name, _)| name.clone())
            .collect()
    };
    let changed = differ(&after, &before);
    let removed = differ(&before, &after);
    let bootstrap = |names: &[String]| {
        names
            .iter()
            .filter(|name| name.contains("harbor-bootstrap-"))
            .count()
    };
    // The Secret and the nodes' login; a new ConfigMap and Job in place of the old ones (the
    // Job's name follows the secret, so the next apply sets it in Harbor), and the folder's
    // list of its files with their names.
    assert_eq!(bootstrap(&changed), 2, "{changed:?}");
    assert_eq!(bootstrap(&removed), 2, "{removed:?}");
    let others: Vec<&String> = changed
        .iter()
        .filter(|name| !name.contains("harbor-bootstrap-"))
        .collect();
    assert_eq!(
        others,
        [
            ".harbor-edge-files",
            "k3s/17-secret-harbor-pull-robot.yaml",
            "node/registries.yaml"
        ]
    );
    let robot = secret_value(
        &after["k3s/17-secret-harbor-pull-robot.yaml"],
        "harbor-pull-robot",
        "HARBOR_ROBOT_SECRET",
    );
    let old = secret_value(
        &before["k3s/17-secret-harbor-pull-robot.yaml"],
        "harbor-pull-robot",
        "HARBOR_ROBOT_SECRET",
    );
    assert_ne!(robot, old);
    assert_eq!(
        node_login(&dir.path().join("out/node")).map(|(_, password)| password),
        Some(robot)
    );
}
