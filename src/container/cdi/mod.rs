//! The Container Device Interface: devices named `vendor.com/class=name`
//! (`--device nvidia.com/gpu=all`), defined by vendors' spec files in
//! /etc/cdi and /var/run/cdi, each a list of edits to the container
//! (device nodes, mounts, environment, hooks).
//!
//! - `names`: the name syntax;
//! - `schema`: one spec file (JSON or YAML) and its checks;
//! - `registry`: every spec of the machine, priorities and conflicts, and
//!   the resolution of requested names into edits;
//! - `apply`: those edits made to the container's OCI runtime spec.
//!
//! It lives under `container/` because `create` is its consumer (and
//! `dev/` reaches it through `container`, which keeps the two modules
//! free of a cycle).

pub mod apply;
pub mod names;
pub mod registry;
pub mod schema;

pub use apply::{apply, DeviceBind};
pub use names::{looks_qualified, parse_qualified, QualifiedName};
pub use registry::{Registry, Resolved, SPEC_DIRS};
