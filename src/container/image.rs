//! Finding the image a container runs, pulling it per `--pull`.
//!
//! The pull runs in a forked child: it moves into cove's storage user
//! namespace and starts threads, and this process must stay
//! single-threaded in the initial namespace to clone the container later.

use crate::container::request::CreateOptions;
use crate::context::Ctx;
use crate::error::{exit_error, silent_exit};
use crate::image::manifest::Platform;
use crate::image::registry::progress::Progress;
use crate::image::registry::pull as remote_pull;
use std::io::Read;

/// The id of the image to run, pulled first if the policy says so.
pub fn ensure_image(ctx: &Ctx, opts: &CreateOptions) -> anyhow::Result<String> {
    let input = opts.image.as_str();
    let local = match crate::image::store::Store::open_existing(&ctx.paths.root) {
        Some(store) => store.catalog()?.resolve(input)?.map(|i| i.id.clone()),
        None => None,
    };
    match remote_pull::decide(opts.pull, local.as_deref()) {
        remote_pull::PolicyDecision::UseLocal(id) => Ok(id),
        remote_pull::PolicyDecision::NotStored => Err(exit_error(
            125,
            format!("{input}: image not known, and --pull=never forbids pulling it"),
        )),
        remote_pull::PolicyDecision::Pull => pull_in_child(ctx, opts),
    }
}

fn pull_in_child(ctx: &Ctx, opts: &CreateOptions) -> anyhow::Result<String> {
    let platform = Platform::from_flags(opts.platform.as_deref(), None, None, None)?;
    let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    // SAFETY: this process is single-threaded; the child does the whole
    // pull and exits without returning.
    match unsafe { nix::unistd::fork() }? {
        nix::unistd::ForkResult::Child => {
            drop(read);
            let result = (|| -> anyhow::Result<String> {
                let conf = crate::image::registry::conf::RegistriesConf::load()?;
                let (store, unpack) = crate::image::store::open_for_writing(&ctx.paths.root)?;
                let req = remote_pull::PullRequest {
                    input: opts.image.as_str(),
                    platform,
                    registry: &opts.registry,
                    progress: Progress::new(opts.quiet),
                    unpack,
                };
                remote_pull::pull(&store, &conf, &req)
            })();
            let code = match result {
                Ok(id) => {
                    let _ = nix::unistd::write(&write, id.as_bytes());
                    0
                }
                Err(e) => {
                    let message = crate::error::describe(&e);
                    if !message.is_empty() {
                        eprintln!("Error: {message}");
                    }
                    crate::error::exit_code(&e)
                }
            };
            // SAFETY: leave without running the parent's destructors.
            unsafe { libc::_exit(code) };
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(write);
            let mut id = String::new();
            let _ = std::fs::File::from(read).read_to_string(&mut id);
            let status = nix::sys::wait::waitpid(child, None)?;
            match status {
                nix::sys::wait::WaitStatus::Exited(_, 0) if !id.is_empty() => Ok(id),
                nix::sys::wait::WaitStatus::Exited(_, code) if code != 0 => Err(silent_exit(code)),
                _ => Err(exit_error(
                    125,
                    format!("pulling {} failed", opts.image.as_str()),
                )),
            }
        }
    }
}
