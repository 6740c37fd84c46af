//! `--format {{.` and `--filter KEY=VALUE` candidates. Template fields come
//! from the value the command itself hands its template
//! (`commands::format_sample`), so they cannot drift from what it renders.

use super::objects::{Objects, Want};
use super::{directive, Answer, Candidate};
use serde_json::Value;

/// `wait --condition` states.
pub const WAIT_CONDITIONS: &[&str] = &["configured", "created", "exited", "running", "stopped"];

/// `--format`: `json`, then `{{.Field}}`, walking into nested objects
/// (`{{.State.` → `{{.State.Status}}`).
pub fn format(names: &[&str], cur: &str) -> Answer {
    let Some(sample) = crate::cli::commands::format_sample(names) else {
        return no_files(Vec::new());
    };
    let Some((before, inner)) = cur.rsplit_once("{{") else {
        let mut out: Vec<Candidate> = Vec::new();
        if "json".starts_with(cur) {
            out.push(Candidate::new("json", "JSON"));
        }
        out.extend(fields_of(&sample, "", ""));
        return finish(
            out.into_iter()
                .filter(|c| c.value.starts_with(cur))
                .collect(),
        );
    };
    if inner.contains("}}") {
        return no_files(Vec::new());
    }
    let path = inner.trim_start();
    let Some(path) = path.strip_prefix('.') else {
        return finish(fields_of(&sample, before, ""));
    };
    let (parents, partial) = match path.rsplit_once('.') {
        Some((p, last)) => (Some(p), last),
        None => (None, path),
    };
    let mut node = &sample;
    let mut shown = String::new();
    for key in parents.into_iter().flat_map(|p| p.split('.')) {
        match node.get(key) {
            Some(next) => node = next,
            None => return no_files(Vec::new()),
        }
        shown.push_str(key);
        shown.push('.');
    }
    let out = fields_of(node, before, &shown)
        .into_iter()
        .filter(|c| {
            let field = &c.value[before.len() + 3 + shown.len()..];
            field.starts_with(partial)
        })
        .collect();
    finish(out)
}

/// `{{.PATH.Key}}` for each key of `node`; `{{.PATH.Key.` (to go on) for
/// an object with keys.
fn fields_of(node: &Value, lead: &str, path: &str) -> Vec<Candidate> {
    let Some(map) = node.as_object() else {
        return Vec::new();
    };
    let mut out: Vec<Candidate> = map
        .iter()
        .map(|(key, value)| match value {
            Value::Object(m) if !m.is_empty() => {
                Candidate::new(format!("{lead}{{{{.{path}{key}."), "")
            }
            _ => Candidate::new(format!("{lead}{{{{.{path}{key}}}}}"), ""),
        })
        .collect();
    out.sort_by(|a, b| a.value.cmp(&b.value));
    out
}

fn finish(candidates: Vec<Candidate>) -> Answer {
    let open = candidates.iter().any(|c| c.value.ends_with('.'));
    Answer {
        candidates,
        directive: directive::NO_FILES | if open { directive::NO_SPACE } else { 0 },
    }
}

fn no_files(candidates: Vec<Candidate>) -> Answer {
    Answer {
        candidates,
        directive: directive::NO_FILES,
    }
}

/// What a filter value names.
#[derive(Clone, Copy)]
enum FilterValue {
    Free,
    Containers,
    Images,
    Volumes,
    Bool,
    States,
}

/// The keys each command's filter parser accepts, and what their values
/// name.
fn filter_keys(names: &[&str]) -> &'static [(&'static str, FilterValue)] {
    use FilterValue::*;
    match names {
        [.., "ps"] | ["container", "ls" | "list"] => &[
            ("ancestor", Images),
            ("before", Containers),
            ("exited", Free),
            ("id", Free),
            ("label", Free),
            ("label!", Free),
            ("name", Containers),
            ("since", Containers),
            ("status", States),
            ("until", Free),
            ("volume", Volumes),
        ],
        ["container", "prune"] => &[("label", Free), ("label!", Free), ("until", Free)],
        ["images"] | ["image", "ls" | "list"] => &[
            ("before", Images),
            ("dangling", Bool),
            ("reference", Images),
            ("since", Images),
        ],
        ["volume", "ls" | "list" | "prune"] => &[
            ("after", Volumes),
            ("dangling", Bool),
            ("driver", Free),
            ("label", Free),
            ("name", Volumes),
            ("opt", Free),
            ("scope", Free),
            ("since", Volumes),
            ("until", Free),
        ],
        _ => &[],
    }
}

/// `--filter`: `KEY=` first, then the key's values.
pub fn filters(names: &[&str], objects: &Objects, cur: &str) -> Answer {
    let keys = filter_keys(names);
    let Some((key, value)) = cur.split_once('=') else {
        let candidates: Vec<Candidate> = keys
            .iter()
            .map(|(k, _)| format!("{k}="))
            .filter(|k| k.starts_with(cur))
            .map(|k| Candidate::new(k, ""))
            .collect();
        return Answer {
            candidates,
            directive: directive::NO_FILES | directive::NO_SPACE,
        };
    };
    let Some((_, kind)) = keys.iter().find(|(k, _)| *k == key) else {
        return no_files(Vec::new());
    };
    let values: Vec<Candidate> = match kind {
        FilterValue::Free => Vec::new(),
        FilterValue::Containers => objects.containers(Want::All, value),
        FilterValue::Images => objects.images(value),
        FilterValue::Volumes => objects.volumes(value),
        FilterValue::Bool => ["true", "false"]
            .iter()
            .filter(|v| v.starts_with(value))
            .map(|v| Candidate::new(*v, ""))
            .collect(),
        FilterValue::States => crate::cli::commands::CONTAINER_STATES
            .iter()
            .filter(|v| v.starts_with(value))
            .map(|v| Candidate::new(*v, ""))
            .collect(),
    };
    no_files(
        values
            .into_iter()
            .map(|c| Candidate::new(format!("{key}={}", c.value), c.help))
            .collect(),
    )
}
