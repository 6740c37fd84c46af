//! Containers: records on disk, the runtime spec made from an image and
//! the command line, and the create/start steps that `run` chains.

pub mod access;
pub mod cdi;
pub mod commit;
pub mod create;
pub mod diff;
pub mod exec;
pub mod image;
pub mod inspect;
pub mod networks;
pub mod options;
pub mod pause;
pub mod pod;
pub mod procs;
pub mod record;
pub mod remove;
pub mod request;
pub mod shared_network;
pub mod spec;
pub mod start;
pub mod user;
