//! The compose model after normalisation: each field in one canonical
//! shape (environment and labels as maps, volumes in the long syntax,
//! ports in the short one, depends_on as a map with conditions...), so
//! merging, hashing, `config` and translation each deal with one form.
//! `normalize` turns a file's service (any of the spec's shapes) into it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use yaml_serde::{Mapping, Value};

/// Service keys cove understands; any other is reported once and dropped.
pub const SERVICE_KEYS: &[&str] = &[
    "image",
    "build",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "ports",
    "expose",
    "volumes",
    "networks",
    "network_mode",
    "depends_on",
    "healthcheck",
    "restart",
    "deploy",
    "scale",
    "labels",
    "container_name",
    "user",
    "working_dir",
    "hostname",
    "tmpfs",
    "cap_add",
    "cap_drop",
    "privileged",
    "read_only",
    "init",
    "stop_signal",
    "stop_grace_period",
    "extra_hosts",
    "dns",
    "dns_search",
    "stdin_open",
    "tty",
    "profiles",
    "pull_policy",
    "extends",
];

/// Keys inside service fields that cove applies; others are reported.
pub const NESTED_KEYS: &[(&str, &[&str])] = &[
    (
        "healthcheck",
        &[
            "test",
            "interval",
            "timeout",
            "start_period",
            "retries",
            "disable",
        ],
    ),
    ("build", &["context", "dockerfile", "args", "target"]),
];

/// Keys of `deploy` that cove applies.
pub const DEPLOY_KEYS: &[&str] = &["replicas"];
pub const NETWORK_KEYS: &[&str] = &["name", "external", "internal", "driver", "labels"];
pub const VOLUME_KEYS: &[&str] = &["name", "external", "driver", "labels"];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Service {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Build>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, Option<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env_file: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expose: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Mount>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, Option<ServiceNetwork>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub depends_on: BTreeMap<String, Dependency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<u32>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tmpfs: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_hosts: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_search: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdin_open: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tty: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_policy: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Build {
    pub context: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// A volume in the long syntax.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Mount {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub target: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceNetwork {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Dependency {
    pub condition: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub restart: bool,
    pub required: bool,
}

impl Default for Dependency {
    fn default() -> Dependency {
        Dependency {
            condition: "service_started".into(),
            restart: false,
            required: true,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Healthcheck {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub test: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Deploy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
}

/// A top-level network or volume.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub internal: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// A scalar as the string a container sees (`8080`, `true`); None for
/// null and for collections.
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn key(k: &str) -> Value {
    Value::String(k.to_string())
}

/// A string, or a list of strings, as a list.
fn string_list(v: &Value, what: &str) -> anyhow::Result<Value> {
    let items: Vec<Value> = match v {
        Value::Null => Vec::new(),
        Value::Sequence(s) => s
            .iter()
            .map(|i| scalar(i).map(Value::String))
            .collect::<Option<_>>()
            .ok_or_else(|| anyhow::anyhow!("{what} must be a list of strings"))?,
        other => vec![Value::String(scalar(other).ok_or_else(|| {
            anyhow::anyhow!("{what} must be a string or a list")
        })?)],
    };
    Ok(Value::Sequence(items))
}

/// `KEY=VALUE` lists or maps, as a map; `nullable` keeps `KEY` (no `=`)
/// and null values as null (environment: taken from the shell).
fn key_values(v: &Value, what: &str, nullable: bool) -> anyhow::Result<Value> {
    let mut out = Mapping::new();
    match v {
        Value::Null => {}
        Value::Sequence(items) => {
            for item in items {
                let s = scalar(item)
                    .ok_or_else(|| anyhow::anyhow!("{what}: entries must be strings"))?;
                match s.split_once('=') {
                    Some((k, val)) => out.insert(key(k), key(val)),
                    None if nullable => out.insert(key(&s), Value::Null),
                    None => out.insert(key(&s), key("")),
                };
            }
        }
        Value::Mapping(m) => {
            for (k, val) in m {
                let k = scalar(k).ok_or_else(|| anyhow::anyhow!("{what}: keys must be strings"))?;
                let val = match scalar(val) {
                    Some(s) => key(&s),
                    None if nullable => Value::Null,
                    None => key(""),
                };
                out.insert(key(&k), val);
            }
        }
        _ => anyhow::bail!("{what} must be a map or a list"),
    }
    Ok(Value::Mapping(out))
}

/// Split a command string into words as a POSIX shell would, without
/// expansion (Docker Compose's rule for `command: a "b c"`).
pub fn split_words(s: &str) -> anyhow::Result<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => anyhow::bail!("unterminated quote in {s:?}"),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => cur.push(c),
                            Some(c) => {
                                cur.push('\\');
                                cur.push(c);
                            }
                            None => anyhow::bail!("unterminated quote in {s:?}"),
                        },
                        Some(c) => cur.push(c),
                        None => anyhow::bail!("unterminated quote in {s:?}"),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    cur.push(c);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// A command or entrypoint: a list as is, a string split into words.
fn command(v: &Value, what: &str) -> anyhow::Result<Value> {
    match v {
        Value::Null => Ok(Value::Null),
        Value::Sequence(_) => string_list(v, what),
        other => {
            let s = scalar(other)
                .ok_or_else(|| anyhow::anyhow!("{what} must be a string or a list"))?;
            Ok(Value::Sequence(
                split_words(&s)?.into_iter().map(Value::String).collect(),
            ))
        }
    }
}

/// A short-syntax port (`"8080:80/udp"`, `80`) or a long one, as the
/// short string `-p` takes.
fn port(v: &Value) -> anyhow::Result<String> {
    if let Some(s) = scalar(v) {
        return Ok(s);
    }
    let Value::Mapping(m) = v else {
        anyhow::bail!("ports: entries must be strings, numbers or maps");
    };
    let get = |k: &str| m.get(k).and_then(scalar);
    let target =
        get("target").ok_or_else(|| anyhow::anyhow!("ports: a long entry needs target"))?;
    let mut out = String::new();
    if let Some(ip) = get("host_ip") {
        out.push_str(&ip);
        out.push(':');
    }
    match get("published") {
        Some(p) => {
            out.push_str(&p);
            out.push(':');
        }
        None if !out.is_empty() => out.push(':'),
        None => {}
    }
    out.push_str(&target);
    if let Some(proto) = get("protocol") {
        out.push('/');
        out.push_str(&proto);
    }
    Ok(out)
}

/// A short-syntax volume (`name:/data:ro`, `./src:/app`, `/anon`) or a
/// long one, as a long-syntax map.
fn volume(v: &Value) -> anyhow::Result<Value> {
    let mount = match v {
        Value::Mapping(m) => {
            let get = |k: &str| m.get(k).and_then(scalar);
            Mount {
                kind: get("type").unwrap_or_else(|| "volume".into()),
                source: get("source"),
                target: get("target")
                    .ok_or_else(|| anyhow::anyhow!("volumes: a long entry needs target"))?,
                read_only: get("read_only").is_some_and(|r| r == "true"),
            }
        }
        other => {
            let s = scalar(other)
                .ok_or_else(|| anyhow::anyhow!("volumes: entries must be strings or maps"))?;
            let parts: Vec<&str> = s.split(':').collect();
            let (source, target, mode) = match parts[..] {
                [t] => (None, t, ""),
                [src, t] => (Some(src), t, ""),
                [src, t, m] => (Some(src), t, m),
                _ => anyhow::bail!("volumes: invalid spec {s:?}"),
            };
            let kind = match source {
                None => "volume",
                Some(src) if src.starts_with(['.', '/', '~']) => "bind",
                Some(_) => "volume",
            };
            Mount {
                kind: kind.into(),
                source: source.map(str::to_string),
                target: target.to_string(),
                read_only: mode.split(',').any(|m| m == "ro"),
            }
        }
    };
    Ok(yaml_serde::to_value(mount)?)
}

/// A service as the spec allows it to be written, in canonical form.
pub fn normalize(service: &Mapping) -> anyhow::Result<Mapping> {
    let mut out = Mapping::new();
    for (k, v) in service {
        let Some(name) = k.as_str() else {
            anyhow::bail!("a key is not a string");
        };
        let what = name;
        let value = match name {
            "command" | "entrypoint" => command(v, what)?,
            "environment" => key_values(v, what, true)?,
            "labels" => key_values(v, what, false)?,
            "env_file" | "dns" | "dns_search" | "tmpfs" | "cap_add" | "cap_drop" | "profiles" => {
                match v {
                    // The long env_file syntax: {path, required}.
                    Value::Sequence(items) if name == "env_file" => Value::Sequence(
                        items
                            .iter()
                            .map(|i| match i {
                                Value::Mapping(m) => m.get("path").cloned().unwrap_or(Value::Null),
                                other => other.clone(),
                            })
                            .map(|i| {
                                string_list(&i, what)
                                    .map(|l| l.as_sequence().cloned().unwrap_or_default())
                            })
                            .collect::<anyhow::Result<Vec<_>>>()?
                            .into_iter()
                            .flatten()
                            .collect(),
                    ),
                    _ => string_list(v, what)?,
                }
            }
            "expose" => string_list(v, what)?,
            "ports" => Value::Sequence(
                v.as_sequence()
                    .ok_or_else(|| anyhow::anyhow!("ports must be a list"))?
                    .iter()
                    .map(|p| port(p).map(Value::String))
                    .collect::<anyhow::Result<_>>()?,
            ),
            "volumes" => Value::Sequence(
                v.as_sequence()
                    .ok_or_else(|| anyhow::anyhow!("volumes must be a list"))?
                    .iter()
                    .map(volume)
                    .collect::<anyhow::Result<_>>()?,
            ),
            "networks" => match v {
                Value::Sequence(items) => {
                    let mut m = Mapping::new();
                    for i in items {
                        let n = scalar(i)
                            .ok_or_else(|| anyhow::anyhow!("networks: entries must be names"))?;
                        m.insert(key(&n), Value::Null);
                    }
                    Value::Mapping(m)
                }
                other => other.clone(),
            },
            "depends_on" => match v {
                Value::Sequence(items) => {
                    let mut m = Mapping::new();
                    for i in items {
                        let n = scalar(i)
                            .ok_or_else(|| anyhow::anyhow!("depends_on: entries must be names"))?;
                        m.insert(key(&n), yaml_serde::to_value(Dependency::default())?);
                    }
                    Value::Mapping(m)
                }
                other => other.clone(),
            },
            "extra_hosts" => match v {
                Value::Mapping(m) => Value::Sequence(
                    m.iter()
                        .map(|(h, ip)| {
                            Value::String(format!(
                                "{}:{}",
                                scalar(h).unwrap_or_default(),
                                scalar(ip).unwrap_or_default()
                            ))
                        })
                        .collect(),
                ),
                other => string_list(other, what)?,
            },
            "build" => match v {
                Value::Mapping(m) => {
                    let mut m = m.clone();
                    if let Some(args) = m.get("args").cloned() {
                        m.insert(key("args"), key_values(&args, "build.args", true)?);
                    }
                    Value::Mapping(m)
                }
                other => {
                    let mut m = Mapping::new();
                    m.insert(key("context"), other.clone());
                    Value::Mapping(m)
                }
            },
            "healthcheck" => match v {
                Value::Mapping(m) => {
                    let mut m = m.clone();
                    match m.get("test").cloned() {
                        Some(Value::Sequence(s)) => {
                            m.insert(
                                key("test"),
                                string_list(&Value::Sequence(s), "healthcheck.test")?,
                            );
                        }
                        Some(other) => {
                            let cmd = scalar(&other).unwrap_or_default();
                            m.insert(
                                key("test"),
                                Value::Sequence(vec![key("CMD-SHELL"), Value::String(cmd)]),
                            );
                        }
                        None => {}
                    }
                    Value::Mapping(m)
                }
                other => other.clone(),
            },
            "user" | "working_dir" | "hostname" | "container_name" | "image" | "restart"
            | "stop_signal" | "stop_grace_period" | "network_mode" | "pull_policy" => {
                match scalar(v) {
                    Some(s) => Value::String(s),
                    None => v.clone(),
                }
            }
            _ => v.clone(),
        };
        out.insert(k.clone(), value);
    }
    Ok(out)
}

/// Deserialize a canonical service, naming the field that does not fit.
pub fn typed(name: &str, service: Mapping) -> anyhow::Result<Service> {
    yaml_serde::from_value(Value::Mapping(service))
        .map_err(|e| anyhow::anyhow!("service {name:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(yaml: &str) -> Service {
        let m: Mapping = yaml_serde::from_str(yaml).unwrap();
        typed("t", normalize(&m).unwrap()).unwrap()
    }

    #[test]
    fn short_and_long_syntaxes_meet() {
        let a = norm(
            "image: busybox\ncommand: sh -c 'echo \"hi there\"'\nenvironment: [A=1, B]\nlabels: {x: 1}\nports: [\"8080:80\", 81, {target: 82, published: 9000, protocol: udp}, {target: 83, host_ip: 127.0.0.1}]\nvolumes: [data:/data:ro, ./src:/app, /anon, {type: tmpfs, target: /t}]\nnetworks: [front]\ndepends_on: [db]\nextra_hosts: {h: 1.2.3.4}\ndns: 8.8.8.8\nhealthcheck: {test: wget -q localhost}\nbuild: ./dir\n",
        );
        assert_eq!(a.command.unwrap(), vec!["sh", "-c", "echo \"hi there\""]);
        assert_eq!(a.environment["A"].as_deref(), Some("1"));
        assert_eq!(a.environment["B"], None);
        assert_eq!(a.labels["x"], "1");
        assert_eq!(
            a.ports,
            vec!["8080:80", "81", "9000:82/udp", "127.0.0.1::83"]
        );
        assert_eq!(a.volumes[0].kind, "volume");
        assert_eq!(a.volumes[0].source.as_deref(), Some("data"));
        assert!(a.volumes[0].read_only);
        assert_eq!(a.volumes[1].kind, "bind");
        assert_eq!(a.volumes[2].source, None);
        assert_eq!(a.volumes[3].kind, "tmpfs");
        assert!(a.networks.contains_key("front"));
        assert_eq!(a.depends_on["db"].condition, "service_started");
        assert_eq!(a.extra_hosts, vec!["h:1.2.3.4"]);
        assert_eq!(a.dns, vec!["8.8.8.8"]);
        assert_eq!(
            a.healthcheck.unwrap().test,
            vec!["CMD-SHELL", "wget -q localhost"]
        );
        assert_eq!(a.build.unwrap().context, "./dir");
    }

    #[test]
    fn words_split_as_a_shell_would() {
        assert_eq!(
            split_words("a  'b c' \"d\\\"e\" f\\ g").unwrap(),
            vec!["a", "b c", "d\"e", "f g"]
        );
        assert_eq!(split_words("").unwrap(), Vec::<String>::new());
        assert!(split_words("'open").is_err());
    }
}
