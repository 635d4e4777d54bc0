//! Runs the bootstrap Job's script against `harbor_standin.py`, a stand-in for Harbor's API that
//! checks every request against Harbor's API document. Script and configuration are the data of
//! the ConfigMap harbor-edge renders (reproducible mode), byte for byte; only where Harbor is and
//! how long to wait are pointed at the stand-in.
//!
//! The document is not in the repository: `HARBOR_API_DOC` names it (CI points it at
//! `harbor-2.15.1-api-swagger.yaml`). Without it, or without `python3`, the tests skip with a
//! printed reason, except under `CI=true`, where a missing prerequisite fails them.

#![allow(dead_code)] // each test uses a different subset

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use harbor_edge::node::{MirrorLayout, NodeOptions};
use harbor_edge::render::{CacheRetention, RenderOptions, Renderer, Target};
use harbor_edge::{Config, Credentials, Generator, Macros, ObjectKind, PackInput};
use serde_json::{Value, json};

pub const STANDIN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/bootstrap/harbor_standin.py"
);
const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// What every test needs once: the API document as JSON, certificates, secrets.
pub struct Setup {
    /// The Python 3 interpreter (`sys.executable` of `python3` on PATH).
    pub python: PathBuf,
    pub api_doc: PathBuf,
    /// CA, server certificate (IP SAN 127.0.0.1) and key, made by harbor-edge itself.
    pub ca: String,
    pub server_chain: String,
    pub server_key: String,
    /// A CA that did not sign the server certificate.
    pub other_ca: String,
    /// The admin password and the robot secret, as harbor-edge generates them.
    pub admin_password: String,
    pub robot_secret: String,
    /// The cluster the Job is rendered for (VIP 127.0.0.1) and its credentials.
    pub config: Config,
    pub credentials: Credentials,
}

/// The shared setup, or `None` (after printing why) when a prerequisite is missing. Under
/// `CI=true` a missing prerequisite panics instead: CI must never skip the contract.
pub fn setup() -> Option<&'static Setup> {
    static SETUP: OnceLock<Result<Setup, String>> = OnceLock::new();
    match SETUP.get_or_init(prepare) {
        Ok(setup) => Some(setup),
        Err(reason) if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("{reason} (CI=true: the bootstrap contract must run)")
        }
        Err(reason) => {
            eprintln!("skipped: {reason}");
            None
        }
    }
}

fn prepare() -> Result<Setup, String> {
    let doc = std::env::var_os("HARBOR_API_DOC").ok_or(
        "HARBOR_API_DOC is not set; point it at Harbor's API document \
         (harbor-2.15.1-api-swagger.yaml)",
    )?;
    let doc = PathBuf::from(doc);
    let text = fs::read_to_string(&doc)
        .map_err(|error| format!("HARBOR_API_DOC {}: {error}", doc.display()))?;
    // The interpreter itself, not a wrapper such as a pyenv shim: one start per run adds up.
    let python = match Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
    {
        Ok(output) if output.status.success() => {
            PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
        }
        _ => return Err("python3 is not on PATH; the bootstrap script needs it".into()),
    };
    let api: Value = serde_yaml::from_str(&text)
        .map_err(|error| format!("HARBOR_API_DOC {} is not YAML: {error}", doc.display()))?;
    assert_eq!(
        api["swagger"], "2.0",
        "HARBOR_API_DOC is a Swagger 2.0 document"
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bootstrap-contract");
    fs::create_dir_all(&dir).expect("target tmp dir");
    let api_doc = dir.join(format!("harbor-api-{}.json", std::process::id()));
    fs::write(&api_doc, serde_json::to_vec(&api).expect("JSON")).expect("write API document");

    let config =
        PackInput::from_yaml_str("harbor-config: {}\ncluster: {uid: edge-01, vip: 127.0.0.1}\n")
            .and_then(|input| input.resolve(&Macros::new()))
            .expect("test config is valid")
            .config;
    let cluster = Credentials::resolve(&config, None, &mut Generator::reproducible(11, None))
        .expect("credentials");
    let other = Credentials::resolve(&config, None, &mut Generator::reproducible(12, None))
        .expect("credentials");
    assert_ne!(cluster.tls.ca_certificate(), other.tls.ca_certificate());
    Ok(Setup {
        python,
        api_doc,
        ca: cluster.tls.ca_certificate().to_owned(),
        server_chain: cluster.tls.certificate_chain().to_owned(),
        server_key: cluster.tls.private_key().expose().to_owned(),
        other_ca: other.tls.ca_certificate().to_owned(),
        admin_password: cluster.admin_password.expose().to_owned(),
        robot_secret: cluster.robot_secret.expose().to_owned(),
        config,
        credentials: cluster,
    })
}

/// How the stand-in behaves besides answering like Harbor.
#[derive(Default)]
pub struct StandInOptions {
    /// Close this many connections without an answer first.
    pub drop: u32,
    /// Then answer 503 to this many requests (Harbor not up yet).
    pub down: u32,
    /// `registry:NAME`, `project:NAME` or `robot:NAME`: the first create loses a race (409);
    /// `retention:PROJECT`: before the first write to that project's retention policy another
    /// client replaces it (`PUT`: 404) or creates one (`POST`: 400).
    pub conflicts: Vec<String>,
    /// `METHOD /api/v2.0/path`: the first such request is answered 500.
    pub fails: Vec<String>,
    /// Objects Harbor holds before the run.
    pub seed: Option<Value>,
    /// The admin password the stand-in accepts, when not the setup's.
    pub admin_password: Option<String>,
    /// The server certificate chain and key (PEM), when not the setup's.
    pub certificate: Option<(String, String)>,
}

/// A running stand-in on 127.0.0.1 (a port of its own), killed on drop.
pub struct StandIn {
    child: Child,
    pub port: u16,
    log: PathBuf,
    state: PathBuf,
    stderr: PathBuf,
}

impl StandIn {
    pub fn start(setup: &Setup, dir: &Path, options: StandInOptions) -> StandIn {
        let cert = dir.join("server.crt");
        let key = dir.join("server.key");
        let (chain, private_key) = options
            .certificate
            .clone()
            .unwrap_or_else(|| (setup.server_chain.clone(), setup.server_key.clone()));
        fs::write(&cert, chain).expect("write certificate");
        fs::write(&key, private_key).expect("write key");
        let log = dir.join("requests.jsonl");
        let state = dir.join("state.json");
        let stderr = dir.join("standin.stderr");
        let mut command = python(setup);
        command
            .args(["-I", "-B", STANDIN, "serve"])
            .args(["--api-doc".as_ref(), setup.api_doc.as_os_str()])
            .args(["--cert".as_ref(), cert.as_os_str()])
            .args(["--key".as_ref(), key.as_os_str()])
            .args(["--log".as_ref(), log.as_os_str()])
            .args(["--state".as_ref(), state.as_os_str()])
            .args(["--drop", &options.drop.to_string()])
            .args(["--down", &options.down.to_string()]);
        for conflict in &options.conflicts {
            command.args(["--conflict", conflict]);
        }
        for fail in &options.fails {
            command.args(["--fail", fail]);
        }
        if let Some(seed) = &options.seed {
            let path = dir.join("seed.json");
            fs::write(&path, serde_json::to_vec(seed).expect("JSON")).expect("write seed");
            command.args(["--seed".as_ref(), path.as_os_str()]);
        }
        let password = options
            .admin_password
            .unwrap_or_else(|| setup.admin_password.clone());
        let mut child = command
            .env("STANDIN_ADMIN_PASSWORD", password)
            .stdout(Stdio::piped())
            .stderr(fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("start the stand-in");

        // The first line says where it listens; a thread keeps a crash from hanging the test.
        let stdout = child.stdout.take().expect("stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_default();
        let port = line
            .trim()
            .strip_prefix("listening on 127.0.0.1:")
            .and_then(|port| port.parse().ok());
        let mut stand_in = StandIn {
            child,
            port: 0,
            log,
            state,
            stderr,
        };
        match port {
            Some(port) => stand_in.port = port,
            None => panic!(
                "the stand-in did not start: {line:?}\n{}",
                stand_in.stderr()
            ),
        }
        stand_in
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|line| Request(serde_json::from_str(line).expect("log line is JSON")))
            .collect()
    }

    /// Harbor's objects now (`registries`, `projects`, `robots`, `retentions`; robot secrets as
    /// SHA-256).
    pub fn state(&self) -> Value {
        serde_json::from_str(&fs::read_to_string(&self.state).expect("state file")).expect("JSON")
    }

    pub fn stderr(&self) -> String {
        fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One logged request.
#[derive(Debug, Clone)]
pub struct Request(pub Value);

impl Request {
    pub fn method(&self) -> &str {
        self.0["method"].as_str().unwrap_or_default()
    }
    pub fn path(&self) -> &str {
        self.0["path"].as_str().unwrap_or_default()
    }
    /// The answer's status, or `None` for a dropped connection.
    pub fn status(&self) -> Option<u64> {
        self.0["status"].as_u64()
    }
    pub fn body(&self) -> &Value {
        &self.0["body"]
    }
    pub fn user(&self) -> Option<&str> {
        self.0["user"].as_str()
    }
    pub fn violations(&self) -> Vec<String> {
        self.0["violations"]
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|v| v.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
    /// A request that creates or changes something.
    pub fn writes(&self) -> bool {
        matches!(self.method(), "POST" | "PUT" | "PATCH" | "DELETE")
    }
}

/// Asserts that no request broke Harbor's API document.
pub fn assert_contract_kept(requests: &[Request]) {
    let broken: Vec<_> = requests
        .iter()
        .filter(|request| !request.violations().is_empty())
        .map(|request| {
            format!(
                "{} {}: {:?}",
                request.method(),
                request.path(),
                request.violations()
            )
        })
        .collect();
    assert!(
        broken.is_empty(),
        "requests outside Harbor's API document:\n{}",
        broken.join("\n")
    );
}

/// The requests with this method and path.
pub fn sent<'a>(requests: &'a [Request], method: &str, path: &str) -> Vec<&'a Request> {
    requests
        .iter()
        .filter(|request| request.method() == method && request.path() == path)
        .collect()
}

/// One run of the script: exit code and output.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The one line the script writes on failure.
    pub fn error_line(&self) -> &str {
        let lines: Vec<_> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line on stderr, got {:?}", self.stderr);
        lines[0]
    }
}

/// Runs the script as the Job does (`python3 -I -B harbor-bootstrap.py config.json`), with only
/// PATH and the given variables in its environment and an empty working directory that must
/// stay empty. Checks that no secret from the environment shows in its output.
pub fn run_script(setup: &Setup, dir: &Path, job: &Job, env: &[(&str, &str)]) -> Run {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let config_path = dir.join(format!("config-{n}.json"));
    fs::write(
        &config_path,
        serde_json::to_vec_pretty(&job.config).expect("JSON"),
    )
    .expect("config");
    let script_path = dir.join(format!("script-{n}/{SCRIPT_KEY}"));
    fs::create_dir(script_path.parent().expect("folder")).expect("script folder");
    fs::write(&script_path, &job.script).expect("script");
    let cwd = dir.join(format!("cwd-{n}"));
    fs::create_dir(&cwd).expect("working dir");
    let stdout = dir.join(format!("stdout-{n}"));
    let stderr = dir.join(format!("stderr-{n}"));

    let mut command = python(setup);
    command
        .args(["-I", "-B"])
        .arg(&script_path)
        .arg(&config_path)
        .current_dir(&cwd)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout).expect("stdout file"))
        .stderr(fs::File::create(&stderr).expect("stderr file"));
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("run python3");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the script ran longer than {RUN_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let run = Run {
        code: status.code().expect("exit code"),
        stdout: fs::read_to_string(&stdout).expect("stdout"),
        stderr: fs::read_to_string(&stderr).expect("stderr"),
    };
    let written: Vec<_> = fs::read_dir(&cwd).expect("cwd").collect();
    assert!(
        written.is_empty(),
        "the script wrote into its working directory: {written:?}"
    );
    for (name, value) in env {
        assert!(
            value.len() < 8 || !(run.stdout.contains(value) || run.stderr.contains(value)),
            "{name} shows in the script's output:\n{run:?}"
        );
    }
    run
}

/// The stand-in's validator on a list of requests (method, target, body): the violations it
/// finds in each.
pub fn validate(setup: &Setup, requests: &[(&str, &str, Option<Value>)]) -> Vec<Vec<String>> {
    let cases: Vec<Value> = requests
        .iter()
        .map(|(method, target, body)| {
            let mut case = json!({"method": method, "target": target});
            if let Some(body) = body {
                case["body"] = body.clone();
            }
            case
        })
        .collect();
    let mut child = python(setup)
        .args(["-I", "-B", STANDIN, "validate", "--api-doc"])
        .arg(&setup.api_doc)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the validator");
    let input = serde_json::to_vec(&cases).expect("JSON");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &input).expect("write");
    let output = child.wait_with_output().expect("validator output");
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "validator output is a JSON list ({error}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn python(setup: &Setup) -> Command {
    let mut command = Command::new(&setup.python);
    command.env("PYTHONDONTWRITEBYTECODE", "1");
    command
}

/// The CA file the script verifies Harbor with.
pub fn write_ca(dir: &Path, pem: &str) -> PathBuf {
    let path = dir.join("ca.crt");
    fs::write(&path, pem).expect("write CA");
    path
}

/// The ConfigMap's keys, as the Job's command names them.
pub const SCRIPT_KEY: &str = "harbor-bootstrap.py";
pub const CONFIG_KEY: &str = "config.json";

/// The bootstrap ConfigMap's data: the script and its configuration.
#[derive(Debug, Clone)]
pub struct Job {
    pub script: String,
    pub config: Value,
}

/// Renders the k3s target for the setup's cluster with these mirrors, layout and cache
/// retention (reproducible mode) and returns the bootstrap ConfigMap's data as rendered.
pub fn rendered(
    setup: &Setup,
    layout: MirrorLayout,
    hosts: &[&str],
    retention: CacheRetention,
) -> Job {
    let mirrors: Vec<String> = hosts.iter().map(|host| (*host).to_owned()).collect();
    let node = NodeOptions::new(&mirrors, None)
        .expect("test mirrors are valid")
        .with_layout(layout);
    let options = RenderOptions::default()
        .with_node(node)
        .with_cache_retention(retention);
    let bundle = Renderer::embedded()
        .render_with(&setup.config, &setup.credentials, Target::K3s, &options)
        .expect("renders");
    let config_maps: Vec<_> = bundle
        .objects()
        .iter()
        .filter(|object| object.kind() == ObjectKind::ConfigMap)
        .collect();
    assert_eq!(config_maps.len(), 1, "one bootstrap ConfigMap");
    let document: Value = serde_yaml::from_str(config_maps[0].text()).expect("ConfigMap parses");
    let data = |key: &str| {
        document["data"][key]
            .as_str()
            .unwrap_or_else(|| panic!("ConfigMap data.{key}"))
            .to_owned()
    };
    Job {
        script: data(SCRIPT_KEY),
        config: serde_json::from_str(&data(CONFIG_KEY)).expect("config.json is JSON"),
    }
}

/// `job` pointed at the stand-in: its URL, the CA file written for the test, and a short wait
/// so that failing tests are fast. The server name checked stays the rendered one.
pub fn point_at(mut job: Job, stand_in: &StandIn, ca: &Path) -> Job {
    job.config["harbor_url"] = json!(stand_in.url());
    job.config["ca_file"] = json!(ca);
    job.config["wait"] = json!({"attempts": 8, "interval_seconds": 0.02});
    job.config["request_timeout_seconds"] = json!(10);
    job
}

/// The proxy-cache Job for these mirrors (cache retention `keep`, the default), pointed at the
/// stand-in.
pub fn proxy_cache_job(setup: &Setup, stand_in: &StandIn, ca: &Path, hosts: &[&str]) -> Job {
    proxy_cache_job_with(setup, stand_in, ca, hosts, CacheRetention::default())
}

/// The proxy-cache Job for these mirrors and this cache retention, pointed at the stand-in.
pub fn proxy_cache_job_with(
    setup: &Setup,
    stand_in: &StandIn,
    ca: &Path,
    hosts: &[&str],
    retention: CacheRetention,
) -> Job {
    let job = rendered(setup, MirrorLayout::ProxyCache, hosts, retention);
    point_at(job, stand_in, ca)
}

/// The Palette-layout Job, pointed at the stand-in.
pub fn palette_job(setup: &Setup, stand_in: &StandIn, ca: &Path, public: bool) -> Job {
    let layout = MirrorLayout::SpectroImages { public };
    let job = rendered(setup, layout, &["docker.io"], CacheRetention::default());
    point_at(job, stand_in, ca)
}

/// The retention policy the Job sets on proxy-cache project `project_id`, written out from
/// Harbor's default policy (`policy.WithNDaysSinceLastPull`): one rule for every repository
/// and tag, `always` without schedule for `keep`, else N days since the last pull, daily.
pub fn retention_policy(project_id: u64, days: Option<u16>) -> Value {
    let (template, params, cron) = match days {
        None => ("always", json!({}), ""),
        Some(days) => (
            "nDaysSinceLastPull",
            json!({"nDaysSinceLastPull": days}),
            "0 0 0 * * *",
        ),
    };
    json!({
        "algorithm": "or",
        "rules": [{
            "id": 1, "priority": 1, "disabled": false, "action": "retain",
            "template": template, "params": params,
            "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
            "scope_selectors": {"repository": [
                {"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]},
        }],
        "trigger": {"kind": "Schedule", "settings": {"cron": cron}},
        "scope": {"level": "project", "ref": project_id},
    })
}

/// What the proxy-cache configuration must hold for these mirrors, written out independently
/// of harbor-edge: the provider type and URL Harbor's adapters expect, and a project and
/// endpoint named after the host with a port's ':' as '-'.
pub fn upstreams(hosts: &[&str]) -> Vec<Value> {
    hosts
        .iter()
        .map(|host| {
            let name = host.replace(':', "-");
            let (kind, url) = match *host {
                "docker.io" => ("docker-hub", "https://hub.docker.com".to_owned()),
                "gcr.io" => ("google-gcr", "https://gcr.io".to_owned()),
                "ghcr.io" => ("github-ghcr", "https://ghcr.io".to_owned()),
                _ => ("docker-registry", format!("https://{host}")),
            };
            json!({"endpoint": name, "type": kind, "url": url, "project": name})
        })
        .collect()
}

/// The five default mirrors and a registry with a port.
pub const HOSTS: [&str; 6] = [
    "docker.io",
    "gcr.io",
    "ghcr.io",
    "quay.io",
    "registry.k8s.io",
    "registry.example.com:5000",
];
