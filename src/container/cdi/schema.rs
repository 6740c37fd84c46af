//! One CDI spec file: its serde shape (the fields of CDI 0.3.0 to 1.1.0)
//! and the checks that make a parsed file usable.
//!
//! Unknown fields are refused, as the reference implementation refuses
//! them: a field we would silently ignore could be a device edit the
//! vendor relies on. Every error names the field (`devices[1].name`); the
//! caller adds the file.

use super::names;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The versions of the CDI specification this reader knows.
const KNOWN_VERSIONS: &[&str] = &[
    "0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0", "1.0.0", "1.1.0",
];

/// The OCI hooks a spec may name.
pub const HOOK_NAMES: &[&str] = &[
    "prestart",
    "createRuntime",
    "createContainer",
    "startContainer",
    "poststart",
    "poststop",
];

/// A whole spec file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Spec {
    pub cdi_version: String,
    /// `vendor.com/class`.
    pub kind: String,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub devices: Vec<Device>,
    /// Applied once when any device of this spec is requested.
    #[serde(default)]
    pub container_edits: ContainerEdits,
}

/// One named device of a spec.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Device {
    pub name: String,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub container_edits: ContainerEdits,
}

/// The changes a device (or a whole spec) makes to a container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerEdits {
    /// `NAME=VALUE`, added to the process environment.
    #[serde(default)]
    pub env: Vec<String>,
    #[serde(default)]
    pub device_nodes: Vec<DeviceNode>,
    #[serde(default)]
    pub mounts: Vec<Mount>,
    #[serde(default)]
    pub hooks: Vec<Hook>,
    /// Supplementary groups for the container process (0 is ignored).
    #[serde(default)]
    pub additional_gids: Vec<u32>,
    /// Read so that a spec using it parses; applying it is refused (cove
    /// has no resctrl support).
    #[serde(default)]
    pub intel_rdt: Option<Present>,
    /// Host interfaces to move into the container; applying is refused
    /// (the container's network is cove's user-mode stack).
    #[serde(default)]
    pub net_devices: Vec<NetDevice>,
}

/// A field whose content is not used, only its presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Present;

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d)?;
        Ok(Present)
    }
}

/// A device node to make visible in the container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeviceNode {
    /// Where the node appears in the container.
    pub path: String,
    /// The node on the host; `path` when absent.
    #[serde(default)]
    pub host_path: Option<String>,
    /// `b`, `c`, `u` or `p`; read from the host node when absent.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub major: Option<i64>,
    #[serde(default)]
    pub minor: Option<i64>,
    #[serde(default)]
    pub file_mode: Option<u32>,
    /// Cgroup access, some of `rwm`; empty means `rwm`, `none` nothing.
    #[serde(default)]
    pub permissions: Option<String>,
    #[serde(default)]
    pub uid: Option<u32>,
    #[serde(default)]
    pub gid: Option<u32>,
}

impl DeviceNode {
    /// The node on the host.
    pub fn host(&self) -> &str {
        self.host_path
            .as_deref()
            .filter(|p| !p.is_empty())
            .unwrap_or(&self.path)
    }
}

/// A mount to add.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Mount {
    pub host_path: String,
    pub container_path: String,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// An OCI hook to run at `hook_name`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Hook {
    pub hook_name: String,
    pub path: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: Vec<String>,
    /// Seconds; must be positive when given.
    #[serde(default)]
    pub timeout: Option<i64>,
}

/// A host network interface to move into the container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetDevice {
    pub host_interface_name: String,
    pub name: String,
}

/// The text formats a spec file may be in, chosen by its extension as the
/// reference implementation does (`.json`, `.yaml`); other files in the
/// spec directories are not specs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    pub fn of(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "json" => Some(Format::Json),
            "yaml" => Some(Format::Yaml),
            _ => None,
        }
    }
}

/// Parse and check one spec's text. The error says which field is wrong;
/// the caller names the file.
pub fn parse(text: &str, format: Format) -> Result<Spec> {
    let spec: Spec = match format {
        Format::Json => serde_json::from_str(text).context("not a valid CDI spec (JSON)")?,
        Format::Yaml => yaml_serde::from_str(text).context("not a valid CDI spec (YAML)")?,
    };
    validate(&spec)?;
    Ok(spec)
}

/// The checks of a parsed spec: a known version, a well-formed kind, at
/// least one device, unique well-formed device names, and edits that can
/// be applied.
pub fn validate(spec: &Spec) -> Result<()> {
    let version = spec
        .cdi_version
        .strip_prefix('v')
        .unwrap_or(&spec.cdi_version);
    if !KNOWN_VERSIONS.contains(&version) {
        bail!(
            "cdiVersion {:?} is not a CDI version cove knows ({} to {})",
            spec.cdi_version,
            KNOWN_VERSIONS[0],
            KNOWN_VERSIONS[KNOWN_VERSIONS.len() - 1]
        );
    }
    names::parse_kind(&spec.kind).with_context(|| format!("kind {:?}", spec.kind))?;
    if spec.devices.is_empty() {
        bail!("devices: a spec must define at least one device");
    }
    let mut seen = BTreeSet::new();
    for (i, device) in spec.devices.iter().enumerate() {
        let at = format!("devices[{i}]");
        names::check_device_name(&device.name)
            .with_context(|| format!("{at}.name {:?}", device.name))?;
        if !seen.insert(device.name.as_str()) {
            bail!("{at}.name: device {:?} is defined twice", device.name);
        }
        if device.container_edits.is_empty() {
            bail!(
                "{at}.containerEdits: device {:?} changes nothing in the container",
                device.name
            );
        }
        validate_edits(&device.container_edits)
            .with_context(|| format!("{at}.containerEdits (device {:?})", device.name))?;
    }
    validate_edits(&spec.container_edits).context("containerEdits")
}

impl ContainerEdits {
    /// True when applying these edits would change nothing.
    pub fn is_empty(&self) -> bool {
        self.env.is_empty()
            && self.device_nodes.is_empty()
            && self.mounts.is_empty()
            && self.hooks.is_empty()
            && self.additional_gids.is_empty()
            && self.intel_rdt.is_none()
            && self.net_devices.is_empty()
    }

    /// These edits followed by `other`'s.
    pub fn append(&mut self, other: &ContainerEdits) {
        self.env.extend(other.env.iter().cloned());
        self.device_nodes.extend(other.device_nodes.iter().cloned());
        self.mounts.extend(other.mounts.iter().cloned());
        self.hooks.extend(other.hooks.iter().cloned());
        self.additional_gids
            .extend(other.additional_gids.iter().copied());
        if other.intel_rdt.is_some() {
            self.intel_rdt = other.intel_rdt;
        }
        self.net_devices.extend(other.net_devices.iter().cloned());
    }
}

fn validate_env(env: &[String], at: &str) -> Result<()> {
    for (i, var) in env.iter().enumerate() {
        if var.find('=').is_none_or(|eq| eq == 0) {
            bail!("{at}[{i}] {var:?}: expected NAME=VALUE");
        }
    }
    Ok(())
}

fn validate_edits(edits: &ContainerEdits) -> Result<()> {
    validate_env(&edits.env, "env")?;
    for (i, node) in edits.device_nodes.iter().enumerate() {
        let at = format!("deviceNodes[{i}]");
        if !node.path.starts_with('/') {
            bail!("{at}.path {:?}: must be an absolute path", node.path);
        }
        if let Some(host) = &node.host_path {
            if !host.is_empty() && !host.starts_with('/') {
                bail!("{at}.hostPath {host:?}: must be an absolute path");
            }
        }
        if let Some(kind) = &node.kind {
            if !matches!(kind.as_str(), "" | "b" | "c" | "u" | "p") {
                bail!("{at}.type {kind:?}: expected b, c, u or p");
            }
        }
        if let Some(perms) = &node.permissions {
            if perms != "none" && !perms.chars().all(|c| matches!(c, 'r' | 'w' | 'm')) {
                bail!("{at}.permissions {perms:?}: expected some of r, w, m, or none");
            }
        }
    }
    for (i, mount) in edits.mounts.iter().enumerate() {
        let at = format!("mounts[{i}]");
        if mount.host_path.is_empty() {
            bail!("{at}.hostPath: empty");
        }
        if !mount.container_path.starts_with('/') {
            bail!(
                "{at}.containerPath {:?}: must be an absolute path",
                mount.container_path
            );
        }
    }
    for (i, hook) in edits.hooks.iter().enumerate() {
        let at = format!("hooks[{i}]");
        if !HOOK_NAMES.contains(&hook.hook_name.as_str()) {
            bail!(
                "{at}.hookName {:?}: expected one of {}",
                hook.hook_name,
                HOOK_NAMES.join(", ")
            );
        }
        if !hook.path.starts_with('/') {
            bail!("{at}.path {:?}: must be an absolute path", hook.path);
        }
        if hook.timeout.is_some_and(|t| t <= 0) {
            bail!("{at}.timeout: must be more than 0 seconds");
        }
        validate_env(&hook.env, &format!("{at}.env"))?;
    }
    let mut hosts = BTreeSet::new();
    let mut names = BTreeSet::new();
    for (i, net) in edits.net_devices.iter().enumerate() {
        let at = format!("netDevices[{i}]");
        if net.host_interface_name.is_empty() || net.name.is_empty() {
            bail!("{at}: hostInterfaceName and name must not be empty");
        }
        if !hosts.insert(&net.host_interface_name) || !names.insert(&net.name) {
            bail!("{at}: interface named twice");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_YAML: &str = r#"
cdiVersion: "0.6.0"
kind: vendor.com/gpu
annotations:
  made-by: test
devices:
  - name: "0"
    containerEdits:
      deviceNodes:
        - path: /dev/card0
          hostPath: /dev/dri/card0
          type: c
          major: 226
          minor: 0
          permissions: rw
          uid: 0
          gid: 44
      env: ["GPU=0"]
containerEdits:
  mounts:
    - hostPath: /usr/lib/libvendor.so
      containerPath: /usr/lib/libvendor.so
      options: [ro, nosuid, nodev, bind]
  hooks:
    - hookName: createContainer
      path: /usr/bin/vendor-hook
      args: [vendor-hook, update-ldcache]
      env: ["DEBUG=1"]
      timeout: 5
"#;

    #[test]
    fn yaml_and_json_read_the_same_spec() {
        let yaml = parse(GOOD_YAML, Format::Yaml).unwrap();
        let json = r#"{
            "cdiVersion": "0.6.0", "kind": "vendor.com/gpu",
            "annotations": {"made-by": "test"},
            "devices": [{"name": "0", "containerEdits": {
                "deviceNodes": [{"path": "/dev/card0", "hostPath": "/dev/dri/card0",
                    "type": "c", "major": 226, "minor": 0, "permissions": "rw",
                    "uid": 0, "gid": 44}],
                "env": ["GPU=0"]}}],
            "containerEdits": {
                "mounts": [{"hostPath": "/usr/lib/libvendor.so",
                    "containerPath": "/usr/lib/libvendor.so",
                    "options": ["ro", "nosuid", "nodev", "bind"]}],
                "hooks": [{"hookName": "createContainer", "path": "/usr/bin/vendor-hook",
                    "args": ["vendor-hook", "update-ldcache"], "env": ["DEBUG=1"],
                    "timeout": 5}]}
        }"#;
        assert_eq!(parse(json, Format::Json).unwrap(), yaml);
        let node = &yaml.devices[0].container_edits.device_nodes[0];
        assert_eq!(node.host(), "/dev/dri/card0");
        assert_eq!(
            (node.major, node.minor, node.gid),
            (Some(226), Some(0), Some(44))
        );
        assert_eq!(yaml.container_edits.hooks[0].timeout, Some(5));
    }

    #[test]
    fn bad_specs_say_which_field() {
        let base =
            |devices: &str| format!("cdiVersion: 0.5.0\nkind: vendor.com/x\ndevices:\n{devices}");
        let env = "  - name: a\n    containerEdits: {env: [A=1]}\n";
        let cases: Vec<(String, &str)> = vec![
            (
                "cdiVersion: 9.9.9\nkind: vendor.com/x\ndevices: []".into(),
                "cdiVersion \"9.9.9\"",
            ),
            (
                format!("cdiVersion: 0.5.0\nkind: vendor.com\ndevices:\n{env}"),
                "kind \"vendor.com\"",
            ),
            (
                format!("cdiVersion: 0.5.0\nkind: vendor.com/x/y\ndevices:\n{env}"),
                "kind \"vendor.com/x/y\"",
            ),
            (
                "cdiVersion: 0.5.0\nkind: vendor.com/x\ndevices: []".into(),
                "at least one device",
            ),
            (base("  - name: -a\n    containerEdits: {env: [A=1]}\n"), "devices[0].name \"-a\""),
            (format!("{}{env}", base(env)), "devices[1].name: device \"a\" is defined twice"),
            (base("  - name: a\n    containerEdits: {}\n"), "changes nothing"),
            (base("  - name: a\n    containerEdits: {env: [=1]}\n"), "env[0] \"=1\""),
            (
                base("  - name: a\n    containerEdits: {deviceNodes: [{path: dev/x}]}\n"),
                "deviceNodes[0].path \"dev/x\"",
            ),
            (
                base("  - name: a\n    containerEdits: {deviceNodes: [{path: /dev/x, type: z}]}\n"),
                "deviceNodes[0].type \"z\"",
            ),
            (
                base("  - name: a\n    containerEdits: {deviceNodes: [{path: /dev/x, permissions: rx}]}\n"),
                "permissions \"rx\"",
            ),
            (
                base("  - name: a\n    containerEdits: {mounts: [{hostPath: /a, containerPath: b}]}\n"),
                "mounts[0].containerPath \"b\"",
            ),
            (
                base("  - name: a\n    containerEdits: {hooks: [{hookName: later, path: /h}]}\n"),
                "hooks[0].hookName \"later\"",
            ),
            (
                base("  - name: a\n    containerEdits: {hooks: [{hookName: poststop, path: /h, timeout: 0}]}\n"),
                "hooks[0].timeout",
            ),
            (
                base("  - name: a\n    containerEdits: {env: [A=1], colour: red}\n"),
                "unknown field `colour`",
            ),
            ("cdiVersion: [\n".into(), "not a valid CDI spec (YAML)"),
        ];
        for (text, want) in cases {
            let err = format!("{:#}", parse(&text, Format::Yaml).unwrap_err());
            assert!(err.contains(want), "{text:?}: {err} (wanted {want:?})");
        }
    }

    #[test]
    fn newer_fields_parse() {
        let text = r#"{"cdiVersion": "v1.1.0", "kind": "v.io/net", "devices": [{"name": "n",
            "containerEdits": {"netDevices": [{"hostInterfaceName": "eth1", "name": "eth0"}],
            "intelRdt": {"closID": "c"}, "additionalGids": [0, 44]}}]}"#;
        let spec = parse(text, Format::Json).unwrap();
        let edits = &spec.devices[0].container_edits;
        assert_eq!(edits.net_devices[0].host_interface_name, "eth1");
        assert!(edits.intel_rdt.is_some());
        assert_eq!(edits.additional_gids, vec![0, 44]);
    }

    #[test]
    fn format_follows_the_extension() {
        for (name, want) in [
            ("a.json", Some(Format::Json)),
            ("a.yaml", Some(Format::Yaml)),
            ("a.yml", None),
            ("a.json.bak", None),
            ("README", None),
        ] {
            assert_eq!(Format::of(Path::new(name)), want, "{name}");
        }
    }
}
