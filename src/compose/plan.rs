//! What `up` decides before it touches anything: the services in
//! dependency order (cycles and unknown services refused), how many
//! replicas each gets, and the configuration hash that tells a container
//! that is still as asked from one to recreate.

use super::model::Service;
use super::Project;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

fn fail(msg: impl Into<String>) -> anyhow::Error {
    crate::error::exit_error(1, msg)
}

/// Check every reference between services: depends_on,
/// `network_mode: service:X`, networks and volumes declared.
pub fn validate(p: &Project) -> anyhow::Result<()> {
    for (name, s) in &p.services {
        for dep in s.depends_on.keys() {
            if !p.services.contains_key(dep) && !p.disabled.contains_key(dep) {
                return Err(fail(format!(
                    "service {name:?} depends on undefined service {dep:?}: invalid compose project"
                )));
            }
        }
        if let Some(other) = s
            .network_mode
            .as_deref()
            .and_then(|m| m.strip_prefix("service:"))
        {
            if !p.services.contains_key(other) {
                return Err(fail(format!(
                    "service {name:?} uses the network of undefined service {other:?}: invalid compose project"
                )));
            }
        }
        for n in s.networks.keys() {
            if n != "default" && !p.networks.contains_key(n) {
                return Err(fail(format!(
                    "service {name:?} refers to undefined network {n}: invalid compose project"
                )));
            }
        }
        for m in &s.volumes {
            if let (Some(src), "volume") = (&m.source, m.kind.as_str()) {
                if !p.volumes.contains_key(src) {
                    return Err(fail(format!(
                        "service {name:?} refers to undefined volume {src}: invalid compose project"
                    )));
                }
            }
        }
    }
    order(&p.services, &p.services.keys().cloned().collect()).map(|_| ())
}

/// The services `wanted` and, unless `no_deps`, everything they depend
/// on, recursively.
pub fn with_dependencies(
    services: &BTreeMap<String, Service>,
    wanted: &[String],
    no_deps: bool,
) -> anyhow::Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut todo: Vec<String> = wanted.to_vec();
    while let Some(n) = todo.pop() {
        let Some(s) = services.get(&n) else {
            return Err(fail(format!("no such service: {n}")));
        };
        if out.insert(n.clone()) && !no_deps {
            todo.extend(deps_of(s).filter(|d| services.contains_key(d)));
        }
    }
    Ok(out)
}

/// What a service must wait for: depends_on and `network_mode: service:`.
fn deps_of(s: &Service) -> impl Iterator<Item = String> + '_ {
    s.depends_on.keys().cloned().chain(
        s.network_mode
            .as_deref()
            .and_then(|m| m.strip_prefix("service:"))
            .map(str::to_string),
    )
}

/// `selected` in an order where each service comes after those it depends
/// on (alphabetical among equals, so runs are repeatable).
pub fn order(
    services: &BTreeMap<String, Service>,
    selected: &BTreeSet<String>,
) -> anyhow::Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut state: BTreeMap<&str, u8> = BTreeMap::new(); // 1 visiting, 2 done
    fn visit<'a>(
        n: &'a str,
        services: &'a BTreeMap<String, Service>,
        selected: &BTreeSet<String>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
        out: &mut Vec<String>,
    ) -> anyhow::Result<()> {
        match state.get(n) {
            Some(2) => return Ok(()),
            Some(_) => {
                let from = stack.iter().position(|s| *s == n).unwrap_or(0);
                let mut cycle: Vec<&str> = stack[from..].to_vec();
                cycle.push(n);
                return Err(fail(format!(
                    "dependency cycle detected: {}",
                    cycle.join(" -> ")
                )));
            }
            None => {}
        }
        state.insert(n, 1);
        stack.push(n);
        if let Some(s) = services.get(n) {
            let mut deps: Vec<String> = deps_of(s).collect();
            deps.sort();
            for d in deps {
                if let Some((key, _)) = services.get_key_value(&d) {
                    visit(key, services, selected, state, stack, out)?;
                }
            }
        }
        stack.pop();
        state.insert(n, 2);
        if selected.contains(n) {
            out.push(n.to_string());
        }
        Ok(())
    }
    let mut stack = Vec::new();
    for n in selected {
        if let Some((key, _)) = services.get_key_value(n) {
            visit(key, services, selected, &mut state, &mut stack, &mut out)?;
        }
    }
    Ok(out)
}

/// How many containers a service runs: `--scale`, else `scale`, else
/// `deploy.replicas`, else 1.
pub fn replicas(s: &Service, name: &str, scale: &BTreeMap<String, u32>) -> u32 {
    scale
        .get(name)
        .copied()
        .or(s.scale)
        .or(s.deploy.as_ref().and_then(|d| d.replicas))
        .unwrap_or(1)
}

/// The hash of what a service's containers are made from (its
/// configuration without the replica count, which changes how many, not
/// what): the label `com.docker.compose.config-hash`.
pub fn config_hash(s: &Service) -> String {
    let mut s = s.clone();
    s.scale = None;
    if let Some(d) = s.deploy.as_mut() {
        d.replicas = None;
    }
    s.profiles.clear();
    let json = serde_json::to_vec(&s).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::model::Dependency;

    fn svc(deps: &[&str]) -> Service {
        Service {
            image: Some("busybox".into()),
            depends_on: deps
                .iter()
                .map(|d| (d.to_string(), Dependency::default()))
                .collect(),
            ..Service::default()
        }
    }

    fn all(s: &BTreeMap<String, Service>) -> BTreeSet<String> {
        s.keys().cloned().collect()
    }

    #[test]
    fn dependencies_come_first() {
        let s: BTreeMap<String, Service> = [
            ("web", svc(&["app"])),
            ("app", svc(&["db", "cache"])),
            ("db", svc(&[])),
            ("cache", svc(&[])),
            ("alone", svc(&[])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(
            order(&s, &all(&s)).unwrap(),
            vec!["alone", "cache", "db", "app", "web"]
        );
        let only = with_dependencies(&s, &["web".into()], false).unwrap();
        assert_eq!(order(&s, &only).unwrap(), vec!["cache", "db", "app", "web"]);
        let only = with_dependencies(&s, &["web".into()], true).unwrap();
        assert_eq!(order(&s, &only).unwrap(), vec!["web"]);
        assert!(with_dependencies(&s, &["nope".into()], false).is_err());
    }

    #[test]
    fn cycles_are_named() {
        let s: BTreeMap<String, Service> =
            [("a", svc(&["b"])), ("b", svc(&["c"])), ("c", svc(&["a"]))]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
        let e = order(&s, &all(&s)).unwrap_err();
        assert_eq!(
            crate::error::describe(&e),
            "dependency cycle detected: a -> b -> c -> a"
        );
    }

    #[test]
    fn the_hash_follows_the_configuration_not_the_scale() {
        let a = svc(&[]);
        let mut b = a.clone();
        b.scale = Some(3);
        assert_eq!(config_hash(&a), config_hash(&b));
        b.command = Some(vec!["true".into()]);
        assert_ne!(config_hash(&a), config_hash(&b));
        assert_eq!(config_hash(&a).len(), 64);
        let mut r = BTreeMap::new();
        assert_eq!(replicas(&b, "x", &r), 3);
        r.insert("x".into(), 5);
        assert_eq!(replicas(&b, "x", &r), 5);
        assert_eq!(replicas(&a, "x", &BTreeMap::new()), 1);
    }
}
