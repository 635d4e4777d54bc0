//! Every input case a user met, through the real binary: the exit code and the words a person
//! reads (path, line:column, hint). Fixtures are files in `tests/inputs/cases/`; inputs that
//! cannot be plain text files (other encodings, a 200,000-item list) are written into a temp
//! folder by the case itself.

mod common;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where a case's input comes from.
enum Source {
    /// A file in `tests/inputs/cases/`.
    Fixture(&'static str),
    /// Another file of the repository.
    Repository(&'static str),
    /// Written by the function into the folder given, which returns its path.
    Generated(fn(&Path) -> PathBuf),
}

/// How the case is run.
enum Run {
    /// `harbor-edge <args> <input>`.
    Cli(&'static [&'static str]),
    /// `harbor-edge <args> <input>` with stdout closed before the tool writes to it.
    ClosedStdout(&'static [&'static str]),
    /// `harbor-edge schema`, then the input (read as YAML) checked against that schema:
    /// exit 0 when it conforms, 1 when not.
    Schema,
}

struct Case {
    name: &'static str,
    source: Source,
    run: Run,
    exit: i32,
    /// Fragments the standard output holds.
    stdout: &'static [&'static str],
    /// Fragments the standard error holds.
    stderr: &'static [&'static str],
    /// Fragments the standard error must not hold.
    stderr_lacks: &'static [&'static str],
    /// Largest standard error accepted, in bytes.
    max_stderr: usize,
}

/// No message may send a person to report a bug or to a vague table, or complain about a
/// closed pipe.
const NEVER: &[&str] = &[
    "please report this",
    "parameter table in the README",
    "Broken pipe",
];

const VALIDATE: &[&str] = &["validate"];
const DEFAULTS: &[&str] = &["defaults"];

const CASES: &[Case] = &[
    // Whole numbers written as floats are the integer (YAML 1.2).
    Case {
        name: "nodePort 30003.0 is 30003",
        source: Source::Fixture("float-node-port.yaml"),
        run: Run::Cli(DEFAULTS),
        exit: 0,
        stdout: &["nodePort: 30003"],
        stderr: &[],
        stderr_lacks: &["nodePort"],
        max_stderr: 0,
    },
    Case {
        name: "nodePort 3.0003e4 is 30003",
        source: Source::Fixture("exponent-node-port.yaml"),
        run: Run::Cli(DEFAULTS),
        exit: 0,
        stdout: &["nodePort: 30003"],
        stderr: &[],
        stderr_lacks: &[],
        max_stderr: 0,
    },
    Case {
        name: "registry 1e3 is 1000 GB, trivy 120.0 is 120 GB",
        source: Source::Fixture("float-sizes.yaml"),
        run: Run::Cli(DEFAULTS),
        exit: 0,
        stdout: &["registry: 1000", "trivy: 120"],
        stderr: &[],
        stderr_lacks: &[],
        max_stderr: 0,
    },
    Case {
        name: "a fraction is not a port",
        source: Source::Fixture("fraction-node-port.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &[
            "harbor-config.service.harbor.https.nodePort (line 6:19)",
            "a number with a fraction",
            "write a whole number such as 30003",
        ],
        stderr_lacks: &[],
        max_stderr: 4096,
    },
    // Duplicate keys and numbers beyond 64 bits: path, line of the second occurrence.
    Case {
        name: "duplicate key",
        source: Source::Fixture("duplicate-key.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &[
            "harbor-config.service.serviceType (line 5:5)",
            "duplicate key `serviceType`",
            "already written at line 4:5",
        ],
        stderr_lacks: &["cannot read the input as YAML", "NodePort", "ClusterIP"],
        max_stderr: 4096,
    },
    Case {
        name: "duplicate password in pack values, values never shown",
        source: Source::Fixture("duplicate-password.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &[
            "harbor-config.auth.password (line 9:9)",
            "duplicate key `password`",
            "already written at line 8:9",
        ],
        stderr_lacks: &["Secret-Passw0rd"],
        max_stderr: 4096,
    },
    Case {
        name: "nodePort beyond 64 bits",
        source: Source::Fixture("oversized-node-port.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &[
            "harbor-config.service.harbor.https.nodePort (line 6:19)",
            "out of range",
            "ports are 1 to 65535",
        ],
        stderr_lacks: &["99999999999999999999", "cannot read the input as YAML"],
        max_stderr: 4096,
    },
    // Every broken password rule in one problem.
    Case {
        name: "password `password`: no upper case and no digit",
        source: Source::Fixture("weak-password.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &[
            "1 problem in the input",
            "harbor-config.auth.password (line 4:15)",
            "has no upper-case letter and has no digit",
        ],
        stderr_lacks: &["password: password", "\"password\""],
        max_stderr: 4096,
    },
    Case {
        name: "password `pass`: length, upper case and digit",
        source: Source::Fixture("short-password.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &[
            "1 problem in the input",
            "has 4 characters (Harbor needs 8 to 128), has no upper-case letter and has no digit",
        ],
        stderr_lacks: &["\"pass\""],
        max_stderr: 4096,
    },
    // Node-port rules: NodePort services only, and only on keys the user wrote.
    Case {
        name: "ClusterIP with an https node port: ignored with a warning",
        source: Source::Fixture("cluster-ip-node-port.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 0,
        stdout: &["valid (1 warning)"],
        stderr: &[
            "warning: harbor-config.service.harbor.https.nodePort (line 7:19)",
            "ignored",
            "only when serviceType is NodePort",
        ],
        stderr_lacks: &["http.nodePort", "error"],
        max_stderr: 4096,
    },
    Case {
        name: "https node port meets the http default: reported on the written key",
        source: Source::Fixture("https-meets-http-default.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &[
            "- harbor-config.service.harbor.https.nodePort (line 6:19)",
            "the http node port's default",
            "set `harbor-config.service.harbor.http.nodePort` explicitly",
        ],
        stderr_lacks: &["- harbor-config.service.harbor.http.nodePort"],
        max_stderr: 4096,
    },
    Case {
        name: "default node ports outside a written range: reported on the range",
        source: Source::Fixture("defaults-outside-range.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &[
            "- cluster.nodePortRange (line 6:18)",
            "default 30003",
            "default 30002",
        ],
        stderr_lacks: &["- harbor-config"],
        max_stderr: 4096,
    },
    // The pack wrapper.
    Case {
        name: "pack.namespace other than harbor",
        source: Source::Fixture("pack-namespace.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &[
            "pack.namespace (line 3:14)",
            "is not `harbor`",
            "fixed namespace `harbor`",
        ],
        stderr_lacks: &[],
        max_stderr: 4096,
    },
    Case {
        name: "unknown keys under pack and the chart",
        source: Source::Fixture("pack-unknown-keys.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &[
            "pack.releaseName (line 4:3): unknown key `releaseName` under `pack`",
            "charts.harbor-edge-native-config.replicas (line 8:5)",
        ],
        stderr_lacks: &[],
        max_stderr: 4096,
    },
    Case {
        name: "the schema accepts pack values",
        source: Source::Repository("examples/pack-wrapped.yaml"),
        run: Run::Schema,
        exit: 0,
        stdout: &[],
        stderr: &[],
        stderr_lacks: &[],
        max_stderr: 0,
    },
    Case {
        name: "the schema accepts a bare document",
        source: Source::Repository("examples/minimal.yaml"),
        run: Run::Schema,
        exit: 0,
        stdout: &[],
        stderr: &[],
        stderr_lacks: &[],
        max_stderr: 0,
    },
    Case {
        name: "the schema rejects another pack namespace",
        source: Source::Fixture("pack-namespace.yaml"),
        run: Run::Schema,
        exit: 1,
        stdout: &[],
        stderr: &["/pack/namespace"],
        stderr_lacks: &[],
        max_stderr: 4096,
    },
    Case {
        name: "the schema rejects unknown keys in pack values",
        source: Source::Fixture("pack-unknown-keys.yaml"),
        run: Run::Schema,
        exit: 1,
        stdout: &[],
        stderr: &["releaseName", "replicas"],
        stderr_lacks: &[],
        max_stderr: 4096,
    },
    // Hints in a person's words.
    Case {
        name: "enabled: yes",
        source: Source::Fixture("enabled-yes.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &[
            "harbor-config.service.metrics.enabled (line 5:16)",
            "`yes` is a string in YAML 1.2",
            "write `true` or `false`",
        ],
        stderr_lacks: &[],
        max_stderr: 4096,
    },
    Case {
        name: "harbor_config",
        source: Source::Fixture("misspelt-harbor-config.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &["harbor_config (line 2:1)", "did you mean `harbor-config`?"],
        stderr_lacks: &[],
        max_stderr: 4096,
    },
    Case {
        name: "harbor-edge-native-confg",
        source: Source::Fixture("misspelt-chart.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &[
            "charts.harbor-edge-native-confg (line 5:3)",
            "did you mean `harbor-edge-native-config`?",
        ],
        stderr_lacks: &["is missing"],
        max_stderr: 4096,
    },
    Case {
        name: "values of the wrong type",
        source: Source::Fixture("wrong-types.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &[
            "harbor-config.auth (line 3:9): expected a mapping",
            "`certs`, `password`",
            "harbor-config.service.harbor.https.port (line 6:21): expected a whole number",
            "without quotes, such as 443",
            "harbor-config.storage.storageClass (line 8:19)",
            "put the value in quotes",
            "cluster.nodeIps (line 9:50): expected a list",
        ],
        stderr_lacks: &["README"],
        max_stderr: 4096,
    },
    // Encodings: invalid input (1), not an I/O error (2).
    Case {
        name: "UTF-16 with a byte-order mark",
        source: Source::Generated(utf16_with_bom),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &["utf16-bom.yaml is UTF-16 text", "iconv -f UTF-16 -t UTF-8"],
        stderr_lacks: &[],
        max_stderr: 4096,
    },
    Case {
        name: "UTF-16 without a byte-order mark",
        source: Source::Generated(utf16_without_bom),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &["utf16.yaml is UTF-16 text"],
        stderr_lacks: &[],
        max_stderr: 4096,
    },
    Case {
        name: "Latin-1 bytes",
        source: Source::Generated(latin1),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &["at line 3:6", "latin1.yaml is not UTF-8 text"],
        stderr_lacks: &[],
        max_stderr: 4096,
    },
    // Many problems: capped, small output.
    Case {
        name: "200,000 invalid nodeIps",
        source: Source::Generated(many_bad_node_ips),
        run: Run::Cli(VALIDATE),
        exit: 1,
        stdout: &[],
        stderr: &[
            "200000 problems in the input",
            "- cluster.nodeIps.0 (line 5:13)",
            "- cluster.nodeIps.49 ",
            "and 199950 more problems (the first 50 by position are listed)",
        ],
        stderr_lacks: &["cluster.nodeIps.50 "],
        max_stderr: 16 * 1024,
    },
    // Exit codes by what happened.
    Case {
        name: "an oversized file is invalid input",
        source: Source::Repository("examples/minimal.yaml"),
        run: Run::Cli(&["validate", "--max-input-bytes", "10"]),
        exit: 1,
        stdout: &[],
        stderr: &["input limit", "larger than the limit of 10 bytes"],
        stderr_lacks: &[],
        max_stderr: 4096,
    },
    Case {
        name: "a missing file is an I/O error",
        source: Source::Fixture("no-such-file.yaml"),
        run: Run::Cli(VALIDATE),
        exit: 2,
        stdout: &[],
        stderr: &["no-such-file.yaml"],
        stderr_lacks: &[],
        max_stderr: 4096,
    },
    // A closed stdout ends the run quietly: only the notes on what was generated, no error.
    Case {
        name: "render | head -1",
        source: Source::Generated(many_good_node_ips),
        run: Run::ClosedStdout(&["render", "--seed", "1", "-o", "json"]),
        exit: 0,
        stdout: &[],
        stderr: &["note: generated"],
        stderr_lacks: &["error", "pipe"],
        max_stderr: 512,
    },
];

fn utf16_with_bom(dir: &Path) -> PathBuf {
    let path = dir.join("utf16-bom.yaml");
    let mut bytes = vec![0xff, 0xfe];
    for unit in "harbor-config: {}\ncluster: {uid: a, vip: 10.0.0.5}\n".encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    std::fs::write(&path, bytes).expect("write");
    path
}

fn utf16_without_bom(dir: &Path) -> PathBuf {
    let path = dir.join("utf16.yaml");
    let mut bytes = Vec::new();
    for unit in "harbor-config: {}\ncluster: {uid: a, vip: 10.0.0.5}\n".encode_utf16() {
        bytes.extend(unit.to_be_bytes());
    }
    std::fs::write(&path, bytes).expect("write");
    path
}

fn latin1(dir: &Path) -> PathBuf {
    let path = dir.join("latin1.yaml");
    let mut bytes = b"harbor-config: {}\ncluster: {uid: a, vip: 10.0.0.5}\n# caf".to_vec();
    bytes.extend([0xe9, b'\n']);
    std::fs::write(&path, bytes).expect("write");
    path
}

/// About 800 KB: 200,000 list items that are not IP addresses.
fn many_bad_node_ips(dir: &Path) -> PathBuf {
    let path = dir.join("many-bad-ips.yaml");
    let items = vec!["xy"; 200_000].join(", ");
    let text = format!(
        "harbor-config: {{}}\ncluster:\n  uid: edge-01\n  vip: 10.0.0.1\n  nodeIps: [{items}]\n"
    );
    std::fs::write(&path, text).expect("write");
    path
}

/// Valid, and large enough that the output (the certificate carries every address) does not
/// fit a pipe's buffer: the tool meets the closed pipe whatever the timing.
fn many_good_node_ips(dir: &Path) -> PathBuf {
    let path = dir.join("many-good-ips.yaml");
    let items: Vec<String> = (1..=20_000u32)
        .map(|i| format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255))
        .collect();
    let text = format!(
        "harbor-config: {{}}\ncluster:\n  uid: edge-01\n  vip: 10.0.0.1\n  nodeIps: [{}]\n",
        items.join(", ")
    );
    std::fs::write(&path, text).expect("write");
    path
}

fn input_path(source: &Source, dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    match source {
        Source::Fixture(name) => root.join("tests/inputs/cases").join(name),
        Source::Repository(path) => root.join(path),
        Source::Generated(write) => write(dir),
    }
}

/// Exit code, stdout, stderr.
fn run(case: &Case, input: &Path) -> (i32, String, String) {
    let binary = env!("CARGO_BIN_EXE_harbor-edge");
    match case.run {
        Run::Cli(args) => {
            let output = Command::new(binary)
                .args(args)
                .arg(input)
                .output()
                .expect("the binary runs");
            (
                output.status.code().expect("exited"),
                String::from_utf8_lossy(&output.stdout).into_owned(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            )
        }
        Run::ClosedStdout(args) => {
            let mut child = Command::new(binary)
                .args(args)
                .arg(input)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the binary runs");
            // Read one byte at most, as `head -c 1` would, then close the pipe.
            let mut stdout = child.stdout.take().expect("piped");
            let mut first = [0u8; 1];
            let _ = stdout.read(&mut first);
            drop(stdout);
            let output = child.wait_with_output().expect("the binary ends");
            (
                output
                    .status
                    .code()
                    .expect("exited, not killed by a signal"),
                String::new(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            )
        }
        Run::Schema => {
            let output = common::harbor_edge(&["schema"]);
            assert!(output.status.success(), "schema runs");
            let schema: serde_json::Value =
                serde_json::from_slice(&output.stdout).expect("the schema is JSON");
            let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
            let text = std::fs::read_to_string(input).expect("input");
            let document: serde_json::Value = serde_yaml::from_str(&text).expect("input is YAML");
            let errors: Vec<String> = validator
                .iter_errors(&document)
                .map(|error| format!("{}: {error}", error.instance_path().as_str()))
                .collect();
            (
                i32::from(!errors.is_empty()),
                String::new(),
                errors.join("\n"),
            )
        }
    }
}

/// What is wrong with one case's run, if anything.
fn check(case: &Case, dir: &Path) -> Option<String> {
    let input = input_path(&case.source, dir);
    let (exit, stdout, stderr) = run(case, &input);
    let mut wrong = Vec::new();
    if exit != case.exit {
        wrong.push(format!("exit {exit}, expected {}", case.exit));
    }
    for fragment in case.stdout {
        if !stdout.contains(fragment) {
            wrong.push(format!("stdout lacks {fragment:?}"));
        }
    }
    for fragment in case.stderr {
        if !stderr.contains(fragment) {
            wrong.push(format!("stderr lacks {fragment:?}"));
        }
    }
    for fragment in case.stderr_lacks.iter().chain(NEVER) {
        if stderr.contains(fragment) {
            wrong.push(format!("stderr holds {fragment:?}"));
        }
    }
    if stderr.len() > case.max_stderr {
        wrong.push(format!(
            "stderr has {} bytes, at most {} expected",
            stderr.len(),
            case.max_stderr
        ));
    }
    (!wrong.is_empty()).then(|| {
        let shown: String = stderr.chars().take(2000).collect();
        format!(
            "{}: {}\n--- stderr ---\n{shown}",
            case.name,
            wrong.join("; ")
        )
    })
}

/// The cases run as separate processes, as many at a time as there are cores; failures are
/// listed in the table's order.
#[test]
fn every_input_case_gets_its_exit_code_and_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let mut failures: Vec<(usize, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut found = Vec::new();
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(case) = CASES.get(index) else {
                            return found;
                        };
                        // Each case writes what it generates into a folder of its own.
                        let own = dir.path().join(index.to_string());
                        std::fs::create_dir(&own).expect("case folder");
                        if let Some(failure) = check(case, &own) {
                            found.push((index, failure));
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("a worker panicked"))
            .collect()
    });
    failures.sort();
    let failures: Vec<String> = failures.into_iter().map(|(_, failure)| failure).collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn every_fixture_has_a_case() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inputs/cases");
    for entry in std::fs::read_dir(dir).expect("tests/inputs/cases") {
        let name = entry.expect("entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            CASES
                .iter()
                .any(|case| matches!(case.source, Source::Fixture(fixture) if fixture == name)),
            "tests/inputs/cases/{name} is not in the table"
        );
    }
}
