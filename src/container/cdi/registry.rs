//! The CDI specs of this machine and the resolution of requested device
//! names into one set of container edits.
//!
//! Specs are read from a list of directories, lowest priority first
//! (/etc/cdi, then /var/run/cdi, as the reference implementation orders
//! them): a device defined in a later directory overrides the same name
//! from an earlier one, and two files of the same directory defining the
//! same device are a conflict, reported when that device is requested.
//! A file that does not load never stops the others from loading; it is
//! remembered and named in errors and warnings.

use super::names::{self, QualifiedName};
use super::schema::{self, ContainerEdits, Format, Spec};
use crate::error::{exit_error, EXIT_COVE};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where CDI specs live, lowest priority first.
pub const SPEC_DIRS: [&str; 2] = ["/etc/cdi", "/var/run/cdi"];

/// A spec file that loaded.
#[derive(Debug)]
struct Loaded {
    path: PathBuf,
    /// Index of its directory in the search list.
    priority: usize,
    spec: Spec,
}

/// One definition of a device: (spec index, device index in the spec).
type DefinedAt = (usize, usize);

/// Every spec found, indexed by qualified device name.
#[derive(Debug, Default)]
pub struct Registry {
    dirs: Vec<PathBuf>,
    specs: Vec<Loaded>,
    /// `kind=name` -> every definition, in scan order.
    devices: BTreeMap<String, Vec<DefinedAt>>,
    broken: Vec<(PathBuf, String)>,
}

/// The devices a request named and the edits that make them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Qualified names, `=all` expanded, each once, in request order.
    pub devices: Vec<String>,
    /// The devices' edits, then each involved spec's own edits once.
    pub edits: ContainerEdits,
}

impl Registry {
    /// Read the specs of the default directories.
    pub fn load_default() -> Registry {
        let dirs: Vec<PathBuf> = SPEC_DIRS.iter().map(PathBuf::from).collect();
        Registry::load(&dirs)
    }

    /// Read every `.json` and `.yaml` file of `dirs` (lowest priority
    /// first; a missing directory holds no specs).
    pub fn load(dirs: &[PathBuf]) -> Registry {
        let mut registry = Registry {
            dirs: dirs.to_vec(),
            ..Registry::default()
        };
        for (priority, dir) in dirs.iter().enumerate() {
            let entries = match std::fs::read_dir(dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    registry
                        .broken
                        .push((dir.clone(), format!("cannot list the directory: {e}")));
                    continue;
                }
            };
            let mut files: Vec<(PathBuf, Format)> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| !p.is_dir())
                .filter_map(|p| Format::of(&p).map(|f| (p, f)))
                .collect();
            files.sort_by(|a, b| a.0.cmp(&b.0));
            for (path, format) in files {
                match read_spec(&path, format) {
                    Ok(spec) => registry.add(path, priority, spec),
                    Err(e) => registry.broken.push((path, format!("{e:#}"))),
                }
            }
        }
        registry
    }

    fn add(&mut self, path: PathBuf, priority: usize, spec: Spec) {
        let index = self.specs.len();
        for (d, device) in spec.devices.iter().enumerate() {
            self.devices
                .entry(format!("{}={}", spec.kind, device.name))
                .or_default()
                .push((index, d));
        }
        self.specs.push(Loaded {
            path,
            priority,
            spec,
        });
    }

    /// The spec files that could not be read, with the reason: for a
    /// warning, and named in resolution errors.
    pub fn broken(&self) -> &[(PathBuf, String)] {
        &self.broken
    }

    /// Every qualified device name defined, sorted.
    pub fn device_names(&self) -> Vec<String> {
        self.devices.keys().cloned().collect()
    }

    /// Resolve requested names (`vendor.com/class=name`, or `=all` for
    /// every device of the kind unless a device is literally named
    /// `all`) into the edits to apply.
    pub fn resolve(&self, requested: &[String]) -> anyhow::Result<Resolved> {
        let mut chosen: Vec<(String, DefinedAt)> = Vec::new();
        for text in requested {
            let q =
                names::parse_qualified(text).map_err(|e| exit_error(EXIT_COVE, e.to_string()))?;
            for (name, at) in self.lookup(&q)? {
                if !chosen.iter().any(|(n, _)| *n == name) {
                    chosen.push((name, at));
                }
            }
        }
        let mut edits = ContainerEdits::default();
        let mut specs_used: Vec<usize> = Vec::new();
        for (_, (s, d)) in &chosen {
            edits.append(&self.specs[*s].spec.devices[*d].container_edits);
            if !specs_used.contains(s) {
                specs_used.push(*s);
            }
        }
        for s in specs_used {
            edits.append(&self.specs[s].spec.container_edits);
        }
        Ok(Resolved {
            devices: chosen.into_iter().map(|(n, _)| n).collect(),
            edits,
        })
    }

    /// The definitions a name stands for (several for `=all`).
    fn lookup(&self, q: &QualifiedName) -> anyhow::Result<Vec<(String, DefinedAt)>> {
        let full = q.to_string();
        if self.devices.contains_key(&full) {
            return Ok(vec![(full.clone(), self.winner(&full)?)]);
        }
        let of_kind: Vec<&String> = self
            .devices
            .keys()
            .filter(|k| k.split_once('=').is_some_and(|(kind, _)| kind == q.kind))
            .collect();
        if q.name == "all" && !of_kind.is_empty() {
            return of_kind
                .into_iter()
                .map(|name| Ok((name.clone(), self.winner(name)?)))
                .collect();
        }
        let known = if of_kind.is_empty() {
            format!("no spec defines the kind {}", q.kind)
        } else {
            let names: Vec<&str> = of_kind
                .iter()
                .filter_map(|k| k.split_once('=').map(|(_, n)| n))
                .collect();
            format!("{} defines {}", q.kind, names.join(", "))
        };
        Err(exit_error(
            EXIT_COVE,
            format!(
                "CDI device {full} is not defined by any spec in {} ({known}){}",
                self.dirs_text(),
                self.broken_text()
            ),
        ))
    }

    /// The definition that counts: the one from the highest-priority
    /// directory; two there are a conflict.
    fn winner(&self, name: &str) -> anyhow::Result<DefinedAt> {
        let defs = self.devices.get(name).map(Vec::as_slice).unwrap_or(&[]);
        let top = defs
            .iter()
            .map(|(s, _)| self.specs[*s].priority)
            .max()
            .unwrap_or(0);
        let at_top: Vec<&DefinedAt> = defs
            .iter()
            .filter(|(s, _)| self.specs[*s].priority == top)
            .collect();
        match at_top.as_slice() {
            [one] => Ok(**one),
            many => {
                let files: Vec<String> = many
                    .iter()
                    .map(|(s, _)| self.specs[*s].path.display().to_string())
                    .collect();
                Err(exit_error(
                    EXIT_COVE,
                    format!(
                        "CDI device {name} is defined by more than one spec: {}; remove or rename one of them",
                        files.join(" and ")
                    ),
                ))
            }
        }
    }

    fn dirs_text(&self) -> String {
        let dirs: Vec<String> = self.dirs.iter().map(|d| d.display().to_string()).collect();
        dirs.join(" or ")
    }

    fn broken_text(&self) -> String {
        if self.broken.is_empty() {
            return String::new();
        }
        let files: Vec<String> = self
            .broken
            .iter()
            .map(|(path, why)| format!("{}: {why}", path.display()))
            .collect();
        format!("; spec files that could not be read: {}", files.join("; "))
    }
}

fn read_spec(path: &Path, format: Format) -> anyhow::Result<Spec> {
    let text = std::fs::read_to_string(path)?;
    schema::parse(&text, format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::exit_code;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn gpu_spec(kind: &str, devices: &[(&str, &str)], common_env: &str) -> String {
        let mut s = format!("cdiVersion: 0.6.0\nkind: {kind}\ndevices:\n");
        for (name, env) in devices {
            s += &format!("  - name: \"{name}\"\n    containerEdits: {{env: [\"{env}\"]}}\n");
        }
        if !common_env.is_empty() {
            s += &format!("containerEdits: {{env: [\"{common_env}\"]}}\n");
        }
        s
    }

    /// /etc/cdi and /var/run/cdi of a test.
    fn dirs(root: &Path) -> Vec<PathBuf> {
        vec![root.join("etc/cdi"), root.join("var/run/cdi")]
    }

    #[test]
    fn resolution_table() {
        let tmp = tempfile::tempdir().unwrap();
        let [etc, run] = [&dirs(tmp.path())[0], &dirs(tmp.path())[1]].map(|p| p.to_path_buf());
        write(
            &etc,
            "gpu.yaml",
            &gpu_spec("vendor.com/gpu", &[("0", "G=0"), ("1", "G=1")], "COMMON=1"),
        );
        // The dynamic directory wins for the same name.
        write(
            &run,
            "gpu-override.json",
            r#"{"cdiVersion": "0.6.0", "kind": "vendor.com/gpu",
            "devices": [{"name": "1", "containerEdits": {"env": ["G=1-dynamic"]}}]}"#,
        );
        write(
            &etc,
            "fpga.yaml",
            &gpu_spec("other.org/fpga", &[("all", "F=every")], ""),
        );
        write(&etc, "notes.txt", "not a spec");
        let reg = Registry::load(&dirs(tmp.path()));
        assert!(reg.broken().is_empty(), "{:?}", reg.broken());

        let cases: &[(&[&str], &[&str], &[&str])] = &[
            (
                &["vendor.com/gpu=0"],
                &["vendor.com/gpu=0"],
                &["G=0", "COMMON=1"],
            ),
            (
                &["vendor.com/gpu=1"],
                &["vendor.com/gpu=1"],
                &["G=1-dynamic"],
            ),
            (
                &["vendor.com/gpu=0", "vendor.com/gpu=0"],
                &["vendor.com/gpu=0"],
                &["G=0", "COMMON=1"],
            ),
            (
                &["vendor.com/gpu=all"],
                &["vendor.com/gpu=0", "vendor.com/gpu=1"],
                &["G=0", "G=1-dynamic", "COMMON=1"],
            ),
            // A device literally named "all" is that device.
            (
                &["other.org/fpga=all"],
                &["other.org/fpga=all"],
                &["F=every"],
            ),
            (
                &["other.org/fpga=all", "vendor.com/gpu=0"],
                &["other.org/fpga=all", "vendor.com/gpu=0"],
                &["F=every", "G=0", "COMMON=1"],
            ),
        ];
        for (request, devices, env) in cases {
            let request: Vec<String> = request.iter().map(|s| s.to_string()).collect();
            let r = reg.resolve(&request).unwrap();
            assert_eq!(r.devices, *devices, "{request:?}");
            assert_eq!(r.edits.env, *env, "{request:?}");
        }
        assert_eq!(
            reg.device_names(),
            ["other.org/fpga=all", "vendor.com/gpu=0", "vendor.com/gpu=1"]
        );
    }

    #[test]
    fn errors_name_the_device_and_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let [etc, run] = [&dirs(tmp.path())[0], &dirs(tmp.path())[1]].map(|p| p.to_path_buf());
        write(
            &etc,
            "gpu.yaml",
            &gpu_spec("vendor.com/gpu", &[("0", "G=0")], ""),
        );
        write(
            &run,
            "a.yaml",
            &gpu_spec("vendor.com/twin", &[("x", "A=1")], ""),
        );
        write(
            &run,
            "b.json",
            r#"{"cdiVersion": "0.6.0", "kind": "vendor.com/twin",
            "devices": [{"name": "x", "containerEdits": {"env": ["B=1"]}}]}"#,
        );
        write(&run, "broken.yaml", "cdiVersion: 0.6.0\nkind: [\n");
        let reg = Registry::load(&dirs(tmp.path()));
        assert_eq!(reg.broken().len(), 1);
        assert!(reg.broken()[0].0.ends_with("var/run/cdi/broken.yaml"));

        let broken = run.join("broken.yaml").display().to_string();
        let cases: Vec<(&str, Vec<String>)> = vec![
            (
                "vendor.com/gpu=7",
                vec![
                    "CDI device vendor.com/gpu=7 is not defined by any spec in".into(),
                    "(vendor.com/gpu defines 0)".into(),
                    format!("could not be read: {broken}"),
                ],
            ),
            (
                "acme.io/npu=0",
                vec!["no spec defines the kind acme.io/npu".into()],
            ),
            (
                "vendor.com/twin=x",
                vec![
                    "defined by more than one spec".into(),
                    run.join("a.yaml").display().to_string(),
                    run.join("b.json").display().to_string(),
                ],
            ),
            (
                "vendor.com/twin=all",
                vec!["defined by more than one spec".into()],
            ),
            ("gpu0", vec!["not a CDI device name".into()]),
        ];
        for (request, wants) in cases {
            let err = reg.resolve(&[request.to_string()]).unwrap_err();
            assert_eq!(exit_code(&err), 125);
            let text = format!("{err:#}");
            for want in wants {
                assert!(text.contains(&want), "{request}: {text} (wanted {want:?})");
            }
        }
        // A good device still resolves beside the broken file.
        assert!(reg.resolve(&["vendor.com/gpu=0".into()]).is_ok());
    }

    #[test]
    fn missing_directories_hold_no_specs() {
        let tmp = tempfile::tempdir().unwrap();
        let reg = Registry::load(&dirs(tmp.path()));
        assert!(reg.broken().is_empty());
        assert!(reg.device_names().is_empty());
        let err = format!("{:#}", reg.resolve(&["a.b/c=d".into()]).unwrap_err());
        assert!(err.contains("etc/cdi or "), "{err}");
    }
}
