//! `build:` in a service: the image is made by cove's own builder, as
//! `cove build -t IMAGE [-f FILE] [--target T] [--build-arg K=V] CONTEXT`
//! would, in a forked child so that this process stays single-threaded
//! for the containers it creates next.

use super::model::Service;
use super::{translate, Project};
use crate::build::{BuildOptions, ContextSource, FileSource};
use crate::context::Ctx;
use crate::error::{exit_error, silent_exit};
use crate::image::commit::Format;
use crate::image::registry::pull::PullPolicy;

/// The builder's request for a service's `build:`.
pub fn options(p: &Project, name: &str, s: &Service) -> anyhow::Result<Option<BuildOptions>> {
    let Some(b) = &s.build else {
        return Ok(None);
    };
    let context = p.working_dir.join(&b.context);
    if !context.is_dir() {
        return Err(exit_error(
            1,
            format!(
                "service {name:?}: build context {} is not a directory",
                context.display()
            ),
        ));
    }
    let file = match &b.dockerfile {
        Some(f) => FileSource::Path(context.join(f)),
        None => FileSource::Lookup,
    };
    let tag = crate::image::reference::local_name(&translate::image_of(p, name, s))?;
    let build_args = b
        .args
        .iter()
        .filter_map(|(k, v)| {
            v.clone()
                .or_else(|| p.environ.get(k).cloned())
                .map(|v| (k.clone(), v))
        })
        .collect();
    Ok(Some(BuildOptions {
        context: ContextSource::Dir(context),
        file,
        tags: vec![tag],
        build_args,
        target: b.target.clone(),
        no_cache: false,
        layers: true,
        pull: PullPolicy::Missing,
        iidfile: None,
        quiet: true,
        labels: Vec::new(),
        env: Vec::new(),
        unsetenv: Vec::new(),
        omit_history: false,
        format: Format::Docker,
        network: None,
        volumes: Vec::new(),
        registry: Default::default(),
        ignorefile: None,
        secrets: Default::default(),
    }))
}

/// Run the build in a child process; its output is the child's.
pub fn run(ctx: &Ctx, opts: &BuildOptions) -> anyhow::Result<()> {
    // SAFETY: compose runs single-threaded; the child builds and leaves
    // with _exit, never returning into the parent's code.
    match unsafe { nix::unistd::fork() }? {
        nix::unistd::ForkResult::Child => {
            let code = match crate::build::exec::build(ctx, opts) {
                Ok(_) => 0,
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
        nix::unistd::ForkResult::Parent { child } => match nix::sys::wait::waitpid(child, None)? {
            nix::sys::wait::WaitStatus::Exited(_, 0) => Ok(()),
            nix::sys::wait::WaitStatus::Exited(_, code) => Err(silent_exit(code)),
            other => Err(exit_error(1, format!("the build ended with {other:?}"))),
        },
    }
}
