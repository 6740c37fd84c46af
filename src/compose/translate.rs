//! A service replica as the `create` request `cove run` would make for it:
//! compose is a translator, so every field becomes the flag a user would
//! have typed, and the container layer checks them as it checks flags.

use super::model::Service;
use super::Project;
use crate::container::request::CreateOptions;
use crate::image::registry::pull::PullPolicy;
use std::path::Path;

pub const LABEL_PROJECT: &str = "com.docker.compose.project";
pub const LABEL_SERVICE: &str = "com.docker.compose.service";
pub const LABEL_NUMBER: &str = "com.docker.compose.container-number";
pub const LABEL_HASH: &str = "com.docker.compose.config-hash";
pub const LABEL_ONEOFF: &str = "com.docker.compose.oneoff";
pub const LABEL_WORKING_DIR: &str = "com.docker.compose.project.working_dir";
pub const LABEL_CONFIG_FILES: &str = "com.docker.compose.project.config_files";
pub const LABEL_NETWORK: &str = "com.docker.compose.network";
pub const LABEL_VOLUME: &str = "com.docker.compose.volume";

fn fail(msg: impl Into<String>) -> anyhow::Error {
    crate::error::exit_error(1, msg)
}

/// `<project>-<service>-<n>`, or the service's `container_name`.
pub fn container_name(p: &Project, service: &str, number: u32) -> String {
    match p
        .services
        .get(service)
        .and_then(|s| s.container_name.clone())
    {
        Some(n) => n,
        None => format!("{}-{service}-{number}", p.name),
    }
}

/// The network a service's `networks:` key names, as stored.
pub fn network_name(p: &Project, key: &str) -> String {
    match p.networks.get(key) {
        Some(def) if def.name.is_some() => def.name.clone().unwrap_or_default(),
        Some(def) if def.external => key.to_string(),
        _ => format!("{}_{key}", p.name),
    }
}

/// The volume a service's `volumes:` source names, as stored.
pub fn volume_name(p: &Project, key: &str) -> String {
    match p.volumes.get(key) {
        Some(def) if def.name.is_some() => def.name.clone().unwrap_or_default(),
        Some(def) if def.external => key.to_string(),
        _ => format!("{}_{key}", p.name),
    }
}

/// The networks a service joins, by key (`default` when it names none and
/// has no network_mode).
pub fn service_networks(s: &Service) -> Vec<String> {
    if s.network_mode.is_some() {
        return Vec::new();
    }
    if s.networks.is_empty() {
        return vec!["default".into()];
    }
    s.networks.keys().cloned().collect()
}

/// The image a service runs: `image`, else the one `build` makes
/// (`<project>-<service>`, as Docker Compose names it).
pub fn image_of(p: &Project, name: &str, s: &Service) -> String {
    match (&s.image, &s.build) {
        (Some(i), _) => i.clone(),
        (None, _) => format!("{}-{name}", p.name),
    }
}

fn seconds(what: &str, text: &str) -> anyhow::Result<u64> {
    let d = crate::util::duration::parse_go_duration(text)
        .ok_or_else(|| fail(format!("{what}: invalid duration {text:?}")))?;
    Ok(d.as_secs() + u64::from(d.subsec_nanos() > 0))
}

fn absolute(base: &Path, p: &str) -> String {
    if let Some(rest) = p.strip_prefix("~/") {
        if let Ok(home) = std::env::var("HOME") {
            return Path::new(&home).join(rest).display().to_string();
        }
    }
    // Lexically cleaned, as Docker Compose shows it (`./src` → `/dir/src`).
    let mut out = std::path::PathBuf::new();
    for part in base.join(p).components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.display().to_string()
}

/// The request for replica `number` of service `name`.
pub fn create_options(p: &Project, name: &str, number: u32) -> anyhow::Result<CreateOptions> {
    let s = &p.services[name];
    let what = |field: &str| format!("service {name:?}: {field}");
    let image = match &s.image {
        Some(i) => i.clone(),
        // Where `build` stored it.
        None => crate::image::reference::local_name(&image_of(p, name, s))?,
    };
    let mut o = CreateOptions {
        name: Some(container_name(p, name, number)),
        image,
        command: s.command.clone().unwrap_or_default(),
        ..CreateOptions::default()
    };
    if let Some(e) = &s.entrypoint {
        o.entrypoint = Some(serde_json::to_string(e)?);
    }
    for (k, v) in &s.environment {
        match v {
            Some(v) => o.env.push(format!("{k}={v}")),
            // Without a value: from the project's variables, if set.
            None => {
                if let Some(v) = p.environ.get(k) {
                    o.env.push(format!("{k}={v}"));
                }
            }
        }
    }
    // env_file values come before `environment`, which wins.
    o.env_file = s.env_file.iter().map(|f| p.working_dir.join(f)).collect();
    o.publish = s.ports.clone();
    for m in &s.volumes {
        let ro = if m.read_only { ":ro" } else { "" };
        match (m.kind.as_str(), &m.source) {
            ("volume", Some(src)) => {
                o.volume
                    .push(format!("{}:{}{ro}", volume_name(p, src), m.target))
            }
            ("volume", None) => o.volume.push(m.target.clone()),
            ("bind", Some(src)) => o.volume.push(format!(
                "{}:{}{ro}",
                absolute(&p.working_dir, src),
                m.target
            )),
            ("tmpfs", _) => o.tmpfs.push(m.target.clone()),
            (kind, _) => {
                return Err(fail(format!(
                    "{}: volume type {kind} is not supported",
                    what("volumes")
                )))
            }
        }
    }
    match s.network_mode.as_deref() {
        Some(mode) => {
            let mode = match mode.strip_prefix("service:") {
                Some(other) => format!("container:{}", container_name(p, other, 1)),
                None => mode.to_string(),
            };
            o.network.push(mode);
        }
        None => {
            for key in service_networks(s) {
                let mut arg = format!("{}:alias={name}", network_name(p, &key));
                if let Some(Some(n)) = s.networks.get(&key) {
                    for a in &n.aliases {
                        arg.push_str(&format!(",alias={a}"));
                    }
                    if let Some(ip) = &n.ipv4_address {
                        arg.push_str(&format!(",ip={ip}"));
                    }
                    if let Some(ip) = &n.ipv6_address {
                        arg.push_str(&format!(",ip6={ip}"));
                    }
                }
                o.network.push(arg);
            }
        }
    }
    if let Some(h) = &s.healthcheck {
        match h.test.first().map(String::as_str) {
            _ if h.disable => o.no_healthcheck = true,
            Some("NONE") => o.no_healthcheck = true,
            Some("CMD") => o.health_cmd = Some(serde_json::to_string(&h.test[1..])?),
            Some("CMD-SHELL") => o.health_cmd = Some(h.test[1..].join(" ")),
            Some(other) => {
                return Err(fail(format!(
                    "{}: test must start with CMD, CMD-SHELL or NONE, not {other:?}",
                    what("healthcheck")
                )))
            }
            None => {}
        }
        if let Some(i) = &h.interval {
            o.health_interval = i.clone();
        }
        if let Some(t) = &h.timeout {
            o.health_timeout = t.clone();
        }
        if let Some(t) = &h.start_period {
            o.health_start_period = t.clone();
        }
        if let Some(r) = h.retries {
            o.health_retries = r;
        }
    }
    o.restart = s.restart.clone();
    o.label = s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let files: Vec<String> = p
        .config_files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    for (k, v) in [
        (LABEL_PROJECT, p.name.clone()),
        (LABEL_SERVICE, name.to_string()),
        (LABEL_NUMBER, number.to_string()),
        (LABEL_HASH, super::plan::config_hash(s)),
        (LABEL_ONEOFF, "False".into()),
        (LABEL_WORKING_DIR, p.working_dir.display().to_string()),
        (LABEL_CONFIG_FILES, files.join(",")),
    ] {
        o.label.push(format!("{k}={v}"));
    }
    o.user = s.user.clone();
    o.workdir = s.working_dir.clone();
    o.hostname = s.hostname.clone();
    o.tmpfs.extend(s.tmpfs.iter().cloned());
    o.cap_add = s.cap_add.clone();
    o.cap_drop = s.cap_drop.clone();
    o.privileged = s.privileged.unwrap_or(false);
    o.read_only = s.read_only.unwrap_or(false);
    o.init = s.init.unwrap_or(false);
    o.stop_signal = s.stop_signal.clone();
    if let Some(g) = &s.stop_grace_period {
        o.stop_timeout = seconds(&what("stop_grace_period"), g)?;
    }
    // `host=ip` is the spec's other spelling of `host:ip`.
    o.add_host = s
        .extra_hosts
        .iter()
        .map(|h| match h.split_once('=') {
            Some((host, ip)) if !h.contains(':') || h.find('=') < h.find(':') => {
                format!("{host}:{ip}")
            }
            _ => h.clone(),
        })
        .collect();
    o.dns = s.dns.clone();
    o.dns_search = s.dns_search.clone();
    o.interactive = s.stdin_open.unwrap_or(false);
    o.tty = s.tty.unwrap_or(false);
    o.quiet = true;
    o.pull = match s.pull_policy.as_deref() {
        None | Some("missing") | Some("if_not_present") => {
            if s.build.is_some() && s.image.is_none() {
                PullPolicy::Never
            } else {
                PullPolicy::Missing
            }
        }
        Some("always") => PullPolicy::Always,
        Some("never") | Some("build") => PullPolicy::Never,
        Some(other) => {
            return Err(fail(format!(
                "{}: {other:?} is not one of always, missing, never, build",
                what("pull_policy")
            )))
        }
    };
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::load::{load, LoadOptions};

    fn project(yaml: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("demo");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(root.join("compose.yaml"), yaml).unwrap();
        load(&LoadOptions {
            cwd: root,
            ..LoadOptions::default()
        })
        .unwrap()
    }

    #[test]
    fn a_service_becomes_the_flags_a_user_would_type() {
        let p = project(
            "services:\n  web:\n    image: busybox\n    entrypoint: [sh, -c]\n    command: echo hi\n    environment: {A: '1'}\n    ports: ['8080:80']\n    volumes: [data:/data:ro, ./src:/src, {type: tmpfs, target: /t}]\n    networks:\n      front: {aliases: [www], ipv4_address: 10.1.2.3}\n    healthcheck: {test: [CMD, wget, -q, localhost], interval: 1s, retries: 5}\n    stop_grace_period: 1500ms\n    extra_hosts: ['a=1.2.3.4', 'b:5.6.7.8']\n    restart: always\nnetworks:\n  front: {}\nvolumes:\n  data: {}\n",
        );
        let o = create_options(&p, "web", 2).unwrap();
        assert_eq!(o.name.as_deref(), Some("demo-web-2"));
        assert_eq!(o.entrypoint.as_deref(), Some("[\"sh\",\"-c\"]"));
        assert_eq!(o.command, vec!["echo", "hi"]);
        assert_eq!(o.env, vec!["A=1"]);
        assert_eq!(o.publish, vec!["8080:80"]);
        assert_eq!(o.volume[0], "demo_data:/data:ro");
        assert!(o.volume[1].ends_with("/demo/src:/src"), "{}", o.volume[1]);
        assert_eq!(o.tmpfs, vec!["/t"]);
        assert_eq!(
            o.network,
            vec!["demo_front:alias=web,alias=www,ip=10.1.2.3"]
        );
        assert_eq!(
            o.health_cmd.as_deref(),
            Some("[\"wget\",\"-q\",\"localhost\"]")
        );
        assert_eq!(o.health_interval, "1s");
        assert_eq!(o.health_retries, 5);
        assert_eq!(o.stop_timeout, 2);
        assert_eq!(o.add_host, vec!["a:1.2.3.4", "b:5.6.7.8"]);
        assert!(o
            .label
            .contains(&"com.docker.compose.project=demo".to_string()));
        assert!(o
            .label
            .contains(&"com.docker.compose.container-number=2".to_string()));
        assert_eq!(o.restart.as_deref(), Some("always"));
    }

    #[test]
    fn default_network_and_network_modes() {
        let p = project(
            "services:\n  a:\n    image: x\n  b:\n    image: x\n    network_mode: service:a\n",
        );
        assert_eq!(
            create_options(&p, "a", 1).unwrap().network,
            vec!["demo_default:alias=a"]
        );
        assert_eq!(
            create_options(&p, "b", 1).unwrap().network,
            vec!["container:demo-a-1"]
        );
    }
}
