//! `cove run`, `cove create` and `cove start`.

use super::Ctx;
use crate::cli::{CreateArgs, RunArgs, StartArgs};
use crate::container::{create, record, start};
use crate::error::exit_error;

pub fn run(ctx: &Ctx, args: &RunArgs) -> anyhow::Result<i32> {
    let container = create::create(ctx, &args.create)?;
    start::start_attached(
        ctx,
        &container,
        args.create.interactive,
        start::OnFailure::Remove,
    )
}

pub fn create(ctx: &Ctx, args: &CreateArgs) -> anyhow::Result<i32> {
    let container = create::create(ctx, &args.create)?;
    println!("{}", container.config.id);
    Ok(0)
}

pub fn start(ctx: &Ctx, args: &StartArgs) -> anyhow::Result<i32> {
    if !args.attach {
        return Err(exit_error(
            125,
            "starting a container in the background needs its monitor, which this version of cove does not have yet; use `cove start --attach`",
        ));
    }
    let container = record::lookup(&ctx.paths.root, &args.container)?;
    let stdin_open = args.interactive || container.config.interactive;
    start::start_attached(ctx, &container, stdin_open, start::OnFailure::Keep)
}
