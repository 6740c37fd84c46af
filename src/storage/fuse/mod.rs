//! The `fuse` storage driver: our own overlay filesystem, served with
//! fuse-backend-rs's transport from a process of its own (see
//! `server`), mounted by the container process in its mount namespace
//! (see `mount`). Same on-disk format as the kernel overlay (see
//! `layout`), and owners shifted on the fly (see `idmap`), so
//! `--userns=keep-id` needs no copy of the image.

pub mod copyup;
pub mod dirmerge;
pub mod fs;
pub mod idmap;
pub mod inodes;
pub mod mount;
pub mod server;
pub mod sys;

pub use server::FusePlan;
