//! The bootstrap Job's script and configuration, as the rendered ConfigMap holds them, against
//! a stand-in for Harbor's API that holds every request to Harbor's API document
//! (`HARBOR_API_DOC`, see `tests/bootstrap/mod.rs`): what it creates on a fresh Harbor, how it
//! sets the proxy-cache projects' retention policies, that a rerun writes nothing, how it
//! waits, and how it fails.

mod bootstrap;

use bootstrap::{
    HOSTS, Request, StandIn, StandInOptions, assert_contract_kept, palette_job, proxy_cache_job,
    proxy_cache_job_with, retention_policy, run_script, sent, setup, upstreams, validate, write_ca,
};
use harbor_edge::render::CacheRetention;
use serde_json::{Value, json};

const REGISTRIES: &str = "/api/v2.0/registries";
const PROJECTS: &str = "/api/v2.0/projects";
const ROBOTS: &str = "/api/v2.0/robots";
const RETENTIONS: &str = "/api/v2.0/retentions";
const PING: &str = "/api/v2.0/ping";
const DAILY: &str = "0 0 0 * * *";

fn admin_env(setup: &bootstrap::Setup) -> Vec<(&'static str, &str)> {
    vec![("HARBOR_ADMIN_PASSWORD", setup.admin_password.as_str())]
}

fn palette_env(setup: &bootstrap::Setup) -> Vec<(&'static str, &str)> {
    vec![
        ("HARBOR_ADMIN_PASSWORD", setup.admin_password.as_str()),
        ("HARBOR_ROBOT_SECRET", setup.robot_secret.as_str()),
    ]
}

fn names_of(bodies: &[&Request], key: &str) -> Vec<String> {
    let mut names: Vec<String> = bodies
        .iter()
        .map(|request| request.body()[key].as_str().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    names
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|name| name.replace(':', "-")).collect();
    names.sort();
    names
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[test]
fn proxy_cache_on_a_fresh_harbor_creates_each_object_once_and_keeps_the_cache() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let harbor = StandIn::start(setup, dir.path(), StandInOptions::default());
    let ca = write_ca(dir.path(), &setup.ca);

    let job = proxy_cache_job(setup, &harbor, &ca, &HOSTS);
    assert_eq!(
        job.config["upstreams"],
        json!(upstreams(&HOSTS)),
        "the rendered configuration names each upstream as Harbor's adapters expect"
    );
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 0, "{run:?}\n{}", harbor.stderr());
    assert!(run.stderr.is_empty(), "{run:?}");

    let requests = harbor.requests();
    assert_contract_kept(&requests);
    let registries = sent(&requests, "POST", REGISTRIES);
    let projects = sent(&requests, "POST", PROJECTS);
    assert_eq!(names_of(&registries, "name"), sorted(&HOSTS));
    assert_eq!(names_of(&projects, "project_name"), sorted(&HOSTS));
    // Each new project's 7-day policy (Harbor's) updated once to keep everything.
    let updates: Vec<_> = requests
        .iter()
        .filter(|request| request.method() == "PUT")
        .collect();
    assert_eq!(updates.len(), 6, "one policy update per project");
    let writes = requests.iter().filter(|request| request.writes()).count();
    assert_eq!(
        writes,
        12 + 6,
        "one creating request per object, one update per retention policy, nothing else"
    );
    // Waiting needs no credentials; everything else is the admin's.
    for request in &requests {
        let expected = if request.path() == PING {
            None
        } else {
            Some("admin")
        };
        assert_eq!(request.user(), expected, "{request:?}");
    }

    // Each project is a public proxy cache of its own upstream's endpoint.
    let state = harbor.state();
    for upstream in upstreams(&HOSTS) {
        let registry = find(&state["registries"], "name", &upstream["endpoint"]);
        assert_eq!(registry["type"], upstream["type"]);
        assert_eq!(registry["url"], upstream["url"]);
        let project = find(&state["projects"], "name", &upstream["project"]);
        assert_eq!(project["registry_id"], registry["id"], "{project}");
        assert_eq!(project["public"], true, "{project}");
    }
    let docker_hub = find(&state["registries"], "name", &json!("docker.io"));
    assert_eq!(docker_hub["type"], "docker-hub");
    assert_eq!(docker_hub["url"], "https://hub.docker.com");
    let with_port = find(
        &state["projects"],
        "name",
        &json!("registry.example.com-5000"),
    );
    assert!(with_port["registry_id"].as_u64().is_some());

    // keep: the rule `always` and no schedule, on each project's own policy, which Harbor no
    // longer runs.
    assert_eq!(state["retentions"].as_array().unwrap().len(), 6);
    for project in state["projects"].as_array().unwrap() {
        let policy_id = project["retention_id"].as_u64().expect("a policy");
        let path = format!("{RETENTIONS}/{policy_id}");
        let put = sent(&requests, "PUT", &path);
        assert_eq!(put.len(), 1, "{path}");
        let project_id = project["project_id"].as_u64().unwrap();
        assert_eq!(put[0].body(), &retention_policy(project_id, None));
        assert_eq!(put[0].status(), Some(200));
        let retention = find(&state["retentions"], "id", &json!(policy_id));
        assert_eq!(retention["policy"]["rules"][0]["template"], "always");
        assert_eq!(retention["policy"]["trigger"]["settings"]["cron"], "");
        assert_eq!(retention["scheduled"], Value::Null, "no schedule left");
    }
}

fn find<'a>(items: &'a Value, key: &str, value: &Value) -> &'a Value {
    let found: Vec<_> = items
        .as_array()
        .expect("a list")
        .iter()
        .filter(|item| &item[key] == value)
        .collect();
    assert_eq!(found.len(), 1, "one object with {key} {value} in {items}");
    found[0]
}

#[test]
fn proxy_cache_second_run_sends_no_creating_request() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let harbor = StandIn::start(setup, dir.path(), StandInOptions::default());
    let ca = write_ca(dir.path(), &setup.ca);
    let job = proxy_cache_job(setup, &harbor, &ca, &HOSTS);

    assert_eq!(
        run_script(setup, dir.path(), &job, &admin_env(setup)).code,
        0
    );
    let first = harbor.requests().len();
    let state = harbor.state();
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 0, "{run:?}");

    let requests = harbor.requests();
    let second = &requests[first..];
    assert_contract_kept(second);
    let writes: Vec<_> = second.iter().filter(|request| request.writes()).collect();
    assert!(writes.is_empty(), "the rerun wrote: {writes:?}");
    assert_eq!(harbor.state(), state);
    assert_eq!(
        run.stdout.matches(": present (id").count(),
        12,
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout
            .matches(": retains every artifact, no schedule\n")
            .count(),
        6,
        "{}",
        run.stdout
    );
    // The projects' metadata came with the listing: no project read, one policy read each.
    assert!(
        second
            .iter()
            .all(|request| !request.path().starts_with(&format!("{PROJECTS}/"))),
        "{second:?}"
    );
    let reads = second
        .iter()
        .filter(|request| request.path().starts_with(RETENTIONS))
        .count();
    assert_eq!(reads, 6);
}

fn writes(requests: &[Request]) -> Vec<(String, String, Option<u64>)> {
    requests
        .iter()
        .filter(|request| request.writes())
        .map(|request| {
            (
                request.method().to_owned(),
                request.path().to_owned(),
                request.status(),
            )
        })
        .collect()
}

fn write(method: &str, path: &str, status: u64) -> (String, String, Option<u64>) {
    (method.to_owned(), path.to_owned(), Some(status))
}

fn days(days: u32) -> CacheRetention {
    CacheRetention::days_since_last_pull(days).unwrap()
}

#[test]
fn retention_in_days_is_harbors_rule_with_those_days_and_keep_drops_its_schedule() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let harbor = StandIn::start(setup, dir.path(), StandInOptions::default());
    let ca = write_ca(dir.path(), &setup.ca);
    let hosts = ["docker.io", "quay.io"];
    let run_with = |retention: CacheRetention| {
        let job = proxy_cache_job_with(setup, &harbor, &ca, &hosts, retention);
        let before = harbor.requests().len();
        let run = run_script(setup, dir.path(), &job, &admin_env(setup));
        assert_eq!(run.code, 0, "{run:?}\n{}", harbor.stderr());
        let requests = harbor.requests()[before..].to_vec();
        assert_contract_kept(&requests);
        (job, run, requests)
    };

    // 7 days is the policy Harbor made: nothing to write beyond the creates.
    let (job, run, requests) = run_with(days(7));
    assert_eq!(job.config["cache_retention_days"], 7);
    assert!(
        writes(&requests)
            .iter()
            .all(|(_, path, _)| !path.starts_with(RETENTIONS)),
        "{requests:?}"
    );
    assert_eq!(
        run.stdout
            .matches("retains what was pulled within 7 days, daily")
            .count(),
        2,
        "{}",
        run.stdout
    );

    // 30 days: each policy updated to Harbor's rule with 30, still daily.
    let (job, run, requests) = run_with(days(30));
    assert_eq!(job.config["cache_retention_days"], 30);
    assert_eq!(
        writes(&requests),
        [
            write("PUT", &format!("{RETENTIONS}/1"), 200),
            write("PUT", &format!("{RETENTIONS}/2"), 200),
        ]
    );
    // Harbor made policy 1 for project 1 and policy 2 for project 2.
    for id in [1, 2] {
        let put = sent(&requests, "PUT", &format!("{RETENTIONS}/{id}"));
        assert_eq!(put[0].body(), &retention_policy(id, Some(30)));
    }
    assert!(
        run.stdout.contains(
            "retention policy 1 of project docker.io: updated: retains what was pulled within \
             7 days, daily -> retains what was pulled within 30 days, daily"
        ),
        "{}",
        run.stdout
    );
    for retention in harbor.state()["retentions"].as_array().unwrap() {
        assert_eq!(
            retention["policy"]["rules"][0]["params"],
            json!({"nDaysSinceLastPull": 30})
        );
        assert_eq!(retention["scheduled"], DAILY);
    }

    // Back to keep: `always`, no schedule; then a rerun writes nothing.
    let (job, _, requests) = run_with(CacheRetention::KEEP);
    assert_eq!(job.config["cache_retention_days"], "keep");
    assert_eq!(writes(&requests).len(), 2);
    for retention in harbor.state()["retentions"].as_array().unwrap() {
        assert_eq!(retention["policy"]["rules"][0]["template"], "always");
        assert_eq!(retention["scheduled"], Value::Null);
    }
    let (_, _, requests) = run_with(CacheRetention::KEEP);
    assert!(writes(&requests).is_empty(), "{requests:?}");
}

/// Harbor's default policy of project `project_id` in the stand-in's seed form, with `cron`
/// and these rules after its own.
fn seeded_retention(id: u64, project_id: u64, cron: &str, more_rules: &[Value]) -> Value {
    let mut policy = retention_policy(project_id, Some(7));
    policy["trigger"]["settings"]["cron"] = json!(cron);
    let rules = policy["rules"].as_array_mut().unwrap();
    rules.extend(more_rules.iter().cloned());
    json!({"id": id, "policy": policy, "scheduled": cron})
}

fn proxy_cache_seed(hosts: &[&str], retentions: &[Value]) -> Value {
    let registries: Vec<Value> = upstreams(hosts)
        .iter()
        .enumerate()
        .map(|(index, upstream)| {
            json!({"id": index + 1, "name": upstream["endpoint"], "type": upstream["type"],
                   "url": upstream["url"], "insecure": false, "description": ""})
        })
        .collect();
    let projects: Vec<Value> = hosts
        .iter()
        .enumerate()
        .map(|(index, host)| {
            let mut project = json!({"project_id": index + 1, "name": host.replace(':', "-"),
                                     "public": true, "registry_id": index + 1});
            let policy = retentions
                .iter()
                .find(|retention| retention["policy"]["scope"]["ref"] == json!(index + 1));
            if let Some(policy) = policy {
                project["retention_id"] = policy["id"].clone();
            }
            project
        })
        .collect();
    json!({"registries": registries, "projects": projects, "retentions": retentions})
}

#[test]
fn a_policy_the_operator_changed_is_reported_and_left_alone_and_the_others_are_set() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let hosts = ["docker.io", "gcr.io", "ghcr.io", "quay.io"];
    // docker.io: an operator's second rule; gcr.io: a weekly schedule, both the operator's.
    // ghcr.io: its rule saved from Harbor's UI (14 days; the UI's rule has no id or priority
    // and says `untagged` in extras, which is what no extras mean); quay.io: Harbor's.
    let keep_library = json!({
        "id": 2, "priority": 2, "disabled": false, "action": "retain",
        "template": "latestPushedK", "params": {"latestPushedK": 5},
        "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
        "scope_selectors": {"repository": [
            {"kind": "doublestar", "decoration": "repoMatches", "pattern": "library/**"}]},
    });
    let mut from_the_ui = seeded_retention(3, 3, DAILY, &[]);
    let rule = &mut from_the_ui["policy"]["rules"][0];
    rule["params"] = json!({"nDaysSinceLastPull": 14});
    rule["tag_selectors"][0]["extras"] = json!("{\"untagged\":true}");
    rule.as_object_mut()
        .unwrap()
        .retain(|key, _| key != "id" && key != "priority");
    let retentions = [
        seeded_retention(1, 1, DAILY, &[keep_library]),
        seeded_retention(2, 2, "0 0 0 * * 0", &[]),
        from_the_ui,
        seeded_retention(4, 4, DAILY, &[]),
    ];
    let seed = proxy_cache_seed(&hosts, &retentions);
    let options = StandInOptions {
        seed: Some(seed.clone()),
        ..Default::default()
    };
    let harbor = StandIn::start(setup, dir.path(), options);
    let ca = write_ca(dir.path(), &setup.ca);

    let job = proxy_cache_job(setup, &harbor, &ca, &hosts);
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 1, "{run:?}");
    let line = run.error_line();
    assert!(
        line.contains("retention policy 1 of project docker.io has 2 rules"),
        "{line}"
    );
    assert!(line.contains("leaves this policy as it is"), "{line}");
    assert!(
        line.ends_with("(and 1 more retention policy: see above)"),
        "{line}"
    );
    assert!(
        run.stdout
            .contains("retention policy 2 of project gcr.io has trigger Schedule '0 0 0 * * 0'"),
        "{}",
        run.stdout
    );

    // The policies of ghcr.io and quay.io were set, after docker.io's and gcr.io's.
    let requests = harbor.requests();
    assert_contract_kept(&requests);
    assert_eq!(
        writes(&requests),
        [
            write("PUT", &format!("{RETENTIONS}/3"), 200),
            write("PUT", &format!("{RETENTIONS}/4"), 200),
        ]
    );
    let state = harbor.state();
    assert_eq!(state["retentions"][0], seed["retentions"][0]);
    assert_eq!(state["retentions"][1], seed["retentions"][1]);
    for set in [2, 3] {
        let policy = &state["retentions"][set]["policy"];
        assert_eq!(policy["rules"][0]["template"], "always");
    }
}

#[test]
fn a_policy_replaced_during_the_run_is_read_again_and_set() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Between the script's read and its update another client replaces docker.io's policy.
    let options = StandInOptions {
        conflicts: vec!["retention:docker.io".into()],
        ..Default::default()
    };
    let harbor = StandIn::start(setup, dir.path(), options);
    let ca = write_ca(dir.path(), &setup.ca);

    let job = proxy_cache_job(setup, &harbor, &ca, &["docker.io"]);
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("404 on update"), "{}", run.stdout);
    let requests = harbor.requests();
    assert_contract_kept(&requests);
    assert_eq!(
        writes(&requests),
        [
            write("POST", REGISTRIES, 201),
            write("POST", PROJECTS, 201),
            write("PUT", &format!("{RETENTIONS}/1"), 404),
            write("PUT", &format!("{RETENTIONS}/2"), 200),
        ]
    );
    let state = harbor.state();
    assert_eq!(state["projects"][0]["retention_id"], 2);
    assert_eq!(state["retentions"].as_array().unwrap().len(), 1);
    assert_eq!(
        state["retentions"][0]["policy"]["rules"][0]["template"],
        "always"
    );
}

#[test]
fn a_proxy_cache_project_without_a_policy_gets_one() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Neither project has a policy (deleted by hand); quay.io gets one from another client
    // just before the script's create.
    let hosts = ["docker.io", "quay.io"];
    let options = StandInOptions {
        seed: Some(proxy_cache_seed(&hosts, &[])),
        conflicts: vec!["retention:quay.io".into()],
        ..Default::default()
    };
    let harbor = StandIn::start(setup, dir.path(), options);
    let ca = write_ca(dir.path(), &setup.ca);

    let job = proxy_cache_job_with(setup, &harbor, &ca, &hosts, days(30));
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("retention policy of project quay.io: already present (400 on create)"),
        "{}",
        run.stdout
    );
    let requests = harbor.requests();
    assert_contract_kept(&requests);
    assert_eq!(
        writes(&requests),
        [
            write("POST", RETENTIONS, 201),
            write("POST", RETENTIONS, 400),
            write("PUT", &format!("{RETENTIONS}/2"), 200),
        ]
    );
    assert_eq!(
        sent(&requests, "POST", RETENTIONS)[0].body(),
        &retention_policy(1, Some(30))
    );
    let state = harbor.state();
    for (project, policy_id) in state["projects"].as_array().unwrap().iter().zip([1, 2]) {
        assert_eq!(project["retention_id"], policy_id);
        let retention = find(&state["retentions"], "id", &json!(policy_id));
        assert_eq!(
            retention["policy"]["rules"][0]["params"],
            json!({"nDaysSinceLastPull": 30})
        );
        assert_eq!(retention["scheduled"], DAILY);
    }
}

#[test]
fn waits_until_harbor_answers() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Two connections closed without an answer, then two 503s (nginx before core is up).
    let options = StandInOptions {
        drop: 2,
        down: 2,
        ..Default::default()
    };
    let harbor = StandIn::start(setup, dir.path(), options);
    let ca = write_ca(dir.path(), &setup.ca);

    let job = proxy_cache_job(setup, &harbor, &ca, &["docker.io"]);
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("answers (attempt 5 of 8)"),
        "{}",
        run.stdout
    );

    let requests = harbor.requests();
    assert_contract_kept(&requests);
    let statuses: Vec<_> = requests[..5].iter().map(Request::status).collect();
    assert_eq!(statuses, [None, None, Some(503), Some(503), Some(200)]);
    assert!(requests[..5].iter().all(|request| request.path() == PING));
    assert_eq!(sent(&requests, "POST", PROJECTS).len(), 1);
}

#[test]
fn harbor_never_up_gives_up_after_the_bound() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let options = StandInOptions {
        down: 1000,
        ..Default::default()
    };
    let harbor = StandIn::start(setup, dir.path(), options);
    let ca = write_ca(dir.path(), &setup.ca);

    let mut job = proxy_cache_job(setup, &harbor, &ca, &HOSTS);
    job.config["wait"] = json!({"attempts": 3, "interval_seconds": 0.01});
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 3, "{run:?}");
    let line = run.error_line();
    assert!(line.contains("did not answer after 3 attempts"), "{line}");
    assert!(line.contains("503"), "the last answer is named: {line}");

    let requests = harbor.requests();
    assert_eq!(requests.len(), 3, "exactly the bound: {requests:?}");
    assert!(requests.iter().all(|request| request.path() == PING));
}

#[test]
fn conflict_on_create_is_taken_as_present() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Someone else creates these between the script's lookup and its create.
    let options = StandInOptions {
        conflicts: vec!["registry:gcr.io".into(), "project:quay.io".into()],
        ..Default::default()
    };
    let harbor = StandIn::start(setup, dir.path(), options);
    let ca = write_ca(dir.path(), &setup.ca);

    let job = proxy_cache_job(setup, &harbor, &ca, &HOSTS);
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout
            .matches("already present (409 on create)")
            .count(),
        2
    );

    let requests = harbor.requests();
    assert_contract_kept(&requests);
    let conflicts: Vec<_> = requests
        .iter()
        .filter(|r| r.status() == Some(409))
        .collect();
    assert_eq!(conflicts.len(), 2);
    assert_eq!(
        sent(&requests, "POST", REGISTRIES).len(),
        6,
        "no second create"
    );
    assert_eq!(
        sent(&requests, "POST", PROJECTS).len(),
        6,
        "no second create"
    );
    let state = harbor.state();
    assert_eq!(state["registries"].as_array().unwrap().len(), 6);
    assert_eq!(state["projects"].as_array().unwrap().len(), 6);
    // The project made after the 409 on gcr.io's endpoint is bound to that endpoint.
    let gcr = find(&state["registries"], "name", &json!("gcr.io"));
    assert_eq!(
        find(&state["projects"], "name", &json!("gcr.io"))["registry_id"],
        gcr["id"]
    );
}

#[test]
fn wrong_admin_password_ends_the_run_at_once() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let options = StandInOptions {
        admin_password: Some("AnotherPassw0rdAltogether".into()),
        ..Default::default()
    };
    let harbor = StandIn::start(setup, dir.path(), options);
    let ca = write_ca(dir.path(), &setup.ca);

    let job = proxy_cache_job(setup, &harbor, &ca, &HOSTS);
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 1, "{run:?}");
    let line = run.error_line();
    assert!(line.contains("401 UNAUTHORIZED"), "{line}");
    assert!(line.contains("HARBOR_ADMIN_PASSWORD"), "{line}");

    let requests = harbor.requests();
    assert_contract_kept(&requests);
    let paths: Vec<_> = requests.iter().map(Request::path).collect();
    assert_eq!(
        paths,
        [PING, "/api/v2.0/users/current"],
        "no retry, nothing else"
    );
}

#[test]
fn tls_is_verified_with_the_given_ca() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let harbor = StandIn::start(setup, dir.path(), StandInOptions::default());
    let ca = write_ca(dir.path(), &setup.other_ca);

    let job = proxy_cache_job(setup, &harbor, &ca, &HOSTS);
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 3, "{run:?}");
    let line = run.error_line();
    assert!(line.contains("TLS verification of"), "{line}");
    assert!(line.contains("ca_file"), "{line}");

    // The right CA, but a name the certificate does not carry: checked as the rendered
    // configuration says (another name here), or as the URL's host when it says null.
    let ca = write_ca(dir.path(), &setup.ca);
    let mut job = proxy_cache_job(setup, &harbor, &ca, &HOSTS);
    job.config["tls_server_name"] = json!("registry.elsewhere.example");
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 3, "{run:?}");
    let line = run.error_line();
    assert!(line.contains("as registry.elsewhere.example"), "{line}");
    assert!(line.contains("Hostname mismatch"), "{line}");
    job.config["tls_server_name"] = json!(null);
    job.config["harbor_url"] = json!(format!("https://localhost:{}", harbor.port));
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.error_line().contains("Hostname mismatch"), "{run:?}");

    assert!(
        harbor.requests().is_empty(),
        "no request without a trusted connection"
    );
}

/// Python 3.13, the image's, checks certificates strictly (RFC 5280) by default; the script asks
/// for it on every version, so this test (on whatever `python3` runs it) sees what the Job sees:
/// a CA without a subject key identifier and a server certificate without an authority key
/// identifier are refused, though they verify otherwise.
#[test]
fn certificates_are_verified_strictly_as_python_3_13_does() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let openssl = |args: &[&str]| {
        let output = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("the openssl command line tool is installed");
        assert!(output.status.success(), "openssl {args:?}: {output:?}");
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut ca = vec![
        "req", "-x509", "-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
    ];
    ca.extend(ec);
    ca.extend([
        "-subj",
        "/CN=loose-ca",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
        "-addext",
        "subjectKeyIdentifier=none",
        "-addext",
        "authorityKeyIdentifier=none",
    ]);
    openssl(&ca);
    let mut request = vec!["req", "-keyout", "leaf.key", "-out", "leaf.csr"];
    request.extend(ec);
    request.extend(["-subj", "/CN=spectro.registry.local"]);
    openssl(&request);
    std::fs::write(
        dir.path().join("ext.cnf"),
        "subjectAltName=DNS:spectro.registry.local,IP:127.0.0.1\n\
         authorityKeyIdentifier=none\nsubjectKeyIdentifier=none\n",
    )
    .unwrap();
    openssl(&[
        "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-days", "30",
        "-out", "leaf.pem", "-extfile", "ext.cnf",
    ]);
    // Valid, except for the strict checks.
    openssl(&["verify", "-CAfile", "ca.pem", "leaf.pem"]);
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let options = StandInOptions {
        certificate: Some((read("leaf.pem"), read("leaf.key"))),
        ..Default::default()
    };
    let harbor = StandIn::start(setup, dir.path(), options);
    let ca = write_ca(dir.path(), &read("ca.pem"));

    let job = proxy_cache_job(setup, &harbor, &ca, &["docker.io"]);
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 3, "{run:?}");
    let line = run.error_line();
    assert!(line.contains("TLS verification of"), "{line}");
    assert!(line.contains("Key Identifier"), "{line}");
    assert!(harbor.requests().is_empty());
}

#[test]
fn a_rerun_finishes_what_a_failed_run_left() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let options = StandInOptions {
        fails: vec![format!("POST {PROJECTS}")],
        ..Default::default()
    };
    let harbor = StandIn::start(setup, dir.path(), options);
    let ca = write_ca(dir.path(), &setup.ca);
    let job = proxy_cache_job(setup, &harbor, &ca, &HOSTS);

    let failed = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(failed.code, 1, "{failed:?}");
    assert!(
        failed.error_line().contains("POST /api/v2.0/projects: 500"),
        "{failed:?}"
    );
    let after_failure = harbor.requests().len();
    assert_eq!(harbor.state()["registries"].as_array().unwrap().len(), 1);

    let rerun = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(rerun.code, 0, "{rerun:?}");
    let requests = harbor.requests();
    assert_contract_kept(&requests);
    assert_eq!(
        sent(&requests[after_failure..], "POST", REGISTRIES).len(),
        5
    );
    let state = harbor.state();
    assert_eq!(state["registries"].as_array().unwrap().len(), 6);
    assert_eq!(state["projects"].as_array().unwrap().len(), 6);
}

#[test]
fn existing_object_that_differs_is_reported_not_changed() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    // docker.io's project already exists, bound to another endpoint.
    let seed = json!({
        "registries": [
            {"id": 1, "name": "docker.io", "type": "docker-hub", "url": "https://hub.docker.com",
             "insecure": false, "description": ""},
            {"id": 2, "name": "elsewhere", "type": "docker-registry",
             "url": "https://elsewhere.example",
             "insecure": false, "description": ""},
        ],
        "projects": [{"project_id": 1, "name": "docker.io", "public": true, "registry_id": 2}],
    });
    let options = StandInOptions {
        seed: Some(seed.clone()),
        ..Default::default()
    };
    let harbor = StandIn::start(setup, dir.path(), options);
    let ca = write_ca(dir.path(), &setup.ca);

    let job = proxy_cache_job(setup, &harbor, &ca, &HOSTS);
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 1, "{run:?}");
    let line = run.error_line();
    assert!(
        line.contains(
            "project docker.io is the proxy cache of registry id 2, \
             not the proxy cache of registry id 1"
        ),
        "{line}"
    );
    let requests = harbor.requests();
    assert_contract_kept(&requests);
    assert!(
        requests.iter().all(|request| !request.writes()),
        "{requests:?}"
    );
    assert_eq!(harbor.state()["projects"], seed["projects"]);
}

#[test]
fn a_type_harbor_cannot_proxy_is_refused_before_any_request() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let harbor = StandIn::start(setup, dir.path(), StandInOptions::default());
    let ca = write_ca(dir.path(), &setup.ca);

    // Chart 1.19.1 permits no proxy-cache project on Harbor's `quay` adapter.
    let mut quay = proxy_cache_job(setup, &harbor, &ca, &["quay.io"]);
    quay.config["upstreams"][0]["type"] = json!("quay");
    let run = run_script(setup, dir.path(), &quay, &admin_env(setup));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.error_line()
            .contains("upstreams[0].type 'quay' cannot back a proxy-cache project")
    );

    // A host with its port is not a project name until ':' becomes '-'.
    let mut with_port = proxy_cache_job(setup, &harbor, &ca, &["registry.example.com:5000"]);
    with_port.config["upstreams"][0]["project"] = json!("registry.example.com:5000");
    let run = run_script(setup, dir.path(), &with_port, &admin_env(setup));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.error_line().contains("is not a Harbor name"), "{run:?}");
    assert!(harbor.requests().is_empty());
}

#[test]
fn existing_endpoint_of_another_type_is_reported_not_changed() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    // An endpoint made by hand with Harbor's `quay` adapter, which cannot back a proxy cache.
    let seed = json!({"registries": [{"id": 1, "name": "quay.io", "type": "quay",
        "url": "https://quay.io", "insecure": false, "description": ""}]});
    let options = StandInOptions {
        seed: Some(seed),
        ..Default::default()
    };
    let harbor = StandIn::start(setup, dir.path(), options);
    let ca = write_ca(dir.path(), &setup.ca);

    let job = proxy_cache_job(setup, &harbor, &ca, &["quay.io"]);
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 1, "{run:?}");
    let line = run.error_line();
    assert!(
        line.contains(
            "registry endpoint quay.io is quay https://quay.io, not docker-registry https://quay.io"
        ),
        "{line}"
    );
    assert!(harbor.requests().iter().all(|r| !r.writes()));
}

#[test]
fn palette_on_a_fresh_harbor_creates_project_and_pull_only_robot() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let harbor = StandIn::start(setup, dir.path(), StandInOptions::default());
    let ca = write_ca(dir.path(), &setup.ca);

    let job = palette_job(setup, &harbor, &ca, false);
    assert_eq!(
        job.config["palette"],
        json!({"project": "spectro-images", "public": false, "robot": "edge-nodes"})
    );
    let run = run_script(setup, dir.path(), &job, &palette_env(setup));
    assert_eq!(run.code, 0, "{run:?}\n{}", harbor.stderr());
    assert!(
        run.stdout.contains("robot$spectro-images+edge-nodes"),
        "{}",
        run.stdout
    );

    let requests = harbor.requests();
    assert_contract_kept(&requests);
    let projects = sent(&requests, "POST", PROJECTS);
    assert_eq!(projects.len(), 1);
    assert_eq!(
        projects[0].body(),
        &json!({"project_name": "spectro-images", "metadata": {"public": "false"}})
    );
    let robots = sent(&requests, "POST", ROBOTS);
    assert_eq!(robots.len(), 1);
    assert_eq!(robots[0].body()["level"], "project");
    assert_eq!(robots[0].body()["duration"], -1);
    assert_eq!(
        robots[0].body()["permissions"],
        json!([{"kind": "project", "namespace": "spectro-images",
                "access": [{"resource": "repository", "action": "pull"}]}])
    );
    assert!(
        robots[0].body().get("secret").is_none(),
        "Harbor ignores a secret on create"
    );
    let patches: Vec<_> = requests.iter().filter(|r| r.method() == "PATCH").collect();
    assert_eq!(patches.len(), 1);
    assert_eq!(requests.iter().filter(|r| r.writes()).count(), 3);
    // Palette fills this project: no cache, and its retention is not the Job's business.
    assert!(requests.iter().all(|r| !r.path().starts_with(RETENTIONS)));

    // Harbor holds the secret from the environment, and the robot logs in with it.
    let state = harbor.state();
    let robot = &state["robots"][0];
    assert_eq!(robot["secret_sha256"], sha256_hex(&setup.robot_secret));
    let login = requests.last().unwrap();
    assert_eq!(login.path(), "/api/v2.0/users/current/permissions");
    assert_eq!(login.user(), Some("robot$spectro-images+edge-nodes"));
    assert_eq!(login.status(), Some(200));
}

#[test]
fn palette_conflict_on_robot_create_still_sets_the_secret() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let options = StandInOptions {
        conflicts: vec!["project:spectro-images".into(), "robot:edge-nodes".into()],
        ..Default::default()
    };
    let harbor = StandIn::start(setup, dir.path(), options);
    let ca = write_ca(dir.path(), &setup.ca);

    let job = palette_job(setup, &harbor, &ca, false);
    let run = run_script(setup, dir.path(), &job, &palette_env(setup));
    assert_eq!(run.code, 0, "{run:?}");
    let requests = harbor.requests();
    assert_contract_kept(&requests);
    let writes: Vec<_> = requests
        .iter()
        .filter(|r| r.writes())
        .map(|r| (r.method(), r.path(), r.status()))
        .collect();
    assert_eq!(
        writes,
        [
            ("POST", PROJECTS, Some(409)),
            ("POST", ROBOTS, Some(409)),
            ("PATCH", "/api/v2.0/robots/1", Some(200)),
        ]
    );
    // The robot someone else made holds Harbor's random secret until the script sets ours.
    assert_eq!(
        harbor.state()["robots"][0]["secret_sha256"],
        sha256_hex(&setup.robot_secret)
    );
}

#[test]
fn palette_second_run_sends_no_write() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let harbor = StandIn::start(setup, dir.path(), StandInOptions::default());
    let ca = write_ca(dir.path(), &setup.ca);
    let job = palette_job(setup, &harbor, &ca, false);

    assert_eq!(
        run_script(setup, dir.path(), &job, &palette_env(setup)).code,
        0
    );
    let first = harbor.requests().len();
    let run = run_script(setup, dir.path(), &job, &palette_env(setup));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("its secret is already in effect"),
        "{}",
        run.stdout
    );

    let requests = harbor.requests();
    assert_contract_kept(&requests[first..]);
    let writes: Vec<_> = requests[first..].iter().filter(|r| r.writes()).collect();
    assert!(writes.is_empty(), "the rerun wrote: {writes:?}");
}

#[test]
fn palette_robot_with_another_secret_gets_ours_without_a_create() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let seed = json!({
        "projects": [
            {"project_id": 3, "name": "spectro-images", "public": false, "registry_id": 0}
        ],
        "robots": [{
            "id": 7, "name": "spectro-images+edge-nodes", "project_id": 3, "description": "",
            "duration": -1, "disable": false,
            "secret_sha256": sha256_hex("An0therSecretAltogether"),
            "permissions": [{"kind": "project", "namespace": "spectro-images",
                "access": [{"resource": "repository", "action": "pull", "effect": ""}]}],
        }],
    });
    let harbor = StandIn::start(
        setup,
        dir.path(),
        StandInOptions {
            seed: Some(seed),
            ..Default::default()
        },
    );
    let ca = write_ca(dir.path(), &setup.ca);

    let job = palette_job(setup, &harbor, &ca, false);
    let run = run_script(setup, dir.path(), &job, &palette_env(setup));
    assert_eq!(run.code, 0, "{run:?}");
    let requests = harbor.requests();
    assert_contract_kept(&requests);
    let writes: Vec<_> = requests
        .iter()
        .filter(|r| r.writes())
        .map(|r| (r.method(), r.path()))
        .collect();
    assert_eq!(writes, [("PATCH", "/api/v2.0/robots/7")]);
    assert_eq!(
        harbor.state()["robots"][0]["secret_sha256"],
        sha256_hex(&setup.robot_secret)
    );
}

#[test]
fn palette_robot_with_wider_permissions_is_reported_not_changed() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let seed = json!({
        "projects": [
            {"project_id": 3, "name": "spectro-images", "public": false, "registry_id": 0}
        ],
        "robots": [{
            "id": 7, "name": "spectro-images+edge-nodes", "project_id": 3, "description": "",
            "duration": -1, "disable": false, "secret_sha256": sha256_hex(&setup.robot_secret),
            "permissions": [{"kind": "project", "namespace": "spectro-images", "access": [
                {"resource": "repository", "action": "pull", "effect": ""},
                {"resource": "repository", "action": "push", "effect": ""}]}],
        }],
    });
    let harbor = StandIn::start(
        setup,
        dir.path(),
        StandInOptions {
            seed: Some(seed),
            ..Default::default()
        },
    );
    let ca = write_ca(dir.path(), &setup.ca);

    let job = palette_job(setup, &harbor, &ca, false);
    let run = run_script(setup, dir.path(), &job, &palette_env(setup));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.error_line()
            .contains("robot edge-nodes of project spectro-images differs"),
        "{run:?}"
    );
    assert!(run.error_line().contains("'push'"), "{run:?}");
    assert!(harbor.requests().iter().all(|r| !r.writes()));
}

#[test]
fn palette_public_project_without_robot() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let harbor = StandIn::start(setup, dir.path(), StandInOptions::default());
    let ca = write_ca(dir.path(), &setup.ca);

    let job = palette_job(setup, &harbor, &ca, true);
    assert_eq!(job.config["palette"]["robot"], json!(null));
    let run = run_script(setup, dir.path(), &job, &admin_env(setup));
    assert_eq!(run.code, 0, "{run:?}");
    let requests = harbor.requests();
    assert_contract_kept(&requests);
    let writes: Vec<_> = requests
        .iter()
        .filter(|r| r.writes())
        .map(|r| (r.method(), r.path()))
        .collect();
    assert_eq!(writes, [("POST", PROJECTS)]);
    assert_eq!(harbor.state()["projects"][0]["public"], true);
}

#[test]
fn invalid_input_fails_before_any_request() {
    let Some(setup) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let harbor = StandIn::start(setup, dir.path(), StandInOptions::default());
    let ca = write_ca(dir.path(), &setup.ca);

    let palette = palette_job(setup, &harbor, &ca, false);
    let run = run_script(setup, dir.path(), &palette, &admin_env(setup));
    assert_eq!(run.code, 2);
    assert!(
        run.error_line().contains("HARBOR_ROBOT_SECRET is not set"),
        "{run:?}"
    );

    let weak = [
        ("HARBOR_ADMIN_PASSWORD", setup.admin_password.as_str()),
        ("HARBOR_ROBOT_SECRET", "alllowercase"),
    ];
    let run = run_script(setup, dir.path(), &palette, &weak);
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("Harbor's rule"), "{run:?}");

    let run = run_script(setup, dir.path(), &palette, &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.error_line()
            .contains("HARBOR_ADMIN_PASSWORD is not set"),
        "{run:?}"
    );

    let mut unknown_key = proxy_cache_job(setup, &harbor, &ca, &["docker.io"]);
    unknown_key.config["upstream"] = json!([]);
    let run = run_script(setup, dir.path(), &unknown_key, &admin_env(setup));
    assert_eq!(run.code, 2);
    assert!(
        run.error_line().contains("config: unknown key upstream"),
        "{run:?}"
    );

    for (value, message) in [
        (
            json!(0),
            "config.cache_retention_days must be \"keep\" or a whole number of days",
        ),
        (json!(3651), "from 1 to 3650"),
        (json!(30.5), "from 1 to 3650"),
        (json!(true), "from 1 to 3650"),
        (json!("forever"), "from 1 to 3650"),
    ] {
        let mut retention = proxy_cache_job(setup, &harbor, &ca, &["docker.io"]);
        retention.config["cache_retention_days"] = value.clone();
        let run = run_script(setup, dir.path(), &retention, &admin_env(setup));
        assert_eq!(run.code, 2, "{value}: {run:?}");
        assert!(run.error_line().contains(message), "{value}: {run:?}");
    }
    let mut no_retention = proxy_cache_job(setup, &harbor, &ca, &["docker.io"]);
    no_retention
        .config
        .as_object_mut()
        .unwrap()
        .remove("cache_retention_days");
    let run = run_script(setup, dir.path(), &no_retention, &admin_env(setup));
    assert_eq!(run.code, 2);
    assert!(
        run.error_line()
            .contains("config.cache_retention_days is missing"),
        "{run:?}"
    );
    let mut palette_retention = palette_job(setup, &harbor, &ca, true);
    palette_retention.config["cache_retention_days"] = json!("keep");
    let run = run_script(setup, dir.path(), &palette_retention, &admin_env(setup));
    assert_eq!(run.code, 2);
    assert!(
        run.error_line()
            .contains("config: unknown key cache_retention_days"),
        "{run:?}"
    );

    let mut plain_http = proxy_cache_job(setup, &harbor, &ca, &["docker.io"]);
    plain_http.config["harbor_url"] = json!(format!("http://127.0.0.1:{}", harbor.port));
    let run = run_script(setup, dir.path(), &plain_http, &admin_env(setup));
    assert_eq!(run.code, 2);
    assert!(run.error_line().contains("https://"), "{run:?}");

    assert!(harbor.requests().is_empty());
}

/// The validator must reject what Harbor's document rejects, or every test above would pass
/// whatever the script sent.
#[test]
fn the_stand_in_rejects_requests_outside_the_api_document() {
    let Some(setup) = setup() else { return };
    let proxy_project =
        json!({"project_name": "docker.io", "registry_id": 1, "metadata": {"public": "true"}});
    let scan = "/api/v2.0/projects/p/repositories/r/artifacts/latest/scan";
    let policy = retention_policy(4, Some(30));
    let cases: Vec<(&str, &str, Option<Value>, &[&str])> = vec![
        ("POST", PROJECTS, Some(proxy_project.clone()), &[]),
        // metadata.public is a string in Harbor's API: an easy mistake.
        (
            "POST",
            PROJECTS,
            Some(json!({"project_name": "docker.io", "metadata": {"public": true}})),
            &["body.metadata.public is boolean, not string"],
        ),
        (
            "POST",
            PROJECTS,
            Some(json!({"project_name": "a", "registry_id": "1"})),
            &["body.registry_id is string, not integer"],
        ),
        (
            "POST",
            PROJECTS,
            Some(json!({"project_name": "a", "registryId": 1})),
            &["body.registryId is not a property of the schema"],
        ),
        // `$ref` into arrays of objects.
        (
            "POST",
            ROBOTS,
            Some(json!({"name": "n",
                       "permissions": [{"kind": "project", "access": [{"resource": 1}]}]})),
            &["body.permissions[0].access[0].resource is integer, not string"],
        ),
        // `required` and `enum`, from the operations that declare them.
        (
            "POST",
            "/api/v2.0/scanners",
            Some(json!({"name": "trivy"})),
            &["body.url is required"],
        ),
        ("POST", scan, Some(json!({"scan_type": "sbom"})), &[]),
        (
            "POST",
            scan,
            Some(json!({"scan_type": "malware"})),
            &["body.scan_type 'malware' is not one of ['vulnerability', 'sbom']"],
        ),
        // Bodies, query parameters, paths and methods.
        (
            "POST",
            REGISTRIES,
            None,
            &["the request body (registry) is required"],
        ),
        (
            "GET",
            "/api/v2.0/ping",
            Some(json!({})),
            &["GET /ping takes no body"],
        ),
        (
            "GET",
            "/api/v2.0/registries?name_exact=docker.io",
            None,
            &["query parameter name_exact is not declared for GET /registries"],
        ),
        (
            "GET",
            "/api/v2.0/projects?page_size=500",
            None,
            &["query parameter page_size 500 is above 100"],
        ),
        (
            "GET",
            "/api/v2.0/robots/seven",
            None,
            &["path parameter robot_id 'seven' is not an integer"],
        ),
        (
            "GET",
            "/api/v2.0/proxy-caches",
            None,
            &["no path in the API document matches /api/v2.0/proxy-caches"],
        ),
        (
            "PATCH",
            PROJECTS,
            Some(proxy_project),
            &["/projects has no PATCH operation in the API document"],
        ),
        // Retention: a rule's params hold numbers (go-swagger's map[string]interface{}), a
        // trigger's settings is a free-form object, the rest is checked as anywhere else.
        ("PUT", "/api/v2.0/retentions/1", Some(policy.clone()), &[]),
        ("POST", RETENTIONS, Some(policy.clone()), &[]),
        (
            "PUT",
            "/api/v2.0/retentions/1",
            Some(json!({"trigger": {"kind": "Schedule", "settings": "0 0 0 * * *"}})),
            &["body.trigger.settings is string, not object"],
        ),
        (
            "PUT",
            "/api/v2.0/retentions/1",
            Some(json!({"rules": [{"template": "always", "parameters": {}}]})),
            &["body.rules[0].parameters is not a property of the schema"],
        ),
        (
            "PUT",
            "/api/v2.0/retentions/1",
            Some(json!({"rules": [{"tag_selectors": [{"pattern": "**", "extras": {}}]}]})),
            &["body.rules[0].tag_selectors[0].extras is object, not string"],
        ),
        (
            "PUT",
            "/api/v2.0/retentions/one",
            Some(policy),
            &["path parameter id 'one' is not an integer"],
        ),
    ];
    let requests: Vec<_> = cases
        .iter()
        .map(|(method, target, body, _)| (*method, *target, body.clone()))
        .collect();
    let verdicts = validate(setup, &requests);
    assert_eq!(verdicts.len(), cases.len());
    for ((method, target, body, expected), found) in cases.iter().zip(&verdicts) {
        assert_eq!(found, expected, "{method} {target} {body:?}");
    }
}
