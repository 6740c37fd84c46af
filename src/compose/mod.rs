//! `cove compose`: multi-container applications from compose files. A
//! translator, not a second runtime: the file becomes the same network,
//! volume, create and start calls the CLI makes (`translate`), in
//! dependency order (`plan`), applied and torn down by `apply`.
//!
//! - `interpolate`: `${VAR}` and friends, `.env` files.
//! - `model`: the typed, canonical service and its normalisation.
//! - `merge`: several `-f` files, and `extends`.
//! - `load`: files, variables, project name, profiles, warnings.
//! - `plan`: order, cycles, replicas, the configuration hash.
//! - `translate`: a replica as a `CreateOptions`.
//! - `build`: a service's `build:` by cove's builder.
//! - `apply`: `up` and `down` against the store.

pub mod apply;
pub mod build;
pub mod interpolate;
pub mod load;
pub mod merge;
pub mod model;
pub mod plan;
pub mod translate;

use model::{Resource, Service};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A loaded, interpolated, merged compose project.
#[derive(Debug, Clone)]
pub struct Project {
    pub name: String,
    /// The directory of the first file: relative paths start here.
    pub working_dir: PathBuf,
    pub config_files: Vec<PathBuf>,
    /// The services whose profiles are active.
    pub services: BTreeMap<String, Service>,
    /// Those whose profiles are not.
    pub disabled: BTreeMap<String, Service>,
    pub networks: BTreeMap<String, Resource>,
    pub volumes: BTreeMap<String, Resource>,
    /// One line per field cove ignores.
    pub warnings: Vec<String>,
    /// The variables interpolation saw.
    pub environ: BTreeMap<String, String>,
}

/// `compose config`'s document.
#[derive(Serialize)]
struct Resolved<'a> {
    name: &'a str,
    services: &'a BTreeMap<String, Service>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    networks: BTreeMap<String, Resource>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    volumes: BTreeMap<String, Resource>,
}

impl Project {
    /// The resolved file, as `compose config` prints it: names filled in,
    /// the implicit default network made explicit.
    pub fn to_yaml(&self) -> anyhow::Result<String> {
        let mut networks = BTreeMap::new();
        let uses_default = self.services.values().any(|s| {
            translate::service_networks(s)
                .iter()
                .any(|n| n == "default")
        });
        if uses_default && !self.networks.contains_key("default") {
            networks.insert("default".to_string(), Resource::default());
        }
        networks.extend(self.networks.clone());
        for (k, n) in networks.iter_mut() {
            n.name = Some(translate::network_name(self, k));
        }
        let mut volumes = self.volumes.clone();
        for (k, v) in volumes.iter_mut() {
            v.name = Some(translate::volume_name(self, k));
        }
        Ok(yaml_serde::to_string(&Resolved {
            name: &self.name,
            services: &self.services,
            networks,
            volumes,
        })?)
    }
}
