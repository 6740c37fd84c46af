//! cove: daemonless, rootless containers. See ARCHITECTURE.md for the map.

pub mod archive;
pub mod auth;
pub mod changes;
pub mod cli;
pub mod commands;
pub mod container;
pub mod digest;
pub mod driver;
pub mod error;
pub mod fsutil;
pub mod image;
pub mod log;
pub mod output;
pub mod paths;
pub mod progress;
pub mod reference;
pub mod registries;
pub mod registry;
pub mod runtime;
pub mod store;
pub mod targuard;
pub mod tarstream;
pub mod template;
pub mod unpack;
pub mod userns;
pub mod volume;
