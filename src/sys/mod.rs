//! Thin wrappers over system calls that several layers use, each once.

pub mod fd;
pub mod fsutil;
pub mod mount;
pub mod openat;
pub mod syscall;
pub mod userns;
