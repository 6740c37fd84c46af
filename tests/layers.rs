//! The house plan holds: each top-level module imports only from layers
//! at or below its own, no two modules depend on each other (directly or
//! through others), and only the CLI knows clap. Read from the sources'
//! `crate::` paths, so a new upward import fails here, not in review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers, top first. A module may use any module of a lower layer, and
/// modules of its own layer as long as no cycle forms.
const LAYERS: &[(&str, &[&str])] = &[
    ("command line", &["cli"]),
    (
        "what a user asks for",
        &["container", "image", "build", "compose", "dev"],
    ),
    (
        "how it is done",
        &["runtime", "storage", "network", "monitor"],
    ),
    (
        "shared below everything",
        &["sys", "util", "context", "error", "log", "events"],
    ),
];

fn rank(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
        .map(|top_first| LAYERS.len() - top_first)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/image/store/gc.rs` ->
/// `image`); None for the crate roots and the extra binaries.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "main" | "lib" | "bin")).then(|| name.to_string())
}

/// The code of a line, without a `//` comment (doc text names modules
/// freely).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Every `crate::<module>` a line of code names.
fn crate_paths(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        let tail = &rest[i + "crate::".len()..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let before = rest[..i].chars().last();
        // `$crate::` in macros and `other_crate::` are not ours.
        if end > 0 && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            out.push(&tail[..end]);
        }
        rest = &tail[end..];
    }
    out
}

struct Graph {
    /// module -> module it uses -> where (file:line).
    edges: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    clap_users: Vec<String>,
}

fn read_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut graph = Graph {
        edges: BTreeMap::new(),
        clap_users: Vec::new(),
    };
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        let rel = file.strip_prefix(&src).unwrap().display().to_string();
        for (n, line) in text.lines().enumerate() {
            let line = code(line);
            if module != "cli" && line.contains("clap::") {
                graph.clap_users.push(format!("src/{rel}:{}", n + 1));
            }
            for target in crate_paths(line) {
                if target != module {
                    graph
                        .edges
                        .entry(module.clone())
                        .or_default()
                        .entry(target.to_string())
                        .or_default()
                        .push(format!("src/{rel}:{}", n + 1));
                }
            }
        }
    }
    graph
}

#[test]
fn every_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let unknown: BTreeSet<String> = files
        .iter()
        .filter_map(|f| module_of(&src, f))
        .filter(|m| rank(m).is_none())
        .collect();
    assert!(
        unknown.is_empty(),
        "modules without a layer (add them to LAYERS here and to ARCHITECTURE.md): {unknown:?}"
    );
}

#[test]
fn layers_only_look_down() {
    let graph = read_graph();
    let mut upward = Vec::new();
    for (from, targets) in &graph.edges {
        for (to, places) in targets {
            let (Some(a), Some(b)) = (rank(from), rank(to)) else {
                continue;
            };
            if b > a {
                upward.push(format!("{from} -> {to} at {}", places.join(", ")));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports from a higher layer:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_cycles_between_modules() {
    let graph = read_graph();
    // Depth-first search; a back edge closes a cycle.
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.edges.get(node).into_iter().flat_map(|t| t.keys()) {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for start in graph.edges.keys() {
        if let Some(cycle) = visit(start, &graph, &mut Vec::new(), &mut done) {
            let mut places = Vec::new();
            for pair in cycle.windows(2) {
                let first = &graph.edges[&pair[0]][&pair[1]][0];
                places.push(format!("{} -> {} at {first}", pair[0], pair[1]));
            }
            panic!(
                "modules that depend on each other: {}\n{}",
                cycle.join(" -> "),
                places.join("\n")
            );
        }
    }
}

#[test]
fn only_the_cli_knows_clap() {
    let graph = read_graph();
    assert!(
        graph.clap_users.is_empty(),
        "clap outside cli/ (give the domain code a plain type): {:?}",
        graph.clap_users
    );
}

#[test]
fn the_reader_sees_imports() {
    // The checks above are only as good as this parser.
    assert_eq!(
        crate_paths("use crate::image::store::Store; x(crate::sys::fd::a)"),
        ["image", "sys"]
    );
    assert_eq!(
        crate_paths("$crate::log::debug(other_crate::x)"),
        Vec::<&str>::new()
    );
    assert_eq!(code("let a = 1; // crate::cli::X"), "let a = 1; ");
    let src = Path::new("/s/src");
    assert_eq!(
        module_of(src, Path::new("/s/src/image/store/gc.rs")).as_deref(),
        Some("image")
    );
    assert_eq!(
        module_of(src, Path::new("/s/src/error.rs")).as_deref(),
        Some("error")
    );
    assert_eq!(module_of(src, Path::new("/s/src/main.rs")), None);
    assert!(rank("cli") > rank("container"));
    assert!(rank("container") > rank("runtime"));
    assert!(rank("runtime") > rank("sys"));
    assert_eq!(rank("image"), rank("container"));
}
