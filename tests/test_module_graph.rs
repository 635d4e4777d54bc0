//! The library's modules form layers: no module depends, directly or through others, on a
//! module that depends on it.
//!
//! The graph is read from the source: every `crate::` and `super::` path in a file of `src/`
//! (comments, strings and `#[cfg(test)]` modules left out), resolved through the re-exports
//! (`pub use`) of the module it names. A use between two modules counts as an edge between the
//! two siblings under their closest common parent (`render::emit` using `render::filters` is
//! `emit -> filters` under `render`; `preflight::rules` using `input` is `preflight -> input`
//! under the crate root); a module using its own parent or child is no edge. Each parent's
//! sibling graph must have no cycle. The binary's modules (`main.rs`, `cli/`) sit above the
//! library and reach it by its name, not through `crate::`, and are not part of this graph.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type ModulePath = Vec<String>;

struct Module {
    file: PathBuf,
    code: String,
}

#[test]
fn the_library_modules_have_no_dependency_cycle() {
    let graph = ModuleGraph::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        graph.modules.len() > 20,
        "the library's modules were not found: {:?}",
        graph.modules.keys().collect::<Vec<_>>()
    );
    let cycles = graph.cycles();
    assert!(
        cycles.is_empty(),
        "module dependency cycles (each `a -> b` lists where a uses b):\n{}",
        cycles.join("\n")
    );
}

/// The crate root's modules by layer, lowest first: a module uses only modules of lower layers
/// (or its own). The foundation holds what every step shares; then the pipeline of SPEC 3 in
/// the order its data flows (the typed model sits below the validation that builds it, the
/// schema is derived from the model's input shape); preflight, which reads a cluster inventory
/// against a validated config, sits on top with the binary.
const LAYERS: &[&[&str]] = &[
    &["path", "secret", "suggest"],
    &["diagnostic"],
    &["error", "collector", "yaml"],
    &["certificate"],
    &["input"],
    &["macros"],
    &["model"],
    &["schema"],
    &["validation"],
    &["credentials"],
    &["node"],
    &["render"],
    &["output"],
    &["preflight"],
];

#[test]
fn each_layer_uses_only_the_layers_below_it() {
    let graph = ModuleGraph::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let layer_of = |name: &str| LAYERS.iter().position(|layer| layer.contains(&name));
    let mut wrong = Vec::new();
    for module in graph.modules.keys().filter(|path| path.len() == 1) {
        if layer_of(&module[0]).is_none() {
            wrong.push(format!(
                "{}: not in LAYERS; place it in its layer",
                module[0]
            ));
        }
    }
    let root_edges = graph.edges().remove(&Vec::new()).unwrap_or_default();
    for ((from, to), files) in &root_edges {
        if let (Some(low), Some(high)) = (layer_of(to), layer_of(from)) {
            if low >= high {
                let files: Vec<_> = files.iter().cloned().collect();
                wrong.push(format!(
                    "{from} uses {to} (not below it) in {}",
                    files.join(", ")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The check itself finds a cycle: two siblings that use each other, and one through a
/// re-export of the parent.
#[test]
fn the_graph_reader_sees_a_cycle_between_siblings() {
    let root = scratch_source(&[
        ("lib.rs", "mod a;\nmod b;\nmod c;\npub use c::Thing;\n"),
        ("a.rs", "use crate::b::B;\npub struct A;\n"),
        (
            "b.rs",
            "// use crate::c::Thing; in a comment is no use\npub struct B(crate::Thing);\n",
        ),
        ("c/mod.rs", "mod inner;\npub use inner::Thing;\n"),
        ("c/inner.rs", "pub struct Thing(super::super::a::A);\n"),
    ]);
    let cycles = ModuleGraph::read(&root).cycles();
    fs::remove_dir_all(&root).unwrap();
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    assert!(
        cycles[0].starts_with("under the crate root: a -> b -> c -> a"),
        "{cycles:?}"
    );
}

fn scratch_source(files: &[(&str, &str)]) -> PathBuf {
    let root =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("module-graph-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    for (name, text) in files {
        let path = root.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    root
}

struct ModuleGraph {
    modules: BTreeMap<ModulePath, Module>,
    /// Per module, the names its `pub use` items bring in, with the full path each stands for.
    reexports: BTreeMap<ModulePath, BTreeMap<String, ModulePath>>,
}

impl ModuleGraph {
    fn read(src: &Path) -> Self {
        let mut modules = BTreeMap::new();
        collect(src, src, &mut modules);
        let mut graph = ModuleGraph {
            modules,
            reexports: BTreeMap::new(),
        };
        let mut reexports = BTreeMap::new();
        for (path, module) in &graph.modules {
            let mut names = BTreeMap::new();
            for tree in reexport_items(&module.code) {
                for (alias, full) in tree {
                    if let Some(full) = graph.absolute(path, &full) {
                        names.insert(alias, full);
                    }
                }
            }
            reexports.insert(path.clone(), names);
        }
        graph.reexports = reexports;
        graph
    }

    /// A `use` path written in module `at`, as a path from the crate root; None for a path
    /// into another crate.
    fn absolute(&self, at: &ModulePath, path: &[String]) -> Option<ModulePath> {
        let (first, rest) = path.split_first()?;
        let mut base = at.clone();
        match first.as_str() {
            "crate" => base.clear(),
            "self" => {}
            "super" => {
                base.pop();
                let mut rest = rest;
                while rest.first().map(String::as_str) == Some("super") {
                    base.pop();
                    rest = &rest[1..];
                }
                base.extend(rest.iter().cloned());
                return Some(base);
            }
            child => {
                let mut candidate = base.clone();
                candidate.push(child.to_string());
                if !self.modules.contains_key(&candidate) {
                    return None;
                }
            }
        }
        if first != "crate" && first != "self" {
            base.push(first.clone());
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The module a path from the crate root lands in, following re-exports.
    fn module_of(&self, path: &[String]) -> ModulePath {
        let mut path: ModulePath = path.to_vec();
        for _ in 0..16 {
            let known = (0..=path.len())
                .rev()
                .find(|&n| self.modules.contains_key(&path[..n]))
                .unwrap_or(0);
            let module = path[..known].to_vec();
            let Some(next) = path.get(known) else {
                return module;
            };
            match self
                .reexports
                .get(&module)
                .and_then(|names| names.get(next))
            {
                Some(full) if full != &path[..=known] => {
                    let mut resolved = full.clone();
                    resolved.extend(path[known + 1..].iter().cloned());
                    path = resolved;
                }
                _ => return module,
            }
        }
        path
    }

    /// Per parent module, sibling edges with the files that make them.
    fn edges(&self) -> BTreeMap<ModulePath, BTreeMap<(String, String), BTreeSet<String>>> {
        let mut edges: BTreeMap<_, BTreeMap<_, BTreeSet<String>>> = BTreeMap::new();
        for (from, module) in &self.modules {
            for path in referenced_paths(&module.code) {
                let Some(absolute) = self.absolute(from, &path) else {
                    continue;
                };
                let to = self.module_of(&absolute);
                let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
                if common == from.len() || common == to.len() {
                    continue; // the same module, its parent or its child
                }
                edges
                    .entry(from[..common].to_vec())
                    .or_default()
                    .entry((from[common].clone(), to[common].clone()))
                    .or_default()
                    .insert(module.file.display().to_string());
            }
        }
        edges
    }

    fn cycles(&self) -> Vec<String> {
        let mut found = Vec::new();
        for (parent, edges) in self.edges() {
            let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (from, to) in edges.keys() {
                next.entry(from).or_default().push(to);
            }
            let mut reported = BTreeSet::new();
            for start in next.keys() {
                if let Some(cycle) = cycle_from(start, &next) {
                    let mut key = cycle[1..].to_vec();
                    key.sort();
                    if !reported.insert(key) {
                        continue;
                    }
                    let where_ = if parent.is_empty() {
                        "the crate root".to_string()
                    } else {
                        parent.join("::")
                    };
                    let steps: Vec<String> = cycle
                        .windows(2)
                        .map(|pair| {
                            let files = &edges[&(pair[0].to_string(), pair[1].to_string())];
                            format!(
                                "    {} -> {} in {}",
                                pair[0],
                                pair[1],
                                files.iter().cloned().collect::<Vec<_>>().join(", ")
                            )
                        })
                        .collect();
                    found.push(format!(
                        "under {where_}: {}\n{}",
                        cycle.join(" -> "),
                        steps.join("\n")
                    ));
                }
            }
        }
        found
    }
}

/// The shortest path from `start` back to itself, as the list of modules (first == last).
fn cycle_from<'a>(start: &'a str, next: &BTreeMap<&'a str, Vec<&'a str>>) -> Option<Vec<&'a str>> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &to in next.get(node).into_iter().flatten() {
            if to == start {
                let mut walk: Vec<&str> = Vec::new();
                let mut at = node;
                walk.push(at);
                while at != start {
                    at = came_from[at];
                    walk.push(at);
                }
                walk.reverse();
                walk.push(start);
                return Some(walk);
            }
            if to != start && !came_from.contains_key(to) {
                came_from.insert(to, node);
                queue.push_back(to);
            }
        }
    }
    None
}

fn collect(src: &Path, dir: &Path, modules: &mut BTreeMap<ModulePath, Module>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let relative = path.strip_prefix(src).unwrap();
        if relative == Path::new("main.rs") || relative.starts_with("cli") {
            continue;
        }
        if path.is_dir() {
            collect(src, &path, modules);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let mut module: ModulePath = relative
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                module.pop();
            }
            let text = fs::read_to_string(&path).unwrap();
            modules.insert(
                module,
                Module {
                    file: relative.to_path_buf(),
                    code: code_only(&text),
                },
            );
        }
    }
}

/// The text without comments, string and character literals (each replaced by a space) and
/// without the `#[cfg(test)]` modules.
fn code_only(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(at) => &text[..at],
        None => text,
    };
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |end| end + 2);
            out.push(' ');
        } else if let Some(skip) = raw_string_len(rest) {
            i += skip;
            out.push(' ');
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < bytes.len() - i && bytes[i + j] != b'"' {
                j += if bytes[i + j] == b'\\' { 2 } else { 1 };
            }
            i += (j + 1).min(bytes.len() - i);
            out.push(' ');
        } else if rest.starts_with('\'') {
            let chars: Vec<char> = rest.chars().take(4).collect();
            if let Some(escaped) = rest.strip_prefix("'\\") {
                // `'\n'`, `'\''`, `'\u{..}'`: the closing quote comes after the escaped char
                i += escaped
                    .get(1..)
                    .and_then(|after| after.find('\''))
                    .map_or(rest.len(), |end| end + 4);
                out.push(' ');
            } else if chars.get(2) == Some(&'\'') {
                i += 1 + chars[1].len_utf8() + 1;
                out.push(' ');
            } else {
                out.push('\'');
                i += 1;
            }
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The length of a raw string literal (`r"..."`, `r#"..."#`, `br"..."`) at the start of `text`.
fn raw_string_len(text: &str) -> Option<usize> {
    let after_prefix = text.strip_prefix("br").or_else(|| text.strip_prefix('r'))?;
    let hashes = after_prefix.len() - after_prefix.trim_start_matches('#').len();
    let body = after_prefix[hashes..].strip_prefix('"')?;
    let closing = format!("\"{}", "#".repeat(hashes));
    let end = body.find(&closing)?;
    Some(text.len() - body.len() + end + closing.len())
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every path in the code that starts with `crate::` or `super::`, `use` trees expanded.
fn referenced_paths(code: &str) -> Vec<ModulePath> {
    let mut paths = Vec::new();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(found) = code[from..].find(start) {
            let at = from + found;
            from = at + start.len();
            if code[..at].chars().next_back().is_some_and(is_ident) {
                continue;
            }
            if code[..at].ends_with("::") {
                continue; // `super::super::`: read from the first one
            }
            let mut parser = TreeParser { text: &code[at..] };
            paths.extend(parser.tree(Vec::new()).into_iter().map(|(_, path)| path));
        }
    }
    paths
}

/// The `pub use` items of a module: per item, the names it binds and the paths they name.
fn reexport_items(code: &str) -> Vec<Vec<(String, ModulePath)>> {
    let mut items = Vec::new();
    for statement in code.split(';') {
        let statement = statement.trim_start();
        let body = if let Some(rest) = statement.strip_prefix("pub use ") {
            rest
        } else if let Some(rest) = statement
            .strip_prefix("pub(crate) use ")
            .or_else(|| statement.strip_prefix("pub(super) use "))
        {
            rest
        } else {
            continue;
        };
        let mut parser = TreeParser { text: body };
        items.push(parser.tree(Vec::new()));
    }
    items
}

/// Reads a use tree (`a::b::{c, d::e as f, *}`): each leaf's bound name and full path.
struct TreeParser<'a> {
    text: &'a str,
}

impl TreeParser<'_> {
    fn skip_space(&mut self) {
        self.text = self.text.trim_start();
    }

    fn ident(&mut self) -> Option<String> {
        self.skip_space();
        let end = self
            .text
            .find(|c: char| !is_ident(c))
            .unwrap_or(self.text.len());
        if end == 0 {
            return None;
        }
        let ident = self.text[..end].to_string();
        self.text = &self.text[end..];
        Some(ident)
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_space();
        match self.text.strip_prefix(token) {
            Some(rest) => {
                self.text = rest;
                true
            }
            None => false,
        }
    }

    fn tree(&mut self, mut prefix: ModulePath) -> Vec<(String, ModulePath)> {
        loop {
            if self.eat("{") {
                let mut leaves = Vec::new();
                loop {
                    if self.eat("}") {
                        return leaves;
                    }
                    leaves.extend(self.tree(prefix.clone()));
                    if !self.eat(",") {
                        self.eat("}");
                        return leaves;
                    }
                }
            }
            if self.eat("*") {
                return Vec::new();
            }
            let Some(ident) = self.ident() else {
                return Vec::new();
            };
            prefix.push(ident);
            if !self.eat("::") {
                let name = if self.eat("as") {
                    self.ident().unwrap_or_default()
                } else {
                    prefix.last().cloned().unwrap_or_default()
                };
                return vec![(name, prefix)];
            }
        }
    }
}
