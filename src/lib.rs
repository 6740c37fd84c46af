//! cove: daemonless, rootless containers. See ARCHITECTURE.md for the map.
//!
//! Layers, top to bottom; each module imports only from layers below it
//! (tests/layers.rs checks this):
//! - `cli`: the command line (clap), output formats, one handler per command;
//! - `container`, `image`, `dev`: what a user asks for;
//! - `runtime`, `storage`, `network`, `monitor`: how it is done;
//! - `sys`, `util`, `context`, `error`, `log`: syscall wrappers and small shared pieces.

pub mod build;
pub mod cli;
pub mod compose;
pub mod container;
pub mod context;
pub mod dev;
pub mod error;
pub mod events;
pub mod image;
pub mod log;
pub mod monitor;
pub mod network;
pub mod runtime;
pub mod storage;
pub mod sys;
pub mod util;
