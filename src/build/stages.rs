//! A Containerfile as stages: the ARGs before the first FROM (global,
//! usable in FROM lines), then each FROM and its instructions. Which
//! stages a target needs (its base and `COPY --from` sources, transitively)
//! is decided here; the others are skipped.

use super::expand;
use super::parse::{error_at, Args, Containerfile, Instruction};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct Stage {
    pub index: usize,
    /// `AS name`, lower-cased.
    pub name: Option<String>,
    /// The base as expanded with the global args: an image, `scratch`,
    /// or the name or index of an earlier stage.
    pub base: String,
    pub from: Instruction,
    pub instructions: Vec<Instruction>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    /// Global ARGs: name and value (build arg, else default), in order.
    pub global_args: Vec<(String, Option<String>)>,
    pub stages: Vec<Stage>,
}

/// One `ARG` instruction's declarations: name and default.
pub fn arg_declarations(
    file: &str,
    i: &Instruction,
    escape: char,
    vars: &dyn expand::Vars,
) -> anyhow::Result<Vec<(String, Option<String>)>> {
    let Args::Shell(text) = &i.args else {
        return Err(error_at(file, i.line, "ARG takes NAME[=VALUE]"));
    };
    let mut out = Vec::new();
    for w in expand::raw_words(text, escape).map_err(|e| error_at(file, i.line, e))? {
        match w.split_once('=') {
            Some((k, v)) => {
                let (v, _) =
                    expand::word(v, vars, escape).map_err(|e| error_at(file, i.line, e))?;
                out.push((k.to_string(), Some(v)));
            }
            None => out.push((w, None)),
        }
    }
    for (k, _) in &out {
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(error_at(file, i.line, format!("ARG: invalid name {k:?}")));
        }
    }
    Ok(out)
}

/// Split `cf` into stages; `build_args` override global ARG defaults.
pub fn plan(
    file: &str,
    cf: &Containerfile,
    build_args: &BTreeMap<String, String>,
    predefined: &BTreeMap<String, String>,
) -> anyhow::Result<Plan> {
    let mut global: Vec<(String, Option<String>)> = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    for i in &cf.instructions {
        if i.keyword == "FROM" {
            let lookup = |n: &str| -> Option<String> {
                global
                    .iter()
                    .rev()
                    .find(|(k, _)| k == n)
                    .and_then(|(_, v)| v.clone())
                    .or_else(|| predefined.get(n).cloned())
            };
            let Args::Shell(text) = &i.args else {
                return Err(error_at(file, i.line, "FROM takes an image"));
            };
            let words =
                expand::words(text, &lookup, cf.escape).map_err(|e| error_at(file, i.line, e))?;
            let (base, name) = match words.as_slice() {
                [b] => (b.clone(), None),
                [b, as_, n] if as_.eq_ignore_ascii_case("as") => {
                    (b.clone(), Some(n.to_ascii_lowercase()))
                }
                _ => {
                    return Err(error_at(
                        file,
                        i.line,
                        format!("FROM {text}: expected IMAGE [AS NAME]"),
                    ))
                }
            };
            if base.is_empty() {
                return Err(error_at(
                    file,
                    i.line,
                    format!("FROM {text}: the base image name is empty"),
                ));
            }
            if let Some(n) = &name {
                if stages.iter().any(|s| s.name.as_ref() == Some(n)) {
                    return Err(error_at(
                        file,
                        i.line,
                        format!("duplicate stage name {n:?}"),
                    ));
                }
            }
            stages.push(Stage {
                index: stages.len(),
                name,
                base,
                from: i.clone(),
                instructions: Vec::new(),
            });
            continue;
        }
        match stages.last_mut() {
            Some(s) => s.instructions.push(i.clone()),
            None if i.keyword == "ARG" => {
                let lookup = |n: &str| -> Option<String> {
                    global
                        .iter()
                        .rev()
                        .find(|(k, _)| k == n)
                        .and_then(|(_, v)| v.clone())
                };
                for (k, default) in arg_declarations(file, i, cf.escape, &lookup)? {
                    let value = build_args.get(&k).cloned().or(default);
                    global.push((k, value));
                }
            }
            None => {
                return Err(error_at(
                    file,
                    i.line,
                    format!("{}: only ARG may come before the first FROM", i.keyword),
                ))
            }
        }
    }
    if stages.is_empty() {
        return Err(crate::error::exit_error(
            125,
            format!("{file}: no FROM instruction"),
        ));
    }
    Ok(Plan {
        global_args: global,
        stages,
    })
}

impl Plan {
    /// The stage named (or numbered) `name` among the first `before`.
    pub fn stage_ref(&self, name: &str, before: usize) -> Option<usize> {
        let lower = name.to_ascii_lowercase();
        if let Some(s) = self.stages[..before]
            .iter()
            .find(|s| s.name.as_deref() == Some(&lower))
        {
            return Some(s.index);
        }
        name.parse::<usize>().ok().filter(|n| *n < before)
    }

    /// The stage `--target` names (default the last).
    pub fn target(&self, target: Option<&str>) -> anyhow::Result<usize> {
        match target {
            None => Ok(self.stages.len() - 1),
            Some(t) => self.stage_ref(t, self.stages.len()).ok_or_else(|| {
                crate::error::exit_error(125, format!("target stage {t:?} could not be found"))
            }),
        }
    }

    /// The stages `stage` uses directly: its base and `--from` sources.
    pub fn deps(&self, stage: usize) -> Vec<usize> {
        let s = &self.stages[stage];
        let mut out: Vec<usize> = self.stage_ref(&s.base, stage).into_iter().collect();
        for i in &s.instructions {
            if matches!(i.keyword.as_str(), "COPY" | "ADD") {
                if let Some(from) = i.flag("from") {
                    out.extend(self.stage_ref(from, stage));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Which stages building `target` needs, in order.
    pub fn needed(&self, target: usize) -> Vec<bool> {
        let mut need = vec![false; self.stages.len()];
        let mut todo = vec![target];
        while let Some(s) = todo.pop() {
            if !std::mem::replace(&mut need[s], true) {
                todo.extend(self.deps(s));
            }
        }
        need
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::parse::parse;

    fn plan_of(text: &str, args: &[(&str, &str)]) -> anyhow::Result<Plan> {
        let cf = parse("Containerfile", text)?;
        let args = args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        plan("Containerfile", &cf, &args, &BTreeMap::new())
    }

    #[test]
    fn global_args_expand_in_from() {
        let text =
            "ARG TAG=1.0\nARG BASE=alpine:${TAG}\nFROM $BASE AS one\nFROM ${NONE:-busybox}\n";
        let p = plan_of(text, &[]).unwrap();
        assert_eq!(p.stages[0].base, "alpine:1.0");
        assert_eq!(p.stages[0].name.as_deref(), Some("one"));
        assert_eq!(p.stages[1].base, "busybox");
        let p = plan_of(text, &[("TAG", "2")]).unwrap();
        assert_eq!(p.stages[0].base, "alpine:2");
        assert_eq!(p.global_args[0], ("TAG".into(), Some("2".into())));
    }

    #[test]
    fn targets_and_needed_stages() {
        let text = "FROM busybox AS a\nRUN a\nFROM busybox AS b\nRUN b\nFROM a AS c\nCOPY --from=b /x /x\nFROM busybox AS d\nCOPY --from=0 /y /y\n";
        let p = plan_of(text, &[]).unwrap();
        assert_eq!(p.target(None).unwrap(), 3);
        assert_eq!(p.target(Some("C")).unwrap(), 2);
        assert_eq!(p.target(Some("1")).unwrap(), 1);
        assert!(p.target(Some("nope")).is_err());
        assert_eq!(p.deps(2), [0, 1]);
        assert_eq!(p.needed(2), [true, true, true, false]);
        assert_eq!(p.needed(3), [true, false, false, true]);
        assert_eq!(p.needed(1), [false, true, false, false]);
        // A stage cannot refer to itself or a later one.
        let p = plan_of("FROM b AS a\nFROM busybox AS b\n", &[]).unwrap();
        assert!(p.deps(0).is_empty());
    }

    #[test]
    fn bad_plans() {
        assert!(plan_of("RUN x\nFROM a", &[]).is_err());
        assert!(plan_of("ARG A\n", &[]).is_err());
        assert!(plan_of("FROM a AS x\nFROM b AS x\n", &[]).is_err());
        assert!(plan_of("FROM a b\n", &[]).is_err());
        let e = plan_of("FROM a\nFROM ${X:?need X}\n", &[])
            .unwrap_err()
            .to_string();
        assert_eq!(e, "Containerfile:2: X: need X");
    }
}
