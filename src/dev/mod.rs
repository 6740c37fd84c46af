//! Desktop dev sandboxes (`cove dev`): a long-lived, mutable container
//! with the user's identity, home, display, sound, D-Bus and GPU, entered
//! as fast as a shell starts. The wrappers people use for this (toolbox,
//! distrobox) drive Podman; this module does it natively.
//!
//! - `desktop`: what the host's desktop offers, as a plan of binds,
//!   environment and devices;
//! - `identity`: the user's passwd/group/shadow entries and sudoers file
//!   for the image, and the checks that an image can hold a user;
//! - `export`: .desktop entries and wrapper scripts on the host that run
//!   an application inside a sandbox.

pub mod desktop;
pub mod export;
pub mod identity;
pub mod sandbox;
