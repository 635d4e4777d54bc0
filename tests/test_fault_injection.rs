//! Fault injection on `render --out` (SPEC 5: a folder write is atomic as a set). The real binary
//! is killed with SIGKILL at random points, slowed down or failed inside its renames with
//! `strace`, and run in concurrent pairs, always into one folder, with runs that differ in
//! everything (target, cluster uid, seed: another file set and other secrets).
//!
//! What is checked, after every trial:
//! - the folder is byte for byte the complete set of one run: the one before the trial or the
//!   trial's own (a run that exited 0 must have left its own). The admin password is compared
//!   across the two Secrets that carry it, and every file and the list of owned files belong to
//!   that run: no file of another run, no temporary file, nothing missing;
//! - beside the folder there is at most the staging folder of the killed run itself; the next
//!   run into the folder removes it, so after a run that completes there is none (the guarantee
//!   is "no temporary file inside the folder, ever; beside it, none once a later run into the
//!   folder has completed").
//!
//! The journal (the fallback where the folder switch is not possible) is forced by failing the
//! switch with `EXDEV`; there a kill may leave a mix, marked by the journal's folder inside the
//! output folder, and the next run restores one complete set: that weaker guarantee is checked.
//!
//! The runs write into a memory file system (`/dev/shm`) where there is one: on disk, the syncs
//! that make a write durable (`fsync`) take most of a run's time, and they change nothing that a
//! kill or a concurrent run can see. `HARBOR_EDGE_FAULT_DIR` chooses another place (the other
//! output tests write to the disk's temporary folder).
//!
//! An output folder keeps its credentials (SPEC 4.1: a render into it reuses what it holds),
//! so a trial run would otherwise take over the secrets of whichever run the folder holds.
//! Each run therefore pins its own: its reference render (made first, in a fresh folder, from
//! its seed) is passed back with `--existing`, which takes the folder's place. The runs still
//! differ in every secret, and a run's set is byte for byte its reference.
//!
//! Trial counts: `HARBOR_EDGE_FAULT_TRIALS` (default 10 kills, 10 pairs, 4 strace trials
//! each, so `cargo test` stays quick); `HARBOR_EDGE_FAULT_SEED` replays a run of random delays.
//! `.ci/fault-injection.sh` runs a longer campaign (`bash .ci/run`: 300 of each).

#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize as _;

/// What varies between runs: the target (another file set), the cluster uid (another namespace
/// file) and the seed (other secrets).
const RUNS: [(&str, &str, &str); 4] = [
    ("k3s", "alpha", "11"),
    ("helm", "beta", "12"),
    ("k3s", "beta", "13"),
    ("helm", "alpha", "14"),
];

/// A folder's content: every file and link under it by relative path (folders are implied).
type Snapshot = BTreeMap<String, Vec<u8>>;

fn trials(default: usize) -> usize {
    std::env::var("HARBOR_EDGE_FAULT_TRIALS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: enough randomness for delays, replayable from the printed seed.
struct Random(u64);

impl Random {
    fn new(name: &str) -> Self {
        let seed = std::env::var("HARBOR_EDGE_FAULT_SEED")
            .ok()
            .and_then(|text| text.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |elapsed| elapsed.as_nanos() as u64)
            })
            | 1;
        println!("{name}: HARBOR_EDGE_FAULT_SEED={seed}");
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    /// Another run than `current`.
    fn other_than(&mut self, current: usize) -> usize {
        (current + 1 + self.below(RUNS.len() as u64 - 1) as usize) % RUNS.len()
    }
}

/// A work folder holding the output folder `out` and the reference sets of every run.
struct Bench {
    work: tempfile::TempDir,
    references: Vec<Snapshot>,
    /// Entries of the output folder that harbor-edge does not own: they must survive as they are.
    foreign: Snapshot,
    /// The longest time one complete run took.
    run_time: Duration,
}

impl Bench {
    fn new() -> Self {
        let place = std::env::var_os("HARBOR_EDGE_FAULT_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                let memory = Path::new("/dev/shm");
                let writable = tempfile::tempdir_in(memory).is_ok();
                writable.then(|| memory.to_path_buf())
            })
            .unwrap_or_else(std::env::temp_dir);
        let work = tempfile::tempdir_in(&place).expect("tempdir");
        let mut references = Vec::new();
        let mut run_time = Duration::ZERO;
        for index in 0..RUNS.len() {
            let folder = format!("reference-{index}");
            let started = Instant::now();
            let status = Command::new(env!("CARGO_BIN_EXE_harbor-edge"))
                .args(render_args(index, &folder, false))
                .current_dir(work.path())
                .stderr(Stdio::null())
                .status()
                .expect("runs");
            run_time = run_time.max(started.elapsed());
            assert!(status.success());
            let reference = snapshot(&work.path().join(&folder));
            assert_one_run(&reference);
            // The run's Secrets, passed back by every later run of it (see the module docs).
            let secrets: String = reference
                .iter()
                .filter(|(name, _)| name.ends_with(".yaml"))
                .map(|(_, text)| format!("---\n{}", String::from_utf8_lossy(text)))
                .collect();
            fs::write(work.path().join(existing_file(index)), secrets).expect("write");
            references.push(reference);
        }
        let passwords: Vec<String> = references.iter().map(admin_password).collect();
        for (index, password) in passwords.iter().enumerate() {
            assert!(
                !passwords[index + 1..].contains(password),
                "the runs must differ in their secrets"
            );
        }
        Self {
            work,
            references,
            foreign: Snapshot::new(),
            run_time,
        }
    }

    /// Puts files that harbor-edge does not own into the output folder: a note, a folder of
    /// one's own with a file, and a link.
    fn add_foreign(&mut self) {
        let out = self.out();
        fs::create_dir_all(out.join("kustomize")).expect("mkdir");
        for (name, text) in [
            ("notes.txt", "mine\n"),
            ("kustomize/kustomization.yaml", "resources: []\n"),
        ] {
            fs::write(out.join(name), text).expect("write");
            self.foreign
                .insert(name.to_owned(), text.as_bytes().to_vec());
        }
        std::os::unix::fs::symlink("notes.txt", out.join("a-link")).expect("symlink");
        self.foreign
            .insert("a-link".to_owned(), b"-> notes.txt".to_vec());
    }

    /// What the folder holds after run `index`: its set and the foreign entries.
    fn expected(&self, index: usize) -> Snapshot {
        let mut expected = self.references[index].clone();
        expected.extend(self.foreign.clone());
        expected
    }

    fn out(&self) -> PathBuf {
        self.work.path().join("out")
    }

    fn command(&self, program: &str, prefix: &[&str], index: usize) -> Command {
        let mut command = Command::new(program);
        command
            .args(prefix)
            .args(render_args(index, "out", true))
            .current_dir(self.work.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    fn spawn(&self, index: usize) -> Child {
        self.command(env!("CARGO_BIN_EXE_harbor-edge"), &[], index)
            .spawn()
            .expect("spawns")
    }

    /// Runs `index` to the end; it must succeed and leave exactly its set.
    fn complete(&self, index: usize) {
        let status = self.spawn(index).wait().expect("waits");
        assert!(status.success(), "run {index}");
        assert_eq!(self.which(&[index]), index);
        assert_eq!(self.leftovers(), Vec::<String>::new());
    }

    /// Which of `allowed` the folder is, byte for byte; panics naming the difference when it
    /// is none of them.
    fn which(&self, allowed: &[usize]) -> usize {
        let found = snapshot(&self.out());
        if let Some(index) = allowed
            .iter()
            .copied()
            .find(|&index| self.expected(index) == found)
        {
            return index;
        }
        assert_one_run(&found);
        let described: Vec<String> = allowed
            .iter()
            .map(|&index| {
                let reference = &self.expected(index);
                let differing: Vec<&String> = reference
                    .keys()
                    .chain(found.keys())
                    .filter(|name| reference.get(*name) != found.get(*name))
                    .collect();
                format!("run {index} differs in {differing:?}")
            })
            .collect();
        panic!(
            "the folder is none of the runs {allowed:?}: {}",
            described.join("; ")
        );
    }

    /// Staging folders beside the output folder.
    fn leftovers(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.work.path())
            .expect("read_dir")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|name| name.starts_with(".out.harbor-edge-"))
            .collect();
        names.sort();
        names
    }
}

/// The file holding the Secrets of run `index`'s reference render.
fn existing_file(index: usize) -> String {
    format!("existing-{index}.yaml")
}

/// The arguments of run `index` into `out`; `pinned`: with its reference's Secrets.
fn render_args(index: usize, out: &str, pinned: bool) -> Vec<String> {
    let (target, uid, seed) = RUNS[index];
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/minimal.yaml");
    let mut args: Vec<String> = [
        "render",
        &example.display().to_string(),
        "--target",
        target,
        "--cluster-uid",
        uid,
        "--seed",
        seed,
        "--out",
        out,
    ]
    .iter()
    .map(|arg| (*arg).to_owned())
    .collect();
    if pinned {
        args.extend(["--existing".to_owned(), existing_file(index)]);
    }
    args
}

fn snapshot(dir: &Path) -> Snapshot {
    let mut files = Snapshot::new();
    if dir.exists() {
        collect(dir, dir, &mut files);
    }
    files
}

fn collect(root: &Path, dir: &Path, files: &mut Snapshot) {
    for entry in fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        let name = path
            .strip_prefix(root)
            .expect("inside")
            .display()
            .to_string();
        let metadata = fs::symlink_metadata(&path).expect("lstat");
        if metadata.is_dir() {
            collect(root, &path, files);
        } else if metadata.file_type().is_symlink() {
            let target = fs::read_link(&path).expect("readlink");
            files.insert(name, format!("-> {}", target.display()).into_bytes());
        } else {
            files.insert(name, fs::read(&path).expect("read"));
        }
    }
}

/// The admin password as `harbor-admin-password` carries it.
fn admin_password(files: &Snapshot) -> String {
    secret(
        files,
        "11-secret-harbor-admin-password.yaml",
        "harbor-admin-password",
        "HARBOR_ADMIN_PASSWORD",
    )
}

fn secret(files: &Snapshot, file: &str, name: &str, key: &str) -> String {
    let text = files
        .get(file)
        .unwrap_or_else(|| panic!("{file} is missing"));
    let documents: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_slice(text)
        .map(|document| serde_yaml::Value::deserialize(document).expect("YAML"))
        .collect();
    common::secret_value(&documents, name, key)
}

/// The Secrets carrying the admin password agree: they come from one run.
fn assert_one_run(files: &Snapshot) {
    assert_eq!(
        admin_password(files),
        secret(
            files,
            "12-secret-registry-info.yaml",
            "registry-info",
            "SPECTRO_USER_PASSWORD"
        ),
        "the admin password differs between the Secrets: a mix of runs"
    );
}

/// Sends SIGKILL (a process that has already exited is left as it is) and reaps it; whether
/// it exited by itself with success.
fn kill(mut child: Child) -> bool {
    let _ = child.kill();
    child.wait().expect("waits").success()
}

#[test]
fn a_kill_at_any_point_leaves_one_complete_set() {
    let mut bench = Bench::new();
    let mut random = Random::new("kill");
    let mut state = 0;
    bench.complete(state);
    bench.add_foreign();
    // Half the kills anywhere in a run; half just before the run would end, where the folder is
    // written: that moment is learnt as the trials go (a run that ended first moves it earlier).
    let run_time = bench.run_time.as_micros() as u64;
    let mut end = run_time;
    let (mut killed, mut switched, mut inside) = (0, 0, 0);
    for trial in 0..trials(10) {
        let next = random.other_than(state);
        let late = trial % 2 == 1;
        let delay = if late {
            end * 4 / 5 + random.below(end / 4)
        } else {
            random.below(run_time * 6 / 5)
        };
        let child = bench.spawn(next);
        std::thread::sleep(Duration::from_micros(delay));
        let exited = kill(child);
        if late {
            end = if exited { end * 19 / 20 } else { end * 21 / 20 };
        }
        let now = bench.which(&[state, next]);
        if exited {
            assert_eq!(now, next, "a run that exited 0 left its set");
        } else {
            killed += 1;
        }
        switched += usize::from(now != state);
        let leftovers = bench.leftovers();
        assert!(leftovers.len() <= 1, "{leftovers:?}");
        inside += leftovers.len();
        state = now;
    }
    println!(
        "{killed} runs killed, {inside} of them inside the folder write (a staging folder left), \
         {switched} switches"
    );
    bench.complete(random.other_than(state));
}

/// `strace` at `/usr/bin/strace` or on the PATH, when it can trace here (ptrace allowed);
/// otherwise prints why the test that needs it is skipped.
fn strace() -> Option<String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let Some(found) = std::iter::once(PathBuf::from("/usr/bin/strace"))
        .chain(std::env::split_paths(&path).map(|dir| dir.join("strace")))
        .find(|path| path.is_file())
    else {
        println!("skipped: no strace at /usr/bin/strace or on the PATH");
        return None;
    };
    let works = Command::new(&found)
        .args(["-f", "-o", "/dev/null", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !works {
        println!(
            "skipped: {} cannot trace here (ptrace not allowed)",
            found.display()
        );
        return None;
    }
    Some(found.display().to_string())
}

/// Kills the program `strace` runs (the tracee), then reaps strace; whether it exited by itself
/// with success.
fn kill_traced(mut tracer: Child) -> bool {
    let children = format!("/proc/{0}/task/{0}/children", tracer.id());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok(Some(status)) = tracer.try_wait() {
            return status.success();
        }
        let tracee = fs::read_to_string(&children).unwrap_or_default();
        if let Some(pid) = tracee.split_whitespace().next() {
            let _ = Command::new("kill")
                .args(["-KILL", pid])
                .stderr(Stdio::null())
                .status();
            return tracer.wait().expect("waits").success();
        }
        assert!(Instant::now() < deadline, "strace started no program");
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn a_kill_while_the_switch_is_slowed_down_leaves_one_complete_set() {
    let Some(strace) = strace() else {
        return;
    };
    let mut bench = Bench::new();
    let mut random = Random::new("strace");
    // Every rename (the switch is one renameat2) waits before and after the system call, and
    // the other steps of a folder write (syncs, links, removals, new folders) after theirs, so
    // most of a run is its folder write.
    let slow = [
        "-f",
        "-o",
        "/dev/null",
        "-e",
        "inject=/^rename:delay_enter=10ms:delay_exit=10ms",
        "-e",
        "inject=/^(fsync|link|linkat|unlink|unlinkat|mkdir|mkdirat|rmdir)$:delay_exit=2ms",
        "--",
        env!("CARGO_BIN_EXE_harbor-edge"),
    ];
    let mut state = 0;
    bench.complete(state);
    bench.add_foreign();
    let started = Instant::now();
    let status = bench
        .command(&strace, &slow, 1)
        .status()
        .expect("strace runs");
    assert!(status.success());
    let window = started.elapsed().as_micros() as u64;
    state = bench.which(&[1]);
    // Kills before the folder write, during it before the switch, and after the switch.
    let (mut early, mut before, mut after) = (0, 0, 0);
    for _ in 0..trials(4) {
        let next = random.other_than(state);
        let tracer = bench.command(&strace, &slow, next).spawn().expect("spawns");
        std::thread::sleep(Duration::from_micros(random.below(window)));
        let exited = kill_traced(tracer);
        let now = bench.which(&[state, next]);
        let leftovers = bench.leftovers();
        assert!(leftovers.len() <= 1, "{leftovers:?}");
        if exited {
            assert_eq!(now, next);
        } else if now == next {
            after += 1;
        } else if leftovers.is_empty() {
            early += 1;
        } else {
            before += 1;
        }
        state = now;
    }
    println!(
        "killed {early} times before the folder write, {before} times in it before the switch, \
         {after} times after the switch"
    );
    bench.complete(random.other_than(state));
}

#[test]
fn a_full_disk_while_writing_leaves_the_earlier_set() {
    let Some(strace) = strace() else {
        return;
    };
    let mut bench = Bench::new();
    bench.complete(0);
    // Files that are not harbor-edge's: the run links them into its staging folder.
    bench.add_foreign();
    let expected = bench.expected(0);
    let files = bench.references[1].len();
    // The n-th write of a file (the list of owned files first, then each object), and the
    // hard link, fail as on a full disk.
    let faults: Vec<String> = (1..=files)
        .map(|when| format!("inject=write:error=ENOSPC:when={when}"))
        .chain(["inject=/^link:error=ENOSPC".to_owned()])
        .collect();
    for fault in &faults {
        let output = bench
            .command(
                &strace,
                &[
                    "-f",
                    "-o",
                    "/dev/null",
                    "-e",
                    fault,
                    "--",
                    env!("CARGO_BIN_EXE_harbor-edge"),
                ],
                1,
            )
            .stderr(Stdio::piped())
            .output()
            .expect("strace runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{fault}: {stderr}");
        assert!(
            stderr.contains("No space left on device"),
            "{fault}: {stderr}"
        );
        assert_eq!(snapshot(&bench.out()), expected, "{fault}");
        assert_eq!(bench.leftovers(), Vec::<String>::new(), "{fault}");
    }
}

#[test]
fn without_the_switch_the_journal_restores_one_complete_set_on_the_next_run() {
    let Some(strace) = strace() else {
        return;
    };
    let mut bench = Bench::new();
    let mut random = Random::new("journal");
    // The switch fails as across file systems, so every write takes the journal; its renames
    // are slowed down.
    let journal = [
        "-f",
        "-o",
        "/dev/null",
        "-e",
        "inject=renameat2:error=EXDEV:when=1",
        "-e",
        "inject=/^rename(at)?$:delay_enter=2ms:delay_exit=2ms",
        "--",
        env!("CARGO_BIN_EXE_harbor-edge"),
    ];
    let mut state = 0;
    bench.complete(state);
    bench.add_foreign();
    let started = Instant::now();
    assert!(
        bench
            .command(&strace, &journal, 1)
            .status()
            .expect("runs")
            .success()
    );
    let window = started.elapsed().as_micros() as u64;
    state = bench.which(&[1]);
    assert!(!bench.out().join(".harbor-edge-commit").exists());
    let mut mixed = 0;
    for _ in 0..trials(4) {
        let next = random.other_than(state);
        let tracer = bench
            .command(&strace, &journal, next)
            .spawn()
            .expect("spawns");
        std::thread::sleep(Duration::from_micros(random.below(window)));
        let exited = kill_traced(tracer);
        let found = snapshot(&bench.out());
        if exited {
            assert_eq!(bench.which(&[next]), next);
        } else if found != bench.expected(state) && found != bench.expected(next) {
            // A mix, marked by the journal's folder inside the output folder.
            assert!(
                found
                    .keys()
                    .any(|name| name.starts_with(".harbor-edge-commit/")
                        || name.starts_with(".harbor-edge-staging/")),
                "a mix without a journal: {:?}",
                found.keys().collect::<Vec<_>>()
            );
            mixed += 1;
        }
        // The next run (with the switch) finishes or discards the interrupted write first.
        state = random.other_than(next);
        bench.complete(state);
        for name in [".harbor-edge-commit", ".harbor-edge-staging"] {
            assert!(!bench.out().join(name).exists(), "{name} left");
        }
    }
    println!("{mixed} kills left a mix that the next run repaired");
}

#[test]
fn concurrent_renders_into_one_folder_never_interleave() {
    let mut bench = Bench::new();
    let mut random = Random::new("pairs");
    bench.complete(0);
    bench.add_foreign();
    let pairs = trials(10);
    for pair in 0..pairs {
        let first = random.below(RUNS.len() as u64) as usize;
        let second = random.other_than(first);
        let (a, b) = (bench.spawn(first), bench.spawn(second));
        for (index, child) in [(first, a), (second, b)] {
            let status = child.wait_with_output().expect("waits").status;
            assert!(
                status.success(),
                "pair {pair}: run {index} waits, then succeeds"
            );
        }
        bench.which(&[first, second]);
        assert_eq!(bench.leftovers(), Vec::<String>::new(), "pair {pair}");
    }
    // One run held back inside its switch, so the other one must wait for the lock.
    let Some(strace) = strace() else {
        return;
    };
    let slow = [
        "-f",
        "-o",
        "/dev/null",
        "-e",
        "inject=renameat2:delay_enter=40ms",
        "--",
        env!("CARGO_BIN_EXE_harbor-edge"),
    ];
    for _ in 0..5 {
        let first = random.below(RUNS.len() as u64) as usize;
        let second = random.other_than(first);
        let held = bench
            .command(&strace, &slow, first)
            .spawn()
            .expect("spawns");
        std::thread::sleep(Duration::from_millis(20));
        let waiting = bench.spawn(second);
        assert!(waiting.wait_with_output().expect("waits").status.success());
        assert!(held.wait_with_output().expect("waits").status.success());
        bench.which(&[first, second]);
        assert_eq!(bench.leftovers(), Vec::<String>::new());
    }
}
