//! `cove exec` / `cove container exec`: run a command in a running
//! container (see `container::exec` and `runtime::exec`).

use crate::cli::ExecArgs;
use crate::container::exec::ExecRequest;
use crate::container::{options, record};
use crate::context::Ctx;
use crate::error::exit_error;

pub fn exec(ctx: &Ctx, args: &ExecArgs) -> anyhow::Result<i32> {
    let (name, command) = match args.container_and_command.split_first() {
        Some((name, command)) if !command.is_empty() => (name, command),
        _ => return Err(exit_error(
            125,
            "must provide a non-empty command to start an exec session: cove exec [OPTIONS] CONTAINER COMMAND [ARG...]",
        )),
    };
    // Variables from files first, then -e, as Podman layers them.
    let host = options::host_env();
    let mut env = Vec::new();
    for f in &args.env_file {
        env.extend(options::read_env_file(f)?);
    }
    for e in &args.env {
        env.extend(options::parse_env_arg(e, &host)?);
    }
    let container = record::lookup(&ctx.paths.root, name)?;
    let request = ExecRequest {
        command,
        env,
        user: args.user.as_deref(),
        workdir: args.workdir.as_deref(),
        tty: args.tty,
        interactive: args.interactive,
        detach: args.detach,
        privileged: args.privileged,
    };
    crate::container::exec::exec(&container, &request)
}
